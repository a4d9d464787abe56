"""Moving through the conversation: intake, questions and follow-ups, balance, actions.

One handler per way an expected message can be read (`Plan.kind`): an intake,
an answer, a correction, "move on", "no", ratings (and their confirmation), a
statement given where something else was asked, the balance left behind, a
choice of actions. Every handler reads the Understanding the service computed
for the message: its signals steer the reflection, the follow-up, the insight
and the actions; nothing the user says is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from coach.dialogue.coaching import balance_pattern, pick_followup, rank_actions
from coach.dialogue.language import stems, words
from coach.dialogue.parsing import (
    certain_ratings,
    extract_context,
    parse_ratings,
    question_number,
)
from coach.dialogue.reflect import feeling, reflection
from coach.dialogue.schema import RATING_NAMES
from coach.dialogue.state import CLARIFY, Answer, DialogueState, Note
from coach.dialogue.summary import summary_markdown
from coach.dialogue.turn import Result, Turn
from coach.models import Action, Citation, Ratings
from coach.templates import render_template

PRIVATE_MAX_WORDS = 25
RETRACTABLE = ("exit_wish", "new_player", "new_policy", "going_well")
_RETRACTS = re.compile(
    r"\b(niet dat|niet zo dat|niet zozeer|not that|not so much|wasn't that|isn't that)\b",
    re.IGNORECASE,
)
# "ik zei dat iedereen het eens is, maar dat klopt niet helemaal": a correction of one
# claim in a longer answer; the rest of that answer still stands (`_refines`).
_PARTLY = re.compile(
    r"\b(niet helemaal|niet alleen|niet het hele verhaal|kleine nuance|een nuance|aanvulling|"
    r"not quite|not entirely|not completely|not exactly|not the whole story|not only|"
    r"to add to|small nuance)\b",
    re.IGNORECASE,
)
# words every correction uses, so they say nothing about which claim it quotes
_CORRECTION_WORDS = frozenset({"maar", "niet", "klopt", "helemaal", "eigenlijk", "want"}) | {
    *("that", "quite", "what", "said", "this", "with", "just")
}
SHARED_WORDS = 2  # content words a correction shares with the one answer it is about
CORRECTION_OVERLAP = 0.3  # share of an earlier answer's letter 4-grams a correction takes up

# --- moving through the questions ----------------------------------------------


def _enter_balance(t: Turn, state: DialogueState) -> DialogueState:
    """Ask for the ratings; ratings the user already gave along the way are confirmed."""
    early = state.ratings if state.ratings.complete() else None
    state = replace(
        state,
        phase="balance",
        pending_followup=None,
        ratings=Ratings(),
        proposed=early,
        pattern=None,
        offered=(),
        chosen=(),
    )
    if early is not None:
        t.say("ratings_given_earlier")
        t.parts.append(t.confirm_ratings(early))
        t.suggestions = t.content.suggestions_for("confirm", t.lang)
    else:
        t.say("ask_balance")
    return state


def _ratings_in_answer(t: Turn, state: DialogueState) -> DialogueState:
    """Ratings named with a label and a number inside an answer are kept, not lost."""
    sure = certain_ratings(t.text, t.content.commands)
    if not sure:
        return state
    parse = parse_ratings(t.text, Ratings(), t.content.commands)
    values = {n: v for n, v in parse.values.items() if n in sure}
    current = {n: getattr(state.ratings, n) for n in RATING_NAMES}
    return replace(state, ratings=Ratings(**{**current, **values}))


def goto_question(t: Turn, state: DialogueState, index: int) -> DialogueState:
    if index >= len(t.card.central_questions):
        return _enter_balance(t, state)
    state = replace(
        state,
        phase="question",
        question_index=index,
        pending_followup=None,
        followups_here=0,
        clarifying=None,
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
    """Store an answer in its slot. A clarification adds to the one before it, and so does
    a new answer after "terug naar vraag 2, ik wil iets toevoegen"; otherwise it replaces."""
    old = state.answer_to(answer.question, answer.followup)
    adding = answer.followup == CLARIFY or (
        answer.followup is None and state.adding == answer.question
    )
    if answer.followup is None:
        state = replace(state, adding=None)
    if old is not None and adding:
        answer = replace(
            answer,
            text=f"{old.text}\n{answer.text}",
            signals=tuple(dict.fromkeys(old.signals + answer.signals)),
            clear=tuple(dict.fromkeys(old.clear + answer.clear)),
        )
    kept = tuple(
        a for a in state.answers if (a.question, a.followup) != (answer.question, answer.followup)
    )
    return replace(state, answers=(*kept, answer))


def _private(t: Turn) -> bool:
    """A short message that is mainly a feeling stays out of the shareable summary; a
    longer one carries content (a plan, a story) the user will want to share."""
    return t.understanding.intent == "emotion" and len(t.text.split()) <= PRIVATE_MAX_WORDS


def _answer_of(t: Turn, followup: int | None) -> Answer:
    u = t.understanding
    return Answer(
        t.state.question_index,
        followup,
        (u.answer_part or t.text).strip(),
        u.signal_ids,
        private=_private(t),
        clear=u.clear_signals,
    )


def _question_texts(t: Turn, state: DialogueState) -> tuple[str, str]:
    """The card text of the question being answered and of its central question."""
    central = t.card.central_questions[state.question_index]
    if state.phase == "followup" and state.pending_followup is not None:
        return t.card.followup_questions[state.pending_followup], central
    return central, central


def _text_of(t: Turn, followup: int | None) -> str | None:
    """The card's text of a follow-up (what a quote must not repeat)."""
    return None if followup is None else t.card.followup_questions[followup]


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


