"""The Reflect tab: its layout, and each event wired to its handler.

Order matters on a phone, where the two columns stack: the main column holds
what a conversation needs, in the order it is used — where you are, the card,
the chat, a notice, the input, and the current phase's own controls (the three
ratings, the action checkboxes, who/when) — then quick replies and commands.
The side column holds the balance chart and the session tools, folded away on
a narrow screen (`ChatHandlers.on_load` opens them from 768 px on).

Every chat event outputs the fields of `handlers.VIEW`; this module maps each
field to its component, so the handlers never see a component.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from coach.ui import render
from coach.ui.handlers import COMMANDS, N_OWNERS, N_SUGGESTIONS, VIEW, ChatHandlers

SESSION_CODE_CHARS = 64  # session codes are 22 characters
# JS run before the page-load handler: the page's language and the window's width.
# The input takes the focus on a wide screen only: on a phone that would open the
# keyboard and scroll the page past the header.
ON_LOAD_JS = (
    "(state, lang, width) => { document.documentElement.lang = lang || 'nl';"
    " if (window.innerWidth >= 768) document.querySelector('#bc-input textarea')?.focus();"
    " return [state, lang, window.innerWidth]; }"
)


class ReflectTab:
    """Builds the tab inside the current `gr.Tab` and wires it (see the module docstring)."""

    def __init__(self, handlers: ChatHandlers, label: Callable[..., Any]) -> None:
        self.h = handlers
        self.label = label
        self.c: dict[str, Any] = {}  # VIEW field → component

    def build(self, state: gr.State, language: gr.Radio) -> None:
        h, label, c = self.h, self.label, self.c
        t = h.t
        settings = h.coach.settings
        c["state"] = state
        cards = [(card.title, cid) for cid, card in h.coach.cards.items()]
        with gr.Row(elem_id="bc-reflect"):
            with gr.Column(scale=3, min_width=300, elem_id="bc-main"):
                c["progress"] = gr.HTML(elem_id="bc-progress")
                c["card"] = label(
                    gr.Dropdown(
                        cards,
                        value=h.card_id(None),
                        label=t("card_label"),
                        elem_id="bc-card",
                        filterable=False,
                    ),
                    label="card_label",
                )
                c["chat"] = label(
                    gr.Chatbot(
                        label=t("chat_label"),
                        show_label=False,
                        height="min(560px, 58vh)",
                        elem_id="bc-chat",
                        sanitize_html=True,
                        allow_tags=False,
                        render_markdown=True,
                        feedback_options=("Like", "Dislike"),
                        group_consecutive_messages=True,
                        buttons=["copy"],
                        layout="bubble",
                    ),
                    label="chat_label",
                )
                with gr.Group(visible=False, elem_id="bc-feedback") as self.feedback_box:
                    self.feedback_about = gr.Markdown(elem_id="bc-feedback-about", padding=True)
                    self.feedback_text = label(
                        gr.Textbox(
                            label=t("feedback_comment"),
                            lines=2,
                            max_length=settings.max_message_chars,
                            elem_id="bc-feedback-comment",
                        ),
                        label="feedback_comment",
                    )
                    with gr.Row():
                        self.feedback_save = label(
                            gr.Button(t("feedback_save"), size="sm", elem_id="bc-feedback-save"),
                            value="feedback_save",
                        )
                        self.feedback_close = label(
                            gr.Button(t("feedback_close"), size="sm", elem_id="bc-feedback-close"),
                            value="feedback_close",
                        )
                c["notice"] = gr.HTML(elem_id="bc-notice")
                with gr.Row(elem_id="bc-input-row"):
                    self.box = label(
                        gr.Textbox(
                            label=t("input_label"),
                            show_label=False,
                            placeholder=t("input_placeholder"),
                            scale=5,
                            min_width=160,
                            lines=1,
                            max_lines=6,
                            max_length=settings.max_request_chars,
                            elem_id="bc-input",
                            submit_btn=False,
                        ),
                        label="input_label",
                        placeholder="input_placeholder",
                    )
                    self.send = label(
                        gr.Button(
                            t("send"), variant="primary", scale=1, min_width=90, elem_id="bc-send"
                        ),
                        value="send",
                    )
                self._phase_controls(c, label, t)
                with gr.Row(elem_id="bc-suggestions"):
                    for i in range(N_SUGGESTIONS):
                        c[f"suggestion{i}"] = gr.Button(
                            visible=False, size="sm", elem_classes=["bc-suggestion"]
                        )
                with gr.Row(elem_id="bc-commands"):
                    for key in COMMANDS:
                        c[f"cmd_{key}"] = label(
                            gr.Button(
                                t(f"cmd_{key}"),
                                size="sm",
                                variant="secondary",
                                elem_id=f"bc-cmd-{key}",
                            ),
                            value=f"cmd_{key}",
                        )
            with gr.Column(scale=2, min_width=280, elem_id="bc-side"):
                c["chart"] = gr.HTML(visible=False, elem_id="bc-chart", padding=True)
                self._session_panel(c, label, t)

    def _phase_controls(self, c: dict[str, Any], label: Callable[..., Any], t: Any) -> None:
        """The ratings, the action checkboxes and who/when: each shown in its own phase."""
        with gr.Group(visible=False, elem_id="bc-balance") as c["balance"]:
            label(gr.Markdown(f"**{t('balance_title')}**", padding=True), value="balance_title")
            label(gr.Markdown(t("rating_hint"), padding=True), value="rating_hint")
            for key in render.RATING_KEYS:
                c[f"rate_{key}"] = label(
                    gr.Radio(
                        render.rating_choices(),
                        value=None,
                        label=t(f"rating_{key}"),
                        elem_id=f"bc-rate-{key}",
                        elem_classes=["bc-rating"],
                    ),
                    label=f"rating_{key}",
                )
            self.rate = label(
                gr.Button(t("ratings_submit"), variant="primary", elem_id="bc-rate"),
                value="ratings_submit",
            )
        with gr.Group(visible=False, elem_id="bc-actions") as c["actions"]:
            c["action_choice"] = label(
                gr.CheckboxGroup(
                    [],
                    label=t("actions_choose_label"),
                    info=t("actions_hint"),
                    elem_id="bc-action-choice",
                ),
                label="actions_choose_label",
                info="actions_hint",
            )
            self.choose = label(
                gr.Button(t("actions_submit"), variant="primary", elem_id="bc-choose"),
                value="actions_submit",
            )
        with gr.Group(visible=False, elem_id="bc-owners") as c["owners"]:
            label(gr.Markdown(f"**{t('owners_title')}**", padding=True), value="owners_title")
            label(gr.Markdown(t("owners_hint"), padding=True), value="owners_hint")
            for i in range(N_OWNERS):
                with gr.Row():
                    c[f"owner_who{i}"] = label(
                        gr.Textbox(
                            visible=False,
                            placeholder=t("owner_who_placeholder"),
                            max_length=200,
                            min_width=140,
                            elem_id=f"bc-owner-who{i}",
                        ),
                        placeholder="owner_who_placeholder",
                    )
                    c[f"owner_when{i}"] = label(
                        gr.Textbox(
                            visible=False,
                            placeholder=t("owner_when_placeholder"),
                            max_length=200,
                            min_width=140,
                            elem_id=f"bc-owner-when{i}",
                        ),
                        placeholder="owner_when_placeholder",
                    )
            self.owners_save = label(
                gr.Button(t("owners_save"), variant="primary", elem_id="bc-owners-save"),
                value="owners_save",
            )

    def _session_panel(self, c: dict[str, Any], label: Callable[..., Any], t: Any) -> None:
        """Session code, download, new (confirmed), resume, delete (confirmed)."""
        with gr.Accordion(t("session_title"), open=True, elem_id="bc-session") as self.session_box:
            # The code is shown as text (selectable, with a copy button); the hidden box
            # holds it as an input for the events that restore a forgotten state.
            c["code"] = gr.Textbox(visible=False, elem_id="bc-session-code")
            c["code_view"] = gr.HTML(elem_id="bc-session-code-view")
            c["copy"] = label(
                gr.Button(t("copy_code"), size="sm", visible=False, elem_id="bc-copy-code"),
                value="copy_code",
            )
            c["download"] = label(
                gr.DownloadButton(
                    t("download_summary"), size="sm", visible=False, elem_id="bc-download"
                ),
                label="download_summary",
            )
            c["new"] = label(
                gr.Button(t("new_session"), size="sm", visible=False, elem_id="bc-new"),
                value="new_session",
            )
            with gr.Group(visible=False, elem_id="bc-new-confirm") as self.new_confirm:
                self.new_confirm_text = gr.Markdown(padding=True, elem_id="bc-new-confirm-text")
                with gr.Row():
                    self.new_yes = label(
                        gr.Button(t("new_yes"), variant="primary", size="sm", elem_id="bc-new-yes"),
                        value="new_yes",
                    )
                    self.new_no = label(
                        gr.Button(t("new_cancel"), size="sm", elem_id="bc-new-no"),
                        value="new_cancel",
                    )
            self.resume_code = label(
                gr.Textbox(
                    label=t("resume_label"),
                    placeholder=t("resume_placeholder"),
                    max_length=SESSION_CODE_CHARS,
                    elem_id="bc-resume-code",
                ),
                label="resume_label",
                placeholder="resume_placeholder",
            )
            self.resume = label(
                gr.Button(t("resume_button"), size="sm", elem_id="bc-resume"),
                value="resume_button",
            )
            c["delete"] = label(
                gr.Button(
                    t("delete_button"),
                    size="sm",
                    variant="stop",
                    visible=False,
                    elem_id="bc-delete",
                ),
                value="delete_button",
            )
            with gr.Group(visible=False, elem_id="bc-delete-confirm") as self.delete_confirm:
                label(gr.Markdown(t("delete_confirm"), padding=True), value="delete_confirm")
                with gr.Row():
                    self.delete_yes = label(
                        gr.Button(
                            t("delete_yes"), variant="stop", size="sm", elem_id="bc-delete-yes"
                        ),
                        value="delete_yes",
                    )
                    self.delete_no = label(
                        gr.Button(t("delete_cancel"), size="sm", elem_id="bc-delete-no"),
                        value="delete_cancel",
                    )
        label(self.session_box, label="session_title")

    def outputs(self) -> list[Any]:
        """The components of `VIEW`, in order."""
        return [self.c[field] for field in VIEW]

    def wire(self, app: gr.Blocks, language: gr.Radio, header: gr.Markdown) -> None:
        """Every event of the tab. UI events are private (not part of the API). `busy` shows
        one quiet spinner on the chat instead of a timer over every output; `quiet` none."""
        h, c = self.h, self.c
        state, chatbot, notice = c["state"], c["chat"], c["notice"]
        view = self.outputs()
        settings = h.coach.settings
        private: dict[str, Any] = {"api_visibility": "private"}
        quiet: dict[str, Any] = {**private, "show_progress": "hidden"}
        busy: dict[str, Any] = {**private, "show_progress": "minimal", "show_progress_on": chatbot}
        h.exports.serve_from_here(c["download"])
        pending = gr.State("", time_to_live=settings.idle_timeout)
        # `code` lets a browser whose state Gradio forgot continue its conversation.
        respond = (h.respond, [pending, state, language, c["code"]], view)

        width = gr.Number(visible=False, elem_id="bc-width")
        app.load(
            h.on_load, [state, language, width], [*view, self.session_box], js=ON_LOAD_JS, **busy
        )
        for trigger in (self.box.submit, self.send.click):
            trigger(
                h.echo, [self.box, state], [chatbot, self.box, pending], queue=False, **quiet
            ).then(*respond, **busy)
        for i in range(N_SUGGESTIONS):
            button = c[f"suggestion{i}"]
            button.click(
                h.suggestion, [button, state], [chatbot, pending], queue=False, **quiet
            ).then(*respond, **busy)
        for key in COMMANDS:
            c[f"cmd_{key}"].click(
                h.command(key), [state, language], [chatbot, pending], queue=False, **quiet
            ).then(*respond, **busy)
        radios = [c[f"rate_{key}"] for key in render.RATING_KEYS]
        self.rate.click(
            h.ratings, [*radios, state, language], [chatbot, pending, notice], queue=False, **quiet
        ).then(*respond, **busy)
        self.choose.click(
            h.choose_actions,
            [c["action_choice"], state, language],
            [chatbot, pending],
            queue=False,
            **quiet,
        ).then(*respond, **busy)
        owner_fields = [c[f"owner_who{i}"] for i in range(N_OWNERS)]
        owner_fields += [c[f"owner_when{i}"] for i in range(N_OWNERS)]
        self.owners_save.click(h.save_owners, [state, language, *owner_fields], view, **busy)

        asked = [*view, self.new_confirm, self.new_confirm_text]
        c["new"].click(h.ask_new, [c["card"], state, language], asked, **busy)
        c["card"].input(h.ask_new, [c["card"], state, language], asked, **busy)
        self.new_yes.click(h.new_session, [c["card"], state, language], view, **busy).then(
            lambda: gr.update(visible=False), None, self.new_confirm, **quiet
        )
        self.new_no.click(
            h.cancel_new, [state], [self.new_confirm, c["card"]], queue=False, **quiet
        )
        self.resume.click(h.resume, [self.resume_code, state, language], view, **busy).then(
            lambda: "", None, self.resume_code, **quiet
        )
        hide = gr.update(visible=False)
        c["delete"].click(
            lambda: gr.update(visible=True), None, self.delete_confirm, queue=False, **quiet
        )
        self.delete_no.click(lambda: hide, None, self.delete_confirm, queue=False, **quiet)
        self.delete_yes.click(h.delete, [state, language, c["code"]], view, **busy).then(
            lambda: hide, None, self.delete_confirm, **quiet
        )
        chatbot.like(
            h.like,
            [state],
            [state, self.feedback_box, self.feedback_about, self.feedback_text, notice],
            **quiet,
        )
        self.feedback_save.click(
            h.comment,
            [self.feedback_text, state, language],
            [state, self.feedback_box, self.feedback_text, notice, c["download"]],
            **quiet,
        )
        self.feedback_close.click(lambda: hide, None, self.feedback_box, queue=False, **quiet)
        c["copy"].click(
            None,
            [c["code"]],
            None,
            js="(code) => { if (navigator.clipboard) navigator.clipboard.writeText(code); }",
            **quiet,
        )
        relabelled = [item.component for item in h.labels.items]
        language.change(
            h.switch_language,
            [language, state, c["code"]],
            [header, *relabelled, *view],
            js="(lang, state, code) => { document.documentElement.lang = lang;"
            " return [lang, state, code]; }",
            **quiet,
        )
