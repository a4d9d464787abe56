"""Pure views of an evaluation run for the Evaluate tab: progress, verdict, tables.

No Gradio, no disk: a report dict (what `report.json` holds) and the UI texts
go in, HTML or rows come out. Tables sit in a focusable, labelled region that
scrolls sideways on a phone instead of squeezing a column to one character per
line. Verdicts are words, not ✅/❌, which show as empty boxes without an emoji font.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from coach.evaluation.metrics import format_value
from coach.ui.render import UiText

RESULT_KEYS = ("script", "language", "turns", "passed", "failed", "result", "first_failure")


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def result_headers(ui: UiText, lang: str) -> list[str]:
    return [ui.get(f"eval_col_{key}", lang) for key in RESULT_KEYS]


def result_rows(report: Mapping[str, Any], ui: UiText, lang: str) -> list[list[Any]]:
    """One row per script, the verdict in words of the UI language."""
    from coach.evaluation.report import result_rows as rows_of

    out = []
    for row in rows_of(report):
        row = list(row)
        row[5] = ui.get("eval_script_ok" if row[5] == "pass" else "eval_script_failed", lang)
        out.append(row)
    return out


def results_html(report: Mapping[str, Any], ui: UiText, lang: str) -> str:
    """One row per script in a table that scrolls sideways on a phone."""
    title = _e(ui.get("eval_results", lang))
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in result_headers(ui, lang))
    rows = []
    for row in result_rows(report, ui, lang):
        passed = row[5] == ui.get("eval_script_ok", lang)
        cells = [f'<th scope="row">{_e(row[0])}</th>']
        cells += [_td(str(v)) for v in row[1:5]]
        cells.append(f'<td class="bc-{"better" if passed else "worse"}">{_e(row[5])}</td>')
        cells.append(f'<td class="bc-definition">{_e(row[6])}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f"<h3>{title}</h3>"
        f'<div class="bc-scroll" role="region" tabindex="0" aria-label="{title}">'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def progress_html(done: Sequence[tuple[str, bool]], total: int, ui: UiText, lang: str) -> str:
    """A progress bar and the scripts finished so far, each with its verdict (a live region)."""
    label = _e(ui.get("eval_progress_label", lang))
    count = ui.get("eval_progress", lang, done=len(done), total=total)
    if not done:
        count = f"{count} · {ui.get('eval_starting', lang)}"
    items = "".join(
        f'<li class="bc-eval-{"ok" if ok else "failed"}">{_e(name)}: '
        f"{_e(ui.get('eval_script_ok' if ok else 'eval_script_failed', lang))}</li>"
        for name, ok in done
    )
    return (
        f'<div class="bc-eval-progress" role="status" aria-label="{label}">'
        f'<progress max="{max(total, 1)}" value="{len(done)}" aria-label="{label}"></progress> '
        f"<span>{_e(count)}</span>" + (f"<ol>{items}</ol>" if items else "") + "</div>"
    )


def verdict_markdown(
    report: Mapping[str, Any], failures: Sequence[str], ui: UiText, lang: str
) -> str:
    """The outcome in one line, then the first failed assertions."""
    summary = report.get("summary", {})
    head = ui.get("eval_all_passed" if report.get("passed") else "eval_some_failed", lang)
    line = ui.get(
        "eval_summary", lang, passed=summary.get("passed", 0), scripts=summary.get("scripts", 0)
    )
    out = f"**{head}** — {line}"
    if failures:
        out += "\n\n" + "\n".join(f"- `{m.splitlines()[0]}`" for m in failures[:20])
    return out


def metrics_html(report: Mapping[str, Any], ui: UiText, lang: str) -> str:
    """The metrics as a table; with a baseline, the earlier value, the change and a verdict
    that knows the metric's direction (lower latency is better)."""
    defs = report.get("metric_definitions", {})
    base = report.get("baseline") or None
    deltas = {d["metric"]: d for d in (base or {}).get("deltas", [])}
    cols = ["metric", "value", *(("baseline", "change", "verdict") if base else ()), "definition"]
    head = "".join(f'<th scope="col">{_e(ui.get(f"eval_col_{c}", lang))}</th>' for c in cols)
    rows = []
    for name, value in report.get("metrics", {}).items():
        unit = defs.get(name, {}).get("unit", "")
        cells = [f'<th scope="row"><code>{_e(name)}</code></th>', _td(format_value(value, unit))]
        if base:
            delta = deltas.get(name, {})
            cells.append(_td(format_value(delta.get("baseline"), unit)))
            cells.append(_td(_change(delta.get("change"), unit)))
            verdict = (
                "eval_worse"
                if delta.get("worse")
                else "eval_better"
                if delta.get("better")
                else "eval_same"
            )
            word = "worse" if delta.get("worse") else "better" if delta.get("better") else "same"
            cells.append(f'<td class="bc-{word}">{_e(ui.get(verdict, lang))}</td>')
        definition = defs.get(name, {}).get("definition", "")
        cells.append(f'<td class="bc-definition">{_e(definition)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    title = _e(ui.get("eval_metrics", lang))
    intro = ""
    if base:
        name = base.get("path") or "report.json"
        intro = f"<p>{_e(ui.get('eval_compared', lang, name=name))}</p>"
    return (
        f"<h3>{title}</h3>{intro}"
        f'<div class="bc-scroll" role="region" tabindex="0" aria-label="{title}">'
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _td(text: str) -> str:
    return f'<td class="bc-num">{_e(text)}</td>'


def _change(change: float | None, unit: str) -> str:
    if change is None:
        return "–"
    if unit == "ratio":
        return f"{change * 100:+.1f} pp"
    if unit == "ms":
        return f"{change:+.0f} ms"
    return f"{change:+.3g}"
