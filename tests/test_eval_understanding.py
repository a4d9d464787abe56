"""`coach eval understanding` and the understanding part of `coach eval run`'s report.

A `ReadingCoach` has the two things the evaluation uses, `reader` and
`embed`; its reader answers from a fixed table, so every number below can be
worked out by hand. The labelled sets are small files in tmp_path; the
held-out test set is one of them, named like the shipped one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_eval_runner import FULL, FakeCoach

from coach.cli import evaluate as evaluate_cli
from coach.cli import main
from coach.errors import InputError
from coach.evaluation import understanding_sets
from coach.evaluation.metrics import definitions, parse_gate
from coach.evaluation.report import render_html
from coach.evaluation.runner import run_suite
from coach.evaluation.scripts import parse_script
from coach.evaluation.understanding_sets import (
    choose_sets,
    evaluate_coach,
    flatten_understanding,
    understanding_metrics,
)
from coach.models import Understanding

DEV = """\
- text: "We vergaderen veel maar er gebeurt niets."
  lang: nl
  intent: answer
  signals: [meeting_no_progress]
- text: "Wat is schijnsamenwerking?"
  lang: nl
  intent: question
- text: "The money runs out next year."
  lang: en
  intent: answer
  signals: [money]
- text: "Ga terug naar de vorige vraag."
  lang: nl
  intent: command
"""
TEST = """\
- text: "Geheime testzin: de wethouder beslist alles alleen."
  lang: nl
  intent: answer
  signals: [dominant_partner]
- text: "Secret test line: what is a mandate?"
  lang: en
  intent: question
"""
# How the fake reads each text: (intent, signals). Dev: 3 of 4 intents right (the
# money answer is read as a question), signals all right. Test: the first item's
# signal is missed, the second is right.
READINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "We vergaderen veel maar er gebeurt niets.": ("answer", ("meeting_no_progress",)),
    "Wat is schijnsamenwerking?": ("question", ()),
    "The money runs out next year.": ("question", ("money",)),
    "Ga terug naar de vorige vraag.": ("command", ()),
    "Geheime testzin: de wethouder beslist alles alleen.": ("answer", ()),
    "Secret test line: what is a mandate?": ("question", ()),
}


@dataclass
class TableReader:
    """A reader that answers from READINGS and remembers the vectors it was given."""

    uses_vectors: bool = True
    seen: list[tuple[str, Any, str]] = field(default_factory=list)

    def read(self, text: str, vector: Any, phase: str = "question") -> Understanding:
        self.seen.append((text, vector, phase))
        intent, signals = READINGS[text]
        return Understanding(intent=intent, signals=tuple((s, 1.0) for s in signals))


@dataclass
class ReadingCoach(FakeCoach):
    """The conversation fake plus a reader and the coach's `embed`."""

    reader: TableReader = field(default_factory=TableReader)
    notice: str | None = None

    def embed(self, text: str) -> np.ndarray | None:
        return np.array([float(len(text)), 1.0], dtype=np.float32)


