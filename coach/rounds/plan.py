"""A session plan for the group, made from a round: it starts where the partners differ.

The round report's proposal becomes the plan's focus (`coach.plan.PlanFocus`):
an opening "Waar we verschillen" block with the differences in words, the
central questions that fit the most differing dimension and the signals only
some raise come first, and the passages to read are retrieved with them. The
rest is the ordinary planner (`coach.plan.make_plan`), so `coach plan --round`
and the Facilitator tab make the same document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coach.plan import PlanFocus, SessionPlan, load_library, make_plan
from coach.rounds.render import proposal
from coach.rounds.report import RoundReport
from coach.understanding.labels import PROBLEM_SIGNALS

if TYPE_CHECKING:
    from coach.rounds.service import TeamRounds

MAX_FOCUS_SIGNALS = 3


def round_focus(rounds: TeamRounds, report: RoundReport, language: str) -> PlanFocus:
    """The plan's focus: the report's proposal, and the words the agenda should fit."""
    texts, content = rounds.texts, rounds.coach.content
    lang = "en" if language == "en" else "nl"
    words = [texts.get("plan_words", lang)]
    top = report.largest()
    first = ""
    if top is not None:  # the cards are Dutch: their questions are matched in both languages
        first = " ".join(texts.get(f"plan_words_{top.name}", x) for x in ("nl", "en"))
    raised = [s for s in (report.only_some or report.signals) if s.signal in PROBLEM_SIGNALS]
    for count in raised[:MAX_FOCUS_SIGNALS]:
        words.append(texts.signal(count.signal, "nl"))
        signal = content.signal_texts(count.signal)
        if signal is not None:
            words.append(signal.query)
    if report.actions:
        words.append(report.actions[0].title)
    title = texts.get(
        "plan_context",
        lang,
        name=report.facts.name,
        number=report.facts.number,
        took_part=report.took_part,
    )
    return PlanFocus(
        title=title,
        lines=tuple(proposal(report, texts, lang, plan_hint=False)),
        words=" ".join(words).lower(),
        first=first,
    )


def make_round_plan(
    rounds: TeamRounds, ref: str, key: str | None, minutes: int = 90, language: str = "nl"
) -> SessionPlan:
    """The group-session plan for a round (the facilitator key is needed, as for its report)."""
    lang = "en" if language == "en" else "nl"
    report = rounds.report(ref, key, lang)
    limits = load_library(rounds.coach.settings.prompts_dir).limits
    group = max(limits.min_group, min(report.took_part or report.joined, limits.max_group))
    focus = round_focus(rounds, report, lang)
    context = [focus.title]
    top = report.largest()
    if top is not None and top.gap > 1:
        label = rounds.texts.get(f"label_{top.name}", lang).lower()
        context.append(
            rounds.texts.get("plan_context_gap", lang, dimension=label, low=top.low, high=top.high)
        )
    problems = [s for s in report.only_some if s.signal in PROBLEM_SIGNALS]
    if problems:
        said = "; ".join(rounds.texts.signal(s.signal, lang) for s in problems[:3])
        context.append(rounds.texts.get("plan_context_signals", lang, said=said))
    return make_plan(
        rounds.coach, [report.facts.card_id], group, minutes, " ".join(context), lang, focus=focus
    )
