"""Plain layouts (.txt, .pdf, .docx) → blocks → `Card`, following the seed's layout.

The first line is the title; a short line without final punctuation is a
heading; bulleted lines are list items. Word styles (Title, Heading, List)
decide the kind where the document has them. References in a Bronnen/Sources
section are parsed into `Source`s.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from coach.corpus_cards import SOURCES, Block, build_card, group_sections
from coach.errors import CorpusError, one_line
from coach.models import Card, Source
from coach.normalize import bullet_text, clean_inline, join_wrapped, slugify, smart_title

_URL = re.compile(r"https?://\S+|www\.\S+")
_YEAR = re.compile(r"\((\d{4})\)|\b(19\d\d|20\d\d)\b")

# A group is a run of lines (one paragraph), the line it starts on, and a kind
# forced by the document's own styles (Word) or None to apply the layout rules.
Group = tuple[list[str], int | None, str | None]


def text_groups(text: str) -> list[Group]:
    """Split text at blank lines into paragraphs, remembering line numbers."""
    groups: list[Group] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if clean_inline(line):
            if not current:
                start = number
            current.append(line)
        elif current:
            groups.append((current, start, None))
            current = []
    if current:
        groups.append((current, start, None))
    return groups


def pdf_groups(path: Path) -> list[Group]:
    """Text of every page of a PDF, split into paragraphs like a .txt."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception as exc:  # pypdf raises many kinds on a damaged file; all mean the same
        raise CorpusError(
            f"cannot be read as PDF ({one_line(exc)}); re-export it, or save it as .txt.",
            str(path),
        ) from None
    if not clean_inline(text):
        raise CorpusError(
            "contains no text (a scanned image?); export it with selectable "
            "text, or save the text as .txt.",
            str(path),
        )
    groups: list[Group] = []
    for lines, _, _ in text_groups(text):
        # PDF text has no blank lines between paragraphs: a short unpunctuated line after
        # a finished sentence (or first on the page) stands alone as a title or heading.
        current: list[str] = []
        for line in lines:
            if _looks_like_heading(line) and (not current or current[-1].rstrip()[-1:] in ".?!:"):
                if current:
                    groups.append((current, None, None))
                groups.append(([line], None, None))
                current = []
            else:
                current.append(line)
        if current:
            groups.append((current, None, None))
    return groups


def docx_groups(path: Path) -> list[Group]:
    """Word paragraphs; Title, Heading and List styles decide the kind where present."""
    import docx

    groups: list[Group] = []
    try:  # a damaged package fails in zipfile, lxml or python-docx, at open or while reading
        document = docx.Document(str(path))
        for number, paragraph in enumerate(document.paragraphs, start=1):
            style = paragraph.style.name if paragraph.style is not None else ""
            kind = (
                "title"
                if style == "Title"
                else "heading"
                if style.startswith("Heading")
                else "item"
                if style.startswith("List")
                else None
            )
            if clean_inline(paragraph.text):
                groups.append((paragraph.text.split("\n"), number, kind))
    except Exception as exc:
        raise CorpusError(
            f"cannot be read as Word .docx ({one_line(exc)}); re-save it from Word, or save "
            "the text as .txt.",
            str(path),
        ) from None
    if not groups:
        raise CorpusError("contains no text; add the guidance text, or remove the file.", str(path))
    return groups


def _looks_like_heading(line: str) -> bool:
    """The seed's heading rule: a short line without final punctuation."""
    text = clean_inline(line)
    return (
        0 < len(text) <= 80
        and len(text.split()) <= 12
        and text[0].isupper()
        and text[-1] not in ".,;:!?…)\"'"
        and not _URL.search(text)
    )


def _plain_blocks(groups: list[Group]) -> list[Block]:
    """Blocks of a plain layout: title first, headings by the short-line rule, bulleted items."""
    blocks: list[Block] = []
    in_sources = False
    for lines, line, forced in groups:
        if not blocks:
            blocks.append(Block("title", smart_title(join_wrapped(lines)), line))
            continue
        if forced in ("title", "heading") or (
            forced is None
            and not in_sources
            and len(lines) == 1
            and _looks_like_heading(lines[0])
            and bullet_text(lines[0]) is None
        ):
            heading = smart_title(join_wrapped(lines))
            blocks.append(Block("heading", heading, line))
            in_sources = in_sources or bool(SOURCES.match(heading))
            continue
        if forced == "item":
            blocks.append(Block("item", join_wrapped(lines), line))
            continue
        pending: list[str] = []
        kind: Literal["para", "item"] = "para"
        for offset, raw in enumerate(lines):
            item = bullet_text(raw)
            if item is not None and pending:
                blocks.append(
                    Block(kind, join_wrapped(pending), None if line is None else line + offset)
                )
                pending = []
            if item is not None:
                kind = "item"
                pending = [item]
            else:
                pending.append(raw)
        if pending:
            blocks.append(Block(kind, join_wrapped(pending), line))
    return blocks


def plain_card(path: Path, groups: list[Group], digest: str, origin: str) -> Card:
    """A card from a plain layout; id from the file name, language guessed from the words."""
    blocks = _plain_blocks(groups)
    if not blocks:
        raise CorpusError("is empty; add a title line and the guidance text.", str(path))
    title = blocks[0].text
    language = _guess_language(" ".join(b.text for b in blocks))
    sections = group_sections(blocks[1:], language, split_intro=True)
    source_text = [b.text for h, bs in sections if SOURCES.match(h) for b in bs]
    return build_card(
        card_id=slugify(path.stem),
        title=title,
        language=language,
        origin=origin,
        path=path,
        sections=sections,
        digest=digest,
        sources=_parse_sources(source_text),
        hints={},
    )


def _guess_language(text: str) -> str:
    """'en' when English function words outnumber Dutch ones, else 'nl'."""
    words = re.findall(r"[a-z]+", text.lower())
    nl = sum(
        w in {"de", "het", "een", "en", "van", "niet", "je", "wat", "zijn", "met"} for w in words
    )
    en = sum(
        w in {"the", "and", "of", "to", "you", "what", "are", "with", "not", "is"} for w in words
    )
    return "en" if en > nl else "nl"


def _parse_sources(lines: list[str]) -> tuple[Source, ...]:
    """References from a Bronnen section: 'Title. Author en Author', a URL line adds a url."""
    sources: list[Source] = []
    for text in lines:
        url_match = _URL.search(text)
        rest = clean_inline(_URL.sub("", text)).strip(" .-–")
        if not rest and url_match and sources:
            last = sources[-1]
            sources[-1] = Source(
                last.title, last.authors, last.year, last.publisher, url_match.group()
            )
            continue
        title, _, who = rest.partition(". ")
        year_match = _YEAR.search(who)
        who = _YEAR.sub("", who).strip(" .,")
        authors = tuple(a.strip() for a in re.split(r",\s*|\s+(?:en|and|&)\s+", who) if a.strip())
        year = int(year_match.group(1) or year_match.group(2)) if year_match else None
        sources.append(
            Source(
                title=title or rest,
                authors=authors,
                year=year,
                url=url_match.group() if url_match else None,
            )
        )
    return tuple(sources)
