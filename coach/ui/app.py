"""The Gradio web app: a thin adapter over `Coach`.

`create_app(coach)` only builds the Blocks: the layout, and each event wired
to its handler. `launch_app()` (in `coach.ui.launch`, importable from here)
starts it (theme, analytics off, auth) — tests start the same app on a free
port. Every user's conversation lives in a per-session `gr.State` (a
`SessionView`), so two browsers or two `gradio_client.Client`s never share
one; the app object holds no user data. What the user sees is computed by the
pure functions in `coach.ui.render`; the handlers (`coach.ui.handlers`) only
call the library, catch errors at the edge (a friendly notice in the chat,
never a traceback), and route values.

Public API (for `gradio_client`, see `coach.ui.api`): `/chat` (message → reply
text), `/chat_json` (message → the turn as a dict), `/start` (language, card →
greeting), `/summary` (→ Markdown export). UI-internal events are private.

The app is a `CoachBlocks`: however it is launched (`coach serve`, a test, a
benchmark), its `launch()` puts the server behind `coach.ui.edge` (requests over
`max_request_chars` refused before Gradio reads them, idle sessions forgotten)
and serves downloads from the export folder under `$COACH_HOME` (`coach.ui.exports`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from coach.ui import render
from coach.ui.api import ChatApi, hide_private_endpoints
from coach.ui.edge import ServerEdge
from coach.ui.exports import ExportFolder
from coach.ui.handlers import N_SUGGESTIONS, ChatHandlers
from coach.ui.labels import Labels
from coach.ui.launch import APP_CSS, launch_app, launch_options, parse_auth
from coach.ui.render import UiText

if TYPE_CHECKING:
    from coach.service import Coach

__all__ = [
    "APP_CSS",
    "create_app",
    "launch_app",
    "launch_options",
    "parse_auth",
]

CHAT_HEIGHT = 560
SESSION_CODE_CHARS = 64  # session codes are 22 characters


class CoachBlocks(gr.Blocks):
    """gr.Blocks whose every launch goes through the server edge (see the module docstring)."""

    edge: ServerEdge | None = None

    def launch(self, *args: Any, **kwargs: Any) -> Any:
        if self.edge is not None:
            kwargs = self.edge.launch_kwargs(kwargs)
        return super().launch(*args, **kwargs)


class _ChatApp:
    """Lays out the Blocks and wires each event to its handler or API endpoint."""

    def __init__(self, coach: Coach, ui: UiText, exports: ExportFolder) -> None:
        self.labels = Labels(ui)
        self.handlers = ChatHandlers(coach, ui, exports, self.labels)
        self.api = ChatApi(self.handlers)

    def build(self) -> CoachBlocks:
        from coach.ui.evaluator import evaluator_tab
        from coach.ui.plan_tab import plan_tab

        h = self.handlers
        label = self.labels.label
        t = h.t
        settings = h.coach.settings
        with CoachBlocks(
            title=t("app_title"),
            analytics_enabled=False,
            fill_width=False,
            delete_cache=(3600, 86400),
        ) as app:
            # Forgotten after idle_timeout without an event; `forget` removes its download file.
            state = gr.State(None, time_to_live=settings.idle_timeout, delete_callback=h.forget)
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
                label(language, label="language_label")
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
                            label(chatbot, label="chat_label")
                            with gr.Row():
                                box = gr.Textbox(
                                    show_label=False,
                                    placeholder=t("input_placeholder"),
                                    scale=5,
                                    lines=1,
                                    max_lines=6,
                                    autofocus=True,
                                    max_length=settings.max_request_chars,
                                    elem_id="bc-input",
                                    submit_btn=False,
                                )
                                label(box, placeholder="input_placeholder")
                                send = label(
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
                                    key: label(
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
                                balance_title = label(
                                    gr.Markdown(f"**{t('balance_title')}**", padding=True)
                                )
                                sliders = [
                                    label(
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
                                rate = label(
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
                                code = label(
                                    gr.Textbox(
                                        label=t("session_id_label"),
                                        interactive=False,
                                        buttons=["copy"],
                                        elem_id="bc-session-code",
                                    ),
                                    label="session_id_label",
                                )
                                download = label(
                                    gr.DownloadButton(
                                        t("download_summary"), size="sm", elem_id="bc-download"
                                    ),
                                    label="download_summary",
                                )
                                new = label(
                                    gr.Button(t("new_session"), size="sm", elem_id="bc-new"),
                                    value="new_session",
                                )
                                resume_code = label(
                                    gr.Textbox(
                                        label=t("resume_label"),
                                        placeholder=t("resume_placeholder"),
                                        max_length=SESSION_CODE_CHARS,
                                        elem_id="bc-resume-code",
                                    ),
                                    label="resume_label",
                                    placeholder="resume_placeholder",
                                )
                                resume = label(
                                    gr.Button(t("resume_button"), size="sm", elem_id="bc-resume"),
                                    value="resume_button",
                                )
                                delete = label(
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
                                    confirm_text = label(
                                        gr.Markdown(t("delete_confirm"), padding=True)
                                    )
                                    with gr.Row():
                                        yes = label(
                                            gr.Button(
                                                t("delete_yes"),
                                                variant="stop",
                                                size="sm",
                                                elem_id="bc-delete-yes",
                                            ),
                                            value="delete_yes",
                                        )
                                        no = label(
                                            gr.Button(
                                                t("delete_cancel"),
                                                size="sm",
                                                elem_id="bc-delete-no",
                                            ),
                                            value="delete_cancel",
                                        )
                            with gr.Accordion(t("feedback_title"), open=False) as feedback_box:
                                feedback_hint = label(gr.Markdown(t("feedback_hint")))
                                feedback_text = label(
                                    gr.Textbox(
                                        label=t("feedback_comment"),
                                        lines=2,
                                        max_length=settings.max_message_chars,
                                        elem_id="bc-feedback-comment",
                                    ),
                                    label="feedback_comment",
                                )
                                feedback_save = label(
                                    gr.Button(
                                        t("feedback_save"), size="sm", elem_id="bc-feedback-save"
                                    ),
                                    value="feedback_save",
                                )
                                feedback_status = gr.Markdown(elem_id="bc-feedback-status")
                    label(tab_reflect, label="tab_reflect")
                    label(session_box, label="session_title")
                    label(feedback_box, label="feedback_title")
                with gr.Tab(t("tab_facilitator"), id="facilitator") as tab_plan:
                    plan_tab(h.coach, h.ui, language, h.exports, label)
                label(tab_plan, label="tab_facilitator")
                with gr.Tab(t("tab_evaluate"), id="evaluate") as tab_eval:
                    evaluator_tab(h.coach, h.exports)
                label(tab_eval, label="tab_evaluate")

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
            h.exports.serve_from_here(download)
            pending = gr.State("", time_to_live=settings.idle_timeout)
            # `code` lets a browser whose state Gradio forgot continue its conversation.
            respond = (h.respond, [pending, state, language, code], view_outputs)

            app.load(h.on_load, [state, language], view_outputs, **busy)
            for trigger in (box.submit, send.click):
                trigger(h.echo, [box, state], [chatbot, box, pending], queue=False, **quiet).then(
                    *respond, **busy
                )
            for button in suggestion_buttons:
                button.click(
                    h.suggestion, [button, state], [chatbot, pending], queue=False, **quiet
                ).then(*respond, **busy)
            for key, button in commands.items():
                button.click(
                    h.command(key), [state, language], [chatbot, pending], queue=False, **quiet
                ).then(*respond, **busy)
            rate.click(
                h.ratings, [*sliders, state, language], [chatbot, pending], queue=False, **quiet
            ).then(*respond, **busy)
            new.click(h.new_session, [state, language], view_outputs, **busy)
            resume.click(h.resume, [resume_code, state, language], view_outputs, **busy).then(
                lambda: "", None, resume_code, **quiet
            )
            delete.click(lambda: gr.update(visible=True), None, confirm_box, queue=False, **quiet)
            no.click(lambda: gr.update(visible=False), None, confirm_box, queue=False, **quiet)
            yes.click(h.delete, [state, language, code], view_outputs, **busy).then(
                lambda: gr.update(visible=False), None, confirm_box, **quiet
            )
            chatbot.clear(h.new_session, [state, language], view_outputs, **busy)
            chatbot.like(h.like, [state], [state, feedback_status], **quiet)
            feedback_save.click(
                h.comment,
                [feedback_text, state],
                [state, feedback_status, feedback_text, download],
                **quiet,
            )
            relabelled = [item.component for item in self.labels.items]
            language.change(
                h.switch_language,
                [language, state, code],
                [header, *relabelled, *view_outputs],
                **quiet,
            )
            del balance_title, confirm_text, feedback_hint

            self.api.register(state)
        hide_private_endpoints(app)
        app.queue(default_concurrency_limit=16)
        return app


def create_app(
    coach: Coach, *, ui: UiText | None = None, exports_dir: Path | None = None
) -> CoachBlocks:
    """Build (not launch) the web app over a coach; downloads go under `exports_dir`
    (default `$COACH_HOME/exports`), in a folder of this server's own."""
    ui = ui or render.load_ui_text(coach.settings.prompts_dir)
    exports = ExportFolder(exports_dir or coach.settings.home / "exports")
    app = _ChatApp(coach, ui, exports).build()
    limit = coach.settings.max_request_chars
    app.edge = ServerEdge(
        max_chars=limit,
        idle_timeout=coach.settings.idle_timeout,
        exports=exports,
        refusal=lambda lang: ui.get("request_too_long", lang, limit=limit),
    )
    return app
