"""Balance ratings in every form a user types them, the named imbalance, and the actions."""

from __future__ import annotations

import pytest
from dialogue_fixtures import Conversation, content, corpus_texts, hit, passage, seed_card, talk

from coach.dialogue import machine
from coach.dialogue.coaching import balance_pattern
from coach.dialogue.parsing import parse_choice, parse_ratings
from coach.models import Ratings

INTAKE = "Ik ben partner in een samenwerking van gemeenten."


def _balance() -> Conversation:
    c = talk(INTAKE, "overslaan", "overslaan", "overslaan")
    assert c.state.phase == "balance"
    return c


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("commitment 4, voortgang 2, resultaat 3", (4, 2, 3)),
        ("4 2 3", (4, 2, 3)),
        ("4/2/3", (4, 2, 3)),
        ("4,2,3", (4, 2, 3)),
        ("vier twee drie", (4, 2, 3)),
        ("commitment four, progress 2, result 3", (4, 2, 3)),
        ("resultaat 3, commitment 4, voortgang 2", (4, 2, 3)),
        ("Commitment: hoog, voortgang: laag, resultaat: gemiddeld", (4, 2, 3)),
        ("commitment zeer hoog, voortgang heel laag, resultaat 3", (5, 1, 3)),
        ("commitment is een 4, voortgang een 2 en resultaat een 3", (4, 2, 3)),
    ],
)
def test_ratings_are_read_in_many_forms(text: str, expected: tuple[int, int, int]) -> None:
    parse = parse_ratings(text, Ratings(), content().commands)
    merged = parse.merged(Ratings())
    assert (merged.commitment, merged.progress, merged.result) == expected
    assert parse.invalid == ()


def test_a_single_number_fills_the_first_missing_rating() -> None:
    c = _balance()
    reply = c.say("4")
    assert reply.phase == "balance"
    assert c.state.ratings == Ratings(4, None, None)
    assert "voortgang" in reply.text and "resultaat" in reply.text and "commitment 4" in reply.text


def test_only_missing_ratings_are_asked_again() -> None:
    c = _balance()
    reply = c.say("commitment 4, voortgang 2")
    assert reply.phase == "balance" and c.state.ratings == Ratings(4, 2, None)
    question = reply.text.split("\n\n")[-1]
    assert "resultaat" in question and "voortgang" not in question
    reply = c.say("vier")
    assert reply.phase == "actions" and c.state.ratings == Ratings(4, 2, 4)


@pytest.mark.parametrize("bad", ["7", "0", "6", "veel", "commitment 9", "tien"])
def test_out_of_range_or_unreadable_ratings_are_asked_again(bad: str) -> None:
    c = _balance()
    reply = c.say(bad)
    assert reply.phase == "balance" and c.state.ratings == Ratings()
    assert "1 tot 5" in reply.text


def test_out_of_range_value_is_named() -> None:
    c = _balance()
    reply = c.say("commitment 7, voortgang 2, resultaat 3")
    assert "7" in reply.text and c.state.ratings == Ratings(None, 2, 3)
    assert reply.text.split("\n\n")[-1].count("commitment") == 1


@pytest.mark.parametrize(
    ("text", "named"),
    [("-1", "-1"), ("resultaat -3", "-3"), ("1e9", "1e9"), ("commitment 10", "10")],
)
def test_negative_and_huge_numbers_are_named_not_read(text: str, named: str) -> None:
    c = _balance()
    reply = c.say(text)
    assert reply.phase == "balance" and c.state.ratings == Ratings()
    assert f"{named} past niet op de schaal van 1 tot 5" in reply.text
    assert reply.text.split("\n\n")[-1].startswith("Welk cijfer van 1 tot 5")


@pytest.mark.parametrize("text", ["3,5", "3.5", "commitment 3,5", "2,5 4 3"])
def test_a_decimal_asks_for_a_whole_number(text: str) -> None:
    c = _balance()
    reply = c.say(text)
    assert reply.phase == "balance" and c.state.ratings.commitment is None
    assert "Geef een heel cijfer van 1 tot 5 in plaats van" in reply.text
    assert reply.text.split("\n\n")[-1].startswith("Welk cijfer van 1 tot 5")


def test_a_decimal_is_named_in_english_too() -> None:
    parse = parse_ratings("progress 2.5", Ratings(), content().commands)
    assert parse.decimals == ("2.5",) and parse.values == {}
    assert content().render("rating_decimal", "en", values="2.5").startswith("Please give a whole")


@pytest.mark.parametrize(
    ("text", "count"), [("5/5/5/5", 4), ("1 2 3 4 5 1 2", 7), ("1 2 3 4 5 1 2 3 4 5 1", 11)]
)
def test_more_numbers_than_ratings_are_not_used(text: str, count: int) -> None:
    c = _balance()
    reply = c.say(text)
    assert reply.phase == "balance" and c.state.ratings == Ratings()
    assert f"Je gaf {count} cijfers, maar ik vroeg er 3" in reply.text


