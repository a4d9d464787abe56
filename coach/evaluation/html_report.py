"""Render a report dict (what report.json holds) as one self-contained report.html.

The HTML has no external assets (no CDN, no scripts): styles are inline and
the charts are hand-written SVG (`coach.evaluation.charts`), so the file can be
mailed or archived and still open offline years later. Everything user- or
corpus-provided is escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from coach.evaluation.charts import latency_histogram_svg, metrics_chart_svg
from coach.evaluation.html_understanding import understanding_section
from coach.evaluation.metrics import EPSILON, format_value

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
padding:0 1rem;color:#1d2327;line-height:1.45}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0}
th,td{border:1px solid #d7dadd;padding:.35rem .55rem;text-align:left;vertical-align:top}
th{background:#f1f3f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#146c2e;font-weight:600}.fail{color:#b3261e;font-weight:600}
tr.worse td{background:#fdecea}.badge{display:inline-block;border-radius:.6rem;padding:0 .5rem;
font-size:.8rem;background:#eee}.badge.fail{background:#fdecea}.badge.ok{background:#e6f4ea}
details{border:1px solid #d7dadd;border-radius:.4rem;margin:.6rem 0;padding:.4rem .8rem}
summary{cursor:pointer;font-weight:600}
.turn{margin:.6rem 0;padding:.4rem .6rem;border-left:3px solid #ccd}
.user{border-color:#6b8afd;background:#f5f7ff}.coach{border-color:#8bc34a;background:#f7fbf2}
.meta{color:#5f6368;font-size:.85rem}blockquote{margin:.3rem 0 .3rem 1rem;padding-left:.6rem;
border-left:3px solid #e0c36a;color:#3c4043}.check{font-size:.9rem}pre{white-space:pre-wrap}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}.charts figure{margin:0}
figcaption{font-size:.85rem;color:#5f6368}
.scroll{max-width:100%;overflow-x:auto}
"""
# Every table sits in a labelled region that scrolls sideways on a phone (and by keyboard).
_TABLE = re.compile(r"<table class='([\w-]+)'>.*?</table>", re.S)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _metrics_table(report: Mapping[str, Any]) -> str:
    defs = report.get("metric_definitions", {})
    deltas = {d["metric"]: d for d in (report.get("baseline") or {}).get("deltas", [])}
    has_base = report.get("baseline") is not None
    head = "<tr><th>metric</th><th>value</th><th>target</th>"
    head += "<th>baseline</th><th>change</th>" if has_base else ""
    head += "<th>definition</th></tr>"
    rows = [head]
    for name, value in report.get("metrics", {}).items():
        d = defs.get(name, {})
        unit = d.get("unit", "")
        delta = deltas.get(name)
        cls = ' class="worse"' if delta and delta["worse"] else ""
        row = f"<tr{cls}><td><code>{_e(name)}</code></td>"
        row += f"<td class='num'>{_e(format_value(value, unit))}</td>"
        target = d.get("target")
        row += (
            f"<td class='num'>{_e(format_value(target, unit)) if target is not None else ''}</td>"
        )
        if has_base:
            base = delta["baseline"] if delta else None
            change = delta["change"] if delta else None
            mark = " <span class='fail'>worse</span>" if delta and delta["worse"] else ""
            if change is None:
                shown = ""
            elif abs(change) < EPSILON:
                shown = "="
            else:
                shown = f"{change * 100:+.1f} pt" if unit == "ratio" else f"{change:+.4g}"
            row += f"<td class='num'>{_e(format_value(base, unit))}</td>"
            row += f"<td class='num'>{_e(shown)}{mark}</td>"
        row += f"<td>{_e(d.get('definition', ''))}</td></tr>"
        rows.append(row)
    return "<table class='metrics'>" + "".join(rows) + "</table>"


