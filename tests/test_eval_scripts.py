"""The conversation-script format: valid scripts load, every mistake names file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.errors import InputError
from coach.evaluation.scripts import (
    ScriptError,
    load_script,
    load_scripts,
    parse_script,
    script_files,
)

VALID = """\
name: partners vergaderen maar er gebeurt niets
language: nl
card: blijf-balanceren
turns:
  - user: "Ik coördineer een samenwerking van drie gemeenten."
  - user: "Iedereen komt naar het overleg, maar er gebeurt weinig."
    expect:
      phase: followup
      cites_any: [schijnsamenwerking]
      reply_contains_any: [commitment]
      reply_not_contains: [traceback]
  - user: "commitment 4, voortgang 2, resultaat 2"
    expect: {phase: actions}
end:
  central_questions_asked: 3
  phases_include: [balance, actions, summary]
  actions_min: 2
  max_turn_ms: 2000
"""


def _error(text: str, name: str = "script.yaml") -> ScriptError:
    with pytest.raises(ScriptError) as info:
        parse_script(text, name)
    return info.value


def test_the_documented_example_loads_with_turn_lines() -> None:
    script = parse_script(VALID, "example.yaml")
    assert script.name == "partners vergaderen maar er gebeurt niets"
    assert len(script.model.turns) == 3
    assert script.turn_lines == (5, 6, 12)
    assert script.end_line == 14
    expect = script.model.turns[1].expect
    assert expect is not None and expect.phases() == ["followup"]
    assert script.model.end is not None and script.model.end.max_turn_ms == 2000


def test_language_defaults_to_dutch_and_card_to_none() -> None:
    script = parse_script("name: x\nturns:\n  - user: hallo\n")
    assert script.model.language == "nl"
    assert script.model.card is None


def test_a_single_string_is_accepted_where_a_list_is_expected() -> None:
    script = parse_script("name: x\nturns:\n  - user: hoi\n    expect:\n      cites_any: tijd\n")
    expect = script.model.turns[0].expect
    assert expect is not None and expect.cites_any == ["tijd"]


def test_unknown_top_level_key_names_file_line_and_key() -> None:
    err = _error("name: x\nturns:\n  - user: hoi\ntunrs: []\n")
    assert err.line == 4
    assert "script.yaml:4" in str(err)
    assert "unknown key `tunrs`" in str(err)


def test_unknown_expectation_key_points_at_its_own_line() -> None:
    text = VALID.replace(
        "      reply_contains_any: [commitment]", "      reply_contain_any: [commitment]"
    )
    err = _error(text, "eval/conversations/x.yaml")
    assert err.line == 10
    assert str(err).startswith("eval/conversations/x.yaml:10:")
    assert "reply_contain_any" in str(err)


def test_unknown_end_key_is_an_error() -> None:
    err = _error(VALID + "  actions_max: 3\n")
    assert err.line == 19
    assert "actions_max" in str(err)


def test_unknown_phase_is_an_error_naming_the_choices() -> None:
    err = _error("name: x\nturns:\n  - user: hoi\n    expect:\n      phase: questoin\n")
    assert err.line == 5
    assert "questoin" in str(err) and "followup" in str(err)


def test_unknown_phase_in_end_is_an_error() -> None:
    err = _error(
        "name: x\nturns:\n  - user: hoi\nend:\n  phases_include: [balance, samenvatting]\n"
    )
    assert err.line == 5
    assert "samenvatting" in str(err)


def test_missing_turns_is_an_error() -> None:
    err = _error("name: x\nlanguage: en\n")
    assert err.line == 1
    assert "missing required key `turns`" in str(err)


def test_empty_turns_is_an_error() -> None:
    err = _error("name: x\nturns: []\n")
    assert err.line == 2
    assert "turns" in str(err)


def test_turn_without_user_text_names_the_turn_line() -> None:
    err = _error("name: x\nturns:\n  - user: hoi\n  - expect: {phase: question}\n")
    assert err.line == 4
    assert "turns.1.user" in str(err)


def test_wrong_language_is_an_error() -> None:
    err = _error("name: x\nlanguage: de\nturns:\n  - user: hallo\n")
    assert err.line == 2
    assert "language" in str(err)


def test_negative_count_is_an_error() -> None:
    err = _error("name: x\nturns:\n  - user: hoi\nend:\n  actions_min: -1\n")
    assert err.line == 5


def test_max_turn_ms_must_be_positive() -> None:
    err = _error("name: x\nturns:\n  - user: hoi\nend:\n  max_turn_ms: 0\n")
    assert err.line == 5


def test_malformed_yaml_names_the_line() -> None:
    err = _error('name: x\nturns:\n  - user: "unclosed\n  - user: next\n')
    assert err.line is not None and err.line >= 3
    assert "not valid YAML" in str(err)


def test_bad_indentation_names_the_line() -> None:
    err = _error("name: x\nturns:\n  - user: hoi\n   expect: {}\n")
    assert err.line == 4


def test_duplicate_key_is_an_error_not_silently_overwritten() -> None:
    err = _error("name: x\nturns:\n  - user: hoi\n    user: hallo\n")
    assert err.line == 4
    assert "duplicate key `user`" in str(err)


def test_a_list_at_top_level_is_an_error() -> None:
    err = _error("- name: x\n")
    assert err.line == 1
    assert "mapping" in str(err)


def test_empty_file_is_an_error() -> None:
    err = _error("")
    assert "empty" in str(err)


def test_script_error_is_an_input_error_the_cli_turns_into_a_message() -> None:
    assert issubclass(ScriptError, InputError)


def test_files_and_folders_expand_to_sorted_yaml_files(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("name: b\nturns:\n  - user: hoi\n", encoding="utf-8")
    (tmp_path / "a.yml").write_text("name: a\nturns:\n  - user: hoi\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a script", encoding="utf-8")
    assert [p.name for p in script_files([tmp_path])] == ["a.yml", "b.yaml"]
    assert [s.name for s in load_scripts([tmp_path])] == ["a", "b"]


def test_missing_path_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="no such file"):
        script_files([tmp_path / "nope.yaml"])


def test_folder_without_scripts_says_where_the_format_is(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"eval/README\.md"):
        script_files([tmp_path])


def test_bad_file_on_disk_names_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nturns:\n  - user: hoi\n    expects: {}\n", encoding="utf-8")
    with pytest.raises(ScriptError) as info:
        load_script(bad)
    assert str(info.value).startswith(f"{bad}:4:")


def test_non_utf8_file_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "latin.yaml"
    bad.write_bytes("name: café\nturns:\n  - user: hoi\n".encode("latin-1"))
    with pytest.raises(ScriptError, match="UTF-8"):
        load_script(bad)


def test_understanding_and_action_keys_load_and_accept_a_single_string() -> None:
    script = parse_script(
        "name: x\nturns:\n  - user: hoi\n    expect:\n      intent: answer\n"
        "      signals_any: money\n      actions_any: [kick-off, Maak tijd]\n"
        "end:\n  actions_any: kick-off\n  summary_not_contains: traceback\n"
    )
    expect = script.model.turns[0].expect
    assert expect is not None and expect.intent == "answer" and expect.signals_any == ["money"]
    assert expect.actions_any == ["kick-off", "Maak tijd"]
    end = script.model.end
    assert end is not None and end.actions_any == ["kick-off"]
    assert end.summary_not_contains == ["traceback"]


def test_unknown_signal_is_an_error_naming_line_and_choices() -> None:
    err = _error("name: x\nturns:\n  - user: hoi\n    expect:\n      signals_any: [mony]\n")
    assert err.line == 5
    assert "unknown signal 'mony'" in str(err) and "money" in str(err)


def test_unknown_intent_is_an_error_naming_line_and_choices() -> None:
    err = _error("name: x\nturns:\n  - user: hoi\n    expect:\n      intent: anwser\n")
    assert err.line == 5
    assert "unknown intent 'anwser'" in str(err) and "correction" in str(err)


@pytest.mark.parametrize(
    ("snippet", "key"),
    [
        ("    expect:\n      intent: [answer]\n", "intent"),
        ("    expect:\n      actions_any: {id: x}\n", "actions_any"),
        ("    expect:\n      signals_any: 3\n", "signals_any"),
        ("end:\n  summary_not_contains: {a: b}\n", "summary_not_contains"),
        ("end:\n  actions_any: 7\n", "actions_any"),
    ],
)
def test_new_keys_with_the_wrong_type_name_file_line_and_key(snippet: str, key: str) -> None:
    err = _error("name: x\nturns:\n  - user: hoi\n" + snippet, "s.yaml")
    assert err.line == 5
    assert str(err).startswith("s.yaml:5:") and key in str(err)


def test_a_misspelt_new_key_is_an_unknown_key() -> None:
    err = _error("name: x\nturns:\n  - user: hoi\nend:\n  summary_not_contain: [x]\n")
    assert err.line == 5 and "unknown key `summary_not_contain`" in str(err)
