"""The machine acts on what a message means: corrections, feelings, questions inside answers,
statements out of place, wishes to leave, irony, requests and commands in a sentence.

Each test hands the machine the Understanding the service would compute, so the
behaviour is pinned independently of how well the classifier reads the text.
"""

from __future__ import annotations

import re

from dialogue_fixtures import CENTRAL, FOLLOWUPS, Conversation, content, talk

from coach.models import Understanding

INTAKE = "Ik ben partner namens een zorgaanbieder in een samenwerking met drie gemeenten."
RATINGS = "commitment 3, voortgang 2, resultaat 2"


def u(intent: str = "answer", *signals: str, **kwargs: object) -> Understanding:
    return Understanding(intent=intent, signals=tuple((s, 0.2) for s in signals), **kwargs)  # type: ignore[arg-type]


def _asked(c: Conversation) -> Conversation:
    c.say(INTAKE)
    assert c.state.phase == "question"
    return c


def test_a_correction_replaces_the_answer_and_the_history_keeps_both() -> None:
    c = _asked(Conversation())
    c.say(
        "We vergaderen veel maar er gebeurt weinig.",
        understanding=u("answer", "meeting_no_progress"),
    )
    assert c.state.phase == "followup"
    pending = c.state.pending_followup
    reply = c.say(
        "Nee, ik bedoelde niet dat er weinig gebeurt: de wethouder mag gewoon niets besluiten.",
        understanding=u(
            "correction",
            "no_mandate",
            answer_part="de wethouder mag gewoon niets besluiten.",
        ),
    )
    answer = c.state.answer_to(0)
    assert answer is not None and answer.text == "de wethouder mag gewoon niets besluiten."
    assert answer.replaced == ("We vergaderen veel maar er gebeurt weinig.",)
    assert answer.signals == ("no_mandate",)
    assert reply.text.startswith("Helder, ik pas het aan.")
    assert c.state.phase == "followup" and c.state.pending_followup == pending
    summary = c.say("samenvatting").text
    assert "de wethouder mag gewoon niets besluiten." in summary
    assert "er gebeurt weinig." not in summary


def test_a_feeling_is_acknowledged_before_the_content() -> None:
    c = _asked(Conversation(language="en"))
    reply = c.say(
        "I'm exhausted, I feel like the only one who cares.",
        understanding=u("emotion", "fatigue", emotion="fatigue"),
    )
    first = reply.text.split("\n\n")[0]
    assert first.startswith("That sounds exhausting")
    assert c.state.answer_to(0) is not None and c.state.answer_to(0).private


def test_a_question_inside_an_answer_is_answered_and_the_answer_kept() -> None:
    c = _asked(Conversation())
    text = (
        "Iedereen zegt ja maar niemand doet iets. Mijn collega vraagt: wat is schijnsamenwerking?"
    )
    reading = u(
        "question",
        "meeting_no_progress",
        question="wat is schijnsamenwerking?",
        answer_part="Iedereen zegt ja maar niemand doet iets. Mijn collega vraagt",
    )
    from coach.dialogue import machine

    names = [q.name for q in machine.queries_for(c.state, text, c.card, content(), reading)]
    assert names == ["insight", "qa"]
    reply = c.say(text, understanding=reading)
    assert "Wat de kaarten daarover zeggen" in reply.text
    assert any("schijnsamenwerking" in cite.quote for cite in reply.citations)
    assert c.state.answer_to(0) is not None
    assert c.state.phase == "followup"  # the flow goes on after the answer to the question


def test_a_question_alone_is_answered_and_the_pending_question_asked_again() -> None:
    c = _asked(Conversation())
    reply = c.say(
        "Wat is een normenkader eigenlijk?",
        understanding=u("question", question="Wat is een normenkader eigenlijk?"),
    )
    assert reply.phase == "qa" and reply.citations
    assert reply.text.rstrip().endswith(CENTRAL[0].split("? ")[1])
    assert c.state.answers == ()


def _exit_conversation() -> Conversation:
    c = _asked(Conversation())
    c.say("Wij willen er eigenlijk uit.", understanding=u("answer", "exit_wish"))
    c.say("verder")
    c.say("We overwegen te stoppen met deze samenwerking.", understanding=u("answer", "exit_wish"))
    c.say("verder")
    c.say("Voor ons levert het niets meer op.", understanding=u("answer", "exit_wish", "money"))
    while c.state.phase != "balance":
        c.say("verder")
    return c


def test_a_wish_to_leave_leads_to_an_open_decision_to_continue_or_stop() -> None:
    c = _exit_conversation()
    reply = c.say("commitment 4, voortgang 4, resultaat 4")
    ids = [a.id for a in reply.actions]
    assert ids[0] == "besluit-doorgaan-stoppen"
    why = reply.actions[0].why
    assert why.startswith("Je vertelde dat uitstappen of stoppen serieus op tafel ligt")


