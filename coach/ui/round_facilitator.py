"""The Facilitator tab's team-round panel: create, open, close, report, export, plan.

A thin form over `coach.rounds.service.TeamRounds` and `coach.rounds.plan`. The
report shows the charts (inline SVG with a table beside each, from
`coach.rounds.charts`) above the Markdown report; the report, the scores (CSV)
and the plan download as files. After "create", the round id and the key are
filled in here, in this browser only; the key is never shown again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import gradio as gr

from coach.errors import CoachError
from coach.rounds.plan import make_round_plan
from coach.rounds.service import TeamRounds
from coach.ui import render
from coach.ui.exports import ExportFolder
from coach.ui.render import UiText

if TYPE_CHECKING:
    from coach.service import Coach

log = logging.getLogger(__name__)


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "nl"


def round_panel(
    coach: Coach,
    rounds: TeamRounds,
    ui: UiText,
    language: gr.Radio,
    exports: ExportFolder,
    label: Callable[..., Any],
) -> None:
    """Build and wire the team-round panel in the current (Facilitator) tab."""

    def t(name: str, lang: str = "nl", **values: Any) -> str:
        return ui.get(name, lang, **values)

    def fail(exc: Exception, lang: str) -> str:
        if not isinstance(exc, CoachError):
            log.exception("round panel failed")
        return render.friendly_error(exc, ui, lang)

    choices = [(title, cid) for cid, title in coach.card_titles()]
    default = coach.settings.default_card if coach.settings.default_card in coach.cards else None
    with gr.Accordion(t("round_fac_title"), open=True, elem_id="bc-fac") as box:
        label(gr.Markdown(t("round_fac_intro")), value="round_fac_intro")
        with gr.Row():
            with gr.Column(scale=2, min_width=300):
                name = label(
                    gr.Textbox(label=t("round_name"), max_length=120, elem_id="bc-fac-name"),
                    label="round_name",
                )
                card = label(
                    gr.Dropdown(choices, value=default, label=t("round_card"),
                                elem_id="bc-fac-card"),
                    label="round_card",
                )  # fmt: skip
                organisations = label(
                    gr.Textbox(label=t("round_organisations"), lines=3, max_length=2000,
                               elem_id="bc-fac-orgs"),
                    label="round_organisations",
                )  # fmt: skip
                days = label(
                    gr.Slider(1, 60, value=14, step=1, label=t("round_days"),
                              elem_id="bc-fac-days"),
                    label="round_days",
                )  # fmt: skip
                create = label(
                    gr.Button(t("round_create"), variant="primary", elem_id="bc-fac-create"),
                    value="round_create",
                )
                created = gr.Markdown(elem_id="bc-fac-created", padding=True)
                round_id = label(
                    gr.Textbox(label=t("round_id"), placeholder=t("round_id_placeholder"),
                               max_length=64, elem_id="bc-fac-round"),
                    label="round_id",
                    placeholder="round_id_placeholder",
                )  # fmt: skip
                key = label(
                    gr.Textbox(label=t("round_key"), type="password", max_length=200,
                               elem_id="bc-fac-key"),
                    label="round_key",
                )  # fmt: skip
                with gr.Row():
                    show = label(
                        gr.Button(t("round_report"), variant="primary", size="sm",
                                  elem_id="bc-fac-report"),
                        value="round_report",
                    )  # fmt: skip
                    plan = label(
                        gr.Button(t("round_plan"), size="sm", elem_id="bc-fac-plan"),
                        value="round_plan",
                    )
                with gr.Row():
                    open_next = label(
                        gr.Button(t("round_open_next"), size="sm", elem_id="bc-fac-open"),
                        value="round_open_next",
                    )
                    close = label(
                        gr.Button(t("round_close"), size="sm", variant="stop",
                                  elem_id="bc-fac-close"),
                        value="round_close",
                    )  # fmt: skip
                with gr.Row():
                    download_report = label(
                        gr.DownloadButton(t("round_download_report"), visible=False, size="sm",
                                          elem_id="bc-fac-download-report"),
                        label="round_download_report",
                    )  # fmt: skip
                    download_csv = label(
                        gr.DownloadButton(t("round_download_csv"), visible=False, size="sm",
                                          elem_id="bc-fac-download-csv"),
                        label="round_download_csv",
                    )  # fmt: skip
                    download_plan = label(
                        gr.DownloadButton(t("plan_download"), visible=False, size="sm",
                                          elem_id="bc-fac-download-plan"),
                        label="plan_download",
                    )  # fmt: skip
                exports.serve_from_here(download_report, download_csv, download_plan)
            with gr.Column(scale=3):
                charts = gr.HTML(elem_id="bc-fac-charts", padding=True)
                output = gr.Markdown(t("round_report_empty"), elem_id="bc-fac-output",
                                     padding=True)  # fmt: skip
    label(box, label="round_fac_title")

    def on_create(
        title: str, card_id: str | None, orgs: str, length: float, lang: str
    ) -> tuple[Any, ...]:
        lang = _lang(lang)
        try:
            names = [line.strip() for line in (orgs or "").splitlines() if line.strip()]
            opened = rounds.create(title, card_id or None, names, days=int(length or 14))
        except Exception as exc:
            return fail(exc, lang), gr.update(), gr.update()
        text = t("round_created", lang, round=opened.round_id, closes=opened.closes_on,
                 join=opened.join_code, secret=opened.facilitator_key or "")  # fmt: skip
        return text, opened.round_id, opened.facilitator_key

    def on_open(ref: str, secret: str, length: float, lang: str) -> tuple[Any, ...]:
        lang = _lang(lang)
        try:
            opened = rounds.open_next(ref, secret, days=int(length or 14))
        except Exception as exc:
            return fail(exc, lang), gr.update()
        text = t("round_opened", lang, round=opened.round_id, closes=opened.closes_on,
                 join=opened.join_code)  # fmt: skip
        return text, opened.round_id

    def on_close(ref: str, secret: str, lang: str) -> str:
        lang = _lang(lang)
        try:
            status = rounds.close(ref, secret)
        except Exception as exc:
            return fail(exc, lang)
        return t("round_closed_now", lang, round=status.round_id)

    def on_report(ref: str, secret: str, lang: str) -> tuple[Any, ...]:
        lang = _lang(lang)
        hidden = gr.update(visible=False)
        try:
            report = rounds.report(ref, secret, lang)
            markdown = rounds.report_markdown(ref, secret, lang)
            csv_text = rounds.export_csv(ref, secret)
        except Exception as exc:
            return "", fail(exc, lang), hidden, hidden
        stem = f"{ui.get('round_tab', lang)}-{report.facts.round_id}".replace(" ", "-").lower()
        report_path = exports.write("rounds", f"{stem}.md", markdown)
        csv_path = exports.write("rounds", f"{stem}.csv", csv_text)
        return (
            rounds.charts_html(report, lang),
            markdown,
            gr.update(value=report_path, visible=True),
            gr.update(value=csv_path, visible=True),
        )

    def on_plan(ref: str, secret: str, lang: str) -> tuple[Any, ...]:
        lang = _lang(lang)
        try:
            markdown = make_round_plan(rounds, ref, secret, 90, lang).to_markdown()
        except Exception as exc:
            return fail(exc, lang), gr.update(visible=False)
        path = exports.write("plans", f"{ui.get('file_plan', lang)}.md", markdown)
        return markdown, gr.update(value=path, visible=True)

    private: dict[str, Any] = {"api_visibility": "private"}
    create.click(on_create, [name, card, organisations, days, language],
                 [created, round_id, key], **private)  # fmt: skip
    open_next.click(on_open, [round_id, key, days, language], [created, round_id], **private)
    close.click(on_close, [round_id, key, language], [created], **private)
    show.click(on_report, [round_id, key, language],
               [charts, output, download_report, download_csv], **private)  # fmt: skip
    plan.click(on_plan, [round_id, key, language], [output, download_plan], **private)
