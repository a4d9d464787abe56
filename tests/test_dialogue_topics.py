"""What counts as an on-topic question, and what a long answer searches for."""

from __future__ import annotations

from dataclasses import replace

from coach.dialogue import machine
from coach.dialogue.state import DialogueState
from coach.models import SectionHints, Understanding
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


def test_a_focused_answer_is_searched_on_its_own() -> None:
    text = "Door de nieuwe wet moeten we de taken tussen gemeenten opnieuw verdelen."
    query = machine.insight_query(_asking(), text, Understanding(), seed_card(), content())
    assert query.text == text and query.user and query.mix == ()


def test_an_answer_is_searched_together_with_what_its_signals_are_about() -> None:
    text = "Door de nieuwe wet moeten we de taken tussen gemeenten opnieuw verdelen."
    u = Understanding(signals=(("new_policy", 0.2),))
    query = machine.insight_query(_asking(), text, u, seed_card(), content())
    signal_query = content().signal_texts("new_policy").query
    assert query.mix == (signal_query,) and query.text == text
    assert query.user and query.mix_weight < 1


def test_a_feeling_is_searched_more_on_what_its_situation_is_about_than_an_answer() -> None:
    text = "I'm exhausted, I'm the only one who still cares, the others wait for my reminders."
    answer = Understanding(intent="answer", signals=(("fatigue", 0.9),))
    feeling = replace(answer, intent="emotion")
    plain = machine.insight_query(_asking(), text, answer, seed_card(), content())
    felt = machine.insight_query(_asking(), text, feeling, seed_card(), content())
    assert felt.mix == plain.mix == (content().signal_texts("fatigue").query,)
    assert felt.mix_weight > plain.mix_weight and felt.text == text and felt.user


def test_a_short_or_very_long_answer_is_searched_together_with_the_question() -> None:
    question = seed_card().central_questions[0]
    short = machine.insight_query(_asking(), "ja, wel", Understanding(), seed_card(), content())
    assert short.text.endswith(question) and short.mix == (question,)
    long_text = "We werken al jaren samen met veel partners. " * 100
    query = machine.insight_query(_asking(), long_text, Understanding(), seed_card(), content())
    assert query.text.endswith(question) and len(query.text) < 1200


def test_an_insight_never_quotes_the_follow_up_asked_in_the_same_reply() -> None:
    from tests.dialogue_fixtures import talk

    conversation = talk(
        "Ik ben partner.",
        "We hebben het nooit over stoppen gehad, terwijl het resultaat te mager is.",
    )
    reply = conversation.reply
    assert reply.followups, "a follow-up about stopping is expected here"
    for followup in reply.followups:
        core = followup.rstrip("?").casefold()
        assert all(core not in c.quote.casefold() for c in reply.citations)
