"""The web server's edge: what runs before and around Gradio, per request and per server.

- `RequestCap` (ASGI middleware) refuses a request whose texts are longer than
  `max_request_chars`, or whose body is larger than any such text could make
  it, with HTTP 413 and a sentence that names the limit — before Gradio parses
  it. Gradio keeps the last input of every component per session, so a request
  it has read is already held in memory; this one never is.
- `forget_idle_sessions` drops every session idle longer than `idle_timeout`.
  `gr.State(time_to_live=...)` lets Gradio drop our state values, but Gradio
  keeps each session's record (the last value of every component it touched,
  the whole chat included) until 10,000 sessions exist; raw API clients never
  close theirs. A browser that comes back later is restored from its session
  code (see `ChatHandlers.ensure`).
- `ServerEdge.launch_kwargs` adds both, the export folder's clean-up at stop,
  the folder itself to `allowed_paths` and an upload limit to `launch()`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.middleware import Middleware

from coach.ui.exports import ExportFolder

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# JSON may spell one character in up to 12 bytes ("\ud83d\ude00"); plus room for the envelope.
BYTES_PER_CHAR = 12
ENVELOPE_BYTES = 64 * 1024
# A refused body is read and dropped up to this size, so that the client sees the answer
# instead of a reset connection; beyond it the connection is simply closed.
DRAIN_LIMIT = 64 * 1024 * 1024
MAX_UPLOAD = "1mb"  # the evaluator's YAML scripts; nothing else is uploaded


class RequestCap:
    """Refuse oversized POST bodies and over-long texts with 413 before the app reads them."""

    def __init__(self, app: ASGIApp, *, max_chars: int, refusal: Callable[[str], str]) -> None:
        self.app = app
        self.max_chars = max_chars
        self.max_bytes = max_chars * BYTES_PER_CHAR + ENVELOPE_BYTES
        self.refusal = refusal  # language → the sentence that names the limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("POST", "PUT", "PATCH")
            or scope["path"].rstrip("/").endswith("/upload")  # Gradio's max_file_size applies
        ):
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await _drain(receive)
            await self._refuse(scope, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = bool(message.get("more_body", False))
            if len(body) > self.max_bytes:
                if more:
                    await _drain(receive)
                await self._refuse(scope, send)
                return
        if longest_text(bytes(body)) > self.max_chars:
            await self._refuse(scope, send)
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        language = "en" if _header(scope, b"accept-language").lower().startswith("en") else "nl"
        text = self.refusal(language)
        payload = json.dumps({"error": text, "detail": text}, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


async def _drain(receive: Receive) -> None:
    """Read and drop the rest of a refused body, up to DRAIN_LIMIT."""
    seen = 0
    while seen <= DRAIN_LIMIT:
        message = await receive()
        if message["type"] != "http.request":
            return
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then the client's own events."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def longest_text(body: bytes) -> int:
    """Length in characters of the longest string in a JSON body (0 when it is not JSON)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # not JSON (a login form): the byte limit applies
        return 0
    longest = 0
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            longest = max(longest, len(item))
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    return longest


def forget_idle_sessions(holder: Any, idle_seconds: float, now: datetime | None = None) -> int:
    """Drop Gradio's record of each session idle longer than `idle_seconds`; returns how many.

    `holder` is the server's `gradio.state_holder.StateHolder`; the `delete_callback`
    of each `gr.State` still held runs for its value, as when Gradio expires it.
    """
    now = now or datetime.now()
    with holder.lock:
        idle = [
            sid
            for sid, used in holder.time_last_used.items()
            if (now - used).total_seconds() > idle_seconds
        ]
        records = [(sid, holder.session_data.pop(sid, None)) for sid in idle]
        for sid in idle:
            holder.time_last_used.pop(sid, None)
    for sid, record in records:
        if record is None:
            continue
        for component, value, _expired in record.state_components:
            try:
                component.delete_callback(value)
            except Exception:  # one failing clean-up must not keep the others
                log.exception("clean-up of idle session %s failed", sid[:8])
    return len(records)


@dataclass
class ServerEdge:
    """What every launch of the app adds to Gradio's server."""

    max_chars: int
    idle_timeout: float
    exports: ExportFolder
    refusal: Callable[[str], str]

    def launch_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """`launch()` keyword arguments with the request cap, the idle sweep and the exports."""
        kwargs = dict(kwargs)
        app_kwargs = dict(kwargs.get("app_kwargs") or {})
        app_kwargs["middleware"] = [
            *app_kwargs.get("middleware", []),
            Middleware(RequestCap, max_chars=self.max_chars, refusal=self.refusal),
        ]
        app_kwargs["lifespan"] = self._lifespan(app_kwargs.get("lifespan"))
        kwargs["app_kwargs"] = app_kwargs
        kwargs["allowed_paths"] = [*(kwargs.get("allowed_paths") or []), str(self.exports.path)]
        kwargs.setdefault("max_file_size", MAX_UPLOAD)
        return kwargs

    def _lifespan(self, inner: Any) -> Callable[[Any], Any]:
        @asynccontextmanager
        async def lifespan(app: Any) -> AsyncIterator[Any]:
            sweep = asyncio.create_task(self._sweep(app))
            try:
                if inner is None:
                    yield None
                else:
                    async with inner(app) as state:
                        yield state
            finally:
                sweep.cancel()
                self.exports.clear()

        return lifespan

    async def _sweep(self, app: Any) -> None:
        interval = min(60.0, max(0.5, self.idle_timeout / 4))
        while True:
            await asyncio.sleep(interval)
            try:
                forget_idle_sessions(app.state_holder, self.idle_timeout)
            except Exception:  # the sweep must outlive a bad round
                log.exception("forgetting idle sessions failed")
