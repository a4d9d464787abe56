"""The Gradio web app: a thin adapter over `Coach`.

`create_app(coach)` only builds the Blocks; `launch_app()` starts it (theme,
analytics off, auth) — tests start the same app on a free port. Every user's
conversation lives in a per-session `gr.State` (a `SessionView`), so two
browsers or two `gradio_client.Client`s never share one; the app object holds
no user data. What the user sees is computed by the pure functions in
`coach.ui.render`; handlers here only call the library, catch errors at the
edge (a friendly notice in the chat, never a traceback), and route values.

Public API (for `gradio_client`): `/chat` (message → reply text),
`/chat_json` (message → the turn as a dict), `/start` (language, card →
greeting), `/summary` (→ Markdown export). UI-internal events are private.
"""

from __future__ import annotations

import copy
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from coach.errors import SessionNotFound
from coach.models import CoachTurn
from coach.ui import render
from coach.ui.render import ChatView, UiText

if TYPE_CHECKING:
    from coach.service import Coach

log = logging.getLogger(__name__)
N_SUGGESTIONS = 6
PUBLIC_ENDPOINTS = ("chat", "chat_json", "start", "summary")
CHAT_HEIGHT = 560


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


@dataclass
class _Labelled:
    """A component whose properties follow the UI language (prop → ui.yaml key)."""

    component: Any
    props: dict[str, str] = field(default_factory=dict)


