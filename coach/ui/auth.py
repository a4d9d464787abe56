"""The web app's login setting, parsed without importing Gradio (so it can fail fast)."""

from __future__ import annotations

from coach.errors import ConfigError


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """'user:password' → (user, password); None when login is off."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ConfigError('COACH_AUTH must look like "user:password" (both parts non-empty).')
    return user, password
