"""Ingest as users break it, with the real model, Chroma on disk and real processes.

Hostile files beside good cards, an ingest killed with SIGKILL halfway through
embedding, a server started on a folder with a broken file; and the vectors
the dialogue builds on (fixed queries, quote windows) on the real corpus.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fixtures_corpus import card_md, copy_home, write_hostile_files, write_small_corpus
from langchain_core.embeddings import Embeddings

from coach.grounding import _segments
from coach.index.windows import quote_windows
from coach.retrieval import build_retriever
from coach.settings import Settings

pytestmark = pytest.mark.slow


def _coach(*args: str, env: dict[str, str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coach", *args],
        env={**env, "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        **kw,
    )


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    return {**env, "COACH_HOME": str(home), **extra}


def test_hostile_files_are_named_and_the_good_cards_are_searchable(
    real_index_home: Path, tmp_path: Path
) -> None:
    home = copy_home(real_index_home, tmp_path / "home")
    folder = write_small_corpus(tmp_path / "mine")
    write_hostile_files(folder)
    done = _coach("ingest", "--json", "--corpus", str(folder), env=_env(home))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    problems = "\n".join(report["problems"])
    assert "kapot.docx: cannot be read as Word .docx (XMLSyntaxError" in problems
    assert "groot.txt: is 20.0 MB, above the limit of 5 MB (COACH_MAX_FILE_MB)" in problems
    assert "lus.md: is a symbolic link that loops back on itself" in problems
    assert report["added"] == 4  # the two good cards of the folder
    strict = _coach("ingest", "--strict", env=_env(home))
    assert strict.returncode == 1 and "(--strict)" in strict.stderr
    asked = _coach("ask", "schijnsamenwerking veel overleg", "--json", env=_env(home))
    assert asked.returncode == 0, asked.stderr
    cards = {hit["card_id"] for hit in json.loads(asked.stdout)["hits"]}
    assert "balans" in cards


def test_serve_starts_on_a_corpus_with_a_broken_file(tmp_path: Path) -> None:
    from gradio_client import Client

    folder = write_small_corpus(tmp_path / "mine")
    write_hostile_files(folder)
    env = _env(
        tmp_path / "home",
        COACH_CORPUS=str(folder),
        COACH_INCLUDE_BUILTIN_CORPUS="false",
        COACH_DEFAULT_CARD="balans",
    )
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "coach", "serve", "--port", str(port)],
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the first ingest runs before the URL is printed
        assert "running at" in line, (line, proc.poll())
        url = re.search(r"(http://127\.0\.0\.1:\d+/?)", line)
        assert url is not None
        reply = Client(url.group(1), verbose=False).predict(
            "Wat is schijnsamenwerking?", api_name="/chat"
        )
        assert "schijnsamenwerking" in reply.lower()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert "kapot.docx" in err and "groot.txt" in err and "lus.md" in err  # the start-up notice


def test_killed_ingest_leaves_ask_working_and_the_next_ingest_resumes(
    real_index_home: Path, tmp_path: Path
) -> None:
    home = copy_home(real_index_home, tmp_path / "home")
    folder = tmp_path / "veel"
    folder.mkdir()
    for n in range(30):
        sections = {
            f"Onderwerp {i}": f"Kaart {n} gaat over afspraak {i} tussen de partners. "
            f"De voortgang van punt {i} wordt elke maand besproken."
            for i in range(5)
        }
        (folder / f"kaart-{n}.md").write_text(card_md(f"kaart-{n}", f"Kaart {n}", sections))
    env = _env(home)
    proc = subprocess.Popen(
        [sys.executable, "-m", "coach", "ingest", "--corpus", str(folder)],
        # a progress line after each stored batch, however fast this machine embeds
        env={**env, "PYTHONUNBUFFERED": "1", "COACH_PROGRESS_SECONDS": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if re.match(r"coach: ingest: passage and hint vectors: \d+/150 \(", line):
            os.kill(proc.pid, signal.SIGKILL)  # halfway through embedding
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "".join(lines)
    assert lines[0].strip() == "coach: ingest: passage and hint vectors: 150 to do"

    asked = _coach("ask", "schijnsamenwerking", "--json", env=env)
    assert asked.returncode == 0, asked.stderr  # the previous index is still in use
    assert json.loads(asked.stdout)["hits"]

    resumed = _coach("ingest", "--json", env=env)  # the folder was registered before the kill
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert report["added"] == 150 and report["cards"] == 7 + 30
    assert 0 < report["embedded"] < 150  # the batches stored before the kill are kept
    assert report["embedded_windows"] == 150 * 3
    events = [json.loads(line) for line in resumed.stderr.splitlines() if line.startswith("{")]
    assert any(e["event"] == "done" and e["stage"] == "windows" for e in events)


class _Counting(Embeddings):
    """The real model, counting query embeddings."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.queries = 0
        self.texts: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        self.queries += 1
        self.texts.append(text)
        return self.inner.embed_query(text)


def test_the_actions_turn_embeds_only_the_message_after_ingest(
    real_index_home: Path, tmp_path: Path
) -> None:
    from coach.dialogue.content import load_content
    from coach.embeddings import load_embeddings
    from coach.service import Coach
    from coach.sessions import SessionStore

    settings = Settings(home=copy_home(real_index_home, tmp_path / "home"))
    counting = _Counting(load_embeddings(settings).embeddings)
    retriever = build_retriever(settings, counting)
    coach = Coach(
        settings, retriever, SessionStore(settings.sessions_db), load_content(settings.prompts_dir)
    )
    session = coach.start_session().session
    coach.reply(session, "Wij zijn drie gemeenten en twee zorgaanbieders.")
    while coach.state(session).phase != "balance":
        coach.reply(session, "overslaan")
    counting.texts = []
    turn = coach.reply(session, "commitment 4, voortgang 2, resultaat 3")
    assert turn.phase == "actions" and turn.actions
    # the message itself is read once; every action and balance query came from the index
    assert counting.texts in ([], ["commitment 4, voortgang 2, resultaat 3"])


def test_windows_slice_real_sentences_and_the_paraphrased_one_ranks_first(
    real_index_home: Path,
) -> None:
    retriever = build_retriever(Settings(home=real_index_home))
    cases = {
        "hoeveel uren kunnen we echt vrijmaken voor dit samenwerkingsverband": (
            "Commitment",
            "Hoeveel tijd kunnen we daadwerkelijk besteden aan de samenwerking?",
        ),
        "de wet verandert en partners stappen in of uit": (
            "Lenigheid",
            "De context van de samenwerking kan door wet- en regelgeving veranderen",
        ),
    }
    for query, (section, sentence) in cases.items():
        hits = retriever.search(query, k=5, windows=True)
        hit = next(h for h in hits if h.passage.section == section)
        text = hit.passage.text
        sentences = {text[s:e] for s, e in _segments(text)}
        assert {(s, e) for s, e, _ in hit.windows} == set(quote_windows(text))
        for start, end, _ in hit.windows:
            window = text[start:end]
            assert window in sentences or any(
                window.startswith(a) and window.endswith(b) for a in sentences for b in sentences
            )
        start, end, score = hit.windows[0]
        assert text[start:end].startswith(sentence), (query, text[start:end])
        assert score > max(w[2] for w in hit.windows[1:])


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
