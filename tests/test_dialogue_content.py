"""prompts/*.yaml load strictly: bad content fails at start-up, naming the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from dialogue_fixtures import PROMPTS, content, prompts_copy, seed_card

from coach.dialogue.content import load_content
from coach.dialogue.schema import MESSAGE_VARS
from coach.errors import ConfigError
from coach.templates import render_template


def test_the_shipped_prompts_load_with_the_shipped_question_bank() -> None:
    loaded = load_content(PROMPTS)
    assert set(loaded.messages) == set(MESSAGE_VARS)
    assert len(loaded.library.actions) >= 7


def test_every_message_renders_in_both_languages_with_the_values_the_code_supplies() -> None:
    for key, names in MESSAGE_VARS.items():
        for lang in ("nl", "en"):
            text = content().render(key, lang, **{n: "X" for n in names})
            assert text.strip() and "{" not in text


def _edit(tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = prompts_copy(tmp_path / "prompts")
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_unknown_message_key_names_the_file_and_line(tmp_path: Path) -> None:
    folder = _edit(
        tmp_path,
        "messages.yaml",
        "  greeting:\n",
        "  greetings_typo:\n    nl: a\n    en: b\n  greeting:\n",
    )
    with pytest.raises(
        ConfigError, match=r"messages\.yaml:\d+: unknown message key `greetings_typo`"
    ):
        load_content(folder)


def test_unknown_field_in_a_message_names_the_file(tmp_path: Path) -> None:
    folder = _edit(
        tmp_path, "messages.yaml", "  intake_thanks:\n", "  intake_thanks:\n    de: Danke\n"
    )
    with pytest.raises(
        ConfigError, match=r"messages\.yaml:\d+: unknown key `messages.intake_thanks.de`"
    ):
        load_content(folder)


def test_template_using_a_variable_the_code_does_not_supply_names_the_file(tmp_path: Path) -> None:
    folder = _edit(
        tmp_path,
        "messages.yaml",
        'nl: "Vraag {n} van {total}: {question}"',
        'nl: "Vraag {n} van {totaal}: {question}"',
    )
    with pytest.raises(
        ConfigError, match=r"messages\.yaml:\d+: message `ask_central` \(nl\) uses \{totaal\}"
    ):
        load_content(folder)


def test_missing_language_names_the_file(tmp_path: Path) -> None:
    folder = _edit(tmp_path, "messages.yaml", '    en: "Thank you."\n', "")
    with pytest.raises(
        ConfigError, match=r"messages\.yaml:\d+: `messages.intake_thanks.en` is missing"
    ):
        load_content(folder)


def test_missing_message_names_the_file(tmp_path: Path) -> None:
    folder = _edit(tmp_path, "messages.yaml", '  word_and:\n    nl: "en"\n    en: "and"\n', "")
    with pytest.raises(ConfigError, match=r"messages\.yaml: message `word_and` is missing"):
        load_content(folder)


def test_action_why_with_an_unknown_placeholder_names_the_file(tmp_path: Path) -> None:
    folder = _edit(
        tmp_path,
        "actions.yaml",
        "Met commitment op {commitment}",
        "Met commitment op {betrokkenheid}",
    )
    with pytest.raises(
        ConfigError, match=r"actions\.yaml:\d+: `why` of action `commitment-gesprek` \(nl\)"
    ):
        load_content(folder)


def test_unknown_key_in_an_action_names_the_file(tmp_path: Path) -> None:
    folder = _edit(
        tmp_path, "actions.yaml", "    priority: 2\n", "    priority: 2\n    prioriteit: 3\n"
    )
    with pytest.raises(ConfigError, match=r"actions\.yaml:\d+: unknown key `actions.1.prioriteit`"):
        load_content(folder)


def test_rating_range_outside_the_scale_is_rejected(tmp_path: Path) -> None:
    folder = _edit(tmp_path, "actions.yaml", "- {commitment: [1, 2]}", "- {commitment: [0, 2]}")
    with pytest.raises(ConfigError, match=r"actions\.yaml:\d+: .*within 1-5"):
        load_content(folder)


def test_unknown_command_names_the_file(tmp_path: Path) -> None:
    folder = _edit(
        tmp_path,
        "commands.yaml",
        "  help:\n",
        "  dance:\n    nl: [dans]\n    en: [dance]\n  help:\n",
    )
    with pytest.raises(ConfigError, match=r"commands\.yaml:\d+: unknown command `dance`"):
        load_content(folder)


def test_invalid_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    folder = _edit(tmp_path, "commands.yaml", "move_on:\n", "move_on: [unclosed\n")
    with pytest.raises(ConfigError, match=r"commands\.yaml:\d+: not valid YAML"):
        load_content(folder)


def test_question_bank_with_an_unknown_key_names_the_file(tmp_path: Path) -> None:
    folder = prompts_copy(
        tmp_path / "prompts", bank="blijf-balanceren:\n  title_en: X\n  titel: Y\n"
    )
    with pytest.raises(
        ConfigError, match=r"question_bank\.yaml:\d+: `blijf-balanceren.titel`: unknown key"
    ):
        load_content(folder)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    folder = prompts_copy(tmp_path / "prompts")
    (folder / "actions.yaml").unlink()
    with pytest.raises(ConfigError, match=r"actions\.yaml: file missing"):
        load_content(folder)


def test_a_card_without_a_question_bank_entry_uses_its_own_questions(tmp_path: Path) -> None:
    loaded = load_content(prompts_copy(tmp_path / "prompts", bank=None))
    card = seed_card()
    assert loaded.central_question(card, 0, "en") == card.central_questions[0]
    assert loaded.card_title(card, "en") == card.title


def test_rendering_without_a_variable_raises_instead_of_rendering_blank() -> None:
    with pytest.raises(ConfigError, match=r"needs \{question\}"):
        content().render("ask_followup", "nl")
    with pytest.raises(ConfigError, match=r"needs \{name\}"):
        render_template("Hallo {name}", {}, "test")


def test_suggestions_are_words_the_coach_understands() -> None:
    from coach.dialogue.parsing import match_command

    commands = content().commands
    for lang in ("nl", "en"):
        for phase in ("question", "followup"):
            for word in content().suggestions_for(phase, lang):
                from coach.dialogue.parsing import is_phrase

                assert match_command(word, commands) or is_phrase(word, commands.move_on), word
