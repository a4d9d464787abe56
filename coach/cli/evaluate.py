"""`coach eval run`: play scripted conversations against the real coach and gate on metrics."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(commands: Any, eval_commands: Any) -> None:
    """Add `eval run` to the `eval` group."""
    p = eval_commands.add_parser(
        "run",
        help="run scripted conversations (eval/conversations/*.yaml) and report metrics",
        description="Run each script in a fresh session through the coach's library API, check "
        "its expectations, and write report.json, report.html (and JUnit XML). Exits 1 when a "
        "script or a gate fails. Format and metrics: eval/README.md.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="script files or folders of *.yaml scripts (default: the shipped "
        "eval/conversations, found from any folder)",
    )
    p.add_argument(
        "--report",
        metavar="DIR",
        help="folder for report.json/report.html (default: $COACH_HOME/reports/<timestamp>)",
    )
    p.add_argument(
        "--baseline",
        metavar="FILE",
        help="an earlier report.json; metrics that got worse are marked",
    )
    p.add_argument(
        "--fail-under",
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help="fail when METRIC is below VALUE (for latency metrics: above VALUE); repeatable",
    )
    p.add_argument(
        "--fail-over",
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help="fail when METRIC is above VALUE (e.g. latency_p95_ms=3000); repeatable",
    )
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML, one testcase per script")
    p.add_argument(
        "--no-retrieval", action="store_true", help="skip the retrieval metrics (faster)"
    )
    p.add_argument(
        "--no-understanding",
        action="store_true",
        help="skip the understanding metrics (eval/understanding_*.yaml; see "
        "`coach eval understanding`)",
    )
    p.set_defaults(func=run)


def build_eval_coach(settings: Any) -> Any:
    """The real coach, exactly as the app builds it (ingesting on a fresh COACH_HOME)."""
    from coach.service import build_coach

    return build_coach(settings, ingest_if_missing=True)


def run(args: argparse.Namespace) -> int:
    """Load scripts and gates first (cheap errors first), then build the coach and run."""
    from datetime import datetime

    from coach.evaluation.metrics import parse_gate
    from coach.evaluation.report import (
        format_metrics,
        format_table,
        load_baseline,
        write_junit,
        write_report,
    )
    from coach.evaluation.runner import (
        ScriptResult,
        retrieval_metrics,
        run_suite,
        shipped_scripts,
        understanding_metrics,
    )
    from coach.evaluation.scripts import load_scripts
    from coach.settings import load_settings

    paths = args.paths or [str(p) for p in shipped_scripts()]
    scripts = load_scripts(paths or ["eval/conversations"])
    gates = [parse_gate(s, "--fail-under") for s in args.fail_under]
    gates += [parse_gate(s, "--fail-over") for s in args.fail_over]
    baseline = load_baseline(args.baseline) if args.baseline else None
    settings = load_settings()
    print(
        f"coach: running {len(scripts)} script(s); building the coach "
        "(the first run also builds the index)…",
        file=sys.stderr,
    )
    coach = build_eval_coach(settings)
    if getattr(coach, "notice", None):
        print(f"coach: note: {coach.notice}", file=sys.stderr)

    def progress(result: ScriptResult) -> None:
        print(f"  {'ok  ' if result.passed else 'FAIL'} {result.name}", file=sys.stderr)

    retrieval = None if args.no_retrieval else retrieval_metrics(settings)
    understanding = None if args.no_understanding else understanding_metrics(coach)
    outcome = run_suite(
        coach,
        scripts,
        retrieval=retrieval,
        understanding=understanding,
        baseline=baseline,
        baseline_path=args.baseline,
        gates=gates,
        meta={
            "embedding_model": settings.embedding_model,
            "scripts_from": ", ".join(args.paths or ["eval/conversations"]),
        },
        on_result=progress,
    )
    report = outcome.report
    folder = (
        Path(args.report)
        if args.report
        else (settings.reports_dir / datetime.now().strftime("%Y%m%d-%H%M%S"))
    )
    paths = write_report(report, folder)
    if args.junit:
        write_junit(report, args.junit)

    print(format_table(report["scripts"]))
    failures = [m for r in outcome.results for m in r.failure_messages()]
    if failures:
        print("\nFailed assertions:")
        for message in failures:
            print(f"  - {message}")
    print("\nMetrics:")
    print(format_metrics(report))
    if retrieval and retrieval.get("skipped"):
        print(f"(retrieval metrics skipped: {retrieval['skipped']})")
    elif retrieval and retrieval.get("failed_thresholds"):
        below = "; ".join(map(str, retrieval["failed_thresholds"]))
        print(f"(retrieval below the dev set's own thresholds: {below})")
    if understanding and understanding.get("skipped"):
        print(f"(understanding metrics skipped: {understanding['skipped']})")
    for note in (understanding or {}).get("notes", []):
        print(f"(understanding: {note})")
    for gate in report["gates"]:
        print(gate["message"])
    print(
        f"\nReport: {paths['html']} (and report.json)"
        + (f"; JUnit: {args.junit}" if args.junit else "")
    )
    return 0 if outcome.passed else 1
