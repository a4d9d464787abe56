"""The chat tab's event handlers: chat turn, commands, ratings, actions, feedback, sessions.

Each handler takes the per-browser `SessionView` (a `gr.State`) and the UI
language, calls the library, and returns what the components show, computed
by the pure functions in `coach.ui.render`. Errors stop here: they become a
labelled notice beside the chat (`render.notice_html`), never a traceback and
never text inside a coach message.

A page load shows the coach's greeting without storing anything
(`Coach.greeting`); the session is stored with the first message the user
sends, so a visit without one leaves no session behind.

What the user typed is kept and shown as the coach stores it (`Coach.shown_text`:
cleaned, so a lone surrogate can never make the chat unserialisable). Gradio may
forget an idle browser's state (`coach.ui.edge`); the next message or delete then
restores the conversation from the session code the browser still shows.

Every chat event returns the fields of `VIEW` in that order; `coach.ui.reflect`
lays out one component per field.
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
N_OWNERS = 4  # who/when rows: the coach offers at most four actions
COMMANDS = ("skip", "back", "summary")
WIDE_SCREEN = 768  # px: from here on the session panel starts open

# What every chat event shows, in order (one component each, see coach.ui.reflect).
VIEW = (
    "chat",
    "state",
    "progress",
    "notice",
    *(f"suggestion{i}" for i in range(N_SUGGESTIONS)),
    *(f"cmd_{key}" for key in COMMANDS),
    "balance",
    *(f"rate_{key}" for key in render.RATING_KEYS),
    "actions",
    "action_choice",
    "owners",
    *(f"owner_who{i}" for i in range(N_OWNERS)),
    *(f"owner_when{i}" for i in range(N_OWNERS)),
    "chart",
    "code",
    "code_view",
    "copy",
    "download",
    "new",
    "delete",
    "card",
)


@dataclass
class SessionView:
    """One browser's (or API client's) conversation: its id and what its chat shows.

    `session_id` is "" until the user sends the first message: nothing is stored before.
    `notice` is a (kind, text) pair shown once beside the chat, kind "error" or "info".
    """

    session_id: str
    language: str
    card_id: str
    view: ChatView
    last_turn: CoachTurn
    rated_turn: int | None = None
    rated_liked: bool | None = None
    export_path: str | None = None
    notice: tuple[str, str] | None = None

    @property
    def stored(self) -> bool:
        return bool(self.session_id)


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

    def card_id(self, card_id: str | None) -> str:
        """A known card's id: the one asked for, else the default card."""
        return self.coach.card(card_id or None).id

    def start(self, language: str, card_id: str | None = None) -> SessionView:
        """A new conversation as the browser shows it: the greeting, nothing stored yet."""
        language = "en" if language == "en" else "nl"
        card = self.card_id(card_id)
        turn = self.coach.greeting(card_id=card, language=language)
        view = render.empty_view()
        view.add_turn(turn, self.ui)
        return SessionView("", turn.language, card, view, turn)

    def begin(self, sv: SessionView) -> SessionView:
        """Store the session (with the greeting it showed) when the user first sends something."""
        if not sv.stored:
            turn = self.coach.start_session(card_id=sv.card_id, language=sv.language)
            sv.session_id = turn.session
            sv.last_turn = turn
        return sv

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
            card = self.coach.state(code).card_id if records else ""
        except SessionNotFound:
            return None
        if last is None:
            return None
        view = render.transcript_view(records, self.ui)
        return SessionView(code, last.language, card, view, last)

    def write_export(self, sv: SessionView) -> str | None:
        """The session's Markdown export as a file for the download button (rewritten each turn)."""
        if not sv.stored:
            return None
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
        """Send one message through the library; on failure a labelled error instead."""
        sv.view.add_user(self.coach.shown_text(text))
        try:
            self.begin(sv)
            turn = self.coach.reply(sv.session_id, text)
        except Exception as exc:
            if not isinstance(exc, SessionNotFound):
                log.exception("turn failed")
            sv.notice = ("error", render.friendly_error(exc, self.ui, lang))
            return sv
        sv.view.add_turn(turn, self.ui)
        sv.last_turn = turn
        sv.language = turn.language
        return sv

    def chosen_actions(self, sv: SessionView) -> list[tuple[str, str, str, str]]:
        """(id, title, who, when) of each action the user chose in this session."""
        if not sv.stored or sv.last_turn.phase != "summary":
            return []
        try:
            state = self.coach.state(sv.session_id)
        except SessionNotFound:
            return []
        owners = {a: (w, t) for a, w, t in getattr(state, "owners", ())}
        titles = {a.id: a.title for a in state.offered}
        return [
            (a, titles.get(a, a), *owners.get(a, ("", ""))) for a in state.chosen if a in titles
        ][:N_OWNERS]

    # -- what every chat event returns --------------------------------------------------------
    def refresh(self, sv: SessionView, lang: str) -> tuple[Any, ...]:
        """The fields of `VIEW`, in order. `lang` is the UI language (the radio); the coach's
        own language may differ. A notice is shown once."""
        turn = sv.last_turn
        suggestions = render.quick_replies(turn, self.ui, N_SUGGESTIONS)
        buttons = [
            gr.update(value=suggestions[i], visible=True)
            if i < len(suggestions)
            else gr.update(visible=False)
            for i in range(N_SUGGESTIONS)
        ]
        chosen = self.chosen_actions(sv)
        shows = render.phase_controls(turn, [c[0] for c in chosen])
        ratings = render.ratings_from_progress(turn.progress)
        kind, text = sv.notice or (None, None)
        sv.notice = None
        owner_rows = [chosen[i] if i < len(chosen) else None for i in range(N_OWNERS)]
        return (
            gr.update(value=copy.deepcopy(sv.view.messages)),
            sv,
            render.progress_html(turn.progress or {"phase": turn.phase}, self.ui, lang),
            render.notice_html(kind, text, self.ui, lang),
            *buttons,
            *(gr.update(visible=getattr(shows, key)) for key in COMMANDS),
            gr.update(visible=shows.ratings),
            # The user's own scores stay; nothing else is ever preselected.
            *(gr.update(value=ratings[key]) for key in render.RATING_KEYS),
            gr.update(visible=shows.actions),
            gr.update(
                choices=render.action_choices(turn) if shows.actions else [],
                value=[],
            ),
            gr.update(visible=shows.owners),
            *(
                gr.update(
                    visible=row is not None,
                    label=self.t("owner_who", lang, title=row[1]) if row else None,
                    value=row[2] if row else "",
                )
                for row in owner_rows
            ),
            *(
                gr.update(
                    visible=row is not None,
                    label=self.t("owner_when", lang, title=row[1]) if row else None,
                    value=row[3] if row else "",
                )
                for row in owner_rows
            ),
            gr.update(
                value=render.ratings_chart_svg(ratings, self.ui, lang),
                visible=any(ratings.values()),
            ),
            sv.session_id,
            render.session_code_html(sv.session_id, self.ui, lang),
            gr.update(visible=sv.stored),
            gr.update(value=self.write_export(sv), visible=sv.stored),
            gr.update(visible=sv.stored),
            gr.update(visible=sv.stored),
            sv.card_id,
        )

    def unchanged(self) -> tuple[Any, ...]:
        """Every field of `VIEW` left as it is."""
        return tuple(gr.skip() for _ in VIEW)

    def _fail_refresh(
        self, sv: SessionView | None, exc: BaseException, lang: str
    ) -> tuple[Any, ...]:
        if not isinstance(exc, SessionNotFound):
            log.exception("handler failed")
        if sv is None:
            sv = self.start(lang)
        sv.notice = ("error", render.friendly_error(exc, self.ui, lang))
        return self.refresh(sv, lang)

    # -- handlers -----------------------------------------------------------------------------
    def on_load(self, sv: SessionView | None, lang: str, width: float | None) -> tuple[Any, ...]:
        """The page opened: the greeting (stored nowhere yet); the session panel open on wide
        screens and folded away on a phone."""
        panel = gr.update(open=bool(width) and float(width or 0) >= WIDE_SCREEN)
        try:
            return (*self.refresh(self.ensure(sv, lang), lang), panel)
        except Exception as exc:
            return (*self._fail_refresh(sv, exc, lang), panel)

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
            if sv is not None and not (text or "").strip():
                return self.unchanged()  # nothing was sent (e.g. ratings not complete)
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
        self,
        commitment: float | None,
        progress: float | None,
        result: float | None,
        sv: SessionView | None,
        lang: str,
    ) -> tuple[Any, str, str]:
        """The three chosen scores as one labelled message (so the coach never has to guess
        which is which); an error beside the chat while one is still missing."""
        language = sv.language if sv else lang
        values = (commitment, progress, result)
        if any(v is None or not 1 <= int(v) <= 5 for v in values):
            notice = render.notice_html("error", self.t("ratings_incomplete", lang), self.ui, lang)
            return gr.skip(), "", notice
        scores = [int(v or 0) for v in values]
        text = render.ratings_message(scores[0], scores[1], scores[2], self.ui, language)
        messages, _, pending = self.echo(text, sv)
        return messages, pending, ""

    def choose_actions(
        self, chosen: list[str] | None, sv: SessionView | None, lang: str
    ) -> tuple[Any, str]:
        """The ticked actions, sent as the numbers the coach offered them under."""
        if sv is None:
            return gr.skip(), ""
        text = render.actions_message(chosen or [], sv.last_turn, self.ui, sv.language)
        messages, _, pending = self.echo(text, sv)
        return messages, pending

    def save_owners(self, sv: SessionView | None, lang: str, *fields: str) -> tuple[Any, ...]:
        """Store "wie / wanneer" of each chosen action; the summary and download show them."""
        if sv is None:
            return self.unchanged()
        plan_action = getattr(self.coach, "plan_action", None)
        chosen = self.chosen_actions(sv)
        try:
            for i, (action_id, _title, _who, _when) in enumerate(chosen):
                if plan_action is not None:
                    plan_action(sv.session_id, action_id, fields[i], fields[N_OWNERS + i])
        except Exception as exc:
            return self._fail_refresh(sv, exc, lang)
        sv.notice = ("info", self.t("owners_saved", lang))
        return self.refresh(sv, lang)

    def ask_new(self, card: str | None, sv: SessionView | None, lang: str) -> tuple[Any, ...]:
        """New session (or another card): at once while nothing is stored, else after a
        confirmation that shows the current session's code. VIEW + confirm box + its text."""
        try:
            if sv is None or not sv.stored:
                fresh = self.start(sv.language if sv else lang, card)
                return (*self.refresh(fresh, lang), gr.update(visible=False), gr.skip())
            title = self.coach.card(card or sv.card_id).title
            text = self.t("new_confirm", lang, card=title, code=sv.session_id)
            return (*self.unchanged(), gr.update(visible=True), text)
        except Exception as exc:
            return (*self._fail_refresh(sv, exc, lang), gr.update(visible=False), gr.skip())

    def new_session(self, card: str | None, sv: SessionView | None, lang: str) -> tuple[Any, ...]:
        """Confirmed: a new conversation; the old one stays stored under its code (named)."""
        try:
            fresh = self.start(lang, card or (sv.card_id if sv else None))
            if sv is not None and sv.stored:
                fresh.notice = ("info", self.t("new_started", lang, code=sv.session_id))
            return self.refresh(fresh, lang)
        except Exception as exc:
            return self._fail_refresh(sv, exc, lang)

    def cancel_new(self, sv: SessionView | None) -> tuple[Any, Any]:
        """Not confirmed: hide the question and show the session's own card again."""
        return gr.update(visible=False), (sv.card_id if sv else gr.skip())

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
            sv.notice = ("error", self.t("resume_unknown", lang))
            return self.refresh(sv, lang)
        try:
            resumed = self.restore(code)
            if resumed is None:
                raise SessionNotFound(code)
            resumed.notice = ("info", self.t("resumed_notice", lang))
            return self.refresh(resumed, lang)
        except Exception as exc:
            return self._fail_refresh(sv, exc, lang)

    def delete(self, sv: SessionView | None, lang: str, code: str = "") -> tuple[Any, ...]:
        """Delete the session with every copy the app made of it (its download files)."""
        try:
            sv = sv or self.restore(code)
            card = sv.card_id if sv else None
            if sv is not None and sv.stored:
                self.coach.delete_session(sv.session_id)
                self.exports.remove(sv.session_id)
            fresh = self.start(lang, card)
            fresh.notice = ("info", self.t("deleted_notice", lang))
            return self.refresh(fresh, lang)
        except Exception as exc:
            return self._fail_refresh(None, exc, lang)

    def like(self, sv: SessionView | None, data: gr.LikeData) -> tuple[Any, ...]:
        """👍/👎 on a coach message → Coach.rate_turn for its turn; then the comment box opens
        on that message. state, feedback box, what was rated, comment field, notice."""
        closed = (sv, gr.update(visible=False), gr.skip(), gr.skip(), gr.skip())
        if sv is None:
            return closed
        turn = sv.view.turn_at(data.index)
        if turn is None:
            return closed
        liked = data.liked
        value: bool | None = (
            True if liked in (True, "Like") else False if liked in (False, "Dislike") else None
        )
        lang = sv.language
        try:
            self.begin(sv)  # rating the greeting is sending something too
            self.coach.rate_turn(sv.session_id, turn, value, None)
        except Exception as exc:
            error = render.notice_html(
                "error", render.friendly_error(exc, self.ui, lang), self.ui, lang
            )
            return (sv, gr.update(visible=False), gr.skip(), gr.skip(), error)
        sv.rated_turn, sv.rated_liked = turn, value
        self.write_export(sv)
        if value is None:
            cleared = render.notice_html("info", self.t("feedback_cleared", lang), self.ui, lang)
            return (sv, gr.update(visible=False), "", "", cleared)
        verdict = self.t("feedback_liked" if value else "feedback_disliked", lang)
        about = self.t("feedback_about", lang, verdict=verdict, excerpt=render.excerpt(data.value))
        return (sv, gr.update(visible=True), about, "", "")

    def comment(self, text: str, sv: SessionView | None, lang: str) -> tuple[Any, ...]:
        """The optional comment on the message just rated. state, box, field, notice, download."""
        if sv is None or sv.rated_turn is None:
            return (sv, gr.update(visible=False), gr.skip(), "", gr.skip())
        try:
            self.coach.rate_turn(sv.session_id, sv.rated_turn, sv.rated_liked, text or None)
        except Exception as exc:
            error = render.notice_html(
                "error", render.friendly_error(exc, self.ui, lang), self.ui, lang
            )
            return (sv, gr.skip(), gr.skip(), error, gr.skip())
        saved = render.notice_html("info", self.t("feedback_saved", lang), self.ui, lang)
        return (sv, gr.update(visible=False), "", saved, gr.update(value=self.write_export(sv)))

    def switch_language(self, lang: str, sv: SessionView | None, code: str = "") -> tuple[Any, ...]:
        """Relabel the app. A session that has not begun restarts in the new language; an ongoing
        one is kept (the coach follows the language the user writes in) with a notice saying so."""
        lang = "en" if lang == "en" else "nl"
        header = render.header_markdown(self.ui, lang)
        relabel = [header, *(self.labels.relabel(item, lang) for item in self.labels.items)]
        try:
            sv = sv or self.restore(code)
            if sv is None or (sv.language != lang and not sv.stored):
                sv = self.start(lang, sv.card_id if sv else None)
            elif sv.language != lang:
                sv.notice = ("info", self.t("language_follow", lang))
            return (*relabel, *self.refresh(sv, lang))
        except Exception as exc:
            return (*relabel, *self._fail_refresh(sv, exc, lang))
