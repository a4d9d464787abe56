"""Metrics over a run of scripted conversations, gates on them, and baseline deltas.

Metrics are computed from the plain result dicts (the `report.json` form), so
an old report can be re-read and compared without re-running anything. Each
metric carries a one-line definition and a direction; the direction decides
what "worse than the baseline" means and whether a gate is a floor or a cap
(latency: lower is better, so `--fail-under latency_p95_ms=3000` means "fail
when p95 is above 3000 ms"; `--fail-over` says the same thing explicitly).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coach.errors import InputError

EPSILON = 1e-9  # differences below this are noise from float arithmetic, not a change


@dataclass(frozen=True)
class MetricDef:
    """A metric's name, one-line definition and which way is better."""

    name: str
    definition: str
    higher_is_better: bool = True
    unit: str = ""  # "ratio" (shown as %), "ms" or "" (plain number)
    target: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "definition": self.definition,
            "higher_is_better": self.higher_is_better,
            "unit": self.unit,
            "target": self.target,
        }


METRICS: tuple[MetricDef, ...] = (
    MetricDef(
        "pass_rate",
        "Scripts whose every expectation held, divided by all scripts.",
        unit="ratio",
        target=1.0,
    ),
    MetricDef(
        "assertion_pass_rate",
        "Expectations (turn and end checks) that held, divided by all expectations checked.",
        unit="ratio",
        target=1.0,
    ),
    MetricDef(
        "central_question_coverage",
        "Per script, central questions of its card the coach asked divided by the card's "
        "central questions; averaged over scripts.",
        unit="ratio",
    ),
    MetricDef(
        "citation_validity",
        "Citations whose quote occurs verbatim in the normalised text of its card AND whose "
        "passage id was retrieved in that same turn, divided by all citations shown.",
        unit="ratio",
        target=1.0,
    ),
    MetricDef(
        "grounding_rate",
        "Suggested actions with at least one valid citation, divided by all suggested actions.",
        unit="ratio",
        target=1.0,
    ),
    MetricDef(
        "gold_hit_rate",
        "`cites_any` expectations met (a citation quote contains one of the gold phrases), "
        "divided by all `cites_any` expectations.",
        unit="ratio",
    ),
    MetricDef(
        "latency_p50_ms",
        "Median wall-clock time of one `reply` call (greetings excluded), in milliseconds.",
        higher_is_better=False,
        unit="ms",
    ),
    MetricDef(
        "latency_p95_ms",
        "95th percentile (linear interpolation) of the wall-clock time of one `reply` call, in ms.",
        higher_is_better=False,
        unit="ms",
    ),
    MetricDef(
        "language_consistency",
        "Of the user turns whose language the offline detector can tell (at least 4 words, clear "
        "margin), the share where the reply is in the same language (detected from the reply "
        "text, or the reply's own language tag when the text is too short to tell).",
        unit="ratio",
        target=1.0,
    ),
)

_LOWER_IS_BETTER_HINTS = ("latency", "_ms", "seconds", "mean_rank", "miss")
_COUNT_HINTS = ("n_", "count", "queries", "num", "total", ".k", "k=")


_RETRIEVAL_NAME = re.compile(
    r"^retrieval\.(?P<mode>[\w-]+)(?:\.(?P<lang>nl|en))?\.(?P<metric>[\w@]+)$"
)


def _retrieval_definition(name: str) -> str:
    """A one-line definition for a `retrieval.<mode>[.<lang>].<metric>` name."""
    match = _RETRIEVAL_NAME.match(name)
    if match is None:
        return "Retrieval metric from `coach eval retrieval` on eval/retrieval_dev.yaml."
    mode, lang, metric = match["mode"], match["lang"], match["metric"]
    scope = (
        f"{mode} retrieval, {'Dutch' if lang == 'nl' else 'English'} queries"
        if lang
        else (f"{mode} retrieval, all queries")
    )
    if metric.startswith("recall@"):
        k = metric.removeprefix("recall@")
        what = f"Share of dev-set queries with their gold phrase in one of the top {k} passages"
    elif metric == "mrr":
        what = "Mean reciprocal rank of the first passage with the gold phrase (0 beyond rank 10)"
    else:
        what = f"`{metric}` from `coach eval retrieval`"
    return f"{what} ({scope}; eval/retrieval_dev.yaml)."


_UNDERSTANDING_NAME = re.compile(r"^understanding\.(?P<set>[\w.-]+)\.(?P<metric>[a-z_0-9]+)$")
_UNDERSTANDING_WHAT = {
    "intent_accuracy": "Share of labelled messages whose intent the message reader got right",
    "intent_macro_f1": "Mean over the intents of the reader's F1 per intent",
    "signal_macro_f1": "Mean over the situation signals of the reader's F1 per signal",
    "signal_exact_match": "Share of labelled messages whose signals were read exactly",
    "no_signal_specificity": "Of the messages without signals, the share read without any",
}


