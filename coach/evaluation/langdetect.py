"""Offline language detection for the language-consistency metric.

We reuse the dialogue machine's detector (`coach.dialogue.language`), so the
metric holds the coach to the same notion of "Dutch" and "English" the coach
itself uses to pick its reply language. On top of it we skip texts with fewer
than MIN_WORDS words: one-word answers ("ja", "ok") and bare ratings say too
little to judge, so they count neither for nor against the coach.
"""

from __future__ import annotations

from coach.dialogue.language import detect_language, words

MIN_WORDS = 4  # fewer words than this is too short to call


def detect(text: str) -> str | None:
    """'nl' or 'en', or None when the text is too short or too mixed to tell."""
    if len(words(text)) < MIN_WORDS:
        return None
    found = detect_language(text)
    return found if found in ("nl", "en") else None