class _ChatApp:
    """Builds the Blocks and holds the handlers; shared parts only (coach, labels, temp folder)."""

    def __init__(self, coach: Coach, ui: UiText, exports_dir: Path) -> None:
        self.coach = coach
        self.ui = ui
        self.exports_dir = exports_dir
        self.labelled: list[_Labelled] = []

    # -- helpers ------------------------------------------------------------------------------
    def label(self, component: Any, **props: str) -> Any:
        """Register a component for relabelling when the language switches."""
        self.labelled.append(_Labelled(component, props))
        return component

    def relabel(self, item: _Labelled, lang: str) -> dict[str, Any]:
        props: dict[str, Any] = {prop: self.t(key, lang) for prop, key in item.props.items()}
        return gr.update(**props)

    def t(self, key: str, lang: str = "nl", **values: Any) -> str:
        return self.ui.get(key, lang, **values)

    def start(self, language: str, card_id: str | None = None) -> SessionView:
        turn = self.coach.start_session(card_id=card_id or None, language=language)
        view = render.empty_view()
        view.add_turn(turn, self.ui)
        return SessionView(turn.session, turn.language, view, turn)

    def ensure(self, sv: SessionView | None, language: str = "nl") -> SessionView:
        return sv if sv is not None else self.start(language)

    def write_export(self, sv: SessionView) -> str | None:
        """The session's Markdown export as a file for the download button (rewritten each turn)."""
        try:
            text = self.coach.export_markdown(sv.session_id)
        except Exception:  # the chat must keep working even if an export cannot be built
            log.exception("export failed")
            return sv.export_path
        name = f"{self.t('file_summary', sv.language)}-{sv.session_id[:8]}.md"
        folder = self.exports_dir / sv.session_id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_text(text, encoding="utf-8")
        sv.export_path = str(path)
        return sv.export_path

    def remove_export(self, sv: SessionView) -> None:
        folder = self.exports_dir / sv.session_id
        for item in folder.glob("*"):
            item.unlink(missing_ok=True)
        if folder.exists():
            folder.rmdir()

    def run_turn(self, sv: SessionView, text: str, lang: str) -> SessionView:
        """Send one message through the library; on failure add a friendly notice instead."""
        sv.view.add_user(text)
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
        """Show the user's message at once and clear the box; the reply follows."""
        messages = copy.deepcopy(sv.view.messages) if sv else []
        if (text or "").strip():
            messages.append(render.user_message(text))
        return messages, "", text

    def respond(self, text: str, sv: SessionView | None, lang: str) -> tuple[Any, ...]:
        try:
            sv = self.ensure(sv, lang)
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
            return self.echo(text, sv)[0], text

        return send

    def suggestion(self, label: str, sv: SessionView | None) -> tuple[Any, str]:
        return self.echo(label, sv)[0], label

    def ratings(
        self, commitment: float, progress: float, result: float, sv: SessionView | None, lang: str
    ) -> tuple[Any, str]:
        language = sv.language if sv else lang
        text = render.ratings_message(
            int(commitment), int(progress), int(result), self.ui, language
        )
        return self.echo(text, sv)[0], text

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

    def delete(self, sv: SessionView | None, lang: str) -> tuple[Any, ...]:
        try:
            if sv is not None:
                self.coach.delete_session(sv.session_id)
                self.remove_export(sv)
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

    def switch_language(self, lang: str, sv: SessionView | None) -> tuple[Any, ...]:
        """Relabel the app. A session that has not begun restarts in the new language; an ongoing
        one is kept (the coach follows the language the user writes in) with a notice saying so."""
        lang = "en" if lang == "en" else "nl"
        header = f"## {self.t('app_title', lang)}\n{self.t('app_subtitle', lang)}"
        relabel = [header, *(self.relabel(item, lang) for item in self.labelled)]
        try:
            if sv is None or (sv.language != lang and sv.last_turn.turn == 0):
                sv = self.start(lang)
            elif sv.language != lang:
                sv.view.add_notice(self.t("language_follow", lang))
            return (*relabel, *self.refresh(sv, lang))
        except Exception as exc:
            return (*relabel, *self._fail_refresh(sv, exc, lang))

    # -- API-only endpoints ---------------------------------------------------------------------
    def api_chat(self, message: str, sv: SessionView | None) -> tuple[str, SessionView | None]:
        """`/chat`: the coach's reply to `message` in this client's own session."""
        try:
            sv = self.ensure(sv)
            turn = self.coach.reply(sv.session_id, message)
            sv.last_turn, sv.language = turn, turn.language
            sv.view.add_user(message)
            sv.view.add_turn(turn, self.ui)
            return render.api_reply(turn), sv
        except Exception as exc:
            if not isinstance(exc, SessionNotFound):
                log.exception("api chat failed")
            return render.friendly_error(exc, self.ui, sv.language if sv else "nl"), sv

    def api_chat_json(
        self, message: str, sv: SessionView | None
    ) -> tuple[dict[str, Any], SessionView | None]:
        """`/chat_json`: the same turn as a dict (phase, citations, progress, suggestions...)."""
        try:
            sv = self.ensure(sv)
            turn = self.coach.reply(sv.session_id, message)
            sv.last_turn, sv.language = turn, turn.language
            sv.view.add_user(message)
            sv.view.add_turn(turn, self.ui)
            return turn.to_dict(), sv
        except Exception as exc:
            if not isinstance(exc, SessionNotFound):
                log.exception("api chat failed")
            return {"error": render.friendly_error(exc, self.ui, sv.language if sv else "nl")}, sv

    def api_start(
        self, language: str, card: str, sv: SessionView | None
    ) -> tuple[str, SessionView | None]:
        """`/start`: a new session for this client in `language` (nl/en) on `card` ("": default)."""
        try:
            sv = self.start("en" if language == "en" else "nl", card or None)
            return render.api_reply(sv.last_turn), sv
        except Exception as exc:
            return render.friendly_error(exc, self.ui, language), sv

    def api_summary(self, sv: SessionView | None) -> str:
        """`/summary`: the Markdown export (summary, transcript, citations, feedback)."""
        if sv is None:
            return ""
        try:
            return self.coach.export_markdown(sv.session_id)
        except Exception as exc:
            return render.friendly_error(exc, self.ui, sv.language)

    # -- layout -------------------------------------------------------------------------------
    def build(self) -> gr.Blocks:
        from coach.ui.evaluator import evaluator_tab
        from coach.ui.plan_tab import plan_tab

        t = self.t
        with gr.Blocks(
            title=t("app_title"),
            analytics_enabled=False,
            fill_width=False,
            delete_cache=(3600, 86400),
        ) as app:
            state = gr.State(None)
            with gr.Row(equal_height=True):
                header = gr.Markdown(
                    f"## {t('app_title')}\n{t('app_subtitle')}", elem_id="bc-header", scale=4
                )
                language = gr.Radio(
                    [("Nederlands", "nl"), ("English", "en")],
                    value="nl",
                    label=t("language_label"),
                    scale=1,
                    min_width=240,
                    elem_id="bc-language",
                )
                self.label(language, label="language_label")
            with gr.Tabs():
                with gr.Tab(t("tab_reflect"), id="reflect") as tab_reflect:
                    progress = gr.HTML(elem_id="bc-progress")
                    with gr.Row():
                        with gr.Column(scale=3):
                            chatbot = gr.Chatbot(
                                label=t("chat_label"),
                                show_label=False,
                                height=CHAT_HEIGHT,
                                elem_id="bc-chat",
                                sanitize_html=True,
                                allow_tags=False,
                                render_markdown=True,
                                feedback_options=("Like", "Dislike"),
                                group_consecutive_messages=True,
                                buttons=["copy"],
                                layout="bubble",
                            )
                            self.label(chatbot, label="chat_label")
                            with gr.Row():
                                box = gr.Textbox(
                                    show_label=False,
                                    placeholder=t("input_placeholder"),
                                    scale=5,
                                    lines=1,
                                    max_lines=6,
                                    autofocus=True,
                                    elem_id="bc-input",
                                    submit_btn=False,
                                )
                                self.label(box, placeholder="input_placeholder")
                                send = self.label(
                                    gr.Button(
                                        t("send"),
                                        variant="primary",
                                        scale=1,
                                        min_width=100,
                                        elem_id="bc-send",
                                    ),
                                    value="send",
                                )
                            with gr.Row(elem_id="bc-suggestions"):
                                suggestion_buttons = [
                                    gr.Button(
                                        visible=False, size="sm", elem_classes=["bc-suggestion"]
                                    )
                                    for _ in range(N_SUGGESTIONS)
                                ]
                            with gr.Row(elem_id="bc-commands"):
                                commands = {
                                    key: self.label(
                                        gr.Button(
                                            t(f"cmd_{key}"),
                                            size="sm",
                                            variant="secondary",
                                            elem_id=f"bc-cmd-{key}",
                                        ),
                                        value=f"cmd_{key}",
                                    )
                                    for key in ("skip", "back", "summary")
                                }
                        with gr.Column(scale=2, min_width=300):
                            with gr.Group(visible=False, elem_id="bc-balance") as balance_box:
                                balance_title = self.label(
                                    gr.Markdown(f"**{t('balance_title')}**", padding=True)
                                )
                                sliders = [
                                    self.label(
                                        gr.Slider(
                                            1,
                                            5,
                                            value=3,
                                            step=1,
                                            label=t(f"rating_{key}"),
                                            elem_id=f"bc-rate-{key}",
                                        ),
                                        label=f"rating_{key}",
                                    )
                                    for key in render.RATING_KEYS
                                ]
                                rate = self.label(
                                    gr.Button(
                                        t("ratings_submit"),
                                        variant="primary",
                                        size="sm",
                                        elem_id="bc-rate",
                                    ),
                                    value="ratings_submit",
                                )
                            chart = gr.HTML(visible=False, elem_id="bc-chart", padding=True)
                            with gr.Accordion(t("session_title"), open=True) as session_box:
                                code = self.label(
                                    gr.Textbox(
                                        label=t("session_id_label"),
                                        interactive=False,
                                        buttons=["copy"],
                                        elem_id="bc-session-code",
                                    ),
                                    label="session_id_label",
                                )
                                download = self.label(
                                    gr.DownloadButton(
                                        t("download_summary"), size="sm", elem_id="bc-download"
                                    ),
                                    label="download_summary",
                                )
                                new = self.label(
                                    gr.Button(t("new_session"), size="sm", elem_id="bc-new"),
                                    value="new_session",
                                )
                                resume_code = self.label(
                                    gr.Textbox(
                                        label=t("resume_label"),
                                        placeholder=t("resume_placeholder"),
                                        elem_id="bc-resume-code",
                                    ),
                                    label="resume_label",
                                    placeholder="resume_placeholder",
                                )
                                resume = self.label(
                                    gr.Button(t("resume_button"), size="sm", elem_id="bc-resume"),
                                    value="resume_button",
                                )
                                delete = self.label(
                                    gr.Button(
                                        t("delete_button"),
                                        size="sm",
                                        variant="stop",
                                        elem_id="bc-delete",
                                    ),
                                    value="delete_button",
                                )
                                with gr.Group(
                                    visible=False, elem_id="bc-delete-confirm"
                                ) as confirm_box:
                                    confirm_text = self.label(
                                        gr.Markdown(t("delete_confirm"), padding=True)
                                    )
                                    with gr.Row():
                                        yes = self.label(
                                            gr.Button(
                                                t("delete_yes"),
                                                variant="stop",
                                                size="sm",
                                                elem_id="bc-delete-yes",
                                            ),
                                            value="delete_yes",
                                        )
                                        no = self.label(
                                            gr.Button(
                                                t("delete_cancel"),
                                                size="sm",
                                                elem_id="bc-delete-no",
                                            ),
                                            value="delete_cancel",
                                        )
                            with gr.Accordion(t("feedback_title"), open=False) as feedback_box:
                                feedback_hint = self.label(gr.Markdown(t("feedback_hint")))
                                feedback_text = self.label(
                                    gr.Textbox(
                                        label=t("feedback_comment"),
                                        lines=2,
                                        elem_id="bc-feedback-comment",
                                    ),
                                    label="feedback_comment",
                                )
                                feedback_save = self.label(
                                    gr.Button(
                                        t("feedback_save"), size="sm", elem_id="bc-feedback-save"
                                    ),
                                    value="feedback_save",
                                )
                                feedback_status = gr.Markdown(elem_id="bc-feedback-status")
                    self.label(tab_reflect, label="tab_reflect")
                    self.label(session_box, label="session_title")
                    self.label(feedback_box, label="feedback_title")
                with gr.Tab(t("tab_facilitator"), id="facilitator") as tab_plan:
                    plan_tab(self.coach, self.ui, language, self.exports_dir, self.label)
                self.label(tab_plan, label="tab_facilitator")
                with gr.Tab(t("tab_evaluate"), id="evaluate") as tab_eval:
                    evaluator_tab(self.coach)
                self.label(tab_eval, label="tab_evaluate")
            # API-only plumbing: hidden components behind stable endpoint names.
            with gr.Group(visible=False):
                api_message = gr.Textbox()
                api_reply = gr.Textbox()
                api_json = gr.JSON()
                api_language = gr.Textbox(value="nl")
                api_card = gr.Textbox()
                api_summary = gr.Textbox()
                api_trigger = gr.Button()

            view_outputs = [
                chatbot,
                state,
                progress,
                *suggestion_buttons,
                balance_box,
                chart,
                code,
                download,
            ]
            # UI events are private (not part of the API). `busy` shows one quiet spinner on
            # the chat instead of a timer over every output; `quiet` shows none.
            private: dict[str, Any] = {"api_visibility": "private"}
            quiet: dict[str, Any] = {**private, "show_progress": "hidden"}
            busy: dict[str, Any] = {
                **private,
                "show_progress": "minimal",
                "show_progress_on": chatbot,
            }
            respond = (self.respond, [pending := gr.State(""), state, language], view_outputs)

            app.load(self.on_load, [state, language], view_outputs, **busy)
            for trigger in (box.submit, send.click):
                trigger(
                    self.echo, [box, state], [chatbot, box, pending], queue=False, **quiet
                ).then(*respond, **busy)
            for button in suggestion_buttons:
                button.click(
                    self.suggestion, [button, state], [chatbot, pending], queue=False, **quiet
                ).then(*respond, **busy)
            for key, button in commands.items():
                button.click(
                    self.command(key), [state, language], [chatbot, pending], queue=False, **quiet
                ).then(*respond, **busy)
            rate.click(
                self.ratings, [*sliders, state, language], [chatbot, pending], queue=False, **quiet
            ).then(*respond, **busy)
            new.click(self.new_session, [state, language], view_outputs, **busy)
            resume.click(self.resume, [resume_code, state, language], view_outputs, **busy).then(
                lambda: "", None, resume_code, **quiet
            )
            delete.click(lambda: gr.update(visible=True), None, confirm_box, queue=False, **quiet)
            no.click(lambda: gr.update(visible=False), None, confirm_box, queue=False, **quiet)
            yes.click(self.delete, [state, language], view_outputs, **busy).then(
                lambda: gr.update(visible=False), None, confirm_box, **quiet
            )
            chatbot.clear(self.new_session, [state, language], view_outputs, **busy)
            chatbot.like(self.like, [state], [state, feedback_status], **quiet)
            feedback_save.click(
                self.comment,
                [feedback_text, state],
                [state, feedback_status, feedback_text, download],
                **quiet,
            )
            relabelled = [item.component for item in self.labelled]
            language.change(
                self.switch_language,
                [language, state],
                [header, *relabelled, *view_outputs],
                **quiet,
            )
            del balance_title, confirm_text, feedback_hint

            api_trigger.click(
                self.api_chat,
                [api_message, state],
                [api_reply, state],
                api_name="chat",
                api_description="Send one message; returns the coach's reply as text.",
            )
            api_trigger.click(
                self.api_chat_json,
                [api_message, state],
                [api_json, state],
                api_name="chat_json",
                api_description="Send one message; returns the coach's turn as JSON.",
            )
            api_trigger.click(
                self.api_start,
                [api_language, api_card, state],
                [api_reply, state],
                api_name="start",
                api_description="Start a new session (language nl/en, card id or '').",
            )
            api_trigger.click(
                self.api_summary,
                [state],
                [api_summary],
                api_name="summary",
                api_description="The session's Markdown export.",
            )
        # Only the documented endpoints are public; anything a tab adds without saying so
        # (e.g. the evaluator's run button) is kept off the API.
        for fn in app.fns.values():
            if fn.api_name not in PUBLIC_ENDPOINTS:
                fn.api_visibility = "private"
        app.queue(default_concurrency_limit=16)
        return app


