"""Corrections are found where users put them and applied to the answer they are about.

"Nee wacht, wat ik bij de eerste vraag zei klopt niet" halfway a message corrects
question 1 and leaves the words before it as the answer to the question asked now;
"wat ik bedoelde met dat het stil is bij een paar musea" corrects the answer that
said so, not simply the latest one.
"""

from __future__ import annotations

import pytest
from dialogue_fixtures import CENTRAL, Conversation, understand

from coach.models import Understanding

INTAKE = "Ik ben partner namens een zorgaanbieder in een samenwerking met drie gemeenten."


def u(intent: str = "answer", *signals: str, **kwargs: object) -> Understanding:
    return Understanding(intent=intent, signals=tuple((s, 0.9) for s in signals), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "first", "new"),
    [
        (
            "Dat zou een kans zijn om opnieuw afspraken te maken. Nee wacht, wat ik bij de "
            "eerste vraag zei klopt niet helemaal: de politie brengt niks meer in.",
            "Dat zou een kans zijn om opnieuw afspraken te maken.",
            "de politie brengt niks meer in.",
        ),
        (
            "nee, wat ik bedoelde met dat het stil is: twee musea draaien op vrijwilligers.",
            "",
            "twee musea draaien op vrijwilligers.",
        ),
        (
            "Nee, ik bedoelde niet dat er weinig gebeurt: de wethouder mag niets besluiten.",
            "",
            "de wethouder mag niets besluiten.",
        ),
    ],
)
def test_a_correction_is_read_with_what_it_says_instead(text: str, first: str, new: str) -> None:
    read = understand(text, "followup")
    assert read.intent == "correction"
    assert read.answer_first == first and read.answer_part == new


def test_a_correction_halfway_a_message_fixes_the_question_it_names_and_answers_the_current() -> (
    None
):
    c = Conversation()
    c.say(INTAKE)
    c.say("De politie deelt alleen het hoognodige.", understanding=u("answer"))
    while c.state.question_index == 0:
        c.say("overslaan")
    assert c.state.phase == "question" and c.state.question_index == 1
    text = (
        "Er komt een nieuwe wet, dat is een kans om opnieuw afspraken te maken. Nee wacht, wat "
        "ik bij de eerste vraag zei klopt niet: de politie brengt helemaal niks meer in."
    )
    reply = c.say(text, understanding=understand(text, "question"))
    q1 = c.state.answer_to(0)
    assert q1 is not None and q1.text == "de politie brengt helemaal niks meer in."
    assert q1.replaced == ("De politie deelt alleen het hoognodige.",)
    q2 = c.state.answer_to(1)
    assert q2 is not None and q2.text.startswith("Er komt een nieuwe wet")
    assert "als antwoord op de vraag van nu" in reply.text
    assert CENTRAL[1] not in reply.text.split("als antwoord op de vraag van nu")[1]  # moved on


def test_a_correction_goes_to_the_answer_whose_words_it_takes_up() -> None:
    c = Conversation()
    c.say(INTAKE)
    c.say(
        "Zolang de provincie betaalt is iedereen gecommitteerd, nu is het stil bij een paar musea.",
        understanding=u("answer", "money"),
    )
    c.say("Het rivierenverhaal voor elk kind hoor ik niemand meer noemen.", understanding=u())
    text = (
        "nee, wat ik bedoelde met dat het stil is bij een paar musea: ze draaien op vrijwilligers."
    )
    c.say(text, understanding=understand(text, c.state.phase))
    q1 = c.state.answer_to(0)
    assert q1 is not None and q1.text == "ze draaien op vrijwilligers."
    assert all("rivierenverhaal" not in r for a in c.state.answers for r in a.replaced)


def test_a_correction_of_question_1_inside_a_later_answer_keeps_only_the_new_words() -> None:
    c = Conversation()
    c.say(INTAKE)
    c.say("Iedereen komt trouw naar het wijkoverleg.", understanding=u("answer"))
    while c.state.question_index == 0:
        c.say("overslaan")
    text = (
        "Er komt een nieuwe zorgcoöperatie van bewoners, dat vind ik mooi. O, en nee, ik "
        "bedoelde bij de eerste vraag niet dat iedereen komt: de corporaties laten het vaak "
        "afweten."
    )
    read = understand(text, "question")
    assert read.intent == "correction"
    assert read.answer_part == "de corporaties laten het vaak afweten."
    c.say(text, understanding=read)
    q1 = c.state.answer_to(0)
    assert q1 is not None and q1.text == "de corporaties laten het vaak afweten."
    assert q1.replaced == ("Iedereen komt trouw naar het wijkoverleg.",)
    q2 = c.state.answer_to(1)
    assert q2 is not None and q2.text.startswith("Er komt een nieuwe zorgcoöperatie")