def _insight(t: Turn, question: str, next_question: str | None, after_followup: bool) -> None:
    """One grounded insight about the answer.

    After a follow-up it is only shown when its passage is new to the session:
    the central answer already had one, and repeating adds nothing.
    """
    skip = [question] if next_question is None else [question, next_question]
    citation = t.ground(
        "insight", t.text[:4000], skip_texts=skip, situation=t.understanding.clear_signals
    )
    if (
        citation is not None
        and after_followup
        and citation.passage_id in {c.passage_id for c in t.state.cited}
    ):
        return
    t.quote(citation)


def answer_questions_first(t: Turn) -> None:
    """A question inside an answer gets its grounded answer before the coach goes on."""
    from coach.dialogue.interrupts import qa_part

    if "qa" in t.retrieved:
        qa_part(t, resume=False)


def on_intake(t: Turn) -> Result:
    state, u = t.state, t.understanding
    answer_questions_first(t)
    context = extract_context(u.answer_part or t.text, t.content.commands)
    context = replace(context, signals=u.clear_signals)  # an introduction rarely says more
    state = replace(state, context=context)
    ack = [*feeling(t, u), t.msg("intake_thanks")]
    if context.role:
        ack.append(t.msg("intake_role", role=_role_text(t, state)))
    if context.parties:
        ack.append(t.msg("intake_parties", parties=t.content.join(list(context.parties), t.lang)))
    t.parts.append(" ".join(ack))
    return t.finish(_begin_questions(t, state))


def _role_text(t: Turn, state: DialogueState) -> str:
    """The role as the user named it ("wethouder"), or its category."""
    ctx = state.context
    return ctx.role_label or t.msg(f"role_{ctx.role}")


def on_answer(t: Turn) -> Result:
    """An answer to a central question, a follow-up, or a clarifying question."""
    state, u = t.state, t.understanding
    t.parts += feeling(t, u)  # a feeling first, before anything from the cards
    answer_questions_first(t)
    question, central = _question_texts(t, state)
    after_followup = state.phase == "followup"
    state = _ratings_in_answer(t, state)
    if state.clarifying:
        state = replace(_record(state, _answer_of(t, CLARIFY)), clarifying=None)
    elif state.phase == "question":
        state = replace(_record(state, _answer_of(t, None)), followups_here=0)
    else:
        state = _record(state, _answer_of(t, state.pending_followup))
    parts, clarify = reflection(t, u, with_feeling=False)
    if clarify is not None and not t.state.clarifying:
        t.parts += parts
        return t.finish(replace(state, clarifying=clarify))
    t.parts += parts
    force = state.phase == "question" and not state.followups_asked
    choice = pick_followup(state, t.card, t.content, t.text, central, force, u.signal_ids)
    _insight(t, question, _text_of(t, choice), after_followup)
    return t.finish(_followup_or_advance(t, state, choice))


