"""Plain-text views of understanding results for `coach eval understanding`.

One table of headline numbers with a column per set, then per set a
precision/recall/F1/support table for the intents and for the signals, and
the misread items. Values print with three decimals like `coach eval
retrieval`; a number with nothing to measure prints as `n/a`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coach.evaluation.results import excerpt

SUMMARY_ROWS = (
    ("items", "items"),
    ("intent_accuracy", "intent accuracy"),
    ("intent_macro_f1", "intent macro-F1"),
    ("signal_macro_f1", "signal macro-F1"),
    ("signal_exact_match", "signal exact match"),
    ("no_signal_specificity", "no-signal specificity"),
    ("nl.items", "nl items"),
    ("nl.intent_accuracy", "nl intent accuracy"),
    ("nl.signal_macro_f1", "nl signal macro-F1"),
    ("en.items", "en items"),
    ("en.intent_accuracy", "en intent accuracy"),
    ("en.signal_macro_f1", "en signal macro-F1"),
)


def _value(result: Mapping[str, Any], key: str) -> Any:
    head, _, rest = key.partition(".")
    if rest:
        return (result.get(head) or {}).get(rest)
    return result.get(key)


def _cell(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return f"{float(value):.3f}"


def format_summary(results: Mapping[str, Mapping[str, Any]]) -> str:
    """Headline numbers: one row per metric, one column per set."""
    names = list(results)
    width = max((len(n) for n in names), default=4)
    width = max(width, 7)
    header = f"{'metric':<22}" + "".join(f" {n:>{width}}" for n in names)
    lines = [header, "-" * len(header)]
    for key, label in SUMMARY_ROWS:
        values = [_value(results[n], key) for n in names]
        lines.append(f"{label:<22}" + "".join(f" {_cell(v):>{width}}" for v in values))
    return "\n".join(lines)


def format_labels(result: Mapping[str, Any], kind: str) -> str:
    """Precision, recall, F1 and support per label (`kind`: intents or signals)."""
    rows: Mapping[str, Mapping[str, Any]] = result.get(kind) or {}
    width = max([len(kind[:-1]), *(len(n) for n in rows)])
    header = f"{kind[:-1]:<{width}} {'prec':>6} {'recall':>6} {'F1':>6} {'support':>7}"
    lines = [header, "-" * len(header)]
    for label, m in rows.items():
        lines.append(
            f"{label:<{width}} {_cell(m.get('precision')):>6} {_cell(m.get('recall')):>6} "
            f"{_cell(m.get('f1')):>6} {m.get('support', 0):>7}"
        )
    return "\n".join(lines)


def _reading(intent: str, signals: Sequence[str]) -> str:
    return f"{intent} [{', '.join(signals) or '-'}]"


def format_errors(result: Mapping[str, Any]) -> str:
    """Each misread item: gold reading → predicted reading, then the text."""
    lines = []
    for e in result.get("errors", []):
        gold = _reading(e["gold_intent"], e["gold_signals"])
        got = _reading(e["intent"], e["signals"])
        lines.append(f"  {gold} → {got}\n      {excerpt(e['text'], 160)!r}")
    return "\n".join(lines) if lines else "  (none)"
