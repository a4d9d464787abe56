"""The dialogue state: everything the coach remembers about one conversation.

A frozen dataclass that the pure machine replaces on every turn. It holds no
card text and no retrieved passages, only indices, the user's own words (with
the signals read from them) and the citations already shown, so it serialises
to a small JSON object that the session store keeps with each turn
(`to_dict`/`from_dict`). Version 1 states (before the understanding step)
still load: their answers simply carry no signals.

A session in a team round may start with `reviews`: the actions the partner
chose last round, handed in by the service, each asked about once in phase
"review" ("Vorige keer koos je ... — is dat gelukt?") before the intake.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from coach.errors import InputError
from coach.models import Action, Citation, Ratings

STATE_VERSION = 2
READABLE_VERSIONS = (1, 2)
PHASES = ("review", "intake", "question", "followup", "balance", "actions", "summary")
CLARIFY = -1  # `Answer.followup` of the user's reply to a clarifying question
REVIEW_STATUSES = ("done", "partly", "not_yet")


@dataclass(frozen=True)
class Review:
    """An action the partner chose in the previous round, and what became of it.

    `status` is None until answered, and stays None when the user skipped it or
    twice gave no readable answer; `text` keeps the user's own words.
    """

    action: str  # action id in prompts/actions.yaml
    title: str  # in the session's language
    status: str | None = None  # one of REVIEW_STATUSES
    text: str = ""


@dataclass(frozen=True)
class IntakeContext:
    """What the user told about themselves and the collaboration."""

    role: str | None = None  # "partner" | "facilitator" | "other"
    parties: tuple[str, ...] = ()
    theme: tuple[str, ...] = ()
    text: str = ""
    role_label: str | None = None  # the user's own word for their role ("wethouder")
    signals: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """The user's answer to a central question (`followup` None) or to one of its follow-ups.

    `replaced` keeps earlier versions the user corrected (the history keeps
    both; the summary shows `text`). `private` marks an answer that was mainly
    a feeling: it stays out of the shareable summary unless the user keeps it.
    """

    question: int  # index of the central question
    followup: int | None  # index in card.followup_questions, CLARIFY, or None
    text: str
    signals: tuple[str, ...] = ()
    private: bool = False
    replaced: tuple[str, ...] = ()
    clear: tuple[str, ...] = ()  # the signals read clearly enough to say back


@dataclass(frozen=True)
class Note:
    """Something the user said outside an answer slot that must not be lost.

    A stop criterion given at the ratings prompt, a remark that comes with a
    choice of actions ("1, maar ..."), a feeling voiced while rating. Notes
    feed the actions and the summary like answers do.
    """

    phase: str
    text: str
    signals: tuple[str, ...] = ()
    private: bool = False
    action: str | None = None  # the action a remark at the choice prompt belongs to
    clear: tuple[str, ...] = ()  # the signals read clearly enough to say back


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
    notes: tuple[Note, ...] = ()
    proposed: Ratings | None = None  # ratings read with a guess, waiting for a "ja"
    clarifying: str | None = None  # "sarcasm" | "contradiction": a clarifying question is pending
    said: tuple[str, ...] = ()  # reflection variants used, so wording does not repeat
    keep_private: bool = False  # the user chose to keep their feelings in the summary
    owners: tuple[tuple[str, str, str], ...] = ()  # (action id, who, when) filled in by the user
    reviews: tuple[Review, ...] = ()  # last round's chosen actions (team rounds)
    review_index: int = 0  # the review being asked about (phase "review")
    adding: int | None = None  # going back to this question to add to its answer
    denied: tuple[str, ...] = ()  # signals the user took back: never read again here

    def owner_of(self, action_id: str) -> tuple[str, str]:
        """The "wie / wanneer" the user filled in for a chosen action ("" when not yet)."""
        return next(((w, t) for a, w, t in self.owners if a == action_id), ("", ""))

    def answer_to(self, question: int, followup: int | None = None) -> Answer | None:
        """The stored answer to a central question or one of its follow-ups."""
        return next(
            (a for a in self.answers if a.question == question and a.followup == followup), None
        )

    def signal_counts(self) -> Counter[str]:
        """How often each signal came up in the intake, the answers and the notes."""
        counts: Counter[str] = Counter(self.context.signals)
        for answer in self.answers:
            counts.update(answer.signals)
        for note in self.notes:
            counts.update(note.signals)
        return counts

    def signals(self) -> tuple[str, ...]:
        """Every signal raised in this conversation, most frequent first (ties: first raised)."""
        order: dict[str, int] = {}
        for sig in (
            *self.context.signals,
            *(s for a in self.answers for s in a.signals),
            *(s for n in self.notes for s in n.signals),
        ):
            order.setdefault(sig, len(order))
        counts = self.signal_counts()
        return tuple(sorted(order, key=lambda s: (-counts[s], order[s])))

    def without(self, signals: Sequence[str]) -> DialogueState:
        """The user took these readings back: they leave every answer, note and the
        intake, and are not read again in this conversation."""
        gone = set(signals)

        def keep(found: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(s for s in found if s not in gone)

        return replace(
            self,
            context=replace(self.context, signals=keep(self.context.signals)),
            answers=tuple(
                replace(a, signals=keep(a.signals), clear=keep(a.clear)) for a in self.answers
            ),
            notes=tuple(
                replace(n, signals=keep(n.signals), clear=keep(n.clear)) for n in self.notes
            ),
            denied=tuple(dict.fromkeys((*self.denied, *signals))),
        )

    def clear_signals(self) -> tuple[str, ...]:
        """The signals read clearly enough to say back ("Je vertelde dat ..."), most
        frequent first: a fainter reading steers actions but is never put in the user's
        mouth."""
        clear = {s for a in self.answers for s in a.clear} | {
            s for n in self.notes for s in n.clear
        }
        clear |= set(self.context.signals)
        return tuple(s for s in self.signals() if s in clear)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict; `from_dict` restores an equal state.

        `signals` (derived, most frequent first) is included for readers such as
        team-round reports; `from_dict` ignores it.
        """
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
                "role_label": self.context.role_label,
                "signals": list(self.context.signals),
            },
            "answers": [
                {
                    "question": a.question,
                    "followup": a.followup,
                    "text": a.text,
                    "signals": list(a.signals),
                    "private": a.private,
                    "replaced": list(a.replaced),
                    "clear": list(a.clear),
                }
                for a in self.answers
            ],
            "notes": [
                {
                    "phase": n.phase,
                    "text": n.text,
                    "signals": list(n.signals),
                    "private": n.private,
                    "action": n.action,
                    "clear": list(n.clear),
                }
                for n in self.notes
            ],
            "ratings": _ratings_dict(self.ratings),
            "proposed": None if self.proposed is None else _ratings_dict(self.proposed),
            "pattern": self.pattern,
            "offered": [a.to_dict() for a in self.offered],
            "chosen": list(self.chosen),
            "cited": [c.to_dict() for c in self.cited],
            "ended": self.ended,
            "clarifying": self.clarifying,
            "said": list(self.said),
            "keep_private": self.keep_private,
            "owners": [list(o) for o in self.owners],
            "reviews": [
                {"action": r.action, "title": r.title, "status": r.status, "text": r.text}
                for r in self.reviews
            ],
            "review_index": self.review_index,
            "adding": self.adding,
            "denied": list(self.denied),
            "signals": list(self.signals()),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DialogueState:
        """Rebuild a state stored by `to_dict` (this or an older version); else InputError."""
        try:
            if data.get("version", STATE_VERSION) not in READABLE_VERSIONS:
                raise ValueError(f"version {data.get('version')}")
            ctx = data.get("context") or {}
            proposed = data.get("proposed")
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
                    role_label=ctx.get("role_label"),
                    signals=tuple(str(s) for s in ctx.get("signals", ())),
                ),
                answers=tuple(
                    Answer(
                        int(a["question"]),
                        _opt_int(a.get("followup")),
                        str(a["text"]),
                        tuple(str(s) for s in a.get("signals", ())),
                        bool(a.get("private", False)),
                        tuple(str(r) for r in a.get("replaced", ())),
                        tuple(str(s) for s in a.get("clear", ())),
                    )
                    for a in data.get("answers", ())
                ),
                notes=tuple(
                    Note(
                        str(n["phase"]),
                        str(n["text"]),
                        tuple(str(s) for s in n.get("signals", ())),
                        bool(n.get("private", False)),
                        n.get("action"),
                        tuple(str(s) for s in n.get("clear", ())),
                    )
                    for n in data.get("notes", ())
                ),
                ratings=_ratings(data.get("ratings") or {}),
                proposed=None if proposed is None else _ratings(proposed),
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
                clarifying=data.get("clarifying") or None,
                said=tuple(str(s) for s in data.get("said", ())),
                keep_private=bool(data.get("keep_private", False)),
                adding=_opt_int(data.get("adding")),
                denied=tuple(str(s) for s in data.get("denied", ())),
                owners=tuple((str(a), str(w), str(t)) for a, w, t in data.get("owners", ())),
                reviews=tuple(
                    Review(
                        str(r["action"]),
                        str(r["title"]),
                        _status(r.get("status")),
                        str(r.get("text", "")),
                    )
                    for r in data.get("reviews", ())
                ),
                review_index=int(data.get("review_index", 0)),
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


def _ratings_dict(ratings: Ratings) -> dict[str, int | None]:
    return {
        "commitment": ratings.commitment,
        "progress": ratings.progress,
        "result": ratings.result,
    }


def _ratings(raw: dict[str, Any]) -> Ratings:
    return Ratings(
        _opt_int(raw.get("commitment")),
        _opt_int(raw.get("progress")),
        _opt_int(raw.get("result")),
    )


def _status(value: Any) -> str | None:
    if value is None:
        return None
    if value not in REVIEW_STATUSES:
        raise ValueError(f"review status {value!r}")
    return str(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)
