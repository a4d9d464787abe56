"""Dutch and English: the detector, and a conversation that switches to English."""

from __future__ import annotations

import pytest
from dialogue_fixtures import content, talk

from coach.dialogue.language import detect_language, resolve_language
from coach.dialogue.parsing import extract_context


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("We vergaderen veel maar er gebeurt weinig", "nl"),
        ("wat is een normenkader?", "nl"),
        ("what do they mean by schijnsamenwerking?", "en"),
        ("We have lots of meetings but nothing happens", "en"),
        ("commitment four, progress 2, result 3", "en"),
        ("commitment 4, voortgang 2, resultaat 3", "nl"),
        ("4 2 3", "unknown"),
        ("ok", "unknown"),
        ("ja", "unknown"),
        ("help", "unknown"),
        ("", "unknown"),
        ("asdfgh", "unknown"),
    ],
)
def test_language_is_detected_or_unknown(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_unknown_keeps_the_session_language() -> None:
    assert resolve_language("en", "4 2 3") == "en"
    assert resolve_language("nl", "ok") == "nl"
    assert resolve_language("nl", "We have lots of meetings but nothing happens") == "en"


def test_english_user_gets_english_questions_from_the_question_bank() -> None:
    c = talk("I'm a facilitator for a partnership of three municipalities and two schools.")
    reply = c.reply
    assert reply.language == "en" and c.state.language == "en"
    assert "Question 1 of 3: Is everyone committed enough to the agreements?" in reply.text
    assert '"Keep balancing"' in reply.text
    assert c.state.context.role == "facilitator"
    assert reply.suggestions == content().suggestions_for("question", "en")


def test_english_path_to_the_end() -> None:
    c = talk(
        "I'm a partner in a network of municipalities.",
        "We have lots of meetings but nothing really happens.",
        "next",
        "skip",
        "skip",
        "commitment four, progress 2, result 3",
        "all",
    )
    assert c.reply.phase == "summary" and c.reply.language == "en"
    assert "# Reflection: Keep balancing" in c.reply.text
    for reply in c.replies[1:]:
        assert reply.language == "en"
    english_balance = c.replies[-2]
    assert "sham collaboration" in english_balance.text
    assert all(a.title.isascii() for a in english_balance.actions)


def test_quotes_stay_in_the_language_of_the_source() -> None:
    c = talk(
        "I'm a partner in a network of municipalities.",
        "We have lots of meetings but nothing really happens, no progress.",
    )
    assert c.reply.language == "en"
    assert all(q.quote in c.texts[q.card] for q in c.reply.citations)


def test_short_replies_do_not_switch_the_language_back() -> None:
    c = talk("I'm a partner in a network of municipalities.", "overslaan")
    assert c.reply.language == "en"


def test_a_role_is_kept_in_the_users_own_words() -> None:
    for text, label in (
        ("Ik ben wethouder in een regio met vijf gemeenten.", "wethouder"),
        ("Als bestuurder van een zorgaanbieder zit ik in de stuurgroep.", "bestuurder"),
        ("I'm the alderman for youth care.", "alderman"),
    ):
        ctx = extract_context(text, content().commands)
        assert ctx.role == "partner" and ctx.role_label == label, text


def test_a_compound_facilitator_role_is_not_read_from_namens() -> None:
    text = "Ik ben procesregisseur namens de gemeente in een wijkaanpak met de corporatie."
    ctx = extract_context(text, content().commands)
    assert ctx.role == "facilitator" and ctx.role_label == "procesregisseur"


def test_a_place_name_is_not_listed_as_a_party() -> None:
    ctx = extract_context(
        "Ik werk bij Gemeente Zwolle en we werken samen met Icare in Kampen en omgeving.",
        content().commands,
    )
    assert "Gemeente Zwolle" in ctx.parties and "Icare" in ctx.parties
    assert "Kampen" not in ctx.parties


def test_context_picks_names_and_organisation_words() -> None:
    ctx = extract_context(
        "Wij zijn partner. Samen met Gemeente Utrecht, drie woningcorporaties en de GGD werken we "
        "aan dakloosheid.",
        content().commands,
    )
    assert ctx.role == "partner"
    assert ctx.parties[:3] == ("Gemeente Utrecht", "woningcorporaties", "GGD")
    assert "dakloosheid" in ctx.theme
