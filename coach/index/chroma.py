"""The Chroma side of the index: one persistent client, collections as vector spaces.

Each vector space is a Chroma collection holding one vector per passage and
one per hint (LangChain's MultiVectorRetriever idea); its metadata names the
model. A new model or `--rebuild` fills a *new* collection beside the one in
use and the commit switches to it, so a killed ingest never leaves the index
with vectors of two models, or with none. Chroma's default embedding function
never runs (`embedding_function=None`: we always pass vectors) and its
telemetry is off.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

CHROMA_DIR = "chroma"
LEGACY_COLLECTION = "passages"  # the single collection of index format 1


def client(index_dir: Path) -> Any:
    """A persistent Chroma client without telemetry."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(
        path=str(index_dir / CHROMA_DIR), settings=ChromaSettings(anonymized_telemetry=False)
    )


def new_space_name() -> str:
    """A fresh collection name for a new vector space."""
    return f"passages-{secrets.token_hex(4)}"


def open_space(chroma: Any, name: str, model: str) -> Any:
    """The collection `name`, created (cosine HNSW, model in its metadata) when missing."""
    return chroma.get_or_create_collection(
        name,
        embedding_function=None,
        metadata={"model": model},
        configuration={"hnsw": {"space": "cosine"}},
    )


def space_model(chroma: Any, name: str) -> str | None:
    """The model a collection was filled with, or None when it does not exist."""
    try:
        collection = chroma.get_collection(name, embedding_function=None)
    except Exception:  # chromadb raises NotFoundError (or ValueError in older versions)
        return None
    return str((collection.metadata or {}).get("model", ""))


def space_names(chroma: Any) -> list[str]:
    """Names of every collection in this index."""
    return [c if isinstance(c, str) else c.name for c in chroma.list_collections()]


def all_ids(collection: Any) -> set[str]:
    """Every vector id in a collection, fetched in pages (large collections)."""
    ids: set[str] = set()
    page = 20000
    offset = 0
    while True:
        got = collection.get(include=[], limit=page, offset=offset)["ids"]
        ids.update(got)
        if len(got) < page:
            return ids
        offset += page


def max_batch(chroma: Any) -> int:
    """The largest add Chroma accepts at once."""
    try:
        return int(chroma.get_max_batch_size())
    except Exception:
        return 5000
