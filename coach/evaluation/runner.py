"""Run scripted conversations through the coach's library API and check them.

The runner talks to the same `start_session`/`reply` API the web app uses,
one fresh session per script, so a passing script means the app would have
said the same thing. It only needs an object with that shape (`CoachLike`),
which keeps the fast tests on a tiny fake coach. Every reply is stored as a
plain dict (the `CoachTurn.to_dict()` form) with each citation's grounding
checked on the spot, so a `report.json` can be re-read, compared and turned
into metrics without the corpus at hand.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from coach.evaluation.checks import (
    all_citations,
    annotate_citations,
    central_question_variants,
    check_end,
    check_turn,
    count_central_asked,
    own_words,
    visible_text,
)
from coach.evaluation.langdetect import detect
from coach.evaluation.results import Check, ScriptResult, TurnResult
from coach.evaluation.scripts import Script
from coach.evaluation.understanding_sets import understanding_metrics
from coach.models import Card, CoachTurn

__all__ = [
    "Check",
    "CoachLike",
    "ScriptResult",
    "SuiteOutcome",
    "TurnResult",
    "all_citations",
    "annotate_citations",
    "check_end",
    "check_turn",
    "own_words",
    "retrieval_metrics",
    "run_files",
    "run_script",
    "run_scripts",
    "run_suite",
    "shipped_scripts",
    "understanding_metrics",
    "visible_text",
]


class CoachLike(Protocol):
    """What the runner needs from a coach (`coach.service.Coach` provides it)."""

    @property
    def cards(self) -> dict[str, Card]: ...

    def start_session(self, card_id: str | None = None, language: str = "nl") -> CoachTurn: ...

    def reply(self, session_id: str, text: str | None) -> CoachTurn: ...


# -- running ----------------------------------------------------------------


def run_script(coach: CoachLike, script: Script) -> ScriptResult:
    """Play one script in a fresh session and check every expectation; never raises."""
    model = script.model
    cards = coach.cards
    card_id = model.card
    result = ScriptResult(
        model.name, script.path, model.language, card_id or "", tags=list(model.tags)
    )
    corpus_texts = {cid: c.text for cid, c in cards.items()}
    try:
        started = time.perf_counter()
        greeting = coach.start_session(card_id, model.language)
        wall = (time.perf_counter() - started) * 1000
    except Exception as exc:  # a broken script must not stop the other scripts
        result.error = f"could not start a session ({type(exc).__name__}: {exc})"
        return result
    result.session = greeting.session
    first = greeting.to_dict()
    annotate_citations(first, corpus_texts)
    result.turns.append(TurnResult(0, None, first, wall, None, detect(own_words(first))))
    card = _card_of_session(coach, greeting.session, cards, card_id)
    if card is not None:
        result.card = card.id
    variants = central_question_variants(coach, card) if card else []
    result.central_total = len(variants)

    for i, turn in enumerate(model.turns, start=1):
        line = script.turn_lines[i - 1] if i - 1 < len(script.turn_lines) else None
        try:
            started = time.perf_counter()
            answer = coach.reply(greeting.session, turn.user)
            wall = (time.perf_counter() - started) * 1000
        except Exception as exc:
            result.error = f"turn {i} (line {line}): coach raised {type(exc).__name__}: {exc}"
            break
        reply = answer.to_dict()
        annotate_citations(reply, corpus_texts)
        record = TurnResult(i, turn.user, reply, wall, detect(turn.user), detect(own_words(reply)))
        if turn.expect is not None:
            record.checks = check_turn(turn.expect, reply, i, line)
            result.gold += [c.passed for c in record.checks if c.name == "cites_any"]
        result.turns.append(record)

    result.central_asked = count_central_asked((t.reply for t in result.turns), variants)
    summary = getattr(coach, "summary_markdown", None)
    if callable(summary):
        try:
            result.summary = str(summary(greeting.session))
        except Exception as exc:  # only fails the script if the script checks the summary
            result.summary = None
            if model.end and model.end.checks_summary():
                result.error = f"summary failed ({type(exc).__name__}: {exc})"
    if model.end is not None and result.error is None:
        result.end_checks = check_end(model.end, result, script.end_line)
    _forget(coach, greeting.session)
    return result


def _forget(coach: Any, session: str) -> None:
    """Delete the eval session so test conversations don't fill the user's session list.

    The report keeps the full transcript, so nothing is lost.
    """
    delete = getattr(coach, "delete_session", None)
    if callable(delete):
        with contextlib.suppress(Exception):  # cleanup only: must not fail the script
            delete(session)


def _card_of_session(
    coach: Any, session: str, cards: dict[str, Card], wanted: str | None
) -> Card | None:
    """The session's card: the coach's state if it tells, else the requested or default card."""
    state = getattr(coach, "state", None)
    if callable(state):
        try:
            cid = getattr(state(session), "card_id", None)
            if cid in cards:
                return cards[cid]
        except Exception:
            pass
    card = getattr(coach, "card", None)
    if callable(card):
        try:
            found = card(wanted)
            if isinstance(found, Card):
                return found
        except Exception:
            pass
    if wanted in cards:
        return cards[wanted]
    return next(iter(cards.values()), None)


def run_scripts(
    coach: CoachLike,
    scripts: Sequence[Script],
    on_result: Callable[[ScriptResult], None] | None = None,
) -> list[ScriptResult]:
    """Run every script in its own session, in order; `on_result` sees each result as it is done."""
    results = []
    for script in scripts:
        result = run_script(coach, script)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


# -- a whole suite: scripts → results → metrics → report ----------------------------


def retrieval_metrics(settings: Any, embeddings: Any = None) -> dict[str, Any]:
    """`evaluate_retrieval` on the shipped dev set, or {'skipped': why} when it cannot run.

    Imported lazily: retrieval evaluation is another module's job and may be absent
    from a partial install; the conversation eval must still work without it.
    """
    try:
        from coach.evaluation import retrieval as module
    except ImportError:
        return {"skipped": "coach.evaluation.retrieval is not installed"}
    func = getattr(module, "evaluate_retrieval", None)
    if not callable(func):
        return {"skipped": "coach.evaluation.retrieval has no evaluate_retrieval()"}
    dev_set = _retrieval_dev_set(module)
    if dev_set is None:
        return {"skipped": "no retrieval dev set found under eval/"}
    try:
        raw = func(settings, dev_set, embeddings=embeddings)
    except Exception as exc:  # report, don't crash: the conversation results are still worth having
        return {"skipped": f"evaluate_retrieval failed ({type(exc).__name__}: {exc})"}
    data = dict(raw) if isinstance(raw, dict) else {"value": raw}
    data.setdefault("dev_set", str(dev_set))
    return data


def _retrieval_dev_set(module: Any) -> Any:
    """The retrieval module's default dev set, else eval/retrieval*.{tsv,yaml,...}."""
    from pathlib import Path

    from coach.settings import EVAL_DIR

    for name in ("DEFAULT_DEV_SET", "DEV_SET", "DEFAULT_DEV_SET_PATH"):
        value = getattr(module, name, None)
        if value and Path(value).exists():
            return Path(value)
    for pattern in (
        "retrieval*.tsv",
        "retrieval*.yaml",
        "retrieval*.yml",
        "retrieval*.jsonl",
        "retrieval/*",
    ):
        found = sorted(p for p in EVAL_DIR.glob(pattern) if p.is_file())
        if found:
            return found[0]
    return None


