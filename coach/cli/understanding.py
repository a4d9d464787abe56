"""`coach eval understanding`: how well the coach reads messages, on the labelled sets.

A thin adapter over `coach.evaluation.understanding_sets` (which sets, the
coach's reader and vectors, gates) and `understanding_table` (the text
tables). The held-out test set's misread items are never printed unless
`--errors-test` asks for them by name: looking at them while tuning would
turn the test set into a second dev set.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(commands: Any, eval_commands: Any) -> None:
    """Add `eval understanding` to the `eval` group."""
    p = eval_commands.add_parser(
        "understanding",
        help="intent and signal accuracy of the message reader on the labelled sets",
        description="Read every labelled message (eval/understanding_dev.yaml and, when present, "
        "eval/understanding_test.yaml) with the coach's own reader and query vectors, and print "
        "intent accuracy and macro-F1, signal macro-F1, exact match and no-signal specificity, "
        "per language, and per intent and per signal. Labels: eval/understanding_labels.md. "
        "Exits 1 when a gate fails.",
    )
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a labelled set to read instead of the shipped ones; repeatable. A file named "
        "*test.yaml counts as held out",
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE.json",
        help="where to write the JSON results (default: $COACH_HOME/reports/)",
    )
    p.add_argument(
        "--fail-under",
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help="fail (exit 1) when METRIC is below VALUE, e.g. intent_accuracy=0.9 or "
        "signal_macro_f1=0.8; applies to the test set when it is read, otherwise to the last "
        "--set (or name the set: dev.intent_accuracy=0.9); repeatable",
    )
    p.add_argument(
        "--errors",
        action="store_true",
        help="list the misread items (text, gold, predicted) of the dev set(s); never the test set",
    )
    p.add_argument(
        "--errors-test",
        action="store_true",
        help="also list the held-out test set's misread items (don't use while tuning)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Choose sets and parse gates first (cheap errors first), then build the coach and read."""
    from datetime import datetime

    from coach.cli import evaluate
    from coach.evaluation.understanding_sets import (
        check_gates,
        choose_sets,
        evaluate_coach,
        parse_understanding_gate,
    )
    from coach.settings import load_settings

    choice = choose_sets(args.sets)
    gates = [parse_understanding_gate(s, list(choice.sets)) for s in args.fail_under]
    settings = load_settings()
    for note in choice.notes:
        print(f"coach: note: {note}", file=sys.stderr)
    print(
        f"coach: reading {', '.join(choice.sets) or 'no sets'}; building the coach "
        "(the first run also builds the index)…",
        file=sys.stderr,
    )
    coach = evaluate.build_eval_coach(settings)
    if getattr(coach, "notice", None):
        print(f"coach: note: {coach.notice}", file=sys.stderr)
    results = evaluate_coach(coach, choice, keep_test_errors=args.errors_test)
    gate_results = check_gates(results, gates, choice.gate_set)
    data = {
        "embedding_model": settings.embedding_model,
        "reader": "model" if getattr(coach.reader, "uses_vectors", False) else "cues",
        "sets": results,
        "notes": list(choice.notes),
        "gate_set": choice.gate_set,
        "gates": [g.to_dict() for g in gate_results],
    }
    out = args.out or settings.reports_dir / f"understanding-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        print(f"coach: written to {out}", file=sys.stderr)
    else:
        _print(data, args)
        print(f"\nwritten to {out}")
    return 0 if all(g.passed for g in gate_results) else 1


def _print(data: dict[str, Any], args: argparse.Namespace) -> None:
    """The tables, the misreadings asked for, and the gates."""
    from coach.evaluation.understanding_table import format_errors, format_labels, format_summary

    results = data["sets"]
    reader = "trained model over query vectors" if data["reader"] == "model" else "cues only"
    print(f"Message reader ({reader}; embedding model {data['embedding_model']})")
    for name, result in results.items():
        held = " (held out)" if result["held_out"] else ""
        print(f"  {name}{held}: {result['set']}")
    print()
    print(format_summary(results))
    for name, result in results.items():
        print(f"\nIntents — {name}\n{format_labels(result, 'intents')}")
        print(f"\nSignals — {name}\n{format_labels(result, 'signals')}")
    for name, result in results.items():
        shown = args.errors_test if result["held_out"] else args.errors
        if shown:
            print(f"\nMisread — {name} ({result['misread']} of {result['items']}):")
            print(format_errors(result))
        elif result["held_out"] and args.errors:
            print(
                f"\n({name} is held out: its {result['misread']} misread item(s) are not shown; "
                "--errors-test shows them, but not while tuning.)"
            )
    if data["gates"]:
        where = data["gate_set"]
        print(f"\nGates (on the {where} set unless a gate names its set):")
        for gate in data["gates"]:
            print(gate["message"])
