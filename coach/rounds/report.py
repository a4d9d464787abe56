"""What the facilitator may see of a round: each partner's contribution, and the round report.

Pure functions over plain data, so every privacy rule is tested in milliseconds.

One function, `contribution`, decides what of one partner's session reaches a
report at all, by the partner's own choice:

- (a) `scores`: the three ratings only;
- (b) `signals`: also the situation signals, the chosen actions, what became of
  last round's actions and the passages the coach cited;
- (c) `answers`: also the answers, stripped of the organisation and role names
  (their own and everyone else's in the round), never with a name, an
  organisation, a role or a session code attached.

Everything after that (`build_report`) only counts and compares what came
through. Answers are shown only when at least `min_partners` partners share
them; organisations are compared only when the facilitator gave a list (so the
names are theirs, not a partner's free text), at least `min_partners` partners
took part, and an organisation has at least ORG_MIN_PARTNERS of them.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from coach.models import Citation
from coach.rounds.store import SHARE_LEVELS

DIMENSIONS = ("commitment", "progress", "result")
ORG_MIN_PARTNERS = 2  # an organisation's mean is shown only over at least this many partners
MAX_CITED = 5
MIN_SCRUB_CHARS = 3  # shorter organisation or role words are not scrubbed from answers
MIN_ANSWER_WORDS = 3  # "nee" to a follow-up says little without its question: not listed
REVIEW_STATUSES = ("done", "partly", "not_yet")


@dataclass(frozen=True)
class Contribution:
    """What one partner lets the facilitator see in one round (already filtered)."""

    share: str
    ratings: Mapping[str, int | None]
    organisation: str | None = None  # only a name from the facilitator's own list
    took_part: bool = False
    signals: tuple[str, ...] = ()
    chosen: tuple[tuple[str, str], ...] = ()  # (action id, title)
    reviews: tuple[tuple[str, str, str | None], ...] = ()  # (action id, title, status)
    cited: tuple[Citation, ...] = ()
    answers: tuple[tuple[int, str], ...] = ()  # (central question index, anonymised text)
    review_words: tuple[tuple[str, str], ...] = ()  # (action title, anonymised text)


def level(share: str) -> int:
    """0 for scores, 1 for signals, 2 for answers."""
    return SHARE_LEVELS.index(share) if share in SHARE_LEVELS else 0


def scrub(text: str, replacements: Mapping[str, str]) -> str:
    """`text` with every listed name (organisation, role) replaced, as whole words,
    longest names first ("Gemeente Noorddam" before "Gemeente")."""
    out = text
    names = [n for n in replacements if len(n.strip()) >= MIN_SCRUB_CHARS]
    for name in sorted(names, key=lambda n: (-len(n), n)):
        pattern = rf"(?<!\w){re.escape(name.strip())}(?!\w)"
        out = re.sub(pattern, replacements[name], out, flags=re.IGNORECASE)
    return out


def _ratings(state: Mapping[str, Any]) -> dict[str, int | None]:
    raw = state.get("ratings") or {}
    out: dict[str, int | None] = {}
    for name in DIMENSIONS:
        value = raw.get(name) if isinstance(raw, Mapping) else None
        out[name] = int(value) if isinstance(value, int) and 1 <= value <= 5 else None
    return out


def contribution(
    state: Mapping[str, Any] | None,
    share: str,
    organisation: str,
    listed: Sequence[str],
    anonymise: Mapping[str, str],
    title_of: Callable[[str, str], str],
) -> Contribution:
    """What one partner's session contributes to a report, by their sharing choice.

    `listed`: the facilitator's organisations (the organisation is kept only when it is
    one of them); `anonymise`: organisation and role names to strip from answers, each
    with its placeholder; `title_of(action id, stored title)`: an action's title in the
    report's language.
    """
    state = state or {}
    ratings = _ratings(state)
    answers_raw = [
        a
        for a in state.get("answers", ())
        if isinstance(a, Mapping) and not a.get("private") and str(a.get("text", "")).strip()
    ]
    shown = [a for a in answers_raw if len(str(a["text"]).split()) >= MIN_ANSWER_WORDS]
    took_part = any(v is not None for v in ratings.values()) or bool(answers_raw)
    org = organisation if organisation in listed else None
    n = level(share)
    if n < 1:
        return Contribution(share, ratings, org, took_part)
    offered = {
        str(a.get("id")): str(a.get("title", ""))
        for a in state.get("offered", ())
        if isinstance(a, Mapping)
    }
    chosen = tuple((aid, title_of(aid, offered.get(aid, aid))) for aid in state.get("chosen", ()))
    reviews = tuple(
        (str(r["action"]), title_of(str(r["action"]), str(r.get("title", ""))), r.get("status"))
        for r in state.get("reviews", ())
        if isinstance(r, Mapping) and "action" in r
    )
    cited = tuple(
        Citation(**c) for c in state.get("cited", ()) if isinstance(c, Mapping) and "quote" in c
    )
    signals = tuple(str(s) for s in state.get("signals", ()))
    base = Contribution(share, ratings, org, took_part, signals, chosen, reviews, cited)
    if n < 2:
        return base
    answers = tuple(
        (int(a.get("question", 0)), scrub(str(a["text"]).strip(), anonymise)) for a in shown
    )
    review_words = tuple(
        (title_of(str(r["action"]), str(r.get("title", ""))), scrub(text, anonymise))
        for r in state.get("reviews", ())
        if isinstance(r, Mapping)
        and len((text := str(r.get("text", "")).strip()).split()) >= MIN_ANSWER_WORDS
    )
    return Contribution(
        share, ratings, org, took_part, signals, chosen, reviews, cited, answers, review_words
    )


# --- the report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionStats:
    """The scores of one dimension: spread, mean and range."""

    name: str
    scores: tuple[int, ...]  # sorted
    mean: float | None
    low: int | None
    high: int | None

    @property
    def gap(self) -> int:
        return (self.high - self.low) if self.high is not None and self.low is not None else 0

    @property
    def n(self) -> int:
        return len(self.scores)


@dataclass(frozen=True)
class OrgGap:
    dimension: str
    high_org: str
    high_mean: float
    low_org: str
    low_mean: float

    @property
    def gap(self) -> float:
        return round(self.high_mean - self.low_mean, 1)


@dataclass(frozen=True)
class SignalCount:
    signal: str
    count: int
    of: int


@dataclass(frozen=True)
class ActionTally:
    action: str
    title: str
    count: int


@dataclass(frozen=True)
class FollowUp:
    """Last round's action and what the partners who share it say became of it."""

    action: str
    title: str
    done: int = 0
    partly: int = 0
    not_yet: int = 0
    unanswered: int = 0

    @property
    def total(self) -> int:
        return self.done + self.partly + self.not_yet + self.unanswered


