"""Looking back at last round's actions: "Vorige keer koos je ... — is dat gelukt?".

A session in a team round can start with the actions the partner chose in the
previous round (`DialogueState.reviews`, handed in by the service: the machine
never looks anything up). The coach asks about them one by one in phase
"review", before the intake (`coach.dialogue.turn.opening`), and records per
action what became of it — done, partly, not yet — with the user's own words.
An answer it cannot read is asked once more with the three options; after
that, or on "overslaan", the action is recorded without a status and the coach
moves on. What the answer says about
the situation (its signals) is kept as a note, like everywhere else.
"""

from __future__ import annotations

from dataclasses import replace

from coach.dialogue.parsing import normalize, phrase_in
from coach.dialogue.schema import CommandsFile
from coach.dialogue.state import DialogueState, Note, Review
from coach.dialogue.turn import Result, Turn

MAX_REVIEW_CHARS = 2000  # the user's words about one action


def review_status(text: str, commands: CommandsFile) -> str | None:
    """done | partly | not_yet as the answer says it, or None when it does not say."""
    norm = normalize(text)
    if not norm:
        return None
    w = commands.review_status
    for status, lists in (("partly", w.partly), ("not_yet", w.not_yet), ("done", w.done)):
        if any(phrase_in(norm, normalize(p)) for p in lists.all() if normalize(p)):
            return status
    return None


def _record(state: DialogueState, status: str | None, text: str) -> DialogueState:
    review = state.reviews[state.review_index]
    words = "\n".join(w for w in (review.text, text.strip()[:MAX_REVIEW_CHARS]) if w)
    updated = replace(review, status=status, text=words)
    reviews = list(state.reviews)
    reviews[state.review_index] = updated
    return replace(state, reviews=tuple(reviews))


def _next(t: Turn, state: DialogueState) -> DialogueState:
    """On to the next action, or (after the last) to the intake."""
    index = state.review_index + 1
    state = replace(state, clarifying=None)
    if index < len(state.reviews):
        t.say("review_ask", title=state.reviews[index].title)
        return replace(state, review_index=index)
    t.say("review_thanks")
    t.say("ask_intake")
    return replace(state, phase="intake", review_index=index)


def on_review(t: Turn) -> Result:
    """An answer about one of last round's actions."""
    state, u = t.state, t.understanding
    status = review_status(t.text, t.content.commands)
    if u.signals:
        note = Note("review", t.text.strip()[:MAX_REVIEW_CHARS], u.signal_ids)
        state = replace(state, notes=(*state.notes, note))
    if status is None and state.clarifying != "review":
        state = replace(_record(state, None, t.text), clarifying="review")
        t.say("review_unclear")
        return t.finish(state)
    state = _record(state, status, t.text)
    t.say(f"review_noted_{status}" if status else "review_skipped")
    return t.finish(_next(t, state))


def on_review_skip(t: Turn) -> Result:
    """Skip ("overslaan") while looking back: no status for this action; on to the next."""
    t.say("review_skipped")
    return t.finish(_next(t, t.state))


def fresh_reviews(reviews: tuple[Review, ...]) -> tuple[Review, ...]:
    """The same actions, unanswered (a restart asks about them again)."""
    return tuple(Review(r.action, r.title) for r in reviews)
