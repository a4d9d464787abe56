"""Moving through the conversation: intake, questions and follow-ups, balance, actions.

One handler per way an expected message can be read (`Plan.kind`): an answer,
"move on", "no", ratings, the balance left behind, a choice of actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from coach.dialogue.coaching import balance_pattern, pick_followup, rank_actions
from coach.dialogue.parsing import extract_context, is_phrase, parse_choice, reflect_words
from coach.dialogue.schema import RATING_NAMES
from coach.dialogue.state import Answer, DialogueState
from coach.dialogue.summary import summary_markdown
from coach.dialogue.turn import Result, Turn
from coach.models import Action, Ratings
from coach.templates import render_template

# --- moving through the questions ----------------------------------------------


def _enter_balance(t: Turn, state: DialogueState) -> DialogueState:
    state = replace(
        state,
        phase="balance",
        pending_followup=None,
        ratings=Ratings(),
        pattern=None,
        offered=(),
        chosen=(),
    )
    t.say("ask_balance")
    return state


def goto_question(t: Turn, state: DialogueState, index: int) -> DialogueState:
    if index >= len(t.card.central_questions):
        return _enter_balance(t, state)
    state = replace(
        state, phase="question", question_index=index, pending_followup=None, followups_here=0
    )
    t.parts.append(t.ask_central(index))
    return state


def _advance(t: Turn, state: DialogueState) -> DialogueState:
    """On to the next central question, or to the balance after the last one."""
    return goto_question(t, state, state.question_index + 1)


def _begin_questions(t: Turn, state: DialogueState) -> DialogueState:
    if t.card.central_questions:
        t.say(
            "questions_intro",
            total=len(t.card.central_questions),
            title=t.content.card_title(t.card, t.lang),
        )
    return goto_question(t, state, 0)


def _record(state: DialogueState, answer: Answer) -> DialogueState:
    kept = tuple(
        a for a in state.answers if (a.question, a.followup) != (answer.question, answer.followup)
    )
    return replace(state, answers=(*kept, answer))


def _reflect_and_ground(
    t: Turn, answer: str, question: str, followup: bool, next_question: str | None = None
) -> None:
    """Mirror the user's own key words, then offer one grounded insight.

    After a follow-up the insight is only shown when it is new to the session:
    repeating a quote adds nothing, and the central answer already had one.
    """
    mirrored = reflect_words(answer)
    if mirrored:
        t.say("reflect", words=t.quoted(mirrored))
    else:
        t.say("reflect_plain")
    query = answer if mirrored else f"{answer} {question}"
    # Never quote the question just answered, nor the follow-up about to be asked.
    skip = [question] if next_question is None else [question, next_question]
    citation = t.ground("insight", query[:4000], session_avoid=True, skip_texts=skip)
    if (
        citation is not None
        and followup
        and citation.passage_id in {c.passage_id for c in t.state.cited}
    ):
        return
    t.quote(citation)


def _followup_or_advance(t: Turn, state: DialogueState, choice: int | None) -> DialogueState:
    """Ask the chosen follow-up, or go on to the next central question."""
    if choice is None:
        return _advance(t, state)
    t.parts.append(t.ask_followup(choice))
    return replace(
        state,
        phase="followup",
        pending_followup=choice,
        followups_asked=(*state.followups_asked, choice),
        followups_here=state.followups_here + 1,
    )


def on_answer(t: Turn) -> Result:
    state, text = t.state, t.text
    if state.phase == "intake":
        context = extract_context(text, t.content.commands)
        state = replace(state, context=context)
        ack = [t.msg("intake_thanks")]
        if context.role:
            ack.append(t.msg("intake_role", role=t.msg(f"role_{context.role}")))
        if context.parties:
            ack.append(
                t.msg("intake_parties", parties=t.content.join(list(context.parties), t.lang))
            )
        t.parts.append(" ".join(ack))
        return t.finish(_begin_questions(t, state))
    if state.phase == "question":
        state = _record(state, Answer(state.question_index, None, text))
        state = replace(state, followups_here=0)
        central = t.card.central_questions[state.question_index]
        choice = pick_followup(
            state, t.card, t.content, text, central, force=not state.followups_asked
        )
        _reflect_and_ground(t, text, central, followup=False, next_question=_text_of(t, choice))
        return t.finish(_followup_or_advance(t, state, choice))
    pending = state.pending_followup
    assert pending is not None  # phase "followup" always has one
    state = _record(state, Answer(state.question_index, pending, text))
    question = t.card.followup_questions[pending]
    central = t.card.central_questions[state.question_index]
    choice = pick_followup(state, t.card, t.content, text, central, force=False)
    _reflect_and_ground(t, text, question, followup=True, next_question=_text_of(t, choice))
    return t.finish(_followup_or_advance(t, state, choice))


def _text_of(t: Turn, followup: int | None) -> str | None:
    """The card's text of a follow-up (what a quote must not repeat)."""
    return None if followup is None else t.card.followup_questions[followup]


def on_move_on(t: Turn) -> Result:
    state = t.state
    if state.phase == "intake":
        t.say("intake_skipped")
        return t.finish(_begin_questions(t, state))
    t.say("skipped" if state.phase == "question" else "moving_on")
    return t.finish(_advance(t, state))


