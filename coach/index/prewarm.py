"""The fixed strings the coach searches with, whose query vectors ingest pre-computes.

Every `query:` of an action and a balance pattern in prompts/actions.yaml,
and each card's central and follow-up questions. Anything else the dialogue
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

        library = load_content(settings.prompts_dir).library
        texts += [p.query for p in library.patterns]
        texts += [a.query for a in library.actions]
    except CoachError as exc:
        problem = f"{exc} (the action queries were not pre-computed; fix the file)"
    for card in cards:
        texts += [*card.central_questions, *card.followup_questions]
    return [t for t in dict.fromkeys(texts) if t.strip()], problem
