"""Hand-written inline SVG charts for the HTML report: latency histogram and metric bars.

No plotting library and no external assets, so report.html stays one
self-contained file; every label is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from coach.evaluation.metrics import format_value


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _svg_open(css_class: str, width: int, height: int) -> str:
    """An inline chart that scales down on a narrow screen."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="{css_class}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'style="max-width:100%;height:auto"'
    )


def _named(key: str, title: str, summary: str) -> str:
    """Close the <svg> tag with its accessible name (the title) and text alternative (the
    values in words), and both elements."""
    return (
        f' aria-labelledby="chart-{key}-title chart-{key}-desc">'
        f'<title id="chart-{key}-title">{_e(title)}</title>'
        f'<desc id="chart-{key}-desc">{_e(summary)}</desc>'
    )


def latency_histogram_svg(latencies: Sequence[float], width: int = 520, height: int = 240) -> str:
    """An inline SVG histogram of turn latencies (ms), ~10 bins."""
    pad_l, pad_b, pad_t, pad_r = 44, 36, 14, 12
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    base_y = pad_t + inner_h
    small = 'font-size="10" text-anchor="middle"'
    label = 'font-size="11" text-anchor="middle"'
    if latencies:
        summary = (
            f"{len(latencies)} turns from {min(latencies):.0f} to {max(latencies):.0f} ms, "
            f"median {sorted(latencies)[len(latencies) // 2]:.0f} ms."
        )
    else:
        summary = "No turns."
    parts = [
        _svg_open("chart latency-histogram", width, height),
        _named("latency", "Turn latency distribution (ms)", summary),
    ]
    if not latencies:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no turns</text></svg>'
        )
        return "".join(parts)
    lo, hi = min(latencies), max(latencies)
    n_bins = max(1, min(10, len(latencies)))
    span = (hi - lo) or 1.0
    step = span / n_bins
    counts = [0] * n_bins
    for v in latencies:
        counts[min(int((v - lo) / step), n_bins - 1)] += 1
    top = max(counts)
    bar_w = inner_w / n_bins
    parts.append(
        f'<line x1="{pad_l}" y1="{base_y}" x2="{pad_l + inner_w}" y2="{base_y}" stroke="#555"/>'
        f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{pad_t + inner_h}" stroke="#555"/>'
    )
    for i, count in enumerate(counts):
        h = inner_h * count / top
        x = pad_l + i * bar_w
        y = pad_t + inner_h - h
        left, right = lo + i * step, lo + (i + 1) * step
        parts.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" '
            f'height="{h:.1f}" '
            f'fill="#4c78a8"><title>{left:.0f}–{right:.0f} ms: {count} turn(s)</title></rect>'
        )
        if count:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" {small}>{count}</text>')
    for frac in (0.0, 0.5, 1.0):
        value = lo + span * frac
        x = pad_l + inner_w * frac
        parts.append(f'<text x="{x:.1f}" y="{base_y + 14}" {small}>{value:.0f}</text>')
    parts.append(
        f'<text x="{pad_l + inner_w / 2}" y="{height - 4}" {label}>ms per turn</text>'
        f'<text x="12" y="{pad_t + inner_h / 2}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 12 {pad_t + inner_h / 2})">turns</text></svg>'
    )
    return "".join(parts)


