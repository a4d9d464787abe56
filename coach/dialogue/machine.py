"""The dialogue machine: `(state, user text, understanding, retrieved hits) -> (new state, reply)`.

Pure on purpose: no I/O, no retrieval, no model, no clock, no randomness. The
service reads each message first (`coach.understanding`: the user's intent and
the situation signals, from the same query vector retrieval uses), asks
`queries_for` which retrievals the turn needs, runs them, and passes the
understanding and the hits to `step`; the same inputs always give the same
conversation, so every path is unit-tested in milliseconds with hand-made
values.

Phases (a public contract): intake -> question <-> followup -> balance ->
actions -> summary. A reply to a question from the user has phase "qa" and
re-asks whatever was pending; the state's phase does not change. Every
sentence comes from prompts/messages.yaml and prompts/reflections.yaml; every
quote is checked against the passages retrieved this turn and the corpus text
(coach.grounding).

How a message is read is two tables: the intent decides first
(`_BY_INTENT`), and an answer is read by the phase it arrives in
(`_BY_PHASE`). Lexical parsing (command words, ratings, action numbers)
stays in charge of the formats the coach itself asks for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache

from coach.dialogue import flow, interrupts, review
from coach.dialogue.coaching import balance_pattern, rank_actions
from coach.dialogue.content import DialogueContent
from coach.dialogue.language import content_words, resolve_language, stems, words
from coach.dialogue.parsing import (
    RatingParse,
    certain_ratings,
    command_words_in,
    find_question,
    is_phrase,
    is_question,
    is_request_for_agenda,
    match_command,
    mentions_rating,
    natural_command,
    odd_input,
    on_topic,
    parse_ratings,
    split_choice,
    starts_with_phrase,
)
from coach.dialogue.replies import Plan, Query, Reply
from coach.dialogue.schema import CommandsFile
from coach.dialogue.state import DialogueState, Review
from coach.dialogue.turn import Result, Turn, greet
from coach.models import Card, Hit, Ratings, Understanding

__all__ = ["Query", "Reply", "queries_for", "start", "step"]

ANSWERING = ("intake", "question", "followup")
HANDLERS: dict[str, Callable[[Turn], Result]] = {
    "intake": flow.on_intake,
    "answer": flow.on_answer,
    "correction": flow.on_correction,
    "move_on": flow.on_move_on,
    "decline": flow.on_decline,
    "ratings": flow.on_ratings,
    "confirm": flow.on_confirm,
    "note": flow.on_note,
    "early_ratings": flow.on_early_ratings,
    "to_actions": flow.on_to_actions,
    "choose": flow.on_choose,
    "command": interrupts.on_command,
    "qa": interrupts.on_qa,
    "request": interrupts.on_request,
    "redirect": interrupts.on_redirect,
    "closed": interrupts.on_closed,
    "review": review.on_review,
    "retract": interrupts.on_retract,
}
MAX_QUERY_CHARS = 1000  # retrieval queries built from user text are cut here
SUBSTANTIVE_ANSWER_WORDS = 6  # content words from which an answer is searched on its own
SUBSTANTIVE_REST_WORDS = 5  # words beside a question that make the message an answer too
# Weight of the signals' queries beside the user's own vector (dense side only).
# Measured on eval/retrieval_dev.yaml: 0.15-0.3 lift hybrid R@1/R@3 from .718/.936 to
# about .74/.97; 0.5, or the signal words also fed to BM25, pull every answer to the
# same few passages.
SIGNAL_MIX_WEIGHT = 0.2
# A message that mainly voices a feeling ("I'm exhausted, ...") has few words about the
# situation itself, so what its signals are about weighs more in the search.
FEELING_MIX_WEIGHT = 1.0
SIGNAL_QUOTE_WEIGHT = 0.6  # within the chosen passage, the sentence that says what is reflected
MAX_MIXED_SIGNALS = 2
COMMAND_MAX_WORDS = 20  # a longer message that clearly describes a situation ...
COMMAND_LEAD_WORDS = 8  # ... with its command words this far in is an answer
SHORT_INSULT_WORDS = 4  # "fuck you", "stomme bot": hostile on the words alone
QA_CONTEXT_WORDS = 8  # a question shorter than this is searched with its whole message

Planner = Callable[[DialogueState, str, Understanding, Card, DialogueContent], Plan]


@lru_cache(maxsize=32)
def _stems_cached(text: str) -> frozenset[str]:
    return stems(text)


def _card_stems(card: Card) -> frozenset[str]:
    """The card's vocabulary, including its hints: how users phrase what the card answers."""
    hints = " ".join(h for s in card.sections for h in (*s.hints.questions, *s.hints.keywords))
    return _stems_cached(f"{card.text}\n{hints}")


