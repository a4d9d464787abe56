"""Hybrid retrieval: fake embeddings for the mechanics, the real model for quality (slow)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from fixtures_corpus import COMMITMENT, CountingEmbeddings, write_small_corpus
from langchain_core.retrievers import BaseRetriever

from coach.errors import IndexMissing, InputError
from coach.evaluation.retrieval import DEFAULT_DEV_SET, evaluate_retrieval
from coach.index import ingest
from coach.normalize import contains_phrase
from coach.retrieval import HybridRetriever, build_retriever
from coach.settings import Settings


@pytest.fixture
def small_settings(coach_home: Path, tmp_path: Path) -> Settings:
    settings = Settings(
        home=coach_home,
        corpus_dirs=(write_small_corpus(tmp_path / "cards"),),
        include_builtin_corpus=False,
    )
    ingest(settings, CountingEmbeddings())
    return settings


@pytest.fixture
def emb() -> CountingEmbeddings:
    return CountingEmbeddings()


@pytest.fixture
def retriever(small_settings: Settings, emb: CountingEmbeddings) -> HybridRetriever:
    return build_retriever(small_settings, emb)


@pytest.mark.parametrize("query", ["", "   ", "\n"])
def test_empty_query_is_rejected_with_an_example(retriever: HybridRetriever, query: str) -> None:
    with pytest.raises(
        InputError, match=r'Empty query — type a question, e\.g\. coach ask "wat is'
    ):
        retriever.search(query)


def test_corpus_term_is_found_by_bm25(retriever: HybridRetriever) -> None:
    [hit] = retriever.search("schijnsamenwerking", k=1, mode="lexical")
    assert hit.passage.section == "Commitment"
    assert hit.lexical_rank == 1 and hit.dense_rank is None


def test_hint_question_leads_dense_search_to_its_section(retriever: HybridRetriever) -> None:
    # The fake model gives identical text identical vectors: the hint is the nearest vector.
    hits = retriever.search("We vergaderen veel maar er gebeurt niets.", k=3, mode="dense")
    assert hits[0].passage.section == "Commitment"
    assert hits[0].dense_rank == 1


def test_hybrid_hits_carry_both_ranks_and_fused_scores(retriever: HybridRetriever) -> None:
    hits = retriever.search("schijnsamenwerking veel overleg", k=4)
    assert hits[0].passage.section == "Commitment"
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))
    assert hits[0].lexical_rank == 1 and hits[0].dense_rank is not None


def test_retriever_is_a_langchain_retriever_returning_passage_documents(
    retriever: HybridRetriever,
) -> None:
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("schijnsamenwerking")
    assert docs[0].metadata["card_title"] == "Blijf balanceren"
    assert docs[0].metadata["section"] == "Commitment"
    assert docs[0].page_content == retriever.passages()[docs[0].metadata["passage_id"]].text


def test_retriever_exposes_cards_and_passages(retriever: HybridRetriever) -> None:
    cards = retriever.cards()
    assert set(cards) == {"balans", "vertrouwen"}
    for passage in retriever.passages().values():
        assert cards[passage.card_id].text[passage.start : passage.end] == passage.text


def test_build_retriever_without_index_says_run_ingest(coach_home: Path) -> None:
    with pytest.raises(IndexMissing, match="run `coach ingest` first"):
        build_retriever(Settings(home=coach_home))


@pytest.mark.slow
def test_meeting_without_progress_finds_schijnsamenwerking(real_index_home: Path) -> None:
    retriever = build_retriever(Settings(home=real_index_home))
    hits = retriever.search("we vergaderen veel maar er gebeurt eigenlijk niets", k=3)
    assert any(
        h.passage.card_id == "blijf-balanceren" and "schijnsamenwerking" in h.passage.text
        for h in hits
    )


@pytest.mark.slow
@pytest.mark.skipif(not DEFAULT_DEV_SET.exists(), reason="eval/retrieval_dev.yaml not written yet")
def test_hybrid_recall_at_3_meets_the_gate(real_index_home: Path, tmp_path: Path) -> None:
    result = evaluate_retrieval(Settings(home=real_index_home), DEFAULT_DEV_SET)
    assert result["ingest"]["embedded"] == 0  # the session index is already up to date
    assert not result["unreachable_gold"], "gold phrases must occur in the corpus"
    assert result["metrics"]["hybrid"]["all"]["recall@3"] >= 0.85, result["misses"]


def test_gold_matching_ignores_case_and_whitespace() -> None:
    assert contains_phrase("Er wordt  weinig\nvoortgang geboekt", "weinig VOORTGANG geboekt")
    assert not contains_phrase("weinig voortgang", "veel voortgang")


def test_embed_query_is_a_unit_float32_vector_embedded_once(
    retriever: HybridRetriever, emb: CountingEmbeddings
) -> None:
    first = retriever.embed_query("schijnsamenwerking")
    assert first.dtype == np.float32 and first.shape == (64,)
    assert abs(float(np.linalg.norm(first)) - 1.0) < 1e-5
    again = retriever.embed_query("schijnsamenwerking")
    assert emb.queries == 1 and np.array_equal(first, again)


def test_search_with_a_vector_embeds_nothing_and_finds_the_same(
    retriever: HybridRetriever, emb: CountingEmbeddings
) -> None:
    query = "We vergaderen veel maar er gebeurt niets."
    vector = np.asarray(CountingEmbeddings().embed_query(query))  # same text, same fake vector
    with_vector = retriever.search(query, k=3, vector=vector)
    assert emb.queries == 0
    plain = retriever.search(query, k=3)
    assert emb.queries == 1
    assert [(h.passage.id, h.dense_rank, h.lexical_rank) for h in with_vector] == [
        (h.passage.id, h.dense_rank, h.lexical_rank) for h in plain
    ]


def test_search_with_a_vector_still_ranks_bm25_by_the_query_text(
    retriever: HybridRetriever, emb: CountingEmbeddings
) -> None:
    unrelated = retriever.embed_query("iets heel anders")
    hits = retriever.search("schijnsamenwerking", k=4, vector=unrelated)
    commitment = next(h for h in hits if h.passage.section == "Commitment")
    assert commitment.lexical_rank == 1
    assert emb.queries == 1  # only the explicit embed_query above


def test_fixed_vectors_are_embedded_once_in_one_batch_and_kept_in_the_index(
    small_settings: Settings,
) -> None:
    texts = ["een vaste vraag", "nog een vaste vraag", "een vaste vraag"]
    first_emb = CountingEmbeddings()
    first = build_retriever(small_settings, first_emb).fixed_vectors(texts)
    assert first.shape == (3, 64) and first.dtype == np.float32
    assert np.array_equal(first[0], first[2])
    assert first_emb.queries == 2  # the repeated text is embedded once
    second_emb = CountingEmbeddings()  # a second retriever (as in a new process) embeds nothing
    second = build_retriever(small_settings, second_emb).fixed_vectors(texts)
    assert second_emb.queries == 0 and np.allclose(first, second)


def test_windows_give_offsets_of_real_sentences_scored_best_first(
    retriever: HybridRetriever,
) -> None:
    # The fake model gives identical text identical vectors: the quoted sentence scores 1.0.
    sentence = "Commitment aan de samenwerking is belangrijk."
    hits = retriever.search(sentence, k=4, windows=True)
    [hit] = [h for h in hits if h.passage.text == COMMITMENT]
    start, end, score = hit.windows[0]
    assert hit.passage.text[start:end] == sentence and score == pytest.approx(1.0, abs=1e-3)
    assert [w[2] for w in hit.windows] == sorted((w[2] for w in hit.windows), reverse=True)
    slices = {hit.passage.text[s:e] for s, e, _ in hit.windows}
    assert slices == {sentence, COMMITMENT[len(sentence) + 1 :], COMMITMENT}


def test_windows_are_empty_unless_asked_for(retriever: HybridRetriever) -> None:
    assert all(h.windows == () for h in retriever.search("schijnsamenwerking", k=3))


def test_query_cache_forgets_the_least_recently_used_query_only(
    small_settings: Settings, emb: CountingEmbeddings
) -> None:
    built = build_retriever(small_settings, emb)
    retriever = HybridRetriever(
        index=built.index, embeddings=emb, model_name=built.model_name, query_cache_size=2
    )
    for query in ("a", "b", "a", "c"):  # "b" is now the least recently used
        retriever.embed_query(query)
    assert emb.queries == 3
    retriever.embed_query("a")
    assert emb.queries == 3  # still cached: the cache was not cleared when it filled up
    retriever.embed_query("b")
    assert emb.queries == 4


def test_without_its_model_the_coach_still_reaches_the_actions_by_keywords(
    small_settings: Settings,
) -> None:
    from coach.dialogue.content import load_content
    from coach.errors import ModelUnavailable
    from coach.index import open_index
    from coach.service import Coach
    from coach.sessions import SessionStore

    keywords_only = HybridRetriever(index=open_index(small_settings), model_name="gone")
    with pytest.raises(ModelUnavailable):
        keywords_only.fixed_vectors(["een vaste vraag"])
    settings = small_settings.with_changes(default_card="balans")
    store = SessionStore(settings.sessions_db)
    coach = Coach(settings, keywords_only, store, load_content(settings.prompts_dir))
    session = coach.start_session().session
    coach.reply(session, "Wij zijn drie gemeenten.")
    while coach.state(session).phase != "balance":
        coach.reply(session, "overslaan")
    assert coach.reply(session, "commitment 4, voortgang 2, resultaat 3").phase == "actions"
