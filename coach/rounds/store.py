"""Collaborations, rounds, partners and memberships in the sessions database.

The tables are created by the named migration `m004_team_rounds` in
`coach.sessions` (one file, one history of its schema); this module only reads
and writes them, through the session store's connection and lock, so a
membership and the session it belongs to live in one SQLite file and a deleted
session takes its membership with it (ON DELETE CASCADE).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from coach.errors import InputError
from coach.sessions import SessionStore

SHARE_LEVELS = ("scores", "signals", "answers")  # (a), (b), (c): each includes the ones before


@dataclass(frozen=True)
class Collaboration:
    id: str
    name: str
    card_id: str
    organisations: tuple[str, ...]  # the facilitator's list; () means free text
    created_at: str
    key_salt: bytes
    key_hash: bytes


@dataclass(frozen=True)
class Round:
    id: str
    collaboration: Collaboration
    number: int
    opens_on: date
    closes_on: date
    closed_at: str | None  # set when the facilitator closed it early

    def status(self, today: date) -> str:
        """'scheduled', 'open' or 'closed' on `today`."""
        if self.closed_at is not None or today > self.closes_on:
            return "closed"
        if today < self.opens_on:
            return "scheduled"
        return "open"


@dataclass(frozen=True)
class Membership:
    """A partner's place in one round: their session and what they chose to share."""

    session_id: str
    round_id: str
    partner_id: int
    organisation: str
    role: str
    share: str  # one of SHARE_LEVELS
    withdrawn: bool
    joined_at: str
    state: dict[str, Any] | None = None  # the session's dialogue state, when read with it


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class RoundStore:
    """Reads and writes the round tables of one sessions database."""

    def __init__(self, sessions: SessionStore) -> None:
        self.sessions = sessions

    # -- collaborations and rounds ---------------------------------------------------------
    def add_collaboration(
        self,
        collaboration_id: str,
        name: str,
        card_id: str,
        organisations: tuple[str, ...],
        key_salt: bytes,
        key_hash: bytes,
    ) -> None:
        with self.sessions.transaction() as db:
            db.execute(
                "INSERT INTO collaborations (id, created_at, name, card_id, organisations_json,"
                " key_salt, key_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    collaboration_id,
                    _now(),
                    name,
                    card_id,
                    json.dumps(list(organisations), ensure_ascii=False),
                    key_salt,
                    key_hash,
                ),
            )

    def add_round(
        self, collaboration_id: str, opens_on: date, closes_on: date, join_digest: str
    ) -> str:
        """The next round of a collaboration; returns its id ('{collaboration}-{number}')."""
        with self.sessions.transaction() as db:
            row = db.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM rounds WHERE collaboration_id = ?",
                (collaboration_id,),
            ).fetchone()
            number = int(row[0])
            round_id = f"{collaboration_id}-{number}"
            db.execute(
                "INSERT INTO rounds (id, collaboration_id, number, created_at, opens_on,"
                " closes_on, join_digest) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    round_id,
                    collaboration_id,
                    number,
                    _now(),
                    opens_on.isoformat(),
                    closes_on.isoformat(),
                    join_digest,
                ),
            )
        return round_id

    def collaboration(self, collaboration_id: str) -> Collaboration | None:
        rows = self.sessions.read(
            "SELECT id, name, card_id, organisations_json, created_at, key_salt, key_hash"
            " FROM collaborations WHERE id = ?",
            (collaboration_id,),
        )
        return _collaboration(rows[0]) if rows else None

    def round(self, round_id: str) -> Round | None:
        return self._one_round("r.id = ?", round_id)

    def round_by_join(self, join_digest: str) -> Round | None:
        return self._one_round("r.join_digest = ?", join_digest) if join_digest else None

    def rounds_of(self, collaboration_id: str) -> list[Round]:
        """Every round of a collaboration, first round first."""
        rows = self.sessions.read(
            _ROUND_SQL + " WHERE r.collaboration_id = ? ORDER BY r.number", (collaboration_id,)
        )
        return [_round(r) for r in rows]

    def round_of_session(self, session_id: str) -> Round | None:
        """The round a session was started in (None for an ordinary session)."""
        rows = self.sessions.read(
            f"{_ROUND_SQL} JOIN memberships m ON m.round_id = r.id WHERE m.session_id = ?",
            (session_id,),
        )
        return _round(rows[0]) if rows else None

    def close(self, round_id: str) -> None:
        with self.sessions.transaction() as db:
            db.execute(
                "UPDATE rounds SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                (_now(), round_id),
            )

    def _one_round(self, where: str, value: str) -> Round | None:
        rows = self.sessions.read(f"{_ROUND_SQL} WHERE {where}", (value,))
        return _round(rows[0]) if rows else None

    # -- partners and memberships ----------------------------------------------------------
    def partner(self, collaboration_id: str, code_digest: str) -> int | None:
        rows = self.sessions.read(
            "SELECT id FROM partners WHERE collaboration_id = ? AND code_digest = ?",
            (collaboration_id, code_digest),
        )
        return int(rows[0][0]) if rows else None

    def add_partner(self, collaboration_id: str, code_digest: str) -> int:
        with self.sessions.transaction() as db:
            cur = db.execute(
                "INSERT INTO partners (collaboration_id, code_digest, created_at) VALUES (?, ?, ?)",
                (collaboration_id, code_digest, _now()),
            )
            return int(cur.lastrowid or 0)

    def add_membership(
        self,
        session_id: str,
        round_id: str,
        partner_id: int,
        organisation: str,
        role: str,
        share: str,
    ) -> None:
        _check_share(share)
        now = _now()
        try:
            with self.sessions.transaction() as db:
                db.execute(
                    "INSERT INTO memberships (session_id, round_id, partner_id, organisation,"
                    " role, share, joined_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (session_id, round_id, partner_id, organisation, role, share, now, now),
                )
        except sqlite3.IntegrityError:
            raise InputError(
                "You have already joined this round with this partner code; continue your "
                "reflection with the session code you were given when you joined."
            ) from None

    def membership(self, session_id: str) -> Membership | None:
        rows = self.sessions.read(f"{_MEMBER_SQL} WHERE m.session_id = ?", (session_id,))
        return _membership(rows[0]) if rows else None

    def memberships(self, round_id: str) -> list[Membership]:
        """Every membership of a round with its session's state, in the order they joined."""
        rows = self.sessions.read(
            f"{_MEMBER_SQL} WHERE m.round_id = ? ORDER BY m.joined_at, m.rowid", (round_id,)
        )
        return [_membership(r) for r in rows]

    def previous_membership(self, partner_id: int, before: int) -> Membership | None:
        """The partner's membership in their latest round numbered below `before`."""
        rows = self.sessions.read(
            f"{_MEMBER_SQL} JOIN rounds r ON r.id = m.round_id"
            " WHERE m.partner_id = ? AND r.number < ? ORDER BY r.number DESC LIMIT 1",
            (partner_id, before),
        )
        return _membership(rows[0]) if rows else None

    def set_share(self, session_id: str, share: str) -> None:
        _check_share(share)
        with self.sessions.transaction() as db:
            db.execute(
                "UPDATE memberships SET share = ?, updated_at = ? WHERE session_id = ?",
                (share, _now(), session_id),
            )

    def set_withdrawn(self, session_id: str, withdrawn: bool) -> None:
        with self.sessions.transaction() as db:
            db.execute(
                "UPDATE memberships SET withdrawn = ?, updated_at = ? WHERE session_id = ?",
                (int(withdrawn), _now(), session_id),
            )


