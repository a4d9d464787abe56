"""The "Understanding" section of report.html: the message reader on the labelled sets.

Rendered from `report["understanding"]` (what `understanding_metrics` put
there): one row per set with the headline numbers, the per-intent and
per-signal F1 per set, and a bar chart of the per-signal F1. The report never
holds misread texts, so nothing of the held-out test set's content shows.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from coach.evaluation.charts import label_f1_chart_svg
from coach.evaluation.metrics import format_value
from coach.settings import PROJECT_ROOT

_COLUMNS = (
    ("intent_accuracy", "intent accuracy"),
    ("intent_macro_f1", "intent macro-F1"),
    ("signal_macro_f1", "signal macro-F1"),
    ("signal_exact_match", "signal exact match"),
    ("no_signal_specificity", "no-signal specificity"),
    ("nl.intent_accuracy", "nl intent accuracy"),
    ("en.intent_accuracy", "en intent accuracy"),
)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _get(result: Mapping[str, Any], key: str) -> Any:
    head, _, rest = key.partition(".")
    return (result.get(head) or {}).get(rest) if rest else result.get(key)


def _short(path: str) -> str:
    """A shipped set as `eval/understanding_dev.yaml`, not this machine's absolute path."""
    try:
        return Path(path).resolve().relative_to(PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return path


def _sets_table(sets: Mapping[str, Mapping[str, Any]]) -> str:
    head = "<tr><th>set</th><th>file</th><th>items</th>"
    head += "".join(f"<th>{_e(label)}</th>" for _, label in _COLUMNS) + "</tr>"
    rows = [head]
    for name, r in sets.items():
        held = " <span class='badge'>held out</span>" if r.get("held_out") else ""
        file = _short(str(r.get("set", "")))
        row = f"<tr><td><code>{_e(name)}</code>{held}</td><td>{_e(file)}</td>"
        row += f"<td class='num'>{_e(r.get('items', ''))}</td>"
        row += "".join(
            f"<td class='num'>{_e(format_value(_get(r, key), 'ratio'))}</td>" for key, _ in _COLUMNS
        )
        rows.append(row + "</tr>")
    return "<table class='understanding'>" + "".join(rows) + "</table>"


def _labels_table(sets: Mapping[str, Mapping[str, Any]], kind: str) -> str:
    """F1 (and support) per label, one column per set."""
    labels = list(dict.fromkeys(label for r in sets.values() for label in r.get(kind) or {}))
    head = f"<tr><th>{_e(kind[:-1])}</th>"
    head += "".join(f"<th>{_e(name)}: F1 (support)</th>" for name in sets) + "</tr>"
    rows = [head]
    for label in labels:
        row = f"<tr><td><code>{_e(label)}</code></td>"
        for r in sets.values():
            m = (r.get(kind) or {}).get(label) or {}
            f1 = format_value(m.get("f1"), "ratio")
            row += f"<td class='num'>{_e(f1)} ({_e(m.get('support', 0))})</td>"
        rows.append(row + "</tr>")
    return f"<table class='understanding-{_e(kind)}'>" + "".join(rows) + "</table>"


def understanding_section(report: Mapping[str, Any]) -> str:
    """The section's HTML, or '' when the run did not evaluate understanding."""
    data = report.get("understanding")
    if not isinstance(data, Mapping):
        return ""
    parts = ["<h2>Understanding</h2>"]
    if data.get("skipped"):
        parts.append(f"<p class='meta'>Understanding metrics skipped: {_e(data['skipped'])}</p>")
        return "".join(parts)
    sets: Mapping[str, Mapping[str, Any]] = data.get("sets") or {}
    parts.append(
        "<p class='meta'>The message reader (intent and situation signals) on the labelled "
        "sets, read with the coach's own query vectors; labels in "
        "eval/understanding_labels.md. A held-out set was never used for tuning.</p>"
    )
    parts.extend(f"<p class='meta'>{_e(note)}</p>" for note in data.get("notes", []))
    if not sets:
        return "".join(parts)
    parts.append(_sets_table(sets))
    signals = list(dict.fromkeys(s for r in sets.values() for s in r.get("signals") or {}))
    per_set = {
        name: {s: ((r.get("signals") or {}).get(s) or {}).get("f1") for s in signals}
        for name, r in sets.items()
    }
    parts.append(
        "<div class='charts'><figure>"
        + label_f1_chart_svg(per_set, signals)
        + "<figcaption>Per-signal F1 per set (the table below gives the same numbers with "
        "their support).</figcaption></figure></div>"
    )
    parts.append("<h3>Per signal</h3>" + _labels_table(sets, "signals"))
    parts.append("<h3>Per intent</h3>" + _labels_table(sets, "intents"))
    return "".join(parts)