def metrics_chart_svg(
    metrics: Mapping[str, float | None],
    baseline: Mapping[str, float | None] | None,
    defs: Mapping[str, Mapping[str, Any]],
    unit: str,
    width: int = 520,
) -> str:
    """Horizontal bars for the metrics of one unit (ratio or ms): now, and baseline when given."""
    names = [n for n, v in metrics.items() if defs.get(n, {}).get("unit") == unit and v is not None]
    row_h = 30 if baseline else 20
    label_w, pad = 210, 10
    height = pad * 2 + max(len(names), 1) * (row_h + 8) + 18
    bar_max = width - label_w - 70
    values = [metrics[n] or 0.0 for n in names]
    if baseline:
        values += [baseline.get(n) or 0.0 for n in names]
    scale = 1.0 if unit == "ratio" else (max(values, default=0.0) or 1.0)
    title = "Metrics (share)" if unit == "ratio" else "Latency metrics (ms)"
    described = []
    for name in names:
        said = f"{name} {format_value(metrics[name], unit)}"
        if baseline and baseline.get(name) is not None:
            said += f" (baseline {format_value(baseline[name], unit)})"
        described.append(said)
    parts = [
        _svg_open("chart metrics-chart", width, height),
        _named(f"metrics-{unit}", title, "; ".join(described) + "." if described else "None."),
    ]
    for i, name in enumerate(names):
        y = pad + i * (row_h + 8)
        cur = metrics[name] or 0.0
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" font-size="11" text-anchor="end">'
            f"{_e(name)}</text>"
        )
        bar_h = row_h / 2 - 1 if baseline else row_h - 4
        worse = False
        if baseline and baseline.get(name) is not None:
            old = baseline[name] or 0.0
            higher = defs.get(name, {}).get("higher_is_better", True)
            worse = (cur < old) if higher else (cur > old)
            parts.append(
                f'<rect class="baseline" x="{label_w}" y="{y + row_h / 2:.1f}" '
                f'width="{bar_max * old / scale:.1f}" '
                f'height="{bar_h:.1f}" fill="#bbb"><title>baseline {old:.4g}</title></rect>'
            )
        color = "#d62728" if worse else "#4c78a8"
        parts.append(
            f'<rect class="current" x="{label_w}" y="{y:.1f}" '
            f'width="{bar_max * cur / scale:.1f}" height="{bar_h:.1f}" '
            f'fill="{color}"><title>{_e(name)}: {cur:.4g}</title></rect>'
            f'<text x="{label_w + bar_max * cur / scale + 4:.1f}" y="{y + 11}" font-size="10">'
            f"{_e(format_value(cur, unit))}</text>"
        )
    legend_y = height - 6
    legend = "current" + (" (red: worse than baseline) · grey: baseline" if baseline else "")
    parts.append(
        f'<text x="{label_w}" y="{legend_y}" font-size="10" fill="#555">{legend}</text></svg>'
    )
    return "".join(parts)


SET_COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2")


def label_f1_chart_svg(
    per_set: Mapping[str, Mapping[str, float | None]],
    labels: Sequence[str],
    title: str = "Per-signal F1 of the message reader",
    width: int = 560,
) -> str:
    """Grouped horizontal bars: one group per label, one bar per set (F1 from 0 to 1).

    `per_set` maps a set name to {label: F1 or None}. Besides the `<title>`, a
    `<desc>` lists every value as text, and `aria-labelledby` points at both,
    so a screen reader gets the numbers, not just "image".
    """
    sets = list(per_set)
    bar_h, gap, label_w, pad = 9, 7, 170, 10
    group_h = max(len(sets), 1) * bar_h + gap
    height = pad * 2 + max(len(labels), 1) * group_h + 20
    bar_max = width - label_w - 60
    slug = "".join(ch if ch.isalnum() else "-" for ch in title.lower())[:40]
    described = []
    for label in labels:
        values = ", ".join(f"{name} {_f1_text(per_set[name].get(label))}" for name in sets)
        described.append(f"{label}: {values}")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart label-f1-chart" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{slug}-title {slug}-desc">'
        f'<title id="{slug}-title">{_e(title)}</title>'
        f'<desc id="{slug}-desc">F1 per label and set (n/a: nothing to measure). '
        f"{_e('; '.join(described))}.</desc>"
    ]
    for i, label in enumerate(labels):
        y0 = pad + i * group_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y0 + len(sets) * bar_h / 2 + 4:.1f}" font-size="11" '
            f'text-anchor="end">{_e(label)}</text>'
        )
        for j, name in enumerate(sets):
            value = per_set[name].get(label)
            y = y0 + j * bar_h
            w = bar_max * (value or 0.0)
            colour = SET_COLOURS[j % len(SET_COLOURS)]
            parts.append(
                f'<rect class="bar" x="{label_w}" y="{y:.1f}" width="{w:.1f}" '
                f'height="{bar_h - 1}" fill="{colour}"><title>{_e(label)}, {_e(name)}: '
                f"{_f1_text(value)}</title></rect>"
                f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 1.5:.1f}" font-size="9">'
                f"{_f1_text(value)}</text>"
            )
    legend_y = height - 6
    x = label_w
    for j, name in enumerate(sets):
        colour = SET_COLOURS[j % len(SET_COLOURS)]
        parts.append(
            f'<rect x="{x}" y="{legend_y - 8}" width="10" height="8" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{legend_y}" font-size="10" fill="#555">{_e(name)}</text>'
        )
        x += 24 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def _f1_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"
