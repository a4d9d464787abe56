"""A session plan as the Markdown document the facilitator downloads.

Each block lists its parts with their minutes (exercises, then the conversation
that fills the rest), and they add up to the block's minutes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coach.plan.model import SessionPlan


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _md_safe(text: str) -> str:
    """User text inside the plan: no raw HTML, no accidental headings."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plan_markdown(plan: SessionPlan) -> str:
    """The plan as a Markdown document (what the facilitator downloads)."""
    lib, lang = plan.library, plan.language
    r = lib.render
    joined = ", ".join(plan.card_titles)
    out = [
        f"# {r('title', lang, cards=joined)}",
        "",
        r("meta", lang, group_size=plan.group_size, minutes=plan.minutes),
        "",
        f"## {r('goal_heading', lang)}",
        "",
        plan.goal,
        "",
    ]
    if plan.context:
        out += [f"## {r('context_heading', lang)}", "", f"> {_md_safe(plan.context)}", ""]
    if plan.focus is not None:
        out += [f"## {r('focus_heading', lang)}", "", _md_safe(plan.focus.title), ""]
        out += [f"{i}. {line}" for i, line in enumerate(plan.focus.lines, 1)]
        out.append("")
    out += [f"## {r('agenda_heading', lang)}", "", r("table_header", lang)]
    for block in plan.blocks:
        out.append(
            f"| {_clock(block.start)}–{_clock(block.end)} | {block.title} | {block.minutes} |"
        )
    out.append("")
    for block in plan.blocks:
        out += [
            "### "
            + r(
                "block_heading",
                lang,
                start=_clock(block.start),
                end=_clock(block.end),
                title=block.title,
                minutes=block.minutes,
            ),
            "",
            block.purpose,
            "",
        ]
        if block.notes:
            out += [f"- {note}" for note in block.notes]
            out.append("")
        if block.question:
            out += [f"**{r('question_label', lang)}:** {block.question}", ""]
        if block.followups:
            out.append(f"**{r('followups_label', lang)}:**")
            out += [f"- {q}" for q in block.followups]
            out.append("")
        for exercise in block.exercises:
            out.append(
                f"**{r('exercise_label', lang)}: {exercise.name}** ({exercise.minutes} min)"
                f" — {exercise.how}"
            )
            if exercise.form_text:
                out += ["", f"*{exercise.form_text}*"]
            out.append("")
        if block.talk_minutes:
            out += [f"**{r('talk_label', lang)}** ({block.talk_minutes} min) — {block.talk}", ""]
    out += [f"## {r('readings_heading', lang)}", ""]
    if plan.readings:
        out += [r("readings_intro", lang), ""]
        for i, cite in enumerate(plan.readings, 1):
            out += [f"{i}. **{cite.title} — {cite.section}**", "", f"   > {cite.quote}", ""]
            if cite.source:
                out += [f"   {r('source_label', lang)}: {cite.source}", ""]
    else:
        out += [r("no_readings", lang), ""]
    out += ["---", "", f"*{r('footer', lang)}*"]
    return "\n".join(out).rstrip() + "\n"