_ROUND_SQL = (
    "SELECT r.id, r.number, r.opens_on, r.closes_on, r.closed_at, c.id, c.name, c.card_id,"
    " c.organisations_json, c.created_at, c.key_salt, c.key_hash"
    " FROM rounds r JOIN collaborations c ON c.id = r.collaboration_id"
)
_MEMBER_SQL = (
    "SELECT m.session_id, m.round_id, m.partner_id, m.organisation, m.role, m.share,"
    " m.withdrawn, m.joined_at, s.state_json"
    " FROM memberships m JOIN sessions s ON s.id = m.session_id"
)


def _check_share(share: str) -> None:
    if share not in SHARE_LEVELS:
        raise InputError(
            f"Unknown sharing choice {share!r}; use one of: {', '.join(SHARE_LEVELS)}."
        )


def _collaboration(row: tuple[Any, ...]) -> Collaboration:
    return Collaboration(
        id=row[0],
        name=row[1],
        card_id=row[2],
        organisations=tuple(json.loads(row[3] or "[]")),
        created_at=row[4],
        key_salt=bytes(row[5]),
        key_hash=bytes(row[6]),
    )


def _round(row: tuple[Any, ...]) -> Round:
    return Round(
        id=row[0],
        number=int(row[1]),
        opens_on=date.fromisoformat(row[2]),
        closes_on=date.fromisoformat(row[3]),
        closed_at=row[4],
        collaboration=_collaboration(row[5:]),
    )


def _membership(row: tuple[Any, ...]) -> Membership:
    return Membership(
        session_id=row[0],
        round_id=row[1],
        partner_id=int(row[2]),
        organisation=row[3],
        role=row[4],
        share=row[5],
        withdrawn=bool(row[6]),
        joined_at=row[7],
        state=json.loads(row[8]) if row[8] else None,
    )
