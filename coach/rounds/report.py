"""The round report: spread, differences, signals, actions, answers, citations, trend.

Pure functions over the partners' contributions as `coach.rounds.contribution`
filtered them, so every rule is tested in milliseconds. This module only counts
and compares what came through. Answers are shown only when at least
`min_partners` partners share them; organisations are compared only when the
facilitator gave a list (so the names are theirs, not a partner's free text),
at least `min_partners` partners took part, and an organisation has at least
ORG_MIN_PARTNERS of them.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from coach.models import Citation
from coach.rounds.contribution import DIMENSIONS, Contribution, level
from coach.rounds.store import SHARE_LEVELS

__all__ = ["DIMENSIONS", "Contribution", "RoundReport", "build_report", "trend_point"]

ORG_MIN_PARTNERS = 2  # an organisation's mean is shown only over at least this many partners
MAX_CITED = 5


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
