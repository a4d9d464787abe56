"""Cards and passages as stored in the index (plain JSON-ready dicts) and back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from coach.models import Card, Passage, Section, SectionHints, Source


def card_dict(card: Card) -> dict[str, Any]:
    """A card as a JSON-ready dict."""
    return asdict(card)


def card_key(card: dict[str, Any], passage_ids: list[str]) -> str:
    """The key of one card version: its content and how it was cut into passages."""
    blob = json.dumps(card, ensure_ascii=False, sort_keys=True) + "\x1f" + ",".join(passage_ids)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


def passage_dict(passage: Passage) -> dict[str, Any]:
    """A passage for the store; sources are kept once, on the card."""
    data = asdict(passage)
    data.pop("sources")
    return data


def sources_from(raw: list[dict[str, Any]]) -> tuple[Source, ...]:
    """Sources from their JSON form."""
    return tuple(Source(**{**s, "authors": tuple(s["authors"])}) for s in raw)


def card_from_dict(raw: dict[str, Any]) -> Card:
    """Rebuild a Card (with tuples and nested dataclasses) from its JSON form."""
    sections = tuple(
        Section(
            heading=s["heading"],
            text=s["text"],
            start=s["start"],
            end=s["end"],
            hints=SectionHints(tuple(s["hints"]["questions"]), tuple(s["hints"]["keywords"])),
        )
        for s in raw["sections"]
    )
    return Card(
        **{
            **raw,
            "sections": sections,
            "sources": sources_from(raw["sources"]),
            "central_questions": tuple(raw["central_questions"]),
            "followup_questions": tuple(raw["followup_questions"]),
        }
    )
