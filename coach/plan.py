"""Facilitator session plans: cards + group + minutes + context → an agenda with grounded readings.

The planner is deterministic and offline: the agenda template, the exercise
library and every word of the rendered plan live in `prompts/plan.yaml`; the
central and follow-up questions come from the cards themselves; the passages
to read are retrieved with the facilitator's context as the query, and each
quote is checked to occur word for word in its card (quotes that don't are
dropped, as in the dialogue). Time is split by weights with per-block minimums
and rounded to 5 minutes, and the rounding remainder goes to the question
blocks, so the agenda always adds up to exactly the requested duration.

A plan made from a team round (`coach.rounds.plan`) gets a `PlanFocus`: the
round's differences open the plan and its own agenda block ("Waar we
verschillen"), the central questions that fit them come first, and the
readings are retrieved with them.

This module holds the plan's data model and the agenda builder (`make_plan`);
`plan_library` reads the data file, `plan_readings` finds the grounded quotes
and `plan_render` writes the plan as Markdown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coach.errors import ConfigError, InputError
from coach.models import Card, Citation
from coach.plan_library import (
    BlockTemplate,
    PlanLibrary,
    english_questions,
    load_library,
)
from coach.plan_readings import best_quote, grounded_readings, word_set
from coach.plan_render import plan_markdown
from coach.settings import PROMPTS_DIR

__all__ = [
    "AgendaBlock",
    "Exercise",
    "PlanFocus",
    "SessionPlan",
    "best_quote",
    "load_library",
    "make_plan",
    "plan_markdown",
]


@dataclass(frozen=True)
class Exercise:
    """A chosen exercise for one block."""

    id: str
    name: str
    how: str
    minutes: int
    subgroups: bool = False  # group too large for a plenary round


@dataclass(frozen=True)
class PlanFocus:
    """Where a group session starts when it follows a team round."""

    title: str  # e.g. "Teamronde Wijkzorg Noord, ronde 1: 6 deelnemers."
    lines: tuple[str, ...]  # the differences and what to bring up, in words
    words: str  # what questions, exercises and readings should fit
    first: str = ""  # what the first question block should be about (the widest spread)


@dataclass(frozen=True)
class AgendaBlock:
    """One time block; `start` is minutes from the beginning."""

    id: str
    title: str
    purpose: str
    start: int
    minutes: int
    exercises: tuple[Exercise, ...] = ()
    question: str | None = None
    card_id: str | None = None
    followups: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # a focus block: the round's differences

    @property
    def end(self) -> int:
        return self.start + self.minutes


@dataclass(frozen=True)
class SessionPlan:
    """A facilitator's plan: goal, agenda that fills the duration, readings with citations."""

    language: str
    card_ids: tuple[str, ...]
    card_titles: tuple[str, ...]
    group_size: int
    minutes: int
    context: str
    goal: str
    blocks: tuple[AgendaBlock, ...]
    readings: tuple[Citation, ...]
    library: PlanLibrary = field(repr=False, compare=False)
    focus: PlanFocus | None = None

    def total_minutes(self) -> int:
        return sum(b.minutes for b in self.blocks)

    def to_markdown(self) -> str:
        return plan_markdown(self)


def _overlap(text_words: set[str], keywords: Iterable[str]) -> int:
    """How many keywords (single or multi-word) the text mentions."""
    score = 0
    for keyword in keywords:
        parts = word_set(keyword)
        if parts and parts <= text_words:
            score += 1
    return score


def _card_lookup(source: Any) -> Mapping[str, Card]:
    cards = getattr(source, "cards", None)
    if callable(cards):
        cards = cards()
    if not isinstance(cards, Mapping):
        raise ConfigError("make_plan needs a Coach or a searcher that knows its cards.")
    return cards


