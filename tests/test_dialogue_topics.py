"""What counts as an on-topic question, and what a long answer searches for."""

from __future__ import annotations

from dataclasses import replace

from coach.dialogue import machine
from coach.dialogue.state import DialogueState
from coach.models import SectionHints
from tests.dialogue_fixtures import content, seed_card


def _card_with_hint():
    card = seed_card()
    sections = tuple(
        replace(s, hints=SectionHints(keywords=("pseudo-collaboration", "talking shop")))
        if s.heading == "Commitment"
        else s
        for s in card.sections
    )
    return replace(card, sections=sections)


def _asking() -> DialogueState:
    return DialogueState(card_id="blijf-balanceren", language="en", phase="question")


def test_a_question_in_the_words_of_a_card_hint_is_answered_not_redirected() -> None:
    card = _card_with_hint()
    queries = machine.queries_for(_asking(), "What is pseudo-collaboration?", card, content())
    assert [q.name for q in queries] == ["qa"]


def test_a_question_about_something_else_entirely_is_redirected() -> None:
    card = _card_with_hint()
    assert machine.queries_for(_asking(), "What is the capital of Peru?", card, content()) == []


def test_a_long_answer_searches_with_its_opening_and_its_end() -> None:
    text = "We werken al jaren samen. " * 200 + "Nu trekt de zorgverzekeraar zich terug."
    query = machine.insight_query(_asking(), text, seed_card())
    assert "zorgverzekeraar zich terug" in query
    assert query.startswith("We werken al jaren samen.")
    assert len(query) < 1300
