"""The on-disk index: Chroma vectors plus two JSON files, kept in step by `ingest`.

Layout of `settings.index_dir`:

- `chroma/`: a persistent Chroma collection, reached through
  `langchain_chroma.Chroma` with our own embeddings (Chroma's default
  embedding function never runs). It holds one vector per passage and, as in
  LangChain's MultiVectorRetriever, extra vectors for each section's hint
  questions and keywords whose metadata points back at the section's passages.
- `store.json`: the cards and passages exactly as indexed, so the coach never
  re-reads the corpus at run time.
- `manifest.json`: model name, per-file content hash and passage ids, and the
  user folders registered with `coach ingest --corpus`.

Ingest is incremental and keyed by content: vector ids are hashes of their
text, so the set of ids Chroma already holds decides what to embed and what to
delete. New vectors are added in batches *before* the JSON files are replaced
(atomically) and obsolete ones are deleted *after*, so a killed ingest leaves
the previous index usable and the next run picks up where it stopped. The
model name lives in the collection's metadata: another model drops the
collection and rebuilds it, so vectors of two models never mix.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from coach.chunking import chunk_card
from coach.corpus import load_corpus
from coach.embeddings import LoadedEmbeddings, embeddings_name, load_embeddings
from coach.errors import CorpusError, IndexMissing, InputError
from coach.models import Card, Passage, Section, SectionHints, Source
from coach.settings import Settings

COLLECTION = "passages"
MANIFEST = "manifest.json"
STORE = "store.json"
BATCH = 32
FORMAT = 1


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

    def summary(self) -> str:
        """The one-line human summary printed by `coach ingest`."""
        return (
            f"added {self.added}, updated {self.updated}, removed {self.removed}, "
            f"unchanged {self.unchanged}, embedded {self.embedded} in {self.seconds:.1f} s "
            f"(model {self.model})"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (`coach ingest --json`)."""
        return {**asdict(self), "problems": list(self.problems), "seconds": round(self.seconds, 2)}


@dataclass(frozen=True)
class _Vector:
    """One vector to be in Chroma: a passage, or a hint pointing at passages."""

    id: str
    text: str
    metadata: dict[str, Any]


@dataclass
class CorpusIndex:
    """A read view of the index: the structured cards and passages, and the Chroma collection."""

    index_dir: Path
    manifest: dict[str, Any]
    store: dict[str, Any]
    _cards: dict[str, Card] = field(default_factory=dict)
    _passages: dict[str, Passage] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._cards = {c["id"]: _card_from_dict(c) for c in self.store.get("cards", [])}
        self._passages = {}
        for raw in self.store.get("passages", []):
            card = self._cards.get(raw["card_id"])
            sources = card.sources if card else ()
            self._passages[raw["id"]] = Passage(**{**raw, "sources": sources})

    @property
    def model_name(self) -> str:
        """The embedding model the vectors were made with."""
        return str(self.manifest.get("model", ""))

    @property
    def corpus_dirs(self) -> tuple[Path, ...]:
        """User folders registered with `coach ingest --corpus`."""
        return tuple(Path(p) for p in self.manifest.get("corpus_dirs", []))

    def cards(self) -> dict[str, Card]:
        """Indexed cards by id."""
        return dict(self._cards)

    def passages(self) -> dict[str, Passage]:
        """Indexed passages by id."""
        return dict(self._passages)

    def vectorstore(self, embeddings: Embeddings) -> Any:
        """The LangChain Chroma store over this index's collection."""
        return _vectorstore(self.index_dir, embeddings)


def open_index(settings: Settings) -> CorpusIndex:
    """The index under `settings.index_dir`, or IndexMissing saying to run `coach ingest`."""
    index_dir = settings.index_dir
    manifest = _read_json(index_dir / MANIFEST)
    store = _read_json(index_dir / STORE)
    if manifest is None or store is None or not (index_dir / "chroma").is_dir():
        raise IndexMissing(f"No index in {index_dir} — run `coach ingest` first.")
    if manifest.get("format") != FORMAT or store.get("format") != FORMAT:
        raise IndexMissing(
            f"The index in {index_dir} has an old format — run `coach ingest --rebuild`."
        )
    return CorpusIndex(index_dir, manifest, store)


def ensure_index(
    settings: Settings, embeddings: LoadedEmbeddings | Embeddings | None = None
) -> IngestReport | None:
    """Ingest only when no index exists yet (first start of the web app)."""
    try:
        open_index(settings)
        return None
    except IndexMissing:
        return ingest(settings, embeddings)