def on_decline(t: Turn) -> Result:
    """'Nee' to a follow-up: keep it as the answer and move on."""
    state = t.state
    if state.pending_followup is not None:
        state = _record(state, Answer(state.question_index, state.pending_followup, t.text))
    t.say("moving_on")
    return t.finish(_advance(t, state))


# --- balance and actions ---------------------------------------------------------


def on_ratings(t: Turn) -> Result:
    """Some ratings given (or none readable): note them and ask only for what is missing."""
    parse = t.plan.ratings
    state = replace(t.state, phase="balance", offered=(), chosen=(), pattern=None)
    if parse is not None and parse.values:
        state = replace(state, ratings=parse.merged(state.ratings))
        noted = [
            f"{t.rating_label(n)} {v}"
            for n, v in sorted(parse.values.items(), key=lambda kv: RATING_NAMES.index(kv[0]))
        ]
        t.say("ratings_noted", ratings=t.content.join(noted, t.lang))
    if parse is not None and parse.invalid:
        t.say("rating_invalid", values=t.content.join(list(parse.invalid), t.lang))
    if parse is not None and parse.decimals:
        t.say("rating_decimal", values=t.content.join(list(parse.decimals), t.lang))
    if parse is not None and parse.too_many:
        t.say("rating_too_many", count=parse.too_many, asked=parse.asked)
    if parse is None or not parse.understood:
        t.say("rating_not_understood")
    t.parts += t.pending(state)
    return t.finish(state)


def _why(
    t: Turn, spec_id: str, words: Sequence[str], ratings: Ratings, state: DialogueState
) -> str:
    spec = t.content.library.action(spec_id)
    assert spec is not None
    values: dict[str, object] = {
        n: getattr(ratings, n) if getattr(ratings, n) is not None else t.msg("rating_unknown")
        for n in RATING_NAMES
    }
    values["parties"] = (
        t.content.join(list(state.context.parties), t.lang)
        if state.context.parties
        else t.msg("no_parties")
    )
    where = f"{t.content.files.get('actions', 'prompts/actions.yaml')}: action `{spec.id}`"
    if words and spec.why_words is not None:
        values["words"] = t.quoted(words)
        return render_template(spec.why_words.get(t.lang), values, where)
    return render_template(spec.why.get(t.lang), values, where)


def on_to_actions(t: Turn) -> Result:
    """Ratings complete (or the balance skipped): name the balance and suggest grounded actions."""
    state = t.state
    ratings = t.plan.ratings.merged(state.ratings) if t.plan.ratings else state.ratings
    pattern = balance_pattern(ratings, t.content) if ratings.complete() else None
    if pattern is not None:
        values = {n: getattr(ratings, n) for n in RATING_NAMES}
        where = f"{t.content.files.get('actions', 'prompts/actions.yaml')}: pattern `{pattern.id}`"
        t.parts.append(render_template(pattern.text.get(t.lang), values, where))
        t.quote(t.ground("balance", pattern.query))
    else:
        t.say("balance_skipped")
    limits = t.content.library.limits
    state = replace(state, ratings=ratings, pattern=pattern.id if pattern else None)
    chosen = t.actions
    for candidate in rank_actions(state, ratings, pattern, t.content)[: limits.action_queries]:
        if len(chosen) >= limits.max_actions or (
            not candidate.relevant and len(chosen) >= limits.min_actions
        ):
            break
        citation = t.ground(f"action:{candidate.spec.id}", candidate.spec.query)
        if citation is None:
            continue
        why = _why(t, candidate.spec.id, candidate.words, ratings, state)
        chosen.append(Action(candidate.spec.id, candidate.spec.title.get(t.lang), why, (citation,)))
    if chosen:
        t.say("actions_intro" if pattern is not None else "actions_intro_unrated")
        t.parts.append("\n".join(t.action_lines(chosen, with_quotes=True)))
        t.say("ask_choose")
    else:
        t.say("no_actions")
        t.notice = t.msg("notice_ungrounded")
        t.say("ask_close")
    state = replace(state, phase="actions", pending_followup=None, offered=tuple(chosen), chosen=())
    return t.finish(state)


def conclude(t: Turn, state: DialogueState, chosen: Sequence[int]) -> Result:
    picked = [state.offered[i] for i in chosen]
    state = replace(state, phase="summary", chosen=tuple(a.id for a in picked), ended=True)
    if picked:
        t.say("chosen", titles=t.content.join([a.title for a in picked], t.lang))
    elif state.offered:
        t.say("chosen_none")
    t.parts.append(summary_markdown(state, t.card, t.content))
    return t.finish(state)


def on_choose(t: Turn) -> Result:
    state = t.state
    if not state.offered:
        return conclude(t, state, ())
    titles = [a.title for a in state.offered]
    choice = parse_choice(t.text, titles, t.content.commands)
    if choice is None and is_phrase(t.text, t.content.commands.move_on):
        choice = tuple(range(len(titles)))
    if choice is None:
        t.say("choose_not_understood")
        t.parts += t.pending(state)
        return t.finish(state)
    return conclude(t, state, choice)
