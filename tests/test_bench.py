"""`coach bench --quick` runs end to end and prints every row (timings are never asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.cli import main

pytestmark = pytest.mark.slow  # it starts `coach ask`, `chat` and `serve` processes

MEASURES = (
    "floor: embed 1 query + 1 HNSW query",
    "hybrid search (uncached)",
    "reply: answer → insight (uncached)",
    "reply: question (qa) (uncached)",
    "reply: balance → actions (uncached)",
    "reply: command (uncached)",
    "cold start: coach ask → first reply",
    "cold start: coach chat → first reply",
    "cold start: coach serve → first reply",
)


def test_quick_bench_prints_every_row_for_each_size(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("COACH_EMBEDDING_MODEL", "fake")
    assert main(["bench", "--quick", "--scale", "200", "--home", str(tmp_path / "bench")]) == 0
    out = capsys.readouterr().out
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| ")]
    names = {(cells[0].lstrip("| "), cells[1]) for cells in rows}
    for size in ("shipped", "200"):
        for measure in MEASURES:
            assert (size, measure) in names, (size, measure, out)
    assert ("shipped", "ingest throughput (embeddings/s)") in names
    assert ("200", "build: generated cards, synthetic vectors") in names
    assert "ratio" in out and "perturbed real ones, not encoded" in out
