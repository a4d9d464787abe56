"""Quote windows: the stretches of a passage a citation may quote, found by meaning.

A window is one sentence, or two consecutive sentences of the same paragraph
(or list item), at most `MAX_CHARS` characters, with offsets into
`passage.text`: a slice of the passage, so a quote taken from it is verbatim
by construction. Sentences come from the same segmentation that
`coach.grounding` quotes with. A single sentence longer than the limit is
cut at a word boundary, as `grounding` cuts its quotes.

Windows are embedded at ingest on the passage side of the model (e5's
`passage:` prefix), because a window is a piece of document that a query
should find; `search(..., windows=True)` scores them against the query vector.
"""

from __future__ import annotations

import numpy as np

from coach.grounding import _segments

MAX_CHARS = 400


def quote_windows(text: str, max_chars: int = MAX_CHARS) -> list[tuple[int, int]]:
    """(start, end) offsets in `text` of every sentence and every same-paragraph pair."""
    spans = _segments(text)
    out: list[tuple[int, int]] = []
    for i, (start, end) in enumerate(spans):
        out.append((start, _cut(text, start, end, max_chars)))
        if i + 1 < len(spans):
            nxt_start, nxt_end = spans[i + 1]
            if nxt_end - start <= max_chars and "\n" not in text[end:nxt_start]:
                out.append((start, nxt_end))
    return out


def _cut(text: str, start: int, end: int, max_chars: int) -> int:
    """End offset of the longest prefix of text[start:end] within max_chars, at a word break."""
    if end - start <= max_chars:
        return end
    cut = text.rfind(" ", start, start + max_chars)
    stop = cut if cut > start else start + max_chars
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    return stop


def rank_windows(
    spans: np.ndarray, vectors: np.ndarray, query: np.ndarray
) -> tuple[tuple[int, int, float], ...]:
    """(start, end, cosine) of each window for a normalised query vector, best first."""
    if not len(spans):
        return ()
    scores = vectors @ query
    order = np.argsort(-scores, kind="stable")
    return tuple((int(spans[i][0]), int(spans[i][1]), float(scores[i])) for i in order)
