"""Chunking: passages stay inside sections and their offsets slice the card text exactly."""

from __future__ import annotations

import itertools
from pathlib import Path

from fixtures_corpus import SEED_TXT, card_md

from coach.chunking import chunk_card, passage_id
from coach.corpus import load_card


def _long_card(tmp_path: Path) -> Path:
    sentences = " ".join(f"Zin nummer {i} gaat over samenwerken en vertrouwen." for i in range(60))
    path = tmp_path / "lang.md"
    path.write_text(
        card_md("lang", "Lang", {"Kort": "Een korte sectie.", "Lang": sentences}), encoding="utf-8"
    )
    return path


def test_passage_text_is_exactly_the_card_text_at_its_offsets(tmp_path: Path) -> None:
    path = tmp_path / "seed.txt"
    path.write_text(SEED_TXT, encoding="utf-8")
    for card in (load_card(path), load_card(_long_card(tmp_path))):
        for passage in chunk_card(card):
            assert card.text[passage.start : passage.end] == passage.text


def test_passages_never_span_two_sections(tmp_path: Path) -> None:
    card = load_card(_long_card(tmp_path))
    for passage in chunk_card(card, chunk_size=200, overlap=40):
        section = card.section(passage.section)
        assert section is not None
        assert section.start <= passage.start and passage.end <= section.end


def test_long_section_is_split_with_overlap(tmp_path: Path) -> None:
    card = load_card(_long_card(tmp_path))
    pieces = [p for p in chunk_card(card, chunk_size=300, overlap=80) if p.section == "Lang"]
    assert len(pieces) > 3
    assert all(len(p.text) <= 300 for p in pieces)
    assert all(later.start < earlier.end for earlier, later in itertools.pairwise(pieces))


def test_short_sections_stay_whole(tmp_path: Path) -> None:
    card = load_card(_long_card(tmp_path))
    [short] = [p for p in chunk_card(card) if p.section == "Kort"]
    assert short.text == "Een korte sectie."


def test_passage_ids_are_stable_and_change_with_the_text(tmp_path: Path) -> None:
    card = load_card(_long_card(tmp_path))
    assert [p.id for p in chunk_card(card)] == [p.id for p in chunk_card(card)]
    assert passage_id("lang", "Kort", "Een korte sectie.") != passage_id(
        "lang", "Kort", "Een andere."
    )
    ids = [p.id for p in chunk_card(card, chunk_size=200, overlap=40)]
    assert len(ids) == len(set(ids))
