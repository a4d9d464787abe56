"""Scale indexes for `coach bench --scale N`: generated cards with realistic synthetic vectors.

Embedding 100k passages (and their ~600k quote windows) with the real model
takes many hours on two cores, so a scale index is built by the real ingest
code from generated cards, with an `Embeddings` that does not encode:

- each generated passage is 2-5 real sentences of the built-in cards (so BM25
  sees real Dutch term statistics) plus a marker that makes it unique;
- a sentence window gets the real vector of the same window text in the
  shipped index, and a passage the normalised mean of its sentences' real
  vectors; both are then perturbed with seeded noise (cosine ~0.95 to the
  original), so the vectors cluster the way real ones do and HNSW does
  realistic work;
- queries (the fixed strings, and everything the coach asks at run time) are
  embedded by the real model.

The index records the real model's name, so `coach ask`, `chat` and `serve`
load the real model and search it as they would a real corpus of that size.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from coach.embeddings import LoadedEmbeddings
from coach.grounding import _segments
from coach.index import open_index
from coach.settings import Settings

GENERATOR_VERSION = 1
PASSAGES_PER_CARD = 8
NOISE = 0.33  # per-vector noise norm: cosine to the real vector about 0.95
STAMP = "bench-scale.json"


class SyntheticEmbeddings(Embeddings):
    """Document vectors made from real window vectors plus noise; queries by the real model."""

    def __init__(self, real: Embeddings, windows: dict[str, np.ndarray], dim: int) -> None:
        self.real = real
        self.windows = windows
        self.pool = np.stack(list(windows.values())) if windows else np.zeros((1, dim))
        self.dim = dim

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Synthetic vectors: real sentence vectors, averaged and perturbed (deterministic)."""
        return [self._vector(t).tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """The real model's query vector."""
        return self.real.embed_query(text)

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        batch = getattr(self.real, "embed_queries", None)
        return batch(texts) if callable(batch) else [self.real.embed_query(t) for t in texts]

    def _vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        rng = np.random.default_rng(seed)
        found = [self.windows[text[s:e]] for s, e in _segments(text) if text[s:e] in self.windows]
        if text in self.windows:
            base = self.windows[text]
        elif found:
            base = np.mean(found, axis=0)
        else:
            base = self.pool[seed % len(self.pool)]
        base = base / (np.linalg.norm(base) or 1.0)
        noise = rng.standard_normal(self.dim)
        vector = base + NOISE * noise / np.linalg.norm(noise)
        return vector / np.linalg.norm(vector)


def real_windows(settings: Settings) -> tuple[dict[str, np.ndarray], list[str]]:
    """Window text -> real vector, and the real sentences, from the shipped index."""
    index = open_index(settings)
    vectors: dict[str, np.ndarray] = {}
    sentences: list[str] = []
    for passage in index.passages().values():
        stored = index.windows(passage.id)
        if stored is None:
            continue
        for (start, end), vector in zip(stored[0], stored[1], strict=True):
            vectors[passage.text[start:end]] = vector
        text = passage.text
        sentences += [text[s:e] for s, e in _segments(text) if "\n" not in text[s:e]]
    index.close()
    return vectors, [s for s in sentences if 20 <= len(s) <= 300]


def write_cards(folder: Path, passages: int, sentences: Sequence[str], seed: int = 7) -> int:
    """Generated .txt cards (title, then one heading and paragraph per passage); returns cards."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    cards = (passages + PASSAGES_PER_CARD - 1) // PASSAGES_PER_CARD
    left = passages
    for number in range(cards):
        lines = [f"Synthetische kaart {number}", ""]
        for part in range(min(PASSAGES_PER_CARD, left)):
            body = " ".join(rng.sample(list(sentences), rng.randint(2, 5)))
            lines += [f"Thema {number} deel {part}", "", f"{body} (kaart {number}-{part}.)", ""]
        left -= min(PASSAGES_PER_CARD, left)
        (folder / f"kaart-{number:06d}.txt").write_text("\n".join(lines), encoding="utf-8")
    return cards


def build_scale_home(
    shipped: Settings, home: Path, passages: int, loaded: LoadedEmbeddings
) -> dict[str, Any]:
    """A COACH_HOME with the shipped index plus `passages` generated ones (reused if built)."""
    stamp = home / STAMP
    if stamp.is_file():
        info = json.loads(stamp.read_text(encoding="utf-8"))
        if info.get("version") == GENERATOR_VERSION and info.get("passages") == passages:
            return {**info, "reused": True}
    from coach.index import ingest

    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copytree(shipped.index_dir, home / "index")
    windows, sentences = real_windows(shipped)
    dim = len(next(iter(windows.values()))) if windows else 384
    cards = write_cards(home / "corpus", passages, sentences)
    fake = SyntheticEmbeddings(loaded.embeddings, windows, dim)
    settings = shipped.with_changes(home=home)
    synthetic = LoadedEmbeddings(fake, loaded.model_name)
    report = ingest(settings, synthetic, extra_dirs=[home / "corpus"])
    info = {
        "version": GENERATOR_VERSION,
        "passages": passages,
        "cards": cards,
        "ingest_seconds": round(report.seconds, 1),
        "vectors": report.embedded,
        "windows": report.embedded_windows,
        "problems": len(report.problems),
    }
    stamp.write_text(json.dumps(info), encoding="utf-8")
    return {**info, "reused": False}
