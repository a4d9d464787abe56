"""The fixed strings the coach searches with, whose query vectors ingest pre-computes.

Every `query:` of an action and a balance pattern in prompts/actions.yaml,
each situation signal's `query:` in prompts/reflections.yaml, each card's
central and follow-up questions, and the message reader's example
utterances in prompts/understanding.yaml. Anything else the dialogue
later searches with as a fixed string is embedded on first use and kept
(`HybridRetriever.fixed_vectors`), so this list only has to be good, not
complete.
"""

from __future__ import annotations

from collections.abc import Iterable

from coach.errors import CoachError
from coach.models import Card
from coach.settings import Settings


def fixed_query_texts(settings: Settings, cards: Iterable[Card]) -> tuple[list[str], str | None]:
    """The fixed query strings (unique, in a stable order), and a problem when prompts are bad."""
    texts: list[str] = []
    problem = None
    try:
        from coach.dialogue.content import load_content
        from coach.understanding.bank import load_bank

        content = load_content(settings.prompts_dir)
        texts += [p.query for p in content.library.patterns]
        texts += [a.query for a in content.library.actions]
        texts += [s.query for s in content.reflections.signals.values()]
        texts += list(load_bank(settings.prompts_dir / "understanding.yaml").texts)
    except CoachError as exc:
        problem = f"{exc} (the action queries were not pre-computed; fix the file)"
    for card in cards:
        texts += [*card.central_questions, *card.followup_questions]
    return [t for t in dict.fromkeys(texts) if t.strip()], problem


def reader_texts(settings: Settings) -> list[str]:
    """The message reader's training texts (for its second view); none when prompts are bad
    (`fixed_query_texts` reports that)."""
    try:
        from coach.understanding.bank import load_bank

        return list(load_bank(settings.prompts_dir / "understanding.yaml").texts)
    except CoachError:
        return []
