"""The conversation of issue #3: intake -> questions/follow-ups -> balance -> actions -> summary."""

from __future__ import annotations

from dialogue_fixtures import (
    CENTRAL,
    FOLLOWUPS,
    Conversation,
    content,
    corpus_texts,
    hit,
    passage,
    seed_card,
    talk,
)

from coach.dialogue import machine
from coach.dialogue.state import DialogueState

INTAKE = "Ik ben procesbegeleider van een samenwerking tussen Gemeente Utrecht en zorgaanbieders."


def test_start_greets_says_everything_stays_local_and_asks_role_and_collaboration() -> None:
    state, reply = machine.start(seed_card(), content())
    assert reply.phase == "intake" and state.phase == "intake"
    assert "deze computer" in reply.text
    assert "partner" in reply.text and "procesbegeleider" in reply.text
    assert reply.citations == [] and reply.retrieved == []
    assert reply.progress == {
        "phase": "intake",
        "question_index": 0,
        "question_total": 3,
        "ratings": {"commitment": None, "progress": None, "result": None},
        "followups_asked": 0,
    }
    assert 2 <= len(reply.suggestions) <= 4


def test_intake_keeps_role_parties_and_theme_then_asks_the_first_central_question() -> None:
    c = talk(INTAKE)
    ctx = c.state.context
    assert ctx.role == "facilitator"
    assert "Gemeente Utrecht" in ctx.parties and "zorgaanbieders" in ctx.parties
    assert c.reply.phase == "question"
    assert CENTRAL[0] in c.reply.text
    assert "procesbegeleider" in c.reply.text and "Gemeente Utrecht" in c.reply.text
    assert c.reply.progress["question_index"] == 1


def test_intake_can_be_skipped() -> None:
    for word in ("overslaan", "skip", "nee", "verder"):
        c = talk(word)
        assert c.reply.phase == "question" and c.state.context.role is None
        assert CENTRAL[0] in c.reply.text


def test_answer_is_reflected_by_meaning_and_grounded_in_the_schijnsamenwerking_passage() -> None:
    c = talk(INTAKE, "we vergaderen veel maar er gebeurt weinig")
    reply = c.reply
    assert reply.signals == ["meeting_no_progress"]
    assert reply.text.startswith("Het klinkt alsof er veel overlegd wordt")
    assert '"vergaderen"' not in reply.text and "Je noemt" not in reply.text
    assert len(reply.citations) == 1
    citation = reply.citations[0]
    assert citation.section == "Commitment" and "schijnsamenwerking" in citation.quote
    assert citation.quote in seed_card().text
    assert citation.quote in reply.text
    assert "Kaats" in citation.source and citation.url and citation.url.startswith("https://")


def test_insight_query_is_the_answer_plus_the_current_question() -> None:
    c = talk(INTAKE)
    queries = machine.queries_for(c.state, "we vergaderen veel", c.card, content())
    assert [q.name for q in queries] == ["insight"]
    assert queries[0].text.startswith("we vergaderen veel") and CENTRAL[0] in queries[0].text


def test_relevant_follow_up_is_asked_after_an_answer() -> None:
    c = talk(INTAKE, "we vergaderen veel maar er gebeurt weinig")
    assert c.reply.phase == "followup"
    # Not "is there still commitment, do we monitor progress?": the answer already said
    # progress stalls; the coach digs into which agreements hold instead.
    assert c.reply.followups == [FOLLOWUPS[0]]
    assert c.reply.progress["followups_asked"] == 1


def test_first_question_gets_a_follow_up_even_when_nothing_matches() -> None:
    c = talk(INTAKE, "Tja, lastig te zeggen eigenlijk.")
    assert c.reply.phase == "followup" and len(c.reply.followups) == 1


def test_unrelated_answer_after_a_follow_up_moves_to_the_next_central_question() -> None:
    c = talk(
        INTAKE,
        "we vergaderen veel maar er gebeurt weinig",
        "Elke maand een rapport voor de wethouders.",
    )
    assert c.reply.phase == "question" and CENTRAL[1] in c.reply.text


