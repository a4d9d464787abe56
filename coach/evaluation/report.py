"""Turn an eval run into report.json, a self-contained report.html and JUnit XML.

The HTML has no external assets (no CDN, no scripts): styles are inline and
the charts are hand-written SVG, so the file can be mailed or archived and
still open offline years later. Everything user- or corpus-provided is
escaped. `report.json` is the source of truth; the HTML and the console table
are views of it, and `--baseline` reads an older `report.json` back.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coach.errors import InputError
from coach.evaluation.metrics import (
    EPSILON,
    Delta,
    GateResult,
    compare,
    definitions,
    format_value,
)

SCHEMA = 1


def build_report(
    results: Sequence[Mapping[str, Any]],
    metrics: Mapping[str, float | None],
    *,
    retrieval: Mapping[str, Any] | None = None,
    baseline: Mapping[str, float | None] | None = None,
    baseline_path: str | None = None,
    gates: Sequence[GateResult] = (),
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The report as one JSON-ready dict (what report.json holds)."""
    defs = definitions(metrics)
    deltas = (
        compare(metrics, baseline, definitions([*metrics, *baseline]))
        if baseline is not None
        else []
    )
    scripts_ok = all(r.get("passed") for r in results)
    gates_ok = all(g.passed for g in gates)
    return {
        "schema": SCHEMA,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "meta": dict(meta or {}),
        "passed": scripts_ok and gates_ok,
        "summary": {
            "scripts": len(results),
            "passed": sum(1 for r in results if r.get("passed")),
            "failed": sum(1 for r in results if not r.get("passed")),
            "turns": sum(max(len(r.get("turns", [])) - 1, 0) for r in results),
        },
        "metrics": dict(metrics),
        "metric_definitions": {name: defs[name].to_dict() for name in metrics},
        "retrieval": dict(retrieval) if retrieval is not None else None,
        "baseline": {"path": baseline_path, "deltas": [d.to_dict() for d in deltas]}
        if baseline is not None
        else None,
        "gates": [g.to_dict() for g in gates],
        "scripts": [dict(r) for r in results],
    }


