"""The reflection summary as a Markdown document (shown in chat and exported).

Built from the state alone (answers, notes, ratings, chosen actions,
citations shown) plus the card for the question texts, in the session's
language. It opens with a short synthesis a partner can read out at a
meeting: what came up, the balance, the chosen actions. Each chosen action
has "wie / wanneer" lines to fill in. Only the quotes that back the balance
and the chosen actions are shown, and only the references those passages
rest on. Remarks that were mainly a feeling stay out unless the user keeps
them in ("neem op"); the answer's gist is shown in their place. Headings and
labels come from prompts/messages.yaml; the user's own words appear as block
quotes, unchanged.
"""

from __future__ import annotations

import re

from coach.dialogue.content import DialogueContent
from coach.dialogue.parsing import phrase_in
from coach.dialogue.schema import RATING_NAMES
from coach.dialogue.state import CLARIFY, Answer, DialogueState
from coach.grounding import leans_back
from coach.models import Card, Citation
from coach.templates import render_template

MAX_ANSWER_CHARS = 4000  # the service truncates input there too; keeps exports readable
MAX_FOUND = 3  # signals named in the synthesis
MAX_EXTRA_QUOTES = 8  # the passages quoted along the way, beyond those of the chosen actions
BLANK = "…………"


def _blockquote(text: str, indent: str = "") -> str:
    lines = text[:MAX_ANSWER_CHARS].strip().splitlines() or [""]
    return "\n".join(f"{indent}> {line}".rstrip() for line in lines)


def _answers_in_order(state: DialogueState) -> list[Answer]:
    asked = {j: n for n, j in enumerate(state.followups_asked)}

    def key(a: Answer) -> tuple[int, int, int]:
        if a.followup is None:
            return (a.question, 0, 0)
        if a.followup == CLARIFY:
            return (a.question, 1, 0)
        return (a.question, 2, asked.get(a.followup, 0))

    return sorted(state.answers, key=key)


class _Doc:
    """The summary's words in one language."""

    def __init__(self, state: DialogueState, card: Card, content: DialogueContent) -> None:
        self.state = state
        self.card = card
        self.content = content
        self.lang = state.language if state.language in ("nl", "en") else "nl"
        self.hidden = 0

    def say(self, key: str, **values: object) -> str:
        return self.content.render(key, self.lang, **values)

    def said(self, signal: str) -> str | None:
        texts = self.content.signal_texts(signal)
        return texts.said.get(self.lang) if texts else None

    def user_words(self, text: str, private: bool, signals: tuple[str, ...]) -> str:
        """The user's words, or the gist of a private remark the user did not keep in."""
        if private and not self.state.keep_private:
            self.hidden += 1
            gist = [s for s in (self.said(sig) for sig in signals) if s]
            if gist:
                return (
                    f"_{self.say('summary_private_gist', said=self.content.join(gist, self.lang))}_"
                )
            return ""
        return _blockquote(text)

    def pattern_text(self) -> str | None:
        pattern = self.content.library.pattern(self.state.pattern)
        ratings = self.state.ratings
        if pattern is None or not ratings.complete():
            return None
        values = {n: getattr(ratings, n) for n in RATING_NAMES}
        return render_template(pattern.text.get(self.lang), values, f"pattern `{pattern.id}`")


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
MAX_PRIORITY_CHARS = 300


def _priority(doc: _Doc) -> str | None:
    """The sentence in which the user said what matters most to them ("dat vind ik zelf
    het grootste probleem"), their own words; the last one said, never a private one."""
    phrases = [p.lower() for p in doc.content.commands.priority_phrases.all()]
    if not phrases:
        return None
    state = doc.state
    shared = doc.state.keep_private
    texts = [a.text for a in state.answers if shared or not a.private]
    texts += [n.text for n in state.notes if shared or not n.private]
    for text in reversed(texts):
        sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
        for i in range(len(sentences) - 1, -1, -1):
            if any(phrase_in(sentences[i].lower(), p) for p in phrases):
                # "Dat vind ik het grootste probleem." needs the sentence it points at
                start = i - 1 if i and leans_back(sentences[i]) else i
                return " ".join(sentences[start : i + 1])[:MAX_PRIORITY_CHARS]
    return None