def test_more_numbers_than_missing_ratings_are_not_used() -> None:
    c = _balance()
    c.say("4")
    reply = c.say("4 2 3")
    assert c.state.ratings == Ratings(4, None, None)
    assert "Je gaf 3 cijfers, maar ik vroeg er 2" in reply.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4-2-3", (4, 2, 3)),
        ("4.2.3", (4, 2, 3)),
        ("4, 2, 3", (4, 2, 3)),
        ("progress high", (None, 4, None)),
    ],
)
def test_separators_are_not_signs_or_decimals(text: str, expected: tuple[int | None, ...]) -> None:
    parse = parse_ratings(text, Ratings(), content().commands)
    merged = parse.merged(Ratings())
    assert (merged.commitment, merged.progress, merged.result) == expected
    assert parse.invalid == () and parse.decimals == () and not parse.too_many


def test_a_value_after_a_good_rating_can_still_be_completed() -> None:
    c = _balance()
    reply = c.say("commitment 4, voortgang -2, resultaat 3")
    assert c.state.ratings == Ratings(4, None, 3) and "-2 past niet" in reply.text
    reply = c.say("2")
    assert reply.phase == "actions" and c.state.ratings == Ratings(4, 2, 3)


def test_a_long_sentence_only_gives_ratings_next_to_a_label() -> None:
    parse = parse_ratings(
        "Twee partijen doen het goed maar de rest haakt af, vier jaar al",
        Ratings(),
        content().commands,
    )
    assert not parse.understood


def test_completing_ratings_over_several_messages_moves_to_actions() -> None:
    c = _balance()
    c.say("4")
    c.say("2")
    reply = c.say("3")
    assert reply.phase == "actions" and c.state.ratings == Ratings(4, 2, 3)


@pytest.mark.parametrize(
    ("ratings", "pattern"),
    [
        (Ratings(4, 2, 3), "schijnsamenwerking"),
        (Ratings(5, 3, 1), "schijnsamenwerking"),
        (Ratings(2, 4, 4), "weinig-commitment"),
        (Ratings(2, 2, 1), "alles-laag"),
        (Ratings(1, 2, 3), "weinig-commitment"),
        (Ratings(3, 4, 2), "mager-resultaat"),
        (Ratings(3, 2, 3), "voortgang-stokt"),
        (Ratings(5, 4, 4), "alles-hoog"),
        (Ratings(3, 3, 3), "middenweg"),
    ],
)
def test_the_imbalance_is_named_from_patterns_in_the_data(ratings: Ratings, pattern: str) -> None:
    assert balance_pattern(ratings, content()).id == pattern


RATINGS = "commitment 4, voortgang 2, resultaat 3"


def test_the_balance_reply_names_the_pattern_with_a_citation_from_the_balance_query() -> None:
    c = _balance()
    queries = machine.queries_for(c.state, RATINGS, c.card, content())
    names = [q.name for q in queries]
    assert names[0] == "balance" and "schijnsamenwerking" in queries[0].text
    assert all(n.startswith("action:") for n in names[1:]) and 2 <= len(names) - 1 <= 6
    reply = c.say(RATINGS)
    assert "schijnsamenwerking" in reply.text
    assert reply.citations and reply.citations[0].section == "Commitment"


def test_actions_fit_the_ratings() -> None:
    c = _balance()
    reply = c.say("commitment 5, voortgang 5, resultaat 5")
    ids = [a.id for a in reply.actions]
    assert "nieuwe-kansen" in ids
    c = _balance()
    reply = c.say("commitment 1, voortgang 3, resultaat 3")
    assert "commitment-gesprek" in [a.id for a in reply.actions]


def test_action_without_groundable_passage_is_dropped_and_the_next_best_fills_in() -> None:
    c = _balance()
    card = seed_card()
    queries = machine.queries_for(c.state, RATINGS, card, content())
    commitment = hit(passage(card, "Commitment"))
    retrieved = {q.name: [commitment] for q in queries}
    retrieved["action:commitment-gesprek"] = []
    _, reply = machine.step(c.state, RATINGS, retrieved, card, content(), corpus_texts(card))
    ids = [a.id for a in reply.actions]
    assert "commitment-gesprek" not in ids and len(ids) >= 2


def test_no_groundable_actions_says_so_and_still_lets_the_user_finish() -> None:
    c = _balance()
    card = seed_card()
    queries = machine.queries_for(c.state, RATINGS, card, content())
    state, reply = machine.step(
        c.state, RATINGS, {q.name: [] for q in queries}, card, content(), corpus_texts(card)
    )
    assert reply.phase == "actions" and reply.actions == [] and reply.citations == []
    assert reply.notice and "citaat" in reply.text
    _, final = machine.step(state, "ok", {}, card, content(), corpus_texts(card))
    assert final.phase == "summary" and final.ended


def test_skipping_the_balance_still_offers_actions_from_what_the_user_said() -> None:
    c = talk(
        INTAKE, "We vergaderen veel maar er gebeurt weinig", "verder", "overslaan", "overslaan"
    )
    reply = c.say("overslaan")
    assert reply.phase == "actions" and reply.actions
    assert "commitment-gesprek" in [a.id for a in reply.actions]


