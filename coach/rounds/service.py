"""Team rounds: the library API the CLI, the web app and its `gradio_client` API share.

A facilitator creates a collaboration (a name, a card, optionally a list of
organisations) with its first round and gets two codes: a join code for the
partners and a facilitator key for reports. A partner joins with the code,
gives organisation, role and what the facilitator may see, and gets an
ordinary reflection session linked to the round — starting, from the second
round on, with the actions they chose last time (recognised by their partner
code, never by name). Reports, exports and plans need the facilitator key;
a wrong or missing key gets the very refusal an unknown round gets, after the
same work, so codes cannot be probed.

Everything is stored in the sessions database (`coach.rounds.store`); what a
report may show is decided in one place (`coach.rounds.report.contribution`).
The coach itself refuses answers in a session whose round is closed
(`Coach.admit`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from coach.dialogue.state import Review
from coach.errors import InputError, RoundClosed, RoundNotFound
from coach.rounds.contribution import contribution
from coach.rounds.keys import (
    burn_time,
    canonical_code,
    code_digest,
    hash_key,
    new_code,
    new_collaboration_id,
    new_facilitator_key,
    verify_key,
)
from coach.rounds.models import Joined, Opened, PartnerStatus, RoundStatus, parse_share
from coach.rounds.render import charts_html, report_csv, report_markdown
from coach.rounds.report import RoundFacts, RoundReport, build_report, trend_point
from coach.rounds.store import SHARE_LEVELS, Collaboration, Membership, Round, RoundStore
from coach.rounds.texts import RoundTexts, load_round_texts
from coach.service import clean_user_text

if TYPE_CHECKING:
    from coach.service import Coach

DEFAULT_DAYS = 14
MAX_DAYS = 366
MAX_NAME_CHARS = 120
MAX_FIELD_CHARS = 100
MAX_ORGANISATIONS = 50
NOT_FOUND = (
    "No team round with this id and key. Check both: a round id looks like 'k7qx2m-1', "
    "and the facilitator key was shown once, when the collaboration was created."
)
BAD_JOIN_CODE = "No team round has this join code. Check the code with your facilitator."


def _clean(text: str | None, limit: int, what: str) -> str:
    cleaned = " ".join(clean_user_text(text, limit)[0].split())
    if not cleaned:
        raise InputError(f"Give {what}.")
    return cleaned


class TeamRounds:
    """Collaborations, rounds and reports over one coach (its store, settings and texts)."""

    def __init__(self, coach: Coach) -> None:
        self.coach = coach
        self.store = RoundStore(coach.store)
        self.texts: RoundTexts = load_round_texts(coach.settings.prompts_dir)

    # -- facilitator ---------------------------------------------------------------------
    def create(
        self,
        name: str,
        card_id: str | None = None,
        organisations: list[str] | tuple[str, ...] = (),
        *,
        opens_on: date | None = None,
        closes_on: date | None = None,
        days: int | None = None,
    ) -> Opened:
        """A new collaboration with its first round; the only time the key is shown."""
        name = _clean(name, MAX_NAME_CHARS, "the collaboration a name")
        card = self.coach.card(card_id)
        orgs = tuple(
            dict.fromkeys(
                o
                for o in (
                    " ".join(clean_user_text(x, MAX_FIELD_CHARS)[0].split()) for x in organisations
                )
                if o
            )
        )
        if len(orgs) > MAX_ORGANISATIONS:
            raise InputError(f"Give at most {MAX_ORGANISATIONS} organisations.")
        opens, closes = self._dates(opens_on, closes_on, days)
        key = new_facilitator_key()
        salt, hashed = hash_key(key)
        for _ in range(10):
            cid = new_collaboration_id()
            if self.store.collaboration(cid) is None:
                break
        self.store.add_collaboration(cid, name, card.id, orgs, salt, hashed)
        collaboration = self.store.collaboration(cid)
        assert collaboration is not None
        return self._open(collaboration, opens, closes, key)

    def open_next(
        self,
        ref: str,
        key: str | None,
        *,
        opens_on: date | None = None,
        closes_on: date | None = None,
        days: int | None = None,
    ) -> Opened:
        """The next round of a collaboration (named by its id or any of its rounds)."""
        collaboration, _ = self._verify(ref, key)
        opens, closes = self._dates(opens_on, closes_on, days)
        return self._open(collaboration, opens, closes, None)

    def close(self, ref: str, key: str | None) -> RoundStatus:
        """Close a round now: partners' answers are refused from here on."""
        team_round = self._verify_round(ref, key)
        self.store.close(team_round.id)
        return self._status(team_round.id)

    def status(self, ref: str, key: str | None) -> RoundStatus:
        return self._status(self._verify_round(ref, key).id)

    def report(self, ref: str, key: str | None, language: str = "nl") -> RoundReport:
        """The round report (spread, differences, signals, actions, answers where allowed,
        cited passages, trend)."""
        return self._report(self._verify_round(ref, key), language)

    def report_markdown(self, ref: str, key: str | None, language: str = "nl") -> str:
        return report_markdown(self.report(ref, key, language), self.texts, language)

    def charts_html(self, report: RoundReport, language: str = "nl") -> str:
        return charts_html(report, self.texts, language)

    def export_csv(self, ref: str, key: str | None) -> str:
        """Scores per partner, anonymised, for the facilitator's own analysis."""
        return report_csv(self.report(ref, key))

    # -- partners ------------------------------------------------------------------------
    def join(
        self,
        join_code: str,
        organisation: str,
        role: str,
        share: str,
        language: str = "nl",
        partner_code: str | None = None,
    ) -> Joined:
        """Join the round of this code: a new reflection session linked to it."""
        team_round = self.store.round_by_join(code_digest(join_code))
        if team_round is None:
            raise RoundNotFound(BAD_JOIN_CODE)
        self._require_open(team_round, "join")
        collaboration = team_round.collaboration
        share = parse_share(share)
        org = self._organisation(organisation, collaboration)
        role = _clean(role, MAX_FIELD_CHARS, "your role in the collaboration")
        language = "en" if language == "en" else "nl"
        if partner_code and canonical_code(partner_code):
            partner_id = self.store.partner(collaboration.id, code_digest(partner_code))
            if partner_id is None:
                raise InputError(
                    "This partner code is not known in this collaboration. Check it, or leave "
                    "it empty to join as a new partner."
                )
            code = _formatted(partner_code)
        else:
            code = new_code()
            partner_id = self.store.add_partner(collaboration.id, code_digest(code))
        reviews = self._reviews(partner_id, team_round.number, language)
        turn = self.coach.start_session(collaboration.card_id, language, reviews=reviews)
        try:
            self.store.add_membership(turn.session, team_round.id, partner_id, org, role, share)
        except BaseException:
            self.coach.delete_session(turn.session)
            raise
        partner = self.partner_status(turn.session)
        assert partner is not None
        return Joined(turn.session, code, partner, turn, len(reviews))

    def partner_status(self, session_id: str) -> PartnerStatus | None:
        """The session's place in a round, or None for an ordinary session."""
        membership = self.store.membership(session_id)
        if membership is None:
            return None
        team_round = self.store.round(membership.round_id)
        assert team_round is not None
        return PartnerStatus(
            round_id=team_round.id,
            name=team_round.collaboration.name,
            number=team_round.number,
            closes_on=team_round.closes_on.isoformat(),
            status=team_round.status(self.coach.today()),
            organisation=membership.organisation,
            role=membership.role,
            share=membership.share,
            withdrawn=membership.withdrawn,
        )

    def organisations_for(self, join_code: str) -> tuple[str, ...]:
        """The facilitator's organisations for a join code (() for free text or no round)."""
        team_round = self.store.round_by_join(code_digest(join_code))
        return team_round.collaboration.organisations if team_round else ()

    def set_share(self, session_id: str, share: str) -> PartnerStatus:
        """Change what the facilitator may see (until the round closes)."""
        self._own_open_membership(session_id, "change what you share")
        self.store.set_share(session_id, parse_share(share))
        status = self.partner_status(session_id)
        assert status is not None
        return status

    def withdraw(self, session_id: str, withdrawn: bool = True) -> PartnerStatus:
        """Withdraw from (or rejoin) the round's reports (until the round closes)."""
        self._own_open_membership(session_id, "withdraw or rejoin")
        self.store.set_withdrawn(session_id, withdrawn)
        status = self.partner_status(session_id)
        assert status is not None
        return status

    # -- internals -----------------------------------------------------------------------
    def _dates(
        self, opens_on: date | None, closes_on: date | None, days: int | None
    ) -> tuple[date, date]:
        today = self.coach.today()
        opens = opens_on or today
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise InputError(f"A round is open for 1 to {MAX_DAYS} days; got {days}.")
        closes = closes_on or opens + timedelta(days=(days or DEFAULT_DAYS) - 1)
        if closes < opens:
            raise InputError(
                f"The close date {closes.isoformat()} is before the open date "
                f"{opens.isoformat()}; give a later close date."
            )
        if closes < today:
            raise InputError(
                f"The close date {closes.isoformat()} has passed; give a date from today on."
            )
        return opens, closes

    def _open(
        self, collaboration: Collaboration, opens: date, closes: date, key: str | None
    ) -> Opened:
        code = new_code()
        round_id = self.store.add_round(collaboration.id, opens, closes, code_digest(code))
        team_round = self.store.round(round_id)
        assert team_round is not None
        return Opened(
            collaboration.id,
            collaboration.name,
            collaboration.card_id,
            round_id,
            team_round.number,
            opens.isoformat(),
            closes.isoformat(),
            code,
            key,
        )

    def _verify(self, ref: str, key: str | None) -> tuple[Collaboration, Round | None]:
        """The collaboration (and round) `ref` names, if `key` is its facilitator key.

        An unknown ref costs the same key derivation as a wrong key and gets the same
        RoundNotFound, so neither round ids nor keys can be probed."""
        ref = str(ref or "").strip().lower()[:64]
        team_round = self.store.round(ref) if ref else None
        collaboration = (
            team_round.collaboration
            if team_round
            else (self.store.collaboration(ref) if ref else None)
        )
        if collaboration is None:
            burn_time(key)
            raise RoundNotFound(NOT_FOUND)
        if not verify_key(key, collaboration.key_salt, collaboration.key_hash):
            raise RoundNotFound(NOT_FOUND)
        return collaboration, team_round

    def _verify_round(self, ref: str, key: str | None) -> Round:
        """The round `ref` names; a collaboration id names its latest round."""
        collaboration, team_round = self._verify(ref, key)
        if team_round is None:
            rounds = self.store.rounds_of(collaboration.id)
            if not rounds:
                raise RoundNotFound(NOT_FOUND)
            team_round = rounds[-1]
        return team_round

    def _require_open(self, team_round: Round, doing: str) -> None:
        status = team_round.status(self.coach.today())
        if status == "closed":
            when = (
                f"closed on {team_round.closes_on.isoformat()}"
                if team_round.closed_at is None
                else "has been closed by its facilitator"
            )
            raise RoundClosed(f"This team round {when}; you can no longer {doing}.")
        if status == "scheduled":
            raise RoundClosed(
                f"This team round opens on {team_round.opens_on.isoformat()}; "
                f"come back then to {doing}."
            )

    def _own_open_membership(self, session_id: str, doing: str) -> Membership:
        membership = self.store.membership(session_id)
        if membership is None:
            raise InputError(
                "This session is not part of a team round; join one with a join code first."
            )
        team_round = self.store.round(membership.round_id)
        assert team_round is not None
        if team_round.status(self.coach.today()) == "closed":
            raise RoundClosed(
                f"This team round is closed, so you can no longer {doing}. Your session stays "
                "yours to read, download or delete."
            )
        return membership

    def _organisation(self, organisation: str, collaboration: Collaboration) -> str:
        given = " ".join(clean_user_text(organisation, MAX_FIELD_CHARS)[0].split())
        if collaboration.organisations:
            match = next(
                (o for o in collaboration.organisations if o.casefold() == given.casefold()), None
            )
            if match is None:
                raise InputError(
                    "Choose your organisation from the facilitator's list: "
                    + ", ".join(collaboration.organisations)
                    + "."
                )
            return match
        return _clean(given, MAX_FIELD_CHARS, "your organisation")

    def _reviews(self, partner_id: int, number: int, language: str) -> tuple[Review, ...]:
        """The actions this partner chose in their latest earlier round, in `language`."""
        previous = self.store.previous_membership(partner_id, number)
        if previous is None or not previous.state:
            return ()
        offered = {
            str(a.get("id")): str(a.get("title", "")) for a in previous.state.get("offered", ())
        }
        return tuple(
            Review(str(a), self._action_title(str(a), offered.get(str(a), str(a)), language))
            for a in previous.state.get("chosen", ())
        )

    def _action_title(self, action_id: str, stored: str, language: str) -> str:
        spec = self.coach.content.library.action(action_id)
        return spec.title.get(language) if spec is not None else stored

    def _status(self, round_id: str) -> RoundStatus:
        team_round = self.store.round(round_id)
        assert team_round is not None
        collaboration = team_round.collaboration
        members = self.store.memberships(round_id)
        active = [m for m in members if not m.withdrawn]
        today = self.coach.today()
        return RoundStatus(
            round_id=team_round.id,
            collaboration_id=collaboration.id,
            name=collaboration.name,
            card_id=collaboration.card_id,
            number=team_round.number,
            opens_on=team_round.opens_on.isoformat(),
            closes_on=team_round.closes_on.isoformat(),
            status=team_round.status(today),
            organisations=collaboration.organisations,
            joined=len(members),
            withdrawn=len(members) - len(active),
            shares={s: sum(1 for m in active if m.share == s) for s in SHARE_LEVELS},
            rounds=tuple((r.id, r.status(today)) for r in self.store.rounds_of(collaboration.id)),
        )

    def _report(self, team_round: Round, language: str) -> RoundReport:
        lang = "en" if language == "en" else "nl"
        collaboration = team_round.collaboration
        members = self.store.memberships(team_round.id)
        active = [m for m in members if not m.withdrawn]
        anonymise = {o: self.texts.get("anonymised_org", lang) for o in collaboration.organisations}
        anonymise.update({m.organisation: self.texts.get("anonymised_org", lang) for m in members})
        anonymise.update({m.role: self.texts.get("anonymised_role", lang) for m in members})

        def title_of(action_id: str, stored: str) -> str:
            return self._action_title(action_id, stored, lang)

        contributions = [
            contribution(
                m.state,
                m.share,
                m.organisation,
                collaboration.organisations,
                anonymise,
                title_of,
            )
            for m in active
        ]
        trend = []
        for earlier in self.store.rounds_of(collaboration.id):
            if earlier.number > team_round.number:
                break
            ratings = [
                contribution(m.state, "scores", "", (), {}, title_of).ratings
                for m in self.store.memberships(earlier.id)
                if not m.withdrawn
            ]
            trend.append(trend_point(earlier.id, earlier.number, ratings))
        card = self.coach.card(collaboration.card_id)
        content = self.coach.content
        facts = RoundFacts(
            round_id=team_round.id,
            collaboration_id=collaboration.id,
            name=collaboration.name,
            card_id=card.id,
            card_title=content.card_title(card, lang),
            number=team_round.number,
            opens_on=team_round.opens_on.isoformat(),
            closes_on=team_round.closes_on.isoformat(),
            status=team_round.status(self.coach.today()),
            questions=tuple(
                content.central_question(card, i, lang) for i in range(len(card.central_questions))
            ),
            listed_organisations=bool(collaboration.organisations),
        )
        return build_report(
            facts,
            contributions,
            joined=len(members),
            withdrawn=len(members) - len(active),
            min_partners=self.coach.settings.round_min_partners,
            trend=trend,
        )


def _formatted(code: str) -> str:
    raw = canonical_code(code)
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
