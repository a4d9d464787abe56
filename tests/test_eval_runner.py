"""The conversation runner and its metrics, against a small fake coach.

`FakeCoach` has the coach's library shape (`cards`, `start_session`, `reply`,
`summary_markdown`, `delete_session`) and walks a fixed path: intake → three
central questions → balance → actions → summary. It cites the card verbatim
and only from passages it "retrieved" that turn, unless told to misbehave.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from coach.evaluation import langdetect
from coach.evaluation.metrics import METRICS, compute_metrics, percentile
from coach.evaluation.runner import run_script, run_scripts, run_suite
from coach.evaluation.scripts import parse_script
from coach.models import Action, Card, Citation, CoachTurn

CARD_TEXT = (
    "## Centrale vragen\n\n"
    "- Is iedereen voldoende gecommitteerd aan de afspraken?\n"
    "- Hoe ga je om met nieuwe ontwikkelingen en nieuwe spelers?\n"
    "- Hoe houd je evenwicht in commitment, voortgang en resultaat?\n\n"
    "## Commitment\n\n"
    "Zonder commitment kom je al snel terecht in een schijnsamenwerking, waarbij de "
    "samenwerking zich vooral lijkt te beperken tot overleggen. "
    "Hoeveel tijd kunnen we daadwerkelijk besteden aan de samenwerking?\n"
)
QUESTIONS = (
    "Is iedereen voldoende gecommitteerd aan de afspraken?",
    "Hoe ga je om met nieuwe ontwikkelingen en nieuwe spelers?",
    "Hoe houd je evenwicht in commitment, voortgang en resultaat?",
)
CARD = Card(
    id="blijf-balanceren",
    title="Blijf balanceren",
    language="nl",
    origin="seed",
    path="corpus/blijf-balanceren.md",
    text=CARD_TEXT,
    sections=(),
    central_questions=QUESTIONS,
)
SCHIJN = "Zonder commitment kom je al snel terecht in een schijnsamenwerking"
TIJD = "Hoeveel tijd kunnen we daadwerkelijk besteden aan de samenwerking?"
PATH = ("question", "question", "question", "balance", "actions", "summary", "summary")


def _cite(quote: str, pid: str = "bb-commitment-0") -> Citation:
    return Citation(pid, CARD.id, CARD.title, "Commitment", quote, "Kaats & Opheij (2012)")


@dataclass
class _Session:
    step: int = 0
    language: str = "nl"


@dataclass
class FakeCoach:
    """A coach-shaped fake; flags make it misbehave in one specific way."""

    invalid_quote: bool = False  # cite a quote that is not in the card
    unretrieved: bool = False  # cite a passage that was not retrieved this turn
    english_always: bool = False  # reply in English whatever the user writes
    raise_on: str | None = None  # raise when the user text contains this
    sessions: dict[str, _Session] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)

    @property
    def cards(self) -> dict[str, Card]:
        return {CARD.id: CARD}

    def start_session(self, card_id: str | None = None, language: str = "nl") -> CoachTurn:
        if card_id not in (None, CARD.id):
            raise ValueError(f"Unknown card {card_id!r}")
        sid = secrets.token_hex(4)
        self.sessions[sid] = _Session(language=language)
        return CoachTurn(
            sid, 0, "intake", "Welkom! Vertel eens over jullie samenwerking.", language
        )

    def reply(self, session_id: str, text: str | None) -> CoachTurn:
        session = self.sessions[session_id]
        text = text or ""
        if self.raise_on and self.raise_on in text:
            raise RuntimeError("boom")
        detected = langdetect.detect(text)
        lang = "en" if self.english_always else (detected or session.language)
        phase = PATH[min(session.step, len(PATH) - 1)]
        session.step += 1
        turn = CoachTurn(session_id, session.step, phase, "", lang)
        retrieved = ["bb-commitment-0"]
        quote = "Deze zin staat niet in de kaart." if self.invalid_quote else SCHIJN
        pid = "bb-elders-9" if self.unretrieved else "bb-commitment-0"
        if phase == "question":
            question = QUESTIONS[session.step - 1]
            if lang == "en":
                turn.text = f"Thank you for sharing that with us. Next question: {question}"
            else:
                turn.text = f"Dank je wel voor je antwoord. De volgende vraag is: {question}"
            if "vergader" in text or "overleg" in text:
                turn.citations = [_cite(quote, pid)]
        elif phase == "balance":
            turn.text = "Geef een cijfer van 1 tot 5 voor commitment, voortgang en resultaat."
        elif phase == "actions":
            turn.text = "Dit zijn twee acties die je kunt overwegen voor de samenwerking."
            turn.actions = [
                Action(
                    "tijd", "Maak tijd vrij", "Omdat het de voortgang helpt.", (_cite(TIJD, pid),)
                ),
                Action(
                    "gesprek", "Bespreek het commitment", "Omdat het schuurt.", (_cite(quote, pid),)
                ),
            ]
        else:
            turn.text = "Hier is de samenvatting van ons gesprek over de samenwerking."
        turn.retrieved = retrieved
        turn.intent = "command" if text in ("verder", "samenvatting") else "answer"
        turn.signals = ["meeting_no_progress"] if "vergader" in text else []
        return turn

    def summary_markdown(self, session_id: str) -> str:
        return "# Samenvatting\n\nCommitment: 4, voortgang: 2."

    def delete_session(self, session_id: str) -> None:
        self.deleted.append(session_id)


FULL = """\
name: volledig gesprek
language: nl
turns:
  - user: "We vergaderen veel maar er gebeurt weinig in de samenwerking."
    expect:
      phase: question
      cites_any: [schijnsamenwerking]
      reply_contains_any: [volgende vraag]
      reply_not_contains: [traceback]
      citations_min: 1
      language: nl
  - user: "Er komt een nieuwe partner bij en dat is voor ons best lastig."
    expect: {phase: [question, followup]}
  - user: "ok"
  - user: "commitment 4, voortgang 2, resultaat 2"
    expect: {phase: balance}
  - user: "verder"
    expect:
      phase: actions
      actions_min: 2
      reply_contains_all: [twee acties, samenwerking]
  - user: "samenvatting"