def test_a_correction_that_only_says_the_old_words_were_wrong_is_read_with_the_sentence_after() -> (
    None
):
    text = (
        "Wacht, ik zei net dat iedereen het eens is, maar dat klopt niet helemaal. Eén bestuur "
        "zegt in het overleg ja, maar blokkeert het daarna in de eigen organisatie."
    )
    read = understand(text, "followup")
    assert read.intent == "correction"
    assert read.answer_part.startswith("Eén bestuur zegt in het overleg ja")


def test_correcting_one_claim_of_a_longer_answer_keeps_the_rest_of_that_answer() -> None:
    c = Conversation()
    c.say(INTAKE)
    first = (
        "We komen elke zes weken bij elkaar, er wordt veel gepraat en iedereen is het eens, "
        "maar daarna gebeurt er eigenlijk niks. Het volgende overleg beginnen we weer opnieuw."
    )
    c.say(first, understanding=u("answer", "meeting_no_progress"))
    text = (
        "Wacht, ik zei net dat iedereen het eens is, maar dat klopt niet helemaal. Eén bestuur "
        "zegt in het overleg ja, maar blokkeert het daarna in de eigen organisatie."
    )
    c.say(text, understanding=understand(text, c.state.phase))
    q1 = c.state.answer_to(0)
    assert q1 is not None and q1.replaced == (first,)
    assert q1.text.startswith(first) and q1.text.endswith("in de eigen organisatie.")
    assert "meeting_no_progress" in q1.signals  # what was not taken back still stands


def test_a_correction_of_a_whole_short_answer_still_replaces_it() -> None:
    c = Conversation()
    c.say(INTAKE)
    c.say("De politie deelt alleen het hoognodige.", understanding=u("answer"))
    text = "Nee wacht, dat klopt niet helemaal: de politie brengt helemaal niks meer in."
    c.say(text, understanding=understand(text, c.state.phase))
    q1 = c.state.answer_to(0)
    assert q1 is not None and q1.text == "de politie brengt helemaal niks meer in."


def test_a_long_answer_that_mentions_moving_on_is_an_answer_not_a_command() -> None:
    c = Conversation()
    c.say(INTAKE)
    c.say("Afspraken genoeg, maar wij betalen vooral mee.", understanding=u("answer", "money"))
    assert c.state.phase == "followup"
    text = (
        "Eigenlijk alleen de huurbegeleiding; al het andere staat ter discussie. En praten doen "
        "we er niet over: toen ik het aankaartte, ging men snel door naar het volgende agendapunt."
    )
    c.say(
        text, understanding=u("command", "meeting_no_progress", confident=("meeting_no_progress",))
    )
    assert any(a.text == text for a in c.state.answers)  # kept as the follow-up's answer


def test_a_short_command_in_a_sentence_still_steers() -> None:
    c = Conversation()
    c.say(INTAKE)
    c.say("Afspraken genoeg, maar wij betalen vooral mee.", understanding=u("answer", "money"))
    c.say("Kunnen we door naar de volgende vraag?", understanding=u("command"))
    assert c.state.question_index == 1


def test_scores_typed_at_a_follow_up_are_not_kept_as_its_answer() -> None:
    c = Conversation()
    c.say(INTAKE)
    while c.state.question_index < 2:
        c.say("overslaan")
    c.say("Het commitment is er op papier, maar de voortgang is nul.", understanding=u())
    assert c.state.phase == "followup"
    c.say("commitment 3, voortgang 1, resultaat 2", understanding=u())
    assert c.state.phase == "actions"
    assert not any("resultaat 2" in a.text for a in c.state.answers)
    assert c.state.answer_to(2) is not None  # the central answer stays


def test_scores_given_as_the_answer_to_question_3_are_its_answer() -> None:
    c = Conversation()
    c.say(INTAKE)
    while c.state.question_index < 2:
        c.say("overslaan")
    assert c.state.phase == "question"
    c.say("commitment 3, voortgang 1, resultaat 2", understanding=u())
    q3 = c.state.answer_to(2)
    assert c.state.phase == "actions" and q3 is not None and "voortgang 1" in q3.text