def test_at_most_two_follow_ups_per_question_and_none_repeated() -> None:
    c = talk(
        INTAKE,
        "we vergaderen veel maar er gebeurt weinig, de afspraken zijn vaag",
        "de afspraken over inzet zijn niet hard; er zijn onuitgesproken irritaties",
        "onuitgesproken meningen en nieuwe kansen, flexibel zijn we niet, stoppen durven we niet",
    )
    asked = [f for r in c.replies for f in r.followups]
    assert len(asked) == len(set(asked)) == 2
    assert c.reply.phase == "question" and CENTRAL[1] in c.reply.text


def test_move_on_words_leave_the_follow_ups() -> None:
    for word in ("verder", "volgende", "next", "overslaan", "skip"):
        c = talk(INTAKE, "we vergaderen veel maar er gebeurt weinig", word)
        assert c.reply.phase == "question" and c.state.question_index == 1, word


def test_no_to_a_follow_up_is_kept_and_moves_on() -> None:
    c = talk(INTAKE, "we vergaderen veel maar er gebeurt weinig", "nee")
    assert c.reply.phase == "question" and c.state.question_index == 1
    asked = c.state.followups_asked[0]
    assert c.state.answer_to(0, asked) is not None and c.state.answer_to(0, asked).text == "nee"


def test_no_to_a_central_question_is_an_answer() -> None:
    c = talk(INTAKE, "nee")
    assert c.state.answer_to(0) is not None and c.state.answer_to(0).text == "nee"


def test_follow_up_stated_as_a_sentence_is_asked_in_its_question_form() -> None:
    c = talk(INTAKE, "er zijn veel onuitgesproken meningen en irritaties")
    assert c.reply.followups == ["Welke onuitgesproken meningen moeten er nog boven tafel komen?"]


def test_after_the_last_question_the_coach_asks_for_the_balance() -> None:
    c = talk(INTAKE, "overslaan", "overslaan", "We letten vooral op het resultaat.", "verder")
    assert c.reply.phase == "balance"
    assert (
        "commitment" in c.reply.text and "voortgang" in c.reply.text and "resultaat" in c.reply.text
    )
    assert c.reply.progress["question_index"] == 3


RATINGS = "commitment 4, voortgang 2, resultaat 3"


def _to_balance() -> Conversation:
    return talk(
        INTAKE, "we vergaderen veel maar er gebeurt weinig", "verder", "overslaan", "overslaan"
    )


def test_completing_the_ratings_names_the_balance_and_offers_grounded_actions() -> None:
    c = _to_balance()
    assert c.reply.phase == "balance"
    reply = c.say("commitment 4, voortgang 2, resultaat 3")
    assert reply.phase == "actions"
    assert "schijnsamenwerking" in reply.text
    assert reply.citations and all(q.quote in reply.text for q in reply.citations)
    assert 2 <= len(reply.actions) <= 4
    for action in reply.actions:
        assert action.citations and action.why and action.title in reply.text
    ids = [a.id for a in reply.actions]
    assert "commitment-gesprek" in ids
    assert reply.progress["ratings"] == {"commitment": 4, "progress": 2, "result": 3}


def test_action_why_paraphrases_what_the_user_said() -> None:
    c = _to_balance()
    reply = c.say(RATINGS)
    gesprek = next(a for a in reply.actions if a.id == "commitment-gesprek")
    assert gesprek.why.startswith("Je vertelde dat er veel overlegd wordt maar weinig gebeurt")
    assert '"' not in gesprek.why


def test_unlabelled_ratings_are_confirmed_before_they_count() -> None:
    c = _to_balance()
    reply = c.say("4 2 3")
    assert reply.phase == "balance" and c.state.proposed is not None
    assert "Ik lees commitment 4, voortgang 2 en resultaat 3. Klopt dat?" in reply.text
    assert c.state.ratings.missing() == ("commitment", "progress", "result")
    reply = c.say("ja")
    assert reply.phase == "actions"
    assert reply.progress["ratings"] == {"commitment": 4, "progress": 2, "result": 3}