def on_correction(t: Turn) -> Result:
    """'Nee, ik bedoelde ...': the new words replace the last answer (history keeps both)."""
    state, u = t.state, t.understanding
    new_text = (u.answer_part or t.text).strip()
    t.parts.append(t.variant("correction", t.content.reflections.correction.get(t.lang)))
    if state.phase == "intake" or not state.answers:
        context = replace(extract_context(new_text, t.content.commands), signals=u.signal_ids)
        if state.phase == "intake" or context.role or context.parties:
            state = replace(state, context=context)
            if context.role:
                t.parts.append(t.msg("intake_role", role=_role_text(t, state)))
        t.parts += t.pending(state)
        return t.finish(state)
    first = None
    if u.answer_first and state.phase in ("question", "followup"):
        # "Dat zou een kans zijn. Nee wacht, wat ik bij de eerste vraag zei ...": the words
        # before the correction answer the question asked now
        slot = None if state.phase == "question" else state.pending_followup
        first = Answer(state.question_index, slot, u.answer_first[:4000])
        state = _record(state, first)
    named = question_number(t.text, t.content.commands)
    last = _corrected_answer(state, t.text, named, exclude=first)
    # A correction usually refines the facts ("not a leak: they decided on their own"); a
    # situation it does not take back (damaged trust) still stands. Facts it is likely to
    # retract (someone leaving, a new player, things going well) go with the old words.
    kept = tuple(s for s in last.signals if s not in RETRACTABLE and s not in u.signal_ids)
    text = new_text
    if _RETRACTS.search(t.text):
        kept = ()  # "ik bedoelde niet dat ...": the old words are taken back as a whole
    elif _refines(t.text, new_text, last.text):
        kept = tuple(s for s in last.signals if s not in u.signal_ids and s not in u.retracted)
        text = f"{last.text.rstrip()} {new_text}"
    corrected = replace(
        last,
        text=text[:4000],
        signals=u.signal_ids + kept,
        private=_private(t),
        replaced=(*last.replaced, last.text),
        # a situation the answer read clearly stays clear when the correction names it again,
        # if only faintly ("I meant the agency, not the university: both think they lead")
        clear=tuple(
            dict.fromkeys(
                u.clear_signals + tuple(s for s in last.clear if s in kept or s in u.signal_ids)
            )
        ),
    )
    answers = tuple(corrected if a is last else a for a in state.answers)
    state = replace(state, answers=answers, clarifying=None)
    parts, _ = reflection(t, replace(u, sarcasm=False, contradiction=False))
    t.parts += parts
    question = (
        t.card.followup_questions[last.followup]
        if last.followup is not None and last.followup >= 0
        else t.card.central_questions[last.question]
    )
    if "insight" in t.retrieved:
        citation = t.ground(
            "insight", new_text[:4000], skip_texts=[question], situation=corrected.clear
        )
        if citation is not None:
            t.quote(citation)
    if first is not None:
        t.say("correction_then_on")
        if state.phase == "question":
            central = t.card.central_questions[state.question_index]
            choice = pick_followup(state, t.card, t.content, first.text, central, False)
            return t.finish(_followup_or_advance(t, replace(state, followups_here=0), choice))
        return t.finish(_advance(t, state))
    t.say("correction_resume")
    t.parts += t.pending(state)
    return t.finish(state)


def _refines(text: str, new_text: str, old: str) -> bool:
    """Whether a correction takes back one claim of a longer earlier answer ("ik zei net dat
    iedereen het eens is, maar dat klopt niet helemaal. Eén bestuur ..."): it says so
    ("niet helemaal", "not quite"), the words before its new ones repeat at least
    SHARED_WORDS of that answer's longer words (in any order: "dat iedereen het eens is"
    quotes "iedereen is het eens"), and the answer says at least twice as much."""
    at = text.find(new_text) if new_text else -1
    if not _PARTLY.search(text) or at <= 0 or new_text in old:
        return False
    claim = text[:at]
    quoted = _long_words(claim) & _long_words(old)
    return len(quoted) >= SHARED_WORDS and len(words(old)) >= 2 * len(words(claim))


def _long_words(text: str) -> set[str]:
    """Words of four letters or more, without the few that every correction uses."""
    return {w for w in words(text.lower()) if len(w) >= 4} - _CORRECTION_WORDS