def _scripts_table(scripts: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        "<tr><th>script</th><th>language</th><th>card</th><th>turns</th><th>checks passed</th>"
        "<th>failed</th><th>result</th></tr>"
    ]
    for i, s in enumerate(scripts):
        n_failed = int(s.get("n_failed", 0))
        n_ok = int(s.get("n_checks", 0)) - n_failed + (1 if s.get("error") else 0)
        status = (
            "<span class='ok'>pass</span>" if s.get("passed") else "<span class='fail'>FAIL</span>"
        )
        rows.append(
            f"<tr><td><a href='#script-{i}'>{_e(s.get('name'))}</a></td>"
            f"<td>{_e(s.get('language'))}</td><td>{_e(s.get('card'))}</td>"
            f"<td class='num'>{max(len(s.get('turns', [])) - 1, 0)}</td>"
            f"<td class='num'>{n_ok}</td><td class='num'>{n_failed}</td><td>{status}</td></tr>"
        )
    return "<table class='scripts'>" + "".join(rows) + "</table>"


def _citation_html(cite: Mapping[str, Any]) -> str:
    ok = cite.get("verbatim") and cite.get("retrieved")
    flags = []
    if not cite.get("verbatim"):
        flags.append("quote not verbatim in card")
    if not cite.get("retrieved"):
        flags.append("passage not retrieved this turn")
    badge = (
        "<span class='badge ok'>valid</span>"
        if ok
        else f"<span class='badge fail'>{_e('; '.join(flags))}</span>"
    )
    return (
        f"<blockquote>“{_e(cite.get('quote', ''))}”<br><span class='meta'>"
        f"{_e(cite.get('title', ''))}, {_e(cite.get('section', ''))} · "
        f"<code>{_e(cite.get('passage_id', ''))}</code> {badge}</span></blockquote>"
    )


def _checks_html(checks: Sequence[Mapping[str, Any]]) -> str:
    items = []
    for c in checks:
        mark = "<span class='ok'>✓</span>" if c.get("passed") else "<span class='fail'>✗</span>"
        detail = (
            ""
            if c.get("passed")
            else f" — expected {_e(c.get('expected'))}, got {_e(c.get('actual'))}"
        )
        items.append(f"<li class='check'>{mark} <code>{_e(c.get('name'))}</code>{detail}</li>")
    return "<ul>" + "".join(items) + "</ul>" if items else ""


def _script_details(i: int, s: Mapping[str, Any]) -> str:
    status = "pass" if s.get("passed") else "FAIL"
    cls = "ok" if s.get("passed") else "fail"
    parts = [
        f"<details id='script-{i}'{'' if s.get('passed') else ' open'}>"
        f"<summary>{_e(s.get('name'))} "
        f"<span class='badge {cls}'>{status}</span></summary>",
        f"<p class='meta'>{_e(s.get('path'))} · card <code>{_e(s.get('card'))}</code> · language "
        f"{_e(s.get('language'))} · central questions asked {s.get('central_asked', 0)}/"
        f"{s.get('central_total', 0)}"
        + (f" · tags: {_e(', '.join(s.get('tags', [])))}" if s.get("tags") else "")
        + "</p>",
    ]
    failures = s.get("failures", [])
    if failures:
        parts.append("<pre class='fail'>" + _e("\n".join(failures)) + "</pre>")
    for t in s.get("turns", []):
        reply = t.get("reply", {})
        if t.get("user") is not None:
            lang = t.get("user_language") or "?"
            parts.append(
                f"<div class='turn user'><span class='meta'>turn {t['index']} · user · "
                f"detected {_e(lang)}</span>"
                f"<div>{_e(t['user'])}</div></div>"
            )
        body = _e(reply.get("text", "")).replace("\n", "<br>")
        parts.append(
            f"<div class='turn coach'><span class='meta'>coach · phase "
            f"<code>{_e(reply.get('phase'))}</code> · "
            f"{_e(reply.get('language'))} · {t.get('wall_ms', 0):.0f} ms</span><div>{body}</div>"
        )
        if reply.get("notice"):
            parts.append(f"<div class='meta'>notice: {_e(reply['notice'])}</div>")
        for f in reply.get("followups", []):
            parts.append(f"<div>• {_e(f)}</div>")
        parts.extend(_citation_html(c) for c in reply.get("citations", []))
        for a in reply.get("actions", []):
            parts.append(f"<div><strong>{_e(a.get('title'))}</strong> — {_e(a.get('why'))}</div>")
            parts.extend(_citation_html(c) for c in a.get("citations", []))
        parts.append(_checks_html(t.get("checks", [])) + "</div>")
    if s.get("end_checks"):
        parts.append("<h4>End checks</h4>" + _checks_html(s["end_checks"]))
    parts.append("</details>")
    return "".join(parts)


