"""The shape of prompts/*.yaml and the placeholders each template may use.

Pydantic models with `extra="forbid"` (unknown keys are errors), and
MESSAGE_VARS: the contract between the code and messages.yaml, i.e. which
values the code supplies for each message. Rendering is strict: a
placeholder without a value is a ConfigError, never a blank.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

PHASES = ("review", "intake", "question", "followup", "balance", "actions", "summary")
SUGGESTION_KEYS = (*PHASES, "confirm")  # "confirm": while ratings wait for a "ja"
RATING_NAMES = ("commitment", "progress", "result")
COMMAND_NAMES = ("help", "skip", "back", "summary", "restart", "stop", "repeat", "keep")

# The placeholders the code supplies for each message: the contract between
# coach/dialogue and prompts/messages.yaml.
_NONE: frozenset[str] = frozenset()
MESSAGE_VARS: dict[str, frozenset[str]] = {
    "greeting": frozenset({"title"}),
    "ask_intake": _NONE,
    "intake_thanks": _NONE,
    "intake_role": frozenset({"role"}),
    "intake_parties": frozenset({"parties"}),
    "intake_skipped": _NONE,
    "role_partner": _NONE,
    "role_facilitator": _NONE,
    "role_other": _NONE,
    "questions_intro": frozenset({"total", "title"}),
    "ask_central": frozenset({"n", "total", "question"}),
    "ask_followup": frozenset({"question"}),
    "followup_statement": frozenset({"statement"}),
    "reflect": frozenset({"words"}),
    "reflect_plain": _NONE,
    "quote": frozenset({"quote", "title", "section"}),
    "ungrounded": _NONE,
    "notice_ungrounded": _NONE,
    "moving_on": _NONE,
    "skipped": _NONE,
    "back_to": frozenset({"n"}),
    "back_to_add": frozenset({"n"}),
    "back_first": _NONE,
    "back_unavailable": _NONE,
    "help": _NONE,
    **{f"hint_{phase}": _NONE for phase in PHASES},
    "summary_so_far": _NONE,
    "continue": _NONE,
    "restarted": _NONE,
    "stopped": _NONE,
    "after_summary": _NONE,
    "retracted": frozenset({"said"}),
    "retract_noted": _NONE,
    "correction_then_on": _NONE,
    "retract_absent": _NONE,
    "summary_again": _NONE,
    "summary_updated": _NONE,
    "ask_balance": _NONE,
    "ask_missing": frozenset({"labels"}),
    "rating_invalid": frozenset({"values"}),
    "rating_decimal": frozenset({"values"}),
    "rating_too_many": frozenset({"count", "asked"}),
    "rating_not_understood": _NONE,
    "confirm_ratings": frozenset({"ratings"}),
    "ratings_again": _NONE,
    "ratings_given_earlier": _NONE,
    "ratings_as_answer": _NONE,
    "ratings_kept": _NONE,
    "added_to_question": frozenset({"n"}),
    "correction_resume": _NONE,
    "kept_private": _NONE,
    "summary_synthesis": _NONE,
    "summary_found": frozenset({"said"}),
    "summary_priority": frozenset({"text"}),
    "summary_found_none": _NONE,
    "summary_balance_line": frozenset({"text"}),
    "summary_chosen_line": frozenset({"titles"}),
    "summary_chosen_none": _NONE,
    "summary_who": _NONE,
    "summary_when": _NONE,
    "summary_remark": frozenset({"text"}),
    "summary_notes": _NONE,
    "summary_private": frozenset({"count"}),
    "summary_private_gist": frozenset({"said"}),
    "summary_clarified": _NONE,
    "ratings_noted": frozenset({"ratings"}),
    **{f"label_{name}": _NONE for name in RATING_NAMES},
    "rating_unknown": _NONE,
    "balance_skipped": _NONE,
    "actions_intro": _NONE,
    "actions_intro_unrated": _NONE,
    "action_line": frozenset({"n", "title", "why"}),
    "action_quote": frozenset({"quote", "title", "section"}),
    "no_actions": _NONE,
    "ask_choose": _NONE,
    "ask_close": _NONE,
    "choose_not_understood": _NONE,
    "chosen": frozenset({"titles"}),
    "chosen_none": _NONE,
    "no_parties": _NONE,
    "qa_intro": _NONE,
    "qa_nothing": _NONE,
    "qa_resume": _NONE,
    "empty": _NONE,
    "not_understood": _NONE,
    "hostile": _NONE,
    "offtopic": _NONE,
    "word_and": _NONE,
    "summary_title": frozenset({"title"}),
    "summary_note": _NONE,
    "summary_context": _NONE,
    "summary_role": frozenset({"role"}),
    "summary_parties": frozenset({"parties"}),
    "summary_theme": frozenset({"words"}),
    "summary_intake": _NONE,
    "summary_answers": _NONE,
    "summary_followup": _NONE,
    "summary_no_answers": _NONE,
    "summary_balance": _NONE,
    "summary_score": _NONE,
    "summary_actions": _NONE,
    "summary_offered": _NONE,
    "summary_no_actions": _NONE,
    "summary_quotes": _NONE,
    "summary_sources": _NONE,
    "notice_truncated": frozenset({"limit", "length"}),
    # the export's words for a turn's phase and for feedback, in the session's language
    **{f"export_phase_{phase}": _NONE for phase in (*PHASES, "qa")},
    "export_liked": _NONE,
    "export_disliked": _NONE,
    "export_transcript": _NONE,
    "export_you": _NONE,
    "export_feedback": _NONE,
    "review_intro": frozenset({"count"}),
    "review_ask": frozenset({"title"}),
    "review_unclear": _NONE,
    "review_noted_done": _NONE,
    "review_noted_partly": _NONE,
    "review_noted_not_yet": _NONE,
    "review_skipped": _NONE,
    "review_thanks": _NONE,
    "summary_reviews": _NONE,
    "review_status_done": _NONE,
    "review_status_partly": _NONE,
    "review_status_not_yet": _NONE,
    "review_status_none": _NONE,
}
PATTERN_VARS = frozenset(RATING_NAMES)
WHY_VARS = frozenset({*RATING_NAMES, "parties", "role"})
WHY_SAID_VARS = WHY_VARS | {"said"}


# --- file models (pydantic at the edge) ---------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(_Strict):
    """One text in both languages."""

    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.nl


class WordLists(_Strict):
    """Words or phrases per language."""

    nl: tuple[str, ...] = ()
    en: tuple[str, ...] = ()

    def get(self, language: str) -> tuple[str, ...]:
        return self.en if language == "en" else self.nl

    def all(self) -> tuple[str, ...]:
        return self.nl + tuple(w for w in self.en if w not in self.nl)


class MessagesFile(_Strict):
    messages: dict[str, Texts]
    suggestions: dict[str, WordLists]


Range = tuple[int, int]
RatingRanges = dict[str, Range]


def _check_ranges(alternatives: list[RatingRanges]) -> list[RatingRanges]:
    for ranges in alternatives:
        for name, (low, high) in ranges.items():
            if name not in RATING_NAMES:
                raise ValueError(f"unknown rating {name!r}; use {', '.join(RATING_NAMES)}")
            if not 1 <= low <= high <= 5:
                raise ValueError(
                    f"range of {name} must be [low, high] within 1-5, got [{low}, {high}]"
                )
    return alternatives


class Pattern(_Strict):
    """A way to name the balance of the ratings."""

    id: str
    when: list[RatingRanges]
    text: Texts
    query: str = Field(min_length=1)
    suggest: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _ranges(self) -> Pattern:
        _check_ranges(self.when)
        return self


class ActionSpec(_Strict):
    """One entry of the action library.

    An action fits by the situation signals the user raised (`signals`: id ->
    weight), by the ratings (`ratings`), by the balance pattern that suggests
    it, and weakly by `keywords`. `why_said` explains it in terms of what the
    user said ({said} is the signal's paraphrase from reflections.yaml);
    `why` explains it by the ratings.
    """

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    title: Texts
    why: Texts
    why_said: Texts | None = None
    signals: dict[str, int] = {}
    ratings: list[RatingRanges] = []
    keywords: tuple[str, ...] = ()
    query: str = Field(min_length=1)
    priority: int = 0

    @model_validator(mode="after")
    def _ranges(self) -> ActionSpec:
        _check_ranges(self.ratings)
        return self


class Limits(_Strict):
    min_actions: int = Field(default=2, ge=1)
    max_actions: int = Field(default=4, ge=1)
    action_queries: int = Field(default=6, ge=1)


class ActionsFile(_Strict):
    limits: Limits = Field(default_factory=Limits)
    unquoted_sections: tuple[str, ...] = ()
    # Signals that steer the actions in full even when read only faintly (never said back).
    heard_in_full: tuple[str, ...] = ()
    patterns: list[Pattern] = Field(min_length=1)
    actions: list[ActionSpec] = Field(min_length=2)

    def action(self, action_id: str) -> ActionSpec | None:
        return next((a for a in self.actions if a.id == action_id), None)

    def pattern(self, pattern_id: str | None) -> Pattern | None:
        return next((p for p in self.patterns if p.id == pattern_id), None)


class RatingWords(_Strict):
    labels: dict[str, tuple[str, ...]]
    numbers: dict[str, int]
    levels: dict[str, int]
    intensifiers: tuple[str, ...] = ()


class Hostile(_Strict):
    insults: tuple[str, ...]
    targets: tuple[str, ...]


class ReviewWords(_Strict):
    """How a partner says what became of last round's action (precedence: partly, not yet,
    done, so "niet helemaal gelukt" is partly and "nog niet" is not yet)."""

    done: WordLists = WordLists()
    partly: WordLists = WordLists()
    not_yet: WordLists = WordLists()


class CommandsFile(_Strict):
    commands: dict[str, WordLists]
    move_on: WordLists
    decline: WordLists
    choose_all: WordLists
    choose_none: WordLists
    ordinals: dict[str, int]
    question_words: WordLists
    definition_starts: WordLists
    ratings: RatingWords
    roles: dict[str, tuple[str, ...]]
    organisations: tuple[str, ...]
    hostile: Hostile
    topic_words: tuple[str, ...]
    command_phrases: dict[str, WordLists] = {}
    place_words: tuple[str, ...] = ()
    confirm: WordLists = WordLists()
    agenda_words: tuple[str, ...] = ()
    command_words: WordLists = WordLists()
    review_status: ReviewWords = ReviewWords()
    priority_phrases: WordLists = WordLists()


class BankCentral(_Strict):
    nl: str
    en: str


class BankFollowup(_Strict):
    """A follow-up question: when it fits (`signals`, `keywords`) and when the user
    has in effect already answered it (`answered_by`: signals that say so)."""

    nl: str
    en: str
    ask_nl: str | None = None
    ask_en: str | None = None
    keywords: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    answered_by: tuple[str, ...] = ()
    not_when: tuple[str, ...] = ()  # signals of an answer it does not fit ("going_well")
    central: tuple[int, ...] = ()  # the central questions (1-based) it follows up on


class Variants(_Strict):
    """Several ways to say one thing, per language (used in turn, so wording varies)."""

    nl: tuple[str, ...] = Field(min_length=1)
    en: tuple[str, ...] = Field(min_length=1)

    def get(self, language: str) -> tuple[str, ...]:
        return self.en if language == "en" else self.nl


class SignalTexts(_Strict):
    """How the coach shows it understood a signal, says it back later, and grounds it."""

    reflect: Variants
    said: Texts  # completes "Je vertelde dat ..." / "You said that ..."
    query: str = Field(min_length=1)  # what the cards say about it (retrieval, card language)
    # Card sections that speak to this situation: among the retrieved passages, a quote
    # from one of these is preferred (a soft bonus; it never adds a passage).
    sections: tuple[str, ...] = ()


class ReflectionsFile(_Strict):
    """prompts/reflections.yaml: what a coach says back, instead of listing words."""

    signals: dict[str, SignalTexts]
    feelings: dict[str, Variants]  # general | fatigue | anger
    plain: Variants
    ask_contradiction: Variants
    ask_sarcasm: Variants
    correction: Variants
    requests: dict[str, Variants]  # agenda | generic
    note_kept: Variants


class CardQuestions(_Strict):
    """The question-bank entry of one card."""

    title_en: str | None = None
    central: list[BankCentral] = []
    followups: list[BankFollowup] = []
