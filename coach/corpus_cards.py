"""The shared card builder: blocks → sections, questions and normalised text → `Card`.

Every reader (`corpus_markdown`, `corpus_plain`) turns its file into a list of
`Block`s; this module groups them under headings, renders the normalised body
text with section offsets, and collects the central and follow-up questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from coach.errors import CorpusError
from coach.models import Card, Section, SectionHints, Source
from coach.normalize import normalize_text, split_sentences

CENTRAL = re.compile(r"^(centrale vragen|central questions)$", re.IGNORECASE)
FOLLOWUPS = re.compile(r"^(blijf vragen stellen|keep asking)$", re.IGNORECASE)
SOURCES = re.compile(r"^(bronnen|sources)", re.IGNORECASE)
INTRO = {"nl": "Inleiding", "en": "Introduction"}


@dataclass
class Block:
    """One unit of a document: its kind, its text and the line it started on."""

    kind: Literal["title", "heading", "para", "item"]
    text: str
    line: int | None = None


def group_sections(
    blocks: list[Block], language: str, split_intro: bool
) -> list[tuple[str, list[Block]]]:
    """Group blocks under headings; text before any heading goes under 'Inleiding'.

    With `split_intro` (plain layouts), prose after the central-question list
    starts an 'Inleiding' section: in the seed the questions have no closing heading.
    """
    sections: list[tuple[str, list[Block]]] = []
    intro = INTRO.get(language, INTRO["nl"])
    for block in blocks:
        if block.kind == "heading":
            sections.append((block.text, []))
            continue
        if not sections:
            sections.append((intro, []))
        heading, body = sections[-1]
        if (
            split_intro
            and block.kind == "para"
            and CENTRAL.match(heading)
            and body
            and body[-1].kind == "item"
        ):
            sections.append((intro, [block]))
        else:
            body.append(block)
    return sections


def _render(blocks: list[Block]) -> str:
    """Normalised body text: items as '- ' lines, paragraphs separated by one blank line."""
    out = ""
    for i, block in enumerate(blocks):
        piece = f"- {block.text}" if block.kind == "item" else block.text
        if i:
            out += "\n" if block.kind == "item" and blocks[i - 1].kind == "item" else "\n\n"
        out += piece
    return normalize_text(out)


def _followups(blocks: list[Block]) -> list[str]:
    """List items, or every sentence of prose with a lead-in ending in a colon dropped."""
    items = [b.text for b in blocks if b.kind == "item"]
    if items:
        return items
    questions = []
    for sentence in split_sentences(" ".join(b.text for b in blocks)):
        _, colon, after = sentence.partition(": ")
        text = after if colon and after else sentence
        questions.append(text[:1].upper() + text[1:])
    return questions


def build_card(
    *,
    card_id: str,
    title: str,
    language: str,
    origin: str,
    path: Path,
    sections: list[tuple[str, list[Block]]],
    digest: str,
    sources: tuple[Source, ...],
    hints: dict[str, SectionHints],
    summary: str = "",
) -> Card:
    """Assemble the normalised text, section offsets, questions and sources of a card."""
    text = ""
    built: list[Section] = []
    central: list[str] = []
    followups: list[str] = []
    by_heading = {h.casefold(): v for h, v in hints.items()}
    for heading, blocks in sections:
        body = _render(blocks)
        text += ("\n\n" if text else "") + heading
        start = len(text) + 2 if body else len(text)
        text += f"\n\n{body}" if body else ""
        built.append(
            Section(
                heading, body, start, len(text), by_heading.get(heading.casefold(), SectionHints())
            )
        )
        if CENTRAL.match(heading):
            central += [b.text for b in blocks if b.kind == "item"] or [
                s for b in blocks for s in split_sentences(b.text) if s.endswith("?")
            ]
        elif FOLLOWUPS.match(heading):
            followups += _followups(blocks)
    if not any(s.text for s in built):
        raise CorpusError(
            "has a title but no text; add the guidance text under `## ` headings.", str(path)
        )
    return Card(
        id=card_id,
        title=title,
        language=language,
        origin=origin,
        path=str(path),
        text=text,
        sections=tuple(built),
        central_questions=tuple(central),
        followup_questions=tuple(followups),
        sources=sources,
        content_hash=digest,
        summary=summary,
    )
