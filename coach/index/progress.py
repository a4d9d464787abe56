"""Ingest progress on stderr: a bar on a terminal, a line every few seconds elsewhere.

A long ingest that runs under a script, a service manager or CI (stdout and
stderr are pipes) used to print nothing until the end. Now each stage says
when it starts and ends, and in between prints a line every
`PROGRESS_SECONDS` (setting `progress_seconds`, `COACH_PROGRESS_SECONDS`;
0 prints a line after each batch); with `coach ingest --json` the same events are JSON
lines, so a program can follow them. Progress never goes to stdout, which
stays reserved for the summary (or the JSON report).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, TextIO

PROGRESS_SECONDS = 3.0
Style = Literal["off", "bar", "lines", "json"]
STAGE_WORDS = {
    "vectors": "passage and hint vectors",
    "windows": "sentence windows",
    "queries": "fixed queries",
    "view": "reader examples (second view)",
    "lexical": "passages for keyword search",
}


class Progress:
    """Reports the stages of one ingest in one of four styles."""

    def __init__(
        self,
        style: Style = "off",
        stream: TextIO | None = None,
        every: float = PROGRESS_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.style = style
        self.stream = stream or sys.stderr
        self.every = every
        self.clock = clock

    @classmethod
    def auto(
        cls,
        json_lines: bool = False,
        stream: TextIO | None = None,
        every: float = PROGRESS_SECONDS,
    ) -> Progress:
        """JSON lines when asked, a bar on a terminal, otherwise a line every `every` seconds."""
        stream = stream or sys.stderr
        if json_lines:
            return cls("json", stream, every)
        return cls("bar" if _isatty(stream) else "lines", stream, every)

    @contextmanager
    def stage(self, name: str, total: int) -> Iterator[Callable[[int], None]]:
        """A stage of `total` items; the body calls the yielded function with each count done."""
        if self.style == "off" or total <= 0:
            yield lambda n: None
            return
        if self.style == "bar":
            from tqdm import tqdm

            with tqdm(total=total, desc=name.capitalize(), unit="item", file=self.stream) as bar:
                yield bar.update
            return
        started = last = self.clock()
        done = 0
        self._emit("start", name, 0, total, 0.0)

        def advance(n: int) -> None:
            nonlocal done, last
            done += n
            now = self.clock()
            if now - last >= self.every and done < total:
                last = now
                self._emit("progress", name, done, total, now - started)

        yield advance
        self._emit("done", name, done, total, self.clock() - started)

    def _emit(self, event: str, stage: str, done: int, total: int, elapsed: float) -> None:
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else None
        if self.style == "json":
            record: dict[str, Any] = {
                "event": event,
                "stage": stage,
                "done": done,
                "total": total,
                "elapsed_s": round(elapsed, 2),
                "per_s": round(rate, 1),
                "eta_s": None if eta is None else round(eta, 1),
            }
            line = json.dumps(record)
        else:
            what = STAGE_WORDS.get(stage, stage)
            if event == "start":
                line = f"coach: ingest: {what}: {total} to do"
            elif event == "done":
                line = f"coach: ingest: {what}: {done}/{total} done in {elapsed:.1f} s"
            else:
                left = f", about {eta:.0f} s left" if eta is not None else ""
                line = (
                    f"coach: ingest: {what}: {done}/{total} ({100 * done / total:.0f}%), "
                    f"{rate:.0f}/s{left}"
                )
        print(line, file=self.stream, flush=True)


def as_progress(progress: bool | Progress) -> Progress:
    """`ingest(progress=...)`: True picks the style from the stream, False is silent."""
    if isinstance(progress, Progress):
        return progress
    return Progress.auto() if progress else Progress("off")


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
