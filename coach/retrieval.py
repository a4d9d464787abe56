"""Hybrid retrieval: dense (Chroma, with hint vectors) fused with BM25 by reciprocal rank.

Dense search runs over passage vectors and the extra hint vectors; a hint hit
counts for the passages of its section, each passage keeping its best rank
(LangChain's MultiVectorRetriever idea). Reciprocal rank fusion (k=60) then
merges the dense and BM25 rankings: it needs no score calibration between
cosine distances and BM25 scores, and a passage that both find rises to the top.

`HybridRetriever` is a LangChain `BaseRetriever`, so it plugs into any chain;
`search()` is the typed entry point that returns `Hit`s with both ranks.
Everything heavy (model, index, BM25) is opened once in `build_retriever`; a
query embeds at most one string (none when the caller passes a vector, as the
coach does for fixed strings through `fixed_vectors`) and does two lookups.
The dense query asks Chroma for distances only and maps hint vectors to their
passages from the index, which is three times cheaper than fetching metadata.

Caches are bounded LRUs per retriever: query vectors by text, dense results
by query vector. `search(..., windows=True)` adds each hit's quote windows
scored against the query vector (`Hit.windows`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from coach.cache import LRUCache
from coach.embeddings import LoadedEmbeddings, embeddings_name, load_embeddings, normalised
from coach.errors import IndexMissing, InputError, ModelUnavailable
from coach.index import CorpusIndex, open_index
from coach.index.fixed import FixedVectors
from coach.index.windows import rank_windows
from coach.lexical import LexicalIndex
from coach.models import Card, Hit, Passage
from coach.settings import Settings

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")
RRF_K = 60
QUERY_CACHE_SIZE = 1024
DENSE_CACHE_SIZE = 256
EMPTY_QUERY = 'Empty query — type a question, e.g. coach ask "wat is schijnsamenwerking?"'


class HybridRetriever(BaseRetriever):
    """Dense + BM25 retrieval over the indexed passages."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: CorpusIndex
    embeddings: Any = None  # langchain Embeddings; None when the index's model cannot load
    model_name: str = ""
    k: int = 5
    mode: Mode = "hybrid"
    notice: str | None = None
    query_cache_size: int = QUERY_CACHE_SIZE
    dense_cache_size: int = DENSE_CACHE_SIZE
    _lexical: LexicalIndex = PrivateAttr()
    _collection: Any = PrivateAttr(default=None)
    _vector_count: int = PrivateAttr(default=0)
    _query_cache: LRUCache[str, np.ndarray] = PrivateAttr()
    _dense_cache: LRUCache[tuple[bytes, int], list[tuple[str, float]]] = PrivateAttr()
    _fixed: FixedVectors = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        """Load the lexical index, open the vector space, count its vectors: once."""
        self._lexical = self.index.lexical()
        self._query_cache = LRUCache(self.query_cache_size)
        self._dense_cache = LRUCache(self.dense_cache_size)
        self._fixed = self.index.fixed_vectors(self.embeddings)
        if self.embeddings is not None:
            self._collection = self.index.collection()
            self._vector_count = int(self._collection.count())

    def cards(self) -> Mapping[str, Card]:
        """Indexed cards by id (loaded lazily)."""
        return self.index.cards()

    def passages(self) -> Mapping[str, Passage]:
        """Indexed passages by id (loaded lazily)."""
        return self.index.passages()

    def card_titles(self) -> list[tuple[str, str]]:
        """(id, title) of every card, without loading the cards."""
        return self.index.card_titles()

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        """LangChain entry point: the hits of `search` as Documents with passage metadata."""
        return [hit_document(h) for h in self.search(query, self.k, self.mode)]

    # -- query vectors ---------------------------------------------------------
    def embed_query(self, text: str) -> np.ndarray:
        """The query vector of `text` (float32, L2-normalised), from a bounded LRU cache.

        Raises ModelUnavailable when the index's model cannot be loaded here.
        """
        if self.embeddings is None:
            raise ModelUnavailable(self.notice or "No embedding model; run `coach ingest`.")
        cached = self._query_cache.get(text)
        if cached is None:
            cached = normalised(self.embeddings.embed_query(text))[0]
            cached.setflags(write=False)
            self._query_cache.put(text, cached)
        return cached

    def fixed_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors of fixed strings, one row per text in order (float32, unit rows).

        Kept in the index by (model, sha256 of the text): `coach ingest` computes
        the known ones, and a string seen for the first time is embedded once
        (all missing ones in one batch) and written through for later processes.
        """
        if self.embeddings is None:
            raise ModelUnavailable(self.notice or "No embedding model; run `coach ingest`.")
        return self._fixed.vectors(texts)

    def view_vectors(self, name: str, view: Embeddings, texts: Sequence[str]) -> np.ndarray:
        """Vectors of fixed strings from a second encoder, cached in the index under `name`
        like `fixed_vectors` (the message reader's training texts)."""
        return self.index.fixed_vectors(view, name).vectors(texts)

    def clear_caches(self) -> None:
        """Forget cached query vectors and dense results (for uncached measurements)."""
        self._query_cache.clear()
        self._dense_cache.clear()
        self._fixed.forget_memory()

    # -- search ------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int = 5,
        mode: Mode = "hybrid",
        *,
        vector: np.ndarray | Sequence[float] | None = None,
        windows: bool = False,
        window_vector: np.ndarray | Sequence[float] | None = None,
    ) -> list[Hit]:
        """The `k` best passages for `query`, best first.

        `vector`: the query's vector, when the caller already has it (e.g. from
        `fixed_vectors`); dense search then embeds nothing, and BM25 still uses
        the text of `query`. `windows=True` fills each hit's `windows` with its
        quote windows scored against the query vector, best first (or against
        `window_vector`, when the quote should follow another emphasis than the
        ranking).
        """
        if not query or not query.strip():
            raise InputError(EMPTY_QUERY)
        if mode not in MODES:
            raise InputError(f"Unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}.")
        if mode == "dense" and self.embeddings is None:
            raise ModelUnavailable(
                self.notice or "Dense search is unavailable; run `coach ingest`."
            )
        pool = max(4 * k, 40)
        qvec = None if vector is None else normalised(vector)[0]
        if qvec is None and self.embeddings is not None and (mode != "lexical" or windows):
            qvec = self.embed_query(query)
        wvec = qvec if window_vector is None else normalised(window_vector)[0]
        dense = self._dense(qvec, pool) if mode != "lexical" and qvec is not None else []
        lexical = self._lexical.search(query, pool) if mode != "dense" else []
        dense_rank = {pid: i for i, (pid, _) in enumerate(dense, start=1)}
        lexical_rank = {pid: i for i, (pid, _) in enumerate(lexical, start=1)}
        if mode == "hybrid":
            scores: dict[str, float] = {}
            for ranks in (dense_rank, lexical_rank):
                for pid, rank in ranks.items():
                    scores[pid] = scores.get(pid, 0.0) + 1.0 / (RRF_K + rank)
            big = len(self.index.passages()) + 1
            order = sorted(
                scores, key=lambda p: (-scores[p], dense_rank.get(p, big), lexical_rank.get(p, big))
            )
        else:
            scores = dict(dense if mode == "dense" else lexical)
            order = [pid for pid, _ in (dense if mode == "dense" else lexical)]
        passages = self.index.passages()
        hits: list[Hit] = []
        for pid in order:
            if len(hits) == k:
                break
            try:
                passage = passages[pid]
            except KeyError:  # removed by an ingest since this retriever opened the index
                continue
            hits.append(
                Hit(
                    passage,
                    scores[pid],
                    len(hits) + 1,
                    dense_rank.get(pid),
                    lexical_rank.get(pid),
                    self._windows(pid, wvec) if windows else (),
                )
            )
        return hits

    def _windows(
        self, passage_id: str, qvec: np.ndarray | None
    ) -> tuple[tuple[int, int, float], ...]:
        """The passage's quote windows scored against the query vector, best first."""
        stored = self.index.windows(passage_id) if qvec is not None else None
        if stored is None or qvec is None:
            return ()
        spans, vectors = stored
        if len(spans) and vectors.shape[1] != qvec.shape[0]:
            return ()
        return rank_windows(spans, vectors, qvec)

    def _dense(self, qvec: np.ndarray, pool: int) -> list[tuple[str, float]]:
        """Passage ids by best cosine similarity over passage and hint vectors (LRU-cached)."""
        if self._collection is None or not self._vector_count:
            return []
        key = (qvec.tobytes(), pool)
        cached = self._dense_cache.get(key)
        if cached is None:
            cached = self._dense_uncached(qvec, pool)
            self._dense_cache.put(key, cached)
        return cached

    def _dense_uncached(self, qvec: np.ndarray, pool: int) -> list[tuple[str, float]]:
        """One Chroma query (distances only); hint vectors are mapped to their passages."""
        result = self._collection.query(
            query_embeddings=[qvec],
            n_results=min(pool * 2, self._vector_count),
            include=["distances"],
        )
        ids, distances = result["ids"][0], result["distances"][0]
        live = self.index.passages()
        parents = self.index.hint_parents([i for i in ids if i not in live])
        best: dict[str, float] = {}
        for vid, distance in zip(ids, distances, strict=True):
            for pid in [vid] if vid in live else parents.get(vid, []):
                if pid in live and pid not in best:
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
    settings: Settings,
    embeddings: LoadedEmbeddings | Embeddings | None = None,
    *,
    index: CorpusIndex | None = None,
) -> HybridRetriever:
    """Open the index (unless given) and load the model it was built with (raises IndexMissing)."""
    index = index or open_index(settings)
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
        embeddings=loaded.embeddings,
        model_name=index.model_name,
        k=settings.top_k,
        notice=notice or loaded.notice,
    )