@dataclass(frozen=True)
class CitedPassage:
    citation: Citation
    count: int  # partners whose conversation cited it


@dataclass(frozen=True)
class TrendPoint:
    round_id: str
    number: int
    n: int
    means: Mapping[str, float | None]


@dataclass(frozen=True)
class RoundFacts:
    """The round itself, as the report names it."""

    round_id: str
    collaboration_id: str
    name: str
    card_id: str
    card_title: str
    number: int
    opens_on: str
    closes_on: str
    status: str
    questions: tuple[str, ...]  # the card's central questions, in the report's language
    listed_organisations: bool


@dataclass(frozen=True)
class RoundReport:
    facts: RoundFacts
    min_partners: int
    joined: int
    took_part: int
    withdrawn: int
    shares: Mapping[str, int]  # sharing choices of those who took part
    dimensions: tuple[DimensionStats, ...]
    org_gaps: tuple[OrgGap, ...]
    signal_sharers: int
    signals: tuple[SignalCount, ...]
    only_some: tuple[SignalCount, ...]
    actions: tuple[ActionTally, ...]
    followups: tuple[FollowUp, ...]
    answer_sharers: int
    answers: tuple[tuple[str, tuple[str, ...]], ...]  # (question, answers): empty unless allowed
    review_words: tuple[tuple[str, tuple[str, ...]], ...]
    cited: tuple[CitedPassage, ...]
    trend: tuple[TrendPoint, ...]
    rows: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)  # for the CSV export

    @property
    def answers_shown(self) -> bool:
        return self.answer_sharers >= self.min_partners

    def by_gap(self) -> list[DimensionStats]:
        """Dimensions with scores, the widest spread first (ties: lowest mean first)."""
        scored = [d for d in self.dimensions if d.n]
        return sorted(scored, key=lambda d: (-d.gap, d.mean or 0.0))

    def largest(self) -> DimensionStats | None:
        """The dimension where partners differ most."""
        ranked = self.by_gap()
        return ranked[0] if ranked else None

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON (the API's `/round_report`)."""
        largest = self.largest()
        return {
            **asdict(self.facts),
            "min_partners": self.min_partners,
            "joined": self.joined,
            "took_part": self.took_part,
            "withdrawn": self.withdrawn,
            "shares": dict(self.shares),
            "dimensions": [
                {
                    "name": d.name,
                    "scores": list(d.scores),
                    "n": d.n,
                    "mean": d.mean,
                    "low": d.low,
                    "high": d.high,
                    "gap": d.gap,
                }
                for d in self.dimensions
            ],
            "largest_difference": None
            if largest is None
            else {
                "dimension": largest.name,
                "low": largest.low,
                "high": largest.high,
                "gap": largest.gap,
            },
            "organisation_gaps": [{**asdict(g), "gap": g.gap} for g in self.org_gaps],
            "signal_sharers": self.signal_sharers,
            "signals": [asdict(s) for s in self.signals],
            "signals_only_some": [asdict(s) for s in self.only_some],
            "actions": [asdict(a) for a in self.actions],
            "followups": [{**asdict(f), "total": f.total} for f in self.followups],
            "answer_sharers": self.answer_sharers,
            "answers_shown": self.answers_shown,
            "answers": [{"question": q, "answers": list(a)} for q, a in self.answers],
            "review_words": [{"action": t, "answers": list(a)} for t, a in self.review_words],
            "cited": [{**c.citation.to_dict(), "count": c.count} for c in self.cited],
            "trend": [
                {"round": p.round_id, "number": p.number, "n": p.n, "means": dict(p.means)}
                for p in self.trend
            ],
        }


def _mean(values: Sequence[int | float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def dimension_stats(contributions: Sequence[Contribution]) -> tuple[DimensionStats, ...]:
    out = []
    for name in DIMENSIONS:
        scores = sorted(v for c in contributions if (v := c.ratings.get(name)) is not None)
        out.append(
            DimensionStats(
                name,
                tuple(scores),
                _mean(scores),
                scores[0] if scores else None,
                scores[-1] if scores else None,
            )
        )
    return tuple(out)


def _org_gaps(contributions: Sequence[Contribution]) -> tuple[OrgGap, ...]:
    gaps = []
    for name in DIMENSIONS:
        groups: dict[str, list[int]] = {}
        for c in contributions:
            value = c.ratings.get(name)
            if c.organisation and value is not None:
                groups.setdefault(c.organisation, []).append(value)
        means = {
            org: m
            for org, values in groups.items()
            if len(values) >= ORG_MIN_PARTNERS and (m := _mean(values)) is not None
        }
        if len(means) < 2:
            continue
        high = max(means, key=lambda o: (means[o], o))
        low = min(means, key=lambda o: (means[o], o))
        if means[high] > means[low]:
            gaps.append(OrgGap(name, high, means[high], low, means[low]))
    return tuple(sorted(gaps, key=lambda g: -g.gap))


def _followups(contributions: Sequence[Contribution]) -> tuple[FollowUp, ...]:
    titles: dict[str, str] = {}
    counts: dict[str, Counter[str]] = {}
    for c in contributions:
        for action, title, status in c.reviews:
            titles.setdefault(action, title)
            counts.setdefault(action, Counter())[status or "unanswered"] += 1
    return tuple(
        FollowUp(
            action,
            titles[action],
            counts[action]["done"],
            counts[action]["partly"],
            counts[action]["not_yet"],
            counts[action]["unanswered"],
        )
        for action in sorted(counts, key=lambda a: (-sum(counts[a].values()), titles[a]))
    )


def _cited(contributions: Sequence[Contribution]) -> tuple[CitedPassage, ...]:
    counts: Counter[str] = Counter()
    first: dict[str, Citation] = {}
    for c in contributions:
        for passage_id in dict.fromkeys(cite.passage_id for cite in c.cited):
            counts[passage_id] += 1
        for cite in c.cited:
            first.setdefault(cite.passage_id, cite)
    ranked = sorted(counts, key=lambda p: (-counts[p], first[p].title, first[p].section))
    return tuple(CitedPassage(first[p], counts[p]) for p in ranked[:MAX_CITED])


def _grouped_answers(
    sharers: Sequence[Contribution], questions: Sequence[str]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    by_question: dict[int, list[str]] = {}
    for c in sharers:
        for index, text in c.answers:
            if 0 <= index < len(questions):
                by_question.setdefault(index, []).append(text)
    # Sorted by their words: neither the order of joining nor one partner's answers
    # side by side across questions give away who wrote what.
    return tuple(
        (questions[i], tuple(sorted(texts, key=str.casefold)))
        for i, texts in sorted(by_question.items())
    )


def _review_words(sharers: Sequence[Contribution]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    by_title: dict[str, list[str]] = {}
    for c in sharers:
        for title, text in c.review_words:
            by_title.setdefault(title, []).append(text)
    return tuple((t, tuple(sorted(v, key=str.casefold))) for t, v in sorted(by_title.items()))


def csv_rows(
    contributions: Sequence[Contribution], min_partners: int
) -> tuple[dict[str, Any], ...]:
    """Scores per partner, anonymised: a running number in score order (not joining order),
    the organisation only where the report could compare organisations too."""
    counted = [c for c in contributions if c.took_part]
    org_sizes = Counter(c.organisation for c in counted if c.organisation)
    show_orgs = len(counted) >= min_partners

    def key(c: Contribution) -> tuple[int, ...]:
        return tuple(c.ratings.get(n) or 0 for n in DIMENSIONS)

    rows = []
    for number, c in enumerate(sorted(counted, key=key), 1):
        org = c.organisation or ""
        if not show_orgs or org_sizes[org] < ORG_MIN_PARTNERS:
            org = ""
        rows.append({"partner": number, "organisation": org or "", **dict(c.ratings)})
    return tuple(rows)


def build_report(
    facts: RoundFacts,
    contributions: Sequence[Contribution],
    *,
    joined: int,
    withdrawn: int,
    min_partners: int,
    trend: Sequence[TrendPoint] = (),
) -> RoundReport:
    """The round report from the (already filtered) contributions of partners not withdrawn."""
    counted = [c for c in contributions if c.took_part]
    shares = Counter(c.share for c in counted)
    signal_sharers = [c for c in counted if level(c.share) >= 1]
    answer_sharers = [c for c in counted if level(c.share) >= 2]
    signal_counts: Counter[str] = Counter()
    for c in signal_sharers:
        signal_counts.update(set(c.signals))
    n_signals = len(signal_sharers)
    signals = tuple(
        SignalCount(s, k, n_signals)
        for s, k in sorted(signal_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    only_some = tuple(s for s in signals if 0 < s.count * 2 <= s.of and s.of > 1)
    titles: dict[str, str] = {}
    tally: Counter[str] = Counter()
    for c in signal_sharers:
        for action, title in dict(c.chosen).items():
            titles.setdefault(action, title)
            tally[action] += 1
    actions = tuple(
        ActionTally(a, titles[a], k)
        for a, k in sorted(tally.items(), key=lambda kv: (-kv[1], titles[kv[0]]))
    )
    allowed = len(answer_sharers) >= min_partners and len(counted) >= min_partners
    show_orgs = facts.listed_organisations and len(counted) >= min_partners
    return RoundReport(
        facts=facts,
        min_partners=min_partners,
        joined=joined,
        took_part=len(counted),
        withdrawn=withdrawn,
        shares={s: shares.get(s, 0) for s in SHARE_LEVELS},
        dimensions=dimension_stats(counted),
        org_gaps=_org_gaps(counted) if show_orgs else (),
        signal_sharers=n_signals,
        signals=signals,
        only_some=only_some,
        actions=actions,
        followups=_followups(signal_sharers),
        answer_sharers=len(answer_sharers),
        answers=_grouped_answers(answer_sharers, facts.questions) if allowed else (),
        review_words=_review_words(answer_sharers) if allowed else (),
        cited=_cited(signal_sharers),
        trend=tuple(trend),
        rows=csv_rows(counted, min_partners),
    )


def trend_point(
    round_id: str, number: int, ratings: Sequence[Mapping[str, int | None]]
) -> TrendPoint:
    """One round's means per dimension over the partners who gave a score."""
    scored = [r for r in ratings if any(v is not None for v in r.values())]
    means = {
        name: _mean([v for r in scored if (v := r.get(name)) is not None]) for name in DIMENSIONS
    }
    return TrendPoint(round_id, number, len(scored), means)