def _synthesis(doc: _Doc) -> list[str]:
    state = doc.state
    sentences = []
    said = [s for s in (doc.said(sig) for sig in state.clear_signals()[:MAX_FOUND]) if s]
    if said:
        sentences.append(doc.say("summary_found", said=doc.content.join(said, doc.lang)))
    elif state.answers:
        sentences.append(doc.say("summary_found_none"))
    priority = _priority(doc)
    if priority:
        sentences.append(doc.say("summary_priority", text=priority))
    balance = doc.pattern_text()
    if balance:
        sentences.append(doc.say("summary_balance_line", text=balance))
    chosen = [a.title for a in state.offered if a.id in state.chosen]
    if chosen:
        sentences.append(doc.say("summary_chosen_line", titles=doc.content.join(chosen, doc.lang)))
    elif state.ended and state.offered:
        sentences.append(doc.say("summary_chosen_none"))
    if not sentences:
        return []
    return [f"## {doc.say('summary_synthesis')}", "", " ".join(sentences), ""]


def _context(doc: _Doc) -> list[str]:
    ctx = doc.state.context
    if not (ctx.role or ctx.parties or ctx.text):
        return []
    out = [f"## {doc.say('summary_context')}", ""]
    if ctx.role:
        role = ctx.role_label or doc.say(f"role_{ctx.role}")
        out.append(f"- {doc.say('summary_role', role=role)}")
    if ctx.parties:
        out.append(
            f"- {doc.say('summary_parties', parties=doc.content.join(list(ctx.parties), doc.lang))}"
        )
    if ctx.text:
        out += ["", f"**{doc.say('summary_intake')}:**", "", _blockquote(ctx.text)]
    return [*out, ""]


def _answers(doc: _Doc) -> list[str]:
    state, card, content = doc.state, doc.card, doc.content
    out = [f"## {doc.say('summary_answers')}", ""]
    answers = _answers_in_order(state)
    if not answers:
        return [*out, doc.say("summary_no_answers"), ""]
    shown: set[int] = set()
    for answer in answers:
        if not 0 <= answer.question < len(card.central_questions):
            continue
        if answer.question not in shown:
            shown.add(answer.question)
            question = content.central_question(card, answer.question, doc.lang)
            out += [f"### {answer.question + 1}. {question}", ""]
        words = doc.user_words(answer.text, answer.private, answer.signals)
        if answer.followup is None:
            label = None
        elif answer.followup == CLARIFY:
            label = doc.say("summary_clarified")
        elif 0 <= answer.followup < len(card.followup_questions):
            followup = content.followup_question(card, answer.followup, doc.lang)
            label = f"{doc.say('summary_followup')}: {followup}"
        else:
            continue
        if label:
            out += [f"**{label}**", ""]
        if words:
            out += [words, ""]
    return out


def _reviews(doc: _Doc) -> list[str]:
    """Last round's actions (team rounds) and what became of them, in the user's words."""
    if not doc.state.reviews:
        return []
    out = [f"## {doc.say('summary_reviews')}", ""]
    for review in doc.state.reviews:
        status = doc.say(f"review_status_{review.status or 'none'}")
        out.append(f"- **{review.title}**: {status}")
        if review.text:
            out.append(_blockquote(review.text, "  "))
    return [*out, ""]


def _notes(doc: _Doc) -> list[str]:
    lines = []
    for note in doc.state.notes:
        if note.action is not None or note.phase in ("actions", "review"):
            continue  # shown with the chosen actions, or with last round's actions
        words = doc.user_words(note.text, note.private, note.signals)
        if words:
            lines += [words, ""]
    return [f"## {doc.say('summary_notes')}", "", *lines] if lines else []


