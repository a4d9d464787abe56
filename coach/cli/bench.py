"""`coach bench`: measure search, turns, cold starts and ingest on this machine."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(commands: Any, eval_commands: Any) -> None:
    """Add `bench`."""
    p = commands.add_parser(
        "bench",
        help="measure search, turn, start-up and ingest times (prints a table)",
        description="Measure the floor (one query embedding + one HNSW query), hybrid search, "
        "Coach.reply per turn type, cold starts of ask/chat/serve and ingest throughput, each "
        "as a ratio to the floor measured in the same run. Works in $COACH_HOME/bench (or "
        "--home); your own index is never touched. Scale indexes use generated cards with "
        "synthetic vectors (see README).",
    )
    p.add_argument(
        "--scale",
        action="append",
        type=int,
        default=[],
        metavar="N",
        help="also measure an index of N generated passages (e.g. 10000, 100000); repeatable",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a few runs of everything on one card (checks that the bench works; not figures)",
    )
    p.add_argument(
        "--home", type=Path, default=None, help="working folder (default: $COACH_HOME/bench)"
    )
    p.add_argument(
        "--reuse",
        action="store_true",
        help="keep the bench's shipped index from an earlier run (skips the ingest row)",
    )
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.set_defaults(func=run_bench)


def run_bench(args: argparse.Namespace) -> int:
    """Run the benchmark and print its table (progress on stderr)."""
    from coach.bench.report import format_table, machine
    from coach.bench.runner import Bench, BenchOptions
    from coach.errors import InputError
    from coach.settings import load_settings

    if any(n <= 0 for n in args.scale):
        raise InputError("--scale needs a positive number of passages, e.g. --scale 10000.")
    options = BenchOptions(quick=args.quick, scales=args.scale, home=args.home, reuse=args.reuse)
    if args.quick:
        options.runs, options.turns, options.cold = 5, 2, 1
    settings = load_settings()
    bench = Bench(options, settings, log=lambda line: print(line, file=sys.stderr, flush=True))
    at_start = machine()["load_1min"]
    rows = bench.run()
    info = {**machine(), "load_at_start": at_start}
    if args.json:
        print(
            json.dumps(
                {
                    "model": settings.embedding_model,
                    "machine": info,
                    "rows": [r.to_dict() for r in rows],
                    "details": bench.info,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(format_table(rows, settings.embedding_model, info))
    return 0
