"""What a scripted conversation produced: its turns, its checks and their outcomes.

Plain dataclasses shared by the checks (which build `Check`s) and the runner
(which fills a `ScriptResult` turn by turn); `ScriptResult.to_dict()` is the
form stored in report.json.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

REPLY_EXCERPT = 400  # characters of the coach's reply quoted in a failure message


@dataclass
class Check:
    """One assertion and its outcome; `turn` is the 1-based user turn, None for end checks."""

    name: str
    passed: bool
    expected: str
    actual: str
    turn: int | None = None
    line: int | None = None
    reply: str = ""

    def message(self, script: str) -> str:
        """E.g. "partners vergaderen (turn 2, line 9): phase — expected followup, got question"."""
        where = f"turn {self.turn}" if self.turn is not None else "end"
        if self.line:
            where += f", line {self.line}"
        text = f"{script} ({where}): {self.name} — expected {self.expected}, got {self.actual}"
        if self.reply:
            text += f'\n    coach replied: "{excerpt(self.reply)}"'
        return text


@dataclass
class TurnResult:
    """A user message, the coach's reply (as a dict) and the checks on it."""

    index: int  # 1-based; 0 is the coach's greeting
    user: str | None
    reply: dict[str, Any]
    wall_ms: float
    user_language: str | None = None  # detected; None = too short/ambiguous
    reply_language: str | None = None
    checks: list[Check] = field(default_factory=list)


@dataclass
class ScriptResult:
    """Everything one script produced: transcript, checks and what metrics need."""

    name: str
    path: str
    language: str
    card: str
    session: str = ""
    tags: list[str] = field(default_factory=list)
    turns: list[TurnResult] = field(default_factory=list)
    end_checks: list[Check] = field(default_factory=list)
    error: str | None = None
    central_total: int = 0
    central_asked: int = 0
    summary: str | None = None
    gold: list[bool] = field(default_factory=list)  # outcome of each cites_any check

    @property
    def checks(self) -> list[Check]:
        return [c for t in self.turns for c in t.checks] + self.end_checks

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failures

    def failure_messages(self) -> list[str]:
        """One readable message per failed assertion (and the error, if the run broke)."""
        messages = [c.message(self.name) for c in self.failures]
        if self.error:
            messages.append(f"{self.name}: run stopped — {self.error}")
        return messages

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        data["n_checks"] = len(self.checks)
        data["n_failed"] = len(self.failures) + (1 if self.error else 0)
        data["failures"] = self.failure_messages()
        return data


def excerpt(text: str, limit: int = REPLY_EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
