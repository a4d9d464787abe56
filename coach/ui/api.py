"""The public API for `gradio_client`: `/chat`, `/chat_json`, `/start` and `/summary`.

Hidden components behind stable endpoint names; each endpoint works in the
calling client's own session (the same `gr.State` the chat tab uses). Every
other event of the app is kept private.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from coach.errors import SessionNotFound
from coach.ui import render
from coach.ui.handlers import ChatHandlers, SessionView
from coach.ui.round_api import ROUND_ENDPOINTS

log = logging.getLogger(__name__)
PUBLIC_ENDPOINTS = ("chat", "chat_json", "start", "summary", *ROUND_ENDPOINTS)


class ChatApi:
    """The API-only endpoints, over the chat tab's handlers (sessions, coach, labels)."""

    def __init__(self, handlers: ChatHandlers) -> None:
        self.handlers = handlers

    def chat(self, message: str, sv: SessionView | None) -> tuple[str, SessionView | None]:
        """`/chat`: the coach's reply to `message` in this client's own session."""
        try:
            sv = self.handlers.begin(self.handlers.ensure(sv))  # stored with its first message
            turn = self.handlers.coach.reply(sv.session_id, message)
            sv.last_turn, sv.language = turn, turn.language
            sv.view.add_user(self.handlers.coach.shown_text(message))
            sv.view.add_turn(turn, self.handlers.ui)
            return render.api_reply(turn), sv
        except Exception as exc:
            if not isinstance(exc, SessionNotFound):
                log.exception("api chat failed")
            return render.friendly_error(exc, self.handlers.ui, sv.language if sv else "nl"), sv

    def chat_json(
        self, message: str, sv: SessionView | None
    ) -> tuple[dict[str, Any], SessionView | None]:
        """`/chat_json`: the same turn as a dict (phase, citations, progress, suggestions...)."""
        try:
            sv = self.handlers.begin(self.handlers.ensure(sv))  # stored with its first message
            turn = self.handlers.coach.reply(sv.session_id, message)
            sv.last_turn, sv.language = turn, turn.language
            sv.view.add_user(self.handlers.coach.shown_text(message))
            sv.view.add_turn(turn, self.handlers.ui)
            return turn.to_dict(), sv
        except Exception as exc:
            if not isinstance(exc, SessionNotFound):
                log.exception("api chat failed")
            return {
                "error": render.friendly_error(exc, self.handlers.ui, sv.language if sv else "nl")
            }, sv

    def start(
        self, language: str, card: str, sv: SessionView | None
    ) -> tuple[str, SessionView | None]:
        """`/start`: a new session for this client in `language` (nl/en) on `card` ("": default).

        Like a page load, it stores nothing: the session is stored with the first `/chat`."""
        try:
            sv = self.handlers.start("en" if language == "en" else "nl", card or None)
            return render.api_reply(sv.last_turn), sv
        except Exception as exc:
            return render.friendly_error(exc, self.handlers.ui, language), sv

    def summary(self, sv: SessionView | None) -> str:
        """`/summary`: the Markdown export (summary, transcript, citations, feedback)."""
        if sv is None or not sv.stored:
            return ""
        try:
            return self.handlers.coach.export_markdown(sv.session_id)
        except Exception as exc:
            return render.friendly_error(exc, self.handlers.ui, sv.language)

    def register(self, state: gr.State) -> None:
        """Add the hidden components and the endpoints (inside the app's Blocks)."""
        # API-only plumbing: hidden components behind stable endpoint names.
        with gr.Group(visible=False):
            api_message = gr.Textbox()
            api_reply = gr.Textbox()
            api_json = gr.JSON()
            api_language = gr.Textbox(value="nl")
            api_card = gr.Textbox()
            api_summary = gr.Textbox()
            api_trigger = gr.Button()
        api_trigger.click(
            self.chat,
            [api_message, state],
            [api_reply, state],
            api_name="chat",
            api_description="Send one message; returns the coach's reply as text.",
        )
        api_trigger.click(
            self.chat_json,
            [api_message, state],
            [api_json, state],
            api_name="chat_json",
            api_description="Send one message; returns the coach's turn as JSON.",
        )
        api_trigger.click(
            self.start,
            [api_language, api_card, state],
            [api_reply, state],
            api_name="start",
            api_description="Start a new session (language nl/en, card id or '').",
        )
        api_trigger.click(
            self.summary,
            [state],
            [api_summary],
            api_name="summary",
            api_description="The session's Markdown export.",
        )


def hide_private_endpoints(app: gr.Blocks) -> None:
    """Only the documented endpoints are public; anything a tab adds without saying so
    (e.g. the evaluator's run button) is kept off the API."""
    for fn in app.fns.values():
        if fn.api_name not in PUBLIC_ENDPOINTS:
            fn.api_visibility = "private"