def ingest(
    settings: Settings,
    embeddings: LoadedEmbeddings | Embeddings | None = None,
    extra_dirs: Iterable[Path] = (),
    progress: bool = False,
    *,
    forget: Iterable[Path] = (),
    rebuild: bool = False,
) -> IngestReport:
    """Bring the index in line with the corpus folders, embedding only what is new."""
    started = time.perf_counter()
    index_dir = settings.index_dir
    old_manifest = _read_json(index_dir / MANIFEST) or {}
    old_store = _read_json(index_dir / STORE) or {}
    registered = _registered_dirs(old_manifest, extra_dirs, forget)
    dirs = list(settings.all_corpus_dirs) + [Path(d) for d in registered]
    loaded = load_corpus(dirs)
    cards = {c.id: c for c in loaded.cards}
    problems = [str(p) for p in loaded.problems]
    _keep_previous_versions(loaded.problems, old_manifest, old_store, cards, problems)
    if not cards:
        raise CorpusError(
            "no cards to index in " + ", ".join(str(d) for d in dirs) + ". Add .md, .txt, .pdf "
            "or .docx files (see corpus/README.md)." + "".join(f"\n  {p}" for p in problems)
        )

    loaded_emb = _as_loaded(settings, embeddings)
    index_dir.mkdir(parents=True, exist_ok=True)
    client = _client(index_dir)
    collection = client.get_or_create_collection(
        COLLECTION,
        embedding_function=None,
        metadata={"model": loaded_emb.model_name},
        configuration={"hnsw": {"space": "cosine"}},
    )
    if rebuild or (collection.metadata or {}).get("model") != loaded_emb.model_name:
        client.delete_collection(COLLECTION)
        client.create_collection(
            COLLECTION,
            embedding_function=None,
            metadata={"model": loaded_emb.model_name},
            configuration={"hnsw": {"space": "cosine"}},
        )
        old_manifest = {}
    store = _vectorstore(index_dir, loaded_emb.embeddings)

    passages = {c.id: chunk_card(c) for c in cards.values()}
    vectors = [v for c in cards.values() for v in _vectors(c, passages[c.id])]
    present = set(store.get(include=[])["ids"])
    wanted = {v.id for v in vectors}
    missing = [v for v in vectors if v.id not in present]
    _embed(store, missing, progress)

    files = {
        c.path: {
            "hash": c.content_hash,
            "card_id": c.id,
            "passages": [p.id for p in passages[c.id]],
        }
        for c in cards.values()
    }
    _write_json(
        index_dir / STORE,
        {
            "format": FORMAT,
            "model": loaded_emb.model_name,
            "cards": [asdict(c) for c in cards.values()],
            "passages": [_passage_dict(p) for ps in passages.values() for p in ps],
        },
    )
    _write_json(
        index_dir / MANIFEST,
        {
            "format": FORMAT,
            "model": loaded_emb.model_name,
            "files": files,
            "corpus_dirs": registered,
        },
    )
    obsolete = sorted(present - wanted)
    for i in range(0, len(obsolete), 500):
        store.delete(ids=obsolete[i : i + 500])

    counts = _count_changes(old_manifest.get("files", {}), files)
    return IngestReport(
        **counts,
        embedded=len(missing),
        seconds=time.perf_counter() - started,
        model=loaded_emb.model_name,
        problems=tuple(problems),
        cards=len(cards),
        notice=loaded_emb.notice,
    )


def _as_loaded(
    settings: Settings, embeddings: LoadedEmbeddings | Embeddings | None
) -> LoadedEmbeddings:
    """Normalise the `embeddings` argument: None loads the configured model."""
    if embeddings is None:
        return load_embeddings(settings)
    if isinstance(embeddings, LoadedEmbeddings):
        return embeddings
    return LoadedEmbeddings(embeddings, embeddings_name(embeddings))


def _registered_dirs(
    manifest: dict[str, Any], extra: Iterable[Path], forget: Iterable[Path]
) -> list[str]:
    """Registered user folders after adding `extra` and removing `forget` (absolute paths)."""
    dirs = list(manifest.get("corpus_dirs", []))
    for d in extra:
        path = str(Path(d).expanduser().resolve())
        if path not in dirs:
            dirs.append(path)
    for d in forget:
        path = str(Path(d).expanduser().resolve())
        if path not in dirs:
            known = ", ".join(dirs) or "none"
            raise InputError(f"{d} is not a registered corpus folder (registered: {known}).")
        dirs.remove(path)
    return dirs


