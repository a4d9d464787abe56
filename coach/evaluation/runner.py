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
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from coach.evaluation.langdetect import detect
from coach.evaluation.scripts import End, Expect, Script
from coach.models import Card, CoachTurn

REPLY_EXCERPT = 400  # characters of the coach's reply quoted in a failure message


class CoachLike(Protocol):
    """What the runner needs from a coach (`coach.service.Coach` provides it)."""

    @property
    def cards(self) -> dict[str, Card]: ...

    def start_session(self, card_id: str | None = None, language: str = "nl") -> CoachTurn: ...

    def reply(self, session_id: str, text: str | None) -> CoachTurn: ...


@dataclass
class Check:
    """One assertion and its outcome; `turn` is the 1-based user turn, None for end checks."""

    name: str
    passed: bool
    expected: str
    actual: str
    turn: int | None = None
    line: int | None = None
    reply: str = ""

    def message(self, script: str) -> str:
        """E.g. "partners vergaderen (turn 2, line 9): phase — expected followup, got question"."""
        where = f"turn {self.turn}" if self.turn is not None else "end"
        if self.line:
            where += f", line {self.line}"
        text = f"{script} ({where}): {self.name} — expected {self.expected}, got {self.actual}"
        if self.reply:
            text += f'\n    coach replied: "{_excerpt(self.reply)}"'
        return text


@dataclass
class TurnResult:
    """A user message, the coach's reply (as a dict) and the checks on it."""

    index: int  # 1-based; 0 is the coach's greeting
    user: str | None
    reply: dict[str, Any]
    wall_ms: float
    user_language: str | None = None  # detected; None = too short/ambiguous
    reply_language: str | None = None
    checks: list[Check] = field(default_factory=list)


@dataclass
class ScriptResult:
    """Everything one script produced: transcript, checks and what metrics need."""

    name: str
    path: str
    language: str
    card: str
    session: str = ""
    tags: list[str] = field(default_factory=list)
    turns: list[TurnResult] = field(default_factory=list)
    end_checks: list[Check] = field(default_factory=list)
    error: str | None = None
    central_total: int = 0
    central_asked: int = 0
    summary: str | None = None
    gold: list[bool] = field(default_factory=list)  # outcome of each cites_any check

    @property
    def checks(self) -> list[Check]:
        return [c for t in self.turns for c in t.checks] + self.end_checks

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failures

    def failure_messages(self) -> list[str]:
        """One readable message per failed assertion (and the error, if the run broke)."""
        messages = [c.message(self.name) for c in self.failures]
        if self.error:
            messages.append(f"{self.name}: run stopped — {self.error}")
        return messages

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        data["n_checks"] = len(self.checks)
        data["n_failed"] = len(self.failures) + (1 if self.error else 0)
        data["failures"] = self.failure_messages()
        return data


