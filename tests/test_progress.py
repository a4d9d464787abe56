"""Ingest progress: lines every few seconds off a terminal, JSON lines on request."""

from __future__ import annotations

import io
import json

from coach.index.progress import Progress


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_line_every_few_seconds_with_rate_and_time_left() -> None:
    out, clock = io.StringIO(), Clock()
    progress = Progress("lines", out, every=3.0, clock=clock)
    with progress.stage("windows", 100) as advance:
        for _ in range(10):
            clock.now += 1.0
            advance(10)
    lines = out.getvalue().splitlines()
    assert lines[0] == "coach: ingest: sentence windows: 100 to do"
    assert lines[1] == "coach: ingest: sentence windows: 30/100 (30%), 10/s, about 7 s left"
    assert len(lines) == 2 + 3  # start, at 3 s, 6 s and 9 s, done
    assert lines[-1] == "coach: ingest: sentence windows: 100/100 done in 10.0 s"


def test_json_lines_carry_the_same_events() -> None:
    out, clock = io.StringIO(), Clock()
    with Progress("json", out, every=1.0, clock=clock).stage("vectors", 4) as advance:
        clock.now = 2.0
        advance(2)
        clock.now = 4.0
        advance(2)
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["event"] for e in events] == ["start", "progress", "done"]
    assert events[1] == {
        "event": "progress",
        "stage": "vectors",
        "done": 2,
        "total": 4,
        "elapsed_s": 2.0,
        "per_s": 1.0,
        "eta_s": 2.0,
    }


def test_silent_when_off_or_nothing_to_do() -> None:
    out = io.StringIO()
    with Progress("off", out).stage("vectors", 10) as advance:
        advance(10)
    with Progress("lines", out).stage("vectors", 0) as advance:
        pass
    assert out.getvalue() == ""


def test_auto_picks_lines_for_a_pipe_and_json_when_asked() -> None:
    assert Progress.auto(stream=io.StringIO()).style == "lines"
    assert Progress.auto(json_lines=True, stream=io.StringIO()).style == "json"


def test_zero_seconds_reports_after_every_batch_even_on_a_frozen_clock() -> None:
    out = io.StringIO()
    progress = Progress.auto(stream=out, every=0.0)
    progress.clock = Clock()  # no time passes between batches
    with progress.stage("vectors", 96) as advance:
        for _ in range(3):
            advance(32)
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("coach: ingest: passage and hint vectors: 32/96 (33%)")
    assert lines[2].startswith("coach: ingest: passage and hint vectors: 64/96 (67%)")
    assert len(lines) == 4  # start, after batches one and two, done
