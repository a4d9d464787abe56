"""Twenty gradio_client sessions at once: every transcript holds only its own answers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from test_app_server import Served, client, served_app

pytestmark = pytest.mark.slow

N_CLIENTS = 20
# Distinct, card-neutral words: each client mentions only its own token.
TOKENS = [
    "albatros",
    "bever",
    "citroen",
    "dolfijn",
    "eikenhout",
    "flamingo",
    "giraffe",
    "havik",
    "ijsvogel",
    "jaguar",
    "kievit",
    "lynx",
    "marmot",
    "nachtegaal",
    "otter",
    "pelikaan",
    "kwartel",
    "reiger",
    "salamander",
    "tapir",
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, real_index_home: Path) -> Iterator[Served]:
    yield from served_app(tmp_path_factory, real_index_home)


def _session(url: str, token: str, start: threading.Barrier) -> dict[str, Any]:
    """One client: a short conversation in which every answer carries its token."""
    c = client(url)
    start.wait(timeout=120)  # all clients talk at the same time
    answers = [
        f"Ik ben procesbegeleider bij project {token} met vier gemeenten.",
        f"Bij {token} vergaderen we veel maar er gebeurt weinig.",
        f"In {token} staan de afspraken onder druk.",
        f"Voor {token} is het commitment wisselend.",
    ]
    turns = [c.predict(text, api_name="/chat_json") for text in answers]
    return {"token": token, "turns": turns, "export": c.predict(api_name="/summary")}


def test_twenty_simultaneous_clients_keep_their_own_transcripts(served: Served) -> None:
    start = threading.Barrier(N_CLIENTS)
    with ThreadPoolExecutor(max_workers=N_CLIENTS) as pool:
        results = list(pool.map(lambda t: _session(served.url, t, start), TOKENS))
    sessions = set()
    for result in results:
        token, export = result["token"], result["export"]
        assert all("error" not in turn for turn in result["turns"]), result["turns"]
        sessions.update(turn["session"] for turn in result["turns"])
        assert len({turn["session"] for turn in result["turns"]}) == 1
        assert export.count(token) >= 4, (token, export)
        others = [t for t in TOKENS if t != token and t in export]
        assert not others, f"{token}'s transcript contains {others}"
    assert len(sessions) == N_CLIENTS
    stored = {info.id for info in served.coach.list_sessions()}
    assert sessions <= stored
