"""The reader's classifier: ridge regression in closed form, trained when the coach starts.

Linear models over [query vector, form features] for the intent and over
[query vector, signal cues] for the signals. Ridge has a closed-form
solution, so training on a few thousand examples is one small linear solve
(milliseconds) and needs no library beyond numpy and no stored model file:
the coach trains it from prompts/ whenever it starts, and a change to the
examples takes effect at once. Intents are weighted by 1/sqrt(class size), so
rare intents are heard without drowning the common "answer"; each signal
balances its positives and negatives.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach.understanding.labels import INTENTS, SIGNALS


@dataclass(frozen=True)
class Sample:
    """One training message: its features, its intent and its signals (None: unknown)."""

    intent_features: np.ndarray
    signal_features: np.ndarray
    intent: str
    signals: tuple[str, ...] | None


@dataclass(frozen=True)
class LinearModel:
    """Weights (with a bias row) for the intents and for the signals."""

    intent_weights: np.ndarray  # (features + 1, intents)
    signal_weights: np.ndarray  # (features + 1, signals)

    def intent_scores(self, features: np.ndarray) -> np.ndarray:
        return np.append(features, 1.0) @ self.intent_weights

    def signal_scores(self, features: np.ndarray) -> np.ndarray:
        return np.append(features, 1.0) @ self.signal_weights


def _ridge(x: np.ndarray, y: np.ndarray, lam: float, weights: np.ndarray) -> np.ndarray:
    """Weighted ridge regression with an unpenalised bias: argmin |W^½(XB - Y)|² + lam|B|²."""
    xb = np.hstack([x, np.ones((len(x), 1), dtype=x.dtype)])
    xw = xb * weights[:, None]
    gram = xb.T @ xw + lam * np.eye(xb.shape[1])
    gram[-1, -1] -= lam
    return np.linalg.solve(gram, xw.T @ y)


def train(samples: Sequence[Sample], lam: float, class_power: float) -> LinearModel:
    """Fit both classifiers on the samples (targets +1/-1)."""
    xi = np.stack([s.intent_features for s in samples]).astype(np.float64)
    labels = np.array([INTENTS.index(s.intent) for s in samples])
    yi = np.eye(len(INTENTS))[labels] * 2 - 1
    counts = np.bincount(labels, minlength=len(INTENTS)).astype(np.float64)
    wi = (1.0 / np.maximum(counts[labels], 1.0)) ** class_power
    intent_weights = _ridge(xi, yi, lam, wi / wi.mean())

    known = [s for s in samples if s.signals is not None]
    xs = np.stack([s.signal_features for s in known]).astype(np.float64)
    signal_weights = np.zeros((xs.shape[1] + 1, len(SIGNALS)))
    for j, signal in enumerate(SIGNALS):
        positive = np.array([signal in (s.signals or ()) for s in known])
        share = positive.mean() if positive.any() else 0.5
        weights = np.where(positive, 0.5 / share, 0.5 / max(1.0 - share, 1e-9))
        signal_weights[:, j] = _ridge(xs, np.where(positive, 1.0, -1.0)[:, None], lam, weights)[
            :, 0
        ]
    return LinearModel(intent_weights.astype(np.float32), signal_weights.astype(np.float32))


# Bump when the features change, so stored models are retrained.
FEATURES_VERSION = "1"


def model_key(model_name: str, files: Sequence[Path]) -> str:
    """What a trained model depends on: the embedding model, the training and command files,
    and the feature code's version."""
    digest = hashlib.sha256(f"{FEATURES_VERSION}\x1f{model_name}".encode())
    for path in files:
        digest.update(b"\x1f")
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def load_model(path: Path) -> LinearModel | None:
    """A model stored by `save_model`, or None when missing or unreadable."""
    try:
        with np.load(path) as data:
            return LinearModel(data["intent"], data["signal"])
    except (OSError, KeyError, ValueError):
        return None


def save_model(path: Path, model: LinearModel) -> None:
    """Store a trained model atomically (a temp file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, intent=model.intent_weights, signal=model.signal_weights)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
