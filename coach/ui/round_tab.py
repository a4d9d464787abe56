"""The "Teamronde" tab: a partner joins a round and controls what the facilitator sees.

A thin form over `coach.rounds.service.TeamRounds`: join with the code (the
organisation picker fills in from the facilitator's list as the code is typed),
role, the sharing choice (none is preselected: the partner chooses) and an
optional partner code from an earlier round. Joining puts this browser's chat
in the new round session and switches to the Reflect tab, where the coach may
first ask about last round's actions. Below, the partner changes their choice
or withdraws until the round closes. `build` lays the form out inside the tab;
`wire` connects it once the Reflect tab's outputs exist.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

from coach.errors import CoachError
from coach.rounds.models import PartnerStatus
from coach.rounds.service import TeamRounds
from coach.ui import render
from coach.ui.handlers import ChatHandlers, SessionView

log = logging.getLogger(__name__)
SHARE_KEYS = ("scores", "signals", "answers")


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "nl"


class RoundPartnerTab:
    """The partner's side of team rounds, in its own tab."""

    def __init__(self, handlers: ChatHandlers, rounds: TeamRounds, label: Callable[..., Any]):
        self.h = handlers
        self.rounds = rounds
        self.label = label

    def t(self, key: str, lang: str = "nl", **values: Any) -> str:
        return self.h.ui.get(key, lang, **values)

    def _choices(self, lang: str) -> list[tuple[str, str]]:
        return [(self.t(f"round_share_{k}", lang), k) for k in SHARE_KEYS]

    def build(self) -> None:
        """The form, inside the current Tab."""
        t, label = self.t, self.label
        label(gr.Markdown(t("round_join_intro")), value="round_join_intro")
        with gr.Row():
            with gr.Column(scale=1, min_width=300):
                self.code = label(
                    gr.Textbox(
                        label=t("round_join_code"),
                        placeholder=t("round_join_code_placeholder"),
                        max_length=40,
                        elem_id="bc-round-code",
                    ),
                    label="round_join_code",
                    placeholder="round_join_code_placeholder",
                )
                self.organisation = label(
                    gr.Dropdown(
                        choices=[],
                        value=None,
                        allow_custom_value=True,
                        label=t("round_organisation"),
                        elem_id="bc-round-org",
                    ),
                    label="round_organisation",
                )
                self.role = label(
                    gr.Textbox(
                        label=t("round_role"),
                        placeholder=t("round_role_placeholder"),
                        max_length=100,
                        elem_id="bc-round-role",
                    ),
                    label="round_role",
                    placeholder="round_role_placeholder",
                )
                self.share = label(
                    gr.Radio(
                        self._choices("nl"),
                        value=None,
                        label=t("round_share"),
                        elem_id="bc-round-share",
                    ),
                    label="round_share",
                )
                self.partner = label(
                    gr.Textbox(label=t("round_partner_code"), max_length=40,
                               elem_id="bc-round-partner"),
                    label="round_partner_code",
                )  # fmt: skip
                self.join = label(
                    gr.Button(t("round_join"), variant="primary", elem_id="bc-round-join"),
                    value="round_join",
                )
            with gr.Column(scale=1, min_width=300):
                self.status = gr.Markdown(elem_id="bc-round-status", padding=True)
                with gr.Group(visible=False, elem_id="bc-round-mine") as self.mine:
                    self.my_share = label(
                        gr.Radio(self._choices("nl"), label=t("round_share"),
                                 elem_id="bc-round-myshare"),
                        label="round_share",
                    )  # fmt: skip
                    with gr.Row():
                        self.save = label(
                            gr.Button(t("round_update_share"), size="sm",
                                      elem_id="bc-round-save"),
                            value="round_update_share",
                        )  # fmt: skip
                        self.withdraw = label(
                            gr.Button(t("round_withdraw"), size="sm", variant="stop",
                                      elem_id="bc-round-withdraw"),
                            value="round_withdraw",
                        )  # fmt: skip
                        self.rejoin = label(
                            gr.Button(t("round_rejoin"), size="sm", elem_id="bc-round-rejoin"),
                            value="round_rejoin",
                        )

    # -- what the panel shows -------------------------------------------------------------
    def _mine(self, status: PartnerStatus | None, lang: str, lead: str = "") -> tuple[Any, ...]:
        """status text, my-participation group, my-share radio."""
        if status is None:
            text = lead or self.t("round_not_in_round", lang)
            return text, gr.update(visible=False), gr.update()
        share_label = self.t(f"round_share_{status.share}", lang)
        lines = [lead] if lead else []
        lines.append(
            self.t("round_withdrawn", lang)
            if status.withdrawn
            else self.t("round_my_share", lang, share=share_label)
        )
        return (
            "\n\n".join(lines),
            gr.update(visible=status.status != "closed"),
            gr.update(value=status.share, choices=self._choices(lang)),
        )

    def _fail(self, exc: Exception, lang: str) -> str:
        if not isinstance(exc, CoachError):
            log.exception("round tab failed")
        return render.friendly_error(exc, self.h.ui, lang)

    # -- handlers ---------------------------------------------------------------------------
    def organisations(self, code: str, lang: str) -> Any:
        """The facilitator's list for this code, as the picker's choices (free text when none)."""
        names = list(self.rounds.organisations_for(code or ""))
        return gr.update(choices=names, value=None, allow_custom_value=not names)

    def on_join(
        self,
        code: str,
        organisation: str | None,
        role: str,
        share: str | None,
        partner: str,
        sv: SessionView | None,
        lang: str,
    ) -> tuple[Any, ...]:
        """Join: the chat moves to the new round session; the Reflect tab opens."""
        lang = _lang(lang)
        if not share:
            return (self.t("round_share_required", lang), gr.update(), gr.update(),
                    gr.update(), *self._no_change())  # fmt: skip
        try:
            joined = self.rounds.join(code, organisation or "", role, share, lang, partner or None)
        except Exception as exc:
            return (self._fail(exc, lang), gr.update(), gr.update(), gr.update(),
                    *self._no_change())  # fmt: skip
        view = render.empty_view()
        share = self.t(f"round_share_{joined.partner.share}", lang).lower()
        view.add_notice(
            self.t(
                "round_chat_notice",
                lang,
                name=joined.partner.name,
                number=joined.partner.number,
                share=share,
                closes=joined.partner.closes_on,
            )
        )
        view.add_turn(joined.turn, self.h.ui)
        card = self.h.coach.state(joined.session_id).card_id
        fresh = SessionView(joined.session_id, joined.turn.language, card, view, joined.turn)
        lead = "\n\n".join(
            [
                self.t(
                    "round_joined",
                    lang,
                    name=render.escape(joined.partner.name),
                    number=joined.partner.number,
                    closes=joined.partner.closes_on,
                ),
                self.t("round_partner_code_shown", lang, code=joined.partner_code),
                self.t("round_session_shown", lang, code=joined.session_id),
            ]
        )
        return (
            *self._mine(joined.partner, lang, lead),
            gr.Tabs(selected="reflect"),
            *self.refresh(fresh, lang),
        )

    def relabel_choices(self, lang: str) -> tuple[Any, Any]:
        """The sharing choices in the new UI language (labels only; the choice stays)."""
        choices = self._choices(_lang(lang))
        return gr.update(choices=choices), gr.update(choices=choices)

    def on_select(self, sv: SessionView | None, lang: str) -> tuple[Any, ...]:
        """Opening the tab shows this browser's current round session, if any."""
        lang = _lang(lang)
        status = self.rounds.partner_status(sv.session_id) if sv else None
        return self._mine(status, lang)

    def on_change(self, action: str) -> Callable[..., tuple[Any, ...]]:
        def change(choice: str | None, sv: SessionView | None, lang: str) -> tuple[Any, ...]:
            lang = _lang(lang)
            if sv is None:
                return self._mine(None, lang)
            try:
                if action == "share":
                    if not choice:
                        return self.t("round_share_required", lang), gr.update(), gr.update()
                    status = self.rounds.set_share(sv.session_id, choice)
                else:
                    status = self.rounds.withdraw(sv.session_id, action == "withdraw")
            except Exception as exc:
                return self._fail(exc, lang), gr.update(), gr.update()
            return self._mine(status, lang)

        return change

    def wire(
        self,
        state: gr.State,
        language: gr.Radio,
        tabs: gr.Tabs,
        tab: gr.Tab,
        view_outputs: Sequence[Any],
        refresh: Callable[[SessionView, str], tuple[Any, ...]],
    ) -> None:
        """Connect the form to the chat: `view_outputs` are what `refresh(sv, lang)` fills."""
        self.refresh = refresh
        self._view_count = len(view_outputs)
        private: dict[str, Any] = {"api_visibility": "private"}
        mine = [self.status, self.mine, self.my_share]
        self.code.change(
            self.organisations, [self.code, language], [self.organisation], queue=False, **private
        )
        self.join.click(
            self.on_join,
            [self.code, self.organisation, self.role, self.share, self.partner, state, language],
            [*mine, tabs, *view_outputs],
            **private,
        )
        tab.select(self.on_select, [state, language], mine, **private)
        language.change(self.relabel_choices, [language], [self.share, self.my_share], **private)
        self.save.click(self.on_change("share"), [self.my_share, state, language], mine, **private)
        for button, action in ((self.withdraw, "withdraw"), (self.rejoin, "rejoin")):
            button.click(self.on_change(action), [self.my_share, state, language], mine, **private)

    def _no_change(self) -> list[Any]:
        return [gr.update() for _ in range(self._view_count)]
