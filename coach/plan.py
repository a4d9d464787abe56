"""Facilitator session plans: cards + group + minutes + context → an agenda with grounded readings.

The planner is deterministic and offline: the agenda template, the exercise
library and every word of the rendered plan live in `prompts/plan.yaml`; the
central and follow-up questions come from the cards themselves; the passages
to read are retrieved with the facilitator's context as the query, and each
quote is checked to occur word for word in its card (quotes that don't are
dropped, as in the dialogue). Time is split by weights with per-block minimums
and rounded to 5 minutes, and the rounding remainder goes to the question
blocks, so the agenda always adds up to exactly the requested duration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from coach.errors import ConfigError, InputError
from coach.models import Card, Citation, Hit
from coach.settings import PROMPTS_DIR

Lang = Literal["nl", "en"]
_WORD = re.compile(r"[\wÀ-ÿ]+", re.UNICODE)
_SENTENCE = re.compile(r"[^.!?…\n]+(?:[.!?…]+|$)")
_STOP = {
    "de",
    "het",
    "een",
    "en",
    "van",
    "in",
    "op",
    "te",
    "is",
    "dat",
    "die",
    "er",
    "we",
    "je",
    "met",
    "voor",
    "aan",
    "zijn",
    "niet",
    "ook",
    "als",
    "of",
    "wat",
    "hoe",
    "bij",
    "om",
    "the",
    "a",
    "an",
    "and",
    "to",
    "are",
    "our",
    "on",
    "for",
    "with",
    "how",
}


# -- the data file, validated strictly --------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Text(_Strict):
    nl: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


class BlockTemplate(_Strict):
    id: str
    weight: float
    min_minutes: int
    title: _Text
    purpose: _Text
    exercises: list[str]
    repeat: Literal["central_questions"] | None = None
    min_session: int = 0


class ExerciseSpec(_Strict):
    minutes: int
    group: tuple[int, int]
    keywords: list[str]
    cards: list[str]
    name: _Text
    how: _Text


class _Limits(_Strict):
    min_minutes: int
    max_minutes: int
    min_group: int
    max_group: int
    max_question_blocks: int
    large_group: int
    readings: int


class PlanLibrary(_Strict):
    """Contents of prompts/plan.yaml."""

    agenda: list[BlockTemplate]
    exercises: dict[str, ExerciseSpec]
    text: dict[Lang, dict[str, str]]
    limits: _Limits

    def render(self, key: str, lang: str, **values: Any) -> str:
        """A plan sentence, placeholders filled; a missing value is an error, not a blank."""
        template = self.text["en" if lang == "en" else "nl"][key]
        try:
            return template.format_map(values)
        except KeyError as exc:
            raise ConfigError(f"prompts/plan.yaml: text `{key}` needs a value for {exc}.") from None


@lru_cache(maxsize=8)
def load_library(prompts_dir: Path = PROMPTS_DIR) -> PlanLibrary:
    """Read and validate plan.yaml; errors name the file and the offending key."""
    path = Path(prompts_dir) / "plan.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        library = PlanLibrary.model_validate(data)
    except FileNotFoundError:
        raise ConfigError(f"{path} is missing; restore it from the repository.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}).") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: `{where}`: {first['msg']}.") from None
    keys = set(library.text["nl"])
    if keys != set(library.text["en"]):
        raise ConfigError(f"{path}: `text.nl` and `text.en` must have the same keys.")
    for block in library.agenda:
        for name in block.exercises:
            if name not in library.exercises:
                raise ConfigError(f"{path}: block `{block.id}` names unknown exercise `{name}`.")
    return library


# -- the plan ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Exercise:
    """A chosen exercise for one block."""

    id: str
    name: str
    how: str
    minutes: int
    subgroups: bool = False  # group too large for a plenary round


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

    def total_minutes(self) -> int:
        return sum(b.minutes for b in self.blocks)

    def to_markdown(self) -> str:
        return plan_markdown(self)


def _words(text: str) -> set[str]:
    return {w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in _STOP}


def _overlap(text_words: set[str], keywords: Iterable[str]) -> int:
    """How many keywords (single or multi-word) the text mentions."""
    score = 0
    for keyword in keywords:
        parts = _words(keyword)
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


def _english_questions(prompts_dir: Path) -> dict[str, str]:
    """Dutch → English renderings from question_bank.yaml, when that file has them."""
    path = Path(prompts_dir) / "question_bank.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    mapping: dict[str, str] = {}
    if not isinstance(data, dict):
        return mapping
    for entry in data.values():
        if not isinstance(entry, dict):
            continue
        for kind in ("central", "followups"):
            for item in entry.get(kind) or []:
                if isinstance(item, dict) and item.get("nl") and item.get("en"):
                    mapping[str(item["nl"])] = str(item["en"])
    return mapping


def _pick_questions(cards: Sequence[Card], limit: int) -> list[tuple[Card, str]]:
    """Central questions, round-robin over the cards so each card is represented."""
    picked: list[tuple[Card, str]] = []
    depth = max((len(c.central_questions) for c in cards), default=0)
    for i in range(depth):
        for card in cards:
            if i < len(card.central_questions) and len(picked) < limit:
                picked.append((card, card.central_questions[i]))
    return picked


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
    target = _words(question) | context_words
    ranked = sorted(
        (q for q in card.followup_questions if q not in taken),
        key=lambda q: -len(_words(q) & target),
    )
    chosen = tuple(ranked[:2])
    taken.update(chosen)
    return chosen


def best_quote(
    passage_text: str, card_text: str, query_words: set[str], limit: int = 320
) -> str | None:
    """One or two consecutive passage sentences that best match the query, verbatim in the card."""
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(passage_text) if m.group(0).strip()]
    if not sentences:
        return None
    best: tuple[int, int, int, str] | None = None
    for i in range(len(sentences)):
        for span in (1, 2):
            if i + span > len(sentences):
                continue
            window = sentences[i : i + span]
            start = passage_text.find(window[0])
            end = passage_text.find(window[-1], start) + len(window[-1])
            quote = passage_text[start:end].strip()
            if len(quote) > limit or quote not in card_text:
                continue
            score = len(_words(quote) & query_words)
            candidate = (score, -i, span, quote)
            if best is None or candidate[:3] > best[:3]:
                best = candidate
    if best is None:
        first = sentences[0]
        return first if len(first) <= limit * 2 and first in card_text else None
    return best[3]


def _readings(source: Any, cards: Sequence[Card], context: str, limit: int) -> tuple[Citation, ...]:
    """Passages of the chosen cards that answer the context, as grounded citations."""
    wanted = {c.id: c for c in cards}
    queries = [context] if context.strip() else []
    queries += [
        f"{c.title}. {c.central_questions[0] if c.central_questions else ''}" for c in cards
    ]
    hits: list[Hit] = []
    seen: set[str] = set()
    per_card: dict[str, int] = {}
    for n, query in enumerate(queries):
        for hit in source.search(query, k=12):
            pid = hit.passage.id
            if hit.passage.card_id not in wanted or pid in seen:
                continue
            if n > 0 and per_card.get(hit.passage.card_id, 0) > 0:
                continue  # fallback queries only fill in cards the context missed
            seen.add(pid)
            hits.append(hit)
            per_card[hit.passage.card_id] = per_card.get(hit.passage.card_id, 0) + 1
            if n > 0:
                break
    query_words = _words(context) or _words(" ".join(queries))
    citations: list[Citation] = []
    for hit in hits:
        if len(citations) >= limit:
            break
        passage = hit.passage
        card = wanted[passage.card_id]
        if passage.section.lower() in {
            "centrale vragen",
            "bronnen",
            "central questions",
            "sources",
        }:
            continue
        quote = best_quote(passage.text, card.text, query_words)
        if not quote:
            continue
        sources = card.sources or passage.sources
        citations.append(
            Citation(
                passage_id=passage.id,
                card=card.id,
                title=card.title,
                section=passage.section,
                quote=quote,
                source="; ".join(s.reference() for s in sources),
                url=next((s.url for s in sources if s.url), None),
            )
        )
    return tuple(citations)


def make_plan(
    coach_or_searcher: Any,
    cards: Sequence[str | Card],
    group_size: int,
    minutes: int,
    context: str = "",
    language: str = "nl",
    *,
    prompts_dir: Path | None = None,
) -> SessionPlan:
    """Build a session plan for a facilitator; raises InputError with the fix for bad input."""
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
    context_words = _words(context)
    english = _english_questions(Path(prompts_dir)) if lang == "en" else {}

    fixed = [b for b in library.agenda if b.repeat is None and minutes >= b.min_session]
    repeat = next((b for b in library.agenda if b.repeat == "central_questions"), None)
    room = minutes - sum(b.min_minutes for b in fixed)
    n_questions = 0
    if repeat is not None:
        n_questions = max(1, min(limits.max_question_blocks, room // max(repeat.min_minutes, 1)))
    questions = _pick_questions(chosen, n_questions)
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
            context_words | _words(text),
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
        readings=_readings(coach_or_searcher, chosen, context, limits.readings),
        library=library,
    )


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _md_safe(text: str) -> str:
    """User text inside the plan: no raw HTML, no accidental headings."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plan_markdown(plan: SessionPlan) -> str:
    """The plan as a Markdown document (what the facilitator downloads)."""
    lib, lang = plan.library, plan.language
    r = lib.render
    joined = ", ".join(plan.card_titles)
    out = [
        f"# {r('title', lang, cards=joined)}",
        "",
        r("meta", lang, group_size=plan.group_size, minutes=plan.minutes),
        "",
        f"## {r('goal_heading', lang)}",
        "",
        plan.goal,
        "",
    ]
    if plan.context:
        out += [f"## {r('context_heading', lang)}", "", f"> {_md_safe(plan.context)}", ""]
    out += [f"## {r('agenda_heading', lang)}", "", r("table_header", lang)]
    for block in plan.blocks:
        out.append(
            f"| {_clock(block.start)}–{_clock(block.end)} | {block.title} | {block.minutes} |"
        )
    out.append("")
    for block in plan.blocks:
        out += [
            "### "
            + r(
                "block_heading",
                lang,
                start=_clock(block.start),
                end=_clock(block.end),
                title=block.title,
                minutes=block.minutes,
            ),
            "",
            block.purpose,
            "",
        ]
        if block.question:
            out += [f"**{r('question_label', lang)}:** {block.question}", ""]
        if block.followups:
            out.append(f"**{r('followups_label', lang)}:**")
            out += [f"- {q}" for q in block.followups]
            out.append("")
        for exercise in block.exercises:
            out.append(
                f"**{r('exercise_label', lang)}: {exercise.name}** ({exercise.minutes} min)"
                f" — {exercise.how}"
            )
            if exercise.subgroups:
                out.append(f"  *{r('exercise_large_group', lang, group_size=plan.group_size)}*")
            out.append("")
    out += [f"## {r('readings_heading', lang)}", ""]
    if plan.readings:
        out += [r("readings_intro", lang), ""]
        for i, cite in enumerate(plan.readings, 1):
            out += [f"{i}. **{cite.title} — {cite.section}**", "", f"   > {cite.quote}", ""]
            if cite.source:
                out += [f"   {r('source_label', lang)}: {cite.source}", ""]
    else:
        out += [r("no_readings", lang), ""]
    out += ["---", "", f"*{r('footer', lang)}*"]
    return "\n".join(out).rstrip() + "\n"
