"""`coach` command line: a thin dispatcher over the library.

Each command lives in its own small module that exposes
`register(commands, eval_commands)`. Errors become one plain message on stderr
that says the fix (exit 2); a reader that closes the pipe early ends the command
quietly (exit 141, as for SIGPIPE); a traceback is never shown unless `COACH_DEBUG=1`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from coach.errors import CoachError

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a filter whose reader left

# Modules that add sub-commands; each is optional so that a partial install still runs.
COMMAND_MODULES = (
    "coach.cli.corpus",  # ingest, ask, eval retrieval
    "coach.cli.chat",  # chat, sessions
    "coach.cli.serve",  # serve
    "coach.cli.plan",  # plan
    "coach.cli.rounds",  # round create|open|close|status|report|export|join|share
    "coach.cli.evaluate",  # eval run
    "coach.cli.understanding",  # eval understanding
    "coach.cli.bench",  # bench
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every command module registered."""
    parser = argparse.ArgumentParser(
        prog="coach",
        description="Balanscoach: reflect on a collaboration between organisations, "
        "grounded in guidance texts. Everything stays on this machine.",
    )
    parser.add_argument("--version", action="version", version=f"coach {version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    eval_parser = commands.add_parser(
        "eval", help="quality checks: retrieval, understanding and scripted conversations"
    )
    eval_commands = eval_parser.add_subparsers(dest="eval_command", metavar="EVAL")
    eval_parser.set_defaults(func=lambda args: _missing(eval_parser))
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(commands, eval_commands)
    return parser


def version() -> str:
    """The installed package's version (the source tree's when it is not installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("balanscoach")
    except PackageNotFoundError:
        return "0+unknown"


def _missing(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (e.g. captured)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `coach` console script."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        return _missing(parser)
    try:
        code = int(func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's final flush
        return code
    except CoachError as exc:
        print(f"coach: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ncoach: interrupted; nothing stored was lost.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`coach chat --json ... | head -1`): stop quietly, as a
        # Unix filter killed by SIGPIPE would; what was answered is stored already.
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # last resort at the edge: a message, not a traceback
        if os.environ.get("COACH_DEBUG") == "1":
            raise
        print(
            f"coach: unexpected error ({type(exc).__name__}: {exc}). "
            "Run again with COACH_DEBUG=1 to see details, and please report it.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
