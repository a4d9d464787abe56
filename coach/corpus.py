"""Load guidance cards from Markdown, plain text, PDF and Word files.

Every format becomes the same list of blocks (title, heading, paragraph, list
item) and one builder turns blocks into a `Card` with its normalised text.
Markdown cards carry YAML front matter, validated by pydantic with unknown
keys forbidden; errors name the file and line. The other formats follow the
seed's layout: first line = title, short unpunctuated lines = headings.

Loading a folder never stops at the first bad file: it returns the cards that
loaded and a list of problems, so one broken file cannot hide the rest.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.errors import CorpusError
from coach.models import Card, Section, SectionHints, Source
from coach.normalize import (
    bullet_text,
    clean_inline,
    join_wrapped,
    normalize_text,
    slugify,
    smart_title,
    split_sentences,
)
from coach.settings import BUILTIN_CORPUS

SUPPORTED_SUFFIXES = (".md", ".txt", ".pdf", ".docx")
CENTRAL = re.compile(r"^(centrale vragen|central questions)$", re.IGNORECASE)
FOLLOWUPS = re.compile(r"^(blijf vragen stellen|keep asking)$", re.IGNORECASE)
SOURCES = re.compile(r"^(bronnen|sources)", re.IGNORECASE)
INTRO = {"nl": "Inleiding", "en": "Introduction"}
_URL = re.compile(r"https?://\S+|www\.\S+")
_YEAR = re.compile(r"\((\d{4})\)|\b(19\d\d|20\d\d)\b")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceModel(_Strict):
    """One literature reference in the front matter."""

    title: str
    authors: list[str] = []
    year: int | None = None
    publisher: str | None = None
    url: str | None = None


class HintsModel(_Strict):
    """Other phrasings for one section."""

    questions: list[str] = []
    keywords: list[str] = []


class FrontMatter(_Strict):
    """The YAML header of a Markdown card."""

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    title: str = Field(min_length=1)
    language: Literal["nl", "en"] = "nl"
    origin: Literal["seed", "project", "user"] | None = None
    summary: str | None = None
    sources: list[SourceModel] = []
    hints: dict[str, HintsModel] = {}


@dataclass
class Block:
    """One unit of a document: its kind, its text and the line it started on."""

    kind: Literal["title", "heading", "para", "item"]
    text: str
    line: int | None = None


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
        return _plain_card(path, _pdf_groups(path), digest, origin)
    if suffix == ".docx":
        return _plain_card(path, _docx_groups(path), digest, origin)
    text = _decode(path, data)
    if suffix == ".md":
        return _markdown_card(path, text, digest, origin)
    return _plain_card(path, _text_groups(text), digest, origin)


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


# --- Markdown cards ----------------------------------------------------------


def _markdown_card(path: Path, text: str, digest: str, origin: str) -> Card:
    """A Markdown card: YAML front matter between `---` lines, then `## ` sections."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise CorpusError(
            "has no YAML front matter; start the file with `---`, `id: ...`, "
            "`title: ...` and a closing `---` (see corpus/README.md).",
            str(path),
            1,
        )
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise CorpusError("front matter is not closed; add a line `---` after it.", str(path), 1)
    meta = _front_matter(path, "\n".join(lines[1:end]))
    blocks: list[Block] = []
    para: list[str] = []
    for number, line in enumerate(lines[end + 1 :], start=end + 2):
        stripped = line.strip()
        item = stripped[2:] if stripped[:2] in ("- ", "* ") else None
        if (not stripped or stripped.startswith("#") or item is not None) and para:
            blocks.append(Block("para", join_wrapped(para), number - len(para)))
            para = []
        if stripped.startswith("## "):
            blocks.append(Block("heading", clean_inline(stripped[3:]), number))
        elif stripped.startswith("# "):
            continue
        elif item is not None:
            blocks.append(Block("item", clean_inline(item), number))
        elif stripped and blocks and blocks[-1].kind == "item" and line[:1].isspace():
            blocks[-1].text = join_wrapped([blocks[-1].text, stripped])
        elif stripped:
            para.append(stripped)
    if para:
        blocks.append(Block("para", join_wrapped(para), len(lines) - len(para) + 1))
    sections = _sections(blocks, meta.language, split_intro=False)
    _check_hints(path, meta, sections, "\n".join(lines[1:end]))
    hints = {
        clean_inline(h): SectionHints(
            tuple(map(clean_inline, v.questions)), tuple(map(clean_inline, v.keywords))
        )
        for h, v in meta.hints.items()
    }
    sources = tuple(
        Source(
            title=clean_inline(s.title),
            authors=tuple(s.authors),
            year=s.year,
            publisher=s.publisher,
            url=s.url,
        )
        for s in meta.sources
    )
    return _build_card(
        card_id=meta.id,
        title=clean_inline(meta.title),
        language=meta.language,
        origin=meta.origin or origin,
        path=path,
        sections=sections,
        digest=digest,
        sources=sources,
        hints=hints,
        summary=clean_inline(meta.summary or ""),
    )


