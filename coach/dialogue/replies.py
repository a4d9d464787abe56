"""The value types of a turn: the retrievals it needs, how a message was read, the reply.

Kept apart from `machine` so the turn handlers can build replies without an
import cycle; `coach.dialogue.machine` re-exports `Query` and `Reply`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coach.dialogue.parsing import RatingParse
from coach.models import Action, Citation


@dataclass(frozen=True)
class Query:
    """A retrieval a turn needs; `step` finds its hits by `name` ("insight", "action:<id>")."""

    name: str
    text: str


@dataclass
class Reply:
    """What the coach says this turn, with everything the UI shows around it."""

    phase: str
    text: str
    language: str
    citations: list[Citation]
    followups: list[str]
    actions: list[Action]
    suggestions: list[str]
    progress: dict[str, Any]
    notice: str | None
    retrieved: list[str]  # ids of the passages this turn's reply was built from
    ended: bool = False


@dataclass(frozen=True)
class Plan:
    """How the machine reads a message; read before retrieval, so `queries_for` and `step` agree."""

    # answer | move_on | decline | command | qa | redirect | ratings | to_actions | choose | closed
    kind: str
    command: str | None = None
    redirect: str | None = None
    ratings: RatingParse | None = None
    queries: tuple[Query, ...] = field(default=())
