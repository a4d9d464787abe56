"""The few errors Balanscoach raises, under one root.

Every message says what went wrong *and* what to do about it; the CLI and the
chat turn them into a friendly notice at the edge, never a traceback.
"""

from __future__ import annotations


class CoachError(Exception):
    """Root of every error a user may see; `str(err)` is the user-facing message."""


class ConfigError(CoachError):
    """A setting is invalid (names the setting and the accepted values)."""


class CorpusError(CoachError):
    """A corpus file cannot be read or parsed (names the file and, if known, the line)."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        where = ""
        if path:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line


class IndexMissing(CoachError):
    """No usable index exists yet."""


class ModelUnavailable(CoachError):
    """The embedding model cannot be loaded."""


class SessionNotFound(CoachError):
    """A session id does not exist (or was deleted)."""


class InputError(CoachError):
    """User input cannot be used as given (empty query, malformed script...)."""


def one_line(exc: BaseException) -> str:
    """An exception as one short line for a message: its type and the first line of its text."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__