def _front_matter(path: Path, text: str) -> FrontMatter:
    """Validate the YAML header; the error names the line of the offending key."""
    try:
        raw = yaml.safe_load(text) or {}
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise CorpusError(
            f"front matter is not valid YAML ({getattr(exc, 'problem', exc)}); "
            "check indentation and quote values that contain a colon.",
            str(path),
            line,
        ) from None
    if not isinstance(raw, dict):
        raise CorpusError("front matter must be `key: value` lines (id, title, ...).", str(path), 2)
    try:
        return FrontMatter.model_validate(raw)
    except ValidationError as exc:
        # An unknown key first: it is often a misspelling of the key reported missing.
        error = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        loc = tuple(error["loc"])
        where = ".".join(str(p) for p in loc)
        if error["type"] == "extra_forbidden":
            allowed = (
                ", ".join(FrontMatter.model_fields) if len(loc) == 1 else "see corpus/README.md"
            )
            message = (
                f"unknown front-matter key `{where}`; remove it or fix its spelling ({allowed})."
            )
        elif error["type"] == "missing":
            message = f"front matter misses `{where}`; add a line `{loc[-1]}: ...`."
        else:
            message = (
                f"front matter `{where}`: {error['msg']}; see corpus/README.md for the format."
            )
        raise CorpusError(message, str(path), yaml_line(node, loc)) from None


def yaml_line(node: Any, loc: tuple[Any, ...], first: int = 2) -> int:
    """File line of the deepest YAML node along `loc`; `first` is the file line of YAML line 1."""
    offset = first
    line = max(first - 1, 1) if not loc or node is None else node.start_mark.line + offset
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if match is None:
                break
            line = match[0].start_mark.line + offset
            node = match[1]
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + offset
        else:
            break
    return line


def _check_hints(
    path: Path, meta: FrontMatter, sections: list[tuple[str, list[Block]]], header: str
) -> None:
    """Every `hints` key must be a heading of the card."""
    headings = {h.casefold() for h, _ in sections}
    for key in meta.hints:
        if clean_inline(key).casefold() not in headings:
            raise CorpusError(
                f"hints for `{key}`, but the card has no section with that heading; "
                f"use one of: {', '.join(h for h, _ in sections)}.",
                str(path),
                yaml_line(yaml.compose(header), ("hints", key)),
            )


# --- Plain layouts: .txt, .pdf, .docx -----------------------------------------

# A group is a run of lines (one paragraph), the line it starts on, and a kind
# forced by the document's own styles (Word) or None to apply the layout rules.
Group = tuple[list[str], int | None, str | None]


def _text_groups(text: str) -> list[Group]:
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


def _pdf_groups(path: Path) -> list[Group]:
    """Text of every page of a PDF, split into paragraphs like a .txt."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, OSError, ValueError) as exc:
        raise CorpusError(
            f"cannot be read as PDF ({exc}); re-export it, or save it as .txt.", str(path)
        ) from None
    if not clean_inline(text):
        raise CorpusError(
            "contains no text (a scanned image?); export it with selectable "
            "text, or save the text as .txt.",
            str(path),
        )
    groups: list[Group] = []
    for lines, _, _ in _text_groups(text):
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


def _docx_groups(path: Path) -> list[Group]:
    """Word paragraphs; Title, Heading and List styles decide the kind where present."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise CorpusError(
            f"cannot be read as Word .docx ({exc}); re-save it from Word.", str(path)
        ) from None
    groups: list[Group] = []
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


def _plain_card(path: Path, groups: list[Group], digest: str, origin: str) -> Card:
    """A card from a plain layout; id from the file name, language guessed from the words."""
    blocks = _plain_blocks(groups)
    if not blocks:
        raise CorpusError("is empty; add a title line and the guidance text.", str(path))
    title = blocks[0].text
    language = _guess_language(" ".join(b.text for b in blocks))
    sections = _sections(blocks[1:], language, split_intro=True)
    source_text = [b.text for h, bs in sections if SOURCES.match(h) for b in bs]
    return _build_card(
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


# --- Shared card builder -------------------------------------------------------


def _sections(
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


def _build_card(
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