@dataclass
class SuiteOutcome:
    """The report dict plus the objects a caller may want to print or gate on."""

    report: dict[str, Any]
    results: list[ScriptResult]

    @property
    def passed(self) -> bool:
        return bool(self.report.get("passed"))


def run_suite(
    coach: CoachLike,
    scripts: Sequence[Script],
    *,
    retrieval: dict[str, Any] | None = None,
    understanding: dict[str, Any] | None = None,
    baseline: dict[str, float | None] | None = None,
    baseline_path: str | None = None,
    gates: Sequence[Any] = (),
    meta: dict[str, Any] | None = None,
    on_result: Callable[[ScriptResult], None] | None = None,
) -> SuiteOutcome:
    """Run scripts, compute metrics (plus retrieval's and understanding's when given),
    apply gates, build the report."""
    from coach.evaluation.metrics import compute_metrics, evaluate_gates, flatten_retrieval
    from coach.evaluation.report import build_report
    from coach.evaluation.understanding_sets import flatten_understanding

    results = run_scripts(coach, scripts, on_result=on_result)
    dicts = [r.to_dict() for r in results]
    metrics: dict[str, float | None] = dict(compute_metrics(dicts))
    metrics.update(
        flatten_retrieval(retrieval if retrieval and not retrieval.get("skipped") else None)
    )
    metrics.update(flatten_understanding(understanding))
    gate_results = evaluate_gates(metrics, gates)
    report = build_report(
        dicts,
        metrics,
        retrieval=retrieval,
        understanding=understanding,
        baseline=baseline,
        baseline_path=baseline_path,
        gates=gate_results,
        meta=meta,
    )
    return SuiteOutcome(report, results)


def shipped_scripts() -> list[Any]:
    """The conversation scripts that ship with Balanscoach (eval/conversations/*.yaml)."""
    from coach.settings import EVAL_DIR

    folder = EVAL_DIR / "conversations"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))


def run_files(
    coach: CoachLike,
    files: Sequence[Any],
    report_dir: Any,
    *,
    retrieval: dict[str, Any] | None = None,
    understanding: dict[str, Any] | None = None,
    on_result: Callable[[ScriptResult], None] | None = None,
    baseline: Any = None,
) -> tuple[SuiteOutcome, dict[str, Any]]:
    """Load the given script files, run them, and write report.json/.html into `report_dir`.

    This is the evaluator tab's whole job, kept here so the UI stays a thin adapter.
    `baseline` is an earlier report.json (a path), compared direction-aware as with
    `coach eval run --baseline`. Raises ScriptError (file and line) for a bad script,
    and InputError for a file that is no report, before anything runs.
    """
    from coach.evaluation.report import load_baseline, write_report
    from coach.evaluation.scripts import load_scripts

    scripts = load_scripts(files)
    earlier = load_baseline(baseline) if baseline else None
    outcome = run_suite(
        coach,
        scripts,
        retrieval=retrieval,
        baseline=earlier,
        baseline_path=Path(baseline).name if baseline else None,
        understanding=understanding,
        meta={"source": "evaluator tab"},
        on_result=on_result,
    )
    paths = write_report(outcome.report, report_dir)
    return outcome, paths
