"""The benchmark table (plain text for people, JSON for programs)."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from typing import Any

from coach.bench.timing import Row


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "load_1min": None if load is None else round(load, 2),
    }


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:,.1f}"


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}×"


def format_table(rows: Sequence[Row], model: str, info: dict[str, Any]) -> str:
    """A Markdown table: one line per measure, ratios to the floor of the same size."""
    head = (
        f"coach bench — model {model}, {info['cpus']} CPU cores, Python {info['python']}, "
        f"load average {info.get('load_at_start')} at the start and {info['load_1min']} at the "
        "end (other processes share these cores). Ratios: p50 / floor p50 and "
        "p95 / floor p95 of the same size, measured in this run."
    )
    lines = [
        head,
        "",
        "| size | measure | n | p50 ms | p95 ms | p50 / floor | p95 / floor p95 | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r.size} | {r.measure} | {r.n} | {_ms(r.p50_ms)} | {_ms(r.p95_ms)} | "
            f"{_ratio(r.vs_floor)} | {_ratio(r.vs_floor_p95)} | {r.note} |"
        )
    return "\n".join(lines)
