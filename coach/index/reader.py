"""A read view of the committed index, opened once and loaded lazily.

Opening reads the `meta` values and the list of committed files (a few
hundred bytes per card): nothing else. Cards and passages come out of SQLite
one at a time when asked for, through bounded caches, so start-up time and
memory do not grow with the corpus; the lexical index is memory-mapped and
the HNSW index is Chroma's. The view is pinned to the generation it opened:
rows of a newer ingest are invisible to it until it is opened again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from coach.cache import LRUCache
from coach.errors import IndexMissing
from coach.index import chroma
from coach.index.db import DB_NAME, FileRow, IndexDB
from coach.index.fixed import FixedVectors
from coach.index.legacy import LEGACY_MANIFEST
from coach.index.records import card_from_dict, sources_from
from coach.lexical import LexicalIndex
from coach.models import Card, Passage, Source
from coach.settings import Settings

FORMAT = 2  # 1: store.json + manifest.json; 2: index.sqlite3 + saved lexical index
LEXICAL_DIR = "lexical"


class CardMap(Mapping[str, Card]):
    """The committed cards by id, in reading order, each loaded when first asked for."""

    def __init__(self, db: IndexDB, files: Sequence[FileRow], cache_size: int = 256) -> None:
        self._db = db
        self._keys = {f.card_id: f.card_key for f in files}
        self._cache: LRUCache[str, Card] = LRUCache(cache_size)

    def __getitem__(self, card_id: str) -> Card:
        key = self._keys[card_id]  # KeyError for an unknown id, as a dict would
        card = self._cache.get(key)
        if card is None:
            data = self._db.card_data(key)
            if data is None:
                raise KeyError(card_id)
            card = card_from_dict(data)
            self._cache.put(key, card)
        return card

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, card_id: object) -> bool:
        return card_id in self._keys


class PassageMap(Mapping[str, Passage]):
    """The committed passages by id, in reading order, each loaded when first asked for."""

    def __init__(
        self, db: IndexDB, ids: Sequence[str], card_keys: set[str], cache_size: int = 4096
    ) -> None:
        self._db = db
        self._ids = ids
        self._live = frozenset(ids)
        self._card_keys = card_keys
        self._cache: LRUCache[str, Passage] = LRUCache(cache_size)
        self._sources: LRUCache[str, tuple[Source, ...]] = LRUCache(1024)

    def __getitem__(self, passage_id: str) -> Passage:
        passage = self._cache.get(passage_id)
        if passage is not None:
            return passage
        if passage_id not in self._live:
            raise KeyError(passage_id)
        for row in self._db.passage_rows(passage_id):
            if row.card_key in self._card_keys:
                sources = self._sources.get(row.card_key)
                if sources is None:
                    sources = sources_from(json.loads(row.sources))
                    self._sources.put(row.card_key, sources)
                passage = Passage(
                    id=row.id,
                    card_id=row.card_id,
                    card_title=row.card_title,
                    section=row.section,
                    text=row.text,
                    start=row.start,
                    end=row.end,
                    language=row.language,
                    sources=sources,
                )
                self._cache.put(passage_id, passage)
                return passage
        raise KeyError(passage_id)  # removed by a newer ingest since this view was opened

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, passage_id: object) -> bool:
        return passage_id in self._live


class CorpusIndex:
    """The committed index: cards, passages, lexical index, vectors, windows, fixed vectors."""

    def __init__(self, index_dir: Path, db: IndexDB, meta: dict[str, Any]) -> None:
        self.index_dir = index_dir
        self.db = db
        self.meta = meta
        self.files = db.files()
        self._windows: LRUCache[str, tuple[np.ndarray, np.ndarray] | None] = LRUCache(1024)
        self._hints: LRUCache[str, list[str]] = LRUCache(8192)

    @property
    def model_name(self) -> str:
        """The embedding model the vectors were made with."""
        return str(self.meta.get("model", ""))

    @property
    def space(self) -> str:
        """The Chroma collection (vector space) of this generation."""
        return str(self.meta["collection"])

    @property
    def corpus_dirs(self) -> tuple[Path, ...]:
        """User folders registered with `coach ingest --corpus`."""
        return tuple(Path(p) for p in self.meta.get("corpus_dirs", []))

    @property
    def lexical_dir(self) -> Path:
        return self.index_dir / LEXICAL_DIR / str(self.meta["lexical"])

    @cached_property
    def _card_map(self) -> CardMap:
        return CardMap(self.db, self.files)

    @cached_property
    def _passage_map(self) -> PassageMap:
        return PassageMap(self.db, self.lexical().ids, {f.card_key for f in self.files})

    def cards(self) -> Mapping[str, Card]:
        """Indexed cards by id (a read-only mapping that loads each card when asked)."""
        return self._card_map

    def card_titles(self) -> list[tuple[str, str]]:
        """(id, title) of every card in reading order, without loading the cards."""
        return [(f.card_id, f.title) for f in self.files]

    def passages(self) -> Mapping[str, Passage]:
        """Indexed passages by id (a read-only mapping that loads each passage when asked)."""
        return self._passage_map

    def lexical(self) -> LexicalIndex:
        """The saved BM25 index of this generation, memory-mapped."""
        return self._lexical

    @cached_property
    def _lexical(self) -> LexicalIndex:
        try:
            return LexicalIndex.load(self.lexical_dir)
        except (OSError, ValueError) as exc:
            raise IndexMissing(
                f"The keyword index in {self.lexical_dir} cannot be read ({exc}) — run "
                "`coach ingest --rebuild`."
            ) from None

    def collection(self) -> Any:
        """The Chroma collection of this generation (queried with vectors we compute)."""
        return chroma.client(self.index_dir).get_collection(self.space, embedding_function=None)

    def vectorstore(self, embeddings: Embeddings) -> Any:
        """LangChain's Chroma over this generation's collection (for LangChain users, tests)."""
        from langchain_chroma import Chroma

        return Chroma(
            client=chroma.client(self.index_dir),
            collection_name=self.space,
            embedding_function=embeddings,
        )

    def hint_parents(self, ids: Sequence[str]) -> dict[str, list[str]]:
        """The passages each hint vector among `ids` points at (other ids are left out)."""
        found: dict[str, list[str]] = {}
        unknown = []
        for vid in ids:
            parents = self._hints.get(vid)
            if parents is None:
                unknown.append(vid)
            else:
                found[vid] = parents
        if unknown:
            fetched = self.db.hint_parents(unknown)
            for vid in unknown:
                parents = fetched.get(vid, [])
                self._hints.put(vid, parents)
                found[vid] = parents
        return {k: v for k, v in found.items() if v}

    def windows(self, passage_id: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(spans, unit vectors) of a passage's quote windows, loaded when first asked for."""
        if passage_id in self._windows:
            return self._windows.get(passage_id)
        stored = self.db.windows(self.space, passage_id)
        if stored is not None:
            spans, vectors = stored
            norms = np.linalg.norm(vectors, axis=1, keepdims=True) if len(spans) else None
            if norms is not None:
                vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
            stored = (spans, vectors)
        self._windows.put(passage_id, stored)
        return stored

    def close(self) -> None:
        """Close the index database (the view is unusable afterwards)."""
        self.db.close()

    def fixed_vectors(
        self, embeddings: Embeddings | None, model: str | None = None
    ) -> FixedVectors:
        """The persistent cache of fixed query vectors for this index's model (or for
        another encoder, kept under its own `model` name: the reader's second view)."""
        return FixedVectors(self.db, model or self.model_name, embeddings)