def _common_run(a: str, b: str) -> int:
    """The longest run of words two texts share ("bij een paar musea")."""
    x, y = words(a.lower())[:400], words(b.lower())[:400]
    best, row = 0, [0] * (len(y) + 1)
    for wx in x:
        new = [0] * (len(y) + 1)
        for j, wy in enumerate(y, 1):
            if wx == wy:
                new[j] = row[j - 1] + 1
                best = max(best, new[j])
        row = new
    return best


def _grams(text: str) -> set[str]:
    """Letter 4-grams within words: "afhaakt" and "haakt af" share most of theirs."""
    return {w[i : i + 4] for w in words(text.lower()) for i in range(len(w) - 3)}


def _corrected_answer(
    state: DialogueState, text: str, named: int | None = None, exclude: Answer | None = None
) -> Answer:
    """The answer a correction is about: the answer to the question it names ("wat ik bij
    de eerste vraag zei"), else the one whose words it takes up most ("nee, ik bedoelde
    niet dat iedereen afhaakt" is about the answer that said so), else the latest."""
    if named is not None and (answer := state.answer_to(named - 1)) is not None:
        return answer
    answers = [a for a in state.answers if a is not exclude] or list(state.answers)
    mine = stems(text)
    shared = sorted(
        ((len(mine & stems(a.text)), _common_run(text, a.text), i) for i, a in enumerate(answers)),
        reverse=True,
    )
    if shared[0][0] >= SHARED_WORDS and (len(shared) == 1 or shared[0][:2] > shared[1][:2]):
        return answers[shared[0][2]]  # "wat ik zei over de gemeente" names its words
    said = _grams(text)

    def share(answer: Answer) -> float:
        grams = _grams(answer.text)
        return len(said & grams) / len(grams) if grams else 0.0

    scores = [(share(a), i) for i, a in enumerate(answers)]
    best, index = max(scores)
    return answers[index] if best >= CORRECTION_OVERLAP else answers[-1]


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
        state = _record(state, _answer_of(t, state.pending_followup))
    t.say("moving_on")
    return t.finish(_advance(t, state))


def on_early_ratings(t: Turn) -> Result:
    """Scores typed before the balance: kept (confirmed when the balance comes), and on
    to the next question."""
    parse = t.plan.ratings
    assert parse is not None
    state = replace(t.state, ratings=parse.merged(Ratings()))
    t.say("ratings_kept")
    return t.finish(_advance(t, state))


def on_note(t: Turn) -> Result:
    """A statement made where something else was asked (a stop criterion at the ratings
    prompt, a feeling while choosing): kept, acknowledged, and the question asked again."""
    u = t.understanding
    note = Note(
        t.state.phase,
        t.text.strip()[:4000],
        u.signal_ids,
        private=u.intent == "emotion" and not u.signals,
        clear=u.clear_signals,
    )
    state = replace(t.state, notes=(*t.state.notes, note))
    t.parts += feeling(t, u)
    if u.signals or u.intent != "emotion":
        t.parts.append(t.variant("note", t.content.reflections.note_kept.get(t.lang)))
    t.parts += t.pending(state)
    return t.finish(state)


# --- balance and actions ---------------------------------------------------------


def _noted(t: Turn, values: dict[str, int]) -> str:
    return t.content.join(
        [
            f"{t.rating_label(n)} {v}"
            for n, v in sorted(values.items(), key=lambda kv: RATING_NAMES.index(kv[0]))
        ],
        t.lang,
    )


def on_ratings(t: Turn) -> Result:
    """Some ratings given (or none readable): note them and ask only for what is missing."""
    parse = t.plan.ratings
    state = replace(t.state, phase="balance", offered=(), chosen=(), pattern=None, proposed=None)
    if parse is not None and parse.values:
        state = replace(state, ratings=parse.merged(state.ratings))
        t.say("ratings_noted", ratings=_noted(t, parse.values))
    if parse is not None and parse.invalid:
        t.say("rating_invalid", values=t.content.join(list(parse.invalid), t.lang))
    if parse is not None and parse.decimals:
        t.say("rating_decimal", values=t.content.join(list(parse.decimals), t.lang))
    if parse is not None and parse.too_many:
        t.say("rating_too_many", count=parse.too_many, asked=parse.asked)
    if parse is None and t.state.proposed is not None:
        t.say("ratings_again")
    elif parse is None or not parse.understood:
        t.say("rating_not_understood")
    t.parts += t.pending(state)
    return t.finish(state)


