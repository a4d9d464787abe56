"""The expectation checks of a script: per-turn `expect:` and whole-conversation `end:`.

Each check reads the reply dicts (the `CoachTurn.to_dict()` form) and returns
`Check`s, passed or not; the helpers here also decide what counts as the
visible reply, the coach's own words, a grounded citation and an asked
central question.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from coach.evaluation.results import Check, ScriptResult, excerpt
from coach.evaluation.scripts import End, Expect
from coach.models import Card


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


def _offered(wanted: Sequence[str], actions: Iterable[dict[str, Any]]) -> list[str]:
    """Actions whose id is one of `wanted` or whose title contains one of them."""
    keys = [_fold(w) for w in wanted]
    return [
        str(a.get("id") or a.get("title"))
        for a in actions
        if any(
            k == _fold(str(a.get("id", ""))) or k in _fold(str(a.get("title", ""))) for k in keys
        )
    ]


def _action_names(actions: Iterable[dict[str, Any]]) -> str:
    names = [f"{a.get('id')} ({a.get('title')})" for a in actions]
    return "; ".join(dict.fromkeys(names)) if names else "no actions"


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
            f"{len(quotes)} citation(s): " + "; ".join(repr(excerpt(q, 80)) for q in quotes)
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
    if expect.actions_any:
        actions = reply.get("actions", [])
        add(
            "actions_any",
            bool(_offered(expect.actions_any, actions)),
            f"an action with id or title matching one of {expect.actions_any}",
            _action_names(actions),
        )
    if expect.signals_any:
        read = reply.get("signals")
        add(
            "signals_any",
            read is not None and any(s in read for s in expect.signals_any),
            f"one of the signals {expect.signals_any}",
            "no signals recorded with this reply" if read is None else f"signals {list(read)}",
        )
    if expect.intent is not None:
        add("intent", reply.get("intent") == expect.intent, expect.intent, str(reply.get("intent")))
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
    if end.actions_any:
        actions = [a for r in replies for a in r.get("actions", [])]
        add(
            "actions_any",
            bool(_offered(end.actions_any, actions)),
            f"an action with id or title matching one of {end.actions_any} in the conversation",
            _action_names(actions),
        )
    if end.summary_not_contains:
        summary = result.summary
        present = [w for w in end.summary_not_contains if _fold(w) in _fold(summary or "")]
        passed = summary is not None and not present
        checks.append(
            Check(
                "summary_not_contains",
                passed,
                f"none of {end.summary_not_contains} in the summary",
                "no summary available" if summary is None else f"found {present}",
                None,
                line,
                "" if passed else summary or "",
            )
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
    if end.summary_contains_all:
        summary = result.summary or ""
        missing = [w for w in end.summary_contains_all if _fold(w) not in _fold(summary)]
        checks.append(
            Check(
                "summary_contains_all",
                bool(summary) and not missing,
                f"all of {end.summary_contains_all} in the summary",
                f"missing {missing}" if summary else "no summary available",
                None,
                line,
                "" if summary and not missing else summary,
            )
        )
    return checks