@pytest.fixture
def sets(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "labelled"
    folder.mkdir()
    (folder / "understanding_dev.yaml").write_text(DEV, encoding="utf-8")
    (folder / "understanding_test.yaml").write_text(TEST, encoding="utf-8")
    return {"dev": folder / "understanding_dev.yaml", "test": folder / "understanding_test.yaml"}


@pytest.fixture
def shipped(sets: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Make the small files the 'shipped' default sets."""
    monkeypatch.setattr(understanding_sets, "DEV_SET", sets["dev"])
    monkeypatch.setattr(understanding_sets, "TEST_SET", sets["test"])
    return sets


@pytest.fixture
def cli_coach(monkeypatch: pytest.MonkeyPatch) -> ReadingCoach:
    coach = ReadingCoach()
    monkeypatch.setattr(evaluate_cli, "build_eval_coach", lambda settings: coach)
    return coach


def _cli(*args: str) -> int:
    return main(["eval", "understanding", *args])


# -- the numbers -------------------------------------------------------------------


def test_each_set_is_read_with_the_coachs_own_vector_and_phase(sets: dict[str, Path]) -> None:
    coach = ReadingCoach()
    evaluate_coach(coach, choose_sets([sets["dev"]]))
    text, vector, phase = coach.reader.seen[0]
    assert text == "We vergaderen veel maar er gebeurt niets."
    assert vector is not None and vector[0] == len(text)
    assert phase == "question"


def test_a_text_the_coach_cannot_embed_is_read_without_a_vector(sets: dict[str, Path]) -> None:
    coach = ReadingCoach()
    coach.embed = lambda text: None  # type: ignore[method-assign]
    evaluate_coach(coach, choose_sets([sets["dev"]]))
    assert all(vector is None for _, vector, _ in coach.reader.seen)


def test_metrics_per_set_and_language(sets: dict[str, Path]) -> None:
    results = evaluate_coach(ReadingCoach(), choose_sets([sets["dev"], sets["test"]]))
    dev, test = results["dev"], results["test"]
    assert dev["items"] == 4 and dev["intent_accuracy"] == 0.75
    assert dev["signal_macro_f1"] == 1.0 and dev["signal_exact_match"] == 1.0
    assert dev["nl"]["intent_accuracy"] == 1.0 and dev["en"]["intent_accuracy"] == 0.0
    assert test["intent_accuracy"] == 1.0 and test["signal_macro_f1"] == 0.0
    assert test["held_out"] and not dev["held_out"]


# -- choosing sets -------------------------------------------------------------------


def test_the_default_sets_are_found_from_the_package_not_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from coach.settings import EVAL_DIR

    monkeypatch.chdir(tmp_path)
    choice = choose_sets()
    assert choice.sets["dev"] == EVAL_DIR / "understanding_dev.yaml"


def test_a_missing_shipped_test_set_is_skipped_with_a_note(
    sets: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(understanding_sets, "DEV_SET", sets["dev"])
    monkeypatch.setattr(understanding_sets, "TEST_SET", tmp_path / "understanding_test.yaml")
    choice = choose_sets()
    assert list(choice.sets) == ["dev"] and choice.gate_set == "dev"
    assert "understanding_test.yaml is not there" in choice.notes[0]


def test_a_missing_set_file_is_exit_2_naming_it(
    cli_coach: ReadingCoach, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.yaml"
    assert _cli("--set", str(missing)) == 2
    assert f"{missing}: no such labelled set" in capsys.readouterr().err


def test_a_malformed_set_is_exit_2_naming_file_and_line(
    cli_coach: ReadingCoach, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text('- text: "hoi"\n  intent: answer\n- text: "x"\n  intent: chatter\n')
    assert _cli("--set", str(bad)) == 2
    assert f"{bad}:4:" in capsys.readouterr().err


# -- the command -----------------------------------------------------------------------


def test_the_command_prints_headline_numbers_and_per_label_tables(
    cli_coach: ReadingCoach, shipped: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli() == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("metric"))
    assert header.split() == ["metric", "dev", "test"]
    assert next(line for line in lines if line.startswith("intent accuracy")).split()[-2:] == [
        "0.750",
        "1.000",
    ]
    for row in ("intent macro-F1", "signal macro-F1", "signal exact match"):
        assert any(line.startswith(row) for line in lines), row
    assert any(line.startswith("no-signal specificity") for line in lines)
    assert any(line.startswith("en intent accuracy") for line in lines)
    assert "Intents — dev" in out and "Signals — test" in out
    money = next(line for line in lines if line.startswith("money"))
    assert money.split() == ["money", "1.000", "1.000", "1.000", "1"]


def test_json_goes_to_stdout_and_to_the_reports_folder(
    cli_coach: ReadingCoach,
    shipped: dict[str, Path],
    coach_home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _cli("--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sets"]["dev"]["intent_accuracy"] == 0.75
    assert data["gate_set"] == "test"
    [written] = (coach_home / "reports").glob("understanding-*.json")
    assert json.loads(written.read_text(encoding="utf-8"))["sets"]["test"]["items"] == 2


def test_out_writes_the_json_where_asked(
    cli_coach: ReadingCoach, shipped: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "r" / "understanding.json"
    assert _cli("--out", str(out)) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["sets"]["dev"]["items"] == 4


def test_gates_apply_to_the_test_set_when_it_is_read(
    cli_coach: ReadingCoach, shipped: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # dev: intent 0.75, signals 1.0; test: intent 1.0, signals 0.0
    assert _cli("--fail-under", "intent_accuracy=0.9") == 0
    assert _cli("--fail-under", "signal_macro_f1=0.8") == 1
    out = capsys.readouterr().out
    assert "on the test set" in out
    assert "gate signal_macro_f1 ≥ 0.8: 0 — FAILED" in out


def test_gates_apply_to_the_last_set_without_a_test_set(
    cli_coach: ReadingCoach, sets: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli("--set", str(sets["dev"]), "--fail-under", "intent_accuracy=0.9") == 1
    assert "gate intent_accuracy ≥ 0.9: 0.75 — FAILED" in capsys.readouterr().out


def test_a_gate_can_name_its_set(
    cli_coach: ReadingCoach, shipped: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli("--fail-under", "dev.intent_accuracy=0.9") == 1
    assert _cli("--fail-under", "dev.signal_macro_f1=0.9") == 0


def test_an_unknown_gate_metric_is_exit_2_listing_the_known_names(
    cli_coach: ReadingCoach, shipped: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli("--fail-under", "intent_acc=0.9") == 2
    err = capsys.readouterr().err
    assert "unknown metric 'intent_acc'" in err
    assert "intent_accuracy" in err and "signal_macro_f1" in err


def test_errors_lists_dev_misreadings_but_never_the_test_sets(
    cli_coach: ReadingCoach,
    shipped: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out_file = tmp_path / "u.json"
    assert _cli("--errors", "--out", str(out_file)) == 0
    out = capsys.readouterr().out
    assert "Misread — dev (1 of 4)" in out
    assert "answer [money] → question [money]" in out and "The money runs out" in out
    assert "Geheime testzin" not in out and "Secret test line" not in out
    assert "test is held out: its 1 misread item(s) are not shown" in out
    assert "Geheime testzin" not in out_file.read_text(encoding="utf-8")

    assert _cli("--errors-test", "--json") == 0
    out = capsys.readouterr().out
    assert "Geheime testzin" in out


def test_without_errors_nothing_misread_is_printed(
    cli_coach: ReadingCoach, shipped: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli() == 0
    assert "The money runs out" not in capsys.readouterr().out


def test_the_reader_of_a_real_coach_reads_the_shipped_dev_set(tmp_path: Path) -> None:
    """The real MessageReader (on cues: the fake searcher has no model) reads every item."""
    from test_service import make_coach

    coach = make_coach(tmp_path / "home")
    results = evaluate_coach(coach, choose_sets())
    dev = results["dev"]
    assert dev["items"] >= 400
    assert 0.0 < dev["intent_accuracy"] <= 1.0
    assert set(dev["signals"]) >= {"money", "going_well"}


# -- in the conversation report ------------------------------------------------------


def _suite(coach: FakeCoach, **kwargs: Any) -> dict[str, Any]:
    return run_suite(coach, [parse_script(FULL)], **kwargs).report


def test_the_report_carries_understanding_metrics_with_definitions(
    shipped: dict[str, Path],
) -> None:
    coach = ReadingCoach()
    report = _suite(coach, understanding=understanding_metrics(coach))
    metrics = report["metrics"]
    assert metrics["understanding.dev.intent_accuracy"] == 0.75
    assert metrics["understanding.test.signal_macro_f1"] == 0.0
    assert "understanding.dev.intent_macro_f1" in metrics
    definition = report["metric_definitions"]["understanding.test.signal_macro_f1"]
    assert "held out" in definition["definition"] and definition["unit"] == "ratio"
    assert "errors" not in report["understanding"]["sets"]["dev"]
    assert "Geheime testzin" not in json.dumps(report)


def test_understanding_metrics_can_be_gated_in_the_report(shipped: dict[str, Path]) -> None:
    coach = ReadingCoach()
    gate = parse_gate("understanding.test.signal_macro_f1=0.8")
    outcome = run_suite(
        coach, [parse_script(FULL)], understanding=understanding_metrics(coach), gates=[gate]
    )
    assert not outcome.passed
    assert "understanding.test.signal_macro_f1" in outcome.report["gates"][0]["message"]


def test_a_malformed_understanding_gate_says_how_to_write_it() -> None:
    with pytest.raises(InputError, match=r"understanding\.<set>\.<metric>"):
        parse_gate("understanding.intent_accuracy=0.9")


def test_understanding_names_get_a_definition() -> None:
    d = definitions(["understanding.dev.intent_accuracy"])["understanding.dev.intent_accuracy"]
    assert "intent" in d.definition and "eval/understanding_dev.yaml" in d.definition
    assert d.higher_is_better


def test_a_coach_without_a_reader_skips_the_section() -> None:
    raw = understanding_metrics(FakeCoach())
    assert "no message reader" in raw["skipped"]
    assert flatten_understanding(raw) == {}
    html = render_html(_suite(FakeCoach(), understanding=raw))
    assert "Understanding metrics skipped" in html


def test_the_html_shows_the_sets_and_an_accessible_per_signal_chart(
    shipped: dict[str, Path],
) -> None:
    coach = ReadingCoach()
    html = render_html(_suite(coach, understanding=understanding_metrics(coach)))
    section = html[html.index("<h2>Understanding</h2>") : html.index("<h2>Charts</h2>")]
    assert "intent accuracy" in section and "75.0%" in section
    assert "<svg" in section and "label-f1-chart" in section
    assert "<title id=" in section and "<desc id=" in section and "aria-labelledby" in section
    assert "money: dev 1.00, test n/a" in section
    assert "dominant_partner" in section and "held out" in section
    assert "Geheime testzin" not in html
    assert "<script" not in html


def test_eval_run_includes_understanding_by_default_and_skips_it_on_request(
    cli_coach: ReadingCoach, shipped: dict[str, Path], tmp_path: Path
) -> None:
    scripts = tmp_path / "conversations"
    scripts.mkdir()
    (scripts / "01.yaml").write_text(FULL, encoding="utf-8")
    args = ["eval", "run", str(scripts), "--no-retrieval"]
    gate = ["--fail-under", "understanding.test.signal_macro_f1=0.8"]
    assert main([*args, "--report", str(tmp_path / "a"), *gate]) == 1
    data = json.loads((tmp_path / "a" / "report.json").read_text(encoding="utf-8"))
    assert data["metrics"]["understanding.dev.intent_accuracy"] == 0.75
    assert main([*args, "--report", str(tmp_path / "b"), "--no-understanding"]) == 0
    data = json.loads((tmp_path / "b" / "report.json").read_text(encoding="utf-8"))
    assert data["understanding"] is None
    assert not any(name.startswith("understanding.") for name in data["metrics"])


# -- what the scripts' `intent` and `signals_any` read -------------------------------------


def test_every_reply_carries_how_the_message_was_read_and_keeps_it_when_stored(
    tmp_path: Path,
) -> None:
    from test_service import make_coach

    from coach.service import turn_from_dict

    coach = make_coach(tmp_path / "home")
    greeting = coach.start_session()
    assert greeting.intent is None and greeting.signals == []
    text = "Ik coördineer een samenwerking van drie gemeenten; het geld raakt op."
    turn = coach.reply(greeting.session, text)
    read = coach.understand(text, "intake")
    assert turn.intent == read.intent
    assert turn.signals == list(read.signal_ids)
    data = turn.to_dict()
    assert data["intent"] == turn.intent and data["signals"] == turn.signals
    rebuilt = turn_from_dict(data)
    assert (rebuilt.intent, rebuilt.signals) == (turn.intent, turn.signals)
    assert coach.last_turn(greeting.session).signals == turn.signals


def test_the_html_names_a_shipped_set_by_its_repository_path_not_this_machines() -> None:
    from coach.evaluation.html_understanding import understanding_section
    from coach.settings import EVAL_DIR

    result = {"set": str(EVAL_DIR / "understanding_dev.yaml"), "items": 1, "signals": {}}
    section = understanding_section({"understanding": {"sets": {"dev": result}}})
    assert "<td>eval/understanding_dev.yaml</td>" in section


def test_every_shipped_labelled_set_loads_and_the_blind_sets_cover_every_label() -> None:
    """The blind sets stand in for new writers: every intent and each signal ten times."""
    from coach.evaluation.understanding import load_labelled
    from coach.settings import EVAL_DIR
    from coach.understanding.labels import INTENTS, SIGNALS

    shipped = sorted(EVAL_DIR.glob("understanding_*.yaml"))
    assert {p.stem for p in shipped} >= {"understanding_dev", "understanding_test"}
    blind = [p for p in shipped if p.stem.startswith("understanding_blind_")]
    assert len(blind) == 3
    for path in shipped:
        items = load_labelled(path)
        assert len(items) >= 120, path
        if path in blind:
            assert {i.intent for i in items} == set(INTENTS), path
            for signal in SIGNALS:
                assert sum(signal in i.signals for i in items) >= 10, (path, signal)
