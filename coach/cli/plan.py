"""`coach plan`: a facilitator's session plan as Markdown (same library call as the web tab).

With `--round ROUND --key KEY` the plan starts from a team round: where the
partners differ most, with the questions and passages that fit.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from coach.errors import InputError


def register(commands: Any, eval_commands: Any) -> None:
    """Add `plan`."""
    p = commands.add_parser(
        "plan",
        help="make a session plan for a group (agenda, questions, exercises, readings)",
        description="Make a facilitator's session plan from one or more cards: an agenda that "
        "fills the duration, the cards' questions, exercises and verbatim passages to read.",
    )
    p.add_argument(
        "--card",
        action="append",
        metavar="ID",
        help="card id, e.g. blijf-balanceren; repeatable (not with --round)",
    )
    p.add_argument(
        "--round",
        metavar="ROUND",
        help="start from this team round's report (its card, partners and differences)",
    )
    p.add_argument(
        "--key", metavar="KEY", help="facilitator key of --round ('-': read it from stdin)"
    )
    p.add_argument("--group", type=int, default=8, help="number of participants (default: 8)")
    p.add_argument("--minutes", type=int, default=90, help="duration in minutes (default: 90)")
    p.add_argument("--context", default="", help="a few lines about the situation and concerns")
    p.add_argument("--lang", choices=("nl", "en"), default="nl", help="language of the plan")
    p.add_argument(
        "--out", type=Path, default=None, metavar="FILE", help="write to FILE (default: stdout)"
    )
    p.set_defaults(func=run_plan)


def run_plan(args: argparse.Namespace) -> int:
    """Build the plan and print or write it."""
    from coach.plan import make_plan
    from coach.service import build_coach
    from coach.settings import load_settings

    if not args.card and not args.round:
        raise InputError("Give a card (--card blijf-balanceren) or a team round (--round ROUND).")
    if args.round and args.card:
        raise InputError("--round plans from the round's own card; leave out --card.")
    coach = build_coach(load_settings(), ingest_if_missing=True)
    if args.round:
        from coach.rounds.plan import make_round_plan
        from coach.rounds.service import TeamRounds

        key = sys.stdin.readline().strip() if args.key == "-" else args.key
        plan = make_round_plan(TeamRounds(coach), args.round, key, args.minutes, args.lang)
    else:
        plan = make_plan(coach, args.card, args.group, args.minutes, args.context, args.lang)
    markdown = plan.to_markdown()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(markdown, encoding="utf-8")
        print(f"coach: plan written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(markdown)
    return 0
