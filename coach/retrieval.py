"""Hybrid retrieval: dense (Chroma, with hint vectors) fused with BM25 by reciprocal rank.

Dense search runs over passage vectors and the extra hint vectors; a hint hit
counts for the passages of its section, each passage keeping its best rank
(LangChain's MultiVectorRetriever idea). Reciprocal rank fusion (k=60) then
merges the dense and BM25 rankings: it needs no score calibration between
cosine distances and BM25 scores, and a passage that both find rises to the top.

`HybridRetriever` is a LangChain `BaseRetriever`, so it plugs into any chain;
`search()` is the typed entry point that returns `Hit`s with both ranks.
Everything heavy (model, Chroma client, BM25) is built once in
`build_retriever`; a query only embeds one string and does two lookups.
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from coach.embeddings import LoadedEmbeddings, embeddings_name, load_embeddings
from coach.errors import IndexMissing, InputError, ModelUnavailable
from coach.index import CorpusIndex, open_index
from coach.lexical import LexicalIndex
from coach.models import Card, Hit, Passage
from coach.settings import Settings

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")
RRF_K = 60
EMPTY_QUERY = 'Empty query — type a question, e.g. coach ask "wat is schijnsamenwerking?"'


class HybridRetriever(BaseRetriever):
    """Dense + BM25 retrieval over the indexed passages."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: CorpusIndex
    vectorstore: Any = None  # langchain_chroma.Chroma; None when the index's model cannot load
    model_name: str = ""
    k: int = 5
    mode: Mode = "hybrid"
    notice: str | None = None
    _lexical: LexicalIndex = PrivateAttr()
    _passages: dict[str, Passage] = PrivateAttr()
    _cards: dict[str, Card] = PrivateAttr()
    _vector_count: int = PrivateAttr(default=0)
    _dense_cache: dict[tuple[str, int], list[tuple[str, float]]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        """Build the BM25 index and count the vectors once."""
        self._cards = self.index.cards()
        self._passages = self.index.passages()
        self._lexical = LexicalIndex(self._passages.values(), self._cards)
        if self.vectorstore is not None:
            self._vector_count = int(self.vectorstore._collection.count())

    def cards(self) -> dict[str, Card]:
        """Indexed cards by id."""
        return dict(self._cards)

    def passages(self) -> dict[str, Passage]:
        """Indexed passages by id."""
        return dict(self._passages)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        """LangChain entry point: the hits of `search` as Documents with passage metadata."""
        return [hit_document(h) for h in self.search(query, self.k, self.mode)]

    def search(self, query: str, k: int = 5, mode: Mode = "hybrid") -> list[Hit]:
        """The `k` best passages for `query`, best first."""
        if not query or not query.strip():
            raise InputError(EMPTY_QUERY)
        if mode not in MODES:
            raise InputError(f"Unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}.")
        pool = max(4 * k, 40)
        if mode == "dense" and self.vectorstore is None:
            raise ModelUnavailable(
                self.notice or "Dense search is unavailable; run `coach ingest`."
            )
        dense = self._dense(query, pool) if mode != "lexical" else []
        lexical = self._lexical.search(query, pool) if mode != "dense" else []
        dense_rank = {pid: i for i, (pid, _) in enumerate(dense, start=1)}
        lexical_rank = {pid: i for i, (pid, _) in enumerate(lexical, start=1)}
        if mode == "hybrid":
            scores: dict[str, float] = {}
            for ranks in (dense_rank, lexical_rank):
                for pid, rank in ranks.items():
                    scores[pid] = scores.get(pid, 0.0) + 1.0 / (RRF_K + rank)
            big = len(self._passages) + 1
            order = sorted(
                scores, key=lambda p: (-scores[p], dense_rank.get(p, big), lexical_rank.get(p, big))
            )
        else:
            scores = dict(dense if mode == "dense" else lexical)
            order = [pid for pid, _ in (dense if mode == "dense" else lexical)]
        return [
            Hit(self._passages[pid], scores[pid], rank, dense_rank.get(pid), lexical_rank.get(pid))
            for rank, pid in enumerate(order[:k], start=1)
        ]

    def _dense(self, query: str, pool: int) -> list[tuple[str, float]]:
        """Passage ids by best cosine similarity over passage and hint vectors."""
        if self.vectorstore is None or not self._vector_count:
            return []
        key = (query, pool)
        if key not in self._dense_cache:  # small cache: evals and retries ask the same query again
            if len(self._dense_cache) >= 256:
                self._dense_cache.clear()
            self._dense_cache[key] = self._dense_uncached(query, pool)
        return self._dense_cache[key]

    def _dense_uncached(self, query: str, pool: int) -> list[tuple[str, float]]:
        """One Chroma query; hint hits are mapped to their section's passages."""
        results = self.vectorstore.similarity_search_with_score(
            query, k=min(pool * 2, self._vector_count)
        )
        best: dict[str, float] = {}
        for doc, distance in results:
            meta = doc.metadata or {}
            ids = (
                [meta["passage_id"]]
                if meta.get("kind") == "passage"
                else str(meta.get("parents", "")).split(",")
            )
            for pid in ids:
                if pid in self._passages and pid not in best:
                    best[pid] = 1.0 - float(distance)
        return list(best.items())


def hit_document(hit: Hit) -> Document:
    """A Hit as a LangChain Document: the verbatim passage text plus its metadata and ranks."""
    meta = {
        **hit.passage.metadata(),
        "score": hit.score,
        "rank": hit.rank,
        "dense_rank": hit.dense_rank,
        "lexical_rank": hit.lexical_rank,
    }
    return Document(page_content=hit.passage.text, metadata=meta, id=hit.passage.id)


def build_retriever(
    settings: Settings, embeddings: LoadedEmbeddings | Embeddings | None = None
) -> HybridRetriever:
    """Open the index and load the model it was built with (raises IndexMissing)."""
    index = open_index(settings)
    notice: str | None = None
    if embeddings is None:
        loaded = load_embeddings(settings, model=index.model_name)
        if loaded.model_name != index.model_name:
            notice = (
                f"The index was built with {index.model_name}, which cannot be loaded here; "
                "searching by keywords only. Fix: run `coach ingest --rebuild`."
            )
            return HybridRetriever(
                index=index, model_name=index.model_name, k=settings.top_k, notice=notice
            )
        if settings.embedding_model != index.model_name:
            notice = (
                f"The index was built with {index.model_name}, not the configured "
                f"{settings.embedding_model}; run `coach ingest` to switch."
            )
    elif isinstance(embeddings, LoadedEmbeddings):
        loaded = embeddings
        if loaded.model_name != index.model_name:
            raise IndexMissing(
                f"The index in {settings.index_dir} was built with {index.model_name}, "
                f"not {loaded.model_name} — run `coach ingest` with that model first."
            )
    else:
        loaded = LoadedEmbeddings(embeddings, embeddings_name(embeddings))
    return HybridRetriever(
        index=index,
        vectorstore=index.vectorstore(loaded.embeddings),
        model_name=index.model_name,
        k=settings.top_k,
        notice=notice or loaded.notice,
    )
