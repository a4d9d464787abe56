"""The SQLite session store: migrations, atomic turns, feedback, deletion, restart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from coach.errors import SessionNotFound
from coach.sessions import MIGRATIONS, SessionStore


def _reply(phase: str, turn: int, retrieved: list[str] | None = None) -> dict:
    cite = {
        "passage_id": "p1",
        "card": "c",
        "title": "T",
        "section": "S",
        "quote": "q",
        "source": "src",
        "url": None,
    }
    return {
        "session": "s",
        "turn": turn,
        "phase": phase,
        "text": f"reply {turn}",
        "citations": [cite],
        "actions": [{"id": "a", "title": "A", "why": "w", "citations": [cite]}],
        "retrieved": retrieved or ["p1"],
    }


def test_all_named_migrations_are_applied_once_in_order(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    SessionStore(db).close()
    store = SessionStore(db)  # reopening applies nothing twice
    assert store.applied_migrations() == [name for name, _ in MIGRATIONS]


def test_turns_keep_phase_retrieved_ids_and_citations(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite3")
    store.create("s1", "card", "nl", {"phase": "intake"})
    store.record_turn("s1", 0, None, _reply("intake", 0), {"phase": "intake"}, "nl")
    store.record_turn(
        "s1", 1, "hallo", _reply("question", 1, ["p1", "p2"]), {"phase": "question"}, "nl"
    )
    turns = store.turns("s1")
    assert [t.phase for t in turns] == ["intake", "question"]
    assert turns[1].user_text == "hallo"
    row = store._db.execute(
        "SELECT retrieved_json, citations_json FROM turns WHERE turn = 1"
    ).fetchone()
    assert '"p2"' in row[0]
    assert row[1].count("passage_id") == 2  # reply citation + action citation
    assert store.load_state("s1") == {"phase": "question"}


def test_a_session_survives_the_process_being_killed(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    store = SessionStore(db)
    store.create("s1", "card", "nl", {"phase": "intake"})
    store.record_turn("s1", 0, None, _reply("intake", 0), {"n": 0}, "nl")
    store.record_turn("s1", 1, "antwoord", _reply("question", 1), {"n": 1}, "nl")
    # no close(): simulate a crash by opening a second, independent connection
    reopened = SessionStore(db)
    assert [t.turn for t in reopened.turns("s1")] == [0, 1]
    assert reopened.load_state("s1") == {"n": 1}


def test_a_failed_turn_write_changes_neither_turns_nor_state(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite3")
    store.create("s1", "card", "nl", {"n": 0})
    store.record_turn("s1", 0, None, _reply("intake", 0), {"n": 0}, "nl")
    with pytest.raises(sqlite3.IntegrityError):
        store.record_turn("s1", 0, "dubbel", _reply("question", 0), {"n": 99}, "nl")
    assert store.load_state("s1") == {"n": 0}
    assert len(store.turns("s1")) == 1


def test_feedback_is_stored_with_the_turn(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite3")
    store.create("s1", "card", "nl", {})
    store.record_turn("s1", 0, None, _reply("intake", 0), {}, "nl")
    store.set_feedback("s1", 0, False, "te lang")
    turn = store.turns("s1")[0]
    assert (turn.feedback_liked, turn.feedback_comment) == (False, "te lang")
    with pytest.raises(SessionNotFound):
        store.set_feedback("s1", 7, True, None)


def test_deleting_a_session_removes_all_its_turns_and_nothing_else(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite3")
    for sid in ("keep", "drop"):
        store.create(sid, "card", "nl", {})
        store.record_turn(sid, 0, None, _reply("intake", 0), {}, "nl")
        store.record_turn(sid, 1, f"tekst van {sid}", _reply("question", 1), {}, "nl")
    store.delete("drop")
    assert [s.id for s in store.list()] == ["keep"]
    left = store._db.execute("SELECT COUNT(*) FROM turns WHERE session_id = 'drop'").fetchone()
    assert left[0] == 0
    with pytest.raises(SessionNotFound, match="nothing was deleted"):
        store.delete("drop")


def test_session_list_shows_preview_turn_count_and_phase(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite3")
    store.create("s1", "card", "nl", {})
    store.record_turn("s1", 0, None, _reply("intake", 0), {}, "nl")
    store.record_turn("s1", 1, "Wij zijn drie gemeenten", _reply("question", 1), {}, "nl")
    [info] = store.list()
    assert (info.turns, info.phase, info.preview) == (2, "question", "Wij zijn drie gemeenten")


def test_unknown_session_says_how_to_find_yours(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.sqlite3")
    with pytest.raises(SessionNotFound, match="coach sessions list"):
        store.load_state("nope")


def test_a_corrupt_database_file_gets_a_message_with_the_fix(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite3"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(Exception, match="Move it aside"):
        SessionStore(db)


def test_a_deleted_session_leaves_no_trace_in_the_database_files(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions.sqlite3")
    store.create("sessie-geheim", "blijf-balanceren", "nl", {"phase": "intake"})
    reply = {"phase": "intake", "text": "ok", "citations": [], "actions": [], "retrieved": []}
    for n in range(20):
        store.record_turn("sessie-geheim", n, f"codewoord ijsvogeltje {n}", reply, {}, "nl")
    store.create("blijft", "blijf-balanceren", "nl", {"phase": "intake"})
    store.delete("sessie-geheim")
    for path in tmp_path.iterdir():
        data = path.read_bytes()
        assert b"ijsvogeltje" not in data and b"sessie-geheim" not in data, path.name
    assert store.exists("blijft")
