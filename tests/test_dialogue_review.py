"""Team rounds: a partner's reflection starts by asking about the actions chosen last time."""

from __future__ import annotations

from dialogue_fixtures import CENTRAL, Conversation, content, seed_card

from coach.dialogue import machine
from coach.dialogue.review import review_status
from coach.dialogue.state import DialogueState, Review

LAST_TIME = (
    Review("stopcriteria", "Spreek stopcriteria af"),
    Review("normenkader", "Toets het normenkader"),
)


def with_reviews(*reviews: Review, language: str = "nl") -> Conversation:
    c = Conversation(language=language)
    c.state, c.reply = machine.start(seed_card(), content(), language, reviews=reviews)
    c.replies = [c.reply]
    return c


def test_a_round_session_opens_with_last_times_action_before_the_intake() -> None:
    c = with_reviews(LAST_TIME[0])
    assert c.state.phase == "review" and c.reply.phase == "review"
    assert 'Vorige keer koos je "Spreek stopcriteria af" — is dat gelukt?' in c.reply.text
    assert "rol" not in c.reply.text.split("gelukt?")[1]  # the intake question comes later
    assert c.reply.suggestions == ["gelukt", "deels gelukt", "nog niet"]
    assert c.reply.progress["phase"] == "review" and c.reply.progress["question_index"] == 0


def test_each_action_is_asked_about_in_turn_and_the_answers_are_recorded() -> None:
    c = with_reviews(*LAST_TIME)
    assert "vorige ronde koos je 2 acties" in c.reply.text
    c.say("Ja, dat is gelukt: we hebben ze vastgelegd.")
    assert "Toets het normenkader" in c.reply.text and c.state.phase == "review"
    c.say("Niet helemaal, we zijn halverwege.")
    assert c.state.phase == "intake"
    assert "Dan nu deze ronde" in c.reply.text and "Wat is jouw rol" in c.reply.text
    first, second = c.state.reviews
    assert (first.status, second.status) == ("done", "partly")
    assert first.text == "Ja, dat is gelukt: we hebben ze vastgelegd."
    assert second.text == "Niet helemaal, we zijn halverwege."


def test_after_the_look_back_the_conversation_goes_on_as_usual() -> None:
    c = with_reviews(LAST_TIME[0])
    c.say("nog niet")
    c.say("Ik ben partner namens de gemeente.")
    assert c.state.phase == "question" and CENTRAL[0] in c.reply.text
    assert c.state.reviews[0].status == "not_yet"


def test_an_unreadable_answer_is_asked_once_more_with_the_three_options() -> None:
    c = with_reviews(LAST_TIME[0])
    c.say("Daar hebben we het in maart over gehad met de wethouder.")
    assert c.state.phase == "review" and "deels gelukt of nog niet" in c.reply.text
    c.say("deels")
    review = c.state.reviews[0]
    assert review.status == "partly"
    assert review.text == "Daar hebben we het in maart over gehad met de wethouder.\ndeels"
    c2 = with_reviews(LAST_TIME[0])
    c2.say("Daar hebben we het in maart over gehad.")
    c2.say("tja, de wethouder")
    assert c2.state.phase == "intake" and c2.state.reviews[0].status is None


def test_skip_leaves_the_action_without_a_status() -> None:
    c = with_reviews(*LAST_TIME)
    c.say("overslaan")
    assert c.state.reviews[0].status is None and c.state.review_index == 1
    assert "Toets het normenkader" in c.reply.text


def test_words_that_say_what_became_of_an_action() -> None:
    cmds = content().commands
    cases = {
        "ja": "done",
        "Gelukt!": "done",
        "helemaal afgerond": "done",
        "niet helemaal gelukt": "partly",
        "ja, maar niet alles": "partly",
        "deels": "partly",
        "nee": "not_yet",
        "nog niet": "not_yet",
        "helemaal niet": "not_yet",
        "er niet van gekomen": "not_yet",
        "yes, done": "done",
        "partly": "partly",
        "not yet": "not_yet",
        "we hebben het besproken": None,
    }
    for text, expected in cases.items():
        assert review_status(text, cmds) == expected, text


def test_english_sessions_are_asked_in_english() -> None:
    c = with_reviews(Review("stopcriteria", "Agree on stop criteria"), language="en")
    assert 'Last time you chose "Agree on stop criteria" — did that work out?' in c.reply.text
    c.say("partly")
    assert c.state.reviews[0].status == "partly" and "What is your role" in c.reply.text


def test_what_an_answer_says_about_the_situation_is_kept_as_a_note() -> None:
    c = with_reviews(LAST_TIME[0])
    c.say("Nee, we vergaderen veel maar er gebeurt eigenlijk niets.")
    assert c.state.reviews[0].status == "not_yet"
    assert [n.phase for n in c.state.notes] == ["review"]
    assert c.state.notes[0].signals


def test_the_summary_shows_last_times_actions_and_what_became_of_them() -> None:
    c = with_reviews(*LAST_TIME)
    for text in ("gelukt", "nee, nog niet", "overslaan", "stop"):
        c.say(text)
    assert c.state.phase == "summary"
    text = c.reply.text
    assert "## Terugblik op vorige keer" in text
    assert "- **Spreek stopcriteria af**: gelukt" in text
    assert "- **Toets het normenkader**: nog niet" in text
    assert "  > nee, nog niet" in text


def test_restart_asks_about_last_times_actions_again() -> None:
    c = with_reviews(LAST_TIME[0])
    c.say("gelukt")
    c.say("opnieuw")
    assert c.state.phase == "review" and c.state.reviews[0].status is None
    assert "Vorige keer koos je" in c.reply.text


def test_help_and_back_while_looking_back_keep_the_question_pending() -> None:
    c = with_reviews(LAST_TIME[0])
    c.say("hulp")
    assert "Nu kijk je terug op de acties" in c.reply.text
    assert c.reply.text.rstrip().endswith("is dat gelukt?")
    c.say("terug")
    assert c.state.phase == "review" and c.reply.text.rstrip().endswith("is dat gelukt?")


def test_a_question_about_the_cards_is_answered_and_the_look_back_resumes() -> None:
    c = with_reviews(LAST_TIME[0])
    c.say("Wat is schijnsamenwerking?")
    assert c.reply.phase == "qa" and c.reply.citations
    assert c.state.phase == "review" and c.reply.text.rstrip().endswith("is dat gelukt?")


def test_sessions_without_last_time_start_with_the_intake_as_before() -> None:
    state, reply = machine.start(seed_card(), content())
    assert state.phase == "intake" and state.reviews == ()
    assert "Vorige keer" not in reply.text


def test_reviews_survive_the_stored_state_round_trip() -> None:
    c = with_reviews(*LAST_TIME)
    c.say("deels")
    data = c.state.to_dict()
    assert data["reviews"][0] == {
        "action": "stopcriteria",
        "title": "Spreek stopcriteria af",
        "status": "partly",
        "text": "deels",
    }
    assert DialogueState.from_dict(data) == c.state
