"""What one partner lets the facilitator see of one round: the only place that decides it.

By the partner's own choice:

- (a) `scores`: the three ratings only;
- (b) `signals`: also the situation signals, the chosen actions, what became of
  last round's actions and the passages the coach cited;
- (c) `answers`: also the answers, stripped of the organisation and role names
  (their own and everyone else's in the round), never with a name, an
  organisation, a role or a session code attached.

Everything after this (`coach.rounds.report`) only counts and compares what
came through. Private remarks (mainly a feeling) never come through, and
answers of fewer than MIN_ANSWER_WORDS words ("nee" to a follow-up) are left
out: without their question they say nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coach.models import Citation
from coach.rounds.store import SHARE_LEVELS

DIMENSIONS = ("commitment", "progress", "result")
MIN_SCRUB_CHARS = 3  # shorter organisation or role words are not scrubbed from answers
MIN_ANSWER_WORDS = 3  # "nee" to a follow-up says little without its question: not listed


@dataclass(frozen=True)
class Contribution:
    """What one partner lets the facilitator see in one round (already filtered)."""

    share: str
    ratings: Mapping[str, int | None]
    organisation: str | None = None  # only a name from the facilitator's own list
    took_part: bool = False
    signals: tuple[str, ...] = ()
    chosen: tuple[tuple[str, str], ...] = ()  # (action id, title)
    reviews: tuple[tuple[str, str, str | None], ...] = ()  # (action id, title, status)
    cited: tuple[Citation, ...] = ()
    answers: tuple[tuple[int, str], ...] = ()  # (central question index, anonymised text)
    review_words: tuple[tuple[str, str], ...] = ()  # (action title, anonymised text)


def level(share: str) -> int:
    """0 for scores, 1 for signals, 2 for answers."""
    return SHARE_LEVELS.index(share) if share in SHARE_LEVELS else 0


def scrub(text: str, replacements: Mapping[str, str]) -> str:
    """`text` with every listed name (organisation, role) replaced, as whole words,
    longest names first ("Gemeente Noorddam" before "Gemeente")."""
    out = text
    names = [n for n in replacements if len(n.strip()) >= MIN_SCRUB_CHARS]
    for name in sorted(names, key=lambda n: (-len(n), n)):
        pattern = rf"(?<!\w){re.escape(name.strip())}(?!\w)"
        out = re.sub(pattern, replacements[name], out, flags=re.IGNORECASE)
    return out


def _ratings(state: Mapping[str, Any]) -> dict[str, int | None]:
    raw = state.get("ratings") or {}
    out: dict[str, int | None] = {}
    for name in DIMENSIONS:
        value = raw.get(name) if isinstance(raw, Mapping) else None
        out[name] = int(value) if isinstance(value, int) and 1 <= value <= 5 else None
    return out


def contribution(
    state: Mapping[str, Any] | None,
    share: str,
    organisation: str,
    listed: Sequence[str],
    anonymise: Mapping[str, str],
    title_of: Callable[[str, str], str],
) -> Contribution:
    """What one partner's session contributes to a report, by their sharing choice.

    `listed`: the facilitator's organisations (the organisation is kept only when it is
    one of them); `anonymise`: organisation and role names to strip from answers, each
    with its placeholder; `title_of(action id, stored title)`: an action's title in the
    report's language.
    """
    state = state or {}
    ratings = _ratings(state)
    answers_raw = [
        a
        for a in state.get("answers", ())
        if isinstance(a, Mapping) and not a.get("private") and str(a.get("text", "")).strip()
    ]
    shown = [a for a in answers_raw if len(str(a["text"]).split()) >= MIN_ANSWER_WORDS]
    took_part = any(v is not None for v in ratings.values()) or bool(answers_raw)
    org = organisation if organisation in listed else None
    n = level(share)
    if n < 1:
        return Contribution(share, ratings, org, took_part)
    offered = {
        str(a.get("id")): str(a.get("title", ""))
        for a in state.get("offered", ())
        if isinstance(a, Mapping)
    }
    chosen = tuple((aid, title_of(aid, offered.get(aid, aid))) for aid in state.get("chosen", ()))
    reviews = tuple(
        (str(r["action"]), title_of(str(r["action"]), str(r.get("title", ""))), r.get("status"))
        for r in state.get("reviews", ())
        if isinstance(r, Mapping) and "action" in r
    )
    cited = tuple(
        Citation(**c) for c in state.get("cited", ()) if isinstance(c, Mapping) and "quote" in c
    )
    signals = tuple(str(s) for s in state.get("signals", ()))
    base = Contribution(share, ratings, org, took_part, signals, chosen, reviews, cited)
    if n < 2:
        return base
    answers = tuple(
        (int(a.get("question", 0)), scrub(str(a["text"]).strip(), anonymise)) for a in shown
    )
    review_words = tuple(
        (title_of(str(r["action"]), str(r.get("title", ""))), scrub(text, anonymise))
        for r in state.get("reviews", ())
        if isinstance(r, Mapping)
        and len((text := str(r.get("text", "")).strip()).split()) >= MIN_ANSWER_WORDS
    )
    return Contribution(
        share, ratings, org, took_part, signals, chosen, reviews, cited, answers, review_words
    )
