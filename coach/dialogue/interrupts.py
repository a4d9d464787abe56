"""Interruptions: commands, questions to the coach, requests and odd input, in any phase.

Each answers and then re-asks whatever the conversation was waiting for, so
the next message is read as the answer to it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from coach.dialogue.coaching import qa_citations
from coach.dialogue.flow import conclude, goto_question, on_move_on
from coach.dialogue.language import content_words
from coach.dialogue.reflect import feeling, reflection
from coach.dialogue.review import fresh_reviews, on_review_skip
from coach.dialogue.state import CLARIFY, Answer, DialogueState, Note
from coach.dialogue.summary import summary_markdown
from coach.dialogue.turn import Result, Turn, opening
from coach.models import Ratings

_ADD = re.compile(r"\b(toevoegen|aanvullen|bijvoegen|erbij|add|adding|addition)\b", re.IGNORECASE)
BACK_WITH_CONTENT_WORDS = 5  # "you skipped my answer: <the answer>" carries its own content
NOTE_WORDS = 3  # a retraction that says this much more keeps it as a note


def on_command(t: Turn) -> Result:
    command = t.plan.command
    state = t.state if command == "back" else keep_as_note(t)
    total = len(t.card.central_questions)
    if command == "help":
        t.say("help")
        t.say(f"hint_{state.phase}")
        t.parts += t.pending(state)
        return t.finish(state)
    if command == "repeat":
        t.parts += t.pending(state)
        return t.finish(state)
    if command == "keep":
        state = replace(state, keep_private=True)
        t.say("kept_private")
        if state.phase == "summary":
            t.parts.append(summary_markdown(state, t.card, t.content))
        else:
            t.parts += t.pending(state)
        return t.finish(state)
    if command == "summary":
        t.say("summary_so_far")
        t.parts.append(summary_markdown(state, t.card, t.content))
        if state.phase != "summary":
            t.say("continue")
            t.parts += t.pending(state)
        return t.finish(state, phase="summary")
    if command == "restart":
        fresh = DialogueState(
            card_id=state.card_id, language=state.language, reviews=fresh_reviews(state.reviews)
        )
        t.say("restarted")
        t.say("greeting", title=t.content.card_title(t.card, t.lang))
        return t.finish(opening(t, fresh))
    if state.phase == "summary":
        return on_closed(t)
    if command == "stop":
        t.say("stopped")
        state = replace(state, phase="summary", pending_followup=None, ended=True)
        t.parts.append(summary_markdown(state, t.card, t.content))
        return t.finish(state)
    if command == "skip":
        if state.phase == "review":
            return on_review_skip(t)
        if state.phase == "actions":
            return conclude(t, state, ())
        return on_move_on(t)
    return _back(t, state, total)


def _back(t: Turn, state: DialogueState, total: int) -> Result:
    """To the previous central question, or to the one a sentence named ("vraag 2")."""
    if state.phase in ("intake", "review") or total == 0:
        t.say("back_unavailable")
        t.parts += t.pending(state)
        return t.finish(state)
    if t.plan.target is not None and 1 <= t.plan.target <= total:
        target = t.plan.target - 1
    elif state.phase == "question":
        if state.question_index == 0:
            t.say("back_first")
            t.parts += t.pending(state)
            return t.finish(state)
        target = state.question_index - 1
    elif state.phase == "followup":
        target = state.question_index
    else:
        target = total - 1
    if _content_beyond_command(t) >= BACK_WITH_CONTENT_WORDS and state.phase != "summary":
        return _add_to_question(t, target)
    adding = _ADD.search(t.text) is not None
    t.say("back_to_add" if adding else "back_to", n=target + 1)
    state = replace(
        state,
        ratings=Ratings(),
        proposed=None,
        pattern=None,
        offered=(),
        chosen=(),
        adding=target if adding else None,
    )
    return t.finish(goto_question(t, state, target))


def _content_beyond_command(t: Turn) -> int:
    """Content words of the message that are not part of asking to go back."""
    cmds = t.content.commands
    asking = {
        w.lower()
        for lists in (*cmds.command_phrases.values(), *cmds.commands.values())
        for phrase in lists.all()
        for w in phrase.split()
    } | {w.lower() for w in cmds.command_words.all()}
    text = t.understanding.unretracted if t.understanding.retracts else t.text
    return sum(1 for w in content_words(text) if w.lower() not in asking)


def _add_to_question(t: Turn, target: int) -> Result:
    """ "Je sloeg mijn antwoord over: ..." with the answer in the same message: take it in
    where it belongs and carry on, instead of asking the question again."""
    u = t.understanding
    added = Answer(target, CLARIFY, t.text.strip()[:4000], u.signal_ids, clear=u.clear_signals)
    old = t.state.answer_to(target, CLARIFY)
    if old is not None:
        added = replace(
            added,
            text=f"{old.text}\n{added.text}",
            signals=old.signals + u.signal_ids,
            clear=old.clear + u.clear_signals,
        )
    kept = tuple(a for a in t.state.answers if (a.question, a.followup) != (target, CLARIFY))
    state = replace(t.state, answers=(*kept, added))
    t.say("added_to_question", n=target + 1)
    t.parts += reflection(t, replace(u, sarcasm=False, contradiction=False))[0]
    t.parts += t.pending(state)
    return t.finish(state)


def qa_part(t: Turn, resume: bool) -> None:
    """The grounded answer to the user's question (1-2 verbatim quotes)."""
    question = t.understanding.question or t.text
    citations = qa_citations(
        t.hits("qa"), question[:1000], t.content, t.retrieved_ids, t.corpus_texts
    )
    if citations:
        t.say("qa_intro")
        for citation in citations:
            t.quote(citation)
    else:
        t.say("qa_nothing")
        t.notice = t.msg("notice_ungrounded")
    if resume and t.state.phase != "summary":
        t.say("qa_resume")


