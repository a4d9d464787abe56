"""The chat tab's event handlers: chat turn, commands, ratings, feedback, sessions, language.

Each handler takes the per-browser `SessionView` (a `gr.State`) and the UI
language, calls the library, and returns what the components show, computed
by the pure functions in `coach.ui.render`. Errors stop here: they become a
friendly notice in the chat, never a traceback.

What the user typed is kept and shown as the coach stores it (`Coach.shown_text`:
cleaned, so a lone surrogate can never make the chat unserialisable). Gradio may
forget an idle browser's state (`coach.ui.edge`); the next message or delete then
restores the conversation from the session code the browser still shows.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from coach.errors import SessionNotFound
from coach.models import CoachTurn
from coach.service import clean_user_text
from coach.ui import render
from coach.ui.exports import ExportFolder
from coach.ui.render import ChatView, UiText

if TYPE_CHECKING:
    from coach.service import Coach
    from coach.ui.labels import Labels

log = logging.getLogger(__name__)
N_SUGGESTIONS = 6


@dataclass
class SessionView:
    """One browser's (or API client's) conversation: its id and what its chat shows."""

    session_id: str
    language: str
    view: ChatView
    last_turn: CoachTurn
    rated_turn: int | None = None
    rated_liked: bool | None = None
    export_path: str | None = None


class ChatHandlers:
    """The handlers over shared parts only (coach, labels, export folder); no user data."""

    def __init__(self, coach: Coach, ui: UiText, exports: ExportFolder, labels: Labels) -> None:
        self.coach = coach
        self.ui = ui
        self.exports = exports
        self.labels = labels

    # -- helpers ------------------------------------------------------------------------------
    def t(self, key: str, lang: str = "nl", **values: Any) -> str:
        return self.ui.get(key, lang, **values)

    def start(self, language: str, card_id: str | None = None) -> SessionView:
        turn = self.coach.start_session(card_id=card_id or None, language=language)
        view = render.empty_view()
        view.add_turn(turn, self.ui)
        return SessionView(turn.session, turn.language, view, turn)

    def ensure(self, sv: SessionView | None, language: str = "nl", code: str = "") -> SessionView:
        """The browser's conversation: its state, else the session its code names, else new."""
        if sv is not None:
            return sv
        return self.restore(code) or self.start(language)

    def restore(self, code: str | None) -> SessionView | None:
        """The stored conversation with this session code, as a chat view (None when unknown)."""
        code = (code or "").strip()
        if not code:
            return None
        try:
            records = self.coach.history(code)
            last = self.coach.last_turn(code) if records else None
        except SessionNotFound:
            return None
        if last is None:
            return None
        return SessionView(code, last.language, render.transcript_view(records, self.ui), last)

    def write_export(self, sv: SessionView) -> str | None:
        """The session's Markdown export as a file for the download button (rewritten each turn)."""
        try:
            text = self.coach.export_markdown(sv.session_id)
            name = f"{self.t('file_summary', sv.language)}-{sv.session_id[:8]}.md"
            sv.export_path = self.exports.write(sv.session_id, name, text, sv.export_path)
        except Exception:  # the chat must keep working even if an export cannot be built
            log.exception("export failed")
        return sv.export_path

    def forget(self, sv: Any) -> None:
        """Gradio dropped a browser's state (idle): remove its download file, keep the session."""
        if isinstance(sv, SessionView):
            self.exports.discard(sv.export_path)

    def run_turn(self, sv: SessionView, text: str, lang: str) -> SessionView:
        """Send one message through the library; on failure add a friendly notice instead."""
        sv.view.add_user(self.coach.shown_text(text))
        try:
            turn = self.coach.reply(sv.session_id, text)
        except Exception as exc:
            if not isinstance(exc, SessionNotFound):
                log.exception("turn failed")
            sv.view.add_notice(render.friendly_error(exc, self.ui, lang))
            return sv
        sv.view.add_turn(turn, self.ui)
        sv.last_turn = turn
        sv.language = turn.language
        return sv

    # -- what every chat event returns --------------------------------------------------------
    def refresh(self, sv: SessionView, lang: str) -> tuple[Any, ...]:
        """chatbot, state, progress, suggestion buttons, balance box, chart, session code, download.

        `lang` is the UI language (the radio); the coach's own language may differ.
        """
        turn = sv.last_turn
        suggestions = render.suggested_replies(turn, self.ui, N_SUGGESTIONS)
        buttons = [
            gr.update(value=suggestions[i], visible=True)
            if i < len(suggestions)
            else gr.update(visible=False)
            for i in range(N_SUGGESTIONS)
        ]
        ratings = render.ratings_from_progress(turn.progress)
        in_balance = turn.phase == "balance"
        return (
            gr.update(value=copy.deepcopy(sv.view.messages)),
            sv,
            render.progress_html(turn.progress or {"phase": turn.phase}, self.ui, lang),
            *buttons,
            gr.update(visible=in_balance),
            gr.update(
                value=render.ratings_chart_svg(ratings, self.ui, lang),
                visible=any(ratings.values()),
            ),
            sv.session_id,
            gr.update(value=self.write_export(sv)),
        )

    def _fail_refresh(
        self, sv: SessionView | None, exc: BaseException, lang: str
    ) -> tuple[Any, ...]:
        if not isinstance(exc, SessionNotFound):
            log.exception("handler failed")
        if sv is None:
            sv = self.start(lang)
        sv.view.add_notice(render.friendly_error(exc, self.ui, lang))
        return self.refresh(sv, lang)

    # -- handlers -----------------------------------------------------------------------------
    def on_load(self, sv: SessionView | None, lang: str) -> tuple[Any, ...]:
        try:
            return self.refresh(self.ensure(sv, lang), lang)
        except Exception as exc:
            return self._fail_refresh(sv, exc, lang)

    def echo(self, text: str, sv: SessionView | None) -> tuple[Any, str, str]:
        """Show the user's message at once and clear the box; the reply follows.

        The message is cleaned here (not cut: `reply` cuts it and says so), so that
        neither the chat nor the pending state ever holds what cannot be sent back.
        """
        cleaned = clean_user_text(text, self.coach.settings.max_request_chars)[0]
        messages = copy.deepcopy(sv.view.messages) if sv else []
        if cleaned:
            messages.append(render.user_message(self.coach.shown_text(cleaned)))
        return messages, "", cleaned

    def respond(
        self, text: str, sv: SessionView | None, lang: str, code: str = ""
    ) -> tuple[Any, ...]:
        try:
            sv = self.ensure(sv, lang, code)
            if (text or "").strip():
                self.run_turn(sv, text, lang)
            return self.refresh(sv, lang)
        except Exception as exc:
            return self._fail_refresh(sv, exc, lang)

    def command(self, key: str) -> Callable[[SessionView | None, str], tuple[Any, str]]:
        """A click on Skip/Back/Summary sends its command word in the session's language."""

        def send(sv: SessionView | None, lang: str) -> tuple[Any, str]:
            language = sv.language if sv else lang
            text = self.t(f"cmd_{key}_send", language)
            messages, _, pending = self.echo(text, sv)
            return messages, pending

        return send

    def suggestion(self, label: str, sv: SessionView | None) -> tuple[Any, str]:
        """A clicked reply; its text comes from the browser, so it is cleaned like typed text."""
        messages, _, pending = self.echo(label, sv)
        return messages, pending

    def ratings(
        self, commitment: float, progress: float, result: float, sv: SessionView | None, lang: str
    ) -> tuple[Any, str]:
        language = sv.language if sv else lang
        text = render.ratings_message(
            int(commitment), int(progress), int(result), self.ui, language
        )
        messages, _, pending = self.echo(text, sv)
        return messages, pending

    def new_session(self, sv: SessionView | None, lang: str) -> tuple[Any, ...]:
        try:
            return self.refresh(self.start(lang), lang)
        except Exception as exc:
            return self._fail_refresh(sv, exc, lang)

    def resume(self, code: str, sv: SessionView | None, lang: str) -> tuple[Any, ...]:
        code = (code or "").strip()
        try:
            records = self.coach.history(code) if code else None
        except SessionNotFound:
            records = None
        except Exception as exc:
            return self._fail_refresh(sv, exc, lang)
        if not records:
            sv = self.ensure(sv, lang)
            sv.view.add_notice(self.t("resume_unknown", lang))
            return self.refresh(sv, lang)
        try:
            last = self.coach.last_turn(code)
            view = render.transcript_view(records, self.ui)
            resumed = SessionView(code, last.language, view, last)
            resumed.view.add_notice(self.t("resumed_notice", lang))
            return self.refresh(resumed, lang)
        except Exception as exc:
            return self._fail_refresh(sv, exc, lang)

    def delete(self, sv: SessionView | None, lang: str, code: str = "") -> tuple[Any, ...]:
        """Delete the session with every copy the app made of it (its download files)."""
        try:
            sv = sv or self.restore(code)
            if sv is not None:
                self.coach.delete_session(sv.session_id)
                self.exports.remove(sv.session_id)
            fresh = self.start(lang)
            fresh.view.messages.insert(0, render.notice_message(self.t("deleted_notice", lang)))
            fresh.view.turns.insert(0, None)
            return self.refresh(fresh, lang)
        except Exception as exc:
            return self._fail_refresh(None, exc, lang)

    def like(self, sv: SessionView | None, data: gr.LikeData) -> tuple[SessionView | None, str]:
        """👍/👎 on a coach message → Coach.rate_turn for the turn that message belongs to."""
        if sv is None:
            return sv, ""
        turn = sv.view.turn_at(data.index)
        if turn is None:
            return sv, ""
        liked = data.liked
        value: bool | None = (
            True if liked in (True, "Like") else False if liked in (False, "Dislike") else None
        )
        try:
            self.coach.rate_turn(sv.session_id, turn, value, None)
        except Exception as exc:
            return sv, render.friendly_error(exc, self.ui, sv.language)
        sv.rated_turn, sv.rated_liked = turn, value
        self.write_export(sv)
        return sv, self.t("feedback_saved", sv.language)

    def comment(
        self, text: str, sv: SessionView | None
    ) -> tuple[SessionView | None, str, Any, Any]:
        lang = sv.language if sv else "nl"
        if sv is None or sv.rated_turn is None:
            return sv, self.t("feedback_first", lang), gr.update(), gr.update()
        try:
            self.coach.rate_turn(sv.session_id, sv.rated_turn, sv.rated_liked, text or None)
        except Exception as exc:
            return sv, render.friendly_error(exc, self.ui, lang), gr.update(), gr.update()
        return sv, self.t("feedback_saved", lang), "", gr.update(value=self.write_export(sv))

    def switch_language(self, lang: str, sv: SessionView | None, code: str = "") -> tuple[Any, ...]:
        """Relabel the app. A session that has not begun restarts in the new language; an ongoing
        one is kept (the coach follows the language the user writes in) with a notice saying so."""
        lang = "en" if lang == "en" else "nl"
        header = f"## {self.t('app_title', lang)}\n{self.t('app_subtitle', lang)}"
        relabel = [header, *(self.labels.relabel(item, lang) for item in self.labels.items)]
        try:
            sv = sv or self.restore(code)
            if sv is None or (sv.language != lang and sv.last_turn.turn == 0):
                sv = self.start(lang)
            elif sv.language != lang:
                sv.view.add_notice(self.t("language_follow", lang))
            return (*relabel, *self.refresh(sv, lang))
        except Exception as exc:
            return (*relabel, *self._fail_refresh(sv, exc, lang))
