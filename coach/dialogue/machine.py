"""The dialogue machine: `(state, user text, retrieved hits) -> (new state, reply)`.

Pure on purpose: no I/O, no retrieval, no clock, no randomness. The service
asks `queries_for` which retrievals a turn needs, runs them, and passes the
hits to `step`; the same inputs always give the same conversation, so every
path is unit-tested in milliseconds with hand-made hits.

Phases (a public contract): intake -> question <-> followup -> balance ->
actions -> summary. A reply to a question from the user has phase "qa" and
re-asks whatever was pending; the state's phase does not change. Every
sentence comes from prompts/messages.yaml; every quote is checked against
the passages retrieved this turn and the corpus text (coach.grounding).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache

from coach.dialogue import flow, interrupts
from coach.dialogue.coaching import balance_pattern, rank_actions
from coach.dialogue.content import DialogueContent
from coach.dialogue.language import content_words, resolve_language, stems
from coach.dialogue.parsing import (
    RatingParse,
    is_phrase,
    is_question,
    match_command,
    mentions_rating,
    odd_input,
    on_topic,
    parse_ratings,
    starts_with_phrase,
)
from coach.dialogue.replies import Plan, Query, Reply
from coach.dialogue.state import DialogueState
from coach.dialogue.turn import Result, Turn, greet
from coach.models import Card, Hit, Ratings

__all__ = ["Query", "Reply", "queries_for", "start", "step"]

ANSWERING = ("intake", "question", "followup")
HANDLERS: dict[str, Callable[[Turn], Result]] = {
    "answer": flow.on_answer,
    "move_on": flow.on_move_on,
    "decline": flow.on_decline,
    "ratings": flow.on_ratings,
    "to_actions": flow.on_to_actions,
    "choose": flow.on_choose,
    "command": interrupts.on_command,
    "qa": interrupts.on_qa,
    "redirect": interrupts.on_redirect,
    "closed": interrupts.on_closed,
}
MAX_QUERY_CHARS = 1000  # retrieval queries built from user text are cut here
SUBSTANTIVE_ANSWER_WORDS = 6  # content words from which an answer is searched on its own


@lru_cache(maxsize=32)
def _stems_cached(text: str) -> frozenset[str]:
    return stems(text)


def _card_stems(card: Card) -> frozenset[str]:
    """The card's vocabulary, including its hints: how users phrase what the card answers."""
    hints = " ".join(h for s in card.sections for h in (*s.hints.questions, *s.hints.keywords))
    return _stems_cached(f"{card.text}\n{hints}")


def _actions_plan(
    state: DialogueState, ratings: Ratings, parse: RatingParse | None, content: DialogueContent
) -> Plan:
    """Leaving the balance: ground the balance pattern and the candidate actions."""
    pattern = balance_pattern(ratings, content) if ratings.complete() else None
    candidates = rank_actions(state, ratings, pattern, content)[
        : content.library.limits.action_queries
    ]
    queries = [Query("balance", pattern.query)] if pattern is not None else []
    queries += [Query(f"action:{c.spec.id}", c.spec.query) for c in candidates]
    return Plan("to_actions", ratings=parse, queries=tuple(queries))


def query_text(text: str) -> str:
    """User text cut for retrieval (the embedding model reads ~512 tokens anyway)."""
    return text[:MAX_QUERY_CHARS]


def insight_query(state: DialogueState, text: str, card: Card) -> str:
    """User answer + the question it answers (in the card's language, as the corpus is).

    A focused answer is searched on its own: with the question appended, the
    card's own question list and passages that echo the question's words
    ("nieuwe spelers") outrank the passage about what the user described
    ("een nieuwe wet"). Short answers ("ja, eigenlijk wel") mean nothing
    without the question, and long, rambling ones need it to stay on topic.
    """
    if len(content_words(text)) >= SUBSTANTIVE_ANSWER_WORDS and len(text) <= MAX_QUERY_CHARS:
        return text
    if state.phase == "followup" and state.pending_followup is not None:
        question = card.followup_questions[state.pending_followup]
    elif 0 <= state.question_index < len(card.central_questions):
        question = card.central_questions[state.question_index]
    else:
        question = ""
    return f"{query_text(text)} {question}".strip()


def plan_turn(state: DialogueState, text: str, card: Card, content: DialogueContent) -> Plan:
    """Classify the message for the current phase; pure and total."""
    cmds = content.commands
    if not text.strip():
        return Plan("redirect", redirect="empty")
    command = match_command(text, cmds)
    if command is not None:
        if command == "skip" and state.phase == "balance":
            return _actions_plan(state, state.ratings, None, content)
        return Plan("command", command=command)
    if is_question(text, state.phase in ANSWERING, cmds):
        if on_topic(text, content.domain_stems | _card_stems(card)):
            return Plan("qa", queries=(Query("qa", query_text(text)),))
        return Plan("redirect", redirect="offtopic")
    odd = odd_input(text, cmds)
    if state.phase == "summary":
        return Plan("closed")
    if odd == "hostile":
        return Plan("redirect", redirect="hostile")
    if state.phase == "balance":
        parse = parse_ratings(text, state.ratings, cmds)
        merged = parse.merged(state.ratings)
        if parse.understood and merged.complete():
            return _actions_plan(state, merged, parse, content)
        if not parse.understood and is_phrase(text, cmds.move_on):
            return _actions_plan(state, state.ratings, None, content)
        return Plan("ratings", ratings=parse)
    if state.phase == "actions":
        if mentions_rating(text, cmds):  # re-rating while choosing: back through the balance
            parse = parse_ratings(text, state.ratings, cmds)
            if parse.understood and parse.merged(state.ratings).complete():
                return _actions_plan(state, parse.merged(state.ratings), parse, content)
            return Plan("ratings", ratings=parse)
        return Plan("choose")
    if odd is not None:
        return Plan("redirect", redirect=odd)
    if is_phrase(text, cmds.move_on) or (
        state.phase == "intake" and starts_with_phrase(text, cmds.decline)
    ):
        return Plan("move_on")
    if state.phase == "followup" and starts_with_phrase(text, cmds.decline):
        return Plan("decline")
    if state.phase == "intake":
        return Plan("answer")
    return Plan("answer", queries=(Query("insight", insight_query(state, text, card)),))


def start(
    card: Card, content: DialogueContent, language: str = "nl"
) -> tuple[DialogueState, Reply]:
    """A new conversation about `card`: the greeting and the intake question."""
    state = DialogueState(card_id=card.id, language=language if language in ("nl", "en") else "nl")
    return greet(state, card, content)


def queries_for(
    state: DialogueState, user_text: str, card: Card, content: DialogueContent
) -> list[Query]:
    """The retrievals `step` will need for this message (none for commands and odd input)."""
    text = user_text if isinstance(user_text, str) else ""
    state = replace(state, language=resolve_language(state.language, text))
    return list(plan_turn(state, text, card, content).queries)


def step(
    state: DialogueState,
    user_text: str,
    retrieved: Mapping[str, Sequence[Hit]],
    card: Card,
    content: DialogueContent,
    corpus_texts: Mapping[str, str],
) -> tuple[DialogueState, Reply]:
    """One turn: read the message, move the state on, and build the grounded reply."""
    text = user_text if isinstance(user_text, str) else ""
    state = replace(state, language=resolve_language(state.language, text))
    plan = plan_turn(state, text, card, content)
    turn = Turn(state, text, plan, retrieved, card, content, corpus_texts)
    return HANDLERS[plan.kind](turn)
