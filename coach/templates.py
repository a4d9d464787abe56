"""Strict rendering of the `{placeholder}` templates in prompts/.

Used for the coach's messages, the action library, UI labels and session
plans alike: a placeholder without a value is an error naming where the
template lives, never a blank in front of a user.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from coach.errors import ConfigError


def placeholders(template: str) -> list[str]:
    """The {names} a template uses, in order; ValueError for a malformed template."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def render_template(template: str, values: Mapping[str, Any], where: str) -> str:
    """Fill a template; a placeholder without a value is a ConfigError, never a blank."""
    missing = [name for name in placeholders(template) if name not in values]
    if missing:
        raise ConfigError(
            f"{where} needs {{{missing[0]}}}, which was not supplied; "
            f"use only: {', '.join(sorted(values)) or '(no placeholders)'}."
        )
    return template.format_map({k: str(v) for k, v in values.items()})