def _pick_questions(
    cards: Sequence[Card], limit: int, focus: PlanFocus | None = None
) -> list[tuple[Card, str]]:
    """Central questions, round-robin over the cards so each card is represented; with a
    focus, the questions about its `first` theme come first, then those closest to it."""
    picked: list[tuple[Card, str]] = []
    depth = max((len(c.central_questions) for c in cards), default=0)
    for i in range(depth):
        for card in cards:
            if i < len(card.central_questions):
                picked.append((card, card.central_questions[i]))
    if focus is not None:
        first, other = word_set(focus.first), word_set(focus.words)
        picked.sort(key=lambda cq: (-len(word_set(cq[1]) & first), -len(word_set(cq[1]) & other)))
    return picked[:limit]


def _split_minutes(
    minimums: list[int], weights: list[float], total: int, flex: list[int]
) -> list[int]:
    """Share `total` by weight, each at least its minimum, rounded to 5; exact sum guaranteed."""
    step = 5 if total % 5 == 0 else 1
    spare = total - sum(minimums)
    weight_sum = sum(weights) or 1.0
    shares = [
        m + int(spare * w / weight_sum / step) * step
        for m, w in zip(minimums, weights, strict=True)
    ]
    remainder = total - sum(shares)
    order = flex or list(range(len(shares)))
    i = 0
    while remainder > 0:  # hand out what rounding left over, question blocks first
        add = min(step, remainder)
        shares[order[i % len(order)]] += add
        remainder -= add
        i += 1
    return shares


def _choose_exercises(
    library: PlanLibrary,
    candidates: Sequence[str],
    minutes: int,
    group_size: int,
    words: set[str],
    card_id: str | None,
    lang: str,
    used: set[str],
) -> tuple[Exercise, ...]:
    """One exercise (two in a long block) that fits group and time, best keyword match first."""
    scored = []
    for order, name in enumerate(candidates):
        spec = library.exercises[name]
        if spec.minutes > minutes:
            continue
        score = 2 * _overlap(words, spec.keywords) + (3 if card_id and card_id in spec.cards else 0)
        score -= 2 if name in used else 0  # vary the exercises over the agenda
        scored.append((-score, order, name))
    if not scored:  # nothing fits the time: take the shortest candidate
        name = min(candidates, key=lambda n: library.exercises[n].minutes)
        scored = [(0, 0, name)]
    scored.sort()
    chosen: list[Exercise] = []
    budget = minutes
    for _, _, name in scored:
        spec = library.exercises[name]
        if chosen and (spec.minutes > budget or len(chosen) == 2 or minutes < 25):
            break
        low, high = spec.group
        chosen.append(
            Exercise(
                id=name,
                name=spec.name.get(lang),
                how=spec.how.get(lang),
                minutes=spec.minutes,
                subgroups=group_size > min(high, library.limits.large_group) or group_size < low,
            )
        )
        budget -= spec.minutes
    used.update(e.id for e in chosen)
    return tuple(chosen)


def _followups_for(
    card: Card, question: str, context_words: set[str], taken: set[str]
) -> tuple[str, ...]:
    """Two follow-up questions of the card that fit the question and context best."""
    target = word_set(question) | context_words
    ranked = sorted(
        (q for q in card.followup_questions if q not in taken),
        key=lambda q: -len(word_set(q) & target),
    )
    chosen = tuple(ranked[:2])
    taken.update(chosen)
    return chosen


