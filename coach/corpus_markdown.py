"""Markdown cards: YAML front matter (validated by pydantic) and `## ` sections → `Card`.

Unknown front-matter keys are forbidden, and every error names the file and the
line of the offending key, found by walking the composed YAML nodes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.corpus_cards import Block, build_card, group_sections
from coach.errors import CorpusError
from coach.models import Card, SectionHints, Source
from coach.normalize import clean_inline, join_wrapped
from coach.yamlfile import yaml_line


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


def markdown_card(path: Path, text: str, digest: str, origin: str) -> Card:
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
    sections = group_sections(blocks, meta.language, split_intro=False)
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
    return build_card(
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
        raise CorpusError(message, str(path), yaml_line(node, loc, first=2)) from None


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
                yaml_line(yaml.compose(header), ("hints", key), first=2),
            )
