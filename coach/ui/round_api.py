"""Team rounds over `gradio_client`: joining and reflecting, sharing, reports, exports, plans.

Hidden components behind stable endpoint names, like `coach.ui.api`. `/round_join`
puts the calling client into the new round session, so its next `/chat_json`
messages are the partner's reflection; `/round_share` changes only that
client's own choice. Every facilitator endpoint takes the round id and the
facilitator key, and answers a wrong key exactly as it answers an unknown round
(`{"error": ...}` with the same sentence).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from coach.errors import CoachError, ConfigError
from coach.rounds.plan import make_round_plan
from coach.rounds.service import TeamRounds
from coach.rounds.texts import RoundTexts
from coach.ui import render
from coach.ui.handlers import ChatHandlers, SessionView
from coach.ui.render import UiText

log = logging.getLogger(__name__)
ROUND_ENDPOINTS = (
    "round_create",
    "round_open",
    "round_close",
    "round_status",
    "round_join",
    "round_share",
    "round_report",
    "round_report_md",
    "round_export",
    "round_plan",
)
MAX_PLAN_MINUTES = 480


def with_round_labels(ui: UiText, texts: RoundTexts) -> UiText:
    """The app's labels with the round parts' (`round_` keys of prompts/rounds.yaml) added."""
    extra = texts.ui_labels()
    clash = sorted(
        k
        for lang in ("nl", "en")
        for k in set(extra[lang]) & set(ui.texts[lang])
        if extra[lang][k] != ui.texts[lang][k]
    )
    if clash:
        raise ConfigError(f"prompts/ui.yaml and prompts/rounds.yaml both define {clash}.")
    return UiText(texts={lang: {**ui.texts[lang], **extra[lang]} for lang in ("nl", "en")})


def _days(value: float | None) -> int | None:
    """Days open as given (None: the default); the library says what is out of range."""
    return None if value is None else int(value)


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "nl"


def _organisations(text: str | None) -> list[str]:
    return [
        line.strip() for line in str(text or "").replace(";", "\n").splitlines() if line.strip()
    ]


class RoundApi:
    """The round endpoints, over the chat handlers (for the client's own session)."""

    def __init__(self, handlers: ChatHandlers, rounds: TeamRounds) -> None:
        self.handlers = handlers
        self.rounds = rounds

    def _error(self, exc: Exception, lang: str) -> str:
        if not isinstance(exc, CoachError):
            log.exception("round endpoint failed")
        return render.friendly_error(exc, self.handlers.ui, lang)

    def _json(self, work: Callable[[], dict[str, Any]], lang: str = "nl") -> dict[str, Any]:
        try:
            return work()
        except Exception as exc:
            return {"error": self._error(exc, lang)}

    def _text(self, work: Callable[[], str], lang: str = "nl") -> str:
        try:
            return work()
        except Exception as exc:
            return self._error(exc, lang)

    # -- facilitator --------------------------------------------------------------------
    def create(self, name: str, card: str, organisations: str, days: float) -> dict[str, Any]:
        """`/round_create`: a collaboration and its first round; the codes (key shown once)."""
        return self._json(
            lambda: self.rounds.create(
                name, card or None, _organisations(organisations), days=_days(days)
            ).to_dict()
        )

    def open_next(self, round_id: str, key: str, days: float) -> dict[str, Any]:
        """`/round_open`: the next round of a collaboration (a new join code)."""
        return self._json(lambda: self.rounds.open_next(round_id, key, days=_days(days)).to_dict())

    def close(self, round_id: str, key: str) -> dict[str, Any]:
        return self._json(lambda: self.rounds.close(round_id, key).to_dict())

    def status(self, round_id: str, key: str) -> dict[str, Any]:
        return self._json(lambda: self.rounds.status(round_id, key).to_dict())

    def report(self, round_id: str, key: str, language: str) -> dict[str, Any]:
        """`/round_report`: the report as JSON."""
        lang = _lang(language)
        return self._json(lambda: self.rounds.report(round_id, key, lang).to_dict(), lang)

    def report_md(self, round_id: str, key: str, language: str) -> str:
        lang = _lang(language)
        return self._text(lambda: self.rounds.report_markdown(round_id, key, lang), lang)

    def export(self, round_id: str, key: str, kind: str) -> str:
        """`/round_export`: "csv" (scores per partner, anonymised) or "md" (the report)."""
        if kind == "md":
            return self._text(lambda: self.rounds.report_markdown(round_id, key))
        return self._text(lambda: self.rounds.export_csv(round_id, key))

    def plan(self, round_id: str, key: str, minutes: float, language: str) -> str:
        """`/round_plan`: the group-session plan that starts where the partners differ."""
        lang = _lang(language)
        length = min(max(int(minutes or 90), 1), MAX_PLAN_MINUTES)
        return self._text(
            lambda: make_round_plan(self.rounds, round_id, key, length, lang).to_markdown(), lang
        )

    # -- partners -----------------------------------------------------------------------
    def join(
        self,
        join_code: str,
        organisation: str,
        role: str,
        share: str,
        language: str,
        partner_code: str,
        sv: SessionView | None,
    ) -> tuple[dict[str, Any], SessionView | None]:
        """`/round_join`: join with a join code; this client's chat continues in the round."""
        lang = _lang(language)
        try:
            joined = self.rounds.join(
                join_code, organisation, role, share, lang, partner_code or None
            )
        except Exception as exc:
            return {"error": self._error(exc, lang)}, sv
        view = render.empty_view()
        view.add_turn(joined.turn, self.handlers.ui)
        return joined.to_dict(), SessionView(
            joined.session_id,
            joined.turn.language,
            self.handlers.coach.state(joined.session_id).card_id,
            view,
            joined.turn,
        )

    def share(self, share: str, sv: SessionView | None) -> dict[str, Any]:
        """`/round_share`: scores | signals | answers | withdraw | rejoin, for this client."""
        lang = sv.language if sv else "nl"
        if sv is None:
            return {"error": self.handlers.ui.get("round_not_in_round", lang)}

        def work() -> dict[str, Any]:
            if share in ("withdraw", "rejoin"):
                return self.rounds.withdraw(sv.session_id, share == "withdraw").to_dict()
            return self.rounds.set_share(sv.session_id, share).to_dict()

        return self._json(work, lang)

    def register(self, state: gr.State) -> None:
        """Add the hidden components and the endpoints (inside the app's Blocks)."""
        with gr.Group(visible=False):
            # Labels name the parameters that `gradio_client` shows (`view_api`).
            ref, key, name, card, orgs, code, org, role, share, language, partner, kind = (
                gr.Textbox(label=label)
                for label in (
                    "round_id",
                    "key",
                    "name",
                    "card",
                    "organisations",
                    "join_code",
                    "organisation",
                    "role",
                    "share",
                    "language",
                    "partner_code",
                    "kind",
                )
            )
            days, minutes = gr.Number(value=14, label="days"), gr.Number(value=90, label="minutes")
            out_json, out_text = gr.JSON(), gr.Textbox()
            trigger = gr.Button()
        endpoints: list[tuple[Any, list[Any], list[Any], str, str]] = [
            (self.create, [name, card, orgs, days], [out_json], "round_create",
             "Create a collaboration with its first round (name, card, organisations one per "
             "line, days open); returns the join code and the facilitator key."),
            (self.open_next, [ref, key, days], [out_json], "round_open",
             "Open the next round (collaboration or round id, facilitator key, days open)."),
            (self.close, [ref, key], [out_json], "round_close", "Close a round now."),
            (self.status, [ref, key], [out_json], "round_status",
             "Dates, participation and sharing of a round."),
            (self.report, [ref, key, language], [out_json], "round_report",
             "The round report as JSON (round id, facilitator key, language nl|en)."),
            (self.report_md, [ref, key, language], [out_text], "round_report_md",
             "The round report as Markdown."),
            (self.export, [ref, key, kind], [out_text], "round_export",
             "Export: 'csv' (scores per partner, anonymised) or 'md' (the report)."),
            (self.plan, [ref, key, minutes, language], [out_text], "round_plan",
             "A group-session plan starting where the partners differ (minutes, language)."),
        ]  # fmt: skip
        for fn, inputs, outputs, api_name, description in endpoints:
            trigger.click(fn, inputs, outputs, api_name=api_name, api_description=description)
        trigger.click(
            self.join,
            [code, org, role, share, language, partner, state],
            [out_json, state],
            api_name="round_join",
            api_description="Join a round (join code, organisation, role, share: scores | "
            "signals | answers, language, partner code or ''); this client's /chat_json "
            "continues in the new session.",
        )
        trigger.click(
            self.share,
            [share, state],
            [out_json],
            api_name="round_share",
            api_description="Change what the facilitator may see of this client's round session: "
            "scores | signals | answers | withdraw | rejoin.",
        )
