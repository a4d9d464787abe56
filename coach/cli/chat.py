"""`coach chat` (terminal conversation) and `coach sessions` (list, export, delete).

Interactive on a terminal; with `--script FILE` or a non-terminal stdin it
reads one user turn per line, which makes runs repeatable for evaluators.
`--json` prints one JSON object per coach turn.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from coach.errors import InputError
from coach.models import Citation, CoachTurn


def register(commands: Any, eval_commands: Any) -> None:
    """Add `chat` and `sessions` to the CLI."""
    chat = commands.add_parser("chat", help="reflect on your collaboration in the terminal")
    chat.add_argument("--session", help="resume the session with this id")
    chat.add_argument("--card", help="card to walk through (default: blijf-balanceren)")
    chat.add_argument("--script", type=Path, help="read user turns from FILE, one per line")
    chat.add_argument("--json", action="store_true", help="print one JSON object per coach turn")
    chat.add_argument("--lang", choices=("nl", "en"), default="nl", help="language to start in")
    chat.set_defaults(func=run_chat)

    sessions = commands.add_parser("sessions", help="list, export or delete stored sessions")
    sub = sessions.add_subparsers(dest="sessions_command", metavar="ACTION")
    listing = sub.add_parser("list", help="list sessions, newest first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run_sessions_list)
    export = sub.add_parser("export", help="write a session's summary and transcript as Markdown")
    export.add_argument("session")
    export.add_argument("--out", type=Path, help="file to write (default: stdout)")
    export.set_defaults(func=run_sessions_export)
    delete = sub.add_parser("delete", help="delete a session and all its data")
    delete.add_argument("session")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(func=run_sessions_delete)
    sessions.set_defaults(func=lambda args: sessions.print_help(sys.stderr) or 2)


def format_turn(turn: CoachTurn, width: int = 88) -> str:
    """A coach turn as terminal text: message, quotes with sources, actions, suggestions."""
    lines = []
    if turn.notice:
        lines.append(f"[!] {turn.notice}")
    for paragraph in turn.text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, width) or [""])
    shown = turn.text
    for cite in turn.citations:
        lines.extend(_format_citation(cite, cite.quote in shown, width))
    for number, action in enumerate(turn.actions, start=1):
        if action.title not in shown:
            lines.append("")
            lines.extend(textwrap.wrap(f"{number}. {action.title} — {action.why}", width))
        for cite in action.citations:
            lines.extend(_format_citation(cite, cite.quote in shown, width))
    if turn.suggestions:
        lines.append("")
        lines.append("  » " + "  |  ".join(turn.suggestions))
    return "\n".join(lines)


def _format_citation(cite: Citation, quoted_in_text: bool, width: int) -> list[str]:
    """Source lines for a citation; the quote itself only when the message does not show it."""
    quote = (
        [] if quoted_in_text else ["    " + w for w in textwrap.wrap(f"“{cite.quote}”", width - 4)]
    )
    return ["", *quote, f"    — {cite.title} › {cite.section}", f"      {cite.source}"]


def _user_lines(args: argparse.Namespace, stdin: TextIO) -> Iterator[str]:
    """User turns from --script, or from a non-terminal stdin, one per line."""
    if args.script is not None:
        try:
            text = args.script.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                f"{args.script}: cannot read the script ({exc}); give a UTF-8 text file "
                "with one user turn per line."
            ) from None
        yield from text.splitlines()
        return
    yield from (line.rstrip("\n") for line in stdin)


def _emit(turn: CoachTurn, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(turn.to_dict(), ensure_ascii=False) + "\n")
    else:
        out.write("\n" + format_turn(turn) + "\n")
    out.flush()


def run_chat(args: argparse.Namespace) -> int:
    """Run a conversation until stop, end of input or Ctrl-C; every turn is stored as it happens."""
    from coach.service import build_coach

    if args.session is not None and not args.session.strip():
        raise InputError(
            "--session needs a session id: list yours with `coach sessions list`, "
            "or leave out --session to start a new conversation."
        )
    coach = build_coach(ingest_if_missing=True)
    out = sys.stdout
    if coach.notice and not args.json:
        print(f"[!] {coach.notice}", file=sys.stderr)
    if args.session is not None:
        session_id = args.session.strip()
        last = coach.last_turn(session_id)
        if not args.json:
            _emit(last, False, out)
    else:
        first = coach.start_session(card_id=args.card, language=args.lang)
        session_id = first.session
        _emit(first, args.json, out)
    interactive = args.script is None and sys.stdin.isatty()
    lines = _interactive_lines() if interactive else _user_lines(args, sys.stdin)
    try:
        for line in lines:
            turn = coach.reply(session_id, line)
            _emit(turn, args.json, out)
            if turn.phase == "summary" and turn.progress.get("ended"):
                break
    except KeyboardInterrupt:
        pass
    if not args.json:
        print(
            f"\nSessie / session: {session_id}  (coach chat --session {session_id})",
            file=sys.stderr,
        )
    return 0


def _interactive_lines() -> Iterator[str]:
    """Prompt for input until EOF (Ctrl-D)."""
    while True:
        try:
            yield input("\n> ")
        except EOFError:
            return


def _store() -> Any:
    from coach.sessions import SessionStore
    from coach.settings import load_settings

    return SessionStore(load_settings().sessions_db)


def run_sessions_list(args: argparse.Namespace) -> int:
    """Print stored sessions, newest first."""
    sessions = _store().list()
    if args.json:
        print(json.dumps([s.__dict__ for s in sessions], ensure_ascii=False, indent=2))
        return 0
    if not sessions:
        print("No sessions yet — start one with `coach chat`.")
    for s in sessions:
        print(
            f"{s.id}  {s.updated_at}  {s.card_id:<24} {s.phase:<9} {s.turns:>3} turns  {s.preview}"
        )
    return 0


def run_sessions_export(args: argparse.Namespace) -> int:
    """Write a session's summary and transcript as Markdown."""
    from coach.service import build_coach

    if args.out:
        check_folder(args.out)  # before the slow part
    text = build_coach().export_markdown(args.session)
    if args.out:
        write_file(args.out, text)
        print(f"Written to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def check_folder(path: Path) -> None:
    """An InputError with the fix when the folder an output file should go in is missing."""
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a file name, e.g. --out {path / 'export.md'}.")
    if not path.parent.is_dir():
        raise InputError(
            f"Cannot write {path}: the folder {path.parent} does not exist. "
            f"Create it first (mkdir -p {path.parent}) or choose another --out."
        )


def write_file(path: Path, text: str) -> None:
    """Write an output file, or an InputError that says how to fix the path (never a traceback)."""
    check_folder(path)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"Cannot write {path} ({exc.strerror or exc}); choose a file you may write, "
            "e.g. --out ./export.md."
        ) from None


def run_sessions_delete(args: argparse.Namespace) -> int:
    """Delete a session and all its turns, after confirmation on a terminal."""
    store = _store()
    store.load_state(args.session)  # fails clearly when it does not exist
    if not args.yes:
        if not sys.stdin.isatty():
            raise InputError("Deleting needs confirmation: add --yes.")
        answer = input(f"Delete session {args.session} and all its data? [y/N] ").strip().lower()
        if answer not in {"y", "yes", "j", "ja"}:
            print("Nothing deleted.")
            return 1
    store.delete(args.session)
    print(f"Deleted session {args.session} and all its turns.")
    return 0
