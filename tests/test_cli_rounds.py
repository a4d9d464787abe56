"""`coach round ...` and `coach plan --round` as a facilitator uses them (real processes, index).

Partners join with `coach round join`; their reflections are walked through the
library on the same COACH_HOME (the order of the questions depends on what they
say, which a fixed script cannot follow).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from round_fixtures import ORGANISATIONS, SIX, walk

from coach.rounds.service import NOT_FOUND

pytestmark = pytest.mark.slow


def coach_cli(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    env.update(COACH_HOME=str(home), HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    return subprocess.run(
        [sys.executable, "-m", "coach", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, real_index_home: Path) -> Path:
    target = tmp_path_factory.mktemp("cli-rounds") / "coach-home"
    shutil.copytree(real_index_home / "index", target / "index")
    return target


def test_a_facilitator_goes_from_a_new_round_to_a_report_and_a_plan(home: Path) -> None:
    from coach.service import build_coach
    from coach.settings import Settings

    args = ["round", "create", "--name", "Wijkzorg Noord", "--days", "21", "--json"]
    for org in ORGANISATIONS:
        args += ["--org", org]
    opened: dict[str, Any] = json.loads(ok(coach_cli(home, *args)))
    round_id, key = opened["round_id"], opened["facilitator_key"]
    human = ok(coach_cli(home, "round", "create", "--name", "Tweede"))
    assert "Join code for the partners:" in human and "shown only now" in human

    coach = build_coach(Settings(home=home))
    for p in SIX[:4]:
        joined = json.loads(
            ok(
                coach_cli(
                    home,
                    "round",
                    "join",
                    opened["join_code"],
                    "--org",
                    p.organisation,
                    "--role",
                    p.role,
                    "--share",
                    p.share,
                    "--json",
                )
            )
        )
        session = joined["session"]
        walk(lambda text, s=session: coach.reply(s, text).to_dict(), joined["turn"], p)

    status = json.loads(ok(coach_cli(home, "round", "status", round_id, "--key", key, "--json")))
    assert status["joined"] == 4 and status["status"] == "open"
    report = ok(coach_cli(home, "round", "report", round_id, "--key", key))
    assert "# Teamronde: Wijkzorg Noord — ronde 1" in report
    assert "| Voortgang | 4 | 2,5 | 1–4 |" in report
    assert "zebravink" not in report.lower()
    english = ok(
        coach_cli(home, "round", "report", round_id, "--key", "-", "--lang", "en", stdin=key + "\n")
    )
    assert "Where partners differ most" in english
    csv_text = ok(coach_cli(home, "round", "export", round_id, "--key", key))
    assert csv_text.splitlines()[0] == "round,partner,organisation,commitment,progress,result"
    assert len(csv_text.strip().splitlines()) == 5
    out = home / "out" / "plan.md"
    out.parent.mkdir()
    ok(
        coach_cli(
            home, "plan", "--round", round_id, "--key", "-", "--out", str(out), stdin=key + "\n"
        )
    )
    plan = out.read_text(encoding="utf-8")
    assert "## Waar de partners verschillen" in plan and "Waar we verschillen" in plan

    wrong = coach_cli(home, "round", "report", round_id, "--key", "nope")
    unknown = coach_cli(home, "round", "report", "nosuch-1", "--key", key)
    assert wrong.returncode == unknown.returncode == 2
    assert wrong.stderr == unknown.stderr == f"coach: {NOT_FOUND}\n" and not wrong.stdout

    ok(coach_cli(home, "round", "close", round_id, "--key", key))
    session = coach.list_sessions()[0].id
    refused = coach_cli(home, "chat", "--session", session, stdin="nog iets\n")
    assert "closed by its facilitator" in refused.stderr + refused.stdout

    nxt = json.loads(ok(coach_cli(home, "round", "open", round_id, "--key", key, "--json")))
    assert nxt["round_id"] == round_id[:-1] + "2" and nxt["facilitator_key"] is None


def test_plan_needs_a_card_or_a_round(home: Path) -> None:
    result = coach_cli(home, "plan")
    assert result.returncode == 2 and "--card blijf-balanceren" in result.stderr
