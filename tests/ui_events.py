"""Drive the web app through its own UI events over HTTP, as the browser does.

The chat tab's events are private: `gradio_client` cannot call them by name,
but the browser calls them by index — `queue=False` events with
`POST /gradio_api/run/predict`, queued ones with `POST /gradio_api/queue/join`
and the answer on `/gradio_api/queue/data`. Bodies are written like the
browser's `JSON.stringify`: a lone surrogate travels as `"\\ud800"` (httpx's own
JSON encoder, and so `gradio_client`, cannot send one at all).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx


class UiError(AssertionError):
    """The server answered an event with an error (HTTP status or a failed event)."""


class BrowserSession:
    """One browser tab: its own Gradio session, the values its components show."""

    def __init__(self, url: str, app: Any, language: str = "nl") -> None:
        self.base = url.rstrip("/") + "/gradio_api"
        self.app = app
        self.session_hash = secrets.token_hex(8)
        self.language = language
        self.shown: dict[str, Any] = {}  # elem_id → the value the browser shows
        self.http = httpx.Client(timeout=120)

    # -- one event ----------------------------------------------------------------------------
    def fn_index(self, name: str, n_inputs: int | None = None) -> int:
        for index, fn in self.app.fns.items():
            if fn.name == name and (n_inputs is None or len(fn.inputs) == n_inputs):
                return int(index)
        raise KeyError(name)

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(
            f"{self.base}/{path}",
            content=json.dumps(body).encode("ascii"),
            headers={"content-type": "application/json"},
        )

    def event(self, name: str, *data: Any) -> list[Any]:
        """Run the UI event `name` with the browser's input values; its outputs (raises UiError)."""
        index = self.fn_index(name)
        fn = self.app.fns[index]
        body = {"data": list(data), "fn_index": index, "session_hash": self.session_hash}
        if not fn.queue:
            response = self.post("run/predict", {**body, "event_data": None})
            if response.status_code != 200:
                raise UiError(f"{name}: HTTP {response.status_code} {response.text[:300]}")
            outputs: list[Any] = response.json()["data"]
        else:
            outputs = self._queued(name, body)
        self._remember(fn, outputs)
        return outputs

    def _queued(self, name: str, body: dict[str, Any]) -> list[Any]:
        response = self.post("queue/join", {**body, "event_data": None})
        if response.status_code != 200:
            raise UiError(f"{name}: HTTP {response.status_code} {response.text[:300]}")
        event_id = response.json()["event_id"]
        with self.http.stream(
            "GET", f"{self.base}/queue/data", params={"session_hash": self.session_hash}
        ) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") != event_id or message["msg"] != "process_completed":
                    continue
                if not message.get("success"):
                    raise UiError(f"{name}: {json.dumps(message)[:300]}")
                return list(message["output"]["data"])
        raise UiError(f"{name}: the event stream ended without an answer")

    def _remember(self, fn: Any, outputs: list[Any]) -> None:
        for block, value in zip(fn.outputs, outputs, strict=False):
            key = getattr(block, "elem_id", None)
            if not key:
                continue
            if isinstance(value, dict) and value.get("__type__") == "update":
                if "value" not in value:
                    continue
                value = value["value"]
            self.shown[key] = value

    # -- what a user does ---------------------------------------------------------------------
    def open(self) -> BrowserSession:
        """Load the page (starts a session)."""
        self.event("on_load", None, self.language, 1280)
        return self

    def send(self, text: str) -> list[dict[str, Any]]:
        """Type `text` and press Enter: the echo, then the coach's reply; the chat it shows."""
        self.event("echo", text, None)
        self.event("respond", None, None, self.language, self.code)
        return self.chat

    def delete(self) -> None:
        """Delete the session, confirmed."""
        self.event("delete", None, self.language, self.code)

    @property
    def code(self) -> str:
        return str(self.shown.get("bc-session-code") or "")

    @property
    def chat(self) -> list[dict[str, Any]]:
        return list(self.shown.get("bc-chat") or [])

    @property
    def download_url(self) -> str | None:
        value = self.shown.get("bc-download")
        return value.get("url") if isinstance(value, dict) else None

    def user_texts(self) -> list[str]:
        """The user's messages as the chat shows them."""
        out = []
        for message in self.chat:
            if message["role"] != "user":
                continue
            content = message["content"]
            if isinstance(content, list):  # Gradio 6: a list of {"type": "text", "text": ...}
                content = "".join(part.get("text", "") for part in content)
            out.append(str(content))
        return out

    def close(self) -> None:
        self.http.close()


def api_call(url: str, api_name: str, data: list[Any], session_hash: str) -> Any:
    """Call a public endpoint in the session of a `gradio_client.Client` (its `session_hash`),
    with JSON written like a browser's, which can carry lone surrogates."""
    base = url.rstrip("/") + "/gradio_api"
    with httpx.Client(timeout=120) as http:
        response = http.post(
            f"{base}/call/{api_name}",
            content=json.dumps({"data": data, "session_hash": session_hash}).encode("ascii"),
            headers={"content-type": "application/json"},
        )
        if response.status_code != 200:
            raise UiError(f"/{api_name}: HTTP {response.status_code} {response.text[:300]}")
        event_id = response.json()["event_id"]
        event = ""
        with http.stream("GET", f"{base}/call/{api_name}/{event_id}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    if event == "error":
                        raise UiError(f"/{api_name}: {line[5:300]}")
                    return json.loads(line[5:])[0]
    raise UiError(f"/{api_name}: the event stream ended without an answer")