def _balance(doc: _Doc) -> list[str]:
    ratings = doc.state.ratings
    if not any(getattr(ratings, n) is not None for n in RATING_NAMES):
        return []
    out = [
        f"## {doc.say('summary_balance')}",
        "",
        f"| | {doc.say('summary_score')} |",
        "| --- | --- |",
    ]
    for name in RATING_NAMES:
        value = getattr(ratings, name)
        shown = value if value is not None else doc.say("rating_unknown")
        out.append(f"| {doc.say(f'label_{name}')} | {shown} |")
    out.append("")
    text = doc.pattern_text()
    if text:
        out += [text, ""]
    return out


def _why_now(doc: _Doc, why: str) -> str:
    """An action's reason without "Je vertelde dat ..." for a reading the user took back
    after the action was offered."""
    gone = [s for s in (doc.said(sig) for sig in doc.state.denied) if s]
    if not gone:
        return why
    kept = [s for s in _SENTENCE.split(why) if not any(g in s for g in gone)]
    return " ".join(kept).strip() or why


def _actions(doc: _Doc) -> tuple[list[str], list[Citation]]:
    state = doc.state
    chosen = [a for a in state.offered if a.id in state.chosen]
    out: list[str] = []
    if chosen or state.ended:
        out += [f"## {doc.say('summary_actions')}", ""]
        if not chosen:
            out += [doc.say("summary_no_actions"), ""]
    elif state.offered:
        out += [f"## {doc.say('summary_offered')}", ""]
        chosen = list(state.offered)
    remarks = [n for n in state.notes if n.phase == "actions"]
    quotes: list[Citation] = []
    for n, action in enumerate(chosen, 1):
        out.append(f"{n}. **{action.title}**: {_why_now(doc, action.why)}")
        for c in action.citations:
            out.append(f'   > "{c.quote}" ({c.title}, {c.section})')
            quotes.append(c)
        for note in remarks:
            if note.action == action.id or (note.action is None and len(chosen) == 1):
                out.append(f"   - {doc.say('summary_remark', text=note.text)}")
        if state.ended:
            who, when = state.owner_of(action.id)
            out += [
                f"   - {doc.say('summary_who')}: {who or BLANK}",
                f"   - {doc.say('summary_when')}: {when or BLANK}",
            ]

    unattached = [n for n in remarks if n.action is None and len(chosen) != 1]
    for note in unattached:
        out.append(f"- {doc.say('summary_remark', text=note.text)}")
    if chosen or unattached:
        out.append("")
    return out, quotes


def _quotes(doc: _Doc, shown: list[Citation]) -> tuple[list[str], list[Citation]]:
    """The balance quote and a few insights not already shown with an action."""
    seen = {c.passage_id for c in shown}
    extra: list[Citation] = []
    for c in doc.state.cited:
        if c.passage_id in seen or len(extra) >= MAX_EXTRA_QUOTES:
            continue
        seen.add(c.passage_id)
        extra.append(c)
    if not extra:
        return [], []
    lines = [f"## {doc.say('summary_quotes')}", ""]
    lines += [f'- "{c.quote}" ({c.title}, {c.section})' for c in extra]
    return [*lines, ""], extra


def summary_markdown(state: DialogueState, card: Card, content: DialogueContent) -> str:
    """The summary so far: synthesis, context, answers, balance, actions, quotes, sources."""
    doc = _Doc(state, card, content)
    out = [
        f"# {doc.say('summary_title', title=content.card_title(card, doc.lang))}",
        "",
        f"_{doc.say('summary_note')}_",
        "",
    ]
    out += _synthesis(doc)
    out += _reviews(doc)
    out += _context(doc)
    out += _answers(doc)
    out += _notes(doc)
    out += _balance(doc)
    actions, action_quotes = _actions(doc)
    out += actions
    quotes, extra = _quotes(doc, action_quotes)
    out += quotes
    references: list[str] = []
    for c in (*action_quotes, *extra):
        references += [r.strip() for r in c.source.split("; ") if r.strip()]
    if not references:
        references = [s.reference() for s in card.sources[:1]]
    unique = list(dict.fromkeys(references))
    out += [f"## {doc.say('summary_sources')}", "", *(f"- {ref}" for ref in unique), ""]
    if doc.hidden:
        out += [f"_{doc.say('summary_private', count=doc.hidden)}_", ""]
    return "\n".join(out).rstrip() + "\n"