def render_html(report: Mapping[str, Any]) -> str:
    """The whole report as one self-contained HTML page."""
    scripts = report.get("scripts", [])
    summary = report.get("summary", {})
    defs = report.get("metric_definitions", {})
    metrics = report.get("metrics", {})
    base = report.get("baseline")
    baseline_values = {d["metric"]: d["baseline"] for d in base["deltas"]} if base else None
    latencies = [
        t.get("wall_ms", 0.0) for s in scripts for t in s.get("turns", []) if t.get("index", 0) > 0
    ]
    verdict = (
        "<span class='ok'>PASSED</span>"
        if report.get("passed")
        else "<span class='fail'>FAILED</span>"
    )
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Balanscoach eval report — {_e(report.get('created', ''))}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        f"<h1>Balanscoach conversation eval {verdict}</h1>",
        f"<p class='meta'>{_e(report.get('created', ''))} · {summary.get('scripts', 0)} scripts, "
        f"{summary.get('passed', 0)} passed, {summary.get('failed', 0)} failed · "
        f"{summary.get('turns', 0)} turns",
    ]
    for key, value in (report.get("meta") or {}).items():
        parts.append(f" · {_e(key)}: {_e(value)}")
    parts.append("</p>")
    if base:
        parts.append(f"<p class='meta'>Compared with baseline {_e(base.get('path') or '')}.</p>")
    gates = report.get("gates", [])
    if gates:
        items = "".join(
            f"<li class='{'ok' if g['passed'] else 'fail'}'>{_e(g['message'])}</li>" for g in gates
        )
        parts.append(f"<h2>Gates</h2><ul class='gates'>{items}</ul>")
    parts.append("<h2>Scripts</h2>" + _scripts_table(scripts))
    parts.append("<h2>Metrics</h2>" + _metrics_table(report))
    retrieval = report.get("retrieval")
    if isinstance(retrieval, Mapping) and retrieval.get("skipped"):
        parts.append(f"<p class='meta'>Retrieval metrics skipped: {_e(retrieval['skipped'])}</p>")
    elif isinstance(retrieval, Mapping):
        failed = retrieval.get("failed_thresholds") or []
        note = f"Retrieval: {_e(retrieval.get('queries', '?'))} queries from "
        note += f"{_e(retrieval.get('dev_set', ''))}, model {_e(retrieval.get('model', '?'))}."
        if failed:
            note += " Below the dev set's own thresholds: " + _e("; ".join(map(str, failed))) + "."
        parts.append(f"<p class='meta'>{note}</p>")
    parts.append(understanding_section(report))
    parts.append("<h2>Charts</h2><div class='charts'>")
    parts.append(
        "<figure>"
        + latency_histogram_svg(latencies)
        + "<figcaption>Latency distribution: wall-clock ms "
        "per reply turn.</figcaption></figure>"
    )
    for unit, caption in (("ratio", "Quality metrics"), ("ms", "Latency metrics")):
        if any(defs.get(n, {}).get("unit") == unit for n in metrics):
            label = caption + (" vs baseline (grey)" if baseline_values else "")
            parts.append(
                "<figure>"
                + metrics_chart_svg(metrics, baseline_values, defs, unit)
                + f"<figcaption>{_e(label)}</figcaption></figure>"
            )
    parts.append("</div>")
    parts.append("<h2>Transcripts</h2>")
    parts.extend(_script_details(i, s) for i, s in enumerate(scripts))
    parts.append("</main></body></html>")
    page = "\n".join(parts) + "\n"
    return _TABLE.sub(
        lambda m: (
            f"<div class='scroll' role='region' tabindex='0' aria-label='{m.group(1)}'>"
            f"{m.group(0)}</div>"
        ),
        page,
    )
