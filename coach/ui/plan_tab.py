"""Facilitator tab: the form around `coach.plan.make_plan`, nothing more.

The plan itself (agenda, exercises, grounded readings, Markdown) is built by
the library, so the CLI's `coach plan` and this tab produce the same document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import gradio as gr

from coach.errors import CoachError
from coach.plan import make_plan
from coach.service import clean_user_text
from coach.ui import render
from coach.ui.exports import ExportFolder
from coach.ui.render import UiText

if TYPE_CHECKING:
    from coach.service import Coach

log = logging.getLogger(__name__)


def plan_tab(
    coach: Coach,
    ui: UiText,
    language: gr.Radio,
    exports: ExportFolder,
    label: Callable[..., Any],
) -> None:
    """Build the facilitator form in the current Tab; `label` registers what gets relabelled."""

    def t(key: str) -> str:
        return ui.get(key, "nl")

    choices = [(title, cid) for cid, title in coach.card_titles()]  # titles only: no card loads
    default = coach.settings.default_card if coach.settings.default_card in coach.cards else None
    label(gr.Markdown(t("facilitator_intro")), value="facilitator_intro")
    with gr.Row():
        with gr.Column(scale=2, min_width=300):
            picked = label(
                gr.CheckboxGroup(
                    choices,
                    value=[default] if default else [],
                    label=t("plan_cards"),
                    elem_id="bc-plan-cards",
                ),
                label="plan_cards",
            )
            group = label(
                gr.Slider(2, 40, value=8, step=1, label=t("plan_group"), elem_id="bc-plan-group"),
                label="plan_group",
            )
            minutes = label(
                gr.Slider(
                    30, 240, value=90, step=5, label=t("plan_minutes"), elem_id="bc-plan-minutes"
                ),
                label="plan_minutes",
            )
            context = label(
                gr.Textbox(
                    label=t("plan_context"),
                    placeholder=t("plan_context_placeholder"),
                    lines=4,
                    max_length=2000,
                    elem_id="bc-plan-context",
                ),
                label="plan_context",
                placeholder="plan_context_placeholder",
            )
            make = label(
                gr.Button(t("plan_make"), variant="primary", elem_id="bc-plan-make"),
                value="plan_make",
            )
            download = label(
                gr.DownloadButton(
                    t("plan_download"), visible=False, size="sm", elem_id="bc-plan-download"
                ),
                label="plan_download",
            )
            exports.serve_from_here(download)
        with gr.Column(scale=3):
            output = gr.Markdown(t("plan_empty"), elem_id="bc-plan-output", padding=True)

    def build(
        card_ids: list[str], size: float, length: float, text: str, lang: str
    ) -> tuple[str, Any]:
        lang = "en" if lang == "en" else "nl"
        try:
            context = clean_user_text(text, 2000)[0]  # what cannot be sent back never is
            plan = make_plan(coach, card_ids or [], int(size), int(length), context, lang)
        except Exception as exc:  # the edge: a friendly notice, never a traceback
            if not isinstance(exc, CoachError):
                log.exception("plan failed")
            return render.friendly_error(exc, ui, lang), gr.update(visible=False)
        markdown = plan.to_markdown()
        path = exports.write("plans", f"{ui.get('file_plan', lang)}.md", markdown)
        return markdown, gr.update(value=path, visible=True)

    make.click(
        build,
        [picked, group, minutes, context, language],
        [output, download],
        api_visibility="private",
    )