def _excerpt(text: str, limit: int = REPLY_EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _fold(text: str) -> str:
    """Case- and accent-insensitive, whitespace-normalised form for `contains` checks."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.split())


def visible_text(reply: dict[str, Any]) -> str:
    """The reply as a user sees it: text, notice, follow-up questions, actions (not quotes)."""
    text = str(reply.get("text", ""))
    extra = [reply.get("notice") or "", *reply.get("followups", [])]
    for action in reply.get("actions", []):
        extra += [action.get("title", ""), action.get("why", "")]
    # The text usually already shows follow-ups and actions; don't repeat them.
    return "\n".join([text, *(p for p in extra if p and p not in text)]).strip()


def own_words(reply: dict[str, Any]) -> str:
    """The reply text without its quotes: an English reply quoting a Dutch card is English."""
    text = str(reply.get("text", ""))
    for cite in all_citations(reply):
        quote = cite.get("quote", "")
        if quote:
            text = text.replace(quote, " ")
    return text


def all_citations(reply: dict[str, Any]) -> list[dict[str, Any]]:
    """The reply's own citations followed by those of its actions."""
    cites = list(reply.get("citations", []))
    for action in reply.get("actions", []):
        cites += list(action.get("citations", []))
    return cites


def annotate_citations(reply: dict[str, Any], corpus_texts: dict[str, str]) -> None:
    """Mark each citation `verbatim` (quote in its card's text) and `retrieved` (id this turn)."""
    retrieved = set(reply.get("retrieved", []))
    for cite in all_citations(reply):
        text = corpus_texts.get(cite.get("card", ""), "")
        quote = cite.get("quote", "")
        cite["verbatim"] = bool(quote) and quote in text
        cite["retrieved"] = cite.get("passage_id") in retrieved


# -- central questions ------------------------------------------------------

_PUNCT = re.compile(r"[^\w\s]")


def _norm_question(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", _fold(text)).split())


def central_question_variants(coach: Any, card: Card) -> list[list[str]]:
    """Per central question of the card: the texts that count as asking it (Dutch, English).

    The English renderings come from the coach's dialogue content (the question bank)
    when the coach has one; a fake coach without it is matched on the card's text.
    """
    variants = [[q] for q in card.central_questions]
    render = getattr(getattr(coach, "content", None), "central_question", None)
    if callable(render):
        for i, options in enumerate(variants):
            for lang in ("nl", "en"):
                with contextlib.suppress(Exception):  # optional API; text matching still works
                    text = render(card, i, lang)
                    if isinstance(text, str) and text not in options:
                        options.append(text)
    return variants


def count_central_asked(
    replies: Iterable[dict[str, Any]], variants: Sequence[Sequence[str]]
) -> int:
    """How many central questions appear (in any variant) in the coach's replies."""
    texts = [_norm_question(visible_text(r)) for r in replies]
    asked = 0
    for options in variants:
        wanted = [_norm_question(v) for v in options if v.strip()]
        if any(w and w in t for w in wanted for t in texts):
            asked += 1
    return asked


# -- checks -----------------------------------------------------------------


def check_turn(expect: Expect, reply: dict[str, Any], turn: int, line: int | None) -> list[Check]:
    """Every expectation of one turn, each as a Check (passed or not)."""
    checks: list[Check] = []
    shown = visible_text(reply)
    folded = _fold(shown)

    def add(name: str, passed: bool, expected: str, actual: str) -> None:
        checks.append(Check(name, passed, expected, actual, turn, line, "" if passed else shown))

    if expect.phase is not None:
        phases = expect.phases()
        add(
            "phase",
            reply.get("phase") in phases,
            " or ".join(phases),
            str(reply.get("phase")),
        )
    if expect.cites_any:
        quotes = [c.get("quote", "") for c in all_citations(reply)]
        hit = any(_fold(g) in _fold(q) for g in expect.cites_any for q in quotes)
        add(
            "cites_any",
            hit,
            f"a citation containing one of {expect.cites_any}",
            f"{len(quotes)} citation(s): " + "; ".join(repr(_excerpt(q, 80)) for q in quotes)
            if quotes
            else "no citations",
        )
    if expect.cites_section_any:
        places = [
            f"{c.get('card', '')} / {c.get('title', '')} / {c.get('section', '')}"
            for c in all_citations(reply)
        ]
        hit = any(_fold(g) in _fold(p) for g in expect.cites_section_any for p in places)
        add(
            "cites_section_any",
            hit,
            f"a citation from a card or section matching one of {expect.cites_section_any}",
            "; ".join(places) if places else "no citations",
        )
    if expect.reply_contains_any:
        found = [w for w in expect.reply_contains_any if _fold(w) in folded]
        add(
            "reply_contains_any", bool(found), f"one of {expect.reply_contains_any}", "none of them"
        )
    if expect.reply_contains_all:
        missing = [w for w in expect.reply_contains_all if _fold(w) not in folded]
        add(
            "reply_contains_all",
            not missing,
            f"all of {expect.reply_contains_all}",
            f"missing {missing}" if missing else "all present",
        )
    if expect.reply_not_contains:
        present = [w for w in expect.reply_not_contains if _fold(w) in folded]
        add(
            "reply_not_contains",
            not present,
            f"none of {expect.reply_not_contains}",
            f"found {present}" if present else "none",
        )
    if expect.language is not None:
        add(
            "language",
            reply.get("language") == expect.language,
            expect.language,
            str(reply.get("language")),
        )
    if expect.actions_min is not None:
        n = len(reply.get("actions", []))
        add(
            "actions_min",
            n >= expect.actions_min,
            f"at least {expect.actions_min} action(s)",
            str(n),
        )
    if expect.citations_min is not None:
        n = len(all_citations(reply))
        add(
            "citations_min",
            n >= expect.citations_min,
            f"at least {expect.citations_min} citation(s)",
            str(n),
        )
    return checks


def check_end(end: End, result: ScriptResult, line: int | None) -> list[Check]:
    """The whole-conversation checks of `end:`."""
    checks: list[Check] = []
    replies = [t.reply for t in result.turns]
    last = replies[-1] if replies else {}

    def add(name: str, passed: bool, expected: str, actual: str) -> None:
        reply = "" if passed else visible_text(last)
        checks.append(Check(name, passed, expected, actual, None, line, reply))

    seen_phases = [str(r.get("phase")) for r in replies]
    distinct = list(dict.fromkeys(seen_phases))
    if end.central_questions_asked is not None:
        add(
            "central_questions_asked",
            result.central_asked >= end.central_questions_asked,
            f"at least {end.central_questions_asked} of {result.central_total}",
            str(result.central_asked),
        )
    if end.phases_include:
        missing = [p for p in end.phases_include if p not in distinct]
        add("phases_include", not missing, f"phases {end.phases_include}", f"phases {distinct}")
    if end.phases_exclude:
        present = [p for p in end.phases_exclude if p in distinct]
        add("phases_exclude", not present, f"none of {end.phases_exclude}", f"phases {distinct}")
    if end.final_phase is not None:
        add(
            "final_phase",
            last.get("phase") == end.final_phase,
            end.final_phase,
            str(last.get("phase")),
        )
    if end.actions_min is not None:
        ids = {a.get("id") or a.get("title") for r in replies for a in r.get("actions", [])}
        add(
            "actions_min",
            len(ids) >= end.actions_min,
            f"at least {end.actions_min} distinct action(s)",
            str(len(ids)),
        )
    if end.citations_min is not None:
        keys = {(c.get("passage_id"), c.get("quote")) for r in replies for c in all_citations(r)}
        add(
            "citations_min",
            len(keys) >= end.citations_min,
            f"at least {end.citations_min} distinct citation(s)",
            str(len(keys)),
        )
    if end.max_turn_ms is not None:
        timed = [t for t in result.turns if t.index > 0]
        slowest = max(timed, key=lambda t: t.wall_ms, default=None)
        worst = slowest.wall_ms if slowest else 0.0
        add(
            "max_turn_ms",
            worst <= end.max_turn_ms,
            f"every turn within {end.max_turn_ms:.0f} ms",
            f"{worst:.0f} ms" + (f" (turn {slowest.index})" if slowest else ""),
        )
    if end.summary_contains_any:
        summary = result.summary or ""
        found = [w for w in end.summary_contains_any if _fold(w) in _fold(summary)]
        checks.append(
            Check(
                "summary_contains_any",
                bool(found),
                f"one of {end.summary_contains_any} in the summary",
                "none of them" if summary else "no summary available",
                None,
                line,
                "" if found else summary,
            )
        )
    return checks


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
            if model.end and model.end.summary_contains_any:
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
    baseline: dict[str, float | None] | None = None,
    baseline_path: str | None = None,
    gates: Sequence[Any] = (),
    meta: dict[str, Any] | None = None,
    on_result: Callable[[ScriptResult], None] | None = None,
) -> SuiteOutcome:
    """Run scripts, compute metrics (plus retrieval's when given), apply gates, build the report."""
    from coach.evaluation.metrics import compute_metrics, evaluate_gates, flatten_retrieval
    from coach.evaluation.report import build_report

    results = run_scripts(coach, scripts, on_result=on_result)
    dicts = [r.to_dict() for r in results]
    metrics: dict[str, float | None] = dict(compute_metrics(dicts))
    metrics.update(
        flatten_retrieval(retrieval if retrieval and not retrieval.get("skipped") else None)
    )
    gate_results = evaluate_gates(metrics, gates)
    report = build_report(
        dicts,
        metrics,
        retrieval=retrieval,
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
    on_result: Callable[[ScriptResult], None] | None = None,
) -> tuple[SuiteOutcome, dict[str, Any]]:
    """Load the given script files, run them, and write report.json/.html into `report_dir`.

    This is the evaluator tab's whole job, kept here so the UI stays a thin adapter.
    Raises ScriptError (file and line) for a bad script before anything runs.
    """
    from coach.evaluation.report import write_report
    from coach.evaluation.scripts import load_scripts

    scripts = load_scripts(files)
    outcome = run_suite(
        coach, scripts, retrieval=retrieval, meta={"source": "evaluator tab"}, on_result=on_result
    )
    paths = write_report(outcome.report, report_dir)
    return outcome, paths
