"""BM25 over the passages, for the words a dense model may blur.

Users type the corpus's own terms ("schijnsamenwerking", "normenkader");
exact-term matching catches them even where the embedding does not. Each
passage is enriched with its card title, section heading and the section's
hints: keywords and also the hint questions, because reciprocal rank fusion
buries a passage that only one retriever finds, and the questions carry the
everyday words users type ("we vergaderen veel"). Text is tokenised with a
small Dutch/English stopword list and the Snowball Dutch stemmer (PyStemmer),
and indexed with bm25s. The index is built in memory when the retriever
loads: for a few hundred passages that takes milliseconds, so nothing extra
is stored on disk.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import bm25s
import numpy as np
import Stemmer

from coach.models import Card, Passage

STOPWORDS = frozenset(
    """
    de het een en of maar dan als dat die dit deze van in op aan met voor door naar bij
    om tot uit over onder tegen tussen zonder na te er is zijn was waren wordt worden
    word werd ben bent heb hebt heeft hebben had kan kun kunnen kon zal zou zullen moet
    moeten mag wil wel niet geen ook nog al zo wat wie waar hoe waarom wanneer welk welke
    ik je jij u hij zij ze we wij jullie hun hen mijn jouw uw haar ons onze me mij
    zich hier daar dus toch even heel erg veel meer eigenlijk gewoon
    the a an and or but if of to in on at for with by from as is are was were be been
    it this that these those we you i they he she our your their what how why when
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_TOKEN = re.compile(r"\w+", re.UNICODE)


class Tokenizer:
    """Lower-case words without accents and stopwords, Dutch-stemmed."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("dutch")

    def __call__(self, text: str) -> list[str]:
        """Tokens of one text."""
        folded = unicodedata.normalize("NFKD", text.lower())
        plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
        words = [w for w in _TOKEN.findall(plain) if w not in STOPWORDS and not w.isdigit()]
        return list(self._stemmer.stemWords(words))


def enriched_text(passage: Passage, card: Card | None) -> str:
    """Passage text plus card title, section heading and the section's hints."""
    parts = [passage.card_title, passage.section, passage.text]
    section = card.section(passage.section) if card else None
    if section is not None:
        parts.extend(section.hints.keywords)
        parts.extend(section.hints.questions)
    return "\n".join(parts)


class LexicalIndex:
    """An in-memory BM25 index over passages."""

    def __init__(self, passages: Iterable[Passage], cards: dict[str, Card]) -> None:
        self._tokenize = Tokenizer()
        passages = list(passages)
        self._ids = [p.id for p in passages]
        texts = [enriched_text(p, cards.get(p.card_id)) for p in passages]
        corpus = [self._tokenize(t) or ["_"] for t in texts]
        self._bm25 = bm25s.BM25()
        if corpus:
            self._bm25.index(corpus, show_progress=False)

    def search(self, query: str, k: int = 20) -> list[tuple[str, float]]:
        """Passage ids and BM25 scores, best first; only passages sharing a term with the query."""
        if not self._ids:
            return []
        vocab = self._bm25.vocab_dict
        tokens = [t for t in self._tokenize(query) if t in vocab]
        if not tokens:
            return []
        scores = np.asarray(self._bm25.get_scores(tokens))
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self._ids[i], float(scores[i])) for i in order if scores[i] > 0]
