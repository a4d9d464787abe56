"""Load guidance cards from Markdown, plain text, PDF and Word files.

Every format becomes the same list of blocks (title, heading, paragraph, list
item) and one builder turns blocks into a `Card` with its normalised text.
Markdown cards carry YAML front matter, validated by pydantic with unknown
keys forbidden; errors name the file and line. The other formats follow the
seed's layout: first line = title, short unpunctuated lines = headings.

Loading a folder never stops at the first bad file: it returns the cards that
loaded and a list of problems, so one broken file cannot hide the rest.

This module does the file and folder work and picks a reader per suffix; the
stages behind it are `corpus_markdown` (.md with front matter), `corpus_plain`
(.txt, .pdf, .docx) and `corpus_cards` (blocks → `Card`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from coach.corpus_markdown import markdown_card
from coach.corpus_plain import docx_groups, pdf_groups, plain_card, text_groups
from coach.errors import CorpusError
from coach.models import Card
from coach.settings import BUILTIN_CORPUS

__all__ = [
    "SUPPORTED_SUFFIXES",
    "LoadResult",
    "load_card",
    "load_corpus",
    "load_folder",
]

SUPPORTED_SUFFIXES = (".md", ".txt", ".pdf", ".docx")


@dataclass
class LoadResult:
    """Cards that loaded, and one problem per file (or folder) that did not."""

    cards: list[Card] = field(default_factory=list)
    problems: list[CorpusError] = field(default_factory=list)


def load_corpus(dirs: Iterable[Path]) -> LoadResult:
    """Load every folder; a card id used by two files is a problem naming both."""
    result = LoadResult()
    owners: dict[str, str] = {}
    seen: set[Path] = set()
    for folder in dirs:
        if folder.resolve() in seen:
            continue
        seen.add(folder.resolve())
        part = load_folder(
            folder, origin="project" if folder.resolve() == BUILTIN_CORPUS else "user"
        )
        result.problems.extend(part.problems)
        for card in part.cards:
            if card.id in owners:
                result.problems.append(
                    CorpusError(
                        f"card id `{card.id}` is also used by {owners[card.id]}; "
                        "give one of them another `id` (or rename the file).",
                        card.path,
                    )
                )
                continue
            owners[card.id] = card.path
            result.cards.append(card)
    return result


def load_folder(folder: Path, origin: str = "user") -> LoadResult:
    """Load all cards in a folder (recursively), skipping README files and hidden paths."""
    result = LoadResult()
    if not folder.is_dir():
        result.problems.append(
            CorpusError(
                "corpus folder does not exist; create it, or unregister it with "
                f"`coach ingest --forget {folder}`.",
                str(folder),
            )
        )
        return result
    found = False
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or any(p.startswith(".") for p in rel.parts):
            continue
        if path.name.upper().startswith("README"):
            continue
        found = True
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            result.problems.append(
                CorpusError(
                    "unsupported file type, skipped; save it as .md, .txt, .pdf or .docx.",
                    str(path),
                )
            )
            continue
        try:
            result.cards.append(load_card(path, origin=origin))
        except CorpusError as exc:
            result.problems.append(exc)
    if not found:
        result.problems.append(
            CorpusError(
                "corpus folder holds no cards; add .md, .txt, .pdf or .docx files to it.",
                str(folder),
            )
        )
    return result


def load_card(path: Path, origin: str = "user") -> Card:
    """Parse one file into a Card, or raise CorpusError naming the file (and line)."""
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(
            f"cannot be read ({exc.strerror}); check that it exists and is readable.", str(path)
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if suffix == ".pdf":
        return plain_card(path, pdf_groups(path), digest, origin)
    if suffix == ".docx":
        return plain_card(path, docx_groups(path), digest, origin)
    text = _decode(path, data)
    if suffix == ".md":
        return markdown_card(path, text, digest, origin)
    return plain_card(path, text_groups(text), digest, origin)


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 text, or a CorpusError naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CorpusError(
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8 "
            "(in most editors: Save as… → encoding UTF-8).",
            str(path),
            line,
        ) from None