def _on_topic(text: str, card: Card, content: DialogueContent) -> bool:
    return on_topic(text, content.domain_stems | _card_stems(card))


def _substantive(text: str, words: int) -> bool:
    return len(content_words(text)) >= words


def query_text(text: str) -> str:
    """User text cut for retrieval (the embedding model reads ~512 tokens anyway)."""
    return text[:MAX_QUERY_CHARS]


# --- the retrievals a turn needs ------------------------------------------------------


def _signal_queries(u: Understanding, content: DialogueContent) -> tuple[str, ...]:
    """What the signals are about, in the cards' words (mixed into the search; unlike a
    reflection, a faint reading does no harm here)."""
    texts = (content.signal_texts(s) for s in u.signal_ids[:MAX_MIXED_SIGNALS])
    return tuple(t.query for t in texts if t is not None)


def insight_query(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Query:
    """The answer, combined with what its signals are about (and with the question it
    answers when the answer alone means little).

    A focused answer is searched on its own words plus its signals: with the question
    appended, the card's own question list and passages that echo the question's
    words ("nieuwe spelers") outrank the passage about what the user described ("een
    nieuwe wet"). Short answers ("ja, eigenlijk wel") mean nothing without the
    question, and long, rambling ones need it to stay on topic.
    """
    answer = query_text(u.answer_part or text)
    mix = _signal_queries(u, content)
    if _substantive(answer, SUBSTANTIVE_ANSWER_WORDS) and len(text) <= MAX_QUERY_CHARS:
        weight = FEELING_MIX_WEIGHT if u.intent == "emotion" and mix else SIGNAL_MIX_WEIGHT
        return Query("insight", answer, True, mix, weight, SIGNAL_QUOTE_WEIGHT)
    if state.phase == "followup" and state.pending_followup is not None:
        question = card.followup_questions[state.pending_followup]
    elif 0 <= state.question_index < len(card.central_questions):
        question = card.central_questions[state.question_index]
    else:
        question = ""
    mix = (*mix, question) if question else mix
    return Query("insight", f"{answer} {question}".strip(), True, mix, 1.0)


_VAGUE = frozenset(
    [
        "precies",
        "daarmee",
        "daarvan",
        "bedoel",
        "bedoelt",
        "bedoelen",
        "betekent",
        "betekenen",
        "eigenlijk",
        "mean",
        "means",
        "meaning",
        "exactly",
        "actually",
    ]
)


def _names_a_term(question: str) -> bool:
    """Does the question name what it asks about ("wat is een omgevingsanalyse?"), rather
    than point back ("wat bedoel je daarmee?")?"""
    return any(len(w) >= 7 and w.lower() not in _VAGUE for w in content_words(question))


def _qa_query(question: str, text: str) -> Query:
    """The question to search with; a short one that points back ("wat is dat?") takes the
    whole message, which names what "dat" is."""
    if len(question.split()) < QA_CONTEXT_WORDS and not _names_a_term(question):
        question = text
    question = query_text(question)
    return Query("qa", question, user=question.strip() == text.strip())


def _actions_plan(
    state: DialogueState, ratings: Ratings, parse: RatingParse | None, content: DialogueContent
) -> Plan:
    """Leaving the balance: ground the balance pattern and the candidate actions."""
    pattern = balance_pattern(ratings, content) if ratings.complete() else None
    candidates = rank_actions(state, ratings, pattern, content)[
        : content.library.limits.action_queries
    ]
    queries = [Query("balance", pattern.query, mix=(pattern.query,))] if pattern else []
    queries += [Query(f"action:{c.spec.id}", c.spec.query, mix=(c.spec.query,)) for c in candidates]
    return Plan("to_actions", ratings=parse, queries=tuple(queries))


# --- reading a message: by intent, then by phase ---------------------------------------


def _plan_balance(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Plan:
    cmds = content.commands
    if state.proposed is not None:
        confirmed = (
            is_phrase(text, cmds.confirm)
            or starts_with_phrase(text, cmds.confirm, 3)
            or is_phrase(text, cmds.move_on)  # "verder" goes on with the scores as read
        )
        if confirmed and not parse_ratings(text, Ratings(), cmds).understood:
            return _actions_plan(state, state.proposed, None, content)
        if is_phrase(text, cmds.decline):
            return Plan("ratings")
    base = state.proposed or state.ratings
    parse = parse_ratings(text, state.ratings if state.proposed is None else Ratings(), cmds)
    merged = parse.merged(base)
    if state.proposed is not None and parse.values and merged == state.proposed:
        # "zei ik toch, allebei twee" / "2" after "Ik lees ... 2. Klopt dat?": the same scores
        # again are a yes, not a reason to ask once more
        return _actions_plan(state, state.proposed, None, content)
    if parse.understood and merged.complete() and not parse.invalid:
        sure = certain_ratings(text, cmds)
        if (
            state.proposed is None
            and set(parse.values) == set(state.ratings.missing()) == {*parse.values}
            and len(parse.values) == 1
        ):
            sure |= set(parse.values)  # the one number the coach just asked for
        if set(parse.values) <= sure and (state.proposed is None or sure):
            return _actions_plan(state, merged, RatingParse(dict(_values(merged)), ()), content)
        return Plan("confirm", ratings=RatingParse(dict(_values(merged)), ()))
    if not parse.understood:
        if is_phrase(text, cmds.move_on):
            return _actions_plan(state, state.ratings, None, content)
        if is_question(text, False, cmds) and _on_topic(text, card, content):
            return Plan("qa", queries=(_qa_query(text, text),))
        if u.signals or u.intent == "emotion" or _substantive(text, SUBSTANTIVE_REST_WORDS):
            return Plan("note")
    return Plan("ratings", ratings=parse)


def _values(ratings: Ratings) -> list[tuple[str, int]]:
    return [(n, v) for n in ("commitment", "progress", "result") if (v := getattr(ratings, n))]


def _plan_actions(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Plan:
    cmds = content.commands
    if certain_ratings(text, cmds) or (
        mentions_rating(text, cmds)
        and parse_ratings(text, state.ratings, cmds).values
        and not split_choice(text, [a.title for a in state.offered], cmds)[0]
    ):  # re-rating while choosing: back through the balance
        parse = parse_ratings(text, state.ratings, cmds)
        if parse.understood and parse.merged(state.ratings).complete():
            return _actions_plan(state, parse.merged(state.ratings), parse, content)
        return Plan("ratings", ratings=parse)
    titles = [a.title for a in state.offered]
    if starts_with_phrase(text, cmds.confirm, 3):
        return Plan("choose")  # "ja" says nothing about which actions: ask again
    choice, remark = split_choice(text, titles, cmds)
    if choice is None and is_phrase(text, cmds.move_on):
        choice = tuple(range(len(titles)))
    asked, _ = find_question(text, cmds)
    if choice is not None and asked and starts_with_phrase(asked, cmds.definition_starts, 40):
        # "1 en 3; wat is eigenlijk een normenkader?": the choice, and the question answered
        return Plan("choose", choice=choice, remark=remark, queries=(_qa_query(asked, text),))
    if choice is None:
        if is_question(text, False, cmds) and _on_topic(text, card, content):
            return Plan("qa", queries=(_qa_query(text, text),))
        if u.signals or u.intent == "emotion" or _substantive(text, SUBSTANTIVE_REST_WORDS):
            return Plan("note")
    return Plan("choose", choice=choice, remark=remark)


def _plan_answering(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Plan:
    cmds = content.commands
    if state.phase != "intake" and _just_ratings(state, text, card, cmds):
        parse = parse_ratings(text, Ratings(), cmds)
        if state.question_index < len(card.central_questions) - 1:
            return Plan("early_ratings", ratings=parse)
        if certain_ratings(text, cmds) == {"commitment", "progress", "result"}:
            return _actions_plan(state, parse.merged(Ratings()), parse, content)
        return Plan("confirm", ratings=parse)  # "4 2 2": read as scores, confirmed first
    odd = odd_input(text, cmds)
    if odd == "not_understood" and not u.signals:
        return Plan("redirect", redirect=odd)
    if odd == "hostile" and len(text.split()) <= SHORT_INSULT_WORDS:
        return Plan("redirect", redirect="hostile")
    if is_phrase(text, cmds.move_on) or (
        state.phase == "intake" and starts_with_phrase(text, cmds.decline)
    ):
        return Plan("move_on")
    if state.phase == "followup" and starts_with_phrase(text, cmds.decline):
        return Plan("decline")
    if is_question(text, True, cmds):
        if not _on_topic(text, card, content):
            return Plan("redirect", redirect="offtopic")
        return Plan("qa", queries=(_qa_query(text, text),))
    if state.phase == "intake":
        return Plan("intake")
    queries: tuple[Query, ...] = (insight_query(state, text, u, card, content),)
    asked, _ = find_question(text, cmds)
    if asked and starts_with_phrase(asked, cmds.definition_starts, max_words=40):
        queries += (_qa_query(text, text),)  # "…, wat is dat eigenlijk?" inside an answer
    return Plan("answer", queries=queries)


def _just_ratings(state: DialogueState, text: str, card: Card, cmds: CommandsFile) -> bool:
    """Three scores and nothing else: the user gives the balance. At the last central
    question (which asks about the balance itself) labelled ones go straight to the
    actions and bare ones are confirmed; earlier, they are kept for the balance."""
    if not parse_ratings(text, Ratings(), cmds).merged(Ratings()).complete():
        return False
    labels = {w.lower() for ws in cmds.ratings.labels.values() for w in ws}
    numbers = {w.lower() for w in cmds.ratings.numbers}
    rest = [w for w in content_words(text) if w.lower() not in labels | numbers]
    return len(rest) <= 1


def _plan_summary(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Plan:
    if is_question(text, False, content.commands) and _on_topic(text, card, content):
        return Plan("qa", queries=(_qa_query(text, text),))
    if certain_ratings(text, content.commands):
        return Plan("closed")  # "commitment 4, ..." names no action, even with a title's word
    if state.offered:  # a choice typed after the summary changes the choice
        choice, remark = split_choice(text, [a.title for a in state.offered], content.commands)
        if choice is not None and (
            choice or remark or is_phrase(text, content.commands.choose_none)
        ):
            return Plan("choose", choice=choice, remark=remark)
    return Plan("closed")


def _plan_review(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Plan:
    """Looking back at last round's actions: short answers ("deels", "nee, nog niet") are
    read by their words, not by intent; only a question about the cards interrupts."""
    cmds = content.commands
    if (
        review.review_status(text, cmds) is None
        and is_question(text, True, cmds)
        and _on_topic(text, card, content)
    ):
        return Plan("qa", queries=(_qa_query(text, text),))
    return Plan("review")


_BY_PHASE: dict[str, Planner] = {
    "review": _plan_review,
    "intake": _plan_answering,
    "question": _plan_answering,
    "followup": _plan_answering,
    "balance": _plan_balance,
    "actions": _plan_actions,
    "summary": _plan_summary,
}


def _by_phase(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Plan:
    return _BY_PHASE[state.phase](state, text, u, card, content)


def _plan_question(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Plan:
    """A question to the coach; inside a longer answer, the answer is taken too."""
    question = u.question or text
    qa = _qa_query(question, text)
    rest = u.answer_part if u.question else ""
    on_topic = _on_topic(question, card, content)
    if state.phase in ANSWERING and len(words(rest)) >= SUBSTANTIVE_REST_WORDS:
        plan = _by_phase(state, text, u, card, content)
        if plan.kind in ("answer", "intake") and on_topic:
            others = tuple(q for q in plan.queries if q.name != "qa")
            return replace(plan, queries=(*others, qa))
        return plan
    if not on_topic:
        if state.phase in ANSWERING and _substantive(rest or text, SUBSTANTIVE_ANSWER_WORDS):
            return _by_phase(state, text, u, card, content)
        return Plan("redirect", redirect="offtopic")
    return Plan("qa", queries=(qa,))


def _plan_correction(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Plan:
    """'Nee, ik bedoelde ...': ratings and choices are read again; an answer is replaced."""
    if state.phase in ("balance", "actions"):
        return _by_phase(state, text, u, card, content)
    if state.phase == "summary":
        choice, remark = split_choice(text, [a.title for a in state.offered], content.commands)
        if state.offered and choice is not None:
            return Plan("choose", choice=choice, remark=remark)
        return Plan("closed")
    if state.phase == "intake" or not state.answers:
        return Plan("correction")
    return Plan("correction", queries=(insight_query(state, text, u, card, content),))


def _plan_feeling(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Plan:
    """A feeling: an answer when it says something about the situation, else a note."""
    if state.phase in ("question", "followup") and not (
        u.signals or _substantive(text, SUBSTANTIVE_ANSWER_WORDS)
    ):
        return Plan("note")
    return _by_phase(state, text, u, card, content)


def _describes(text: str, u: Understanding, content: DialogueContent) -> bool:
    """A long message that clearly describes the collaboration and only mentions command
    words late ("..., ging men snel door naar het volgende agendapunt"): an answer. One
    that opens with them ("You skipped my answer about the budget: ...") still steers."""
    before = command_words_in(text, content.commands)
    return (
        len(text.split()) > COMMAND_MAX_WORDS
        and bool(u.clear_signals)
        and before is not None
        and before >= COMMAND_LEAD_WORDS
    )


def _plan_command(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Plan:
    """A command in a sentence ("kunnen we terug naar vraag 2?"). A long message that
    clearly describes the collaboration is an answer, whatever words it contains ("toen
    ik het aankaartte, ging men snel door naar het volgende agendapunt")."""
    command, target = natural_command(text, content.commands)
    if command is None or _describes(text, u, content):
        return _by_phase(state, text, u, card, content)
    if command == "skip" and state.phase == "balance":
        return _actions_plan(state, state.ratings, None, content)
    return Plan("command", command=command, target=target)


def _plan_request(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Plan:
    agenda = is_request_for_agenda(text, content.commands)
    return Plan("request", redirect="agenda" if agenda else "generic")


def _plan_offtopic(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Plan:
    """Off topic: a friendly redirect, and nothing from the cards (scores still count)."""
    if state.phase == "balance" and parse_ratings(text, state.ratings, content.commands).values:
        return _by_phase(state, text, u, card, content)
    return Plan("redirect", redirect="offtopic")


def _plan_hostile(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Plan:
    return Plan("redirect", redirect="hostile")


_BY_INTENT: dict[str, Planner] = {
    "answer": _by_phase,
    "emotion": _plan_feeling,
    "question": _plan_question,
    "correction": _plan_correction,
    "command": _plan_command,
    "request": _plan_request,
    "offtopic": _plan_offtopic,
    "hostile": _plan_hostile,
}


def heard(state: DialogueState, u: Understanding) -> Understanding:
    """The reading without the signals the user took back, in this message or before."""
    gone = {*state.denied, *u.retracted}
    if not gone or not any(s in gone for s in u.signal_ids):
        return u
    confident = None if u.confident is None else tuple(s for s in u.confident if s not in gone)
    signals = tuple((s, v) for s, v in u.signals if s not in gone)
    return replace(u, signals=signals, confident=confident)


def taken_back(state: DialogueState, u: Understanding) -> tuple[str, ...]:
    """The signals this message takes back: those it says are fine, or, when it rejects
    the coach's last reading without naming it ("Nee dus, dat is het punt niet"), what
    the last answer was read as."""
    if u.retracted:
        return u.retracted
    if u.rejects_reading and state.phase in ("question", "followup") and state.answers:
        last = state.answers[-1]
        said_back = (last.clear or last.signals)[:1]  # what the reflection put in words
        return tuple(s for s in said_back if not u.has(s))  # not what the user says now
    return ()


def _plan_retraction(state: DialogueState, u: Understanding) -> Plan | None:
    """A message that mainly takes a reading back gets its own reply; one that says more
    is read without the clauses that take back ("trust is fine, it's more about ...")."""
    if state.phase == "summary":
        return Plan("retract")
    rest = u.unretracted
    if (
        state.phase in ANSWERING
        and not u.signals
        and not _substantive(rest, SUBSTANTIVE_REST_WORDS)
    ):
        return Plan("retract")
    return None


def plan_turn(
    state: DialogueState, text: str, u: Understanding, card: Card, content: DialogueContent
) -> Plan:
    """Read the message for the current phase; pure and total."""
    cmds = content.commands
    if not text.strip():
        return Plan("redirect", redirect="empty")
    command = match_command(text, cmds)
    if command is not None:
        if command == "skip" and state.phase == "balance":
            return _actions_plan(state, state.ratings, None, content)
        return Plan("command", command=command)
    if state.phase == "review":
        return _plan_review(state, text, u, card, content)
    noted = set(state.signals())
    if (
        u.retracts
        # something to take back (after the summary, the user may check it is gone)
        and (state.phase == "summary" or any(s in noted for s in taken_back(state, u)))
        and u.intent not in ("question", "command", "request")
    ):
        retract = _plan_retraction(state, u)
        if retract is not None:
            return retract
        if u.intent == "correction" and not u.own_words and state.phase in ANSWERING:
            # "Nee hoor, stoppen is niet aan de orde, je leest me verkeerd. Wat wel speelt: ..."
            # corrects the coach's reading, not the user's answer: what follows answers
            u = replace(u, intent="answer")
        if u.intent in ("answer", "emotion") and u.unretracted:
            u = replace(u, answer_part=u.unretracted)
    if _ASKED_AGAIN.match(text) and state.phase != "intake":
        return Plan("qa", queries=(_qa_query(text, text),))  # "Ik vroeg wat een normenkader is."
    planner = _BY_INTENT.get(u.intent, _by_phase)
    return planner(state, text, u, card, content)


_ASKED_AGAIN = re.compile(
    r"\s*(?:nee,?\s+)?(?:ik vroeg|ik vroeg je|mijn vraag was|i asked|i was asking|my question was)"
    r"\s+(?:wat|hoe|waarom|wie|what|how|why|who)\b",
    re.IGNORECASE,
)


def start(
    card: Card,
    content: DialogueContent,
    language: str = "nl",
    reviews: Sequence[Review] = (),
) -> tuple[DialogueState, Reply]:
    """A new conversation about `card`: the greeting and the intake question.

    `reviews`: in a team round, the actions the partner chose last round; the coach
    first asks what became of each ("Vorige keer koos je ... — is dat gelukt?").
    """
    state = DialogueState(
        card_id=card.id,
        language=language if language in ("nl", "en") else "nl",
        reviews=tuple(review.fresh_reviews(tuple(reviews))),
    )
    return greet(state, card, content)


def queries_for(
    state: DialogueState,
    user_text: str,
    card: Card,
    content: DialogueContent,
    understanding: Understanding | None = None,
) -> list[Query]:
    """The retrievals `step` will need for this message (none for commands and odd input)."""
    text = user_text if isinstance(user_text, str) else ""
    state = replace(state, language=resolve_language(state.language, text))
    u = heard(state, understanding or Understanding())
    return list(plan_turn(state, text, u, card, content).queries)


def step(
    state: DialogueState,
    user_text: str,
    retrieved: Mapping[str, Sequence[Hit]],
    card: Card,
    content: DialogueContent,
    corpus_texts: Mapping[str, str],
    understanding: Understanding | None = None,
) -> tuple[DialogueState, Reply]:
    """One turn: read the message, move the state on, and build the grounded reply."""
    text = user_text if isinstance(user_text, str) else ""
    u = understanding or Understanding()
    state = replace(state, language=resolve_language(state.language, text))
    u = heard(state, u)
    plan = plan_turn(state, text, u, card, content)
    gone = taken_back(state, u) if plan.kind != "command" else u.retracted
    noted = set(state.clear_signals())  # only what the coach would say back is named
    if gone:
        state = state.without(gone)
    turn = Turn(state, text, plan, retrieved, card, content, corpus_texts, u)
    said = [t.said.get(turn.lang) for s in gone if s in noted and (t := content.signal_texts(s))]
    if said:
        turn.say("retracted", said=content.join([x for x in said if x], turn.lang))
    return HANDLERS[plan.kind](turn)