def on_qa(t: Turn) -> Result:
    """Answer a question from the cards, then re-ask what was pending."""
    t.parts += feeling(t, t.understanding)
    qa_part(t, resume=True)
    if t.state.phase != "summary":
        t.parts += t.pending(t.state)
    return t.finish(t.state, phase="qa")


def on_request(t: Turn) -> Result:
    """Something the coach cannot do here: say so plainly, point to what it can, go on."""
    kind = "agenda" if t.plan.redirect == "agenda" else "generic"
    t.parts.append(t.variant(f"req-{kind}", t.content.reflections.requests[kind].get(t.lang)))
    state = keep_as_note(t)
    t.parts += t.pending(state)
    return t.finish(state)


def keep_as_note(t: Turn) -> DialogueState:
    """What a request or a command says about the situation is kept, never dropped."""
    u = t.understanding
    if not u.signals:
        return t.state
    return replace(
        t.state,
        notes=(
            *t.state.notes,
            Note(t.state.phase, t.text.strip()[:4000], u.signal_ids, clear=u.clear_signals),
        ),
    )


def on_redirect(t: Turn) -> Result:
    """Empty, unreadable, hostile or off-topic input: a short friendly redirect, never an error."""
    t.say(t.plan.redirect or "not_understood")
    t.parts += t.pending(t.state)
    return t.finish(t.state)


def on_closed(t: Turn) -> Result:
    t.say("after_summary")
    return t.finish(t.state)


def on_retract(t: Turn) -> Result:
    """A message that takes back what the coach read: said once (by `step`, naming what is
    left out), then the summary again without it, or the pending question. What else the
    message says is kept as a note."""
    removed = bool(t.parts)
    if not removed:
        t.say("retract_absent" if t.state.phase == "summary" else "retract_noted")
    u = t.understanding
    rest = u.unretracted.strip()
    noted = len(content_words(rest)) >= NOTE_WORDS
    if noted:
        note = Note(t.state.phase, rest[:4000], u.signal_ids, clear=u.clear_signals)
        t.state = replace(t.state, notes=(*t.state.notes, note))
        t.parts.append(t.variant("note", t.content.reflections.note_kept.get(t.lang)))
    if t.state.phase == "summary":
        if removed or noted:
            t.say("summary_updated" if removed else "summary_again")
            t.parts.append(summary_markdown(t.state, t.card, t.content))
    else:
        t.parts += t.pending(t.state)
    return t.finish(t.state)
