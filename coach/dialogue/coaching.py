"""Coaching choices: which follow-up, which quote, which balance pattern, which actions.

Pure ranking functions over the card, the content files, the situation
signals the understanding step read in the user's messages, and the user's
words. Signals count most; stem overlap (Dutch and English Snowball stems)
and keyword hits come second. Every tie is broken by the order in the data,
so the same conversation always gets the same choices.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coach.dialogue.content import DialogueContent
from coach.dialogue.language import content_words, stem_keys, stems
from coach.dialogue.parsing import phrase_in
from coach.dialogue.schema import ActionSpec, Pattern, RatingRanges
from coach.dialogue.state import DialogueState
from coach.grounding import check_citations, cite, overlaps, quote_score, window_quote
from coach.models import Card, Citation, Hit, Ratings

MAX_FOLLOWUPS_PER_QUESTION = 2
SIGNAL_FIT = 4  # a shared signal outweighs a few shared words when picking a follow-up
CENTRAL_FIT = 3  # bonus for a fitting follow-up of the central question being answered
# Quote choice, in units of retrieval rank: a repeat moves a passage down the ranking.
REPLY_REPEAT = 1.5  # same passage as another quote in this reply (another sentence of it)
SESSION_REPEAT = 0.75  # passage quoted earlier in the session: only a clear best stays first
SESSION_SAME_QUOTE = 2.5  # the very same sentences quoted earlier in the session
SITUATION_SECTION = 3.5  # a section the clearly read situation points to moves up this much
UNRELATED = 2.0  # without scored windows: a quote sharing no word with the query
WINDOW_WEIGHT = 15.0  # how much a closer sentence window counts (0.01 cosine = 0.15 rank)


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
    signals: Sequence[str] = (),
) -> int | None:
    """The unused follow-up that fits the answer best; with `force`, the best unused anyway.

    Fit is led by the answer's situation signals (a follow-up lists the signals it
    digs into), then by word overlap. A follow-up the user has in effect already
    answered (one of its `answered_by` signals came up in this conversation: someone
    who said they want out is not asked whether they dare to stop) is never asked, nor
    one that does not fit what this answer tells (`not_when`: "dare we stop if the
    results are too meagre?" after results that are going well).
    """
    if state.followups_here >= MAX_FOLLOWUPS_PER_QUESTION:
        return None
    raised = set(state.signals()) | set(signals) | set(state.denied)  # "stoppen? nee" answers too
    unused = [
        j
        for j in range(len(card.followup_questions))
        if j not in state.followups_asked
        and not set(content.followup_answered_by(card, j)) & raised
        and not set(content.followup_not_when(card, j)) & set(signals)
    ]
    if not unused:
        return None
    current = set(signals)

    def fit(j: int) -> int:
        base = SIGNAL_FIT * len(current & set(content.followup_signals(card, j)))
        base += _relevance(answer, content.followup_terms(card, j))
        if base and state.question_index in content.followup_central(card, j):
            base += CENTRAL_FIT  # among fitting follow-ups, those about this question first
        return base

    relevant = [(fit(j), -j, j) for j in unused]
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
    earlier: Sequence[Citation] = (),
    skip_texts: Sequence[str] = (),
    prefer_sections: Sequence[str] = (),
) -> Citation | None:
    """The checked citation that fits `query` best, with soft penalties for repeats.

    The passage follows retrieval's ranking (dense, BM25 and the cards' hints fused),
    and within it the quote is the sentence window closest to the query by embedding.
    A passage already quoted in this reply (`avoid`) or earlier in the session
    (`earlier`) moves down a little in the ranking, and a quote shown before moves
    down more, so the best passage is quoted again only when it is clearly the best;
    the very same quote is never shown twice in one reply. Hits from unquotable
    sections, and quotes that only repeat `skip_texts` (the question just asked), are
    passed over. A passage from one of `prefer_sections` (the sections that speak to
    the situation the user described, prompts/reflections.yaml) moves up a little.
    """
    preferred = {p.casefold() for p in prefer_sections}
    in_reply = {c.passage_id for c in avoid}
    quoted = [c.quote for c in avoid]
    before = {c.passage_id for c in earlier}
    said_before = [c.quote for c in earlier]
    skip = [" ".join(t.split()).casefold().rstrip("?. ") for t in skip_texts if len(t) >= 20]
    best: tuple[float, int, Citation] | None = None
    for order, hit in enumerate(hits):
        if not quotable(hit, content):
            continue
        candidate = cite(hit, query, quoted, said_before)
        checked = check_citations([candidate], retrieved_ids, corpus_texts)
        if not checked or checked[0].quote in quoted:
            continue
        citation = checked[0]
        quote = " ".join(citation.quote.split()).casefold()
        if any(s in quote for s in skip):
            continue
        place = float(order)
        place += REPLY_REPEAT if citation.passage_id in in_reply else 0.0
        place += SESSION_REPEAT if citation.passage_id in before else 0.0
        place += SESSION_SAME_QUOTE if overlaps(citation.quote, said_before) else 0.0
        place -= SITUATION_SECTION if hit.passage.section.casefold() in preferred else 0.0
        if not hit.windows and order > 0 and quote_score(citation.quote, query) == 0:
            place += UNRELATED
        fit = window_quote(hit, quoted, said_before)[1] if hit.windows else 0.0
        score = WINDOW_WEIGHT * fit - place
        if best is None or score > best[0]:
            best = (score, order, citation)
    return best[2] if best else None


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
    """Everything the user told the coach (intake, answers, notes), for keyword conditions."""
    return "\n".join(
        [
            state.context.text,
            *(a.text[:4000] for a in state.answers),
            *(n.text for n in state.notes),
        ]
    )


@dataclass(frozen=True)
class Candidate:
    """An action from the library with how well it fits this conversation."""

    spec: ActionSpec
    score: float
    relevant: bool
    signal: str | None  # the raised signal that weighs most for this action, if any
    words: tuple[str, ...] = ()  # the user's words that matched its keywords


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


# Weights of the reasons an action fits; a signal raised twice counts twice (at most).
SIGNAL_WEIGHT = 4
RATINGS_WEIGHT = 3
PATTERN_BONUS = 3
KEYWORD_WEIGHT = 1
MAX_SIGNAL_REPEATS = 2
DIVERSITY = 0.6  # share of an already-answered signal's weight that no longer counts
FAINT = 0.25  # a signal read only faintly counts little (and makes no action fit on its own)


def rank_actions(
    state: DialogueState, ratings: Ratings, pattern: Pattern | None, content: DialogueContent
) -> list[Candidate]:
    """All library actions, the fitting ones first, best first, ties in library order.

    What the user said leads: each situation signal raised in the conversation
    adds its weight for the actions that address it (twice when it came up
    repeatedly; a faint reading a quarter, except for the library's
    `heard_in_full` signals such as a wish to leave). The ratings, the balance
    pattern and keyword hits follow.
    """
    counts = state.signal_counts()
    clear = set(state.clear_signals()) | set(content.library.heard_in_full)
    text = user_text(state)
    index = _word_index(text)
    suggested = pattern.suggest if pattern is not None else ()
    ranked = []
    for order, spec in enumerate(content.library.actions):
        by_signal = {
            sig: weight * min(counts[sig], MAX_SIGNAL_REPEATS) * (1.0 if sig in clear else FAINT)
            for sig, weight in spec.signals.items()
            if counts[sig]
        }
        top = max(by_signal, key=lambda sig: (by_signal[sig], -order), default=None)
        by_ratings = ranges_match(spec.ratings, ratings)
        found = keyword_words(spec, text, index)
        bonus = PATTERN_BONUS if spec.id in suggested else 0
        score = (
            SIGNAL_WEIGHT * sum(by_signal.values())
            + RATINGS_WEIGHT * by_ratings
            + bonus
            + KEYWORD_WEIGHT * min(len(found), 2)
            + spec.priority
        )
        relevant = any(s in clear for s in by_signal) or by_ratings or bool(bonus)
        ranked.append((not relevant, -score, order, Candidate(spec, score, relevant, top, found)))
    return _diversified([c for *_, c in sorted(ranked, key=lambda r: r[:3])], counts)


def _diversified(ranked: list[Candidate], counts: Counter[str]) -> list[Candidate]:
    """The ranking re-ordered so the first few actions answer different things the user
    raised: a signal already answered by a higher action counts for less next time
    (a new law and a new partner get their own action beside a repeated complaint)."""
    out: list[Candidate] = []
    covered: set[str] = set()
    pool = list(ranked)

    def adjusted(c: Candidate, covered: set[str]) -> float:
        overlap = sum(
            w * min(counts[s], MAX_SIGNAL_REPEATS)
            for s, w in c.spec.signals.items()
            if s in covered and counts[s]
        )
        return c.score - SIGNAL_WEIGHT * DIVERSITY * overlap

    while pool:
        best = max(pool, key=lambda c: (c.relevant, adjusted(c, covered), -pool.index(c)))
        pool.remove(best)
        out.append(best)
        covered |= {s for s in best.spec.signals if counts[s]}
    return out
