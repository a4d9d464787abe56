"""A plan's readings: passages of the chosen cards with quotes checked word for word.

The facilitator's context is the query; cards the context missed get one
passage from a fallback query. A quote is one or two consecutive sentences of
the passage that occur verbatim in the card; passages without one are dropped.
Readings never come from a card's reference list (*Bronnen*) or its lists of
questions (the agenda has those already), and a sentence ends only at a stop
followed by a space, so a quote never ends inside a web address ("https://www.").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from coach.corpus_cards import CENTRAL, FOLLOWUPS, SOURCES
from coach.models import Card, Citation, Hit

_WORD = re.compile(r"[\wÀ-ÿ]+", re.UNICODE)
# A sentence runs to a stop that ends the text or is followed by white space.
_SENTENCE = re.compile(r"[^\n]+?(?:[.!?…]+(?=\s|$)|$)", re.MULTILINE)
_STOP = {
    "de",
    "het",
    "een",
    "en",
    "van",
    "in",
    "op",
    "te",
    "is",
    "dat",
    "die",
    "er",
    "we",
    "je",
    "met",
    "voor",
    "aan",
    "zijn",
    "niet",
    "ook",
    "als",
    "of",
    "wat",
    "hoe",
    "bij",
    "om",
    "the",
    "a",
    "an",
    "and",
    "to",
    "are",
    "our",
    "on",
    "for",
    "with",
    "how",
}


def word_set(text: str) -> set[str]:
    """The lower-cased words of `text`, stop words left out."""
    return {w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in _STOP}


def best_quote(
    passage_text: str, card_text: str, query_words: set[str], limit: int = 320
) -> str | None:
    """One or two consecutive passage sentences that best match the query, verbatim in the card."""
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(passage_text) if m.group(0).strip()]
    if not sentences:
        return None
    best: tuple[int, int, int, str] | None = None
    for i in range(len(sentences)):
        for span in (1, 2):
            if i + span > len(sentences):
                continue
            window = sentences[i : i + span]
            start = passage_text.find(window[0])
            end = passage_text.find(window[-1], start) + len(window[-1])
            quote = passage_text[start:end].strip()
            if len(quote) > limit or quote not in card_text:
                continue
            score = len(word_set(quote) & query_words)
            candidate = (score, -i, span, quote)
            if best is None or candidate[:3] > best[:3]:
                best = candidate
    if best is None:
        first = sentences[0]
        return first if len(first) <= limit * 2 and first in card_text else None
    return best[3]


def not_a_reading(section: str) -> bool:
    """A card's reference list or one of its question lists: never a passage to read."""
    heading = section.strip()
    return any(p.match(heading) for p in (SOURCES, CENTRAL, FOLLOWUPS))


def grounded_readings(
    source: Any, cards: Sequence[Card], context: str, limit: int
) -> tuple[Citation, ...]:
    """Passages of the chosen cards that answer the context, as grounded citations."""
    wanted = {c.id: c for c in cards}
    queries = [context] if context.strip() else []
    queries += [
        f"{c.title}. {c.central_questions[0] if c.central_questions else ''}" for c in cards
    ]
    hits: list[Hit] = []
    seen: set[str] = set()
    per_card: dict[str, int] = {}
    for n, query in enumerate(queries):
        for hit in source.search(query, k=12):
            pid = hit.passage.id
            if (
                hit.passage.card_id not in wanted
                or pid in seen
                or not_a_reading(hit.passage.section)
            ):
                continue
            if n > 0 and per_card.get(hit.passage.card_id, 0) > 0:
                continue  # fallback queries only fill in cards the context missed
            seen.add(pid)
            hits.append(hit)
            per_card[hit.passage.card_id] = per_card.get(hit.passage.card_id, 0) + 1
            if n > 0:
                break
    query_words = word_set(context) or word_set(" ".join(queries))
    citations: list[Citation] = []
    for hit in hits:
        if len(citations) >= limit:
            break
        passage = hit.passage
        card = wanted[passage.card_id]
        quote = best_quote(passage.text, card.text, query_words)
        if not quote:
            continue
        sources = card.sources or passage.sources
        citations.append(
            Citation(
                passage_id=passage.id,
                card=card.id,
                title=card.title,
                section=passage.section,
                quote=quote,
                source="; ".join(s.reference() for s in sources),
                url=next((s.url for s in sources if s.url), None),
            )
        )
    return tuple(citations)