end:
  central_questions_asked: 3
  phases_include: [intake, question, balance, actions, summary]
  phases_exclude: [qa]
  final_phase: summary
  actions_min: 2
  citations_min: 2
  max_turn_ms: 3000
  summary_contains_any: [voortgang]
"""


def _run(text: str, coach: FakeCoach | None = None, path: str = "script.yaml"):  # type: ignore[no-untyped-def]
    return run_script(coach or FakeCoach(), parse_script(text, path))


def test_a_script_whose_expectations_all_hold_passes() -> None:
    result = _run(FULL)
    assert result.failure_messages() == []
    assert result.passed
    assert len(result.turns) == 7  # greeting + six user turns
    assert result.central_asked == 3 and result.central_total == 3
    assert result.gold == [True]


def test_the_session_is_deleted_after_the_run() -> None:
    coach = FakeCoach()
    result = _run(FULL, coach)
    assert coach.deleted == [result.session]


@pytest.mark.parametrize(
    ("expect", "assertion"),
    [
        ("phase: balance", "phase"),
        ("cites_any: [normenkader]", "cites_any"),
        ("cites_section_any: [Lenigheid]", "cites_section_any"),
        ("reply_contains_any: [omgevingsanalyse]", "reply_contains_any"),
        ("reply_contains_all: [volgende vraag, omgevingsanalyse]", "reply_contains_all"),
        ("reply_not_contains: [dank je]", "reply_not_contains"),
        ("language: en", "language"),
        ("actions_min: 1", "actions_min"),
        ("citations_min: 2", "citations_min"),
        ("actions_any: [tijd]", "actions_any"),
        ("signals_any: [money, exit_wish]", "signals_any"),
        ("intent: question", "intent"),
    ],
)
def test_each_turn_expectation_fails_when_the_reply_does_not_meet_it(
    expect: str, assertion: str
) -> None:
    text = (
        'name: kapot\nturns:\n  - user: "We vergaderen veel maar er gebeurt niets."\n'
        f"    expect:\n      {expect}\n"
    )
    result = _run(text)
    assert not result.passed
    [failure] = result.failures
    assert failure.name == assertion
    assert failure.turn == 1 and failure.line == 3


@pytest.mark.parametrize(
    ("end", "assertion"),
    [
        ("central_questions_asked: 3", "central_questions_asked"),
        ("phases_include: [actions]", "phases_include"),
        ("phases_exclude: [question]", "phases_exclude"),
        ("final_phase: summary", "final_phase"),
        ("actions_min: 1", "actions_min"),
        ("citations_min: 2", "citations_min"),
        ("max_turn_ms: 0.0001", "max_turn_ms"),
        ("summary_contains_any: [schijnsamenwerking]", "summary_contains_any"),
        ('summary_contains_all: [Commitment, "3. **"]', "summary_contains_all"),
        ("summary_not_contains: [Voortgang]", "summary_not_contains"),
        ("actions_any: [tijd]", "actions_any"),
    ],
)
def test_each_end_expectation_fails_when_the_conversation_does_not_meet_it(
    end: str, assertion: str
) -> None:
    text = (
        'name: kort\nturns:\n  - user: "We vergaderen veel maar er gebeurt niets."\n'
        f"end:\n  {end}\n"
    )
    result = _run(text)
    assert not result.passed
    [failure] = result.failures
    assert failure.name == assertion
    assert failure.turn is None and failure.line == 4


def test_cites_section_any_matches_card_title_or_section() -> None:
    text = (
        'name: x\nturns:\n  - user: "We vergaderen veel."\n    expect:\n'
        "      cites_section_any: [blijf balanceren]\n"
        '  - user: "We vergaderen nog steeds veel."\n    expect:\n'
        "      cites_section_any: [commitment]\n"
    )
    assert _run(text).failure_messages() == []


def test_checks_ignore_case_and_accents() -> None:
    text = (
        'name: x\nturns:\n  - user: "We vergaderen veel."\n    expect:\n'
        "      cites_any: [SCHIJNSAMENWERKING]\n      reply_contains_any: [VOLGENDE VRAAG]\n"
    )
    assert _run(text).passed


def test_an_impossible_expectation_fails_with_script_turn_assertion_and_reply() -> None:
    text = FULL.replace("reply_contains_any: [volgende vraag]", "reply_contains_any: [eenhoorn]")
    result = _run(text, path="eval/conversations/kapot.yaml")
    assert not result.passed
    [message] = result.failure_messages()
    assert message.startswith("volledig gesprek (turn 1, line 4): reply_contains_any")
    assert "eenhoorn" in message
    assert 'coach replied: "Dank je wel voor je antwoord.' in message


def test_a_coach_that_raises_stops_the_script_and_says_where() -> None:
    result = _run(FULL, FakeCoach(raise_on="nieuwe partner"))
    assert not result.passed
    assert result.error is not None
    assert "turn 2 (line 12)" in result.error and "RuntimeError: boom" in result.error
    assert len(result.turns) == 2  # greeting + turn 1


def test_an_unknown_card_fails_the_script_not_the_run() -> None:
    results = run_scripts(
        FakeCoach(),
        [
            parse_script("name: a\ncard: bestaat-niet\nturns:\n  - user: hoi\n"),
            parse_script("name: b\nturns:\n  - user: hoi\n"),
        ],
    )
    assert [r.passed for r in results] == [False, True]
    assert "could not start a session" in (results[0].error or "")


def test_citations_are_marked_valid_only_when_verbatim_and_retrieved() -> None:
    good = _run(FULL).turns[1].reply["citations"][0]
    assert good["verbatim"] and good["retrieved"]
    bad_quote = _run(FULL, FakeCoach(invalid_quote=True)).turns[1].reply["citations"][0]
    assert not bad_quote["verbatim"] and bad_quote["retrieved"]
    unretrieved = _run(FULL, FakeCoach(unretrieved=True)).turns[1].reply["citations"][0]
    assert unretrieved["verbatim"] and not unretrieved["retrieved"]


# -- metrics ---------------------------------------------------------------------


def _metrics(coach: FakeCoach, *texts: str) -> dict[str, float | None]:
    results = run_scripts(coach, [parse_script(t) for t in texts])
    return compute_metrics([r.to_dict() for r in results])


def test_metrics_of_a_clean_run() -> None:
    m = _metrics(FakeCoach(), FULL)
    assert m["pass_rate"] == 1.0
    assert m["assertion_pass_rate"] == 1.0
    assert m["central_question_coverage"] == 1.0
    assert m["citation_validity"] == 1.0
    assert m["grounding_rate"] == 1.0
    assert m["gold_hit_rate"] == 1.0
    assert m["language_consistency"] == 1.0
    assert m["latency_p50_ms"] is not None and m["latency_p95_ms"] is not None
    assert m["latency_p50_ms"] <= m["latency_p95_ms"]


def test_pass_rate_counts_scripts() -> None:
    broken = FULL.replace("phase: balance", "phase: qa")
    m = _metrics(FakeCoach(), FULL, broken)
    assert m["pass_rate"] == 0.5


def test_an_invented_quote_lowers_citation_validity_and_grounding() -> None:
    m = _metrics(FakeCoach(invalid_quote=True), FULL)
    # turn 1 cites the bad quote; the actions cite one good and one bad quote
    assert m["citation_validity"] == pytest.approx(1 / 3)
    assert m["grounding_rate"] == pytest.approx(1 / 2)


def test_a_passage_that_was_not_retrieved_is_not_a_valid_citation() -> None:
    m = _metrics(FakeCoach(unretrieved=True), FULL)
    assert m["citation_validity"] == 0.0
    assert m["grounding_rate"] == 0.0


def test_replying_in_the_wrong_language_lowers_language_consistency() -> None:
    m = _metrics(FakeCoach(english_always=True), FULL)
    assert m["language_consistency"] == 0.0


def test_an_english_reply_quoting_a_dutch_card_counts_as_english() -> None:
    from coach.evaluation.runner import own_words

    quote = (
        "Het is dan ook belangrijk om met elkaar in gesprek te zijn over het commitment; hebben "
        "we die wel? Kunnen we onze afspraken waarmaken? Hoeveel tijd kunnen we daadwerkelijk "
        "besteden aan de samenwerking?"
    )
    reply = {
        "text": f'You mention meetings. The card says: "{quote}" What do you think?',
        "citations": [{"quote": quote}],
    }
    assert langdetect.detect(reply["text"]) != "en"
    assert langdetect.detect(own_words(reply)) == "en"


def test_short_user_turns_are_not_judged_for_language() -> None:
    m = _metrics(FakeCoach(english_always=True), "name: x\nturns:\n  - user: ok\n  - user: 4\n")
    assert m["language_consistency"] is None


def test_central_question_coverage_is_asked_over_total() -> None:
    m = _metrics(FakeCoach(), "name: x\nturns:\n  - user: hallo daar\n")
    assert m["central_question_coverage"] == pytest.approx(1 / 3)


def test_gold_hit_rate_counts_cites_any_expectations() -> None:
    turn = 'name: a\nturns:\n  - user: "We vergaderen veel."\n'
    hit = turn + "    expect: {cites_any: [schijnsamenwerking]}\n"
    miss = (
        'name: b\nturns:\n  - user: "We vergaderen veel."\n    expect: {cites_any: [normenkader]}\n'
    )
    assert _metrics(FakeCoach(), hit, miss)["gold_hit_rate"] == 0.5


def test_metrics_without_data_are_none_not_zero() -> None:
    m = _metrics(FakeCoach(), "name: x\nturns:\n  - user: ok\n")
    assert m["citation_validity"] is None
    assert m["grounding_rate"] is None
    assert m["gold_hit_rate"] is None


def test_percentile_interpolates_linearly() -> None:
    assert percentile([], 50) is None
    assert percentile([10.0], 95) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([float(i) for i in range(1, 101)], 95) == pytest.approx(95.05)


def test_every_metric_has_a_one_line_definition_and_direction() -> None:
    names = [m.name for m in METRICS]
    assert set(names) == set(compute_metrics([]))
    for metric in METRICS:
        assert metric.definition and "\n" not in metric.definition
        assert metric.definition.endswith(".")
    latency = {m.name: m for m in METRICS if "latency" in m.name}
    assert latency and all(not m.higher_is_better for m in latency.values())


def test_the_language_detector_skips_short_or_mixed_text() -> None:
    assert langdetect.detect("ok") is None
    assert langdetect.detect("commitment 4, voortgang 2, resultaat 2") is None
    assert langdetect.detect("We hebben veel overleg maar er gebeurt eigenlijk niets.") == "nl"
    assert langdetect.detect("We have lots of meetings but nothing really happens.") == "en"


def test_run_suite_gates_and_reports(tmp_path: Path) -> None:
    from coach.evaluation.metrics import parse_gate

    scripts = [parse_script(FULL)]
    ok = run_suite(FakeCoach(), scripts, gates=[parse_gate("pass_rate=1.0")])
    assert ok.passed and ok.report["gates"][0]["passed"]
    gated = run_suite(
        FakeCoach(invalid_quote=True), scripts, gates=[parse_gate("citation_validity=1.0")]
    )
    assert not gated.passed
    assert "citation_validity" in gated.report["gates"][0]["message"]


UNDERSTOOD = """\
name: gelezen en aangeboden
turns:
  - user: "We vergaderen veel maar er gebeurt weinig in de samenwerking."
    expect:
      intent: answer
      signals_any: [money, meeting_no_progress]
  - user: "Er komt een nieuwe partner bij."
  - user: "ok"
  - user: "commitment 4, voortgang 2, resultaat 2"
  - user: "verder"
    expect:
      intent: command
      actions_any: [tijd, iets anders]
  - user: "samenvatting"
