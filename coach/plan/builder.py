"""The agenda builder: time per block, exercises and work forms, questions, readings.

Time is split by weights with per-block minimums and rounded to 5 minutes;
the rounding remainder goes to the question blocks, so the agenda always adds
up to exactly the requested duration. Within a block the exercises take their
own minutes and the rest is a named conversation (`talk`), so no minute is
left unexplained. The group size picks each exercise's work form: a round in
a small group, pairs or subgroups in a larger one (`prompts/plan.yaml`,
`forms`). Central and follow-up questions come from the cards; follow-ups
that are not questions are left out.

A plan made from a team round (`coach.rounds.plan`) gets a `PlanFocus`: the
round's differences open the plan and its own agenda block ("Waar we
verschillen"), the central questions that fit them come first, and the
readings are retrieved with them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from coach.errors import ConfigError, InputError
from coach.models import Card
from coach.plan.library import (
    BlockTemplate,
    Form,
    PlanLibrary,
    english_questions,
    load_library,
)
from coach.plan.model import AgendaBlock, Exercise, PlanFocus, SessionPlan
from coach.plan.readings import grounded_readings, word_set
from coach.settings import PROMPTS_DIR


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
    """One exercise (two in a long block) that fits group and time, best keyword match first.

    Exercises made for the group's size come first; an exercise longer than the block
    (nothing shorter fits) is shortened to the block, so the agenda stays exact.
    """
    scored = []
    for order, name in enumerate(candidates):
        spec = library.exercises[name]
        if spec.minutes > minutes:
            continue
        score = 2 * _overlap(words, spec.keywords) + (3 if card_id and card_id in spec.cards else 0)
        score -= 2 if name in used else 0  # vary the exercises over the agenda
        low, high = spec.group
        score -= 0 if low <= group_size <= high else 4
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
        length = min(spec.minutes, budget)
        form = work_form(library, spec.forms, group_size)
        chosen.append(
            Exercise(
                id=name,
                name=spec.name.get(lang),
                how=spec.how.get(lang),
                minutes=length,
                form=form,
                form_text=form_text(library, form, group_size, length, lang),
            )
        )
        budget -= length
    used.update(e.id for e in chosen)
    return tuple(chosen)


def work_form(library: PlanLibrary, forms: Sequence[Form], group_size: int) -> str:
    """The first of an exercise's forms (in its order of preference) that suits the group.

    When none does: a group smaller than all of them works together as one; a larger
    one takes the last form (the lists run from small groups to large ones).
    """
    for form in forms:
        low, high = library.forms[form]
        if low <= group_size <= high:
            return form
    if not forms or all(group_size < library.forms[f][0] for f in forms):
        return "plenary"
    return forms[-1]


def form_text(library: PlanLibrary, form: str, group_size: int, minutes: int, lang: str) -> str:
    """The work form spelled out for this group: how many pairs or subgroups, time per turn."""
    if form == "round":
        seconds = max(10, minutes * 60 // max(group_size, 1) // 10 * 10)
        each = f"{round(seconds / 60)} min" if seconds >= 60 else f"{seconds} s"
        return library.render("form_round", lang, group_size=group_size, each=each)
    if form == "pairs":
        pairs = group_size // 2
        key = "form_pairs_odd" if group_size % 2 else "form_pairs"
        return library.render(key, lang, group_size=group_size, pairs=pairs)
    if form == "subgroups":
        groups = max(2, math.ceil(group_size / 6))
        smallest = group_size // groups
        largest = math.ceil(group_size / groups)
        size = str(smallest) if smallest == largest else f"{smallest}–{largest}"
        return library.render(
            "form_subgroups", lang, group_size=group_size, groups=groups, size=size
        )
    return library.render("form_plenary", lang, group_size=group_size)


def _followups_for(
    card: Card, question: str, context_words: set[str], taken: set[str]
) -> tuple[str, ...]:
    """Two follow-up questions of the card that fit the question and context best.

    Only real questions: a card's follow-up list may hold a remark between them.
    """
    target = word_set(question) | context_words
    ranked = sorted(
        (
            q
            for q in card.followup_questions
            if q not in taken and q.rstrip().rstrip("\"'”’)").endswith("?")
        ),
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
        used_minutes = sum(e.minutes for e in exercises)
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
                talk=template.talk.get(lang) if share > used_minutes else "",
                talk_minutes=share - used_minutes,
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
