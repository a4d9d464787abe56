"""`coach round`: team rounds from the command line (a thin layer over `coach.rounds`).

Facilitator: `create`, `open`, `close`, `status`, `report`, `export` (the last
five need the facilitator key: `--key KEY`, or `--key -` to read it from stdin
so it stays out of the shell history). Partner: `join` (then `coach chat
--session ID`) and `share` (change what the facilitator may see, withdraw).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from coach.errors import InputError

SHARES = ("scores", "signals", "answers")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as 2025-03-14"
        ) from None


def _key_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--key",
        required=True,
        metavar="KEY",
        help="the facilitator key shown by `coach round create` ('-': read it from stdin)",
    )


def _out_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (default: stdout)")


def register(commands: Any, eval_commands: Any) -> None:
    """Add `round` with its actions."""
    rounds = commands.add_parser(
        "round",
        help="team rounds: partners reflect separately, the facilitator sees where they differ",
        description="Team rounds: create a collaboration with a round, hand out the join code, "
        "and read the report (spread, differences, signals, actions, trend) with your key.",
    )
    sub = rounds.add_subparsers(dest="round_command", metavar="ACTION")

    create = sub.add_parser("create", help="create a collaboration and open its first round")
    create.add_argument("--name", required=True, help="name of the collaboration")
    create.add_argument("--card", help="card the partners reflect on (default: blijf-balanceren)")
    create.add_argument(
        "--org",
        action="append",
        default=[],
        metavar="NAME",
        help="an organisation partners choose from (repeatable; none: they type their own)",
    )
    _dates(create)
    create.add_argument("--json", action="store_true", help="print the codes as JSON")
    create.set_defaults(func=run_create)

    opener = sub.add_parser("open", help="open the next round of a collaboration")
    opener.add_argument("ref", metavar="COLLABORATION", help="collaboration id or a round id")
    _key_arg(opener)
    _dates(opener)
    opener.add_argument("--json", action="store_true")
    opener.set_defaults(func=run_open)

    close = sub.add_parser("close", help="close a round now (answers are refused from then on)")
    close.add_argument("ref", metavar="ROUND")
    _key_arg(close)
    close.set_defaults(func=run_close)

    status = sub.add_parser("status", help="dates, participation and sharing of a round")
    status.add_argument("ref", metavar="ROUND")
    _key_arg(status)
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=run_status)

    report = sub.add_parser("report", help="the round report as Markdown (or JSON)")
    report.add_argument("ref", metavar="ROUND")
    _key_arg(report)
    report.add_argument("--lang", choices=("nl", "en"), default="nl")
    report.add_argument("--json", action="store_true", help="the report as JSON")
    _out_args(report)
    report.set_defaults(func=run_report)

    export = sub.add_parser("export", help="scores per partner, anonymised, as CSV (or Markdown)")
    export.add_argument("ref", metavar="ROUND")
    _key_arg(export)
    export.add_argument("--format", choices=("csv", "md"), default="csv")
    export.add_argument("--lang", choices=("nl", "en"), default="nl")
    _out_args(export)
    export.set_defaults(func=run_export)

    join = sub.add_parser("join", help="join a round as a partner (then: coach chat --session ID)")
    join.add_argument("code", metavar="JOIN_CODE")
    join.add_argument("--org", required=True, help="your organisation")
    join.add_argument("--role", required=True, help="your role in the collaboration")
    join.add_argument(
        "--share",
        required=True,
        choices=SHARES,
        help="what the facilitator may see: scores only; also signals and chosen actions; "
        "also anonymised answers",
    )
    join.add_argument("--partner-code", help="your partner code from an earlier round")
    join.add_argument("--lang", choices=("nl", "en"), default="nl")
    join.add_argument("--json", action="store_true")
    join.set_defaults(func=run_join)

    share = sub.add_parser("share", help="change what the facilitator may see, or withdraw")
    share.add_argument("session", metavar="SESSION")
    share.add_argument("choice", choices=(*SHARES, "withdraw", "rejoin"))
    share.set_defaults(func=run_share)
    rounds.set_defaults(func=lambda args: rounds.print_help(sys.stderr) or 2)


def _dates(p: argparse.ArgumentParser) -> None:
    p.add_argument("--opens", type=_date, metavar="DATE", help="first day (default: today)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--closes", type=_date, metavar="DATE", help="last day, e.g. 2025-03-14")
    group.add_argument("--days", type=int, help="open for this many days (default: 14)")


def _rounds() -> Any:
    from coach.rounds.service import TeamRounds
    from coach.service import build_coach

    return TeamRounds(build_coach(ingest_if_missing=True))


def _key(args: argparse.Namespace) -> str:
    if args.key == "-":
        return sys.stdin.readline().strip()
    return str(args.key)


def _emit(args: argparse.Namespace, text: str) -> None:
    from coach.cli.chat import check_folder, write_file

    out = getattr(args, "out", None)
    if out:
        check_folder(out)
        write_file(out, text)
        print(f"coach: written to {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def _print_opened(opened: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(opened.to_dict(), ensure_ascii=False, indent=2))
        return
    when = f"{opened.opens_on} – {opened.closes_on}"
    print(f"Round {opened.round_id} of “{opened.name}” is open {when}.")
    print(f"  Join code for the partners:  {opened.join_code}")
    if opened.facilitator_key:
        print(f"  Your facilitator key:        {opened.facilitator_key}")
        print("  Keep the key: it is shown only now, and every report and export needs it.")
    else:
        print("  Your facilitator key stays the same.")
    print(
        f"Next: partners join in the web app (tab Teamronde) or with `coach round join CODE`; "
        f"then `coach round report {opened.round_id} --key KEY`."
    )


def run_create(args: argparse.Namespace) -> int:
    opened = _rounds().create(
        args.name,
        args.card,
        args.org,
        opens_on=args.opens,
        closes_on=args.closes,
        days=args.days,
    )
    _print_opened(opened, args.json)
    return 0


def run_open(args: argparse.Namespace) -> int:
    opened = _rounds().open_next(
        args.ref, _key(args), opens_on=args.opens, closes_on=args.closes, days=args.days
    )
    _print_opened(opened, args.json)
    return 0


def run_close(args: argparse.Namespace) -> int:
    status = _rounds().close(args.ref, _key(args))
    print(f"Round {status.round_id} is closed; partners' answers are no longer added.")
    return 0


def run_status(args: argparse.Namespace) -> int:
    status = _rounds().status(args.ref, _key(args))
    if args.json:
        print(json.dumps(status.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"{status.name} — round {status.number} ({status.round_id}): {status.status}")
    print(f"  open {status.opens_on} – {status.closes_on}; card {status.card_id}")
    print(f"  joined {status.joined}, withdrawn {status.withdrawn}")
    print("  sharing: " + ", ".join(f"{k} {v}" for k, v in status.shares.items()))
    if status.organisations:
        print("  organisations: " + ", ".join(status.organisations))
    print("  rounds: " + ", ".join(f"{r} ({s})" for r, s in status.rounds))
    return 0


def run_report(args: argparse.Namespace) -> int:
    rounds = _rounds()
    if args.json:
        report = rounds.report(args.ref, _key(args), args.lang)
        _emit(args, json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        _emit(args, rounds.report_markdown(args.ref, _key(args), args.lang))
    return 0


def run_export(args: argparse.Namespace) -> int:
    rounds = _rounds()
    if args.format == "md":
        _emit(args, rounds.report_markdown(args.ref, _key(args), args.lang))
    else:
        _emit(args, rounds.export_csv(args.ref, _key(args)))
    return 0


def run_join(args: argparse.Namespace) -> int:
    from coach.cli.chat import format_turn

    joined = _rounds().join(
        args.code, args.org, args.role, args.share, args.lang, args.partner_code
    )
    if args.json:
        print(json.dumps(joined.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"You joined round {joined.partner.number} of “{joined.partner.name}”.")
    print(f"  Your session:       {joined.session_id}")
    print(f"  Your partner code:  {joined.partner_code}  (keep it for the next round)")
    print(f"  You share:          {joined.partner.share}")
    print(f"Continue with: coach chat --session {joined.session_id}\n")
    print(format_turn(joined.turn))
    return 0


def run_share(args: argparse.Namespace) -> int:
    rounds = _rounds()
    if args.choice in ("withdraw", "rejoin"):
        status = rounds.withdraw(args.session, args.choice == "withdraw")
    elif args.choice in SHARES:
        status = rounds.set_share(args.session, args.choice)
    else:  # argparse already refuses anything else
        raise InputError(f"Unknown choice {args.choice!r}.")
    state = "withdrawn" if status.withdrawn else f"sharing {status.share}"
    print(f"Round {status.round_id}: you are now {state}.")
    return 0
