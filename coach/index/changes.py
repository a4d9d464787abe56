"""What an ingest has to do: the generation in use, the cards now, and the difference.

Pure bookkeeping beside `pipeline`: which folders are registered, which
cards and passages the corpus holds now (a card that cannot be cut is a
problem, not a stop), the vectors they need (passages, and hint vectors that
point at their section's passages), which last good version a file that now
fails keeps, and the added/updated/removed counts of the report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coach.chunking import chunk_card
from coach.errors import CorpusError, InputError, one_line
from coach.index import chroma
from coach.index.db import IndexDB
from coach.index.legacy import LegacyIndex, read_legacy
from coach.index.records import card_from_dict
from coach.models import Card, Passage


@dataclass(frozen=True)
class Vector:
    """One vector to be in Chroma: a passage, or a hint pointing at passages."""

    id: str
    text: str
    metadata: dict[str, Any]


@dataclass
class Committed:
    """The generation in use before this ingest (empty on a first ingest)."""

    model: str | None = None
    space: str | None = None
    lexical: str | None = None
    lexical_key: str | None = None
    corpus_dirs: list[str] = field(default_factory=list)
    files: dict[str, list[str]] = field(default_factory=dict)  # path -> passage ids
    keys: dict[str, str] = field(default_factory=dict)  # path -> card key
    legacy: LegacyIndex | None = None


def committed_generation(db: IndexDB, index_dir: Path) -> Committed:
    """The generation in use: from the index database, or from a format-1 index."""
    meta = db.meta()
    if "collection" in meta:
        rows = db.files()
        return Committed(
            model=meta.get("model"),
            space=meta.get("collection"),
            lexical=meta.get("lexical"),
            lexical_key=meta.get("lexical_key"),
            corpus_dirs=list(meta.get("corpus_dirs", [])),
            files=db.file_passages(),
            keys={r.path: r.card_key for r in rows},
        )
    legacy = read_legacy(index_dir)
    if legacy is not None:
        return Committed(
            model=legacy.model,
            space=chroma.LEGACY_COLLECTION,
            corpus_dirs=list(meta.get("corpus_dirs", legacy.corpus_dirs)),
            files=legacy.files,
            legacy=legacy,
        )
    return Committed(corpus_dirs=list(meta.get("corpus_dirs", [])))


def registered_dirs(dirs: list[str], extra: Iterable[Path], forget: Iterable[Path]) -> list[str]:
    """Registered user folders after adding `extra` and removing `forget` (absolute paths)."""
    dirs = list(dirs)
    for d in extra:
        path = str(Path(d).expanduser().resolve())
        if path not in dirs:
            dirs.append(path)
    for d in forget:
        path = str(Path(d).expanduser().resolve())
        if path not in dirs:
            known = ", ".join(dirs) or "none"
            raise InputError(f"{d} is not a registered corpus folder (registered: {known}).")
        dirs.remove(path)
    return dirs


def keep_previous_versions(
    problems: list[CorpusError],
    committed: Committed,
    db: IndexDB,
    cards: dict[str, Card],
    messages: list[str],
) -> None:
    """A file that now fails to load keeps its last good version in the index."""
    for i, problem in enumerate(problems):
        path = problem.path
        if not path or path not in committed.files or not Path(path).is_file():
            continue
        if committed.legacy is not None:
            raw = committed.legacy.cards.get(path)
        else:
            raw = db.card_data(committed.keys[path]) if path in committed.keys else None
        if raw is None:
            continue
        card = card_from_dict(raw)
        if card.id not in cards:
            cards[card.id] = card
            messages[i] += " (the previously indexed version stays in use until this is fixed)"


def cut_cards(
    cards: dict[str, Card], problems: list[str]
) -> tuple[dict[str, list[Passage]], list[Vector]]:
    """Passages and vectors of every card; a card that cannot be cut becomes a problem."""
    passages: dict[str, list[Passage]] = {}
    vectors: list[Vector] = []
    for card_id, card in list(cards.items()):
        try:
            card_passages = chunk_card(card)
            vectors_of_card = card_vectors(card, card_passages)
        except Exception as exc:  # one odd card must not stop the others
            problems.append(
                str(
                    CorpusError(
                        f"could not be cut into passages ({one_line(exc)}); skipped. Please "
                        "report it with the file.",
                        card.path,
                    )
                )
            )
            del cards[card_id]
            continue
        passages[card_id] = card_passages
        vectors.extend(vectors_of_card)
    return passages, vectors


def card_vectors(card: Card, passages: list[Passage]) -> list[Vector]:
    """The passage vectors of a card plus one vector per hint question and per keyword list."""
    out = [
        Vector(p.id, f"{card.title} – {p.section}\n{p.text}", {**p.metadata(), "kind": "passage"})
        for p in passages
    ]
    for section in card.sections:
        parents = [p.id for p in passages if p.section == section.heading]
        hints = list(section.hints.questions)
        if section.hints.keywords:
            hints.append(", ".join(section.hints.keywords))
        for hint in hints if parents else []:
            key = f"hint\x1f{card.id}\x1f{section.heading}\x1f{hint}\x1f{','.join(parents)}"
            out.append(
                Vector(
                    hashlib.sha256(key.encode()).hexdigest()[:16],
                    hint,
                    {
                        "kind": "hint",
                        "card_id": card.id,
                        "section": section.heading,
                        "parents": ",".join(parents),
                    },
                )
            )
    return out


def count_changes(old: dict[str, list[str]], new: dict[str, list[str]]) -> dict[str, int]:
    """Passage counts per file: new files add, edited files update, deleted files remove."""
    counts = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0}
    for path, passage_ids in new.items():
        ids = set(passage_ids)
        if path not in old:
            counts["added"] += len(ids)
            continue
        before = set(old[path])
        fresh, gone = ids - before, before - ids
        counts["unchanged"] += len(ids & before)
        counts["updated"] += len(fresh)
        counts["removed"] += max(0, len(gone) - len(fresh))
    for path, passage_ids in old.items():
        if path not in new:
            counts["removed"] += len(passage_ids)
    return counts