def load_baseline(path: str | Path) -> dict[str, float | None]:
    """The metrics of an earlier report.json, or an InputError naming the file."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{file}: no such baseline; pass a report.json from an earlier `coach eval run`."
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{file}: not a JSON report ({exc}); pass a report.json from `coach eval run`."
        ) from None
    metrics = data.get("metrics") if isinstance(data, dict) else None
    if not isinstance(metrics, dict):
        raise InputError(
            f"{file}: no `metrics` in this file; pass a report.json from `coach eval run`."
        )
    out: dict[str, float | None] = {}
    for name, value in metrics.items():
        out[str(name)] = (
            float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        )
    return out


def write_json(report: Mapping[str, Any], path: str | Path) -> Path:
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return file


# -- console ----------------------------------------------------------------------


def format_table(results: Sequence[Mapping[str, Any]]) -> str:
    """Plain-text table: script, turns, checks passed, checks failed, status."""
    rows = [("script", "turns", "passed", "failed", "result")]
    for r in results:
        n_failed = int(r.get("n_failed", 0))
        n_checks = int(r.get("n_checks", 0))
        rows.append(
            (
                str(r.get("name", "")),
                str(max(len(r.get("turns", [])) - 1, 0)),
                str(n_checks - (n_failed - (1 if r.get("error") else 0))),
                str(n_failed),
                "ok" if r.get("passed") else "FAIL",
            )
        )
    widths = [min(max(len(row[i]) for row in rows), 60) for i in range(5)]
    lines = []
    for i, row in enumerate(rows):
        cells = [row[0][:60].ljust(widths[0])] + [
            c.rjust(widths[j + 1]) for j, c in enumerate(row[1:4])
        ]
        lines.append("  ".join([*cells, row[4]]).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_metrics(report: Mapping[str, Any]) -> str:
    """Plain-text metric lines, with the baseline delta where there is one."""
    defs = report.get("metric_definitions", {})
    deltas = {d["metric"]: d for d in (report.get("baseline") or {}).get("deltas", [])}
    width = max((len(n) for n in report.get("metrics", {})), default=10)
    lines = []
    for name, value in report.get("metrics", {}).items():
        unit = defs.get(name, {}).get("unit", "")
        line = f"{name.ljust(width)}  {format_value(value, unit)}"
        delta = deltas.get(name)
        if delta is not None:
            line += f"  (baseline {format_value(delta['baseline'], unit)}"
            line += ", WORSE)" if delta["worse"] else ")"
        lines.append(line)
    return "\n".join(lines)


# -- JUnit ----------------------------------------------------------------------


def junit_xml(report: Mapping[str, Any]) -> str:
    """JUnit XML: one testsuite, one testcase per script; failures carry every failed assertion."""
    scripts = report.get("scripts", [])
    failed = sum(1 for s in scripts if not s.get("passed"))
    total_s = sum(t.get("wall_ms", 0.0) for s in scripts for t in s.get("turns", [])) / 1000
    suites = ET.Element(
        "testsuites", name="coach eval run", tests=str(len(scripts)), failures=str(failed)
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="conversations",
        tests=str(len(scripts)),
        failures=str(failed),
        errors="0",
        skipped="0",
        time=f"{total_s:.3f}",
        timestamp=str(report.get("created", "")),
    )
    props = ET.SubElement(suite, "properties")
    for name, value in report.get("metrics", {}).items():
        ET.SubElement(
            props, "property", name=name, value="n/a" if value is None else f"{value:.6g}"
        )
    for s in scripts:
        seconds = sum(t.get("wall_ms", 0.0) for t in s.get("turns", [])) / 1000
        case = ET.SubElement(
            suite,
            "testcase",
            classname="eval.conversations",
            name=str(s.get("name", "")),
            file=str(s.get("path", "")),
            time=f"{seconds:.3f}",
        )
        if not s.get("passed"):
            messages = list(s.get("failures", []))
            first = messages[0].splitlines()[0] if messages else "failed"
            failure = ET.SubElement(case, "failure", message=first, type="AssertionError")
            failure.text = "\n".join(messages)
        out = ET.SubElement(case, "system-out")
        out.text = transcript_text(s)
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def transcript_text(script: Mapping[str, Any]) -> str:
    """The conversation as plain text (for JUnit system-out and logs)."""
    lines = []
    for t in script.get("turns", []):
        if t.get("user") is not None:
            lines.append(f"[{t['index']}] user: {t['user']}")
        reply = t.get("reply", {})
        lines.append(
            f"[{t['index']}] coach ({reply.get('phase')}, {t.get('wall_ms', 0):.0f} ms): "
            + reply.get("text", "")
        )
    return "\n".join(lines)


# -- HTML -----------------------------------------------------------------------

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
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def latency_histogram_svg(latencies: Sequence[float], width: int = 520, height: int = 240) -> str:
    """An inline SVG histogram of turn latencies (ms), ~10 bins."""
    pad_l, pad_b, pad_t, pad_r = 44, 36, 14, 12
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    base_y = pad_t + inner_h
    small = 'font-size="10" text-anchor="middle"'
    label = 'font-size="11" text-anchor="middle"'
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart latency-histogram" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        "<title>Turn latency distribution (ms)</title>",
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
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart metrics-chart" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{_e(title)}</title>"
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
        f"<style>{_CSS}</style></head><body>",
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
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(report: Mapping[str, Any], folder: str | Path) -> dict[str, Path]:
    """Write report.json and report.html into `folder`; returns their paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    json_path = write_json(report, out / "report.json")
    html_path = out / "report.html"
    html_path.write_text(render_html(report), encoding="utf-8")
    return {"json": json_path, "html": html_path}


def write_junit(report: Mapping[str, Any], path: str | Path) -> Path:
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(junit_xml(report), encoding="utf-8")
    return file


def deltas_of(report: Mapping[str, Any]) -> list[Delta]:
    """The baseline deltas stored in a report, as objects (empty without a baseline)."""
    base = report.get("baseline") or {}
    return [
        Delta(d["metric"], d["current"], d["baseline"], bool(d["worse"]), bool(d["better"]))
        for d in base.get("deltas", [])
    ]


RESULT_COLUMNS = ("script", "language", "turns", "passed", "failed", "result", "first failure")


def result_rows(report: Mapping[str, Any]) -> list[list[Any]]:
    """One row per script for a results table (the evaluator tab's Dataframe)."""
    rows = []
    for s in report.get("scripts", []):
        n_failed = int(s.get("n_failed", 0))
        n_ok = int(s.get("n_checks", 0)) - n_failed + (1 if s.get("error") else 0)
        failures = s.get("failures", [])
        rows.append(
            [
                s.get("name", ""),
                s.get("language", ""),
                max(len(s.get("turns", [])) - 1, 0),
                n_ok,
                n_failed,
                "pass" if s.get("passed") else "FAIL",
                failures[0].splitlines()[0] if failures else "",
            ]
        )
    return rows


def metrics_markdown(report: Mapping[str, Any]) -> str:
    """A Markdown table of the metrics with their definitions (for the evaluator tab)."""
    defs = report.get("metric_definitions", {})
    lines = ["| metric | value | definition |", "| --- | --- | --- |"]
    for name, value in report.get("metrics", {}).items():
        d = defs.get(name, {})
        definition = str(d.get("definition", "")).replace("|", "\\|")
        lines.append(f"| `{name}` | {format_value(value, d.get('unit', ''))} | {definition} |")
    return "\n".join(lines)
