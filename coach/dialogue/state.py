"""The dialogue state: everything the coach remembers about one conversation.

A frozen dataclass that the pure machine replaces on every turn. It holds no
card text and no retrieved passages, only indices, the user's own words and
the citations already shown, so it serialises to a small JSON object that
the session store keeps with each turn (`to_dict`/`from_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coach.errors import InputError
from coach.models import Action, Citation, Ratings

STATE_VERSION = 1
PHASES = ("intake", "question", "followup", "balance", "actions", "summary")


@dataclass(frozen=True)
class IntakeContext:
    """What the user told about themselves and the collaboration."""

    role: str | None = None  # "partner" | "facilitator" | "other"
    parties: tuple[str, ...] = ()
    theme: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class Answer:
    """The user's answer to a central question (`followup` None) or to one of its follow-ups."""

    question: int  # index of the central question
    followup: int | None  # index in card.followup_questions
    text: str


@dataclass(frozen=True)
class DialogueState:
    """Where one conversation stands; replaced, never mutated."""

    card_id: str
    language: str = "nl"
    phase: str = "intake"
    question_index: int = 0  # current central question (0-based)
    pending_followup: int | None = None  # follow-up being asked (phase "followup")
    followups_asked: tuple[int, ...] = ()  # never asked twice in a session
    followups_here: int = 0  # follow-ups asked for the current central question
    context: IntakeContext = IntakeContext()
    answers: tuple[Answer, ...] = ()
    ratings: Ratings = Ratings()  # noqa: RUF009 - Ratings is frozen, sharing it is safe
    pattern: str | None = None  # balance pattern id once the ratings are complete
    offered: tuple[Action, ...] = ()  # actions suggested in phase "actions"
    chosen: tuple[str, ...] = ()  # ids of the actions the user chose
    cited: tuple[Citation, ...] = ()  # every citation shown, for the summary's sources
    ended: bool = False

    def answer_to(self, question: int, followup: int | None = None) -> Answer | None:
        """The stored answer to a central question or one of its follow-ups."""
        return next(
            (a for a in self.answers if a.question == question and a.followup == followup), None
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict; `from_dict` restores an equal state."""
        return {
            "version": STATE_VERSION,
            "card_id": self.card_id,
            "language": self.language,
            "phase": self.phase,
            "question_index": self.question_index,
            "pending_followup": self.pending_followup,
            "followups_asked": list(self.followups_asked),
            "followups_here": self.followups_here,
            "context": {
                "role": self.context.role,
                "parties": list(self.context.parties),
                "theme": list(self.context.theme),
                "text": self.context.text,
            },
            "answers": [
                {"question": a.question, "followup": a.followup, "text": a.text}
                for a in self.answers
            ],
            "ratings": {
                "commitment": self.ratings.commitment,
                "progress": self.ratings.progress,
                "result": self.ratings.result,
            },
            "pattern": self.pattern,
            "offered": [a.to_dict() for a in self.offered],
            "chosen": list(self.chosen),
            "cited": [c.to_dict() for c in self.cited],
            "ended": self.ended,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DialogueState:
        """Rebuild a state stored by `to_dict`; InputError when it is not one."""
        try:
            if data.get("version", STATE_VERSION) != STATE_VERSION:
                raise ValueError(f"version {data.get('version')}")
            ctx = data.get("context") or {}
            ratings = data.get("ratings") or {}
            state = cls(
                card_id=str(data["card_id"]),
                language=str(data.get("language", "nl")),
                phase=str(data.get("phase", "intake")),
                question_index=int(data.get("question_index", 0)),
                pending_followup=_opt_int(data.get("pending_followup")),
                followups_asked=tuple(int(i) for i in data.get("followups_asked", ())),
                followups_here=int(data.get("followups_here", 0)),
                context=IntakeContext(
                    role=ctx.get("role"),
                    parties=tuple(str(p) for p in ctx.get("parties", ())),
                    theme=tuple(str(t) for t in ctx.get("theme", ())),
                    text=str(ctx.get("text", "")),
                ),
                answers=tuple(
                    Answer(int(a["question"]), _opt_int(a.get("followup")), str(a["text"]))
                    for a in data.get("answers", ())
                ),
                ratings=Ratings(
                    _opt_int(ratings.get("commitment")),
                    _opt_int(ratings.get("progress")),
                    _opt_int(ratings.get("result")),
                ),
                pattern=data.get("pattern"),
                offered=tuple(
                    Action(
                        a["id"],
                        a["title"],
                        a["why"],
                        tuple(Citation(**c) for c in a.get("citations", ())),
                    )
                    for a in data.get("offered", ())
                ),
                chosen=tuple(str(c) for c in data.get("chosen", ())),
                cited=tuple(Citation(**c) for c in data.get("cited", ())),
                ended=bool(data.get("ended", False)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(
                f"Stored dialogue state cannot be read ({exc}); start a new session."
            ) from None
        if state.phase not in PHASES:
            raise InputError(
                f"Stored dialogue state has unknown phase {state.phase!r}; start a new session."
            )
        return state


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)