def test_a_follow_up_the_user_has_in_effect_answered_is_not_asked() -> None:
    c = _exit_conversation()
    asked = {f for r in c.replies for f in r.followups}
    assert FOLLOWUPS[4] not in asked  # "Durven we ... te stoppen als het resultaat te mager is?"


def test_a_stop_criterion_given_at_the_ratings_prompt_is_kept_and_used() -> None:
    c = talk(INTAKE, "overslaan", "overslaan", "overslaan")
    assert c.state.phase == "balance"
    reply = c.say(
        "Als er in juni geen resultaat is, stappen wij eruit.",
        understanding=u("answer", "exit_wish"),
    )
    assert reply.phase == "balance" and "neem het mee" in reply.text
    assert c.state.notes and c.state.notes[0].text.startswith("Als er in juni")
    reply = c.say(RATINGS)
    assert "besluit-doorgaan-stoppen" in [a.id for a in reply.actions]
    summary = c.say("1").text
    assert "Als er in juni geen resultaat is, stappen wij eruit." in summary


def test_a_remark_that_comes_with_a_choice_is_kept_with_the_chosen_action() -> None:
    c = talk(INTAKE, "overslaan", "overslaan", "overslaan", RATINGS)
    first = c.state.offered[0]
    reply = c.say(
        "1, maar de inzet van de wethouder is nog onzeker",
        understanding=u("answer", "no_mandate"),
    )
    assert reply.phase == "summary" and c.state.chosen == (first.id,)
    assert "Opmerking: maar de inzet van de wethouder is nog onzeker" in reply.text
    assert c.state.notes[-1].action == first.id


def test_irony_gets_a_question_instead_of_a_literal_reading() -> None:
    c = _asked(Conversation())
    reply = c.say(
        "Geweldig hoor, weer een overleg zonder besluit.",
        understanding=u("answer", "meeting_no_progress", sarcasm=True),
    )
    assert "ironie" in reply.text and reply.citations == []
    assert c.state.clarifying == "sarcasm" and c.state.phase == "question"
    reply = c.say(
        "Ja, het werkt gewoon niet: we praten en er gebeurt niets.",
        understanding=u("answer", "meeting_no_progress"),
    )
    assert c.state.clarifying is None and reply.citations
    assert "Geweldig hoor" not in reply.text


def test_a_request_for_an_agenda_points_to_the_facilitator_plan() -> None:
    c = _asked(Conversation())
    reply = c.say("Maak een agenda voor ons volgende overleg.", understanding=u("request"))
    assert "Facilitator" in reply.text and reply.text.rstrip().endswith(CENTRAL[0].split("? ")[1])
    assert c.state.answers == ()


def test_you_skipped_my_answer_goes_back_to_the_question_it_names() -> None:
    c = _asked(Conversation())
    c.say("overslaan")
    c.say("overslaan")
    assert c.state.question_index == 2
    reply = c.say(
        "Je hebt vraag 2 overgeslagen, daar wilde ik nog iets over zeggen.",
        understanding=u("command"),
    )
    assert c.state.phase == "question" and c.state.question_index == 1
    assert CENTRAL[1] in reply.text


def test_the_summary_opens_with_a_synthesis_and_gives_each_action_who_and_when() -> None:
    c = _exit_conversation()
    c.say("commitment 4, voortgang 4, resultaat 4")
    summary = c.say("1").text
    synthesis = summary.split("## In het kort", 1)[1].split("##", 1)[0]
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", synthesis.strip()) if s]
    assert 2 <= len(sentences) <= 6
    assert "uitstappen of stoppen serieus op tafel ligt" in synthesis
    assert "Als vervolg gekozen" in synthesis
    assert "- Wie: …………" in summary and "- Wanneer: …………" in summary


def test_a_feeling_stays_out_of_the_summary_unless_the_user_keeps_it() -> None:
    c = _asked(Conversation())
    c.say(
        "Ik ben er zo klaar mee, ik trek dit helemaal alleen.",
        understanding=u("emotion", "fatigue", emotion="fatigue"),
    )
    summary = c.say("samenvatting").text
    assert "ik trek dit helemaal alleen" not in summary
    assert "persoonlijke opmerking" in summary
    c.say("neem op")
    assert c.state.keep_private
    assert "ik trek dit helemaal alleen" in c.say("samenvatting").text


def test_no_reply_lists_the_users_words_back() -> None:
    messages = [
        INTAKE,
        "We vergaderen veel maar er gebeurt weinig, en de gemeente bepaalt alles.",
        "Onuitgesproken irritaties over geld.",
        "verder",
        "Een nieuwe partij wil aansluiten en de wet verandert.",
    ]
    c = talk(*messages)
    for reply in c.replies[1:]:
        own = reply.text
        for cite in reply.citations:
            own = own.replace(cite.quote, "")
        assert "Je noemt" not in own and "You mention" not in own
        assert not re.search(r'"(vergaderen|weinig|gemeente|irritaties|geld|partij)"', own)


