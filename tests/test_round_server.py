"""Team rounds on the real web app over a real index, each partner its own `gradio_client`.

Six partners join one round and reflect through `/round_join` and `/chat_json`;
the facilitator reads `/round_report`, `/round_report_md`, `/round_export` and
`/round_plan` with the key. Also: the minimum for answers, a scores-only partner
whose words never reach the facilitator, wrong keys, a closed round, and a second
round with the trend and the follow-up of last round's actions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from round_fixtures import ORGANISATIONS, SIX, Partner, walk
from test_app_server import Served, client, served_app

from coach.rounds.service import NOT_FOUND

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, real_index_home: Path) -> Iterator[Served]:
    yield from served_app(tmp_path_factory, real_index_home)


def create(url: str, name: str, organisations: tuple[str, ...] = ()) -> dict[str, Any]:
    opened = client(url).predict(name, "", "\n".join(organisations), 14, api_name="/round_create")
    assert "error" not in opened, opened
    return dict(opened)


def join_and_reflect(
    url: str, join_code: str, p: Partner, partner_code: str = ""
) -> dict[str, Any]:
    """One partner in their own client: join, then reflect until the summary."""
    c = client(url)
    joined = c.predict(
        join_code, p.organisation, p.role, p.share, "nl", partner_code, api_name="/round_join"
    )
    assert "error" not in joined, joined
    last = walk(lambda text: c.predict(text, api_name="/chat_json"), joined["turn"], p)
    return {"client": c, "joined": joined, "last": last}


def reflect_all(
    url: str, join_code: str, partners: tuple[Partner, ...], codes: list[str] | None = None
) -> list[dict[str, Any]]:
    codes = codes or [""] * len(partners)
    with ThreadPoolExecutor(max_workers=3) as pool:
        return list(
            pool.map(
                lambda pc: join_and_reflect(url, join_code, *pc), zip(partners, codes, strict=True)
            )
        )


@pytest.fixture(scope="module")
def six(served: Served) -> dict[str, Any]:
    opened = create(served.url, "Wijkzorg Noord", ORGANISATIONS)
    partners = reflect_all(served.url, opened["join_code"], SIX)
    return {"opened": opened, "partners": partners}


def facilitator(served: Served) -> Any:
    return client(served.url)


def test_six_partners_join_and_the_report_shows_the_spread_and_the_largest_difference(
    served: Served, six: dict[str, Any]
) -> None:
    opened = six["opened"]
    assert all(p["last"]["phase"] == "summary" for p in six["partners"])
    report = facilitator(served).predict(
        opened["round_id"], opened["facilitator_key"], "nl", api_name="/round_report"
    )
    assert "error" not in report, report
    assert (report["joined"], report["took_part"]) == (6, 6)
    dims = {d["name"]: d for d in report["dimensions"]}
    assert dims["commitment"]["scores"] == [2, 3, 4, 4, 4, 5]
    assert dims["progress"]["scores"] == [1, 2, 3, 3, 4, 5]
    assert dims["result"]["scores"] == [2, 3, 3, 3, 4, 4]
    assert report["largest_difference"] == {"dimension": "progress", "low": 1, "high": 5, "gap": 4}
    assert report["answers_shown"] and report["answer_sharers"] == 3
    assert report["signal_sharers"] == 5 and report["actions"]
    markdown = facilitator(served).predict(
        opened["round_id"], opened["facilitator_key"], "nl", api_name="/round_report_md"
    )
    assert "**Voortgang** loopt het verst uiteen: van 1 tot 5 (verschil 4)." in markdown
    assert "## Voorstel voor de groepssessie" in markdown
    texts = {cid: card.text for cid, card in served.coach.cards.items()}
    for cite in report["cited"]:
        assert cite["quote"] in texts[cite["card"]]


def test_a_scores_only_partner_never_has_text_in_any_report_or_export(
    served: Served, six: dict[str, Any]
) -> None:
    opened = six["opened"]
    ref, key = opened["round_id"], opened["facilitator_key"]
    f = facilitator(served)
    outputs = [
        json.dumps(f.predict(ref, key, "nl", api_name="/round_report"), ensure_ascii=False),
        json.dumps(f.predict(ref, key, "en", api_name="/round_report"), ensure_ascii=False),
        f.predict(ref, key, "nl", api_name="/round_report_md"),
        f.predict(ref, key, "csv", api_name="/round_export"),
        f.predict(ref, key, "md", api_name="/round_export"),
        f.predict(ref, key, 90, "nl", api_name="/round_plan"),
    ]
    for text in outputs:
        assert "zebravink" not in text.lower()
    scores_only = next(p for p in six["partners"] if p["joined"]["share"] == "scores")
    summary = scores_only["client"].predict(api_name="/summary")
    assert "zebravink" in summary.lower()  # the partner's own session keeps every word


def test_a_wrong_key_reveals_nothing(served: Served, six: dict[str, Any]) -> None:
    opened = six["opened"]
    f = facilitator(served)
    for ref, key in (
        (opened["round_id"], "not-the-key"),
        (opened["round_id"], ""),
        ("nosuch-1", opened["facilitator_key"]),
        (opened["round_id"], opened["join_code"]),
    ):
        report = f.predict(ref, key, "nl", api_name="/round_report")
        assert list(report) == ["error"] and NOT_FOUND in report["error"]
        for text in (
            f.predict(ref, key, "nl", api_name="/round_report_md"),
            f.predict(ref, key, "csv", api_name="/round_export"),
            f.predict(ref, key, 90, "nl", api_name="/round_plan"),
        ):
            assert NOT_FOUND in text and "Voortgang" not in text and "," not in text.split(".")[0]
        status = f.predict(ref, key, api_name="/round_status")
        assert list(status) == ["error"]


def test_the_plan_starts_where_the_partners_differ(served: Served, six: dict[str, Any]) -> None:
    opened = six["opened"]
    plan = facilitator(served).predict(
        opened["round_id"], opened["facilitator_key"], 90, "nl", api_name="/round_plan"
    )
    assert "## Waar de partners verschillen" in plan
    agenda = plan.split("## Agenda")[1]
    assert agenda.index("Waar we verschillen") < agenda.index("Centrale vraag 1")
    first_question = agenda.split("**Centrale vraag:**")[1].splitlines()[0]
    assert "voortgang" in first_question


def test_with_the_minimum_at_3_and_2_partners_sharing_answers_no_answer_is_shown(
    served: Served,
) -> None:
    opened = create(served.url, "Twee delen antwoorden")
    partners = (SIX[0], SIX[1], SIX[2], SIX[5])
    reflect_all(served.url, opened["join_code"], partners)
    f = facilitator(served)
    report = f.predict(
        opened["round_id"], opened["facilitator_key"], "nl", api_name="/round_report"
    )
    assert report["took_part"] == 4 and report["answer_sharers"] == 2
    assert not report["answers_shown"] and report["answers"] == []
    everything = json.dumps(report, ensure_ascii=False) + f.predict(
        opened["round_id"], opened["facilitator_key"], "md", api_name="/round_export"
    )
    for p in partners:
        for answer in p.answers:
            assert answer[:40] not in everything


def test_a_closed_round_refuses_answers_with_a_clear_message(served: Served) -> None:
    opened = create(served.url, "Sluit vandaag")
    c = client(served.url)
    joined = c.predict(
        opened["join_code"], "Gemeente", "wethouder", "signals", "nl", "", api_name="/round_join"
    )
    assert "error" not in joined
    assert c.predict("overslaan", api_name="/chat_json")["phase"] == "question"
    closed = facilitator(served).predict(
        opened["round_id"], opened["facilitator_key"], api_name="/round_close"
    )
    assert closed["status"] == "closed"
    refused = c.predict("We vergaderen veel.", api_name="/chat_json")
    assert "closed by its facilitator: new answers are no longer added" in refused["error"]
    assert "closed" in c.predict("scores", api_name="/round_share")["error"]
    again = client(served.url).predict(
        opened["join_code"], "Gemeente", "rol", "scores", "nl", "", api_name="/round_join"
    )
    assert "no longer join" in again["error"]


def test_a_partner_changes_their_choice_and_withdraws_over_the_api(served: Served) -> None:
    opened = create(served.url, "Keuze wijzigen")
    p = join_and_reflect(served.url, opened["join_code"], SIX[0])
    assert p["client"].predict("scores", api_name="/round_share")["share"] == "scores"
    f = facilitator(served)
    report = f.predict(
        opened["round_id"], opened["facilitator_key"], "nl", api_name="/round_report"
    )
    assert report["shares"] == {"scores": 1, "signals": 0, "answers": 0}
    assert p["client"].predict("withdraw", api_name="/round_share")["withdrawn"] is True
    report = f.predict(
        opened["round_id"], opened["facilitator_key"], "nl", api_name="/round_report"
    )
    assert (report["took_part"], report["withdrawn"]) == (0, 1)


def test_a_second_round_shows_the_trend_and_the_follow_up_of_last_rounds_actions(
    served: Served, six: dict[str, Any]
) -> None:
    first = six["opened"]
    f = facilitator(served)
    second = f.predict(
        first["collaboration_id"], first["facilitator_key"], 14, api_name="/round_open"
    )
    assert second["round_id"].endswith("-2") and second["facilitator_key"] is None
    codes = [p["joined"]["partner_code"] for p in six["partners"][:3]]
    later = tuple(
        Partner(p.organisation, p.role, p.share, p.answers, (4, 4, 4), review=review)
        for p, review in zip(SIX[:3], ("gelukt", "deels gelukt", "nog niet"), strict=True)
    )
    results = reflect_all(served.url, second["join_code"], later, codes)
    for result in results:
        assert result["joined"]["reviews"] >= 1
        assert "Vorige keer koos je" in result["joined"]["turn"]["text"]
    report = f.predict(second["round_id"], first["facilitator_key"], "nl", api_name="/round_report")
    assert [p["number"] for p in report["trend"]] == [1, 2]
    assert report["trend"][0]["means"]["progress"] == 3.0
    assert report["trend"][1]["means"]["progress"] == 4.0
    done = sum(x["done"] for x in report["followups"])
    partly = sum(x["partly"] for x in report["followups"])
    not_yet = sum(x["not_yet"] for x in report["followups"])
    assert done >= 1 and partly >= 1 and not_yet >= 1
    markdown = f.predict(
        second["round_id"], first["facilitator_key"], "nl", api_name="/round_report_md"
    )
    assert "## Verloop over de rondes" in markdown and "### Acties van vorige keer" in markdown
