"""Cut cards into passages: the unit that is retrieved, cited and quoted.

A passage never spans two sections, so its heading tells the user where a
quote comes from. Sections up to `chunk_size` characters (all cards of the
built-in corpus) stay whole; longer ones are split by LangChain's
`RecursiveCharacterTextSplitter` at paragraph, line and sentence boundaries,
with overlap so a thought cut in two is still found. Each piece is located
in the card's normalised text, so `card.text[p.start:p.end] == p.text` holds
exactly and quotes can be checked word for word.

The passage id hashes card id, section and text: an unchanged passage keeps
its id, which is what lets ingest skip re-embedding it.
"""

from __future__ import annotations

import hashlib

from langchain_text_splitters import RecursiveCharacterTextSplitter

from coach.models import Card, Passage

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 150
_SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]


def passage_id(card_id: str, section: str, text: str) -> str:
    """Short stable id: a hash of card id, section heading and passage text."""
    digest = hashlib.sha256(f"{card_id}\x1f{section}\x1f{text}".encode()).hexdigest()
    return digest[:16]


def chunk_card(
    card: Card, chunk_size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP
) -> list[Passage]:
    """The passages of one card, in reading order."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=overlap,
        separators=_SEPARATORS,
        keep_separator="end",
        strip_whitespace=True,
    )
    passages: list[Passage] = []
    seen: set[str] = set()
    for section in card.sections:
        if not section.text.strip():
            continue
        pieces = (
            [section.text] if len(section.text) <= chunk_size else splitter.split_text(section.text)
        )
        cursor = 0
        for piece in pieces:
            local = section.text.find(piece, cursor)
            if local < 0:  # cannot happen with strip_whitespace splitting; guard anyway
                local = section.text.find(piece)
            cursor = local + 1
            start = section.start + local
            pid = passage_id(card.id, section.heading, piece)
            if pid in seen:  # the same text twice in one section: keep ids unique
                pid = passage_id(card.id, section.heading, f"{piece}\x1f{start}")
            seen.add(pid)
            passages.append(
                Passage(
                    id=pid,
                    card_id=card.id,
                    card_title=card.title,
                    section=section.heading,
                    text=piece,
                    start=start,
                    end=start + len(piece),
                    language=card.language,
                    sources=card.sources,
                )
            )
    return passages


def chunk_cards(cards: list[Card]) -> list[Passage]:
    """The passages of all cards, card by card."""
    return [p for card in cards for p in chunk_card(card)]
