"""Ingest: bring the index in line with the corpus folders, embedding only what is new.

Stages, each one safe to kill and resumed by the next run:

1. load the corpus (every file isolated: a bad one is a problem, not a stop),
   cut cards into passages, and store new card versions and passages in
   SQLite (inert rows, keyed by content);
2. embed passage and hint vectors missing from the vector space (Chroma
   persists each batch, and their ids are hashes of their text);
3. embed the quote windows of passages that have none in this space (SQLite
   commits each batch);
4. build and save the lexical index, unless the corpus is unchanged;
5. embed fixed query strings missing from the cache;
6. commit: one SQLite transaction switches `files` and `meta` to the new
   generation; then clean up what no generation uses (obsolete vectors, old
   collections and lexical folders, unreferenced rows).

Readers only ever follow `meta`, so until step 6 they keep the previous
generation, and after it the new one: a killed ingest leaves the previous
index usable, and the next run finds its vectors and windows already there.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from langchain_core.embeddings import Embeddings

from coach.corpus import load_corpus
from coach.embeddings import LoadedEmbeddings, document_matrix, embeddings_name, load_embeddings
from coach.errors import CoachError, CorpusError, IndexMissing
from coach.index import chroma
from coach.index.changes import (
    Committed,
    Vector,
    committed_generation,
    count_changes,
    cut_cards,
    keep_previous_versions,
    registered_dirs,
)
from coach.index.db import DB_NAME, IndexDB
from coach.index.fixed import FixedVectors
from coach.index.legacy import remove_legacy
from coach.index.prewarm import fixed_query_texts, reader_texts
from coach.index.progress import Progress, as_progress
from coach.index.reader import FORMAT, LEXICAL_DIR, open_index
from coach.index.records import card_dict, card_key, passage_dict
from coach.index.windows import quote_windows
from coach.lexical import LexicalIndex
from coach.models import Card, Passage
from coach.settings import Settings
from coach.understanding.second_view import load_view

BATCH = 32  # texts per embedding call for passages and hints
WINDOW_BATCH = 64  # windows per embedding call (they are short)
QUERY_BATCH = 256
LEXICAL_VERSION = "1"  # bump when tokenising or enrichment changes
LOCK_FILE = ".ingest.lock"
T = TypeVar("T")


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did; counts are passages, `embedded` counts vectors (passages + hints)."""

    added: int
    updated: int
    removed: int
    unchanged: int
    embedded: int
    seconds: float
    model: str
    problems: tuple[str, ...] = ()
    cards: int = 0
    notice: str | None = None
    embedded_windows: int = 0  # sentence windows embedded for quote selection
    embedded_queries: int = 0  # fixed query strings embedded (actions, patterns, questions)

    def summary(self) -> str:
        """The one-line human summary printed by `coach ingest`."""
        return (
            f"added {self.added}, updated {self.updated}, removed {self.removed}, "
            f"unchanged {self.unchanged}, embedded {self.embedded} "
            f"(+ {self.embedded_windows} sentence windows, {self.embedded_queries} fixed queries)"
            f" in {self.seconds:.1f} s (model {self.model})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (`coach ingest --json`)."""
        return {**asdict(self), "problems": list(self.problems), "seconds": round(self.seconds, 2)}


def ensure_index(
    settings: Settings, embeddings: LoadedEmbeddings | Embeddings | None = None
) -> IngestReport | None:
    """Ingest only when no index exists yet (first start of the web app)."""
    try:
        open_index(settings).close()
        return None
    except IndexMissing:
        return ingest(settings, embeddings)


def ingest(
    settings: Settings,
    embeddings: LoadedEmbeddings | Embeddings | None = None,
    extra_dirs: Iterable[Path] = (),
    progress: bool | Progress = False,
    *,
    forget: Iterable[Path] = (),
    rebuild: bool = False,
) -> IngestReport:
    """Bring the index in line with the corpus folders, embedding only what is new."""
    started = time.perf_counter()
    index_dir = settings.index_dir
    index_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(index_dir):
        db = IndexDB(index_dir / DB_NAME)
        try:
            return _Ingest(settings, db, as_progress(progress)).run(
                embeddings, list(extra_dirs), list(forget), rebuild, started
            )
        finally:
            db.close()


class _Ingest:
    """One run of the stages above (state shared between them)."""

    def __init__(self, settings: Settings, db: IndexDB, progress: Progress) -> None:
        self.settings = settings
        self.db = db
        self.progress = progress
        self.index_dir = settings.index_dir

    def run(
        self,
        embeddings: LoadedEmbeddings | Embeddings | None,
        extra_dirs: list[Path],
        forget: list[Path],
        rebuild: bool,
        started: float,
    ) -> IngestReport:
        committed = committed_generation(self.db, self.index_dir)
        registered = registered_dirs(committed.corpus_dirs, extra_dirs, forget)
        dirs = list(self.settings.all_corpus_dirs) + [Path(d) for d in registered]
        loaded = load_corpus(dirs, max_bytes=self.settings.max_file_bytes)
        cards = {c.id: c for c in loaded.cards}
        problems = [str(p) for p in loaded.problems]
        keep_previous_versions(loaded.problems, committed, self.db, cards, problems)
        passages, vectors = cut_cards(cards, problems)
        if not cards:
            raise CorpusError(
                "no cards to index in "
                + ", ".join(str(d) for d in dirs)
                + ". Add .md, .txt, .pdf or .docx files (see corpus/README.md)."
                + "".join(f"\n  {p}" for p in problems)
            )
        self.db.set_meta(corpus_dirs=registered)  # a registration holds even if this run is killed
        loaded_emb = _as_loaded(self.settings, embeddings)
        model, emb = loaded_emb.model_name, loaded_emb.embeddings
        client = chroma.client(self.index_dir)
        space = self._choose_space(client, committed, model, rebuild)
        collection = chroma.open_space(client, space, model)
        if rebuild:
            self.db.forget_fixed_vectors(model)

        keys = self._store_rows(cards, passages, vectors)
        present = chroma.all_ids(collection)
        missing = [v for v in vectors if v.id not in present]
        self._embed_vectors(collection, emb, missing)
        windows = self._embed_windows(space, emb, passages)
        lexical, lexical_key = self._lexical(committed, cards, passages, keys)
        texts, prompt_problem = fixed_query_texts(self.settings, cards.values())
        if prompt_problem:
            problems.append(prompt_problem)
        queries = self._embed_queries(model, emb, texts)
        view = load_view(self.settings.understanding_view, model)
        queries += self._embed_view(view)

        self.db.commit_generation(
            [(c.path, c.content_hash, keys[c.id]) for c in cards.values()],
            format=FORMAT,
            model=model,
            collection=space,
            lexical=lexical,
            lexical_key=lexical_key,
            corpus_dirs=registered,
            pending=None,
        )
        wanted = {v.id for v in vectors}
        # the second view's vectors are kept beside the model's (build_reader reads them)
        kept = (model, view[0]) if view is not None else (model,)
        self._clean_up(client, collection, space, kept, lexical, present, missing, wanted)
        files = {c.path: [p.id for p in passages[c.id]] for c in cards.values()}
        # a new vector space (model switch, rebuild) counts every passage as added
        counts = count_changes(committed.files if space == committed.space else {}, files)
        return IngestReport(
            **counts,
            embedded=len(missing),
            seconds=time.perf_counter() - started,
            model=model,
            problems=tuple(problems),
            cards=len(cards),
            notice=loaded_emb.notice,
            embedded_windows=windows,
            embedded_queries=queries,
        )

    def _choose_space(self, client: Any, committed: Committed, model: str, rebuild: bool) -> str:
        """The collection to fill: the one in use, a pending one of this model, or a new one."""
        if (
            not rebuild
            and committed.model == model
            and committed.space
            and chroma.space_model(client, committed.space) == model
        ):
            return committed.space
        pending = self.db.meta().get("pending") or {}
        name = pending.get("collection")
        if name and name != committed.space and chroma.space_model(client, name) == model:
            return str(name)  # a killed rebuild or model switch: resume it
        name = chroma.new_space_name()
        self.db.set_meta(pending={"collection": name, "model": model})
        return name

    def _store_rows(
        self, cards: dict[str, Card], passages: dict[str, list[Passage]], vectors: list[Vector]
    ) -> dict[str, str]:
        """Store card versions, passages and hint parents; returns each card's key."""
        keys: dict[str, str] = {}
        records = []
        for card in cards.values():
            data = card_dict(card)
            key = card_key(data, [p.id for p in passages[card.id]])
            keys[card.id] = key
            records.append((key, data, [passage_dict(p) for p in passages[card.id]]))
        for chunk in _batches(records, 500):
            self.db.put_cards(chunk)
        self.db.put_hints(
            (v.id, v.metadata["parents"]) for v in vectors if v.metadata["kind"] == "hint"
        )
        return keys

    def _embed_vectors(self, collection: Any, emb: Embeddings, missing: list[Vector]) -> None:
        """Embed and add passage and hint vectors in batches (each batch persisted by Chroma)."""
        with self.progress.stage("vectors", len(missing)) as advance:
            for batch in _batches(missing, BATCH):
                matrix = document_matrix(emb, [v.text for v in batch])
                collection.add(
                    ids=[v.id for v in batch],
                    embeddings=matrix,
                    metadatas=[v.metadata for v in batch],
                )
                advance(len(batch))

    def _embed_windows(
        self, space: str, emb: Embeddings, passages: dict[str, list[Passage]]
    ) -> int:
        """Embed the quote windows of passages that have none in this space; returns how many."""
        done = self.db.window_ids(space)
        todo: dict[str, tuple[str, list[tuple[int, int]]]] = {}
        for card_passages in passages.values():
            for p in card_passages:
                if p.id not in done and p.id not in todo:
                    todo[p.id] = (p.text, quote_windows(p.text))
        total = sum(len(spans) for _, spans in todo.values())
        with self.progress.stage("windows", total) as advance:
            group: list[tuple[str, str, list[tuple[int, int]]]] = []
            size = 0
            for pid, (text, spans) in todo.items():
                group.append((pid, text, spans))
                size += len(spans)
                if size >= WINDOW_BATCH:
                    self._store_windows(space, emb, group)
                    advance(size)
                    group, size = [], 0
            if group:
                self._store_windows(space, emb, group)
                advance(size)
        return total

    def _store_windows(
        self, space: str, emb: Embeddings, group: list[tuple[str, str, list[tuple[int, int]]]]
    ) -> None:
        texts = [text[s:e] for _, text, spans in group for s, e in spans]
        matrix = document_matrix(emb, texts)
        rows, at = [], 0
        for pid, _, spans in group:
            vectors = matrix[at : at + len(spans)] if spans else np.zeros((0, 0), np.float32)
            rows.append((pid, np.asarray(spans, dtype=np.int32).reshape(-1, 2), vectors))
            at += len(spans)
        self.db.put_windows(space, rows)

    def _lexical(
        self,
        committed: Committed,
        cards: dict[str, Card],
        passages: dict[str, list[Passage]],
        keys: dict[str, str],
    ) -> tuple[str, str]:
        """The lexical folder for this corpus: the committed one if nothing changed, else new."""
        digest = hashlib.sha256(LEXICAL_VERSION.encode())
        for card_id in cards:
            digest.update(keys[card_id].encode())
        key = digest.hexdigest()[:24]
        base = self.index_dir / LEXICAL_DIR
        old = committed.lexical
        if committed.lexical_key == key and old and (base / old).is_dir():
            return old, key
        name = secrets.token_hex(6)
        ordered = [p for card_id in cards for p in passages[card_id]]
        with self.progress.stage("lexical", len(ordered)) as advance:
            LexicalIndex.from_passages(ordered, cards).save(base / name)
            advance(len(ordered))
        return name, key

    def _embed_view(self, view: tuple[str, Embeddings] | None) -> int:
        """Pre-compute the message reader's second view of its training texts (so the first
        start trains the reader without embedding them); returns how many were embedded."""
        texts = reader_texts(self.settings)
        if view is None or not texts:
            return 0
        name, encoder = view
        return self._embed_queries(name, encoder, texts, stage="view")

    def _embed_queries(
        self, model: str, emb: Embeddings, texts: Sequence[str], stage: str = "queries"
    ) -> int:
        """Pre-compute query vectors of the fixed strings; returns how many were embedded."""
        fixed = FixedVectors(self.db, model, emb)
        with self.progress.stage(stage, len(texts)) as advance:
            for batch in _batches(list(texts), QUERY_BATCH):
                fixed.vectors(batch)
                advance(len(batch))
        return fixed.embedded

    def _clean_up(
        self,
        client: Any,
        collection: Any,
        space: str,
        models: Sequence[str],
        lexical: str,
        present: set[str],
        missing: list[Vector],
        wanted: set[str],
    ) -> None:
        """Remove what no generation uses; a kill here is finished by the next run."""
        obsolete = sorted((present | {v.id for v in missing}) - wanted)
        for chunk in _batches(obsolete, 500):
            collection.delete(ids=chunk)
        for name in chroma.space_names(client):
            if name != space:
                client.delete_collection(name)
        base = self.index_dir / LEXICAL_DIR
        for folder in base.iterdir() if base.is_dir() else ():
            if folder.name != lexical:
                shutil.rmtree(folder, ignore_errors=True)
        self.db.collect_garbage(space, models, wanted)
        remove_legacy(self.index_dir)


def _as_loaded(
    settings: Settings, embeddings: LoadedEmbeddings | Embeddings | None
) -> LoadedEmbeddings:
    """Normalise the `embeddings` argument: None loads the configured model."""
    if embeddings is None:
        return load_embeddings(settings)
    if isinstance(embeddings, LoadedEmbeddings):
        return embeddings
    return LoadedEmbeddings(embeddings, embeddings_name(embeddings))


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@contextlib.contextmanager
def _exclusive(index_dir: Path) -> Iterator[None]:
    """One ingest at a time per index; a second one says so instead of interleaving."""
    with open(index_dir / LOCK_FILE, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CoachError(
                f"Another `coach ingest` (or a first `coach serve`) is updating {index_dir}; "
                "wait for it to finish and run this again."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
