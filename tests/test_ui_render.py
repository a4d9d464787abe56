"""What the web app shows for a coach turn, computed without a server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coach.errors import ConfigError, SessionNotFound
from coach.models import Action, Citation, CoachTurn
from coach.ui import render
from coach.ui.render import load_ui_text

UI = load_ui_text()
CITE = Citation(
    passage_id="blijf-balanceren:commitment:0",
    card="blijf-balanceren",
    title="Blijf balanceren",
    section="Commitment",
    quote="Commitment is iets anders dan een wil en wens tot samenwerken.",
    source="Edwin Kaats & Wilfrid Opheij (2012). Leren samenwerken tussen organisaties. "
    "https://www.managementboek.nl/boek/9789013094879",
    url="https://www.managementboek.nl/boek/9789013094879",
)


def _turn(**changes: object) -> CoachTurn:
    base: dict[str, object] = dict(
        session="s1",
        turn=2,
        phase="question",
        text="Hoe staat het met het commitment?",
        citations=[CITE],
        suggestions=["We vergaderen veel", "overslaan"],
        progress={
            "phase": "question",
            "question_index": 2,
            "question_total": 3,
            "ratings": {},
            "followups_asked": 0,
        },
    )
    base.update(changes)
    return CoachTurn(**base)  # type: ignore[arg-type]


def test_coach_reply_has_collapsed_sources_with_title_section_quote_and_link() -> None:
    reply, sources = render.coach_messages(_turn(), UI)
    assert reply == {"role": "assistant", "content": "Hoe staat het met het commitment?"}
    body = sources["content"]
    assert body.startswith('<details class="bc-sources"><summary>Bronnen (1)</summary>')
    assert body.endswith("</details>")
    assert "**Blijf balanceren** — *Commitment*" in body
    assert f"> {CITE.quote}" in body
    assert "Kaats" in body and "([link](https://www.managementboek.nl/boek/9789013094879))" in body


def test_turn_without_citations_is_one_message() -> None:
    assert len(render.coach_messages(_turn(citations=[]), UI)) == 1


def test_action_citations_are_listed_once_and_actions_not_in_the_text_are_shown() -> None:
    action = Action("normenkader", "Toets aan een normenkader", "Past bij jullie twijfel.", (CITE,))
    reply, sources = render.coach_messages(_turn(phase="actions", actions=[action]), UI)
    assert "**Toets aan een normenkader** — Past bij jullie twijfel." in reply["content"]
    assert "<summary>Bronnen (1)</summary>" in sources["content"]


def test_english_turn_uses_english_labels() -> None:
    _, sources = render.coach_messages(_turn(language="en"), UI)
    assert "<summary>Sources (1)</summary>" in sources["content"]
    assert "Source:" in sources["content"]


@pytest.mark.parametrize(
    "typed",
    [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "![x](http://evil.example/p.png)",
        "[klik](javascript:alert(1))",
    ],
)
def test_typed_markup_is_escaped_in_user_and_coach_messages(typed: str) -> None:
    user = render.user_message(typed)["content"]
    coach = render.coach_messages(_turn(text=f"Je zei: {typed}", citations=[]), UI)[0]["content"]
    for shown in (user, coach):
        assert "<img" not in shown and "<script" not in shown
        assert "](" not in shown.replace("\\](", "")  # no Markdown link or image survives


def test_unsafe_urls_are_not_linked() -> None:
    bad = Citation(**{**CITE.to_dict(), "url": "javascript:alert(1)"})
    assert (
        "javascript"
        not in render.sources_markdown([bad], UI, "nl").split("Bron:")[1].split("(")[-1]
    )
    assert "[link]" not in render.sources_markdown([bad], UI, "nl")


def test_a_turns_own_notice_comes_first_with_a_bold_label() -> None:
    text = render.coach_text(_turn(notice="Je bericht is ingekort."), UI)
    assert text.startswith("**Let op:** Je bericht is ingekort.")


def test_errors_and_notices_of_the_app_are_distinct_labelled_messages() -> None:
    error = render.notice_html("error", "Die code ken ik niet <b>", UI, "nl")
    info = render.notice_html("info", "Je sessie is hervat.", UI, "en")
    assert 'role="alert"' in error and "<strong>Fout:</strong>" in error
    assert "bc-notice-error" in error and "&lt;b&gt;" in error
    assert 'role="status"' in info and "<strong>Notice:</strong>" in info
    assert render.notice_html(None, "", UI, "nl") == ""


@pytest.mark.parametrize(
    ("progress", "expected"),
    [
        (
            {"phase": "intake", "question_total": 3},
            "[Intake] → Vragen (3) → Balans → Acties → Samenvatting",
        ),
        (
            {"phase": "question", "question_index": 2, "question_total": 3},
            "Intake → [Vraag 2/3] → Balans → Acties → Samenvatting",
        ),
        (
            {"phase": "followup", "question_index": 1, "question_total": 3},
            "Intake → [Vraag 1/3] → Balans → Acties → Samenvatting",
        ),
        (
            {"phase": "balance", "question_total": 3},
            "Intake → Vragen (3) → [Balans] → Acties → Samenvatting",
        ),
        ({"phase": "summary"}, "Intake → Vragen → Balans → Acties → [Samenvatting]"),
        ({"phase": "qa"}, "Intake → Vragen → Balans → Acties → Samenvatting → [Vrije vragen]"),
    ],
)
def test_progress_text_marks_the_current_phase_and_question(progress: dict, expected: str) -> None:
    assert render.progress_text(progress, UI, "nl") == expected


def test_progress_html_marks_done_and_current_steps() -> None:
    html = render.progress_html({"phase": "balance", "question_total": 3}, UI, "en")
    assert html.count("bc-done") == 2 and html.count('aria-current="step"') == 1
    assert ">Balance</li>" in html and "Questions (3)" in html


def test_ratings_chart_draws_a_bar_per_given_rating() -> None:
    ratings = render.ratings_from_progress(
        {"ratings": {"commitment": 4, "progress": 2, "result": None}}
    )
    assert ratings == {"commitment": 4, "progress": 2, "result": None}
    svg = render.ratings_chart_svg(ratings, UI, "nl")
    bars = dict(re.findall(r'data-key="(\w+)" data-value="(\d)"', svg))
    assert bars == {"commitment": "4", "progress": "2"}
    assert (
        "Voortgang" in svg
        and "nog niet" in svg
        and "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )


def test_the_ratings_chart_has_a_title_and_a_text_alternative() -> None:
    svg = render.ratings_chart_svg({"commitment": 4, "progress": 2, "result": None}, UI, "nl")
    assert 'role="img"' in svg and 'aria-labelledby="bc-chart-title bc-chart-desc"' in svg
    assert '<title id="bc-chart-title">Jouw balans</title>' in svg
    assert (
        '<desc id="bc-chart-desc">Commitment 4 van 5, Voortgang 2 van 5, Resultaat nog niet</desc>'
        in svg
    )


def test_ratings_outside_one_to_five_are_ignored() -> None:
    assert render.ratings_from_progress({"ratings": {"commitment": 9, "progress": "x"}}) == {
        "commitment": None,
        "progress": None,
        "result": None,
    }


def test_ratings_message_goes_through_the_chat_in_the_session_language() -> None:
    assert render.ratings_message(4, 2, 3, UI, "nl") == "commitment 4, voortgang 2, resultaat 3"
    assert render.ratings_message(4, 2, 3, UI, "en") == "commitment 4, progress 2, result 3"


def test_suggestions_drop_duplicates_of_command_buttons() -> None:
    turn = _turn(
        suggestions=["We vergaderen veel", "overslaan", "Samenvatting", "We vergaderen veel"]
    )
    assert render.suggested_replies(turn, UI) == ["We vergaderen veel"]


def test_command_buttons_send_words_the_dialogue_knows() -> None:
    import yaml

    commands = yaml.safe_load(
        (Path(__file__).parent.parent / "prompts" / "commands.yaml").read_text()
    )
    for lang in ("nl", "en"):
        for (_, send), key in zip(
            render.command_replies(UI, lang), ("skip", "back", "summary"), strict=True
        ):
            assert send in commands["commands"][key][lang]


def test_chat_view_maps_message_index_to_turn() -> None:
    view = render.empty_view()
    view.add_turn(_turn(turn=0, citations=[]), UI)
    view.add_user("antwoord")
    view.add_turn(_turn(turn=1), UI)
    view.add_notice("Let op")
    assert view.turns == [0, None, 1, 1, None]
    assert view.turn_at(3) == 1 and view.turn_at([2, 0]) == 1 and view.turn_at(1) is None
    assert view.turn_at(99) is None


def test_transcript_view_rebuilds_the_chat_from_stored_turns() -> None:
    class Record:
        def __init__(self, user: str | None, turn: CoachTurn) -> None:
            self.user_text, self.reply = user, turn.to_dict()

    view = render.transcript_view(
        [Record(None, _turn(turn=0, citations=[])), Record("ja", _turn(turn=1))], UI
    )
    assert [m["role"] for m in view.messages] == ["assistant", "user", "assistant", "assistant"]
    assert view.turns == [0, None, 1, 1]


def test_errors_become_friendly_text() -> None:
    known = render.friendly_error(
        SessionNotFound("No session with id 'x' — start a new one."), UI, "nl"
    )
    assert known.startswith("Dat lukte niet: No session")
    generic = render.friendly_error(ZeroDivisionError("boom"), UI, "en")
    assert "boom" not in generic and "Traceback" not in generic and generic.startswith("Something")


def test_api_reply_puts_the_notice_first() -> None:
    assert (
        render.api_reply(_turn(notice="Ingekort"))
        == "Ingekort\n\nHoe staat het met het commitment?"
    )
    assert render.api_reply(_turn()) == "Hoe staat het met het commitment?"


def test_ui_labels_need_both_languages_and_the_same_keys(tmp_path: Path) -> None:
    (tmp_path / "ui.yaml").write_text("nl:\n  a: x\nen:\n  b: y\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="same keys"):
        load_ui_text(tmp_path)


def test_missing_label_value_is_an_error_not_a_blank() -> None:
    with pytest.raises(ConfigError, match=r"label `phase_question` needs \{n\}"):
        UI.get("phase_question", "nl", i=1)


def test_headings_in_a_summary_are_demoted_in_the_chat() -> None:
    text = render.coach_text(_turn(text="# Reflectie\n\n## Je antwoorden\n\nTekst #1"), UI)
    assert text.startswith("### Reflectie") and "#### Je antwoorden" in text and "Tekst #1" in text


def test_intake_quick_replies_are_roles_not_sentences() -> None:
    replies = render.quick_replies(_turn(phase="intake", suggestions=["Ik ben x van y"]), UI)
    assert replies == ["Partner", "Procesbegeleider", "Iets anders"]
    english = render.quick_replies(_turn(phase="intake", language="en"), UI)
    assert english == ["Partner", "Facilitator", "Other"]


def test_no_quick_reply_proposes_a_score_or_an_action_number() -> None:
    balance = _turn(phase="balance", suggestions=["commitment 4, voortgang 3", "4 2 3", "hulp"])
    assert render.quick_replies(balance, UI) == ["hulp"]
    actions = _turn(phase="actions", suggestions=["alle acties", "1 en 2", "geen"])
    assert render.quick_replies(actions, UI) == ["alle acties", "geen"]


def test_ratings_offer_five_choices_and_none_is_preselected() -> None:
    assert render.rating_choices() == [(str(n), n) for n in range(1, 6)]
    assert render.ratings_from_progress({}) == dict.fromkeys(render.RATING_KEYS)


@pytest.mark.parametrize(
    ("phase", "shown"),
    [
        ("intake", {"skip"}),
        ("question", {"skip", "back", "summary"}),
        ("balance", {"skip", "back", "summary", "ratings"}),
        ("actions", {"back", "summary", "actions"}),
        ("summary", {"summary", "owners"}),
    ],
)
def test_controls_that_make_no_sense_in_a_phase_are_hidden(phase: str, shown: set[str]) -> None:
    action = Action("a1", "Toets aan een normenkader", "Past.", (CITE,))
    controls = render.phase_controls(_turn(phase=phase, actions=[action]), chosen=["a1"])
    visible = {k for k, v in vars(controls).items() if v}
    assert visible == shown


def test_ticked_actions_are_sent_as_the_numbers_they_were_offered_under() -> None:
    actions = [Action(f"a{i}", f"Actie {i}", "", (CITE,)) for i in range(1, 5)]
    turn = _turn(phase="actions", actions=actions)
    assert render.action_choices(turn)[1] == ("2. Actie 2", "a2")
    assert render.actions_message(["a1", "a3"], turn, UI, "nl") == "1 en 3"
    assert render.actions_message(["a4", "a1", "a2"], turn, UI, "en") == "1, 2 and 4"
    assert render.actions_message(["a2"], turn, UI, "nl") == "2"
    assert render.actions_message([], turn, UI, "nl") == "geen"


def test_feedback_names_the_start_of_the_rated_message() -> None:
    content = [{"type": "text", "text": "**Dank je.** " + "Een lang antwoord " * 10}]
    shown = render.excerpt(content, 40)
    assert shown.startswith("Dank je. Een lang antwoord") and shown.endswith("…")
    assert len(shown) <= 40


def test_ui_strings_use_no_emoji() -> None:
    """Emoji show as empty boxes where no emoji font is installed."""
    emoji = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
    for lang in ("nl", "en"):
        for key, text in UI.texts[lang].items():
            assert not emoji.search(text), (lang, key, text)
