"""Turn an eval run into report.json and JUnit XML, and read a baseline back.

`report.json` is the source of truth; the HTML (`coach.evaluation.html_report`),
the console table and the evaluator tab's rows are views of it, and
`--baseline` reads an older `report.json` back.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coach.errors import InputError
from coach.evaluation.html_report import render_html
from coach.evaluation.metrics import (
    Delta,
    GateResult,
    compare,
    definitions,
    format_value,
)

__all__ = [
    "RESULT_COLUMNS",
    "SCHEMA",
    "build_report",
    "deltas_of",
    "format_metrics",
    "format_table",
    "junit_xml",
    "load_baseline",
    "metrics_markdown",
    "render_html",
    "result_rows",
    "transcript_text",
    "write_json",
    "write_junit",
    "write_report",
]

SCHEMA = 1


def build_report(
    results: Sequence[Mapping[str, Any]],
    metrics: Mapping[str, float | None],
    *,
    retrieval: Mapping[str, Any] | None = None,
    understanding: Mapping[str, Any] | None = None,
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
        "understanding": dict(understanding) if understanding is not None else None,
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