end:
  actions_any: [het commitment]
  summary_not_contains: [traceback, schijnsamenwerking]
"""


def test_intent_signal_and_action_checks_hold_when_the_reply_meets_them() -> None:
    assert _run(UNDERSTOOD).failure_messages() == []


def test_actions_any_matches_an_id_exactly_or_part_of_a_title() -> None:
    by_id = UNDERSTOOD.replace("actions_any: [tijd, iets anders]", "actions_any: [gesprek]")
    assert _run(by_id).passed  # the id; the title "Bespreek het commitment" doesn't have it
    part_of_id = by_id.replace("actions_any: [gesprek]", "actions_any: [gespr]")
    [failure] = _run(part_of_id).failures
    assert failure.name == "actions_any"
    assert "gesprek (Bespreek het commitment)" in failure.actual
    titles = UNDERSTOOD.replace("actions_any: [tijd, iets anders]", "actions_any: [TIJD VRIJ]")
    assert _run(titles).passed


def test_a_reply_without_recorded_signals_fails_signals_any_and_says_so() -> None:
    from coach.evaluation.checks import check_turn
    from coach.evaluation.scripts import Expect

    [check] = check_turn(Expect(signals_any=["money"]), {"text": "hoi"}, 1, 3)
    assert not check.passed and check.actual == "no signals recorded with this reply"


def test_summary_not_contains_fails_when_there_is_no_summary() -> None:
    coach = FakeCoach()
    coach.summary_markdown = None  # type: ignore[assignment,method-assign]
    result = _run("name: x\nturns:\n  - user: hoi\nend:\n  summary_not_contains: [x]\n", coach)
    [failure] = result.failures
    assert failure.name == "summary_not_contains" and failure.actual == "no summary available"
