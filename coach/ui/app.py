"""The Gradio web app: a thin adapter over `Coach`.

`create_app(coach)` only builds the Blocks: the layout, and each event wired
to its handler. `launch_app()` (in `coach.ui.launch`, importable from here)
starts it (theme, analytics off, auth) — tests start the same app on a free
port. Every user's conversation lives in a per-session `gr.State` (a
`SessionView`), so two browsers or two `gradio_client.Client`s never share
one; the app object holds no user data. What the user sees is computed by the
pure functions in `coach.ui.render`; the handlers (`coach.ui.handlers`) only
call the library, catch errors at the edge (a labelled notice beside the chat,
never a traceback), and route values. Each tab lays itself out:
`coach.ui.reflect`, `coach.ui.plan_tab`, `coach.ui.evaluator`.

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

from coach.rounds.service import TeamRounds
from coach.rounds.texts import load_round_texts
from coach.ui import render
from coach.ui.api import ChatApi, hide_private_endpoints
from coach.ui.edge import ServerEdge
from coach.ui.exports import ExportFolder
from coach.ui.handlers import ChatHandlers
from coach.ui.labels import Labels
from coach.ui.launch import APP_CSS, launch_app, launch_options, parse_auth
from coach.ui.reflect import ReflectTab
from coach.ui.render import UiText
from coach.ui.round_api import RoundApi, with_round_labels

if TYPE_CHECKING:
    from coach.service import Coach

__all__ = [
    "APP_CSS",
    "create_app",
    "launch_app",
    "launch_options",
    "parse_auth",
]


class CoachBlocks(gr.Blocks):
    """gr.Blocks whose every launch goes through the server edge (see the module docstring)."""

    edge: ServerEdge | None = None

    def launch(self, *args: Any, **kwargs: Any) -> Any:
        if self.edge is not None:
            kwargs = self.edge.launch_kwargs(kwargs)
        return super().launch(*args, **kwargs)


class _ChatApp:
    """Lays out the header and the tabs; each tab wires its own events."""

    def __init__(self, coach: Coach, ui: UiText, exports: ExportFolder) -> None:
        self.labels = Labels(ui)
        self.handlers = ChatHandlers(coach, ui, exports, self.labels)
        self.api = ChatApi(self.handlers)
        self.rounds = TeamRounds(coach)
        self.round_api = RoundApi(self.handlers, self.rounds)

    def build(self) -> CoachBlocks:
        from coach.ui.evaluator import evaluator_tab
        from coach.ui.plan_tab import plan_tab
        from coach.ui.round_facilitator import round_panel
        from coach.ui.round_tab import RoundPartnerTab

        h = self.handlers
        label = self.labels.label
        t = h.t
        settings = h.coach.settings
        reflect = ReflectTab(h, label)
        partner = RoundPartnerTab(h, self.rounds, label)
        with CoachBlocks(
            title=t("app_title"),
            analytics_enabled=False,
            fill_width=False,
            delete_cache=(3600, 86400),
        ) as app:
            # Forgotten after idle_timeout without an event; `forget` removes its download file.
            state = gr.State(None, time_to_live=settings.idle_timeout, delete_callback=h.forget)
            with gr.Row(elem_id="bc-top"):
                header = gr.Markdown(render.header_markdown(h.ui, "nl"), elem_id="bc-header")
                language = gr.Radio(
                    [("Nederlands", "nl"), ("English", "en")],
                    value="nl",
                    label=t("language_label"),
                    elem_id="bc-language",
                )
                label(language, label="language_label")
            with gr.Tabs(elem_id="bc-tabs") as tabs:
                with gr.Tab(t("tab_reflect"), id="reflect") as tab_reflect:
                    reflect.build(state, language)
                label(tab_reflect, label="tab_reflect")
                with gr.Tab(t("round_tab"), id="round") as tab_round:
                    partner.build()
                label(tab_round, label="round_tab")
                with gr.Tab(t("tab_facilitator"), id="facilitator") as tab_plan:
                    plan_tab(h.coach, h.ui, language, h.exports, label)
                    round_panel(h.coach, self.rounds, h.ui, language, h.exports, label)
                label(tab_plan, label="tab_facilitator")
                with gr.Tab(t("tab_evaluate"), id="evaluate") as tab_eval:
                    evaluator_tab(h.coach, h.ui, language, h.exports, label)
                label(tab_eval, label="tab_evaluate")
            reflect.wire(app, language, header)
            partner.wire(state, language, tabs, tab_round, reflect.outputs(), h.refresh)
            self.api.register(state)
            self.round_api.register(state)
        hide_private_endpoints(app)
        app.queue(default_concurrency_limit=16)
        return app


def create_app(
    coach: Coach, *, ui: UiText | None = None, exports_dir: Path | None = None
) -> CoachBlocks:
    """Build (not launch) the web app over a coach; downloads go under `exports_dir`
    (default `$COACH_HOME/exports`), in a folder of this server's own."""
    ui = with_round_labels(
        ui or render.load_ui_text(coach.settings.prompts_dir),
        load_round_texts(coach.settings.prompts_dir),
    )
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
