"""Facilitator plans: agenda fills the time, questions come from the cards, quotes verbatim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coach.errors import InputError
from coach.models import Card, Hit, Passage, Section, Source
from coach.plan import best_quote, load_library, make_plan, plan_markdown

_SOURCE = Source(
    title="Leren samenwerken tussen organisaties",
    authors=("Edwin Kaats", "Wilfrid Opheij"),
    year=2012,
    url="https://example.org/boek",
)


def _card(
    card_id: str,
    title: str,
    sections: dict[str, str],
    central: tuple[str, ...],
    followups: tuple[str, ...],
) -> Card:
    text_parts, built = [], []
    offset = 0
    for heading, body in sections.items():
        chunk = f"{heading}\n\n{body}"
        start = offset + len(heading) + 2
        built.append(Section(heading, body, start, start + len(body)))
        text_parts.append(chunk)
        offset += len(chunk) + 2
    return Card(
        id=card_id,
        title=title,
        language="nl",
        origin="seed",
        path=f"{card_id}.md",
        text="\n\n".join(text_parts),
        sections=tuple(built),
        central_questions=central,
        followup_questions=followups,
        sources=(_SOURCE,),
    )


BALANS = _card(
    "blijf-balanceren",
    "Blijf balanceren",
    {
        "Commitment": (
            "Commitment aan de samenwerking is belangrijk. Zonder commitment kom je al snel "
            "terecht in een schijnsamenwerking, waarbij de samenwerking zich vooral lijkt te "
            "beperken tot overleggen. Hoeveel tijd kunnen we daadwerkelijk besteden aan de "
            "samenwerking?"
        ),
        "Naar passende acties": (
            "Een analyse van de stand van zaken kan vorm krijgen door toetsing aan de hand van "
            "een normenkader of door een omgevingsanalyse. Vervolgens kunnen passende acties "
            "worden opgesteld."
        ),
    },
    (
        "Is iedereen voldoende gecommitteerd aan de afspraken?",
        "Hoe ga je om met nieuwe ontwikkelingen en nieuwe spelers?",
        "Hoe houd je evenwicht in commitment, voortgang en resultaat?",
    ),
    (
        "Aan welke afspraken valt niet te tornen?",
        "Welke nieuwe kansen doen zich voor?",
        "Bewaken we de voortgang van het proces?",
    ),
)
VERTROUWEN = _card(
    "relatie-en-vertrouwen",
    "Relatie en vertrouwen",
    {
        "Vertrouwen groeit in kleine stappen": (
            "Vertrouwen groeit door afspraken na te komen. Kleine stappen laten zien dat "
            "partners op elkaar kunnen rekenen."
        )
    },
    (
        "Hoe staat het vertrouwen tussen de partners er op dit moment voor?",
        "Welke meningen en irritaties zijn nog niet uitgesproken?",
    ),
    ("Welke kleine stap kunnen we samen zetten?", "Wat wordt er aan tafel niet gezegd?"),
)


class FakeSearcher:
    """Word-overlap search over the sections of the fake cards (no model, no index)."""

    def __init__(self, cards: list[Card]) -> None:
        self._cards = {c.id: c for c in cards}
        self.queries: list[str] = []
        self._passages = [
            Passage(
                f"{c.id}:{i}", c.id, c.title, s.heading, s.text, s.start, s.end, "nl", c.sources
            )
            for c in cards
            for i, s in enumerate(c.sections)
        ]

    def cards(self) -> dict[str, Card]:
        return dict(self._cards)

    def search(self, query: str, k: int = 5) -> list[Hit]:
        self.queries.append(query)
        words = set(re.findall(r"\w+", query.lower()))
        scored = sorted(
            self._passages, key=lambda p: -len(words & set(re.findall(r"\w+", p.text.lower())))
        )
        return [Hit(p, 1.0 / (r + 1), r) for r, p in enumerate(scored[:k])]


@pytest.fixture
def searcher() -> FakeSearcher:
    return FakeSearcher([BALANS, VERTROUWEN])


@pytest.mark.parametrize("minutes", [30, 45, 60, 61, 90, 120, 135, 240, 480])
@pytest.mark.parametrize("group", [2, 8, 25])
def test_agenda_blocks_add_up_to_the_requested_duration(
    searcher: FakeSearcher, minutes: int, group: int
) -> None:
    plan = make_plan(searcher, ["blijf-balanceren"], group, minutes, "weinig voortgang")
    assert plan.total_minutes() == minutes
    starts = [b.start for b in plan.blocks]
    assert starts == sorted(starts) and starts[0] == 0
    assert all(b.minutes >= 5 for b in plan.blocks)
    assert plan.blocks[-1].end == minutes


def test_questions_come_from_the_chosen_cards(searcher: FakeSearcher) -> None:
    plan = make_plan(searcher, ["blijf-balanceren", "relatie-en-vertrouwen"], 8, 120, "")
    questions = [b.question for b in plan.blocks if b.question]
    assert questions[0] == BALANS.central_questions[0]
    assert questions[1] == VERTROUWEN.central_questions[0]  # round-robin over the cards
    followups = [f for b in plan.blocks for f in b.followups]
    assert followups and set(followups) <= set(
        BALANS.followup_questions + VERTROUWEN.followup_questions
    )
    assert len(followups) == len(set(followups))


def test_every_block_has_one_or_two_exercises_that_fit_its_time(searcher: FakeSearcher) -> None:
    plan = make_plan(searcher, ["blijf-balanceren"], 8, 90, "veel overleg, weinig commitment")
    library = load_library()
    for block in plan.blocks:
        assert 1 <= len(block.exercises) <= 2
        assert sum(e.minutes for e in block.exercises) <= block.minutes
        assert all(e.id in library.exercises for e in block.exercises)
    names = {e.id for b in plan.blocks for e in b.exercises}
    assert "commitment-ronde" in names  # the context talks about commitment
    assert plan.blocks[0].exercises[0].id == "check-in"
    assert plan.blocks[-1].exercises[0].id == "check-out"


def test_large_groups_get_subgroups(searcher: FakeSearcher) -> None:
    plan = make_plan(searcher, ["blijf-balanceren"], 30, 90, "commitment")
    assert any(e.subgroups for b in plan.blocks for e in b.exercises)
    assert "subgroepen" in plan.to_markdown()


def test_readings_are_verbatim_quotes_with_full_source(searcher: FakeSearcher) -> None:
    plan = make_plan(
        searcher, ["blijf-balanceren"], 8, 90, "we vergaderen veel, schijnsamenwerking"
    )
    assert searcher.queries[0] == "we vergaderen veel, schijnsamenwerking"  # context is the query
    assert plan.readings
    for cite in plan.readings:
        assert cite.quote in BALANS.text
        assert "Kaats" in cite.source and cite.url == "https://example.org/boek"
    assert plan.readings[0].section == "Commitment"


def test_each_chosen_card_gets_a_reading_even_when_the_context_misses_it(
    searcher: FakeSearcher,
) -> None:
    plan = make_plan(
        searcher, ["blijf-balanceren", "relatie-en-vertrouwen"], 6, 60, "schijnsamenwerking"
    )
    assert {c.card for c in plan.readings} == {"blijf-balanceren", "relatie-en-vertrouwen"}


def test_markdown_shows_goal_agenda_questions_and_quotes(searcher: FakeSearcher) -> None:
    plan = make_plan(searcher, ["blijf-balanceren"], 8, 90, "Nieuwe partner <script>x</script>")
    md = plan_markdown(plan)
    assert md.startswith("# Sessieplan: Blijf balanceren")
    assert "## Doel" in md and "## Agenda" in md and "## Te lezen passages" in md
    assert "| 0:00–" in md and "1:30 |" in md
    assert BALANS.central_questions[0] in md
    assert "<script>" not in md and "&lt;script&gt;" in md
    for cite in plan.readings:
        assert cite.quote in md


def test_english_plan_uses_english_labels(searcher: FakeSearcher) -> None:
    md = make_plan(searcher, ["blijf-balanceren"], 8, 60, "", language="en").to_markdown()
    assert md.startswith("# Session plan:") and "## Passages to read" in md
    assert "Werkvorm" not in md


@pytest.mark.parametrize(
    ("cards", "group", "minutes", "fix"),
    [
        ([], 8, 90, "at least one card"),
        (["nope"], 8, 90, "choose from"),
        (["blijf-balanceren"], 1, 90, "Group size"),
        (["blijf-balanceren"], 8, 10, "Duration"),
    ],
)
def test_bad_input_says_how_to_fix_it(
    searcher: FakeSearcher, cards: list[str], group: int, minutes: int, fix: str
) -> None:
    with pytest.raises(InputError, match=fix):
        make_plan(searcher, cards, group, minutes, "")


def test_best_quote_is_a_substring_and_prefers_matching_sentences() -> None:
    text = BALANS.sections[0].text
    quote = best_quote(text, BALANS.text, {"tijd", "besteden"})
    assert quote and quote in BALANS.text and "tijd" in quote


def test_plan_library_rejects_unknown_keys(tmp_path: Path) -> None:
    from coach.errors import ConfigError

    source = Path(__file__).resolve().parent.parent / "prompts" / "plan.yaml"
    (tmp_path / "plan.yaml").write_text(source.read_text(encoding="utf-8") + "\nextra: 1\n")
    with pytest.raises(ConfigError, match="extra"):
        load_library(tmp_path)


def test_readings_never_come_from_the_reference_list_or_the_question_lists() -> None:
    card = _card(
        "refs",
        "Referenties",
        {
            "Centrale vragen": "Hoe staat het met de samenwerking tussen de partners?",
            "Blijf vragen stellen": "Welke partners ontbreken in de samenwerking?",
            "Bronnen en mogelijkheden tot verdere verdieping": (
                "Leren samenwerken tussen organisaties. Zie https://www.managementboek.nl/x "
                "over samenwerking tussen partners."
            ),
            "Partners": "Partners in een samenwerking hebben elk hun eigen belang.",
        },
        ("Hoe staat het met de samenwerking tussen de partners?",),
        ("Welke partners ontbreken in de samenwerking?",),
    )
    plan = make_plan(FakeSearcher([card]), ["refs"], 8, 60, "samenwerking tussen partners")
    assert [c.section for c in plan.readings] == ["Partners"]


def test_a_quote_never_ends_inside_a_web_address() -> None:
    text = "Meer lezen? Zie https://www.managementboek.nl/boek/1 voor de bron. Dat helpt."
    quote = best_quote(text, text, {"managementboek", "bron"})
    assert quote is not None and "https://www.managementboek.nl/boek/1" in quote
    assert not quote.endswith("www.")


def test_follow_up_questions_in_the_plan_are_questions() -> None:
    card = _card(
        "mixed",
        "Gemengd",
        {"Commitment": "Commitment is belangrijk in elke samenwerking."},
        ("Is iedereen gecommitteerd?",),
        (
            "Daarbij is het essentieel om open naar elkaar te zijn.",
            "Wie mist er aan tafel?",
            "Wat houdt ons tegen?",
        ),
    )
    plan = make_plan(FakeSearcher([card]), ["mixed"], 8, 60, "commitment open")
    followups = [f for b in plan.blocks for f in b.followups]
    assert followups == ["Wie mist er aan tafel?", "Wat houdt ons tegen?"]


@pytest.mark.parametrize("minutes", [30, 60, 90, 135, 240])
@pytest.mark.parametrize("group", [3, 8, 25])
def test_every_minute_of_every_block_is_accounted_for(
    searcher: FakeSearcher, minutes: int, group: int
) -> None:
    plan = make_plan(searcher, ["blijf-balanceren"], group, minutes, "nieuwe partner")
    markdown = plan.to_markdown()
    for block in plan.blocks:
        assert sum(e.minutes for e in block.exercises) + block.talk_minutes == block.minutes
        assert block.talk_minutes == 0 or block.talk  # the rest of the time has a purpose
        section = markdown.split(block.title + " (", 1)[1].split("\n### ", 1)[0]
        shown = [int(m) for m in re.findall(r"\*\* \((\d+) min\)", section)]
        assert sum(shown) == block.minutes, (block.title, shown, block.minutes)


def test_the_group_size_changes_the_work_forms(searcher: FakeSearcher) -> None:
    def forms(group: int) -> set[str]:
        plan = make_plan(searcher, ["blijf-balanceren"], group, 90, "nieuwe partner, omgeving")
        return {e.form for b in plan.blocks for e in b.exercises}

    small, medium, large = forms(4), forms(8), forms(24)
    assert "round" in small and not small & {"pairs", "subgroups"}
    assert "pairs" in medium and "subgroups" not in medium
    assert "subgroups" in large and "round" not in large
    text = make_plan(searcher, ["blijf-balanceren"], 24, 90, "nieuwe partner").to_markdown()
    assert "in 4 subgroepen van 6 deelnemers" in text
    text = make_plan(searcher, ["blijf-balanceren"], 4, 90, "nieuwe partner").to_markdown()
    assert "een ronde — ieder van de 4 deelnemers" in text
