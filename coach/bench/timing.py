"""Timing helpers for `coach bench`: repeated runs, percentiles, one result row."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Row:
    """One line of the benchmark table (times in milliseconds)."""

    size: str
    measure: str
    n: int
    p50_ms: float | None = None
    p95_ms: float | None = None
    vs_floor: float | None = None  # p50 / floor p50 (for the floor itself: 1.0)
    vs_floor_p95: float | None = None  # p95 / floor p95
    note: str = ""
    value: float | None = None  # a rate or size where the row is not a time
    rss_mb: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarise(times_ms: Sequence[float]) -> tuple[float, float]:
    """(p50, p95) of some timings."""
    return statistics.median(times_ms), percentile(times_ms, 95)


def run_timed(
    work: Callable[[int], Any], runs: int, before: Callable[[int], Any] | None = None
) -> list[float]:
    """Milliseconds of `work(i)` for i in range(runs); `before(i)` runs untimed first."""
    times = []
    for i in range(runs):
        if before is not None:
            before(i)
        started = time.perf_counter()
        work(i)
        times.append((time.perf_counter() - started) * 1000)
    return times
