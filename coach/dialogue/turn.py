"""One turn under construction: the reply's parts, citations and the hits it used.

Handlers (coach.dialogue.flow and coach.dialogue.interrupts) choose message
keys and values; `Turn` renders them from prompts/messages.yaml and
prompts/reflections.yaml (taking each variant in turn so the wording does not
repeat), grounds quotes through coach.grounding, and builds the Reply with its
progress, suggestions and the ids of the passages it was built from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from coach.dialogue.coaching import grounded_citation
from coach.dialogue.content import DialogueContent
from coach.dialogue.replies import Plan, Reply
from coach.dialogue.schema import RATING_NAMES
from coach.dialogue.state import DialogueState
from coach.models import Action, Card, Citation, Hit, Ratings, Understanding

Result = tuple[DialogueState, Reply]


class Turn:
    """One turn under construction: collects the reply's parts, citations and used hits."""

    def __init__(
        self,
        state: DialogueState,
        text: str,
        plan: Plan,
        retrieved: Mapping[str, Sequence[Hit]],
        card: Card,
        content: DialogueContent,
        corpus_texts: Mapping[str, str],
        understanding: Understanding | None = None,
    ) -> None:
        self.state = state
        self.text = text
        self.plan = plan
        self.understanding = understanding or Understanding()
        self.retrieved = retrieved
        self.card = card
        self.content = content
        self.corpus_texts = corpus_texts
        self.lang = state.language
        self.parts: list[str] = []
        self.citations: list[Citation] = []
        self.followups: list[str] = []
        self.actions: list[Action] = []
        self.notice: str | None = None
        self.suggestions: list[str] | None = None  # None: the phase's usual ones
        self.said: list[str] = []  # reflection variants used this turn
        self.used: list[str] = []
        self.retrieved_ids = {hit.passage.id for hits in retrieved.values() for hit in hits}

    # -- words -------------------------------------------------------------------
    def msg(self, key: str, **values: object) -> str:
        return self.content.render(key, self.lang, **values)

    def say(self, key: str, **values: object) -> None:
        self.parts.append(self.msg(key, **values))

    def quoted(self, words: Sequence[str]) -> str:
        return self.content.join([f'"{w}"' for w in words], self.lang)

    def variant(self, key: str, options: Sequence[str]) -> str:
        """One of several ways to say something: the first not yet used in this
        conversation, then round again (deterministic, so tests can rely on it)."""
        used = set(self.state.said) | set(self.said)
        for i, option in enumerate(options):
            if f"{key}:{i}" not in used:
                self.said.append(f"{key}:{i}")
                return option
        count = sum(1 for s in (*self.state.said, *self.said) if s.startswith(f"{key}:"))
        return options[count % len(options)]

    # -- grounding ---------------------------------------------------------------
    def hits(self, name: str) -> Sequence[Hit]:
        self.used.append(name)
        return self.retrieved.get(name, ())

    def ground(
        self, name: str, query: str, skip_texts: Sequence[str] = (), session: bool = True
    ) -> Citation | None:
        """The best checked citation among the hits of query `name`.

        Passages already quoted in this reply, or (with `session`) earlier in the
        session, get a soft penalty (coach.dialogue.coaching.grounded_citation); the same
        quote is never shown twice in one reply. Actions pass session=False: each gets
        the passage that supports it, even when an insight quoted it before.
        """
        avoid = tuple(self.citations) + tuple(c for a in self.actions for c in a.citations)
        return grounded_citation(
            self.hits(name),
            query,
            self.content,
            self.retrieved_ids,
            self.corpus_texts,
            avoid=avoid,
            earlier=self.state.cited if session else (),
            skip_texts=skip_texts,
        )

    def quote(self, citation: Citation | None) -> None:
        """Show a citation, or say plainly that this turn has none."""
        if citation is None:
            self.say("ungrounded")
            self.notice = self.msg("notice_ungrounded")
            return
        self.citations.append(citation)
        self.say("quote", quote=citation.quote, title=citation.title, section=citation.section)

    # -- questions ---------------------------------------------------------------
    def ask_central(self, index: int) -> str:
        question = self.content.central_question(self.card, index, self.lang)
        return self.msg(
            "ask_central", n=index + 1, total=len(self.card.central_questions), question=question
        )

    def ask_followup(self, index: int) -> str:
        question = self.content.followup_question(self.card, index, self.lang)
        self.followups.append(question)
        if question.rstrip().endswith("?"):
            return self.msg("ask_followup", question=question)
        return self.msg("followup_statement", statement=question)

    def rating_label(self, name: str) -> str:
        return self.msg(f"label_{name}")

    def confirm_ratings(self, ratings: Ratings) -> str:
        """One short line that checks ratings read with a guess."""
        values = [
            f"{self.rating_label(n)} {getattr(ratings, n)}"
            for n in RATING_NAMES
            if getattr(ratings, n) is not None
        ]
        return self.msg("confirm_ratings", ratings=self.content.join(values, self.lang))

    def action_lines(self, actions: Sequence[Action], with_quotes: bool) -> list[str]:
        lines = []
        for n, action in enumerate(actions, 1):
            line = self.msg("action_line", n=n, title=action.title, why=action.why)
            if with_quotes:
                line += "".join(
                    "\n" + self.msg("action_quote", quote=c.quote, title=c.title, section=c.section)
                    for c in action.citations
                )
            lines.append(line)
        return lines

    def pending(self, state: DialogueState) -> list[str]:
        """Re-ask whatever the conversation is waiting for."""
        if state.phase == "intake":
            return [self.msg("ask_intake")]
        if state.phase == "question":
            return [self.ask_central(state.question_index)]
        if state.phase == "followup" and state.pending_followup is not None:
            return [self.ask_followup(state.pending_followup)]
        if state.phase == "balance" and state.proposed is not None:
            return [self.confirm_ratings(state.proposed)]
        if state.clarifying and state.phase in ("question", "followup"):
            options = (
                self.content.reflections.ask_sarcasm
                if state.clarifying == "sarcasm"
                else self.content.reflections.ask_contradiction
            )
            return [options.get(self.lang)[0]]
        if state.phase == "balance":
            missing = state.ratings.missing()
            labels = self.content.join([self.rating_label(n) for n in missing], self.lang)
            return [self.msg("ask_missing", labels=labels)]
        if state.phase == "actions":
            if not state.offered:
                return [self.msg("ask_close")]
            return [
                "\n".join(self.action_lines(state.offered, with_quotes=False)),
                self.msg("ask_choose"),
            ]
        return [self.msg("after_summary")]

    # -- the reply ---------------------------------------------------------------
    def finish(self, state: DialogueState, phase: str | None = None) -> Result:
        """The new state (with the citations shown added) and the reply; `ended` follows state."""
        shown = self.citations + [c for a in self.actions for c in a.citations]
        known = {(c.passage_id, c.quote) for c in state.cited}
        new = []
        for c in shown:
            if (c.passage_id, c.quote) not in known:
                known.add((c.passage_id, c.quote))
                new.append(c)
        state = replace(state, cited=state.cited + tuple(new), said=state.said + tuple(self.said))
        used_ids: list[str] = []
        for name in dict.fromkeys(self.used):
            for hit in self.retrieved.get(name, ()):
                if hit.passage.id not in used_ids:
                    used_ids.append(hit.passage.id)
        total = len(self.card.central_questions)
        index = {
            "intake": 0,
            "question": state.question_index + 1,
            "followup": state.question_index + 1,
        }.get(state.phase, total)
        reply = Reply(
            phase=phase or state.phase,
            text="\n\n".join(p for p in self.parts if p),
            language=state.language,
            citations=list(self.citations),
            followups=list(self.followups),
            actions=list(self.actions),
            suggestions=self.suggestions
            if self.suggestions is not None
            else self.content.suggestions_for(state.phase, state.language),
            progress={
                "phase": state.phase,
                "question_index": min(index, total),
                "question_total": total,
                "ratings": {n: getattr(state.ratings, n) for n in RATING_NAMES},
                "followups_asked": len(state.followups_asked),
            },
            notice=self.notice,
            retrieved=used_ids,
            ended=state.ended,
            intent=self.understanding.intent,
            signals=list(self.understanding.signal_ids),
        )
        return state, reply


def greet(state: DialogueState, card: Card, content: DialogueContent) -> Result:
    """The opening turn: who the coach is, and the intake question."""
    t = Turn(state, "", Plan("start"), {}, card, content, {})
    t.say("greeting", title=content.card_title(card, state.language))
    t.say("ask_intake")
    return t.finish(state)