def on_confirm(t: Turn) -> Result:
    """Ratings read with a guess (no labels, words like "hoog"): confirm them in one line
    before they count."""
    parse = t.plan.ratings
    assert parse is not None
    proposed = parse.merged(t.state.ratings)
    state = replace(t.state, phase="balance", proposed=proposed, offered=(), chosen=())
    t.parts.append(t.confirm_ratings(proposed))
    t.suggestions = t.content.suggestions_for("confirm", t.lang)
    return t.finish(state)


def _why(
    t: Turn, candidate_id: str, signal: str | None, ratings: Ratings, state: DialogueState
) -> str:
    spec = t.content.library.action(candidate_id)
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
    values["role"] = _role_text(t, state) if state.context.role else t.msg("role_other")
    where = f"{t.content.files.get('actions', 'prompts/actions.yaml')}: action `{spec.id}`"
    texts = t.content.signal_texts(signal) if signal else None
    if texts is not None and spec.why_said is not None:
        values["said"] = texts.said.get(t.lang)
        return render_template(spec.why_said.get(t.lang), values, where)
    return render_template(spec.why.get(t.lang), values, where)


def on_to_actions(t: Turn) -> Result:
    """Ratings complete (or the balance skipped): name the balance and suggest grounded actions."""
    state = t.state
    if state.phase in ("question", "followup"):  # scores given as the answer to the last question
        if state.phase == "question":
            # they answer "how do you keep the balance?"; a follow-up ("which unspoken
            # opinions ...?") they leave unanswered, and the summary shows no scores as its answer
            state = _record(state, _answer_of(t, None))
        t.say("ratings_as_answer")
    if t.plan.ratings is not None:
        ratings = t.plan.ratings.merged(state.ratings)
    elif state.proposed is not None:
        ratings = state.proposed
    else:
        ratings = state.ratings
    pattern = balance_pattern(ratings, t.content) if ratings.complete() else None
    if pattern is not None:
        values = {n: getattr(ratings, n) for n in RATING_NAMES}
        where = f"{t.content.files.get('actions', 'prompts/actions.yaml')}: pattern `{pattern.id}`"
        t.parts.append(render_template(pattern.text.get(t.lang), values, where))
        t.quote(t.ground("balance", pattern.query))
    else:
        t.say("balance_skipped")
    limits = t.content.library.limits
    state = replace(state, ratings=ratings, proposed=None, pattern=pattern.id if pattern else None)
    chosen = t.actions
    for candidate in rank_actions(state, ratings, pattern, t.content)[: limits.action_queries]:
        if len(chosen) >= limits.max_actions or (
            not candidate.relevant and len(chosen) >= limits.min_actions
        ):
            break
        citation = t.ground(f"action:{candidate.spec.id}", candidate.spec.query, session=False)
        if citation is None:
            continue
        clear = set(state.clear_signals())
        said = [s for s in candidate.spec.signals if s in clear]
        top = max(said, key=lambda s: candidate.spec.signals[s], default=None)
        why = _why(t, candidate.spec.id, top, ratings, state)
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


def conclude(t: Turn, state: DialogueState, chosen: Sequence[int], remark: str = "") -> Result:
    answer_questions_first(t)  # "1 en 3; wat is eigenlijk een normenkader?"
    picked = [state.offered[i] for i in chosen]
    notes = state.notes
    if remark:
        u = t.understanding
        target = picked[0].id if len(picked) == 1 else None
        notes = (
            *notes,
            Note("actions", remark[:4000], u.signal_ids, action=target, clear=u.clear_signals),
        )
    state = replace(
        state, phase="summary", chosen=tuple(a.id for a in picked), ended=True, notes=notes
    )
    if picked:
        t.say("chosen", titles=t.content.join([a.title for a in picked], t.lang))
    elif state.offered:
        t.say("chosen_none")
    if remark:
        t.parts.append(t.variant("note", t.content.reflections.note_kept.get(t.lang)))
    t.parts.append(summary_markdown(state, t.card, t.content))
    return t.finish(state)


def on_choose(t: Turn) -> Result:
    state = t.state
    if not state.offered:
        return conclude(t, state, ())
    if t.plan.choice is None:
        t.say("choose_not_understood")
        t.parts += t.pending(state)
        return t.finish(state)
    return conclude(t, state, t.plan.choice, t.plan.remark)


def quoted_ids(citations: Sequence[Citation]) -> set[str]:
    return {c.passage_id for c in citations}
