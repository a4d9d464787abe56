"""BM25 over the passages, for the words a dense model may blur.

Users type the corpus's own terms ("schijnsamenwerking", "normenkader");
exact-term matching catches them even where the embedding does not. Each
passage is enriched with its card title, section heading and the section's
hints: keywords and also the hint questions, because reciprocal rank fusion
buries a passage that only one retriever finds, and the questions carry the
everyday words users type ("we vergaderen veel"). Text is tokenised with a
small Dutch/English stopword list and the Snowball Dutch stemmer (PyStemmer),
and indexed with bm25s.

The index is built with bm25s at ingest and saved in bm25s's format (plus the
passage ids in index order). Readers memory-map the saved score matrix and
sum its columns for the query's terms, exactly as bm25s's `get_scores` does
for its default "lucene" scoring, without importing bm25s and scipy at start
(half a second) and without tokenising every passage again (11-14 s at 100k
passages).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

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


IDS_FILE = "ids.json"
# bm25s's file names; scoring methods whose scores are the sum of the matrix columns.
_DATA, _INDICES, _INDPTR = "data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy"
_VOCAB, _PARAMS = "vocab.index.json", "params.index.json"
_COLUMN_SUM_METHODS = ("lucene", "robertson", "atire")


class Tokenizer:
    """Lower-case words without accents and stopwords, Dutch-stemmed."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("dutch")

    def __call__(self, text: str) -> list[str]:
        """Tokens of one text."""
        folded = unicodedata.normalize("NFKD", text.lower())
        plain = (
            folded  # the common case, and much faster than looking at every character
            if folded.isascii()
            else "".join(ch for ch in folded if not unicodedata.combining(ch))
        )
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


class _ScoreMatrix:
    """A saved bm25s index, memory-mapped: per-term columns of precomputed BM25 scores."""

    def __init__(self, folder: Path) -> None:
        params = json.loads((folder / _PARAMS).read_text(encoding="utf-8"))
        if params.get("method") not in _COLUMN_SUM_METHODS:
            raise ValueError(f"unsupported BM25 method {params.get('method')!r}")
        self.num_docs = int(params["num_docs"])
        self.dtype = np.dtype(params.get("dtype", "float32"))
        self.data = np.load(folder / _DATA, mmap_mode="r")
        self.indices = np.load(folder / _INDICES, mmap_mode="r")
        self.indptr = np.load(folder / _INDPTR, mmap_mode="r")
        self.vocab_dict: dict[str, int] = json.loads((folder / _VOCAB).read_text(encoding="utf-8"))

    def get_scores(self, tokens: list[str]) -> np.ndarray:
        """bm25s's `get_scores`: each term's column added in query order (repeats count)."""
        scores = np.zeros(self.num_docs, dtype=self.dtype)
        for token in tokens:
            term = self.vocab_dict[token]
            start, end = int(self.indptr[term]), int(self.indptr[term + 1])
            scores[self.indices[start:end]] += self.data[start:end]
        return scores


class LexicalIndex:
    """A BM25 index over passages: built at ingest, saved, and memory-mapped by readers."""

    def __init__(self, ids: Sequence[str], bm25: Any) -> None:
        self._tokenize = Tokenizer()
        self.ids = list(ids)
        self._bm25 = bm25  # bm25s.BM25 right after building, a _ScoreMatrix once loaded

    @classmethod
    def build(cls, ids: Sequence[str], texts: Iterable[str]) -> LexicalIndex:
        """Tokenise and index `texts` (one per id, same order)."""
        import bm25s

        tokenize = Tokenizer()
        corpus = [tokenize(t) or ["_"] for t in texts]
        if not corpus:
            return cls(ids, None)
        bm25 = bm25s.BM25()
        bm25.index(corpus, show_progress=False)
        return cls(ids, bm25)

    @classmethod
    def from_passages(cls, passages: Iterable[Passage], cards: Mapping[str, Card]) -> LexicalIndex:
        """An index over passages enriched with their card's title, heading and hints."""
        passages = list(passages)
        return cls.build(
            [p.id for p in passages], (enriched_text(p, cards.get(p.card_id)) for p in passages)
        )

    def save(self, folder: Path) -> None:
        """Write the index to `folder` (created; bm25s files plus the ids in index order)."""
        folder.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(str(folder), show_progress=False)
        (folder / IDS_FILE).write_text(json.dumps(self.ids), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """A saved index, its score matrix memory-mapped (nothing is tokenised again)."""
        ids = json.loads((folder / IDS_FILE).read_text(encoding="utf-8"))
        return cls(ids, _ScoreMatrix(folder) if ids else None)

    def search(self, query: str, k: int = 20) -> list[tuple[str, float]]:
        """Passage ids and BM25 scores, best first; only passages sharing a term with the query."""
        if not self.ids or self._bm25 is None:
            return []
        vocab = self._bm25.vocab_dict
        tokens = [t for t in self._tokenize(query) if t in vocab]
        if not tokens:
            return []
        scores = np.asarray(self._bm25.get_scores(tokens))
        return [(self.ids[i], float(scores[i])) for i in top_k(scores, k) if scores[i] > 0]


def top_k(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the k highest scores, best first, ties in index order.

    The same order as a full stable argsort, without sorting every passage:
    at 100k passages a full sort costs more than the BM25 scoring itself.
    """
    n = len(scores)
    if k <= 0 or n == 0:
        return []
    if k >= n:
        return [int(i) for i in np.argsort(-scores, kind="stable")]
    threshold = np.partition(scores, n - k)[n - k]
    candidates = np.flatnonzero(scores >= threshold)
    order = np.argsort(-scores[candidates], kind="stable")
    return [int(i) for i in candidates[order][:k]]
