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
    """A retrieval a turn needs; `step` finds its hits by `name` ("insight", "action:<id>").

    `text` is what lexical search reads. The dense vector is built by the
    service without embedding anything new: the user's message vector when
    `user` is set (it is embedded once per turn, for understanding too), plus
    the cached vectors of the fixed strings in `mix` (a card question, a
    signal's query, an action's query), weighted by `mix_weight`. A query
    with neither is embedded from `text`. The quoted sentence within a passage
    is chosen with the mix weighted by `quote_weight` when set: a light touch
    of the signals ranks the passages best, a firmer one picks the sentence
    that says what the coach reflects.
    """

    name: str
    text: str
    user: bool = False
    mix: tuple[str, ...] = ()
    mix_weight: float = 1.0
    quote_weight: float | None = None  # mix weight for choosing the quoted sentence, if other


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
    intent: str = "answer"  # how the message was read (the Understanding's intent)
    signals: list[str] = field(default_factory=list)  # signals read in this message


@dataclass(frozen=True)
class Plan:
    """How the machine reads a message; read before retrieval, so `queries_for` and `step` agree.

    kind: answer | intake | correction | move_on | decline | command | qa | redirect |
    request | ratings | confirm | to_actions | choose | note | closed | keep
    """

    kind: str
    command: str | None = None
    target: int | None = None  # the central question a natural "go back to 2" names
    redirect: str | None = None
    ratings: RatingParse | None = None
    choice: tuple[int, ...] | None = None
    remark: str = ""  # what came with a choice ("1, maar ...")
    queries: tuple[Query, ...] = field(default=())