def open_index(settings: Settings) -> CorpusIndex:
    """The index under `settings.index_dir`, or IndexMissing saying what to run."""
    index_dir = settings.index_dir
    path = index_dir / DB_NAME
    legacy = (index_dir / LEGACY_MANIFEST).is_file()
    if not path.is_file():
        if legacy:
            raise IndexMissing(
                f"The index in {index_dir} has an old format — run `coach ingest` to update it "
                "(nothing already embedded is embedded again)."
            )
        raise IndexMissing(f"No index in {index_dir} — run `coach ingest` first.")
    db = IndexDB(path)
    meta = db.meta()
    if "collection" not in meta or "lexical" not in meta:
        db.close()
        if legacy:
            raise IndexMissing(
                f"The index in {index_dir} has an old format — run `coach ingest` to update it "
                "(nothing already embedded is embedded again)."
            )
        raise IndexMissing(
            f"No index in {index_dir} — run `coach ingest` first (an earlier ingest did not "
            "finish; it resumes where it stopped)."
        )
    if meta.get("format") != FORMAT:
        db.close()
        raise IndexMissing(
            f"The index in {index_dir} has format {meta.get('format')}, this version reads "
            f"format {FORMAT} — run `coach ingest --rebuild`."
        )
    return CorpusIndex(index_dir, db, meta)
