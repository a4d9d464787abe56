""" "No" is heard: a reading the user takes back leaves everything the coach noted.

"Vertrouwen is bij ons prima", "stopping would be crazy", "Nee dus, dat is het
punt niet" and "kun je dat eruit halen?" remove the signal from the answers and
notes, so it no longer reaches the actions ("Je vertelde dat ...") or the
summary's "In het kort", and it is not read again in the conversation.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from dialogue_fixtures import Conversation, content, reader, talk, understand

from coach.dialogue.parsing import split_choice
from coach.models import Understanding
from coach.understanding.features import intent_nudges, retraction
from coach.understanding.labels import INTENTS

INTAKE = "Ik ben partner namens een zorgaanbieder in een samenwerking met drie gemeenten."
RATINGS = "commitment 3, voortgang 2, resultaat 2"
TRUST_SAID = "het vertrouwen beschadigd is"


def u(intent: str = "answer", *signals: str, **kwargs: object) -> Understanding:
    return Understanding(intent=intent, signals=tuple((s, 0.9) for s in signals), **kwargs)  # type: ignore[arg-type]


def _trust_read() -> Conversation:
    c = Conversation()
    c.say(INTAKE)
    c.say(
        "Er wordt in de wandelgangen meer gezegd dan aan tafel.",
        understanding=u("answer", "broken_trust"),
    )
    assert "broken_trust" in c.state.signals()
    return c


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("Vertrouwen is bij ons trouwens prima hoor.", "broken_trust"),
        ("Hm, trust is fine actually, it's more about interests.", "broken_trust"),
        ("Stop? No, the results are there, stopping would be crazy.", "exit_wish"),
        ("For the record, I never said stopping is on the table.", "exit_wish"),
        ("Er staat dat het vertrouwen beschadigd is, dat klopt niet.", "broken_trust"),
        ("Het geld is het probleem niet, de rollen zijn onduidelijk.", "money"),
    ],
)
def test_saying_a_topic_is_fine_retracts_its_signal(text: str, signal: str) -> None:
    assert retraction(text, reader().bank)[0] == (signal,)


@pytest.mark.parametrize(
    "text",
    [
        "Het vertrouwen is niet prima, er is veel gebeurd.",
        "Trust isn't fine at all.",
        "We willen stoppen, de resultaten zijn prima maar het kost te veel.",
        "We hebben het goed over geld gehad.",
        "Het geld is het probleem niet, de rollen zijn onduidelijk.",  # roles are not retracted
    ],
)
def test_a_negated_or_unrelated_fine_retracts_nothing_else(text: str) -> None:
    retracted = retraction(text, reader().bank)[0]
    assert "broken_trust" not in retracted and "exit_wish" not in retracted
    assert "unclear_roles" not in retracted


def test_the_rest_of_the_message_is_kept_to_answer_with() -> None:
    signals, rejects, rest = retraction(
        "Trust is fine, but money is a real problem.", reader().bank
    )
    assert signals == ("broken_trust",) and not rejects and "money is a real problem" in rest


def test_a_denial_is_not_itself_read_as_the_problem_it_denies() -> None:
    read = understand("Vertrouwen is bij ons trouwens prima hoor, echt waar.")
    assert not read.has("broken_trust") and read.retracted == ("broken_trust",)


def test_a_retracted_reading_leaves_the_answers_and_is_said_to_be_left_out() -> None:
    c = _trust_read()
    reply = c.say("Vertrouwen is bij ons trouwens prima hoor.")
    assert "broken_trust" not in c.state.signals() and "broken_trust" in c.state.denied
    assert reply.text.startswith("Dan had ik je verkeerd begrepen.")
    assert TRUST_SAID in reply.text
    assert c.state.phase in ("question", "followup")  # the pending question comes again


def test_a_taken_back_reading_never_reaches_the_actions_or_the_summary() -> None:
    c = _trust_read()
    c.say("Vertrouwen is bij ons trouwens prima hoor.")
    while c.state.phase in ("question", "followup"):
        c.say(
            "Er wordt weer over vertrouwen gepraat, maar wij moeten verder.",
            understanding=u("answer", "broken_trust", "meeting_no_progress"),
        )
    reply = c.say(RATINGS)
    assert all(TRUST_SAID not in a.why for a in reply.actions)
    summary = c.say("1").text
    assert TRUST_SAID not in summary.split("## ")[1]  # not in "In het kort"


def test_rejecting_the_last_reading_without_naming_it_drops_what_was_said_back() -> None:
    c = Conversation()
    c.say(INTAKE)
    c.say("Wij doen al het werk.", understanding=u("answer", "unequal_effort"))
    rest = "Iedereen doet zijn best. Het probleem is dat één partij alles bepaalt."
    reply = c.say(
        f"Nee dus, dat is het punt niet. {rest}",
        understanding=u("answer", "dominant_partner", rejects_reading=True, unretracted=rest),
    )
    assert "unequal_effort" not in c.state.signals()
    assert "dominant_partner" in c.state.signals()
    assert reply.text.startswith("Dan had ik je verkeerd begrepen.")
    assert (
        "evenveel inbrengen" in reply.text
        and "de toon zet en de verhoudingen" not in (reply.text.split("\n")[0])
    )


def test_after_the_summary_a_retraction_rewrites_the_summary_and_keeps_the_choice() -> None:
    c = _trust_read()
    c.say("overslaan")
    while c.state.phase in ("question", "followup"):
        c.say("overslaan")
    c.say(RATINGS)
    c.say("1")
    chosen = c.state.chosen
    reply = c.say(
        "Er staat in het kort dat het vertrouwen beschadigd is, dat klopt niet. "
        "Kun je dat eruit halen?"
    )
    assert c.state.chosen == chosen  # not read as a new choice of actions
    assert "Hier is de samenvatting zonder dat punt" in reply.text
    assert TRUST_SAID not in reply.text.split("## ", 2)[1]


def test_a_choice_that_leaves_one_out_with_niet_does_not_choose_it() -> None:
    titles = ["a", "b", "c"]
    cmds = content().commands
    text = "1 zeker. 3 alleen als de zorgverzekeraar er ook bij zit. 2 niet, dat herken ik niet."
    choice, remark = split_choice(text, titles, cmds)
    assert choice == (0, 2) and "alleen als de zorgverzekeraar" in remark
    assert split_choice("alles behalve 2", titles, cmds)[0] == (0, 2)
    assert split_choice("2, niet 1", titles, cmds)[0] == (1,)


def test_a_choice_with_a_retraction_keeps_the_choice_and_drops_the_reading() -> None:
    c = _trust_read()
    c.say("overslaan")
    while c.state.phase in ("question", "followup"):
        c.say("overslaan")
    c.say(RATINGS)
    reply = c.say("2. Vertrouwen is bij ons trouwens prima hoor.")
    assert reply.phase == "summary" and len(c.state.chosen) == 1
    assert "broken_trust" not in c.state.signals()


def test_an_english_negation_of_leaving_is_no_wish_to_leave() -> None:
    c = talk(INTAKE, language="en")
    read = understand("Stop? No, the results are there, stopping would be crazy.")
    assert not read.has("exit_wish")
    c.say("Stop? No, the results are there, stopping would be crazy.")
    assert "exit_wish" not in c.state.signals()


def test_an_impatient_repeat_is_an_answer_not_hostility() -> None:
    nudges = intent_nudges(
        "I just told you - teaming up with them instead of being swallowed.",
        "followup",
        content().commands,
        reader().bank,
    )
    assert nudges[INTENTS.index("answer")] > 0 > nudges[INTENTS.index("hostile")]
    short = intent_nudges("I told you", "followup", content().commands, reader().bank)
    assert short[INTENTS.index("hostile")] == 0


def test_dare_we_stop_is_not_asked_after_results_that_go_well() -> None:
    c = talk(INTAKE, "overslaan", "overslaan")
    assert c.state.question_index == 2
    reply = c.say(
        "De resultaten zijn goed, we halen de doelen ruim en de partners zijn tevreden.",
        understanding=u("answer", "going_well"),
    )
    assert all("te stoppen als het resultaat te mager is" not in f for f in reply.followups)


def test_the_summary_keeps_the_passages_quoted_along_the_way() -> None:
    c = talk(
        INTAKE,
        "We vergaderen veel maar er gebeurt weinig.",
        "Niemand bewaakt de voortgang van de afspraken.",
        "Er komt een nieuwe partij bij die meteen de regie wil.",
        "Flexibel zijn we niet, alles moet eerst langs de besturen.",
        "Het resultaat is mager en de ambitie is verdwenen.",
    )
    shown = {x.quote for r in c.replies for x in r.citations}
    summary = c.say("samenvatting").text
    listed = summary.split("## Geciteerde passages", 1)[1].split("## ", 1)[0]
    assert len(shown) > 2 and listed.count('\n- "') == min(len(shown), 8)


def test_in_het_kort_quotes_what_the_user_called_most_important() -> None:
    c = talk(
        INTAKE,
        "We vergaderen veel maar er gebeurt weinig.",
        "Eerlijk gezegd mis ik wie de regie heeft. Dat vind ik zelf het grootste probleem.",
    )
    summary = c.say("samenvatting").text
    short = summary.split("## ", 2)[1]
    assert 'noemde: "Eerlijk gezegd mis ik wie de regie heeft. Dat vind ik zelf' in short


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("Nee, dat is het niet. We vergaderen juist weinig.", "meeting_no_progress"),
        ("Not 2, there's no trust problem.", "broken_trust"),
        ("The broker isn't dominant, I was just angry.", "dominant_partner"),
        ("Het gaat mij niet om wie meer inbrengt, het gaat om de afspraken.", "unequal_effort"),
        ("Stoppen? Nee hoor, daar denkt niemand aan.", "exit_wish"),
        ("I never said money was the problem.", "money"),
        ("Het gaat niet om het geld maar om de rollen.", "money"),
    ],
)
def test_a_denial_in_other_words_retracts_the_signal(text: str, signal: str) -> None:
    assert retraction(text, reader().bank)[0] == (signal,)


@pytest.mark.parametrize(
    "text", ["We hebben geen vertrouwen meer in de gemeente.", "Geld is een groot probleem."]
)
def test_a_problem_said_with_a_negation_is_no_denial(text: str) -> None:
    assert retraction(text, reader().bank)[0] == ()


def test_a_reading_taken_back_after_the_offer_leaves_the_actions_reason_in_the_summary() -> None:
    c = _trust_read()
    c.say("overslaan")
    while c.state.phase in ("question", "followup"):
        c.say("overslaan")
    reply = c.say(RATINGS)
    trust = next((i for i, a in enumerate(reply.actions) if TRUST_SAID in a.why), None)
    assert trust is not None
    reply = c.say(f"{trust + 1}, maar er is geen vertrouwensprobleem hoor.")
    assert reply.phase == "summary" and reply.text.startswith("Dan had ik je verkeerd begrepen.")
    assert TRUST_SAID not in reply.text.split("# Reflectie", 1)[1]


def test_a_question_beside_a_choice_is_answered_and_the_choice_kept() -> None:
    c = talk(INTAKE, "overslaan", "overslaan", "overslaan", RATINGS)
    reply = c.say("1 en 2; wat is eigenlijk een normenkader?")
    assert reply.phase == "summary" and len(c.state.chosen) == 2
    assert "Wat de kaarten daarover zeggen" in reply.text and reply.citations


def test_i_asked_what_is_answered_not_taken_as_a_command() -> None:
    c = talk(INTAKE, "overslaan", "overslaan", "overslaan", RATINGS, "1")
    reply = c.say("Ik vroeg wat een normenkader is.")
    assert reply.phase == "qa" and reply.citations


def test_correcting_the_coachs_reading_answers_the_pending_question() -> None:
    c = Conversation()
    c.say(INTAKE)
    c.say(
        "We willen niet dat de coöperatie opgaat in dat park.",
        understanding=u("answer", "exit_wish"),
    )
    pending = c.state.pending_followup
    assert c.state.phase == "followup" and pending is not None
    text = (
        "Nee hoor, stoppen is helemaal niet aan de orde, je leest me verkeerd. Wat wel "
        "onuitgesproken is: de gemeente wil een commerciële partij voor het warmtenet."
    )
    read = understand(text, "followup")
    reply = c.say(text, understanding=replace(read, intent="correction"))  # as the model reads it
    assert "exit_wish" not in c.state.signals()
    assert reply.text.startswith("Dan had ik je verkeerd begrepen.")
    answer = c.state.answer_to(0, pending)
    assert answer is not None and "commerciële partij" in answer.text  # the follow-up is answered
    assert c.state.pending_followup != pending  # and not asked again


def test_nobody_is_leaving_takes_back_a_read_wish_to_leave() -> None:
    texts = ("No, that's not what I said. Nobody is leaving.", "Nee hoor, er stapt niemand uit.")
    for text in texts:
        retracted, _, _ = retraction(text, reader().bank)
        assert "exit_wish" in retracted, text
