"""Team rounds through the library, with the fake searcher: codes, joining, sharing, reports."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from round_fixtures import ORGANISATIONS, SIX, Partner, walk
from test_service import make_coach

from coach.errors import InputError, RoundClosed, RoundNotFound
from coach.rounds.service import NOT_FOUND, Opened, TeamRounds
from coach.service import Coach
from coach.settings import Settings


def setup(tmp_path: Path, **settings: object) -> tuple[Coach, TeamRounds]:
    coach = make_coach(tmp_path)
    if settings:
        coach.settings = Settings(home=tmp_path, **settings)  # type: ignore[arg-type]
    return coach, TeamRounds(coach)


def reflect(coach: Coach, rounds: TeamRounds, join_code: str, p: Partner, **kw: str) -> str:
    """Join and walk a whole reflection; the session id."""
    joined = rounds.join(join_code, p.organisation, p.role, p.share, **kw)
    walk(lambda text: coach.reply(joined.session_id, text).to_dict(), joined.turn.to_dict(), p)
    return joined.session_id


def six_partners(tmp_path: Path, **settings: object) -> tuple[Coach, TeamRounds, Opened]:
    coach, rounds = setup(tmp_path, **settings)
    opened = rounds.create("Wijkzorg Noord", organisations=list(ORGANISATIONS))
    for p in SIX:
        reflect(coach, rounds, opened.join_code, p)
    return coach, rounds, opened


def test_creating_a_round_gives_a_join_code_and_a_facilitator_key_stored_hashed(
    tmp_path: Path,
) -> None:
    coach, rounds = setup(tmp_path)
    opened = rounds.create("Wijkzorg Noord", days=21)
    assert opened.round_id == f"{opened.collaboration_id}-1" and opened.number == 1
    assert len(opened.join_code) == 14 and opened.join_code.count("-") == 2
    assert opened.facilitator_key and len(opened.facilitator_key) >= 32
    assert opened.closes_on == (date.today() + timedelta(days=20)).isoformat()
    raw = Path(coach.settings.sessions_db).read_bytes()
    for wal in Path(coach.settings.sessions_db).parent.glob("*-wal"):
        raw += wal.read_bytes()
    assert opened.facilitator_key.encode() not in raw
    assert opened.join_code.encode() not in raw
    assert opened.join_code.replace("-", "").encode() not in raw


def test_six_partners_give_the_right_spread_and_the_largest_difference(tmp_path: Path) -> None:
    _, rounds, opened = six_partners(tmp_path)
    report = rounds.report(opened.round_id, opened.facilitator_key)
    assert (report.joined, report.took_part, report.withdrawn) == (6, 6, 0)
    by_name = {d.name: d for d in report.dimensions}
    assert by_name["commitment"].scores == (2, 3, 4, 4, 4, 5)
    assert by_name["progress"].scores == (1, 2, 3, 3, 4, 5)
    assert (by_name["progress"].low, by_name["progress"].high, by_name["progress"].gap) == (1, 5, 4)
    assert by_name["result"].mean == 3.2
    largest = report.largest()
    assert largest is not None and largest.name == "progress"
    markdown = rounds.report_markdown(opened.round_id, opened.facilitator_key)
    assert "**Voortgang** loopt het verst uiteen: van 1 tot 5 (verschil 4)." in markdown
    assert "| Voortgang | 6 | 3,0 | 1–5 | 1 ● 2 ● 3 ●● 4 ● 5 ● |" in markdown
    assert "6 aangemeld, 6 deden mee, 0 trokken zich terug" in markdown
    gap = report.org_gaps[0]
    assert (gap.dimension, gap.high_org) == ("progress", "Woonstede")
    assert gap.low_org == "Gemeente Noorddam"


def test_signals_that_only_some_raise_and_the_tally_of_chosen_actions(tmp_path: Path) -> None:
    _, rounds, opened = six_partners(tmp_path)
    report = rounds.report(opened.round_id, opened.facilitator_key)
    assert report.signal_sharers == 5  # the scores-only partner is not counted
    counts = {s.signal: s.count for s in report.signals}
    assert counts["meeting_no_progress"] == 2 and counts["exit_wish"] == 1
    assert {s.signal for s in report.only_some} >= {"exit_wish", "money"}
    assert sum(a.count for a in report.actions) >= 5
    markdown = rounds.report_markdown(opened.round_id, opened.facilitator_key)
    assert "twijfel over doorgaan, wens om uit te stappen — 1 van 5" in markdown
    assert "## Voorstel voor de groepssessie" in markdown
    assert "1. Begin bij **Voortgang**" in markdown


def test_answers_are_anonymised_and_sorted_without_names_organisations_or_roles(
    tmp_path: Path,
) -> None:
    _, rounds, opened = six_partners(tmp_path)
    report = rounds.report(opened.round_id, opened.facilitator_key)
    assert report.answers_shown and report.answer_sharers == 3
    texts = [a for _, answers in report.answers for a in answers]
    assert "We vergaderen veel maar er gebeurt eigenlijk weinig, ook bij [organisatie]." in texts
    for _, answers in report.answers:
        assert list(answers) == sorted(answers, key=str.casefold)
    markdown = rounds.report_markdown(opened.round_id, opened.facilitator_key)
    for hidden in ("wethouder", "beleidsadviseur", "directeur"):
        assert hidden not in markdown.split("## Antwoorden")[1]


def test_with_the_minimum_at_3_and_2_partners_sharing_answers_no_answer_is_shown(
    tmp_path: Path,
) -> None:
    coach, rounds = setup(tmp_path)
    opened = rounds.create("Twee delen")
    partners = [SIX[0], SIX[1], SIX[2], SIX[5]]  # two share answers, two share signals
    for p in partners:
        reflect(coach, rounds, opened.join_code, p)
    report = rounds.report(opened.round_id, opened.facilitator_key)
    assert report.took_part == 4 and report.answer_sharers == 2
    assert report.answers == () and report.review_words == ()
    markdown = rounds.report_markdown(opened.round_id, opened.facilitator_key)
    assert "pas getoond als minstens 3 deelnemers ze delen; nu zijn dat er 2" in markdown
    for p in partners:
        for answer in p.answers:
            assert answer not in markdown
    assert not any(a["answers"] for a in report.to_dict()["answers"])


def test_the_minimum_is_a_setting(tmp_path: Path) -> None:
    coach, rounds = setup(tmp_path, round_min_partners=2)
    opened = rounds.create("Twee delen")
    for p in (SIX[0], SIX[1]):
        reflect(coach, rounds, opened.join_code, p)
    report = rounds.report(opened.round_id, opened.facilitator_key)
    assert report.answers_shown and report.answers


def test_a_scores_only_partner_never_has_text_in_any_report_or_export(tmp_path: Path) -> None:
    _, rounds, opened = six_partners(tmp_path)
    key = opened.facilitator_key
    outputs = [
        rounds.report_markdown(opened.round_id, key),
        rounds.report_markdown(opened.round_id, key, "en"),
        json.dumps(rounds.report(opened.round_id, key).to_dict(), ensure_ascii=False),
        rounds.export_csv(opened.round_id, key),
        rounds.charts_html(rounds.report(opened.round_id, key)),
    ]
    for text in outputs:
        assert "zebravink" not in text.lower()  # in every answer and the role of SIX[3]


def test_a_wrong_or_missing_key_reveals_nothing_and_reads_like_an_unknown_round(
    tmp_path: Path,
) -> None:
    _, rounds, opened = six_partners(tmp_path)
    attempts = [
        (opened.round_id, "wrong-key"),
        (opened.round_id, ""),
        (opened.round_id, None),
        ("zzzzzz-1", opened.facilitator_key),
        ("", opened.facilitator_key),
        (opened.collaboration_id, "x" * 5000),
    ]
    for ref, key in attempts:
        for call in (rounds.report, rounds.report_markdown, rounds.status, rounds.close):
            with pytest.raises(RoundNotFound) as err:
                call(ref, key)
            assert str(err.value) == NOT_FOUND
        with pytest.raises(RoundNotFound):
            rounds.export_csv(ref, key)
        with pytest.raises(RoundNotFound):
            rounds.open_next(ref, key)
    assert rounds.status(opened.round_id, opened.facilitator_key).status == "open"


def test_a_join_code_only_lets_someone_join(tmp_path: Path) -> None:
    _, rounds = setup(tmp_path)
    opened = rounds.create("Wijkzorg Noord")
    with pytest.raises(RoundNotFound):
        rounds.report(opened.round_id, opened.join_code)
    with pytest.raises(RoundNotFound, match="join code"):
        rounds.join("AAAA-BBBB-CCCC", "Gemeente", "wethouder", "scores")
    joined = rounds.join(opened.join_code.lower().replace("-", " "), "Gemeente", "rol", "a")
    assert joined.partner.share == "scores"


def test_answers_after_close_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    coach, rounds = setup(tmp_path)
    opened = rounds.create("Wijkzorg Noord")
    joined = rounds.join(opened.join_code, "Gemeente", "wethouder", "answers")
    coach.reply(joined.session_id, "overslaan")
    rounds.close(opened.round_id, opened.facilitator_key)
    with pytest.raises(RoundClosed, match="closed by its facilitator: new answers are no longer"):
        coach.reply(joined.session_id, "We vergaderen veel.")
    with pytest.raises(RoundClosed, match="no longer join"):
        rounds.join(opened.join_code, "Gemeente", "wethouder", "answers")
    with pytest.raises(RoundClosed, match="no longer change what you share"):
        rounds.set_share(joined.session_id, "scores")
    with pytest.raises(RoundClosed):
        rounds.withdraw(joined.session_id)
    assert "Blijf balanceren" in coach.export_markdown(joined.session_id)  # still theirs
    coach.delete_session(joined.session_id)
    assert rounds.status(opened.round_id, opened.facilitator_key).joined == 0


def test_a_round_closes_after_its_close_date_and_opens_on_its_open_date(tmp_path: Path) -> None:
    coach, rounds = setup(tmp_path)
    later = date.today() + timedelta(days=3)
    scheduled = rounds.create("Later", opens_on=later, closes_on=later + timedelta(days=7))
    with pytest.raises(RoundClosed, match=f"opens on {later.isoformat()}"):
        rounds.join(scheduled.join_code, "Gemeente", "rol", "scores")
    opened = rounds.create("Nu", days=2)
    joined = rounds.join(opened.join_code, "Gemeente", "rol", "scores")
    coach.today = lambda: date.today() + timedelta(days=2)
    with pytest.raises(RoundClosed, match=f"closed on {opened.closes_on}"):
        coach.reply(joined.session_id, "overslaan")
    assert rounds.status(opened.round_id, opened.facilitator_key).status == "closed"


def test_dates_that_cannot_work_are_refused_with_the_fix(tmp_path: Path) -> None:
    _, rounds = setup(tmp_path)
    today = date.today()
    with pytest.raises(InputError, match="before the open date"):
        rounds.create("X", opens_on=today + timedelta(days=5), closes_on=today + timedelta(days=1))
    with pytest.raises(InputError, match="has passed"):
        rounds.create("X", opens_on=today - timedelta(days=9), closes_on=today - timedelta(days=2))
    with pytest.raises(InputError, match="1 to 366 days"):
        rounds.create("X", days=0)
    with pytest.raises(InputError, match="name"):
        rounds.create("   ")


def test_partners_choose_from_the_facilitators_list_or_type_their_own(tmp_path: Path) -> None:
    _, rounds = setup(tmp_path)
    listed = rounds.create("Lijst", organisations=list(ORGANISATIONS))
    assert rounds.organisations_for(listed.join_code) == ORGANISATIONS
    with pytest.raises(InputError, match="from the facilitator's list: Gemeente Noorddam"):
        rounds.join(listed.join_code, "Gemeente Zuid", "rol", "scores")
    joined = rounds.join(listed.join_code, "woonstede", "rol", "scores")
    assert joined.partner.organisation == "Woonstede"
    free = rounds.create("Vrij")
    assert rounds.organisations_for(free.join_code) == ()
    with pytest.raises(InputError, match="organisation"):
        rounds.join(free.join_code, " ", "rol", "scores")
    with pytest.raises(InputError, match="role"):
        rounds.join(free.join_code, "Gemeente", "", "scores")
    with pytest.raises(InputError, match="Choose what the facilitator may see"):
        rounds.join(free.join_code, "Gemeente", "rol", "")


def test_a_partner_changes_their_choice_or_withdraws_until_the_round_closes(
    tmp_path: Path,
) -> None:
    _coach, rounds, opened = six_partners(tmp_path)
    sessions = [s.session_id for s in rounds.store.memberships(opened.round_id)]
    first = sessions[0]  # SIX[0] shared answers
    assert rounds.set_share(first, "scores").share == "scores"
    markdown = rounds.report_markdown(opened.round_id, opened.facilitator_key)
    assert SIX[0].answers[0][:30] not in markdown
    assert rounds.withdraw(first).withdrawn
    report = rounds.report(opened.round_id, opened.facilitator_key)
    assert (report.joined, report.took_part, report.withdrawn) == (6, 5, 1)
    assert 2 not in {d.name: d for d in report.dimensions}["progress"].scores
    assert not rounds.withdraw(first, withdrawn=False).withdrawn
    assert rounds.report(opened.round_id, opened.facilitator_key).took_part == 6


def test_a_deleted_session_leaves_every_report(tmp_path: Path) -> None:
    coach, rounds, opened = six_partners(tmp_path)
    first = rounds.store.memberships(opened.round_id)[0].session_id
    coach.delete_session(first)
    report = rounds.report(opened.round_id, opened.facilitator_key)
    assert report.joined == 5 and report.took_part == 5


def test_a_second_round_shows_the_trend_and_follows_up_last_rounds_actions(
    tmp_path: Path,
) -> None:
    coach, rounds = setup(tmp_path)
    first = rounds.create("Wijkzorg Noord")
    codes = []
    for p in SIX[:3]:
        joined = rounds.join(first.join_code, p.organisation, p.role, p.share)
        codes.append(joined.partner_code)
        walk(lambda t, s=joined.session_id: coach.reply(s, t).to_dict(), joined.turn.to_dict(), p)
    chosen = coach.state(rounds.store.memberships(first.round_id)[0].session_id).chosen
    second = rounds.open_next(first.collaboration_id, first.facilitator_key)
    assert second.round_id == f"{first.collaboration_id}-2" and second.facilitator_key is None
    later = [
        Partner(p.organisation, p.role, p.share, p.answers, (4, 4, 4), review=review)
        for p, review in zip(SIX[:3], ("gelukt", "deels", "nog niet"), strict=True)
    ]
    for p, code in zip(later, codes, strict=True):
        joined = rounds.join(second.join_code, p.organisation, p.role, p.share, partner_code=code)
        assert joined.partner_code == code and joined.reviews >= 1
        assert "Vorige keer koos je" in joined.turn.text
        walk(lambda t, s=joined.session_id: coach.reply(s, t).to_dict(), joined.turn.to_dict(), p)
    with pytest.raises(InputError, match="already joined"):
        rounds.join(second.join_code, "Gemeente", "rol", "scores", partner_code=codes[0])
    with pytest.raises(InputError, match="not known in this collaboration"):
        rounds.join(second.join_code, "Gemeente", "rol", "scores", partner_code="AAAA-BBBB-CCCC")
    report = rounds.report(second.round_id, first.facilitator_key)
    assert [p.number for p in report.trend] == [1, 2]
    assert report.trend[0].means["progress"] == 2.3 and report.trend[1].means["progress"] == 4.0
    followed = {f.action: f for f in report.followups}
    assert set(chosen) <= set(followed)
    statuses = [f.done + f.partly + f.not_yet for f in report.followups]
    assert sum(statuses) >= 3 and report.followups[0].done + report.followups[0].partly >= 1
    markdown = rounds.report_markdown(second.round_id, first.facilitator_key)
    assert "## Verloop over de rondes" in markdown and "| 1 | 3 | " in markdown
    assert "### Acties van vorige keer" in markdown and "gelukt 1" in markdown
    assert "Voortgang ging sinds de vorige ronde omhoog (van 2,3 naar 4,0)" in markdown
    assert "bc-round-trend" in rounds.charts_html(report)


def test_the_csv_export_has_scores_per_partner_anonymised(tmp_path: Path) -> None:
    _coach, rounds, opened = six_partners(tmp_path)
    csv_text = rounds.export_csv(opened.round_id, opened.facilitator_key)
    lines = csv_text.strip().splitlines()
    assert lines[0] == "round,partner,organisation,commitment,progress,result"
    rows = [line.split(",") for line in lines[1:]]
    assert [r[1] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    assert sorted((r[3], r[4], r[5]) for r in rows) == [(r[3], r[4], r[5]) for r in rows]
    assert {r[2] for r in rows} == set(ORGANISATIONS)  # every organisation has 2 partners
    for m in rounds.store.memberships(opened.round_id):
        assert m.session_id not in csv_text


def test_organisations_are_left_out_when_an_organisation_has_one_partner(tmp_path: Path) -> None:
    coach, rounds = setup(tmp_path)
    opened = rounds.create("Drie", organisations=list(ORGANISATIONS))
    for p in (SIX[0], SIX[1], SIX[2]):  # Zorggroep Oost has one partner here
        reflect(coach, rounds, opened.join_code, p)
    report = rounds.report(opened.round_id, opened.facilitator_key)
    rows = rounds.export_csv(opened.round_id, opened.facilitator_key).splitlines()[1:]
    assert "Zorggroep Oost" not in "\n".join(rows)
    assert sum("Gemeente Noorddam" in r for r in rows) == 2
    assert all("Zorggroep Oost" not in (g.high_org, g.low_org) for g in report.org_gaps)


def test_few_participants_are_warned_that_scores_may_be_traced(tmp_path: Path) -> None:
    coach, rounds = setup(tmp_path)
    opened = rounds.create("Klein")
    reflect(coach, rounds, opened.join_code, SIX[0])
    markdown = rounds.report_markdown(opened.round_id, opened.facilitator_key)
    assert "met 1 deelnemers kunnen ook scores en signalen naar personen" in markdown
    english = rounds.report_markdown(opened.round_id, opened.facilitator_key, "en")
    assert "Team round: Klein — round 1" in english and "Where partners differ most" in english


def test_the_round_tables_come_from_a_named_migration(tmp_path: Path) -> None:
    coach, _ = setup(tmp_path)
    assert "m004_team_rounds" in coach.store.applied_migrations()
    db = sqlite3.connect(coach.settings.sessions_db)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"collaborations", "rounds", "partners", "memberships"} <= tables


def test_an_ordinary_session_is_not_part_of_any_round(tmp_path: Path) -> None:
    coach, rounds = setup(tmp_path)
    session = coach.start_session().session
    assert rounds.partner_status(session) is None
    with pytest.raises(InputError, match="not part of a team round"):
        rounds.set_share(session, "answers")
    coach.reply(session, "overslaan")  # no round: never refused


def test_the_minimum_number_of_partners_reads_the_environment_and_is_at_least_2(
    tmp_path: Path,
) -> None:
    from coach.errors import ConfigError
    from coach.settings import load_settings

    assert load_settings({"COACH_HOME": str(tmp_path)}).round_min_partners == 3
    env = {"COACH_HOME": str(tmp_path), "COACH_ROUND_MIN_PARTNERS": "5"}
    assert load_settings(env).round_min_partners == 5
    with pytest.raises(ConfigError, match="at least 2"):
        load_settings({**env, "COACH_ROUND_MIN_PARTNERS": "1"})


def test_the_charts_are_inline_svg_with_a_title_and_a_table_of_the_same_numbers(
    tmp_path: Path,
) -> None:
    import re

    _, rounds, opened = six_partners(tmp_path)
    report = rounds.report(opened.round_id, opened.facilitator_key)
    html = rounds.charts_html(report)
    assert (
        html.count("<svg") == 1
        and "<script" not in html
        and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    )
    assert '<title id="bc-strip-t">Scores per dimensie (6 deelnemers)' in html
    dots = re.findall(r'data-dimension="progress" data-score="(\d)"', html)
    assert sorted(int(d) for d in dots) == [1, 2, 3, 3, 4, 5]
    assert 'viewBox="0 0 360' in html and "max-width" in html
    assert '<th scope="row">Voortgang</th><td>6</td><td>3,0</td><td>1–5</td>' in html


def test_round_texts_are_complete_in_both_languages_and_join_the_app_labels(
    tmp_path: Path,
) -> None:
    import shutil as sh

    from coach.errors import ConfigError
    from coach.rounds.texts import load_round_texts
    from coach.settings import PROMPTS_DIR
    from coach.ui.render import load_ui_text
    from coach.ui.round_api import with_round_labels

    texts = load_round_texts(PROMPTS_DIR)
    assert texts.signal("exit_wish", "en") == "doubts about carrying on, wish to leave"
    ui = with_round_labels(load_ui_text(PROMPTS_DIR), texts)
    assert ui.get("round_join", "en") == "Join" and ui.get("tab_reflect", "nl") == "Reflecteren"
    assert with_round_labels(ui, texts).texts == ui.texts  # merging twice changes nothing
    broken = tmp_path / "prompts"
    sh.copytree(PROMPTS_DIR, broken)
    path = broken / "rounds.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  signal_money:", "  x_money:"))
    with pytest.raises(ConfigError, match=r"rounds\.yaml"):
        load_round_texts(broken)