def test_action_citations_come_from_their_own_query() -> None:
    c = _balance()
    card = seed_card()
    queries = machine.queries_for(c.state, RATINGS, card, content())
    own = {q.name: [hit(passage(card, "Naar passende acties"))] for q in queries}
    own["action:commitment-gesprek"] = [hit(passage(card, "Commitment"))]
    own["balance"] = []
    _, reply = machine.step(c.state, RATINGS, own, card, content(), corpus_texts(card))
    gesprek = next(a for a in reply.actions if a.id == "commitment-gesprek")
    assert gesprek.citations[0].section == "Commitment"
    assert all(
        a.citations[0].section == "Naar passende acties" for a in reply.actions if a is not gesprek
    )


def test_ratings_typed_while_choosing_actions_re_rate_the_balance() -> None:
    c = _balance()
    c.say("overslaan")
    assert c.state.phase == "actions" and c.state.ratings == Ratings()
    reply = c.say("commitment 4, voortgang 2")
    assert reply.phase == "balance" and c.state.ratings == Ratings(4, 2, None)
    reply = c.say("3")
    assert reply.phase == "actions" and "schijnsamenwerking" in reply.text


def test_changing_one_rating_while_choosing_names_the_new_balance() -> None:
    c = _balance()
    c.say(RATINGS)
    reply = c.say("commitment 2")
    assert reply.phase == "actions" and c.state.ratings == Ratings(2, 2, 3)
    assert c.state.pattern == "weinig-commitment"


@pytest.mark.parametrize(
    "text", ["Nee wacht, ik bedoelde voortgang 1, niet 3.", "I meant progress 1, not 3"]
)
def test_a_number_taken_back_with_niet_is_not_read(text: str) -> None:
    parse = parse_ratings(text, Ratings(4, 3, 3), content().commands)
    assert parse.values == {"progress": 1} and not parse.too_many


def test_a_digit_that_int_cannot_read_is_not_a_choice() -> None:
    assert parse_choice("⓸ en 1", ["a", "b", "c", "d"], content().commands) == (0,)


@pytest.mark.parametrize(
    ("text", "before", "expected"),
    [
        ("zei ik toch, allebei twee", Ratings(None, None, 2), {"commitment": 2, "progress": 2}),
        ("both 3", Ratings(4, None, None), {"progress": 3, "result": 3}),
        (
            "commitment en voortgang allebei 2, resultaat 3",
            Ratings(),
            {"commitment": 2, "progress": 2, "result": 3},
        ),
        (
            "twee, twee en resultaat weet ik dus niet, doe maar een twee",
            Ratings(),
            {"commitment": 2, "progress": 2, "result": 2},
        ),
    ],
)
def test_scores_given_for_both_or_up_front_in_a_sentence_are_read(
    text: str, before: Ratings, expected: dict[str, int]
) -> None:
    assert parse_ratings(text, before, content().commands).values == expected


def test_the_same_scores_again_confirm_the_proposed_reading() -> None:
    c = talk("Ik ben partner namens een zorgaanbieder.", "overslaan", "overslaan", "overslaan")
    assert c.state.phase == "balance"
    c.say("twee, twee en resultaat weet ik dus niet, doe maar een twee")
    assert c.state.proposed == Ratings(2, 2, 2)
    reply = c.say("zei ik toch, allebei twee")
    assert reply.phase == "actions" and c.state.ratings == Ratings(2, 2, 2)


def test_een_before_a_word_is_an_article_not_a_one() -> None:
    said = parse_ratings(
        "Commitment een dikke 4, voortgang ook 4, en resultaat zou ik een 3 geven",
        Ratings(),
        content().commands,
    )
    assert said.values == {"commitment": 4, "progress": 4, "result": 3}
    assert parse_ratings(
        "commitment een, voortgang twee", Ratings(), content().commands
    ).values == {
        "commitment": 1,
        "progress": 2,
    }


def test_a_choice_left_out_with_an_adverb_before_niet_is_not_chosen() -> None:
    text = "2 en 3. Nummer 1 absoluut niet, ik zei toch al dat de ambitie het probleem niet is."
    assert parse_choice(text, ["a", "b", "c"], content().commands) == (1, 2)


@pytest.mark.parametrize(
    ("text", "chosen"),
    [
        ("Alle drie. De scheve verdeling van het geld vind ik het grootste probleem.", (0, 1, 2)),
        ("all 3 please", (0, 1, 2)),
        ("Alle drie, behalve 2 dan.", (0, 2)),
        ("1 and 2. Skip 3, commitment really isn't our problem.", (0, 1)),
        ("1 en 2, 3 overslaan", (0, 1)),
        ("3", (2,)),
    ],
)
def test_a_count_after_all_and_a_skipped_number_are_read_as_meant(
    text: str, chosen: tuple[int, ...]
) -> None:
    assert parse_choice(text, ["a", "b", "c"], content().commands) == chosen