def make_plan(
    coach_or_searcher: Any,
    cards: Sequence[str | Card],
    group_size: int,
    minutes: int,
    context: str = "",
    language: str = "nl",
    *,
    prompts_dir: Path | None = None,
    focus: PlanFocus | None = None,
) -> SessionPlan:
    """Build a session plan for a facilitator; raises InputError with the fix for bad input.

    `focus`: where the group differs (a team round); it opens the plan.
    """
    if prompts_dir is None:
        settings = getattr(coach_or_searcher, "settings", None)
        prompts_dir = getattr(settings, "prompts_dir", PROMPTS_DIR)
    library = load_library(Path(prompts_dir))
    lang = "en" if language == "en" else "nl"
    limits = library.limits
    known = _card_lookup(coach_or_searcher)
    chosen: list[Card] = []
    for item in cards:
        card = item if isinstance(item, Card) else known.get(str(item))
        if card is None:
            raise InputError(f"Unknown card {item!r}; choose from: {', '.join(sorted(known))}.")
        if card not in chosen:
            chosen.append(card)
    if not chosen:
        raise InputError("Choose at least one card, e.g. --card blijf-balanceren.")
    if not limits.min_group <= group_size <= limits.max_group:
        raise InputError(
            f"Group size {group_size} is out of range; use {limits.min_group} to "
            f"{limits.max_group}."
        )
    if not limits.min_minutes <= minutes <= limits.max_minutes:
        raise InputError(
            f"Duration {minutes} minutes is out of range; use {limits.min_minutes} to "
            f"{limits.max_minutes} minutes."
        )
    context = " ".join(str(context or "").split())[:2000]
    context_words = word_set(context) | (word_set(focus.words) if focus else set())
    english = english_questions(Path(prompts_dir)) if lang == "en" else {}

    fixed = [
        b
        for b in library.agenda
        if b.repeat is None and minutes >= b.min_session and (focus is not None or not b.focus)
    ]
    repeat = next((b for b in library.agenda if b.repeat == "central_questions"), None)
    room = minutes - sum(b.min_minutes for b in fixed)
    n_questions = 0
    if repeat is not None:
        n_questions = max(1, min(limits.max_question_blocks, room // max(repeat.min_minutes, 1)))
    questions = _pick_questions(chosen, n_questions, focus)
    layout: list[tuple[BlockTemplate, tuple[Card, str] | None]] = []
    for template in library.agenda:
        if template.repeat == "central_questions":
            layout.extend((template, q) for q in questions)
        elif template in fixed:
            layout.append((template, None))
    flex = [i for i, (t, _) in enumerate(layout) if t.repeat]
    shares = _split_minutes(
        [t.min_minutes for t, _ in layout], [t.weight for t, _ in layout], minutes, flex
    )

    blocks: list[AgendaBlock] = []
    used: set[str] = set()
    taken_followups: set[str] = set()
    start = 0
    for n, ((template, question), share) in enumerate(zip(layout, shares, strict=True)):
        card = question[0] if question else (chosen[0] if len(chosen) == 1 else None)
        text = question[1] if question else ""
        number = sum(1 for t, q in layout[: n + 1] if q is not None)
        exercises = _choose_exercises(
            library,
            template.exercises,
            share,
            group_size,
            context_words | word_set(text),
            card.id if card else None,
            lang,
            used,
        )
        followups = (
            _followups_for(question[0], text, context_words, taken_followups) if question else ()
        )
        blocks.append(
            AgendaBlock(
                id=template.id if not question else f"{template.id}-{number}",
                title=template.title.get(lang).format(n=number),
                purpose=template.purpose.get(lang),
                start=start,
                minutes=share,
                exercises=exercises,
                question=english.get(text, text) if question else None,
                card_id=question[0].id if question else None,
                followups=tuple(english.get(f, f) for f in followups),
                notes=focus.lines if focus and template.focus else (),
            )
        )
        start += share

    titles = tuple(c.title for c in chosen)
    joined = ", ".join(titles)
    return SessionPlan(
        language=lang,
        card_ids=tuple(c.id for c in chosen),
        card_titles=titles,
        group_size=group_size,
        minutes=minutes,
        context=context,
        goal=library.render("goal", lang, minutes=minutes, group_size=group_size, cards=joined),
        blocks=tuple(blocks),
        readings=grounded_readings(
            coach_or_searcher,
            chosen,
            f"{focus.words} {context}".strip() if focus else context,
            limits.readings,
        ),
        library=library,
        focus=focus,
    )
