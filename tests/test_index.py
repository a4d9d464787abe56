"""Ingest: incremental by content, safe to interrupt, one model per index (fake model)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_corpus import COMMITMENT, CountingEmbeddings, card_md, write_small_corpus

from coach.errors import CorpusError, IndexMissing, InputError
from coach.index import ensure_index, ingest, open_index
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
    assert report.embedded == emb.documents == 1
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
