"""Quotes and citations that are checked in code, not hoped for.

A quote is always a slice of the retrieved passage's text (1-3 consecutive
sentences), so it is verbatim by construction; `check_citations` still
verifies every citation against the corpus and against what was retrieved in
this turn before anything reaches a user, like instructor's
`validate_sources`, because a reply can be rebuilt from stored state.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from coach.dialogue.language import stem_keys, stems, words
from coach.models import Citation, Hit

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
MAX_SENTENCES = 3


def _segments(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences and list lines of `text`, stripped."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[cursor:end]
        bullet = _BULLET.match(piece)
        start = cursor + (bullet.end() if bullet else 0)
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
        if match:
            cursor = match.end()
    return spans


def _score(sentence: str, wanted: frozenset[str]) -> int:
    """How many distinct query stems the sentence contains."""
    found: set[str] = set()
    for word in words(sentence):
        found |= stem_keys(word) & wanted
    return len(found)


def _trim(text: str, max_chars: int) -> str:
    """A prefix of `text` of at most max_chars, cut at a word boundary (still verbatim)."""
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", 0, max_chars)
    return text[: cut if cut > 0 else max_chars].rstrip()


SHORT_WINDOW = 60  # a window this short needs a clearly better score to be quoted alone
SHORT_MARGIN = 0.02
PAIR_BONUS = 0.005  # two sentences give a quote its context: preferred when nearly as close
SEEN_MARGIN = 0.02  # a sentence quoted earlier in the session makes way for a close other one


def overlaps(quote: str, others: Iterable[str]) -> bool:
    """Is `quote` one of `others`, or part of one, or does it contain one?"""
    return any(quote in other or other in quote for other in others if other)


# A sentence that opens with one of these leans on the one before it ("Die zal er vaak
# wel zijn.", "Samen geven ze een beeld ...", "Toch heeft elke partner ..."): quoted
# alone it reads as an answer to nothing, so the previous sentence comes with it.
DANGLING_OPENERS = frozenset(
    [
        "die",
        "dat",
        "deze",
        "dit",
        "ze",
        "zij",
        "hij",
        "daarom",
        "daardoor",
        "daarbij",
        "daarvoor",
        "daarmee",
        "daarin",
        "samen",
        "toch",
        "ook",
        "maar",
        "dus",
        "zo",
        "hierbij",
        "hiervoor",
        "hierdoor",
        "bovendien",
        "verder",
        "tegelijk",
        "wel",
        "anders",
        "they",
        "these",
        "this",
        "that",
        "those",
        "together",
        "but",
        "so",
        "also",
        "therefore",
        "however",
        "yet",
        "such",
    ]
)
DANGLING_MARGIN = 0.05  # a window that leans on a sentence it cannot include, or ends in ":"
_FIRST_WORD = re.compile(r"\W*(\w+)")


def leans_back(piece: str) -> bool:
    """Does the quote open with a word that points at the sentence before it?"""
    first = _FIRST_WORD.match(piece)
    return bool(first and first.group(1).lower() in DANGLING_OPENERS)


def _with_context(
    text: str, spans: list[tuple[int, int]], start: int, end: int, max_chars: int
) -> int | None:
    """The window widened by the sentence before it when it leans on that one and both fit
    in one paragraph; None when it cannot be widened."""
    index = next((i for i, (s, _) in enumerate(spans) if s == start), None)
    if index is None or index == 0:
        return None
    before = spans[index - 1][0]
    if end - before > max_chars or "\n" in text[spans[index - 1][1] : start]:
        return None
    return before


def window_quote(
    hit: Hit, avoid: Iterable[str] = (), seen: Iterable[str] = (), max_chars: int = 400
) -> tuple[str, float]:
    """The passage's best-scoring sentence window (by embedding similarity to the query) and
    its score; ("", 0.0) when the hit carries no scored windows.

    Windows in `avoid` (already quoted in this reply) are passed over; those in `seen`
    (quoted earlier in the session) lose a little; a very short window ("Werk in vier
    stappen.") must beat a fuller one clearly, and a two-sentence window is preferred
    over a single sentence that is barely closer.
    """
    text = hit.passage.text
    skip, old = set(avoid), set(seen)
    spans = _segments(text)
    best: tuple[float, str, float] | None = None
    for start, end, score in hit.windows:
        piece = text[start:end].strip()
        if not piece or piece in skip or len(piece) > max_chars:
            continue
        adjusted = score
        if leans_back(piece):
            widened = _with_context(text, spans, start, end, max_chars)
            if widened is None:
                adjusted -= DANGLING_MARGIN
            else:
                piece = text[widened:end].strip()
                if piece in skip:
                    continue
        if piece.endswith(":"):
            adjusted -= DANGLING_MARGIN  # "Denk aan:" introduces what it does not quote
        adjusted -= SHORT_MARGIN if len(piece) < SHORT_WINDOW else 0.0
        adjusted += PAIR_BONUS if len(_segments(piece)) > 1 else 0.0
        adjusted -= SEEN_MARGIN if overlaps(piece, old) else 0.0
        if best is None or adjusted > best[0]:
            best = (adjusted, piece, score)
    return (best[1], best[2]) if best else ("", 0.0)


def quote_from(hit: Hit, query: str, max_chars: int = 400, avoid: Iterable[str] = ()) -> str:
    """1-3 consecutive sentences of the passage that best match `query`, verbatim.

    With scored windows (the retriever's embedding similarity over sentence
    windows) the best window is quoted; this lexical choice is the fallback.

    A quote never crosses a paragraph break, so it reads as one passage in the
    chat. The best sentence (most query stems, earliest on a tie) is widened by one
    neighbour so the quote has context (the previous sentence on a tie, as it
    usually introduces the point), and by a third sentence only when that one
    matches the query too. A quote in `avoid` (already shown in this reply) makes
    way for the one around the next best sentence.
    """
    text = hit.passage.text
    spans = _segments(text)
    if not spans:
        return ""
    wanted = stems(query)
    scores = [_score(text[s:e], wanted) for s, e in spans]
    skip = set(avoid)

    def fits(a: int, b: int) -> bool:
        """Sentences a..b fit the limit and stay within one paragraph or list item."""
        return (
            spans[b][1] - spans[a][0] <= max_chars and "\n" not in text[spans[a][1] : spans[b][0]]
        )

    def around(best: int) -> str:
        lo = hi = best
        prev_ok = lo > 0 and fits(lo - 1, hi)
        next_ok = hi + 1 < len(spans) and fits(lo, hi + 1)
        if prev_ok and (not next_ok or scores[lo - 1] >= scores[hi + 1]):
            lo -= 1
        elif next_ok:
            hi += 1
        if hi - lo + 1 < MAX_SENTENCES:
            if hi + 1 < len(spans) and scores[hi + 1] > 0 and fits(lo, hi + 1):
                hi += 1
            elif lo > 0 and scores[lo - 1] > 0 and fits(lo - 1, hi):
                lo -= 1
        if lo > 0 and leans_back(text[spans[lo][0] : spans[lo][1]]) and fits(lo - 1, hi):
            lo -= 1  # "Die zal er vaak wel zijn." needs the sentence it points at
        return _trim(text[spans[lo][0] : spans[hi][1]], max_chars)

    order = sorted(range(len(spans)), key=lambda i: (-scores[i], i))
    first = around(order[0])
    return next((q for q in map(around, order) if q not in skip), first)


def quote_score(quote: str, query: str) -> int:
    """How many distinct stems of `query` the quote contains (0: unrelated)."""
    return _score(quote, stems(query))


def cite(hit: Hit, query: str, avoid: Iterable[str] = (), seen: Iterable[str] = ()) -> Citation:
    """A citation of the hit: its best quote for `query` and the passage's references."""
    passage = hit.passage
    avoid = tuple(avoid)
    quote = window_quote(hit, avoid, seen)[0] or quote_from(hit, query, avoid=avoid)
    return Citation(
        passage_id=passage.id,
        card=passage.card_id,
        title=passage.card_title,
        section=passage.section,
        quote=quote,
        source="; ".join(s.reference() for s in passage.sources),
        url=next((s.url for s in passage.sources if s.url), None),
    )


def check_citations(
    citations: Iterable[Citation], retrieved_ids: set[str], corpus_texts: Mapping[str, str]
) -> list[Citation]:
    """Keep citations of passages retrieved this turn whose quote occurs verbatim in the corpus.

    Duplicates (same passage and quote) are dropped too, keeping the first.
    """
    kept: list[Citation] = []
    seen: set[tuple[str, str]] = set()
    for citation in citations:
        key = (citation.passage_id, citation.quote)
        text = corpus_texts.get(citation.card)
        if (
            citation.quote.strip()
            and citation.passage_id in retrieved_ids
            and text is not None
            and citation.quote in text
            and key not in seen
        ):
            seen.add(key)
            kept.append(citation)
    return kept