def _understanding_definition(name: str) -> MetricDef | None:
    """The definition of an `understanding.<set>.<metric>` name, or None for other names."""
    match = _UNDERSTANDING_NAME.match(name)
    if match is None:
        return None
    what = _UNDERSTANDING_WHAT.get(
        match["metric"], f"`{match['metric']}` from `coach eval understanding`"
    )
    file = f"eval/understanding_{match['set']}.yaml"
    held = " (held out: never tuned on)" if match["set"] == "test" else ""
    return MetricDef(
        name, f"{what} ({file}{held}; labels: eval/understanding_labels.md).", unit="ratio"
    )


def definitions(extra: Iterable[str] = ()) -> dict[str, MetricDef]:
    """All known metric definitions, plus generic ones for retrieval and understanding names."""
    defs = {m.name: m for m in METRICS}
    for name in extra:
        understanding = _understanding_definition(name)
        if understanding is not None and name not in defs:
            defs[name] = understanding
        elif name not in defs:
            lower = any(h in name for h in _LOWER_IS_BETTER_HINTS)
            count = any(h in name for h in _COUNT_HINTS)
            unit = (
                "ms"
                if "ms" in name or "latency" in name
                else ("" if lower or count or name.endswith("mrr") else "ratio")
            )
            defs[name] = MetricDef(
                name,
                _retrieval_definition(name),
                higher_is_better=not lower,
                unit=unit,
            )
    return defs


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between closest ranks; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _citations(reply: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    cites = list(reply.get("citations", []))
    for action in reply.get("actions", []):
        cites += list(action.get("citations", []))
    return cites


def _valid(cite: Mapping[str, Any]) -> bool:
    return bool(cite.get("verbatim")) and bool(cite.get("retrieved"))


def compute_metrics(results: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    """Every conversation metric over script result dicts (`ScriptResult.to_dict()`).

    A metric with nothing to measure (no citations, no detectable turns...) is None.
    """
    n_pass = sum(1 for r in results if r.get("passed"))
    checks = [c for r in results for t in r.get("turns", []) for c in t.get("checks", [])]
    checks += [c for r in results for c in r.get("end_checks", [])]
    n_checks = len(checks) + sum(1 for r in results if r.get("error"))
    n_ok = sum(1 for c in checks if c.get("passed"))

    coverage = [r["central_asked"] / r["central_total"] for r in results if r.get("central_total")]
    replies = [t["reply"] for r in results for t in r.get("turns", [])]
    cites = [c for reply in replies for c in _citations(reply)]
    actions = [a for reply in replies for a in reply.get("actions", [])]
    grounded = [a for a in actions if any(_valid(c) for c in a.get("citations", []))]
    gold = [g for r in results for g in r.get("gold", [])]
    latencies = [
        float(t["wall_ms"]) for r in results for t in r.get("turns", []) if t.get("index", 0) > 0
    ]

    consistent = judged = 0
    for r in results:
        for t in r.get("turns", []):
            user_lang = t.get("user_language")
            if t.get("index", 0) == 0 or user_lang is None:
                continue
            reply_lang = t.get("reply_language") or t["reply"].get("language")
            judged += 1
            consistent += reply_lang == user_lang

    return {
        "pass_rate": _ratio(n_pass, len(results)),
        "assertion_pass_rate": _ratio(n_ok, n_checks),
        "central_question_coverage": sum(coverage) / len(coverage) if coverage else None,
        "citation_validity": _ratio(sum(1 for c in cites if _valid(c)), len(cites)),
        "grounding_rate": _ratio(len(grounded), len(actions)),
        "gold_hit_rate": _ratio(sum(gold), len(gold)),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "language_consistency": _ratio(consistent, judged),
    }


def flatten_retrieval(raw: Mapping[str, Any] | None) -> dict[str, float]:
    """The headline numbers of `evaluate_retrieval`'s dict, as `retrieval.<mode>[.<lang>].<name>`.

    Its `metrics` are {mode: {"all" | language: {n, recall@k, mrr}}}. We keep every mode
    over all languages and the hybrid mode (what the coach uses) per language, and drop
    counts; any other shape is flattened generically so new numbers still show up.
    """
    if not raw:
        return {}
    source = raw.get("metrics")
    if not isinstance(source, Mapping):
        source = raw
    flat: dict[str, float] = {}

    def add(name: str, value: Any) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            flat[name] = float(value)

    for mode, by_lang in source.items():
        if not isinstance(by_lang, Mapping):
            add(f"retrieval.{mode}", by_lang)
            continue
        for lang, scores in by_lang.items():
            if not isinstance(scores, Mapping):
                add(f"retrieval.{mode}.{lang}", scores)
                continue
            if lang != "all" and mode != "hybrid":
                continue
            prefix = f"retrieval.{mode}" if lang == "all" else f"retrieval.{mode}.{lang}"
            for name, value in scores.items():
                if name != "n":
                    add(f"{prefix}.{name}", value)
    return flat


# -- gates --------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """A threshold on one metric: `min` fails below it, `max` fails above it."""

    metric: str
    threshold: float
    kind: str  # "min" | "max"
    spec: str  # as the user wrote it, for messages


@dataclass(frozen=True)
class GateResult:
    gate: Gate
    actual: float | None
    passed: bool

    def message(self) -> str:
        op = "≥" if self.gate.kind == "min" else "≤"
        actual = "not measured" if self.actual is None else f"{self.actual:.4g}"
        verdict = "ok" if self.passed else "FAILED"
        return f"gate {self.gate.metric} {op} {self.gate.threshold:g}: {actual} — {verdict}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.gate.metric,
            "kind": self.gate.kind,
            "threshold": self.gate.threshold,
            "actual": self.actual,
            "passed": self.passed,
            "message": self.message(),
        }


def parse_gate(spec: str, flag: str = "--fail-under") -> Gate:
    """Parse 'metric=value'; `--fail-under` on a lower-is-better metric is a cap, not a floor."""
    name, sep, raw = spec.partition("=")
    name = name.strip()
    if not sep or not name:
        raise InputError(f"{flag} {spec!r}: write it as metric=value, e.g. {flag} pass_rate=1.0")
    try:
        value = float(raw)
    except ValueError:
        raise InputError(
            f"{flag} {spec!r}: {raw!r} is not a number; "
            f"write it as metric=value, e.g. {flag} pass_rate=1.0"
        ) from None
    known = {m.name: m for m in METRICS}
    if name.startswith("understanding.") and _understanding_definition(name) is None:
        raise InputError(
            f"{flag} {spec!r}: write understanding metrics as understanding.<set>.<metric>, "
            "e.g. understanding.test.signal_macro_f1"
        )
    if name not in known and not name.startswith(("retrieval.", "understanding.")):
        raise InputError(
            f"{flag} {spec!r}: unknown metric {name!r}; known: {', '.join(known)} "
            "(or retrieval.<name>, understanding.<set>.<metric>)"
        )
    if flag == "--fail-over":
        kind = "max"
    else:
        higher = (
            known[name].higher_is_better
            if name in known
            else definitions([name])[name].higher_is_better
        )
        kind = "min" if higher else "max"
    return Gate(name, value, kind, spec)


def evaluate_gates(metrics: Mapping[str, float | None], gates: Sequence[Gate]) -> list[GateResult]:
    """Check each gate; a metric that was not measured fails its gate ."""
    out = []
    for gate in gates:
        actual = metrics.get(gate.metric)
        if actual is None:
            passed = False
        elif gate.kind == "min":
            passed = actual >= gate.threshold - EPSILON
        else:
            passed = actual <= gate.threshold + EPSILON
        out.append(GateResult(gate, actual, passed))
    return out


# -- baseline -------------------------------------------------------------------


@dataclass(frozen=True)
class Delta:
    """One metric now versus in the baseline; `worse` is direction-aware."""

    metric: str
    current: float | None
    baseline: float | None
    worse: bool
    better: bool

    @property
    def change(self) -> float | None:
        if self.current is None or self.baseline is None:
            return None
        return self.current - self.baseline

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "current": self.current,
            "baseline": self.baseline,
            "change": self.change,
            "worse": self.worse,
            "better": self.better,
        }


def compare(
    current: Mapping[str, float | None],
    baseline: Mapping[str, float | None],
    defs: Mapping[str, MetricDef] | None = None,
) -> list[Delta]:
    """Every metric of either run against the baseline; a metric that vanished counts as worse."""
    defs = defs or definitions([*current, *baseline])
    deltas = []
    for name in dict.fromkeys([*current, *baseline]):
        now, then = current.get(name), baseline.get(name)
        higher = defs[name].higher_is_better if name in defs else True
        worse = better = False
        if now is not None and then is not None:
            diff = now - then if higher else then - now
            worse, better = diff < -EPSILON, diff > EPSILON
        elif now is None and then is not None:
            worse = True
        deltas.append(Delta(name, now, then, worse, better))
    return deltas


def format_value(value: float | None, unit: str) -> str:
    """A metric value for people: ratios as %, ms rounded, None as 'n/a'."""
    if value is None:
        return "n/a"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "ms":
        return f"{value:.0f} ms"
    return f"{value:.3g}"
