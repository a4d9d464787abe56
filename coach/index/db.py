"""`index/index.sqlite3`: cards, passages, sentence windows and fixed query vectors.

One SQLite file with named, append-only migrations (as `coach.sessions`).
Rows are keyed by content, so they are inert until a generation refers to
them: ingest writes new rows first, embeds, and then switches the `files`
table and the `meta` values in one transaction (the commit point). Whatever a
killed ingest wrote before that stays in place for the next run to reuse, and
readers keep seeing the previous generation.

- `meta`: format, model, Chroma collection, lexical folder, registered folders.
- `files` (the committed generation): path, content hash, card key, order.
- `cards` / `passages`: every card version by key (a hash of the card), and
  its passages by (card key, passage id); loaded one at a time by readers.
- `hints`: the parents of each hint vector in Chroma.
- `windows`: per vector space (a Chroma collection) and passage, the offsets
  of its quote windows (int32 pairs) and their vectors (float16).
- `fixed_vectors`: query vectors of fixed strings by (model, sha256 of text).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from coach.errors import IndexMissing

DB_NAME = "index.sqlite3"
Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(func: Migration) -> Migration:
    """Register a migration under its function name; never edit one that has shipped."""
    MIGRATIONS.append((func.__name__, func))
    return func


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """CREATE TABLE cards (
            key TEXT PRIMARY KEY,
            id TEXT NOT NULL,
            title TEXT NOT NULL,
            language TEXT NOT NULL,
            sources TEXT NOT NULL,
            data TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE passages (
            card_key TEXT NOT NULL,
            id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            section TEXT NOT NULL,
            text TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            PRIMARY KEY (card_key, id)
        )"""
    )
    db.execute("CREATE INDEX passages_by_id ON passages (id)")
    db.execute(
        """CREATE TABLE files (
            path TEXT PRIMARY KEY,
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL,
            card_key TEXT NOT NULL
        )"""
    )
    db.execute("CREATE TABLE hints (id TEXT PRIMARY KEY, parents TEXT NOT NULL)")
    db.execute(
        """CREATE TABLE windows (
            space TEXT NOT NULL,
            passage_id TEXT NOT NULL,
            spans BLOB NOT NULL,
            vectors BLOB NOT NULL,
            PRIMARY KEY (space, passage_id)
        )"""
    )
    db.execute(
        """CREATE TABLE fixed_vectors (
            model TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (model, sha256)
        )"""
    )


@dataclass(frozen=True)
class PassageRow:
    """A passage as stored, with what its card contributes (id, title, language, sources)."""

    card_key: str
    id: str
    section: str
    text: str
    start: int
    end: int
    card_id: str
    card_title: str
    language: str
    sources: str  # JSON list of the card's sources


@dataclass(frozen=True)
class FileRow:
    """One committed corpus file: the card it holds and its place in the reading order."""

    path: str
    hash: str
    card_key: str
    card_id: str
    title: str


class IndexDB:
    """The index's SQLite file, safe to share between threads."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        if not create and not path.is_file():
            raise IndexMissing(f"No index in {path.parent} — run `coach ingest` first.")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives a killed process
            self._db.execute("PRAGMA busy_timeout=10000")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise IndexMissing(
                f"The index database {path} cannot be opened ({exc}) — run "
                "`coach ingest --rebuild`, or move the index folder aside."
            ) from None

    def _migrate(self) -> None:
        with self._tx() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS _migrations"
                " (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
            for name, func in MIGRATIONS:
                if name not in done:
                    func(db)
                    db.execute(
                        "INSERT INTO _migrations VALUES (?, ?)",
                        (name, datetime.now(UTC).isoformat(timespec="seconds")),
                    )

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- meta ---------------------------------------------------------------
    def meta(self) -> dict[str, Any]:
        """All meta values, JSON-decoded."""
        return {k: json.loads(v) for k, v in self._rows("SELECT key, value FROM meta")}

    def set_meta(self, **values: Any) -> None:
        """Set (None: delete) meta values in one transaction."""
        with self._tx() as db:
            _set_meta(db, values)

    # -- what ingest writes before the commit ----------------------------------
    def put_cards(self, cards: Iterable[tuple[str, dict[str, Any], list[dict[str, Any]]]]) -> None:
        """Store card versions (key, card dict, passage dicts); existing keys are left alone."""
        with self._tx() as db:
            for key, card, passages in cards:
                if db.execute("SELECT 1 FROM cards WHERE key = ?", (key,)).fetchone():
                    continue
                db.execute(
                    "INSERT INTO cards (key, id, title, language, sources, data)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        key,
                        card["id"],
                        card["title"],
                        card["language"],
                        json.dumps(card["sources"], ensure_ascii=False),
                        json.dumps(card, ensure_ascii=False),
                    ),
                )
                db.executemany(
                    "INSERT OR IGNORE INTO passages"
                    ' (card_key, id, seq, section, text, start, "end")'
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (key, p["id"], i, p["section"], p["text"], p["start"], p["end"])
                        for i, p in enumerate(passages)
                    ],
                )

    def put_hints(self, hints: Iterable[tuple[str, str]]) -> None:
        """Remember which passages each hint vector points at (id, comma-joined parents)."""
        with self._tx() as db:
            db.executemany("INSERT OR IGNORE INTO hints (id, parents) VALUES (?, ?)", hints)

    def commit_generation(self, files: Sequence[tuple[str, str, str]], **meta: Any) -> None:
        """The commit point: the new set of files (path, hash, card key) and meta, atomically."""
        with self._tx() as db:
            db.execute("DELETE FROM files")
            db.executemany(
                "INSERT INTO files (path, seq, hash, card_key) VALUES (?, ?, ?, ?)",
                [(path, i, digest, key) for i, (path, digest, key) in enumerate(files)],
            )
            _set_meta(db, meta)

    def collect_garbage(self, space: str, models: Sequence[str], hint_ids: Iterable[str]) -> None:
        """Drop rows no generation refers to any more (after a commit); fixed vectors are
        kept for `models` (the retrieval model and the reader's second view)."""
        with self._tx() as db:
            db.execute("DELETE FROM cards WHERE key NOT IN (SELECT card_key FROM files)")
            db.execute("DELETE FROM passages WHERE card_key NOT IN (SELECT card_key FROM files)")
            db.execute(
                "DELETE FROM windows WHERE space != ? OR passage_id NOT IN"
                " (SELECT id FROM passages)",
                (space,),
            )
            marks = ",".join("?" * len(models))
            db.execute(f"DELETE FROM fixed_vectors WHERE model NOT IN ({marks})", tuple(models))
            db.execute("CREATE TEMP TABLE IF NOT EXISTS keep_hints (id TEXT PRIMARY KEY)")
            db.execute("DELETE FROM keep_hints")
            db.executemany("INSERT OR IGNORE INTO keep_hints VALUES (?)", ((h,) for h in hint_ids))
            db.execute("DELETE FROM hints WHERE id NOT IN (SELECT id FROM keep_hints)")
            db.execute("DELETE FROM keep_hints")

    # -- reading the committed generation -----------------------------------
    def files(self) -> list[FileRow]:
        """The committed files in reading order, with their card's id and title."""
        return [
            FileRow(*row)
            for row in self._rows(
                "SELECT f.path, f.hash, f.card_key, c.id, c.title FROM files f"
                " JOIN cards c ON c.key = f.card_key ORDER BY f.seq"
            )
        ]

    def card_data(self, key: str) -> dict[str, Any] | None:
        """The stored card dict of one card version."""
        rows = self._rows("SELECT data FROM cards WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else None

    def passage_rows(self, passage_id: str) -> list[PassageRow]:
        """Every stored version of a passage (the reader picks the one of its generation)."""
        return [
            PassageRow(*row)
            for row in self._rows(
                'SELECT p.card_key, p.id, p.section, p.text, p.start, p."end", c.id, c.title,'
                " c.language, c.sources FROM passages p JOIN cards c ON c.key = p.card_key"
                " WHERE p.id = ?",
                (passage_id,),
            )
        ]

    def card_passages(self, card_keys: Sequence[str]) -> Iterator[PassageRow]:
        """The passages of these card versions, in card order and reading order."""
        for key in card_keys:
            yield from (
                PassageRow(*row)
                for row in self._rows(
                    'SELECT p.card_key, p.id, p.section, p.text, p.start, p."end", c.id, c.title,'
                    " c.language, c.sources FROM passages p JOIN cards c ON c.key = p.card_key"
                    " WHERE p.card_key = ? ORDER BY p.seq",
                    (key,),
                )
            )

    def file_passages(self) -> dict[str, list[str]]:
        """The passage ids of every committed file, in reading order."""
        out: dict[str, list[str]] = {}
        for path, pid in self._rows(
            "SELECT f.path, p.id FROM files f JOIN passages p ON p.card_key = f.card_key"
            " ORDER BY f.seq, p.seq"
        ):
            out.setdefault(path, []).append(pid)
        return out

    def hint_parents(self, ids: Sequence[str]) -> dict[str, list[str]]:
        """Parents of those of `ids` that are hint vectors."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._rows(f"SELECT id, parents FROM hints WHERE id IN ({marks})", list(ids))
        return {i: p.split(",") for i, p in rows}

    # -- sentence windows ---------------------------------------------------
    def window_ids(self, space: str) -> set[str]:
        """Passages whose windows are stored in this vector space."""
        rows = self._rows("SELECT passage_id FROM windows WHERE space = ?", (space,))
        return {r[0] for r in rows}

    def put_windows(self, space: str, rows: Iterable[tuple[str, np.ndarray, np.ndarray]]) -> None:
        """Store (passage id, spans int32 (n, 2), vectors (n, dim)) in one transaction."""
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO windows (space, passage_id, spans, vectors)"
                " VALUES (?, ?, ?, ?)",
                [
                    (
                        space,
                        pid,
                        np.ascontiguousarray(spans, dtype=np.int32).tobytes(),
                        np.ascontiguousarray(vectors, dtype=np.float16).tobytes(),
                    )
                    for pid, spans, vectors in rows
                ],
            )

    def windows(self, space: str, passage_id: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(spans (n, 2) int32, vectors (n, dim) float32) of one passage, or None."""
        rows = self._rows(
            "SELECT spans, vectors FROM windows WHERE space = ? AND passage_id = ?",
            (space, passage_id),
        )
        if not rows:
            return None
        spans = np.frombuffer(rows[0][0], dtype=np.int32).reshape(-1, 2)
        vectors = np.frombuffer(rows[0][1], dtype=np.float16).astype(np.float32)
        return spans, vectors.reshape(len(spans), -1) if len(spans) else vectors.reshape(0, 0)

    # -- fixed query vectors ------------------------------------------------
    def fixed_vectors(self, model: str, digests: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored query vectors for these text digests (missing ones are left out)."""
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(digests), 500):
            chunk = list(digests[i : i + 500])
            marks = ",".join("?" * len(chunk))
            for digest, blob in self._rows(
                f"SELECT sha256, vector FROM fixed_vectors WHERE model = ? AND sha256 IN ({marks})",
                [model, *chunk],
            ):
                found[digest] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def put_fixed_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Store query vectors by text digest (write-through from the retriever)."""
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO fixed_vectors (model, sha256, vector) VALUES (?, ?, ?)",
                [
                    (model, d, np.ascontiguousarray(v, dtype=np.float32).tobytes())
                    for d, v in vectors.items()
                ],
            )

    def forget_fixed_vectors(self, model: str) -> None:
        """Drop the cached query vectors of one model (`coach ingest --rebuild`)."""
        with self._tx() as db:
            db.execute("DELETE FROM fixed_vectors WHERE model = ?", (model,))


def _set_meta(db: sqlite3.Connection, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if value is None:
            db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (key, json.dumps(value, ensure_ascii=False)),
            )