def test_a_no_to_guessed_ratings_asks_for_them_again_and_a_fix_is_taken() -> None:
    c = _to_balance()
    c.say("4 2 3")
    reply = c.say("nee, voortgang 3")
    assert reply.phase == "actions"
    assert reply.progress["ratings"] == {"commitment": 4, "progress": 3, "result": 3}
    c = _to_balance()
    c.say("hoog, laag, gemiddeld")
    reply = c.say("nee")
    assert reply.phase == "balance" and c.state.proposed is None and "nog eens" in reply.text


def test_choosing_actions_ends_with_the_summary() -> None:
    c = _to_balance()
    c.say(RATINGS)
    offered = [a.id for a in c.state.offered]
    reply = c.say("1 en 3")
    assert reply.phase == "summary" and reply.ended
    assert c.state.chosen == (offered[0], offered[2])
    assert "# Reflectie: Blijf balanceren" in reply.text
    assert "we vergaderen veel maar er gebeurt weinig" in reply.text


def test_accepting_all_actions() -> None:
    for word in ("alle", "allemaal", "all", "alle acties"):
        c = _to_balance()
        c.say(RATINGS)
        c.say(word)
        assert c.state.chosen == tuple(a.id for a in c.state.offered), word


def test_choosing_no_actions() -> None:
    c = _to_balance()
    c.say(RATINGS)
    reply = c.say("geen")
    assert reply.phase == "summary" and c.state.chosen == ()


def test_unreadable_choice_is_asked_again() -> None:
    c = _to_balance()
    c.say(RATINGS)
    reply = c.say("misschien")
    assert reply.phase == "actions" and c.state.phase == "actions"
    assert "nummers" in reply.text


def test_input_after_the_summary_gets_a_short_note() -> None:
    c = _to_balance()
    c.say(RATINGS)
    c.say("alle")
    reply = c.say("en nu?")
    assert reply.phase == "summary" and "opnieuw" in reply.text and len(reply.text) < 300


def test_same_inputs_give_identical_conversations() -> None:
    messages = (
        INTAKE,
        "we vergaderen veel maar er gebeurt weinig",
        "nee",
        "nieuwe wetgeving",
        "verder",
        "overslaan",
        "4 2 3",
        "1",
    )
    first, second = talk(*messages), talk(*messages)
    assert first.state == second.state
    assert first.replies == second.replies


def test_state_round_trips_through_json_after_every_step() -> None:
    import json

    c = talk(
        INTAKE,
        "we vergaderen veel maar er gebeurt weinig",
        "wat is een normenkader?",
        "nee",
        "nieuwe wetgeving",
        "verder",
        "overslaan",
        "4",
        "2 3",
        "alle",
    )
    restored = DialogueState.from_dict(json.loads(json.dumps(c.state.to_dict())))
    assert restored == c.state


def test_retrieved_lists_the_hits_the_turn_used() -> None:
    c = talk(INTAKE)
    card = c.card
    hits = {"insight": [hit(passage(card, "Commitment"), 1), hit(passage(card, "Lenigheid"), 2)]}
    state, reply = machine.step(
        c.state, "we vergaderen veel", hits, card, content(), corpus_texts(card)
    )
    assert reply.retrieved == [passage(card, "Commitment").id, passage(card, "Lenigheid").id]
    assert state.cited == tuple(reply.citations)


def test_every_reply_has_phase_fitting_suggestions_in_its_language() -> None:
    c = _to_balance()
    assert c.reply.suggestions[0].startswith("commitment")
    c.say("4 2 3")
    assert c.reply.suggestions == ["ja, klopt", "nee"]
    c.say("ja")
    assert "alle acties" in c.reply.suggestions
    for reply in c.replies:
        assert 2 <= len(reply.suggestions) <= 4


def test_a_bare_yes_at_the_choice_prompt_asks_which_actions() -> None:
    c = _to_balance()
    c.say(RATINGS)
    reply = c.say("ja")
    assert reply.phase == "actions" and c.state.chosen == ()
    assert "nummers" in reply.text


def test_a_choice_typed_after_the_summary_changes_the_choice() -> None:
    c = _to_balance()
    c.say(RATINGS)
    c.say("geen")
    offered = [a.id for a in c.state.offered]
    reply = c.say("1 en 2")
    assert reply.phase == "summary" and c.state.chosen == tuple(offered[:2])
