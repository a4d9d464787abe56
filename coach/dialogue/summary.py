"""The reflection summary as a Markdown document (shown in chat and exported).

Built from the state alone (answers, ratings, chosen actions, citations shown)
plus the card for the question texts, in the session's language. Headings and
labels come from prompts/messages.yaml; the user's own words appear as
block quotes, unchanged.
"""

from __future__ import annotations

from coach.dialogue.content import DialogueContent
from coach.dialogue.schema import RATING_NAMES
from coach.dialogue.state import Answer, DialogueState
from coach.models import Card
from coach.templates import render_template

MAX_ANSWER_CHARS = 4000  # the service truncates input there too; keeps exports readable


def _blockquote(text: str, indent: str = "") -> str:
    lines = text[:MAX_ANSWER_CHARS].strip().splitlines() or [""]
    return "\n".join(f"{indent}> {line}".rstrip() for line in lines)


def _answers_in_order(state: DialogueState) -> list[Answer]:
    asked = {j: n for n, j in enumerate(state.followups_asked)}
    return sorted(
        state.answers,
        key=lambda a: (a.question, a.followup is not None, asked.get(a.followup or 0, 0)),
    )


def summary_markdown(state: DialogueState, card: Card, content: DialogueContent) -> str:
    """The summary so far: context, answers per question, balance, actions and sources."""
    lang = state.language if state.language in ("nl", "en") else "nl"

    def say(key: str, **values: object) -> str:
        return content.render(key, lang, **values)

    out = [
        f"# {say('summary_title', title=content.card_title(card, lang))}",
        "",
        f"_{say('summary_note')}_",
        "",
    ]

    ctx = state.context
    if ctx.role or ctx.parties or ctx.text:
        out += [f"## {say('summary_context')}", ""]
        if ctx.role:
            out.append(f"- {say('summary_role', role=say(f'role_{ctx.role}'))}")
        if ctx.parties:
            out.append(f"- {say('summary_parties', parties=content.join(list(ctx.parties), lang))}")
        if ctx.theme:
            out.append(f"- {say('summary_theme', words=', '.join(ctx.theme))}")
        if ctx.text:
            out += ["", f"**{say('summary_intake')}:**", "", _blockquote(ctx.text)]
        out.append("")

    out += [f"## {say('summary_answers')}", ""]
    answers = _answers_in_order(state)
    if not answers:
        out += [say("summary_no_answers"), ""]
    shown_questions: set[int] = set()
    for answer in answers:
        if not 0 <= answer.question < len(card.central_questions):
            continue
        if answer.question not in shown_questions:
            shown_questions.add(answer.question)
            question = content.central_question(card, answer.question, lang)
            out += [f"### {answer.question + 1}. {question}", ""]
            central = state.answer_to(answer.question)
            if central is not None:
                out += [_blockquote(central.text), ""]
        if answer.followup is not None and 0 <= answer.followup < len(card.followup_questions):
            followup = content.followup_question(card, answer.followup, lang)
            out += [f"**{say('summary_followup')}:** {followup}", "", _blockquote(answer.text), ""]

    ratings = state.ratings
    if any(getattr(ratings, n) is not None for n in RATING_NAMES):
        out += [
            f"## {say('summary_balance')}",
            "",
            f"| | {say('summary_score')} |",
            "| --- | --- |",
        ]
        for name in RATING_NAMES:
            value = getattr(ratings, name)
            out.append(
                f"| {say(f'label_{name}')} | "
                f"{value if value is not None else say('rating_unknown')} |"
            )
        out.append("")
        pattern = content.library.pattern(state.pattern)
        if pattern is not None and ratings.complete():
            values = {n: getattr(ratings, n) for n in RATING_NAMES}
            out += [render_template(pattern.text.get(lang), values, f"pattern `{pattern.id}`"), ""]

    chosen = [a for a in state.offered if a.id in state.chosen]
    if chosen or state.ended:
        out += [f"## {say('summary_actions')}", ""]
        if not chosen:
            out += [say("summary_no_actions"), ""]
    elif state.offered:
        out += [f"## {say('summary_offered')}", ""]
        chosen = list(state.offered)
    for n, action in enumerate(chosen, 1):
        out.append(f"{n}. **{action.title}**: {action.why}")
        for c in action.citations:
            out.append(f'   > "{c.quote}" ({c.title}, {c.section})')
    if chosen:
        out.append("")

    if state.cited:
        out += [f"## {say('summary_quotes')}", ""]
        seen: set[str] = set()
        for c in state.cited:  # one quote per passage keeps the document short
            if c.passage_id not in seen:
                seen.add(c.passage_id)
                out.append(f'- "{c.quote}" ({c.title}, {c.section})')
        out.append("")

    references: list[str] = [s.reference() for s in card.sources]
    for c in state.cited:
        references += [r.strip() for r in c.source.split("; ") if r.strip()]
    unique = list(dict.fromkeys(references))
    if unique:
        out += [f"## {say('summary_sources')}", ""]
        out += [f"- {ref}" for ref in unique]
        out.append("")
    return "\n".join(out).rstrip() + "\n"
