"""Ingest: incremental by content, safe to interrupt, one model per index (fake model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixtures_corpus import COMMITMENT, CountingEmbeddings, card_md, write_small_corpus

from coach.errors import CoachError, CorpusError, IndexMissing, InputError
from coach.index import FORMAT, ensure_index, ingest, open_index
from coach.index.prewarm import fixed_query_texts, reader_texts
from coach.index.windows import quote_windows
from coach.retrieval import build_retriever
from coach.settings import Settings


def _settings(home: Path, folder: Path) -> Settings:
    return Settings(home=home, corpus_dirs=(folder,), include_builtin_corpus=False)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_small_corpus(tmp_path / "cards")


def _vector_ids(settings: Settings, embeddings: CountingEmbeddings) -> set[str]:
    store = open_index(settings).vectorstore(embeddings)
    return set(store.get(include=[])["ids"])


def test_first_ingest_indexes_cards_and_passages(coach_home: Path, corpus: Path) -> None:
    emb = CountingEmbeddings()
    report = ingest(_settings(coach_home, corpus), emb)
    assert (report.cards, report.added, report.unchanged, report.removed) == (2, 4, 0, 0)
    assert report.embedded == 4 + 2  # passages + one hint question + one keyword list
    index = open_index(_settings(coach_home, corpus))
    assert set(index.cards()) == {"balans", "vertrouwen"}
    assert index.model_name == "CountingEmbeddings-64"
    commitment = next(p for p in index.passages().values() if p.section == "Commitment")
    assert commitment.text == COMMITMENT
    assert index.cards()["balans"].text[commitment.start : commitment.end] == commitment.text


def test_unchanged_corpus_is_not_reembedded(coach_home: Path, corpus: Path) -> None:
    settings = _settings(coach_home, corpus)
    ingest(settings, CountingEmbeddings())
    emb = CountingEmbeddings()
    report = ingest(settings, emb)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 4)
    assert report.embedded == 0 and emb.documents == 0


def test_edited_card_reembeds_only_its_changed_passages(coach_home: Path, corpus: Path) -> None:
    settings = _settings(coach_home, corpus)
    ingest(settings, CountingEmbeddings())
    path = corpus / "vertrouwen.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("vier wat lukt", "vier elk succes"),
        encoding="utf-8",
    )
    emb = CountingEmbeddings()
    report = ingest(settings, emb)
    assert (report.updated, report.unchanged, report.added, report.removed) == (1, 3, 0, 0)
    assert report.embedded == 1 and report.embedded_windows == 3  # "Vertrouwen groeit …" windows
    assert emb.documents == report.embedded + report.embedded_windows
    texts = [p.text for p in open_index(settings).passages().values()]
    assert any("vier elk succes" in t for t in texts)
    assert not any("vier wat lukt" in t for t in texts)
    assert len(_vector_ids(settings, emb)) == 6  # the old vector is gone


def test_deleted_file_removes_its_passages(coach_home: Path, corpus: Path) -> None:
    settings = _settings(coach_home, corpus)
    ingest(settings, CountingEmbeddings())
    (corpus / "vertrouwen.md").unlink()
    emb = CountingEmbeddings()
    report = ingest(settings, emb)
    assert (report.removed, report.unchanged, report.embedded) == (1, 3, 0)
    assert "vertrouwen" not in open_index(settings).cards()
    assert len(_vector_ids(settings, emb)) == 5


def test_model_change_drops_and_rebuilds_the_vectors(coach_home: Path, corpus: Path) -> None:
    settings = _settings(coach_home, corpus)
    ingest(settings, CountingEmbeddings(size=64))
    bigger = CountingEmbeddings(size=32)
    report = ingest(settings, bigger)
    assert report.model == "CountingEmbeddings-32"
    assert report.embedded == 6 and report.added == 4
    assert open_index(settings).model_name == "CountingEmbeddings-32"
    assert len(_vector_ids(settings, bigger)) == 6  # no vectors of the old model are left


def test_rebuild_embeds_everything_again(coach_home: Path, corpus: Path) -> None:
    settings = _settings(coach_home, corpus)
    ingest(settings, CountingEmbeddings())
    assert ingest(settings, CountingEmbeddings(), rebuild=True).embedded == 6


def test_interrupted_ingest_keeps_the_old_index_and_resumes(coach_home: Path, corpus: Path) -> None:
    settings = _settings(coach_home, corpus)
    ingest(settings, CountingEmbeddings())
    for name in ("a", "b", "c"):
        (corpus / f"{name}.md").write_text(
            card_md(name, name.upper(), {f"Kop {i}": f"Tekst {name} {i}." for i in range(20)}),
            encoding="utf-8",
        )
    with pytest.raises(KeyboardInterrupt):
        ingest(settings, CountingEmbeddings(fail_after=40))
    assert set(open_index(settings).cards()) == {"balans", "vertrouwen"}  # still usable
    emb = CountingEmbeddings()
    report = ingest(settings, emb)
    assert report.added == 60
    assert 0 < report.embedded < 60  # the batches stored before the kill are not embedded again
    assert len(open_index(settings).cards()) == 5


def test_card_that_breaks_keeps_its_previous_version(coach_home: Path, corpus: Path) -> None:
    settings = _settings(coach_home, corpus)
    ingest(settings, CountingEmbeddings())
    (corpus / "vertrouwen.md").write_text(
        "---\nid: vertrouwen\nkleur: rood\n---\n", encoding="utf-8"
    )
    report = ingest(settings, CountingEmbeddings())
    [problem] = report.problems
    assert "vertrouwen.md:3: unknown front-matter key `kleur`" in problem
    assert "previously indexed version stays in use" in problem
    assert "vertrouwen" in open_index(settings).cards()


def test_registered_folder_is_remembered_until_forgotten(
    coach_home: Path, corpus: Path, tmp_path: Path
) -> None:
    settings = Settings(home=coach_home, corpus_dirs=(corpus,), include_builtin_corpus=False)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "eigen.txt").write_text(
        "Eigen tekst\n\nKop\n\nOnze eigen aanpak werkt.\n", encoding="utf-8"
    )
    ingest(settings, CountingEmbeddings(), extra_dirs=[mine])
    assert "eigen" in open_index(settings).cards()
    assert (
        "eigen" in open_index(settings).cards()
        and ingest(settings, CountingEmbeddings()).cards == 3
    )
    ingest(settings, CountingEmbeddings(), forget=[mine])
    assert "eigen" not in open_index(settings).cards()
    with pytest.raises(InputError, match="not a registered corpus folder"):
        ingest(settings, CountingEmbeddings(), forget=[mine])


def test_missing_index_says_run_ingest(coach_home: Path, corpus: Path) -> None:
    with pytest.raises(IndexMissing, match=r"No index in .* — run `coach ingest` first\."):
        open_index(_settings(coach_home, corpus))


def test_ensure_index_ingests_only_when_there_is_no_index(coach_home: Path, corpus: Path) -> None:
    settings = _settings(coach_home, corpus)
    first = ensure_index(settings, CountingEmbeddings())
    assert first is not None and first.added == 4
    assert ensure_index(settings, CountingEmbeddings()) is None


def test_hint_vectors_point_at_the_passages_of_their_section(
    coach_home: Path, corpus: Path
) -> None:
    settings = _settings(coach_home, corpus)
    ingest(settings, CountingEmbeddings())
    index = open_index(settings)
    hints = index.vectorstore(CountingEmbeddings()).get(where={"kind": "hint"})
    commitment = {p.id for p in index.passages().values() if p.section == "Commitment"}
    assert len(hints["ids"]) == 2
    assert all(set(m["parents"].split(",")) == commitment for m in hints["metadatas"])


def test_corpus_without_any_card_is_a_clear_error(coach_home: Path, tmp_path: Path) -> None:
    (tmp_path / "leeg").mkdir()
    with pytest.raises(CorpusError, match=r"(?s)no cards to index in .*leeg.*holds no cards"):
        ingest(_settings(coach_home, tmp_path / "leeg"), CountingEmbeddings())


def test_index_lives_in_sqlite_with_a_saved_lexical_index(coach_home: Path, corpus: Path) -> None:
    settings = _settings(coach_home, corpus)
    ingest(settings, CountingEmbeddings())
    index_dir = settings.index_dir
    assert (index_dir / "index.sqlite3").is_file()
    assert not (index_dir / "store.json").exists() and not (index_dir / "manifest.json").exists()
    [lexical] = list((index_dir / "lexical").iterdir())
    assert (lexical / "ids.json").is_file()
    index = open_index(settings)
    assert index.meta["format"] == FORMAT == 2
    assert [cid for cid, _ in index.card_titles()] == ["balans", "vertrouwen"]


def test_unchanged_corpus_keeps_its_lexical_index(coach_home: Path, corpus: Path) -> None:
    settings = _settings(coach_home, corpus)
    ingest(settings, CountingEmbeddings())
    before = list((settings.index_dir / "lexical").iterdir())
    ingest(settings, CountingEmbeddings())
    assert list((settings.index_dir / "lexical").iterdir()) == before
    (corpus / "vertrouwen.md").unlink()
    ingest(settings, CountingEmbeddings())
    after = list((settings.index_dir / "lexical").iterdir())
    assert len(after) == 1 and after != before  # rebuilt, and the old folder removed


def test_ingest_embeds_every_passage_s_quote_windows_once(coach_home: Path, corpus: Path) -> None:
    settings = _settings(coach_home, corpus)
    first = ingest(settings, CountingEmbeddings())
    # Commitment: 2 sentences (+1 pair); Lenigheid 2 (+1); Kleine stappen 2 (+1); questions: 2 items
    assert first.embedded_windows == 11
    assert ingest(settings, CountingEmbeddings()).embedded_windows == 0
    index = open_index(settings)
    for passage in index.passages().values():
        stored = index.windows(passage.id)
        assert stored is not None
        spans, vectors = stored
        assert len(spans) == len(vectors) > 0


def test_windows_are_sentences_and_same_paragraph_pairs_of_at_most_400_chars() -> None:
    text = "Eerste zin. Tweede zin!\n- Een punt in een lijst\n" + "lang " * 100 + "einde."
    windows = [text[s:e] for s, e in quote_windows(text)]
    assert windows[:3] == ["Eerste zin.", "Eerste zin. Tweede zin!", "Tweede zin!"]
    assert "Een punt in een lijst" in windows
    assert not any("Tweede zin!\n- Een punt" in w for w in windows)  # never across a paragraph
    assert all(len(w) <= 400 and w == w.strip() for w in windows)
    assert any(w.startswith("lang lang") for w in windows)  # a long sentence is cut, not dropped


def test_ingest_precomputes_the_fixed_queries(coach_home: Path, corpus: Path) -> None:
    settings = _settings(coach_home, corpus)
    report = ingest(settings, CountingEmbeddings())
    texts, problem = fixed_query_texts(settings, open_index(settings).cards().values())
    assert problem is None
    assert "Is iedereen gecommitteerd?" in texts  # a central question of the small card
    assert len(texts) > 10  # plus every action and pattern query
    # ... and the reader's training texts once more, in its second view
    assert report.embedded_queries == len(texts) + len(reader_texts(settings))
    emb = CountingEmbeddings()
    retriever = build_retriever(settings, emb)
    vectors = retriever.fixed_vectors(texts)
    assert emb.queries == 0 and vectors.shape == (len(texts), 64)
    assert ingest(settings, CountingEmbeddings()).embedded_queries == 0


def _extra_card(corpus: Path, sections: int = 40) -> None:
    """One more card: `sections` passages of two sentences (3 windows each)."""
    (corpus / "extra.md").write_text(
        card_md("extra", "Extra", {f"Kop {i}": f"Zin {i}. Zin twee {i}." for i in range(sections)}),
        encoding="utf-8",
    )


def test_killed_ingest_during_windows_keeps_the_old_index_and_resumes(
    coach_home: Path, corpus: Path
) -> None:
    settings = _settings(coach_home, corpus)
    ingest(settings, CountingEmbeddings())
    _extra_card(corpus)
    # 40 passage vectors, then windows in batches of >= 64 (22 passages x 3): die in the second
    with pytest.raises(KeyboardInterrupt):
        ingest(settings, CountingEmbeddings(fail_after=40 + 66 + 10))
    assert set(open_index(settings).cards()) == {"balans", "vertrouwen"}
    emb = CountingEmbeddings()
    report = ingest(settings, emb)
    assert (report.embedded, report.embedded_windows) == (0, 120 - 66)
    assert emb.documents == 120 - 66
    assert "extra" in open_index(settings).cards()


def test_killed_model_switch_keeps_the_old_model_and_resumes(
    coach_home: Path, corpus: Path
) -> None:
    settings = _settings(coach_home, corpus)
    _extra_card(corpus)
    ingest(settings, CountingEmbeddings(size=64))
    with pytest.raises(KeyboardInterrupt):
        ingest(settings, CountingEmbeddings(size=32, fail_after=40))  # after one batch of 32
    index = open_index(settings)
    assert index.model_name == "CountingEmbeddings-64"
    old = build_retriever(settings, CountingEmbeddings(size=64))
    assert old.search("schijnsamenwerking", k=1)[0].passage.section == "Commitment"
    report = ingest(settings, CountingEmbeddings(size=32))
    assert report.embedded == 46 - 32
    assert open_index(settings).model_name == "CountingEmbeddings-32"
    assert len(_vector_ids(settings, CountingEmbeddings(size=32))) == 46


def test_first_ingest_killed_is_no_index_yet_and_resumes(coach_home: Path, corpus: Path) -> None:
    settings = _settings(coach_home, corpus)
    _extra_card(corpus)
    with pytest.raises(KeyboardInterrupt):
        ingest(settings, CountingEmbeddings(fail_after=40))
    with pytest.raises(IndexMissing, match="did not finish; it resumes where it stopped"):
        open_index(settings)
    assert ingest(settings, CountingEmbeddings()).embedded == 46 - 32


def test_format_1_index_is_named_and_migrated_without_embedding_again(
    coach_home: Path, corpus: Path, tmp_path: Path
) -> None:
    settings = _settings(coach_home, corpus)
    write_format_1_index(settings, tmp_path / "source-home")
    with pytest.raises(IndexMissing, match=r"old format — run `coach ingest` to update it"):
        open_index(settings)
    report = ingest(settings, CountingEmbeddings())
    assert report.embedded == 0 and report.unchanged == 4 and report.embedded_windows == 11
    index = open_index(settings)
    assert set(index.cards()) == {"balans", "vertrouwen"}
    assert index.corpus_dirs == (Path("/registered/elsewhere"),)  # carried over
    assert not (settings.index_dir / "store.json").exists()


def write_format_1_index(settings: Settings, scratch: Path) -> None:
    """An index as version 0.1 wrote it: manifest.json, store.json, one 'passages' collection."""
    from coach.index import chroma

    source = Settings(home=scratch, corpus_dirs=settings.corpus_dirs, include_builtin_corpus=False)
    ingest(source, CountingEmbeddings())
    got = open_index(source).collection().get(include=["embeddings", "metadatas"])
    client = chroma.client(settings.index_dir)
    legacy = chroma.open_space(client, "passages", "CountingEmbeddings-64")
    legacy.add(ids=got["ids"], embeddings=got["embeddings"], metadatas=got["metadatas"])
    index = open_index(source)
    files = {
        card.path: {"hash": card.content_hash, "card_id": card.id, "passages": []}
        for card in index.cards().values()
    }
    for passage in index.passages().values():
        files[index.cards()[passage.card_id].path]["passages"].append(passage.id)
    manifest = {
        "format": 1,
        "model": "CountingEmbeddings-64",
        "files": files,
        "corpus_dirs": ["/registered/elsewhere"],
    }
    (settings.index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    store = {"format": 1, "cards": [], "passages": []}
    (settings.index_dir / "store.json").write_text(json.dumps(store), encoding="utf-8")


def test_a_second_ingest_at_the_same_time_is_refused(coach_home: Path, corpus: Path) -> None:
    import fcntl

    settings = _settings(coach_home, corpus)
    settings.index_dir.mkdir(parents=True)
    with open(settings.index_dir / ".ingest.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(CoachError, match="Another `coach ingest`"):
            ingest(settings, CountingEmbeddings())
