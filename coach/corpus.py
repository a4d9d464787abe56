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

import errno
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from coach.corpus_markdown import markdown_card
from coach.corpus_plain import docx_groups, pdf_groups, plain_card, text_groups
from coach.errors import CorpusError, one_line
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


def load_corpus(dirs: Iterable[Path], max_bytes: int | None = None) -> LoadResult:
    """Load every folder; a card id used by two files is a problem naming both."""
    result = LoadResult()
    owners: dict[str, str] = {}
    seen: set[Path] = set()
    for folder in dirs:
        if folder.resolve() in seen:
            continue
        seen.add(folder.resolve())
        part = load_folder(
            folder,
            origin="project" if folder.resolve() == BUILTIN_CORPUS else "user",
            max_bytes=max_bytes,
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


def load_folder(folder: Path, origin: str = "user", max_bytes: int | None = None) -> LoadResult:
    """Load all cards in a folder (recursively), skipping README files and hidden paths.

    Every file is isolated: whatever goes wrong while reading one (a broken
    link, a file too large, a parser's own exception) becomes a problem naming
    that file, and the other files are still loaded.
    """
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
        if any(p.startswith(".") for p in rel.parts) or path.name.upper().startswith("README"):
            continue
        link_problem = _link_problem(path, folder)
        if link_problem is not None:
            found = True
            result.problems.append(link_problem)
            continue
        if not path.is_file():
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
            result.cards.append(load_card(path, origin=origin, max_bytes=max_bytes))
        except CorpusError as exc:
            result.problems.append(exc)
        except Exception as exc:  # a reader's own error must not stop the other files
            result.problems.append(
                CorpusError(
                    f"could not be read ({one_line(exc)}); skipped. Re-save the file (or export "
                    "it as .txt), or move it out of the corpus folder.",
                    str(path),
                )
            )
    if not found:
        result.problems.append(
            CorpusError(
                "corpus folder holds no cards; add .md, .txt, .pdf or .docx files to it.",
                str(folder),
            )
        )
    return result


def _link_problem(path: Path, folder: Path) -> CorpusError | None:
    """A symbolic link that loops or points nowhere; None for anything else.

    `rglob` does not follow links to folders and `is_file()` is False for a
    broken link, so without this check such entries vanished without a word.
    A link to a folder is not followed (it could lead back up the tree).
    """
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a loop this way
        return CorpusError(
            "is a symbolic link that loops back on itself; skipped. Remove the link, or point "
            "it at a real file.",
            str(path),
        )
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return CorpusError(
                "is a symbolic link that loops back on itself; skipped. Remove the link, or "
                "point it at a real file.",
                str(path),
            )
        return CorpusError(
            f"is a symbolic link to {os.readlink(path)}, which does not exist; skipped. "
            "Remove the link, or restore its target.",
            str(path),
        )
    if target.is_dir():
        if path.parent.resolve().is_relative_to(target):
            return CorpusError(
                "is a symbolic link to a folder that contains it (a loop); skipped. Remove "
                "the link.",
                str(path),
            )
        return CorpusError(
            "is a symbolic link to a folder, which is not followed; add that folder with "
            f"`coach ingest --corpus {target}` instead.",
            str(path),
        )
    return None


def load_card(path: Path, origin: str = "user", max_bytes: int | None = None) -> Card:
    """Parse one file into a Card, or raise CorpusError naming the file (and line)."""
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise CorpusError(
                f"is {size / 1024 / 1024:.1f} MB, above the limit of "
                f"{max_bytes / 1024 / 1024:g} MB (COACH_MAX_FILE_MB); skipped. Split it into "
                "smaller files, or raise COACH_MAX_FILE_MB.",
                str(path),
            )
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(
            f"cannot be read ({exc.strerror or one_line(exc)}); check that it exists and is "
            "readable (permissions).",
            str(path),
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