def _keep_previous_versions(
    problems: list[CorpusError],
    manifest: dict[str, Any],
    store: dict[str, Any],
    cards: dict[str, Card],
    messages: list[str],
) -> None:
    """A file that now fails to load keeps its last good version in the index."""
    old_cards = {c["path"]: c for c in store.get("cards", [])}
    for i, problem in enumerate(problems):
        path = problem.path
        raw = old_cards.get(path or "")
        if (
            not path
            or raw is None
            or path not in manifest.get("files", {})
            or not Path(path).is_file()
        ):
            continue
        card = _card_from_dict(raw)
        if card.id not in cards:
            cards[card.id] = card
            messages[i] += " (the previously indexed version stays in use until this is fixed)"


def _vectors(card: Card, passages: list[Passage]) -> list[_Vector]:
    """The passage vectors of a card plus one vector per hint question and per keyword list."""
    out = [
        _Vector(p.id, f"{card.title} – {p.section}\n{p.text}", {**p.metadata(), "kind": "passage"})
        for p in passages
    ]
    for section in card.sections:
        parents = [p.id for p in passages if p.section == section.heading]
        hints = list(section.hints.questions)
        if section.hints.keywords:
            hints.append(", ".join(section.hints.keywords))
        for hint in hints if parents else []:
            key = f"hint\x1f{card.id}\x1f{section.heading}\x1f{hint}\x1f{','.join(parents)}"
            out.append(
                _Vector(
                    hashlib.sha256(key.encode()).hexdigest()[:16],
                    hint,
                    {
                        "kind": "hint",
                        "card_id": card.id,
                        "section": section.heading,
                        "parents": ",".join(parents),
                    },
                )
            )
    return out


def _embed(store: Any, vectors: list[_Vector], progress: bool) -> None:
    """Embed and add vectors in batches, with a progress bar only on a terminal."""
    from tqdm import tqdm

    show = progress and sys.stderr.isatty() and bool(vectors)
    with tqdm(
        total=len(vectors), desc="Embedding", unit="vec", disable=not show, file=sys.stderr
    ) as bar:
        for i in range(0, len(vectors), BATCH):
            batch = vectors[i : i + BATCH]
            store.add_texts(
                [v.text for v in batch], [v.metadata for v in batch], ids=[v.id for v in batch]
            )
            bar.update(len(batch))


def _count_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, int]:
    """Passage counts per file: new files add, edited files update, deleted files remove."""
    counts = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0}
    for path, entry in new.items():
        ids = set(entry["passages"])
        before = set(old[path]["passages"]) if path in old else None
        if before is None:
            counts["added"] += len(ids)
            continue
        fresh, gone = ids - before, before - ids
        counts["unchanged"] += len(ids & before)
        counts["updated"] += len(fresh)
        counts["removed"] += max(0, len(gone) - len(fresh))
    for path, entry in old.items():
        if path not in new:
            counts["removed"] += len(entry["passages"])
    return counts


def _client(index_dir: Path) -> Any:
    """A persistent Chroma client without telemetry."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(
        path=str(index_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )


def _vectorstore(index_dir: Path, embeddings: Embeddings) -> Any:
    """LangChain's Chroma over our collection, embedding with our model only."""
    from langchain_chroma import Chroma

    return Chroma(
        client=_client(index_dir), collection_name=COLLECTION, embedding_function=embeddings
    )


def _passage_dict(passage: Passage) -> dict[str, Any]:
    """A passage for the store; sources are kept once, on the card."""
    data = asdict(passage)
    data.pop("sources")
    return data


def _card_from_dict(raw: dict[str, Any]) -> Card:
    """Rebuild a Card (with tuples and nested dataclasses) from its JSON form."""
    sections = tuple(
        Section(
            heading=s["heading"],
            text=s["text"],
            start=s["start"],
            end=s["end"],
            hints=SectionHints(tuple(s["hints"]["questions"]), tuple(s["hints"]["keywords"])),
        )
        for s in raw["sections"]
    )
    sources = tuple(Source(**{**s, "authors": tuple(s["authors"])}) for s in raw["sources"])
    return Card(
        **{
            **raw,
            "sections": sections,
            "sources": sources,
            "central_questions": tuple(raw["central_questions"]),
            "followup_questions": tuple(raw["followup_questions"]),
        }
    )


def _read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from disk, or None when missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON atomically: a temp file in the same folder, then os.replace."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
