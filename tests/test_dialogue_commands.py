"""Commands, questions to the coach and odd input, at any point of the conversation."""

from __future__ import annotations

import pytest
from dialogue_fixtures import CENTRAL, FOLLOWUPS, content, corpus_texts, seed_card, talk

from coach.dialogue import machine

INTAKE = "Ik ben partner namens de gemeente Amersfoort in een netwerk met zorgaanbieders."
FIRST = "We vergaderen veel maar er gebeurt weinig"


@pytest.mark.parametrize("word", ["hulp", "help", "Help!", "/help"])
def test_help_explains_commands_and_re_asks_the_pending_question(word: str) -> None:
    c = talk(INTAKE)
    reply = c.say(word)
    assert reply.phase == "question" and c.state.question_index == 0
    assert "overslaan" in reply.text and CENTRAL[0] in reply.text


def test_help_in_english_session_is_english() -> None:
    c = talk("I am a partner in a network of care providers and the city.", language="en")
    reply = c.say("help")
    assert reply.language == "en" and '"skip"' in reply.text


@pytest.mark.parametrize("word", ["overslaan", "skip", "sla over"])
def test_skip_moves_to_the_next_central_question_without_an_answer(word: str) -> None:
    c = talk(INTAKE, word)
    assert c.reply.phase == "question" and c.state.question_index == 1
    assert c.state.answers == ()
    assert CENTRAL[1] in c.reply.text


@pytest.mark.parametrize("word", ["terug", "back", "vorige"])
def test_back_returns_to_the_previous_central_question(word: str) -> None:
    c = talk(INTAKE, "overslaan", word)
    assert c.reply.phase == "question" and c.state.question_index == 0
    assert CENTRAL[0] in c.reply.text


def test_back_from_a_follow_up_re_asks_its_question_and_the_new_answer_replaces_the_old() -> None:
    c = talk(INTAKE, FIRST, "terug")
    assert c.reply.phase == "question" and c.state.question_index == 0
    c.say("Iedereen is gecommitteerd, we spreken het elke maand uit.")
    assert c.state.answer_to(0).text.startswith("Iedereen")
    assert len([a for a in c.state.answers if a.followup is None]) == 1


def test_back_on_the_first_question_says_so() -> None:
    c = talk(INTAKE)
    reply = c.say("terug")
    assert c.state.question_index == 0 and "eerste vraag" in reply.text


def test_back_from_the_balance_goes_to_the_last_central_question() -> None:
    c = talk(INTAKE, "overslaan", "overslaan", "overslaan", "4")
    assert c.state.phase == "balance"
    reply = c.say("terug")
    assert reply.phase == "question" and c.state.question_index == 2
    assert c.state.ratings.commitment is None


@pytest.mark.parametrize("word", ["samenvatting", "summary"])
def test_summary_shows_the_summary_so_far_then_continues(word: str) -> None:
    c = talk(INTAKE, FIRST)
    reply = c.say(word)
    assert reply.phase == "summary" and not reply.ended
    assert FIRST in reply.text and FOLLOWUPS[0] in reply.text
    assert c.state.phase == "followup"
    assert reply.progress["phase"] == "followup"
    c.say("verder")
    assert c.state.phase == "question" and c.state.question_index == 1


@pytest.mark.parametrize("word", ["opnieuw", "restart", "start over"])
def test_restart_clears_all_answers(word: str) -> None:
    c = talk(INTAKE, FIRST, "nee")
    reply = c.say(word)
    assert reply.phase == "intake"
    assert c.state.answers == () and c.state.context.role is None and c.state.cited == ()


@pytest.mark.parametrize("word", ["stop", "quit", "afronden"])
def test_stop_ends_with_the_summary(word: str) -> None:
    c = talk(INTAKE, FIRST)
    reply = c.say(word)
    assert reply.phase == "summary" and reply.ended and c.state.ended
    assert FIRST in reply.text and "## " in reply.text


def test_command_words_inside_a_sentence_are_answers() -> None:
    c = talk(INTAKE)
    c.say("We moeten misschien stoppen, want niemand komt nog")
    assert c.state.phase != "summary" and c.state.answer_to(0) is not None


# --- questions to the coach -----------------------------------------------------


