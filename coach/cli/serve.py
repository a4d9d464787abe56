"""`coach serve`: build the coach (indexing on first start) and run the web app.

Binds 127.0.0.1 unless `--host` says otherwise; there is deliberately no
`--share` (everything stays on this machine). Gradio's analytics are off and
the login comes from `COACH_AUTH` / `auth` in config.toml ("user:password").
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any


def register(commands: Any, eval_commands: Any) -> None:
    """Add `serve`."""
    p = commands.add_parser(
        "serve",
        help="start the web app on this computer",
        description="Start the Balanscoach web app. The first start builds the index when it is "
        "missing. Set COACH_AUTH=user:password to require a login.",
    )
    p.add_argument("--host", default=None, help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default: 7860)")
    p.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Build the coach, start the server, print the URL and serve until Ctrl+C."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    started = time.perf_counter()
    from coach.service import build_coach
    from coach.settings import load_settings
    from coach.ui.app import create_app, launch_app, parse_auth

    settings = load_settings(host=args.host, port=args.port)
    parse_auth(settings.auth)  # a malformed COACH_AUTH fails before the slow part
    print("coach: loading the index (building it on first start)…", file=sys.stderr, flush=True)
    coach = build_coach(settings, ingest_if_missing=True)
    if coach.notice:
        print(f"coach: note: {coach.notice}", file=sys.stderr)
    app = create_app(coach)
    url = launch_app(app, coach, host=settings.host, port=settings.port, block=False, quiet=True)
    login = " (login required)" if settings.auth else ""
    print(
        f"Balanscoach is running at {url}{login} — ready in {time.perf_counter() - started:.1f} s. "
        "Press Ctrl+C to stop.",
        flush=True,
    )
    try:
        app.block_thread()
    finally:
        app.close()
    return 0
