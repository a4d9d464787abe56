"""Plain dataclasses shared by every stage of the pipeline.

Cards come out of `corpus`, passages out of `chunking`, hits out of
`retrieval`; the dialogue manager turns hits into citations. Nothing here does
I/O, so every stage can be tested on its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Source:
    """A literature reference of a card."""

    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    publisher: str | None = None
    url: str | None = None

    def reference(self) -> str:
        """Full reference, e.g. 'Kaats, E. & Opheij, W. (2012). Leren ... . url'."""
        parts = []
        if self.authors:
            names = list(self.authors)
            parts.append(", ".join(names[:-1]) + " & " + names[-1] if len(names) > 1 else names[0])
        if self.year:
            parts.append(f"({self.year})")
        head = " ".join(parts)
        ref = f"{head}. {self.title}" if head else self.title
        if self.publisher:
            ref += f". {self.publisher}"
        if self.url:
            ref += f". {self.url}"
        return ref


@dataclass(frozen=True)
class SectionHints:
    """Extra phrasings for one section, indexed as extra vectors (multi-vector)."""

    questions: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A heading and its text; `start`/`end` are offsets of `text` in `Card.text`."""

    heading: str
    text: str
    start: int
    end: int
    hints: SectionHints = SectionHints()


@dataclass(frozen=True)
class Card:
    """A guidance text as structured data.

    `text` is the normalised full text (headings and bodies); every quote the
    coach shows must occur in it verbatim.
    """

    id: str
    title: str
    language: str
    origin: str
    path: str
    text: str
    sections: tuple[Section, ...]
    central_questions: tuple[str, ...] = ()
    followup_questions: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    content_hash: str = ""
    summary: str = ""  # one sentence from the front matter, if any

    def section(self, heading: str) -> Section | None:
        """The section with this heading (case-insensitive), if any."""
        wanted = heading.strip().lower()
        return next((s for s in self.sections if s.heading.lower() == wanted), None)


@dataclass(frozen=True)
class Passage:
    """A retrievable chunk: never spans two sections."""

    id: str
    card_id: str
    card_title: str
    section: str
    text: str
    start: int  # offset in the card's normalised text
    end: int
    language: str
    sources: tuple[Source, ...] = ()

    def metadata(self) -> dict[str, Any]:
        """Flat metadata for a vector store (Chroma accepts only scalars)."""
        return {
            "passage_id": self.id,
            "card_id": self.card_id,
            "card_title": self.card_title,
            "section": self.section,
            "start": self.start,
            "end": self.end,
            "language": self.language,
        }


@dataclass(frozen=True)
class Hit:
    """A passage returned by retrieval for one query, best first."""

    passage: Passage
    score: float
    rank: int
    dense_rank: int | None = None
    lexical_rank: int | None = None
    # Quote windows of the passage (start, end offsets in `passage.text`, cosine with the
    # query vector), best first; filled by `HybridRetriever.search(..., windows=True)`,
    # empty for lexical-only search and fake test searchers.
    windows: tuple[tuple[int, int, float], ...] = ()


@dataclass(frozen=True)
class Citation:
    """A verbatim quote from a retrieved passage, with where it comes from."""

    passage_id: str
    card: str
    title: str
    section: str
    quote: str
    source: str  # full reference(s) of the card, '; '-joined
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Action:
    """A suggested next action, with why it fits and its grounding."""

    id: str
    title: str
    why: str
    citations: tuple[Citation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "why": self.why,
            "citations": [c.to_dict() for c in self.citations],
        }


@dataclass(frozen=True)
class Ratings:
    """Balance ratings, 1-5 each; None where not given yet."""

    commitment: int | None = None
    progress: int | None = None
    result: int | None = None

    def missing(self) -> tuple[str, ...]:
        return tuple(k for k in ("commitment", "progress", "result") if getattr(self, k) is None)

    def complete(self) -> bool:
        return not self.missing()


@dataclass
class CoachTurn:
    """One reply of the coach, as the CLI's `--json`, the UI and the evaluator see it."""

    session: str
    turn: int
    phase: str
    text: str
    language: str = "nl"
    citations: list[Citation] = field(default_factory=list)
    followups: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)  # clickable replies
    retrieved: list[str] = field(default_factory=list)  # passage ids retrieved this turn
    progress: dict[str, Any] = field(default_factory=dict)  # phase, question i of n, ratings
    notice: str | None = None  # friendly notice (truncated input, ungrounded turn...)
    elapsed_ms: float = 0.0
    intent: str | None = None  # how the user's message was read (None: the greeting)
    signals: list[str] = field(default_factory=list)  # situation signals read in the message

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "turn": self.turn,
            "phase": self.phase,
            "text": self.text,
            "language": self.language,
            "citations": [c.to_dict() for c in self.citations],
            "followups": list(self.followups),
            "actions": [a.to_dict() for a in self.actions],
            "suggestions": list(self.suggestions),
            "retrieved": list(self.retrieved),
            "progress": dict(self.progress),
            "notice": self.notice,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "intent": self.intent,
            "signals": list(self.signals),
        }


@dataclass(frozen=True)
class Understanding:
    """How one user message was read: its intent and the situation signals it carries.

    Computed by the service (`coach.understanding`) before the dialogue machine
    runs, and handed to it as a value beside the retrieved hits, so the machine
    stays pure. `signals` are (id, score) pairs above their threshold, best
    first; `question` is the question the message asks the coach, when it
    asks one (also inside a longer message); `answer_part` is what remains
    of the message around that question or after a correction's opening words.
    """

    intent: str = "answer"
    signals: tuple[tuple[str, float], ...] = ()
    question: str | None = None
    answer_part: str = ""
    emotion: str | None = None  # "fatigue" | "anger" | "relief" | "general": a feeling shown
    sarcasm: bool = False
    contradiction: bool = False
    intent_scores: tuple[tuple[str, float], ...] = ()
    # The signals read clearly enough to say back to the user; None: all of them.
    # Fainter ones still steer follow-ups and actions, but a wrong paraphrase is worse
    # than a plain acknowledgement.
    confident: tuple[str, ...] | None = None
    # What the message takes back of the coach's reading: signals it says are fine
    # ("vertrouwen is prima"), a rejection of the last reading that names nothing ("dat
    # is het punt niet"), and the message without those clauses.
    # A correction that comes after an answer to the question asked now ("Dat zou een
    # kans zijn. Nee wacht, wat ik bij de eerste vraag zei klopt niet: ..."): that answer.
    answer_first: str = ""
    own_words: bool = False  # the message takes back the user's own earlier words
    retracted: tuple[str, ...] = ()
    rejects_reading: bool = False
    unretracted: str = ""

    @property
    def retracts(self) -> bool:
        return bool(self.retracted) or self.rejects_reading

    @property
    def clear_signals(self) -> tuple[str, ...]:
        """The signals to reflect, best first."""
        if self.confident is None:
            return self.signal_ids
        return tuple(s for s in self.signal_ids if s in self.confident)

    @property
    def signal_ids(self) -> tuple[str, ...]:
        """The signal ids, best first."""
        return tuple(s for s, _ in self.signals)

    def has(self, signal: str) -> bool:
        return any(s == signal for s, _ in self.signals)