def create_app(
    coach: Coach, *, ui: UiText | None = None, exports_dir: Path | None = None
) -> gr.Blocks:
    """Build (not launch) the web app over a coach."""
    ui = ui or render.load_ui_text(coach.settings.prompts_dir)
    folder = exports_dir or Path(tempfile.mkdtemp(prefix="balanscoach-exports-"))
    return _ChatApp(coach, ui, folder).build()


APP_CSS = """
#bc-header h2 { margin-bottom: 0.2em; }
#bc-suggestions, #bc-commands { gap: 6px; flex-wrap: wrap; }
#bc-suggestions button, #bc-commands button { flex: 0 1 auto; min-width: 0; }
"""


def launch_options() -> dict[str, Any]:
    """Theme and CSS (passed at launch() in Gradio 6)."""
    # System fonts only: the app must not fetch anything from the internet.
    theme = gr.themes.Soft(
        primary_hue="emerald",
        neutral_hue="slate",
        font=["system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "Consolas", "monospace"],
    )
    return {"theme": theme, "css": APP_CSS, "footer_links": ["api", "settings"]}


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """'user:password' → (user, password); None when login is off."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        from coach.errors import ConfigError

        raise ConfigError('COACH_AUTH must look like "user:password" (both parts non-empty).')
    return user, password


def launch_app(
    app: gr.Blocks, coach: Coach, *, host: str, port: int, block: bool = True, quiet: bool = False
) -> str:
    """Start the server (analytics off, optional login) and return its local URL."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    _, url, _ = app.launch(
        server_name=host,
        server_port=port,
        auth=parse_auth(coach.settings.auth),
        share=False,
        show_error=False,
        prevent_thread_lock=True,
        quiet=quiet,
        **launch_options(),
    )
    if block:
        app.block_thread()
    return str(url)