def test_question_is_answered_from_the_cards_and_the_pending_question_is_re_asked() -> None:
    c = talk(INTAKE)
    reply = c.say("wat is een normenkader?")
    assert reply.phase == "qa"
    assert 1 <= len(reply.citations) <= 2
    assert any("normenkader" in q.quote.lower() for q in reply.citations)
    assert all(q.quote in corpus_texts(*c.cards)[q.card] for q in reply.citations)
    assert reply.text.rstrip().endswith(CENTRAL[0])
    assert c.state.phase == "question" and c.state.answers == ()
    c.say("Ja, iedereen is gecommitteerd en we praten er elke maand over.")
    assert c.state.answer_to(0) is not None


def test_english_question_about_a_dutch_term_gets_an_english_reply_with_a_dutch_quote() -> None:
    c = talk("I'm a partner in a collaboration of municipalities.", language="nl")
    reply = c.say("what do they mean by schijnsamenwerking?")
    assert reply.phase == "qa" and reply.language == "en"
    assert "What the cards say" in reply.text
    assert any("schijnsamenwerking" in q.quote for q in reply.citations)


def test_question_while_following_up_resumes_the_follow_up() -> None:
    c = talk(INTAKE, FIRST)
    reply = c.say("Wat betekent schijnsamenwerking?")
    assert reply.phase == "qa" and c.state.phase == "followup"
    assert reply.followups == [FOLLOWUPS[0]]


def test_a_long_answer_with_a_question_mark_is_an_answer() -> None:
    c = talk(INTAKE)
    text = "Is dat zo? Ik denk het niet, want de helft van de partners komt niet opdagen."
    assert [q.name for q in machine.queries_for(c.state, text, c.card, content())] == ["insight"]
    c.say(text)
    assert c.state.answer_to(0) is not None


def test_question_with_nothing_groundable_says_so_and_invents_no_citation() -> None:
    c = talk(INTAKE)
    card = seed_card()
    state, reply = machine.step(
        c.state, "wat is een normenkader?", {"qa": []}, card, content(), corpus_texts(card)
    )
    assert reply.phase == "qa" and reply.citations == []
    assert "geen passage" in reply.text and reply.notice
    assert state == c.state


def test_off_topic_question_gets_a_friendly_redirect_without_retrieval() -> None:
    c = talk(INTAKE)
    assert machine.queries_for(c.state, "wat is het weer morgen?", c.card, content()) == []
    reply = c.say("wat is het weer morgen?")
    assert "samenwerking" in reply.text and CENTRAL[0] in reply.text and reply.citations == []


# --- odd input ------------------------------------------------------------------

ODD = ["", "   ", "asdfgh", "🙂🙂🙂", "???", "qwerty qwerty", "x"]


@pytest.mark.parametrize("text", ODD)
def test_odd_input_gets_a_redirect_that_re_asks_the_pending_question(text: str) -> None:
    c = talk(INTAKE)
    assert machine.queries_for(c.state, text, c.card, content()) == []
    reply = c.say(text)
    assert reply.phase == "question" and CENTRAL[0] in reply.text
    assert c.state.answers == ()


@pytest.mark.parametrize(
    "phase_messages",
    [
        (),
        (INTAKE,),
        (INTAKE, FIRST),
        (INTAKE, "overslaan", "overslaan", "overslaan"),
        (INTAKE, "overslaan", "overslaan", "overslaan", "4 2 3"),
    ],
)
@pytest.mark.parametrize("text", [*ODD, "je bent dom", "fuck you", "\x00\x01", "ﷺ" * 10])
def test_no_input_in_any_phase_raises(phase_messages: tuple[str, ...], text: str) -> None:
    c = talk(*phase_messages)
    phase = c.state.phase
    reply = c.say(text)
    assert reply.text
    assert c.state.phase == phase


def test_hostile_input_gets_a_calm_redirect() -> None:
    c = talk(INTAKE)
    reply = c.say("je bent dom")
    assert "irriteert" in reply.text and CENTRAL[0] in reply.text and c.state.answers == ()


def test_a_huge_answer_is_accepted() -> None:
    c = talk(INTAKE)
    text = "We vergaderen veel maar er gebeurt weinig. " * 2500  # ~107k characters
    queries = machine.queries_for(c.state, text, c.card, content())
    assert len(queries[0].text) < 2000
    reply = c.say(text)
    assert c.state.answer_to(0) is not None and reply.phase in ("followup", "question")
