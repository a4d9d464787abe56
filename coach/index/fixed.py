"""Query vectors of fixed strings, computed once and kept in the index.

The coach searches with some texts that never change between conversations:
the `query:` of every action and balance pattern in prompts/actions.yaml, and
the cards' central and follow-up questions. Embedding them on every turn made
the actions turn cost seven sequential embeddings. They are keyed by
(model name, sha256 of the text) in `index.sqlite3`, pre-computed by
`coach ingest`, and any string first seen at run time is embedded once (in
one batch with the others missing) and written through, so the next process
finds it too.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from coach.embeddings import query_matrix
from coach.index.db import IndexDB


def text_digest(text: str) -> str:
    """The cache key of a text: sha256 of its UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class FixedVectors:
    """A write-through cache of query vectors for one model, in memory and in the index."""

    def __init__(self, db: IndexDB, model: str, embeddings: Embeddings | None) -> None:
        self._db = db
        self.model = model
        self._embeddings = embeddings
        self._memory: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self.embedded = 0  # texts this object had to embed (not found in the index)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, in order (float32, unit length); embeds only the missing ones."""
        digests = [text_digest(t) for t in texts]
        with self._lock:
            wanted = [d for d in dict.fromkeys(digests) if d not in self._memory]
            if wanted:
                self._memory.update(self._db.fixed_vectors(self.model, wanted))
            missing = {d: t for d, t in zip(digests, texts, strict=True) if d not in self._memory}
            if missing:
                if self._embeddings is None:
                    raise ValueError("no embedding model to compute fixed query vectors with")
                rows = query_matrix(self._embeddings, list(missing.values()))
                fresh = dict(zip(missing, rows, strict=True))
                self._memory.update(fresh)
                self.embedded += len(fresh)
                with contextlib.suppress(sqlite3.Error):  # read-only index: answer, forget
                    self._db.put_fixed_vectors(self.model, fresh)
            if not digests:
                return np.zeros((0, 0), dtype=np.float32)
            return np.stack([self._memory[d] for d in digests])

    def forget_memory(self) -> None:
        """Drop the in-memory layer; the next lookup reads the index again (benchmarks)."""
        with self._lock:
            self._memory.clear()
