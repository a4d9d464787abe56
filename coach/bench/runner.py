"""`coach bench`: what a turn, a search and a start cost, as ratios to the floor.

The floor is what any retrieval must pay: one query embedding plus one HNSW
query, in-process and warm. Everything else is reported against the floor
measured in the same run, so the ratios stay meaningful on a busy or a quiet
machine. Measurements per size (the shipped corpus, and `--scale N`):

- the floor and hybrid search, p50/p95 over many different queries, with the
  retriever's caches cleared before every search;
- `Coach.reply` per turn type (answer with an insight, a question, the
  balance ratings that lead to the actions, a command), each turn in a fresh
  session walked to the right phase, caches cleared before the timed turn;
- cold starts of `coach ask`, `coach chat` and `coach serve` to their first
  reply, in fresh processes, with their peak RSS;
- for the shipped corpus, ingest throughput against raw `embed_documents` on
  the same texts; for scale indexes, the synthetic build (see `bench.scale`).
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from coach.bench.coldstart import COLD_STARTS
from coach.bench.scale import build_scale_home
from coach.bench.timing import Row, run_timed, summarise
from coach.embeddings import LoadedEmbeddings, load_embeddings
from coach.evaluation.retrieval import DEFAULT_DEV_SET, load_dev_set
from coach.settings import BUILTIN_CORPUS, Settings

INTAKE = "Wij zijn drie gemeenten en twee zorgaanbieders die samen wijkzorg organiseren."
ANSWERS = (
    "We vergaderen veel, maar er gebeurt weinig en niet iedereen komt de afspraken na.",
    "Er komt nieuwe wetgeving aan en een nieuwe partner wil aansluiten bij ons netwerk.",
    "De wethouder wil resultaat zien, maar de zorgaanbieders hebben geen tijd vrijgemaakt.",
    "We praten nooit over wanneer we zouden stoppen als het resultaat te mager blijft.",
    "Iedereen zegt dat hij wil samenwerken, maar bij de uren haakt iedereen af.",
    "De rollen zijn onduidelijk; niemand weet wie regisseur is en wie de kar trekt.",
    "Het vertrouwen tussen de partners is gegroeid sinds we kleine successen vieren.",
    "We hebben een gezamenlijke ambitie opgeschreven maar niemand kijkt er nog naar.",
)
QUESTIONS = (
    "Wat is schijnsamenwerking?",
    "Wat is een normenkader?",
    "Hoe ga je om met een nieuwe partner die wil aansluiten?",
    "Wat doe je als het resultaat te mager is?",
    "Hoe maak je een omgevingsanalyse?",
    "Wat betekent lenigheid in een samenwerking?",
)
# Labelled, so the reply is the actions turn itself (bare "4/2/3" is confirmed first).
RATINGS = tuple(
    f"commitment {c}, voortgang {p}, resultaat {r}"
    for c, p, r in ("423", "222", "555", "142", "335", "511", "254", "441")
)
TURN_TYPES = ("answer", "qa", "actions", "command")
QUICK_CARD = "blijf-balanceren"


@dataclass
class BenchOptions:
    """What to measure and how often."""

    quick: bool = False
    scales: Sequence[int] = ()
    runs: int = 50  # searches per search measure
    turns: int = 16  # replies per turn type
    cold: int = 3  # fresh processes per cold start
    home: Path | None = None
    reuse: bool = False  # keep the shipped bench index (no ingest measurement)


@dataclass
class Bench:
    """One benchmark run: rows for the table, and what they were measured on."""

    options: BenchOptions
    settings: Settings
    rows: list[Row] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] = print

    def run(self) -> list[Row]:
        """Measure the shipped size, then each scale."""
        base = self.options.home or self.settings.home / "bench"
        loaded = load_embeddings(self.settings)
        shipped = self._shipped_settings(base / "shipped")
        if self.options.reuse and (shipped.index_dir / "index.sqlite3").is_file():
            self.log("bench: reusing the shipped index (no ingest measurement)")
        else:
            what = "one-card" if self.options.quick else "shipped"
            self.log(f"bench: ingesting the {what} corpus")
            self._measure_ingest(shipped, loaded)
        self._measure_size("shipped", shipped, loaded)
        for n in self.options.scales:
            self.log(f"bench: building (or reusing) the scale index of {n} passages")
            home = base / f"scale-{n}"
            info = build_scale_home(shipped, home, n, loaded)
            self.info[f"scale-{n}"] = info
            how = "reused from an earlier run" if info["reused"] else "built now"
            self.rows.append(
                Row(
                    f"{n // 1000}k" if n >= 1000 else str(n),
                    "build: generated cards, synthetic vectors",
                    1,
                    value=info["ingest_seconds"],
                    note=f"{info['cards']} cards, {info['vectors']} vectors, "
                    f"{info['windows']} windows in {info['ingest_seconds']} s ({how}); "
                    "vectors are perturbed real ones, not encoded",
                )
            )
            self._measure_size(
                f"{n // 1000}k" if n >= 1000 else str(n),
                shipped.with_changes(home=home),
                loaded,
            )
        return self.rows

    # -- sizes ---------------------------------------------------------------
    def _shipped_settings(self, home: Path) -> Settings:
        """The bench's own COACH_HOME: the built-in cards (one card with --quick)."""
        if not self.options.quick:
            return self.settings.with_changes(
                home=home, corpus_dirs=(), include_builtin_corpus=True
            )
        cards = home / "one-card"
        cards.mkdir(parents=True, exist_ok=True)
        shutil.copy(BUILTIN_CORPUS / f"{QUICK_CARD}.md", cards / f"{QUICK_CARD}.md")
        return self.settings.with_changes(
            home=home, corpus_dirs=(cards,), include_builtin_corpus=False
        )

    def _measure_size(self, size: str, settings: Settings, loaded: LoadedEmbeddings) -> None:
        from coach.retrieval import build_retriever
        from coach.service import build_coach

        self.log(f"bench[{size}]: floor and hybrid search")
        retriever = build_retriever(settings, loaded)
        floor = self._floor(size, retriever, loaded.embeddings)
        queries = self._queries()
        times = run_timed(
            lambda i: retriever.search(queries[i % len(queries)]),
            self.options.runs,
            before=lambda i: retriever.clear_caches(),
        )
        self._add(size, "hybrid search (uncached)", times, floor)
        self.log(f"bench[{size}]: Coach.reply per turn type")
        if settings.sessions_db.exists():
            settings.sessions_db.unlink()
        coach = build_coach(settings, embeddings=loaded)
        for kind in TURN_TYPES:
            times = self._turns(coach, kind)
            self._add(size, f"reply: {_TURN_LABELS[kind]} (uncached)", times, floor)
        coach.store.close()
        retriever.index.close()
        env = {
            **os.environ,
            "COACH_HOME": str(settings.home),
            "COACH_EMBEDDING_MODEL": loaded.model_name,
        }
        if not settings.include_builtin_corpus:
            env["COACH_INCLUDE_BUILTIN_CORPUS"] = "false"
            env["COACH_CORPUS"] = os.pathsep.join(str(d) for d in settings.corpus_dirs)
        for name, start in COLD_STARTS.items():
            self.log(f"bench[{size}]: cold start of coach {name}")
            results = [start(env) for _ in range(self.options.cold)]
            seconds = [r.seconds for r in results]
            rss = max(r.rss_mb for r in results)
            cpu = statistics.median(r.cpu_s for r in results)
            median = statistics.median(seconds) * 1000
            self.rows.append(
                Row(
                    size,
                    f"cold start: coach {name} → first reply",
                    len(results),
                    p50_ms=median,
                    p95_ms=max(seconds) * 1000,
                    vs_floor=median / floor[0],
                    rss_mb=rss,
                    note=f"peak RSS {rss:.0f} MB; CPU {cpu:.1f} s",
                )
            )

    def _floor(self, size: str, retriever: Any, embeddings: Embeddings) -> tuple[float, float]:
        """One query embedding + one HNSW query, warm: the cost no retrieval can avoid."""
        collection = retriever.index.collection()
        count = collection.count()
        queries = self._queries()
        n_results = min(80, count)  # what a search with k=5 asks Chroma for

        def once(i: int) -> None:
            vector = embeddings.embed_query(queries[i % len(queries)])
            collection.query(query_embeddings=[vector], n_results=n_results, include=["distances"])

        for i in range(3):
            once(i)  # warm: model, HNSW index in memory
        times = run_timed(once, self.options.runs)
        p50, p95 = summarise(times)
        self.rows.append(
            Row(
                size,
                "floor: embed 1 query + 1 HNSW query",
                len(times),
                p50,
                p95,
                1.0,
                1.0,
                note=f"{count} vectors",
            )
        )
        return p50, p95

    def _add(self, size: str, name: str, times: list[float], floor: tuple[float, float]) -> None:
        p50, p95 = summarise(times)
        self.rows.append(Row(size, name, len(times), p50, p95, p50 / floor[0], p95 / floor[1]))

    # -- turns ---------------------------------------------------------------
    def _turns(self, coach: Any, kind: str) -> list[float]:
        """Times of `coach.reply` for one turn type, each in a fresh session."""
        times = []
        for i in range(self.options.turns):
            session, text = self._prepared(coach, kind, i)
            coach.searcher.clear_caches()
            started = time.perf_counter()
            turn = coach.reply(session, text)
            times.append((time.perf_counter() - started) * 1000)
            expected = {"answer": "question", "qa": "qa", "actions": "actions"}.get(kind)
            if expected and turn.phase not in (expected, "followup"):
                raise RuntimeError(f"bench: a {kind} turn ended in phase {turn.phase}")
        return times

    @staticmethod
    def _prepared(coach: Any, kind: str, i: int) -> tuple[str, str]:
        """A session in the right phase for this turn type, and the text to send."""
        session = coach.start_session().session
        if kind == "qa":
            return session, QUESTIONS[i % len(QUESTIONS)]
        coach.reply(session, INTAKE)
        if kind == "answer":
            return session, ANSWERS[i % len(ANSWERS)]
        if kind == "command":
            return session, "hulp"
        for _ in range(12):
            if coach.state(session).phase == "balance":
                break
            coach.reply(session, "overslaan")
        return session, RATINGS[i % len(RATINGS)]

    # -- ingest --------------------------------------------------------------
    def _measure_ingest(self, settings: Settings, loaded: LoadedEmbeddings) -> None:
        """A fresh ingest, and raw `embed_documents` on a sample of the very same batches."""
        from coach.index import ingest

        shutil.rmtree(settings.index_dir, ignore_errors=True)
        recorder = _Recording(loaded.embeddings)
        report = ingest(settings, LoadedEmbeddings(recorder, loaded.model_name))
        total = report.embedded + report.embedded_windows + report.embedded_queries
        rate = total / report.seconds
        sample = recorder.batches[:: max(1, len(recorder.batches) // 12)]
        started = time.perf_counter()
        for batch in sample:
            loaded.embeddings.embed_documents(batch)
        raw = sum(len(b) for b in sample) / (time.perf_counter() - started)
        self.rows.append(
            Row(
                "shipped",
                "ingest throughput (embeddings/s)",
                total,
                value=rate,
                vs_floor=None,
                note=f"{report.embedded} vectors + {report.embedded_windows} windows + "
                f"{report.embedded_queries} queries in {report.seconds:.1f} s = {rate:.1f}/s; "
                f"raw embed_documents {raw:.1f}/s; ratio {rate / raw:.2f}",
            )
        )
        self.info["ingest"] = {**report.to_dict(), "raw_per_s": raw, "ratio": rate / raw}

    def _queries(self) -> list[str]:
        """Different queries for every run: the retrieval dev set, as users phrase them."""
        return [q.query for q in load_dev_set(DEFAULT_DEV_SET).queries]


_TURN_LABELS = {
    "answer": "answer → insight",
    "qa": "question (qa)",
    "actions": "balance → actions",
    "command": "command",
}


class _Recording(Embeddings):
    """Passes through to the real model, remembering each `embed_documents` batch."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.batches: list[list[str]] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.batches.append(list(texts))
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        batch = getattr(self.inner, "embed_queries", None)
        return batch(texts) if callable(batch) else [self.inner.embed_query(t) for t in texts]