def test_a_correction_replaces_the_answer_it_is_about_not_just_the_latest() -> None:
    c = _asked(Conversation())
    c.say("Iedereen haakt af, de partners komen niet meer.", understanding=u("answer", "exit_wish"))
    c.say("Er is geen geld voor de uitvoering.", understanding=u("answer", "money"))
    c.say(
        "Nee, ik bedoelde niet dat iedereen afhaakt, maar dat de wethouder niets mag toezeggen.",
        understanding=u(
            "correction",
            "no_mandate",
            answer_part="de wethouder mag niets toezeggen.",
        ),
    )
    first = next(a for a in c.state.answers if a.replaced)
    assert first.replaced == ("Iedereen haakt af, de partners komen niet meer.",)
    assert any(a.text == "Er is geen geld voor de uitvoering." for a in c.state.answers)


def test_you_skipped_my_answer_with_the_answer_in_it_is_taken_in_without_going_back() -> None:
    c = _asked(Conversation())
    c.say("overslaan")
    assert c.state.question_index == 1
    reply = c.say(
        "Je hebt mijn antwoord overgeslagen: de partner sloot achter onze rug een eigen deal.",
        understanding=u("command", "broken_trust"),
    )
    assert "Ik voeg het toe bij vraag 1" in reply.text
    assert c.state.question_index == 1 and c.state.phase == "question"
    added = c.state.answer_to(0, -1)
    assert added is not None and "eigen deal" in added.text


def test_irony_is_asked_about_even_when_no_problem_was_read() -> None:
    c = _asked(Conversation())
    reply = c.say(
        "Geweldig hoor, weer een convenant.",
        understanding=u("answer", "going_well", sarcasm=True),
    )
    assert "ironie" in reply.text and "goed loopt" not in reply.text


def test_a_long_emotional_answer_keeps_its_content_in_the_summary() -> None:
    c = _asked(Conversation(language="en"))
    text = (
        "Honestly I'm exhausted. I carry this whole consortium alone and I plan to raise the "
        "overload at the general assembly next month, with a proposal to share the reporting."
    )
    c.say(text, understanding=u("emotion", "fatigue", emotion="fatigue"))
    assert "general assembly" in c.say("summary").text


def test_describing_ones_own_plan_is_not_asking_the_coach_to_do_something() -> None:
    from dialogue_fixtures import reader

    from coach.understanding.features import asks_the_coach

    bank = reader().bank
    assert not asks_the_coach("We willen een proef met een belbus, klein en snel.", bank)
    assert asks_the_coach("Maak een agenda voor de stuurgroep.", bank)
    assert asks_the_coach("Kun je een mail naar de partners sturen?", bank)
    assert asks_the_coach("Could you draft a letter to the alderman?", bank)


def test_a_faintly_read_signal_steers_but_is_never_said_back() -> None:
    c = _asked(Conversation())
    reading = Understanding(intent="answer", signals=(("new_policy", 0.4),), confident=())
    reply = c.say("Tegen de tijd dat iedereen ja zegt, is de kans verkeken.", understanding=reading)
    assert "regels" not in reply.text and "koers" not in reply.text
    assert c.state.answer_to(0) is not None and c.state.answer_to(0).signals == ("new_policy",)
    assert c.state.clear_signals() == ()


def test_a_faintly_read_wish_to_leave_still_brings_the_open_decision_to_continue_or_stop() -> None:
    c = _asked(Conversation())
    faint = Understanding(intent="answer", signals=(("exit_wish", 0.4),), confident=())
    reply = c.say("Na de zomer willen we er eigenlijk uit, niemand weet het.", understanding=faint)
    assert "uitstappen" not in reply.text and c.state.clear_signals() == ()
    while c.state.phase != "balance":
        c.say("verder")
    reply = c.say("commitment 3, voortgang 3, resultaat 3")
    assert "besluit-doorgaan-stoppen" in [a.id for a in reply.actions]


def _actions_after(reading: Understanding) -> list[str]:
    c = _asked(Conversation())
    c.say("Tja, het kost allemaal wat.", understanding=reading)
    while c.state.phase != "balance":
        c.say("verder")
    return [a.id for a in c.say("commitment 4, voortgang 4, resultaat 4").actions]


def test_a_faintly_read_money_worry_alone_does_not_make_its_action_fit() -> None:
    faint = Understanding(intent="answer", signals=(("money", 0.4),), confident=())
    clear = Understanding(intent="answer", signals=(("money", 0.8),), confident=("money",))
    assert "inbreng-en-opbrengst" not in _actions_after(faint)
    assert "inbreng-en-opbrengst" in _actions_after(clear)
