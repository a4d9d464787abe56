"""Coaching choices: which follow-up, which quote, which balance pattern, which actions.

Pure ranking functions over the card, the content files and the user's words.
Relevance is stem overlap (Dutch and English Snowball stems) plus whole-phrase
keyword hits; every tie is broken by the order in the data, so the same
conversation always gets the same choices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coach.dialogue.content import DialogueContent
from coach.dialogue.language import content_words, stem_keys, stems
from coach.dialogue.parsing import phrase_in
from coach.dialogue.schema import ActionSpec, Pattern, RatingRanges
from coach.dialogue.state import DialogueState
from coach.grounding import check_citations, cite, quote_score
from coach.models import Card, Citation, Hit, Ratings

MAX_FOLLOWUPS_PER_QUESTION = 2


# --- follow-ups ---------------------------------------------------------------


def _relevance(answer: str, terms: Sequence[str]) -> int:
    """Answer words that match the follow-up's words or keywords, plus whole-phrase keyword hits."""
    target: set[str] = set()
    for term in terms:
        target |= stems(term)
    low = answer[:20000].lower()
    hits = sum(1 for w in content_words(answer[:20000]) if stem_keys(w) & target)
    phrases = sum(1 for t in terms if " " in t.strip() and len(t) < 60 and phrase_in(low, t))
    return hits + 2 * phrases


def pick_followup(
    state: DialogueState,
    card: Card,
    content: DialogueContent,
    answer: str,
    central: str,
    force: bool,
) -> int | None:
    """The unused follow-up most relevant to the answer; with `force`, the best unused anyway."""
    if state.followups_here >= MAX_FOLLOWUPS_PER_QUESTION:
        return None
    unused = [j for j in range(len(card.followup_questions)) if j not in state.followups_asked]
    if not unused:
        return None
    relevant = [(_relevance(answer, content.followup_terms(card, j)), -j, j) for j in unused]
    best = max(relevant)
    if best[0] > 0:
        return best[2]
    if not force:
        return None
    central_stems = stems(central)
    fitting = [
        (len(stems(" ".join(content.followup_terms(card, j))) & central_stems), -j, j)
        for j in unused
    ]
    return max(fitting)[2]


# --- quotes ---------------------------------------------------------------------


def quotable(hit: Hit, content: DialogueContent) -> bool:
    """Hits from sections that only restate the card's questions or references are not quoted."""
    skip = {s.casefold() for s in content.library.unquoted_sections}
    heading = hit.passage.section.casefold()
    return not any(heading == s or heading.startswith(s + " ") for s in skip)


def grounded_citation(
    hits: Sequence[Hit],
    query: str,
    content: DialogueContent,
    retrieved_ids: set[str],
    corpus_texts: Mapping[str, str],
    avoid: Sequence[Citation] = (),
    skip_texts: Sequence[str] = (),
) -> Citation | None:
    """The best hit's checked citation, or a later related one when its passage is in `avoid`.

    Hits from unquotable sections, and quotes that only repeat `skip_texts` (the
    question just asked), are passed over. Avoiding by passage keeps one reply (or
    session) from quoting the same paragraph twice in slightly different cuts.
    """
    shown = {c.passage_id for c in avoid}
    skip = [" ".join(t.split()).casefold().rstrip("?. ") for t in skip_texts if len(t) >= 20]
    first: Citation | None = None
    for hit in hits:
        if not quotable(hit, content):
            continue
        checked = check_citations([cite(hit, query)], retrieved_ids, corpus_texts)
        if not checked:
            continue
        citation = checked[0]
        quote = " ".join(citation.quote.split()).casefold()
        if any(s in quote for s in skip):
            continue
        if citation.passage_id not in shown:
            if first is None or quote_score(citation.quote, query) > 0:
                return citation
            continue
        first = first or citation
    return first


def qa_citations(
    hits: Sequence[Hit],
    question: str,
    content: DialogueContent,
    retrieved_ids: set[str],
    corpus_texts: Mapping[str, str],
) -> list[Citation]:
    """One or two citations answering a question: the best hit, and a second sharing its words."""
    out: list[Citation] = []
    for hit in hits:
        if len(out) == 2:
            break
        if not quotable(hit, content):
            continue
        checked = check_citations([cite(hit, question)], retrieved_ids, corpus_texts)
        if not checked or any(c.passage_id == checked[0].passage_id for c in out):
            continue
        if out and quote_score(checked[0].quote, question) == 0:
            continue
        out.append(checked[0])
    return out


# --- balance and actions --------------------------------------------------------


def ranges_match(alternatives: Sequence[RatingRanges], ratings: Ratings) -> bool:
    """True when all ranges of at least one alternative hold."""
    for ranges in alternatives:
        values = [(getattr(ratings, name), low, high) for name, (low, high) in ranges.items()]
        if all(v is not None and low <= v <= high for v, low, high in values):
            return True
    return False


def balance_pattern(ratings: Ratings, content: DialogueContent) -> Pattern:
    """The first pattern that matches the ratings (the last one matches everything)."""
    for pattern in content.library.patterns:
        if not pattern.when or ranges_match(pattern.when, ratings):
            return pattern
    return content.library.patterns[-1]


def user_text(state: DialogueState) -> str:
    """Everything the user told the coach (intake and answers), for keyword conditions."""
    return "\n".join([state.context.text, *(a.text[:4000] for a in state.answers)])


@dataclass(frozen=True)
class Candidate:
    """An action from the library with how well it fits this conversation."""

    spec: ActionSpec
    score: int
    relevant: bool
    words: tuple[str, ...]  # the user's words that matched its keywords


def _word_index(text: str) -> dict[str, tuple[int, str]]:
    """Stem key -> (position, original word) of its first content word in `text`."""
    index: dict[str, tuple[int, str]] = {}
    for pos, word in enumerate(content_words(text)):
        for key in stem_keys(word):
            index.setdefault(key, (pos, word))
    return index


def keyword_words(
    spec: ActionSpec, text: str, index: dict[str, tuple[int, str]] | None = None
) -> tuple[str, ...]:
    """The user's words (original form) that match the action's keywords, at most three."""
    low = text.lower()
    index = _word_index(text) if index is None else index
    found: list[str] = []
    for keyword in spec.keywords:
        if " " in keyword.strip():
            if phrase_in(low, keyword):
                found.append(keyword.lower())
            continue
        matches = sorted(index[k] for k in stem_keys(keyword) if k in index)
        if matches:
            found.append(matches[0][1])
    unique: list[str] = []
    for word in found:
        if word.lower() not in {u.lower() for u in unique}:
            unique.append(word)
    return tuple(unique[:3])


def rank_actions(
    state: DialogueState, ratings: Ratings, pattern: Pattern | None, content: DialogueContent
) -> list[Candidate]:
    """All library actions, the fitting ones first, best first, ties in library order."""
    text = user_text(state)
    index = _word_index(text)
    suggested = pattern.suggest if pattern is not None else ()
    ranked = []
    for order, spec in enumerate(content.library.actions):
        by_ratings = ranges_match(spec.ratings, ratings)
        found = keyword_words(spec, text, index)
        bonus = 4 if spec.id in suggested else 0
        score = 3 * by_ratings + bonus + 2 * len(found) + spec.priority
        relevant = by_ratings or bool(found) or bool(bonus)
        ranked.append((not relevant, -score, order, Candidate(spec, score, relevant, found)))
    return [c for *_, c in sorted(ranked, key=lambda r: r[:3])]
