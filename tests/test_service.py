"""The Coach service: one turn = retrieve, step the machine, check grounding, store atomically.

Fast tests over the real dialogue machine and prompts, with a word-overlap
fake instead of the embedding model (the real model is covered in
test_chat_cli.py).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from coach.dialogue.content import load_content
from coach.errors import InputError, ModelUnavailable, SessionNotFound
from coach.models import Card, Citation, Hit, Passage
from coach.service import Coach, clean_user_text, new_session_id
from coach.sessions import SessionStore
from coach.settings import PROMPTS_DIR, Settings
from tests.dialogue_fixtures import FakeSearch, norms_card, passages, seed_card


class FakeSearcher:
    """The Searcher protocol over hand-made cards."""

    def __init__(self, cards: list[Card]) -> None:
        self._cards = {c.id: c for c in cards}
        self._search = FakeSearch(cards)

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        vector: object = None,
        windows: bool = False,
        window_vector: object = None,
    ) -> list[Hit]:
        return self._search.search(query)

    def embed_query(self, text: str) -> np.ndarray:
        raise ModelUnavailable("keyword-only fake")

    def fixed_vectors(self, texts: Sequence[str]) -> np.ndarray:
        raise ModelUnavailable("keyword-only fake")

    def cards(self) -> dict[str, Card]:
        return dict(self._cards)

    def passages(self) -> dict[str, Passage]:
        return {p.id: p for c in self._cards.values() for p in passages(c)}


def make_coach(home: Path, searcher: FakeSearcher | None = None) -> Coach:
    settings = Settings(home=home, default_card="blijf-balanceren", max_message_chars=4000)
    searcher = searcher or FakeSearcher([seed_card(), norms_card()])
    return Coach(settings, searcher, SessionStore(settings.sessions_db), load_content(PROMPTS_DIR))


DUTCH_RUN = [
    "Ik ben partner in een samenwerking van drie gemeenten en twee zorgaanbieders.",
    "We vergaderen veel maar er gebeurt eigenlijk weinig.",
    "verder",
    "Er komt nieuwe wetgeving aan en een nieuwe partner wil aansluiten.",
    "verder",
    "We praten nooit over wanneer we zouden stoppen.",
    "verder",
    "commitment 4, voortgang 2, resultaat 2",
    "alle",
]


def test_a_session_starts_with_a_greeting_stored_as_turn_zero(tmp_path: Path) -> None:
    coach = make_coach(tmp_path)
    first = coach.start_session()
    assert (first.turn, first.phase) == (0, "intake")
    assert len(first.session) >= 20  # token_urlsafe(16): not guessable
    assert [r.turn for r in coach.history(first.session)] == [0]


def test_a_scripted_dutch_run_reaches_the_summary_with_grounded_actions(tmp_path: Path) -> None:
    coach = make_coach(tmp_path)
    session = coach.start_session().session
    turns = [coach.reply(session, line) for line in DUTCH_RUN]
    phases = [t.phase for t in turns]
    assert {"question", "followup", "balance", "actions", "summary"} <= set(phases)
    actions = next(t for t in turns if t.phase == "actions").actions
    assert len(actions) >= 2
    texts = {c.id: c.text for c in coach.cards.values()}
    for turn in turns:
        for cite in [*turn.citations, *(c for a in turn.actions for c in a.citations)]:
            assert cite.passage_id in turn.retrieved
            assert cite.quote in texts[cite.card]
    assert turns[-1].phase == "summary"
    assert "Kaats" in coach.summary_markdown(session)


def test_every_turn_is_stored_with_its_phase_and_retrieved_passages(tmp_path: Path) -> None:
    coach = make_coach(tmp_path)
    session = coach.start_session().session
    replies = [coach.reply(session, line) for line in DUTCH_RUN[:3]]
    records = coach.history(session)
    assert [r.turn for r in records] == [0, 1, 2, 3]
    assert [r.phase for r in records[1:]] == [t.phase for t in replies]
    assert records[2].reply["retrieved"] == replies[1].retrieved


def test_resuming_after_a_restart_continues_exactly_where_it_was(tmp_path: Path) -> None:
    coach = make_coach(tmp_path)
    session = coach.start_session().session
    for line in DUTCH_RUN[:4]:
        coach.reply(session, line)
    uninterrupted = make_coach(tmp_path / "other")
    other = uninterrupted.start_session().session
    for line in DUTCH_RUN[:4]:
        uninterrupted.reply(other, line)

    restarted = make_coach(tmp_path)  # a new process over the same COACH_HOME
    assert restarted.last_turn(session).text == coach.last_turn(session).text
    after_restart = restarted.reply(session, DUTCH_RUN[4])
    expected = uninterrupted.reply(other, DUTCH_RUN[4])
    assert (after_restart.phase, after_restart.text) == (expected.phase, expected.text)


def test_a_huge_message_is_truncated_with_a_notice_and_still_answered(tmp_path: Path) -> None:
    coach = make_coach(tmp_path)
    session = coach.start_session().session
    coach.reply(session, "overslaan")
    turn = coach.reply(session, "overleg " * 20_000)
    assert turn.notice and "4000" in turn.notice
    assert turn.phase in {"question", "followup"}
    stored = coach.history(session)[-1].user_text
    assert stored is not None and len(stored) == 4000


@pytest.mark.parametrize(
    "garbled", ["", "   ", "\x00\x01\x02", "\udcff\udcfe", "🙂🙂🙂", "asdfghjkl"]
)
def test_empty_or_garbled_input_gets_a_friendly_reply_and_loses_nothing(
    tmp_path: Path, garbled: str
) -> None:
    coach = make_coach(tmp_path)
    session = coach.start_session().session
    coach.reply(session, "overslaan")
    turn = coach.reply(session, garbled)
    assert turn.text.strip()
    assert "Traceback" not in turn.text
    assert len(coach.history(session)) == 3


def test_control_characters_and_broken_surrogates_are_cleaned() -> None:
    text, length = clean_user_text("a\x00b\udcffc", 100)
    assert "\x00" not in text and length == len(text)
    text.encode("utf-8")  # always valid UTF-8 afterwards


def test_an_ungrounded_citation_never_reaches_the_user(tmp_path: Path) -> None:
    coach = make_coach(tmp_path)
    session = coach.start_session().session
    coach.reply(session, "overslaan")
    turn = coach.reply(session, "We vergaderen veel maar er gebeurt weinig.")
    assert turn.citations
    from coach.dialogue.machine import Reply

    forged = Citation("nope", "blijf-balanceren", "T", "S", "verzonnen citaat", "src")
    real = turn.citations[0]
    reply = Reply(
        phase="question",
        text="",
        language="nl",
        citations=[forged, real],
        followups=[],
        actions=[],
        suggestions=[],
        progress={},
        notice=None,
        retrieved=[],
    )
    hits = {"insight": [Hit(coach.searcher.passages()[real.passage_id], 1.0, 1)]}
    coach._enforce_grounding(reply, hits)
    assert reply.citations == [real]


def test_one_session_never_sees_another_sessions_answers(tmp_path: Path) -> None:
    coach = make_coach(tmp_path)
    sessions = [coach.start_session().session for _ in range(8)]
    errors: list[BaseException] = []

    def run(index: int, session: str) -> None:
        try:
            coach.reply(session, f"Ik ben partner, codewoord kiwi{index}.")
            coach.reply(session, f"Bij ons speelt kiwi{index} een grote rol in het overleg.")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for index, session in enumerate(sessions):
        users = " ".join(r.user_text or "" for r in coach.history(session))
        assert f"kiwi{index}" in users
        assert not any(f"kiwi{j}" in users for j in range(8) if j != index)


def test_deleting_a_session_removes_it_and_its_turns(tmp_path: Path) -> None:
    coach = make_coach(tmp_path)
    session = coach.start_session().session
    coach.reply(session, "overslaan")
    coach.delete_session(session)
    assert session not in {s.id for s in coach.list_sessions()}
    with pytest.raises(SessionNotFound):
        coach.reply(session, "hallo")


def test_feedback_on_a_turn_appears_in_the_export(tmp_path: Path) -> None:
    coach = make_coach(tmp_path)
    session = coach.start_session().session
    coach.reply(session, "overslaan")
    coach.rate_turn(session, 1, False, "te lange vraag")
    export = coach.export_markdown(session)
    assert "te lange vraag" in export
    assert "niet nuttig (duim omlaag) — te lange vraag" in export
    assert "👎" not in export  # words: the file may be read where no emoji font is installed


def test_an_export_names_the_phases_in_the_sessions_language(tmp_path: Path) -> None:
    coach = make_coach(tmp_path)
    dutch = coach.start_session(language="nl").session
    coach.reply(dutch, DUTCH_RUN[0])
    text = coach.export_markdown(dutch)
    assert "**Coach (kennismaking):**" in text and "**Coach (vraag):**" in text
    assert "(intake)" not in text and "(question)" not in text
    english = coach.start_session(language="en").session
    coach.reply(english, "I chair a partnership of three municipalities.")
    text = coach.export_markdown(english)
    assert "**Coach (intake):**" in text and "**Coach (question):**" in text


def test_a_greeting_can_be_shown_without_storing_a_session(tmp_path: Path) -> None:
    coach = make_coach(tmp_path)
    shown = coach.greeting(language="en")
    assert shown.session == "" and shown.phase == "intake"
    assert coach.list_sessions() == []
    assert shown.text == coach.start_session(language="en").text  # what gets stored later


def test_an_unknown_card_names_the_available_ones(tmp_path: Path) -> None:
    coach = make_coach(tmp_path)
    with pytest.raises(Exception, match="blijf-balanceren"):
        coach.start_session(card_id="bestaat-niet")


def test_session_ids_can_be_typed_as_command_line_arguments() -> None:
    ids = {new_session_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert not any(i.startswith("-") for i in ids)


def test_who_and_when_of_a_chosen_action_appear_in_the_summary(tmp_path: Path) -> None:
    coach = make_coach(tmp_path)
    session = coach.start_session().session
    for text in DUTCH_RUN[:-1]:
        coach.reply(session, text)
    coach.reply(session, "1")
    chosen = coach.state(session).chosen[0]
    coach.plan_action(session, chosen, "Anna (gemeente)", "voor 1 maart")
    summary = coach.summary_markdown(session)
    assert "- Wie: Anna (gemeente)" in summary and "- Wanneer: voor 1 maart" in summary
    with pytest.raises(InputError, match="not chosen"):
        coach.plan_action(session, "no-such-action", "x", "y")
