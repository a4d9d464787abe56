"""The round report's charts as inline SVG: no script, no CDN, readable at 390 px.

`strip_chart`: one row per dimension on a 1–5 scale, a dot per partner (dots
with the same score stack), a bar at the mean and a line over the range.
`trend_chart`: the mean per dimension over the rounds, one line each. Both
carry a `<title>` and `<desc>` and scale with their container (viewBox); each
is followed by a table with the same numbers, the text alternative for screen
readers and for anyone who prefers numbers.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence

from coach.rounds.report import DIMENSIONS, DimensionStats, TrendPoint
from coach.rounds.texts import RoundTexts

WIDTH = 360
LABEL_W = 96
PLOT_W = WIDTH - LABEL_W - 16
COLORS = {"commitment": "#2f5d48", "progress": "#b45309", "result": "#1d4ed8"}
DASHES = {"commitment": "", "progress": "6 3", "result": "2 3"}  # not by colour alone


def _x(value: float) -> float:
    return LABEL_W + (value - 1) / 4 * PLOT_W


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _num(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "nl" else text


def strip_chart(dimensions: Sequence[DimensionStats], texts: RoundTexts, lang: str) -> str:
    """Dots per dimension (partners), the mean and the range; with a table beneath."""
    n = max((d.n for d in dimensions), default=0)
    title = texts.get("chart_strip_title", lang, n=n)
    row_h, top = 56, 30
    height = top + row_h * len(dimensions) + 20
    parts = [
        f'<svg class="bc-round-strip" role="img" aria-labelledby="bc-strip-t bc-strip-d" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'style="width:100%;max-width:{WIDTH * 2}px;height:auto">',
        f'<title id="bc-strip-t">{_esc(title)}</title>',
        f'<desc id="bc-strip-d">{_esc(_strip_desc(dimensions, texts, lang))}</desc>',
    ]
    for value in range(1, 6):
        x = _x(value)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 22}" '
            'stroke="#e5e7eb" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{top - 12}" font-size="11" text-anchor="middle" '
            f'fill="#6b7280">{value}</text>'
        )
    for i, dim in enumerate(dimensions):
        y = top + i * row_h + row_h / 2
        label = texts.get(f"label_{dim.name}", lang)
        parts.append(
            f'<text x="0" y="{y + 4:.1f}" font-size="13" fill="#111827">{_esc(label)}</text>'
        )
        if dim.low is not None and dim.high is not None:
            parts.append(
                f'<line class="bc-range" x1="{_x(dim.low):.1f}" y1="{y:.1f}" '
                f'x2="{_x(dim.high):.1f}" y2="{y:.1f}" stroke="{COLORS[dim.name]}" '
                'stroke-width="2" stroke-opacity="0.35"/>'
            )
        stacked: Counter[int] = Counter()
        for score in dim.scores:
            k = stacked[score]  # same scores stack: 0, +8, -8, +16, ...
            offset = ((k + 1) // 2) * 8 * (1 if k % 2 else -1)
            stacked[score] += 1
            parts.append(
                f'<circle class="bc-dot" data-dimension="{dim.name}" data-score="{score}" '
                f'cx="{_x(score):.1f}" cy="{y + offset:.1f}" r="6" fill="{COLORS[dim.name]}" '
                'fill-opacity="0.8" stroke="#fff" stroke-width="1"/>'
            )
        if dim.mean is not None:
            x = _x(dim.mean)
            parts.append(
                f'<rect class="bc-mean" data-dimension="{dim.name}" data-mean="{dim.mean}" '
                f'x="{x - 1.5:.1f}" y="{y - 16:.1f}" width="3" height="32" fill="#111827"/>'
            )
    parts.append("</svg>")
    return "".join(parts) + _strip_table(dimensions, texts, lang)


def _distribution(scores: Sequence[int]) -> list[int]:
    counts = Counter(scores)
    return [counts.get(v, 0) for v in range(1, 6)]


def _strip_desc(dimensions: Sequence[DimensionStats], texts: RoundTexts, lang: str) -> str:
    lines = []
    for dim in dimensions:
        label = texts.get(f"label_{dim.name}", lang)
        if not dim.n:
            lines.append(f"{label}: {texts.get('no_scores', lang)}")
            continue
        lines.append(
            f"{label}: {', '.join(str(s) for s in dim.scores)} "
            f"(⌀ {_num(dim.mean, lang)}, {dim.low}–{dim.high})"
        )
    return "; ".join(lines)


def _strip_table(dimensions: Sequence[DimensionStats], texts: RoundTexts, lang: str) -> str:
    header = texts.get("spread_header", lang).splitlines()[0]
    cells = [c.strip() for c in header.strip("|").split("|")]
    rows = [
        "<tr>" + "".join(f'<th scope="col">{_esc(c)}</th>' for c in cells[:4]) + "<th>1</th>"
        "<th>2</th><th>3</th><th>4</th><th>5</th></tr>"
    ]
    for dim in dimensions:
        label = texts.get(f"label_{dim.name}", lang)
        span = f"{dim.low}–{dim.high}" if dim.n else "–"
        counts = "".join(f"<td>{c}</td>" for c in _distribution(dim.scores))
        rows.append(
            f'<tr><th scope="row">{_esc(label)}</th><td>{dim.n}</td>'
            f"<td>{_num(dim.mean, lang)}</td><td>{span}</td>{counts}</tr>"
        )
    return (
        '<table class="bc-round-table" style="font-size:0.85em;margin-top:4px">'
        + "".join(rows)
        + "</table>"
    )


def trend_chart(points: Sequence[TrendPoint], texts: RoundTexts, lang: str) -> str:
    """The mean per dimension over the rounds, as lines; with a table beneath."""
    title = texts.get("chart_trend_title", lang)
    height, top, bottom = 200, 16, 40
    plot_h = height - top - bottom
    left, right = 30, WIDTH - 12
    count = len(points)

    def px(i: int) -> float:
        return left + (right - left) * (i / (count - 1) if count > 1 else 0.5)

    def py(value: float) -> float:
        return top + (5 - value) / 4 * plot_h

    desc = "; ".join(
        f"{texts.get('chart_round', lang, number=p.number)}: "
        + ", ".join(
            f"{texts.get(f'label_{d}', lang)} {_num(p.means.get(d), lang)}" for d in DIMENSIONS
        )
        for p in points
    )
    parts = [
        f'<svg class="bc-round-trend" role="img" aria-labelledby="bc-trend-t bc-trend-d" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'style="width:100%;max-width:{WIDTH * 2}px;height:auto">',
        f'<title id="bc-trend-t">{_esc(title)}</title>',
        f'<desc id="bc-trend-d">{_esc(desc)}</desc>',
    ]
    for value in range(1, 6):
        y = py(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#6b7280">{value}</text>'
        )
    for i, p in enumerate(points):
        parts.append(
            f'<text x="{px(i):.1f}" y="{height - bottom + 16}" font-size="11" '
            f'text-anchor="middle" fill="#374151">'
            f"{_esc(texts.get('chart_round', lang, number=p.number))}</text>"
        )
    for d in DIMENSIONS:
        coords = [(px(i), py(v)) for i, p in enumerate(points) if (v := p.means.get(d))]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            dash = f' stroke-dasharray="{DASHES[d]}"' if DASHES[d] else ""
            parts.append(
                f'<polyline class="bc-trend-line" data-dimension="{d}" points="{path}" '
                f'fill="none" stroke="{COLORS[d]}" stroke-width="2.5"{dash}/>'
            )
        for x, y in coords:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{COLORS[d]}"/>')
    legend_y = height - 8
    for j, d in enumerate(DIMENSIONS):
        x = left + j * 110
        dash = f' stroke-dasharray="{DASHES[d]}"' if DASHES[d] else ""
        parts.append(
            f'<line x1="{x}" y1="{legend_y - 4}" x2="{x + 18}" y2="{legend_y - 4}" '
            f'stroke="{COLORS[d]}" stroke-width="2.5"{dash}/>'
            f'<text x="{x + 22}" y="{legend_y}" font-size="11" fill="#111827">'
            f"{_esc(texts.get(f'label_{d}', lang))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts) + _trend_table(points, texts, lang)


def _trend_table(points: Sequence[TrendPoint], texts: RoundTexts, lang: str) -> str:
    header = texts.get("trend_header", lang).splitlines()[0]
    cells = [c.strip() for c in header.strip("|").split("|")]
    rows = ["<tr>" + "".join(f'<th scope="col">{_esc(c)}</th>' for c in cells) + "</tr>"]
    for p in points:
        values = "".join(f"<td>{_num(p.means.get(d), lang)}</td>" for d in DIMENSIONS)
        rows.append(f'<tr><th scope="row">{p.number}</th><td>{p.n}</td>{values}</tr>')
    return (
        '<table class="bc-round-table" style="font-size:0.85em;margin-top:4px">'
        + "".join(rows)
        + "</table>"
    )
