"""Evaluating the understanding step on labelled utterances (eval/understanding_*.yaml).

Each item is a message with its gold intent and signals (the contract in
eval/understanding_labels.md). The reader reads it with the same query vector
the coach would compute, and we report intent accuracy and macro-F1, and per
signal precision, recall and F1 with their macro average. An item's `phase`
is passed to the reader as it would be in a conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.errors import InputError
from coach.understanding.labels import INTENTS, SIGNALS
from coach.understanding.reader import MessageReader
from coach.yamlfile import line_of, read_yaml

Embed = Callable[[Sequence[str]], np.ndarray]


class LabelledItem(BaseModel):
    """One labelled message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1)
    lang: Literal["nl", "en"] = "nl"
    phase: Literal["intake", "question", "followup", "balance", "actions"] = "question"
    intent: Literal[
        "answer", "correction", "question", "emotion", "request", "command", "offtopic", "hostile"
    ]
    signals: tuple[str, ...] = ()


def load_labelled(path: Path) -> list[LabelledItem]:
    """Read a labelled set; errors name the file and line."""
    try:
        data, node = read_yaml(path)
    except Exception as exc:  # ConfigError from the shared reader: same message, input error
        raise InputError(str(exc)) from None
    if not isinstance(data, list):
        raise InputError(f"{path}:1: expected a list of items (see eval/understanding_labels.md).")
    items = []
    for i, raw in enumerate(data):
        try:
            item = LabelledItem.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            loc = (i, *error["loc"])
            raise InputError(
                f"{path}:{line_of(node, loc)}: item {i + 1}: {error['msg']} "
                f"({'.'.join(str(p) for p in error['loc'])}); see eval/understanding_labels.md."
            ) from None
        unknown = [s for s in item.signals if s not in SIGNALS]
        if unknown:
            raise InputError(
                f"{path}:{line_of(node, (i, 'signals'))}: item {i + 1}: unknown signal "
                f"`{unknown[0]}`; known: {', '.join(SIGNALS)}."
            )
        items.append(item)
    return items


@dataclass(frozen=True)
class Prediction:
    item: LabelledItem
    intent: str
    signals: tuple[str, ...]


def _f1(tp: int, fp: int, fn: int) -> tuple[float | None, float | None, float | None]:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    if precision is None or recall is None:
        f1 = None if tp + fp + fn == 0 else 0.0
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _macro(values: Sequence[float | None]) -> float | None:
    real = [v for v in values if v is not None]
    return sum(real) / len(real) if real else None


def predict(reader: MessageReader, items: Sequence[LabelledItem], embed: Embed) -> list[Prediction]:
    """Read every item with the vector the coach would use for it."""
    vectors = embed([i.text for i in items]) if reader.uses_vectors else None
    out = []
    for n, item in enumerate(items):
        u = reader.read(item.text, None if vectors is None else vectors[n], item.phase)
        out.append(Prediction(item, u.intent, u.signal_ids))
    return out


def metrics(predictions: Sequence[Prediction]) -> dict[str, Any]:
    """Intent accuracy and macro-F1, per-signal precision/recall/F1 and macro-F1."""
    n = len(predictions)
    per_intent = {}
    for label in INTENTS:
        tp = sum(1 for p in predictions if p.intent == label and p.item.intent == label)
        fp = sum(1 for p in predictions if p.intent == label and p.item.intent != label)
        fn = sum(1 for p in predictions if p.intent != label and p.item.intent == label)
        precision, recall, f1 = _f1(tp, fp, fn)
        support = sum(1 for p in predictions if p.item.intent == label)
        per_intent[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    per_signal = {}
    for label in SIGNALS:
        tp = sum(1 for p in predictions if label in p.signals and label in p.item.signals)
        fp = sum(1 for p in predictions if label in p.signals and label not in p.item.signals)
        fn = sum(1 for p in predictions if label not in p.signals and label in p.item.signals)
        precision, recall, f1 = _f1(tp, fp, fn)
        support = sum(1 for p in predictions if label in p.item.signals)
        per_signal[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    exact = sum(1 for p in predictions if set(p.signals) == set(p.item.signals))
    none_gold = [p for p in predictions if not p.item.signals]
    return {
        "items": n,
        "intent_accuracy": sum(1 for p in predictions if p.intent == p.item.intent) / n
        if n
        else None,
        "intent_macro_f1": _macro([v["f1"] for v in per_intent.values()]),
        "signal_macro_f1": _macro([v["f1"] for v in per_signal.values()]),
        "signal_exact_match": exact / n if n else None,
        "no_signal_specificity": (
            sum(1 for p in none_gold if not p.signals) / len(none_gold) if none_gold else None
        ),
        "intents": per_intent,
        "signals": per_signal,
    }


def evaluate_set(reader: MessageReader, path: Path, embed: Embed) -> dict[str, Any]:
    """Metrics on one labelled file, overall and per language, plus the misreadings."""
    items = load_labelled(path)
    predictions = predict(reader, items, embed)
    result: dict[str, Any] = {"set": str(path), **metrics(predictions)}
    for lang in ("nl", "en"):
        part = [p for p in predictions if p.item.lang == lang]
        if part:
            m = metrics(part)
            result[lang] = {k: m[k] for k in ("items", "intent_accuracy", "signal_macro_f1")}
    result["errors"] = [
        {
            "text": p.item.text,
            "gold_intent": p.item.intent,
            "intent": p.intent,
            "gold_signals": list(p.item.signals),
            "signals": list(p.signals),
        }
        for p in predictions
        if p.intent != p.item.intent or set(p.signals) != set(p.item.signals)
    ]
    return result
