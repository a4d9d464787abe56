"""Running the labelled understanding sets against a coach, and gating on the result.

`coach.evaluation.understanding` scores one labelled file with a reader; this
module decides which files (the shipped dev and held-out test set, or the
user's), reads them with the coach's own reader and query vectors, names
each set (`understanding_dev.yaml` → `dev`), and turns the results into the
flat `understanding.<set>.<metric>` numbers the conversation report gates on.

The held-out test set must not be looked at while tuning, so its misread
items are dropped from every result unless a caller asks for them
explicitly (`keep_test_errors`); its metrics are always reported.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from coach.errors import InputError
from coach.evaluation.metrics import Gate, GateResult, evaluate_gates
from coach.evaluation.understanding import evaluate_set
from coach.settings import EVAL_DIR

DEV_SET = EVAL_DIR / "understanding_dev.yaml"
TEST_SET = EVAL_DIR / "understanding_test.yaml"
# Headline numbers of one set: what `--fail-under` accepts, in print order.
SET_METRICS = (
    "intent_accuracy",
    "intent_macro_f1",
    "signal_macro_f1",
    "signal_exact_match",
    "no_signal_specificity",
)
LANG_METRICS = tuple(
    f"{lang}.{m}" for lang in ("nl", "en") for m in ("intent_accuracy", "signal_macro_f1")
)
GATE_METRICS = SET_METRICS + LANG_METRICS
# The numbers the conversation report (`coach eval run`) carries per set.
REPORT_METRICS = ("intent_accuracy", "intent_macro_f1", "signal_macro_f1")

_PREFIX = re.compile(r"^understanding[_-]")


def set_name(path: Path) -> str:
    """A set's short name: the file stem without its `understanding_` prefix."""
    return _PREFIX.sub("", Path(path).stem) or Path(path).stem


def is_held_out(name: str) -> bool:
    """A set named `test` (or ending in `_test`/`-test`) is held out: never tuned on."""
    return name == "test" or name.endswith(("_test", "-test"))


@dataclass(frozen=True)
class SetChoice:
    """The labelled files to read, by name, and notes on default files that are absent."""

    sets: dict[str, Path]
    notes: tuple[str, ...] = ()

    @property
    def gate_set(self) -> str | None:
        """Where gates apply: the held-out set when there is one, else the last set."""
        held = [n for n in self.sets if is_held_out(n)]
        if held:
            return held[-1]
        return next(reversed(self.sets), None) if self.sets else None


def choose_sets(paths: Sequence[Path | str] = ()) -> SetChoice:
    """The given files (each must exist), or the shipped dev and test sets.

    A missing shipped test set is skipped with a note (it is added later); a
    missing file the user named is an error naming it.
    """
    if not paths:
        sets: dict[str, Path] = {}
        notes = []
        for path in (DEV_SET, TEST_SET):
            if path.is_file():
                sets[set_name(path)] = path
            else:
                notes.append(f"{path} is not there (yet); skipped.")
        return SetChoice(sets, tuple(notes))
    sets = {}
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise InputError(
                f"{path}: no such labelled set; give a YAML file in the format of "
                "eval/understanding_labels.md (e.g. --set eval/understanding_dev.yaml)."
            )
        name, n = set_name(path), 2
        while name in sets:  # two files with the same stem: keep both
            name, n = f"{set_name(path)}-{n}", n + 1
        sets[name] = path
    return SetChoice(sets)


def coach_embed(coach: Any) -> Any:
    """The coach's own query vector per text (`coach.embed`), as `predict` wants it.

    A text the coach cannot embed (no model) gets None, and the reader then reads
    it on cues alone, exactly as the coach would in a conversation.
    """

    def embed(texts: Sequence[str]) -> list[np.ndarray | None]:
        return [coach.embed(text) for text in texts]

    return embed


