"""Quotes are verbatim slices of retrieved passages; citations that are not grounded are dropped."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from dialogue_fixtures import content, corpus_texts, hit, norms_card, passage, seed_card, talk

from coach.dialogue import machine
from coach.dialogue.coaching import grounded_citation
from coach.grounding import check_citations, cite, quote_from


def test_quote_is_a_verbatim_slice_of_the_passage_about_the_query() -> None:
    p = passage(seed_card(), "Commitment")
    quote = quote_from(hit(p), "we vergaderen veel maar er gebeurt weinig")
    assert quote in p.text
    assert "weinig voortgang" in quote and "schijnsamenwerking" in quote


def test_quote_is_one_to_three_sentences_within_the_limit() -> None:
    p = passage(seed_card(), "Lenigheid")
    for query in ("wetgeving afhaken", "project resultaat", "xyz", ""):
        quote = quote_from(hit(p), query, max_chars=400)
        assert quote in p.text and 0 < len(quote) <= 400
        assert 1 <= sum(quote.count(end) for end in ".?!") <= 3


def test_an_overlong_sentence_is_cut_at_a_word_and_stays_verbatim() -> None:
    p = passage(seed_card(), "Lenigheid")
    quote = quote_from(hit(p), "wetgeving", max_chars=60)
    assert quote in p.text and len(quote) <= 60


def test_cite_gives_the_full_references_and_first_url() -> None:
    citation = cite(hit(passage(seed_card(), "Commitment")), "schijnsamenwerking")
    assert citation.source.startswith("Edwin Kaats & Wilfrid Opheij (2012). Leren samenwerken")
    assert citation.url and citation.url.startswith("https://www.managementboek.nl/")
    assert citation.card == "blijf-balanceren" and citation.section == "Commitment"


def test_a_quote_not_in_the_corpus_is_dropped() -> None:
    card = seed_card()
    good = cite(hit(passage(card, "Commitment")), "schijnsamenwerking")
    bad = replace(good, quote="Commitment is het allerbelangrijkste.")
    kept = check_citations([good, bad], {good.passage_id}, corpus_texts(card))
    assert kept == [good]


def test_a_citation_of_a_passage_not_retrieved_this_turn_is_dropped() -> None:
    card = seed_card()
    citation = cite(hit(passage(card, "Commitment")), "schijnsamenwerking")
    assert check_citations([citation], {"another-passage"}, corpus_texts(card)) == []
    assert check_citations([citation], {citation.passage_id}, {}) == []


def test_duplicate_citations_are_kept_once() -> None:
    card = seed_card()
    citation = cite(hit(passage(card, "Commitment")), "schijnsamenwerking")
    assert check_citations([citation, citation], {citation.passage_id}, corpus_texts(card)) == [
        citation
    ]


def test_a_turn_without_hits_says_it_is_ungrounded_and_cites_nothing() -> None:
    c = talk("Ik ben partner.")
    card = c.card
    _, reply = machine.step(
        c.state, "we vergaderen veel", {"insight": []}, card, content(), corpus_texts(card)
    )
    assert reply.citations == [] and reply.notice
    assert "geen passage" in reply.text


def test_a_hit_whose_text_is_not_in_the_corpus_is_never_quoted() -> None:
    c = talk("Ik ben partner.")
    card = c.card
    forged = replace(
        passage(card, "Commitment"), text="Vergaderen is altijd zinloos, zegt de kaart."
    )
    _, reply = machine.step(
        c.state,
        "we vergaderen veel",
        {"insight": [hit(forged)]},
        card,
        content(),
        corpus_texts(card),
    )
    assert reply.citations == [] and "zinloos" not in reply.text


def test_insight_never_quotes_the_card_questions_or_references_back() -> None:
    c = talk("Ik ben partner.")
    card = c.card
    hits = [
        hit(passage(card, "Centrale vragen"), 1),
        hit(passage(card, "Bronnen en mogelijkheden tot verdere verdieping"), 2),
        hit(passage(card, "Commitment"), 3),
    ]
    _, reply = machine.step(
        c.state, "we vergaderen veel", {"insight": hits}, card, content(), corpus_texts(card)
    )
    assert [q.section for q in reply.citations] == ["Commitment"]


def test_quotes_from_other_cards_are_checked_against_their_own_text() -> None:
    c = talk("Ik ben partner.")
    card, norms = c.card, norms_card()
    hits = [hit(passage(norms, "Wat is een normenkader"))]
    _, reply = machine.step(
        c.state, "wat is een normenkader?", {"qa": hits}, card, content(), corpus_texts(card, norms)
    )
    assert reply.citations and reply.citations[0].card == "normenkader"
    _, reply = machine.step(
        c.state, "wat is een normenkader?", {"qa": hits}, card, content(), corpus_texts(card)
    )
    assert reply.citations == []


def test_a_quote_never_crosses_a_paragraph_break() -> None:
    p = replace(
        passage(seed_card(), "Commitment"),
        text="Eerste alinea over tijd.\n\nTweede alinea over tijd.",
    )
    assert "\n" not in quote_from(hit(p), "tijd")


def test_a_section_that_speaks_to_the_situation_is_preferred_among_close_hits() -> None:
    card = seed_card()
    hits = [hit(passage(card, "Commitment"), 1), hit(passage(card, "Lenigheid"), 2)]
    ids = {h.passage.id for h in hits}
    plain = grounded_citation(hits, "samenwerken", content(), ids, corpus_texts(card))
    preferred = grounded_citation(
        hits, "samenwerken", content(), ids, corpus_texts(card), prefer_sections=["Lenigheid"]
    )
    assert plain is not None and plain.section == "Commitment"
    assert preferred is not None and preferred.section == "Lenigheid"


def test_every_signal_prefers_only_sections_that_exist_in_the_corpus() -> None:
    headings = {
        line[3:].strip()
        for f in (Path(__file__).parents[1] / "corpus").glob("*.md")
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    }
    for signal, texts in content().reflections.signals.items():
        missing = set(texts.sections) - headings
        assert not missing, f"{signal}: {missing}"
