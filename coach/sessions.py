"""SQLite session store with named, append-only migrations (after simonw/llm).

Each user turn is written in one transaction together with the new dialogue
state, so a process killed mid-session loses at most the turn it was
computing. Turns keep the ids of the passages they retrieved and their
citations, so a conversation can be replayed and audited. Foreign keys with
ON DELETE CASCADE make "delete this session" remove every trace of it, and
`secure_delete` plus a WAL checkpoint make sure no trace stays on disk either
(SQLite otherwise leaves deleted rows in free pages and in the write-ahead log).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coach.errors import CoachError, SessionNotFound

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(func: Migration) -> Migration:
    """Register a migration under its function name; never edit one that has shipped."""
    MIGRATIONS.append((func.__name__, func))
    return func


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            card_id TEXT NOT NULL,
            language TEXT NOT NULL,
            state_json TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE turns (
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            turn INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            user_text TEXT,
            phase TEXT NOT NULL,
            reply_json TEXT NOT NULL,
            retrieved_json TEXT NOT NULL,
            citations_json TEXT NOT NULL,
            PRIMARY KEY (session_id, turn)
        )"""
    )


@migration
def m002_turn_feedback(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE turns ADD COLUMN feedback_liked INTEGER")
    db.execute("ALTER TABLE turns ADD COLUMN feedback_comment TEXT")


@migration
def m003_session_preview(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE sessions ADD COLUMN preview TEXT NOT NULL DEFAULT ''")


@dataclass(frozen=True)
class SessionInfo:
    """A line in the session list."""

    id: str
    created_at: str
    updated_at: str
    card_id: str
    language: str
    turns: int
    phase: str
    preview: str


@dataclass(frozen=True)
class TurnRecord:
    """One stored turn: what the user typed and what the coach replied."""

    turn: int
    user_text: str | None
    phase: str
    reply: dict[str, Any]
    feedback_liked: bool | None
    feedback_comment: str | None
    created_at: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SessionStore:
    """All sessions of one COACH_HOME, safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise CoachError(
                f"The session database {path} cannot be opened ({exc}). "
                "Move it aside to start with an empty history."
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
                    db.execute("INSERT INTO _migrations VALUES (?, ?)", (name, _now()))

    def applied_migrations(self) -> list[str]:
        """Names of applied migrations, in order."""
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT name FROM _migrations ORDER BY rowid")]

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

    def create(self, session_id: str, card_id: str, language: str, state: dict[str, Any]) -> None:
        """Insert a new, empty session."""
        now = _now()
        with self._tx() as db:
            db.execute(
                "INSERT INTO sessions (id, created_at, updated_at, card_id, language, state_json)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, now, now, card_id, language, json.dumps(state)),
            )

    def exists(self, session_id: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return row is not None

    def load_state(self, session_id: str) -> dict[str, Any]:
        """The stored dialogue state, or SessionNotFound with the fix."""
        with self._lock:
            row = self._db.execute(
                "SELECT state_json FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
        if row is None:
            raise SessionNotFound(
                f"No session with id {session_id!r} — list yours with `coach sessions list`, "
                "or start a new one."
            )
        state: dict[str, Any] = json.loads(row[0])
        return state

    def next_turn(self, session_id: str) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(MAX(turn) + 1, 0) FROM turns WHERE session_id = ?", (session_id,)
            ).fetchone()
        return int(row[0])

    def record_turn(
        self,
        session_id: str,
        turn: int,
        user_text: str | None,
        reply: dict[str, Any],
        state: dict[str, Any],
        language: str,
    ) -> None:
        """Store the turn and the new state atomically."""
        now = _now()
        with self._tx() as db:
            db.execute(
                "INSERT INTO turns (session_id, turn, created_at, user_text, phase, reply_json,"
                " retrieved_json, citations_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    turn,
                    now,
                    user_text,
                    reply["phase"],
                    json.dumps(reply, ensure_ascii=False),
                    json.dumps(reply.get("retrieved", [])),
                    json.dumps(_all_citations(reply), ensure_ascii=False),
                ),
            )
            preview_row = db.execute(
                "SELECT preview FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
            preview = preview_row[0] if preview_row else ""
            if not preview and user_text:
                preview = " ".join(user_text.split())[:80]
            db.execute(
                "UPDATE sessions SET state_json = ?, updated_at = ?, language = ?, preview = ?"
                " WHERE id = ?",
                (json.dumps(state, ensure_ascii=False), now, language, preview, session_id),
            )

    def save_state(self, session_id: str, state: dict[str, Any]) -> None:
        """Replace the session's dialogue state outside a turn (e.g. who/when of an action)."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE sessions SET state_json = ?, updated_at = ? WHERE id = ?",
                (json.dumps(state, ensure_ascii=False), _now(), session_id),
            )
            if cur.rowcount == 0:
                raise SessionNotFound(f"No session with id {session_id!r}.")

    def turns(self, session_id: str) -> list[TurnRecord]:
        """Every stored turn of a session, in order."""
        self.load_state(session_id)  # raises SessionNotFound
        with self._lock:
            rows = self._db.execute(
                "SELECT turn, user_text, phase, reply_json, feedback_liked, feedback_comment,"
                " created_at FROM turns WHERE session_id = ? ORDER BY turn",
                (session_id,),
            ).fetchall()
        return [
            TurnRecord(
                turn=r[0],
                user_text=r[1],
                phase=r[2],
                reply=json.loads(r[3]),
                feedback_liked=None if r[4] is None else bool(r[4]),
                feedback_comment=r[5],
                created_at=r[6],
            )
            for r in rows
        ]

    def set_feedback(
        self, session_id: str, turn: int, liked: bool | None, comment: str | None
    ) -> None:
        """Attach a like/dislike and optional comment to one coach turn."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE turns SET feedback_liked = ?, feedback_comment = ?"
                " WHERE session_id = ? AND turn = ?",
                (None if liked is None else int(liked), comment, session_id, turn),
            )
            if cur.rowcount == 0:
                raise SessionNotFound(f"No turn {turn} in session {session_id!r}.")

    def list(self) -> list[SessionInfo]:
        """All sessions, most recently used first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT s.id, s.created_at, s.updated_at, s.card_id, s.language, s.preview,"
                " COUNT(t.turn), (SELECT phase FROM turns WHERE session_id = s.id"
                "  ORDER BY turn DESC LIMIT 1)"
                " FROM sessions s LEFT JOIN turns t ON t.session_id = s.id"
                " GROUP BY s.id ORDER BY s.updated_at DESC, s.rowid DESC"
            ).fetchall()
        return [
            SessionInfo(
                id=r[0],
                created_at=r[1],
                updated_at=r[2],
                card_id=r[3],
                language=r[4],
                preview=r[5],
                turns=r[6],
                phase=r[7] or "",
            )
            for r in rows
        ]

    def delete(self, session_id: str) -> None:
        """Remove a session and all its turns and feedback, from the file as well."""
        with self._tx() as db:
            cur = db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            if cur.rowcount == 0:
                raise SessionNotFound(f"No session with id {session_id!r} — nothing was deleted.")
        with self._lock:  # the log still holds the old pages until they are written back
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _all_citations(reply: dict[str, Any]) -> list[dict[str, Any]]:
    """Citations of the reply itself and of its actions, for auditing."""
    cites = list(reply.get("citations", []))
    for action in reply.get("actions", []):
        cites.extend(action.get("citations", []))
    return cites