def evaluate_coach(
    coach: Any, choice: SetChoice, *, keep_test_errors: bool = False
) -> dict[str, dict[str, Any]]:
    """`evaluate_set` on every chosen file with the coach's reader and vectors, by set name."""
    reader = getattr(coach, "reader", None)
    if reader is None:
        raise InputError("This coach has no message reader (coach.reader); nothing to evaluate.")
    embed = coach_embed(coach)
    results = {}
    for name, path in choice.sets.items():
        result = evaluate_set(reader, path, embed)
        result["name"] = name
        result["held_out"] = is_held_out(name)
        result["misread"] = len(result.get("errors", []))
        if result["held_out"] and not keep_test_errors:
            result.pop("errors", None)
        results[name] = result
    return results


def understanding_metrics(coach: Any) -> dict[str, Any]:
    """The shipped sets' results for a conversation report, or {'skipped': why}.

    No misread texts: the report is shared and the test set must stay unseen.
    A coach without a reader (a test fake) or a broken set skips the section
    instead of failing the run: the conversation results are still worth having.
    """
    if getattr(coach, "reader", None) is None or not callable(getattr(coach, "embed", None)):
        return {"skipped": "this coach has no message reader (coach.reader, coach.embed)"}
    choice = choose_sets()
    if not choice.sets:
        return {
            "skipped": "no labelled understanding sets under eval/",
            "notes": list(choice.notes),
        }
    try:
        results = evaluate_coach(coach, choice)
    except Exception as exc:  # report, don't crash (as retrieval_metrics does)
        return {"skipped": f"understanding evaluation failed ({type(exc).__name__}: {exc})"}
    for result in results.values():
        result.pop("errors", None)
    return {"sets": results, "notes": list(choice.notes)}


def flatten_understanding(raw: Mapping[str, Any] | None) -> dict[str, float | None]:
    """`understanding.<set>.<metric>` for the report's metrics table (and its gates)."""
    if not raw or raw.get("skipped"):
        return {}
    flat: dict[str, float | None] = {}
    for name, result in (raw.get("sets") or {}).items():
        for metric in REPORT_METRICS:
            value = result.get(metric)
            ok = isinstance(value, int | float) and math.isfinite(value)
            flat[f"understanding.{name}.{metric}"] = float(value) if ok else None
    return flat


def set_metrics(result: Mapping[str, Any]) -> dict[str, float | None]:
    """One set's gateable numbers: the headline metrics and the per-language ones."""
    flat: dict[str, float | None] = {m: result.get(m) for m in SET_METRICS}
    for lang in ("nl", "en"):
        part = result.get(lang) or {}
        for metric in ("intent_accuracy", "signal_macro_f1"):
            flat[f"{lang}.{metric}"] = part.get(metric)
    return flat


def parse_understanding_gate(spec: str, sets: Sequence[str] = ()) -> Gate:
    """`[SET.]METRIC=VALUE` for `coach eval understanding --fail-under` (always a floor)."""
    name, sep, raw = spec.partition("=")
    name = name.strip()
    example = "--fail-under intent_accuracy=0.9"
    if not sep or not name:
        raise InputError(f"--fail-under {spec!r}: write it as metric=value, e.g. {example}")
    try:
        value = float(raw)
    except ValueError:
        raise InputError(
            f"--fail-under {spec!r}: {raw!r} is not a number; write it as metric=value, "
            f"e.g. {example}"
        ) from None
    head, _, rest = name.partition(".")
    metric = rest if head in sets and rest else name
    if metric not in GATE_METRICS:
        raise InputError(
            f"--fail-under {spec!r}: unknown metric {metric!r}; known: {', '.join(GATE_METRICS)} "
            "(optionally after a set name, e.g. dev.intent_accuracy)"
        )
    return Gate(name, value, "min", spec)


def check_gates(
    results: Mapping[str, Mapping[str, Any]], gates: Sequence[Gate], gate_set: str | None
) -> list[GateResult]:
    """Each gate on its named set (`dev.intent_accuracy`) or else on `gate_set`."""
    flat: dict[str, float | None] = {}
    for name, result in results.items():
        flat.update({f"{name}.{m}": v for m, v in set_metrics(result).items()})
    if gate_set is not None and gate_set in results:
        flat.update(set_metrics(results[gate_set]))
    return evaluate_gates(flat, gates)
