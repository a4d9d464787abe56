"""Loading cards: the seed text, Markdown cards, other formats, and every bad-input message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fixtures_corpus import (
    SEED_TXT,
    card_md,
    make_bad_docx,
    make_docx,
    make_pdf,
    write_hostile_files,
    write_small_corpus,
)

from coach.corpus import load_card, load_corpus, load_folder
from coach.errors import CorpusError
from coach.settings import BUILTIN_CORPUS


def _seed(tmp_path: Path) -> Path:
    path = tmp_path / "blijf-balanceren.txt"
    path.write_text(SEED_TXT, encoding="utf-8")
    return path


def test_seed_text_parses_into_title_questions_sections_followups_and_source(
    tmp_path: Path,
) -> None:
    card = load_card(_seed(tmp_path))
    assert card.id == "blijf-balanceren"
    assert card.title == "Blijf balanceren"
    assert card.language == "nl"
    assert card.central_questions == (
        "Is iedereen voldoende gecommitteerd aan de afspraken? "
        "Ben je hierover met elkaar in gesprek?",
        "Hoe ga je om met nieuwe ontwikkelingen en nieuwe spelers?",
        "Hoe houd je evenwicht in commitment, voortgang en resultaat?",
    )
    headings = [s.heading for s in card.sections]
    assert headings[0] == "Centrale vragen"
    assert {"Lenigheid", "Blijf vragen stellen", "Naar passende acties"} <= set(headings)
    assert headings[-1].startswith("Bronnen")
    assert len(card.followup_questions) == 6
    assert card.followup_questions[0] == "Aan welke afspraken valt niet te tornen?"
    assert card.followup_questions[2] == "Welke nieuwe kansen doen zich voor?"
    [source] = card.sources
    assert source.title == "Leren samenwerken tussen organisaties"
    assert source.authors == ("Edwin Kaats", "Wilfrid Opheij")
    assert source.url and source.url.startswith("https://www.managementboek.nl/")


def test_seed_text_repairs_broken_wraps_and_double_spaces(tmp_path: Path) -> None:
    card = load_card(_seed(tmp_path))
    assert "bij een samenwerking hoeft dat niet zo te zijn" in card.text
    assert "De weg er naar toe heeft soms" in card.text
    assert "terecht in een schijnsamenwerking" in card.text
    assert "  " not in card.text and "\uf0a7" not in card.text


def test_section_offsets_point_into_the_normalised_text(tmp_path: Path) -> None:
    card = load_card(_seed(tmp_path))
    for section in card.sections:
        assert card.text[section.start : section.end] == section.text


def test_markdown_card_loads_front_matter_sections_and_hints(tmp_path: Path) -> None:
    folder = write_small_corpus(tmp_path / "cards")
    card = load_card(folder / "balans.md")
    assert (card.id, card.title, card.origin) == ("balans", "Blijf balanceren", "user")
    assert card.central_questions == ("Is iedereen gecommitteerd?", "Hoe houd je evenwicht?")
    commitment = card.section("commitment")
    assert commitment is not None
    assert commitment.hints.keywords == ("veel overleg", "weinig voortgang")
    assert "schijnsamenwerking" in commitment.text


def test_builtin_corpus_loads_without_problems() -> None:
    result = load_folder(BUILTIN_CORPUS, origin="project")
    assert result.problems == []
    cards = {c.id: c for c in result.cards}
    assert "blijf-balanceren" in cards
    seed = cards["blijf-balanceren"]
    assert len(seed.central_questions) == 3
    assert len(seed.followup_questions) == 6
    assert seed.sources


def test_unknown_front_matter_key_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "card.md"
    path.write_text(card_md("x", "X", {"Kop": "Tekst."}, extra="colour: blue\n"), encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        load_card(path)
    assert err.value.path == str(path)
    assert err.value.line == 5  # ---, id, title, language, colour
    assert "unknown front-matter key `colour`" in str(err.value)


def test_missing_title_is_reported_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "card.md"
    path.write_text("---\nid: x\n---\n\n## Kop\n\nTekst.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"card\.md:\d+: front matter misses `title`; add a line"):
        load_card(path)


def test_hints_for_a_heading_that_does_not_exist_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "card.md"
    path.write_text(
        card_md("x", "X", {"Kop": "Tekst."}, hints={"Elders": {"keywords": ["a"]}}),
        encoding="utf-8",
    )
    with pytest.raises(CorpusError, match="no section with that heading; use one of: Kop"):
        load_card(path)


def test_non_utf8_file_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "oud.txt"
    path.write_bytes(b"Titel\n\nEerste regel\n" + "café\n".encode("latin-1"))
    with pytest.raises(CorpusError) as err:
        load_card(path)
    assert err.value.line == 4
    assert "not UTF-8" in str(err.value) and "save the file as UTF-8" in str(err.value)


def test_pdf_text_becomes_a_card(tmp_path: Path) -> None:
    path = make_pdf(
        tmp_path / "notitie.pdf",
        [
            "Samen sturen",
            "Mandaat",
            "Wie aan tafel zit, moet namens de eigen organisatie kunnen beslissen.",
        ],
    )
    card = load_card(path)
    assert card.title == "Samen sturen"
    assert card.section("Mandaat") is not None
    assert "namens de eigen organisatie kunnen beslissen" in card.text


def test_pdf_without_text_is_reported(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "scan.pdf", [])
    with pytest.raises(CorpusError, match=r"scan\.pdf: contains no text \(a scanned image\?\)"):
        load_card(path)


def test_docx_title_headings_and_list_styles_are_used(tmp_path: Path) -> None:
    card = load_card(make_docx(tmp_path / "ambitie.docx"))
    assert card.title == "Gezamenlijke ambitie"
    assert card.central_questions == ("Wat willen we samen bereiken?",)
    assert card.section("De ambitie als baken") is not None


def test_bad_file_does_not_hide_good_files_in_the_folder(tmp_path: Path) -> None:
    folder = write_small_corpus(tmp_path / "cards")
    (folder / "kapot.md").write_text("---\nid: kapot\ntitle: [unclosed\n---\n", encoding="utf-8")
    result = load_folder(folder)
    assert sorted(c.id for c in result.cards) == ["balans", "vertrouwen"]
    [problem] = result.problems
    assert "kapot.md" in str(problem) and "not valid YAML" in str(problem)


def test_readme_files_are_not_cards(tmp_path: Path) -> None:
    folder = write_small_corpus(tmp_path / "cards")
    assert all("README" not in c.path for c in load_folder(folder).cards)


def test_duplicate_ids_across_files_name_both_files(tmp_path: Path) -> None:
    one = write_small_corpus(tmp_path / "one")
    two = tmp_path / "two"
    two.mkdir()
    (two / "copy.md").write_text((one / "balans.md").read_text(encoding="utf-8"), encoding="utf-8")
    result = load_corpus([one, two])
    assert [c.id for c in result.cards].count("balans") == 1
    [problem] = result.problems
    assert "balans.md" in str(problem) and "copy.md" in str(problem)


def test_missing_and_empty_folders_are_problems_not_crashes(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = load_corpus([tmp_path / "nowhere", tmp_path / "empty"])
    messages = [str(p) for p in result.problems]
    assert result.cards == []
    assert any("does not exist" in m and "--forget" in m for m in messages)
    assert any("holds no cards" in m for m in messages)


def test_unsupported_file_types_are_named(tmp_path: Path) -> None:
    folder = write_small_corpus(tmp_path / "cards")
    (folder / "oud.doc").write_bytes(b"\xd0\xcf")
    [problem] = load_folder(folder).problems
    assert "oud.doc" in str(problem) and ".docx" in str(problem)


def test_docx_whose_xml_does_not_parse_is_named_and_the_rest_loads(tmp_path: Path) -> None:
    folder = write_small_corpus(tmp_path / "cards")
    make_bad_docx(folder / "kapot.docx")
    result = load_folder(folder)
    assert sorted(c.id for c in result.cards) == ["balans", "vertrouwen"]
    [problem] = result.problems
    assert "kapot.docx: cannot be read as Word .docx (XMLSyntaxError" in str(problem)
    assert "re-save it from Word" in str(problem)


def test_file_above_the_size_limit_is_skipped_naming_the_setting(tmp_path: Path) -> None:
    folder = write_small_corpus(tmp_path / "cards")
    (folder / "groot.txt").write_text("Titel\n\n" + "woord " * 400, encoding="utf-8")
    result = load_folder(folder, max_bytes=1024)
    assert sorted(c.id for c in result.cards) == ["balans", "vertrouwen"]
    [problem] = result.problems
    assert "groot.txt: is 0.0 MB, above the limit of 0.000976562 MB (COACH_MAX_FILE_MB)" in str(
        problem
    )
    assert "raise COACH_MAX_FILE_MB" in str(problem)


def test_every_hostile_file_is_named_and_the_good_cards_load(tmp_path: Path) -> None:
    folder = write_small_corpus(tmp_path / "cards")
    write_hostile_files(folder)
    result = load_folder(folder, max_bytes=5 * 1024 * 1024)
    assert sorted(c.id for c in result.cards) == ["balans", "vertrouwen"]
    messages = sorted(str(p) for p in result.problems)
    assert len(messages) == 3
    assert "groot.txt: is 20.0 MB, above the limit of 5 MB (COACH_MAX_FILE_MB)" in messages[0]
    assert "kapot.docx: cannot be read as Word .docx" in messages[1]
    assert "lus.md: is a symbolic link that loops back on itself" in messages[2]


def test_broken_link_is_named_with_its_target(tmp_path: Path) -> None:
    folder = write_small_corpus(tmp_path / "cards")
    (folder / "weg.md").symlink_to(tmp_path / "verhuisd.md")
    [problem] = load_folder(folder).problems
    assert "weg.md: is a symbolic link to" in str(problem) and "does not exist" in str(problem)


def test_link_to_an_enclosing_folder_is_a_loop_and_not_followed(tmp_path: Path) -> None:
    folder = write_small_corpus(tmp_path / "cards")
    (folder / "sub").mkdir()
    (folder / "sub" / "terug").symlink_to(folder, target_is_directory=True)
    result = load_folder(folder)
    assert sorted(c.id for c in result.cards) == ["balans", "vertrouwen"]
    [problem] = result.problems
    assert "terug: is a symbolic link to a folder that contains it (a loop)" in str(problem)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file_is_named_with_the_fix(tmp_path: Path) -> None:
    folder = write_small_corpus(tmp_path / "cards")
    secret = folder / "geheim.md"
    secret.write_text(card_md("geheim", "Geheim", {"Kop": "Tekst."}), encoding="utf-8")
    secret.chmod(0)
    result = load_folder(folder)
    assert sorted(c.id for c in result.cards) == ["balans", "vertrouwen"]
    [problem] = result.problems
    assert "geheim.md: cannot be read (Permission denied)" in str(problem)
