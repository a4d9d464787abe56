"""Reading YAML with errors that name the file, the line and the key.

Shared by everything that reads YAML from outside: prompts, card front
matter, the retrieval dev set and conversation scripts.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from coach.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


def yaml_line(node: Any, loc: tuple[Any, ...], first: int = 1) -> int:
    """File line of the deepest YAML node along a pydantic error location.

    `first` is the file line on which the YAML starts (2 for front matter
    after its opening `---`).
    """
    if node is None:
        return max(first - 1, 1)
    line = node.start_mark.line + first
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if match is None:
                break
            line = match[0].start_mark.line + first
            node = match[1]
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + first
        else:
            break
    return line


class LazyNodes:
    """The YAML node tree, composed only when an error needs a line (composing is slow)."""

    def __init__(self, raw: str) -> None:
        self.raw = raw

        self._node: Any = None

    def node(self) -> Any:
        if self._node is None:
            try:
                self._node = yaml.compose(self.raw, Loader=_LOADER)
            except yaml.YAMLError:
                return None
        return self._node


_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> tuple[Any, LazyNodes]:
    """Parse a YAML file; returns the data and a lazy node tree, or a ConfigError."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: file missing; restore it from the repository (prompts/ ships with the coach)."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}); save it as UTF-8 text.") from None
    try:
        return yaml.load(raw, Loader=_LOADER), LazyNodes(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(
            f"{where}: not valid YAML ({exc}); fix the indentation or quoting."
        ) from None


def line_of(lazy: LazyNodes, loc: tuple[Any, ...]) -> int:
    return yaml_line(lazy.node(), loc)


def parse_yaml(model: type[M], path: Path) -> tuple[M, LazyNodes]:
    """Validate a YAML file against a strict model; errors name file, line and key."""
    data, lazy = read_yaml(path)
    try:
        return model.model_validate(data if data is not None else {}), lazy
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        if error["type"] == "extra_forbidden":
            message = (
                f"unknown key `{key}`; remove it or check the spelling (see prompts/README.md)."
            )
        elif error["type"] == "missing":
            message = f"`{key}` is missing; add it (see prompts/README.md)."
        else:
            message = f"`{key}`: {error['msg']}; see prompts/README.md for the format."
        raise ConfigError(f"{path}:{line_of(lazy, loc)}: {message}") from None


def load_bilingual(
    path: Path, languages: tuple[str, ...] = ("nl", "en")
) -> dict[str, dict[str, str]]:
    """A `{nl: {key: text}, en: {key: text}}` file (ui.yaml, rounds.yaml), checked: both
    languages, the same keys, every value a non-empty text, the same placeholders in each
    language. Errors name the file, the key and the fix."""

    def fields(text: str, key: str) -> set[str]:
        try:
            return {f for _, f, _, _ in string.Formatter().parse(text) if f}
        except ValueError as exc:
            raise ConfigError(f"{path}: `{key}` is not a valid template ({exc}).") from None

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path} is missing; restore it from the repository.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}).") from None
    if not isinstance(data, dict) or set(data) != set(languages):
        keys = " and ".join(f"`{lang}`" for lang in languages)
        raise ConfigError(f"{path}: needs exactly the top-level keys {keys}.")
    first = languages[0]
    for lang in languages[1:]:
        if set(data[first]) != set(data[lang]):
            diff = sorted(set(data[first]) ^ set(data[lang]))
            raise ConfigError(
                f"{path}: `{first}` and `{lang}` must have the same keys; differing: {diff}."
            )
    for key, text in data[first].items():
        for lang in languages:
            if not isinstance(data[lang][key], str) or not data[lang][key].strip():
                raise ConfigError(f"{path}: `{lang}.{key}` must be a non-empty text.")
        if any(fields(data[lang][key], key) != fields(text, key) for lang in languages[1:]):
            raise ConfigError(f"{path}: `{key}` uses different placeholders in nl and en.")
    return {lang: dict(data[lang]) for lang in languages}
