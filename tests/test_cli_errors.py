"""Known failures of the real `coach` command end in a plain message with the fix, never in
"unexpected error … please report it" or a traceback. Each test runs the CLI as a process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from coach.service import build_coach
from coach.settings import Settings


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(COACH_HOME=str(home), HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    return env


def _coach(home: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coach", *args],
        capture_output=True,
        text=True,
        env=_env(home),
        timeout=300,
        check=False,
        cwd=cwd,
    )


def _assert_plain_error(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stderr.startswith("coach: ")
    assert "Traceback" not in done.stderr and "unexpected error" not in done.stderr


def test_export_to_a_missing_folder_says_to_create_it(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "dir" / "x.md"
    done = _coach(tmp_path / "home", "sessions", "export", "any-id", "--out", str(target))
    _assert_plain_error(done)
    assert f"mkdir -p {target.parent}" in done.stderr
    assert not target.parent.exists()


def test_export_to_a_folder_asks_for_a_file_name(tmp_path: Path) -> None:
    done = _coach(tmp_path / "home", "sessions", "export", "any-id", "--out", str(tmp_path))
    _assert_plain_error(done)
    assert "is a folder; give a file name" in done.stderr


def test_an_empty_session_id_is_an_error_not_a_new_session(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = _coach(home, "chat", "--session", "", "--json")
    _assert_plain_error(done)
    assert "coach sessions list" in done.stderr and done.stdout == ""
    assert not (home / "sessions.sqlite3").exists()


@pytest.mark.slow
def test_a_closed_pipe_after_chat_json_ends_quietly(real_index_home: Path, tmp_path: Path) -> None:
    script = tmp_path / "turns.txt"
    script.write_text("\n".join(["Wij zijn drie gemeenten.", *["verder"] * 30]), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "coach", "chat", "--json", "--script", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(real_index_home),
    )
    assert proc.stdout and proc.stderr
    first = json.loads(proc.stdout.readline())  # like `| head -1`
    proc.stdout.close()
    returncode = proc.wait(timeout=300)
    stderr = proc.stderr.read()
    assert returncode == 141, stderr
    assert stderr == ""
    assert first["turn"] == 0


@pytest.mark.slow
def test_export_to_a_file_still_writes_it(real_index_home: Path, tmp_path: Path) -> None:
    session = build_coach(Settings(home=real_index_home)).start_session().session
    target = tmp_path / "export.md"
    done = _coach(real_index_home, "sessions", "export", session, "--out", str(target))
    assert done.returncode == 0, done.stderr
    assert target.read_text(encoding="utf-8").startswith("# ")


def test_version_prints_the_installed_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    done = _coach(tmp_path / "home", "--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"coach {version('balanscoach')}"


def test_a_missing_corpus_folder_is_an_error_and_is_not_remembered(tmp_path: Path) -> None:
    home = tmp_path / "home"
    missing = tmp_path / "missing" / "folder"
    done = _coach(home, "ingest", "--corpus", str(missing))
    _assert_plain_error(done)
    assert f"--corpus {missing}: does not exist" in done.stderr
    assert not (home / "index").exists()  # nothing remembered, nothing to warn about later
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x", encoding="utf-8")
    _assert_plain_error(done := _coach(home, "ingest", "--corpus", str(a_file)))
    assert "is a file, not a folder" in done.stderr


def test_a_busy_port_says_how_to_choose_another(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _coach(tmp_path / "home", "serve", "--port", str(port))
    _assert_plain_error(done)
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert f"coach serve --port {port + 1}" in done.stderr


def test_eval_run_finds_the_shipped_scripts_from_any_folder(tmp_path: Path) -> None:
    """From a folder without eval/, the shipped scripts are found; the bad gate then stops
    the run before any model loads (the scripts were read first)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for paths in (["eval/conversations"], []):
        done = _coach(
            tmp_path / "home", "eval", "run", *paths, "--fail-under", "nonsense=1", cwd=elsewhere
        )
        _assert_plain_error(done)
        assert "unknown metric 'nonsense'" in done.stderr, done.stderr
        assert "no such file or folder" not in done.stderr
