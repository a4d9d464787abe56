"""`coach serve`: build the coach (indexing on first start) and run the web app.

Binds 127.0.0.1 unless `--host` says otherwise; there is deliberately no
`--share` (everything stays on this machine). Gradio's analytics are off and
the login comes from `COACH_AUTH` / `auth` in config.toml ("user:password").
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from coach.errors import ConfigError

T = TypeVar("T")


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
    """Build the coach, start the server, print the URL and serve until Ctrl+C.

    Importing Gradio takes about as long as loading the coach (model, index,
    the first vector search), so the coach is built in a background thread
    while the main thread imports Gradio; the first reply no longer waits for
    both one after the other.
    """
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    started = time.perf_counter()
    from coach.settings import load_settings
    from coach.ui.auth import parse_auth

    settings = load_settings(host=args.host, port=args.port)
    parse_auth(settings.auth)  # a malformed COACH_AUTH fails before the slow part
    check_port(settings.host, settings.port)  # so does a busy port
    print("coach: loading the index (building it on first start)…", file=sys.stderr, flush=True)
    building = _in_background(lambda: _ready_coach(settings))
    from coach.ui.app import create_app, launch_app

    coach = building()
    if coach.notice:
        print(f"coach: note: {coach.notice}", file=sys.stderr)
    app = create_app(coach)
    try:
        url = launch_app(
            app, coach, host=settings.host, port=settings.port, block=False, quiet=True
        )
    except OSError as exc:  # taken in the seconds the index took to load
        if "port" not in str(exc).lower():
            raise
        raise port_busy(settings.host, settings.port) from None
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


def port_busy(host: str, port: int) -> ConfigError:
    return ConfigError(
        f"port {port} on {host} is already in use (is another `coach serve` running?). "
        f"Stop that program, or choose another port: coach serve --port {port + 1}"
    )


def check_port(host: str, port: int) -> None:
    """A ConfigError with the fix when `host:port` cannot be bound (busy, or not this machine)."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except socket.gaierror:
        raise ConfigError(
            f"--host {host}: unknown host name; use 127.0.0.1 (this computer only) or an "
            "address of this machine"
        ) from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise port_busy(host, port) from None
        if exc.errno in (errno.EADDRNOTAVAIL, errno.EACCES):
            reason = (
                "needs root" if exc.errno == errno.EACCES else "is not an address of this machine"
            )
            raise ConfigError(
                f"cannot listen on {host}:{port}: {reason}. Use --host 127.0.0.1 and a port "
                "above 1024, e.g. coach serve --port 7861"
            ) from None
        raise


def _ready_coach(settings: Any) -> Any:
    """The coach, with the model and the vector index warmed by one search."""
    from coach.service import build_coach

    coach = build_coach(settings, ingest_if_missing=True)
    with contextlib.suppress(Exception):  # a warm-up only; a real problem shows on first use
        coach.search("samenwerking", k=1)
    return coach


def _in_background(work: Callable[[], T]) -> Callable[[], T]:
    """Run `work` in a daemon thread; the returned function waits and returns (or raises)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # handed to the waiting thread, raised there
            box["error"] = exc

    thread = threading.Thread(target=run, name="coach-build", daemon=True)
    thread.start()

    def wait() -> T:
        thread.join()
        if "error" in box:
            raise box["error"]
        return cast(T, box["value"])

    return wait
