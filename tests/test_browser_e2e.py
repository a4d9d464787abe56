"""The web app in a real headless browser (Playwright + Debian's chromium), on a phone and
on a laptop.

A full conversation, a plan and an evaluation run at 390 px and at 1280 px. At every
step of the conversation nothing scrolls sideways and the current phase's controls
lie within the window (a partner on a phone never needs to scroll sideways or hunt
for a hidden control), and axe-core finds no serious or critical violation in the
phases with their own controls. Also: the ratings and the action choice from the
keyboard alone, typed HTML shown as text, the English switch, the card picker, a
new session and a deletion that ask first, resuming by code, and labelled errors.

With COACH_SCREENSHOTS=1 the screenshots in the README are written to docs/.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_kit import (
    HAVE_CHROMIUM,
    assert_fits,
    assert_header_and_input_whole,
    axe_violations,
    bot_count,
    click_and_wait,
    current_step,
    launch_browser,
    open_page,
    screenshot,
    send,
    session_code,
    visible,
    wait_for_reply,
)
from test_app_server import Served, served_app

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason="Debian chromium is not installed"),
]
WIDTH_NAMES = ["phone", "desktop"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, real_index_home: Path) -> Iterator[Served]:
    yield from served_app(tmp_path_factory, real_index_home)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


@pytest.fixture(params=WIDTH_NAMES)
def width(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def page(browser: Any, served: Served, width: str) -> Iterator[Any]:
    page = open_page(browser, served.url, width)
    yield page
    page.context.close()


def stored_sessions(served: Served) -> set[str]:
    return {s.id for s in served.coach.list_sessions()}


def test_a_full_conversation_on_a_phone_and_a_laptop(
    page: Any, served: Served, width: str, tmp_path: Path
) -> None:
    before = stored_sessions(served)
    assert_fits(page, "#bc-input", "#bc-send")
    assert_header_and_input_whole(page)
    assert current_step(page) == "Intake"
    assert stored_sessions(served) == before  # a page load stores nothing
    assert session_code(page) == ""

    # The intake offers roles to pick, not a sentence to send.
    roles = page.locator("#bc-suggestions button:visible").all_inner_texts()
    assert [r.strip() for r in roles] == ["Partner", "Procesbegeleider", "Iets anders"]
    assert not visible(page, "#bc-cmd-back")  # nothing to go back to yet
    click_and_wait(page, page.locator("#bc-suggestions button", has_text="Procesbegeleider"))
    assert page.locator("#bc-chat .user-row").last.inner_text().strip() == "Procesbegeleider"
    assert "Vraag 1/3" in current_step(page)
    code = session_code(page)
    assert stored_sessions(served) - before == {code}  # stored with the first message
    assert_fits(page, "#bc-input", "#bc-send", "#bc-cmd-skip")

    send(page, "We vergaderen veel, maar er gebeurt weinig en afspraken worden niet nagekomen.")
    sources = page.locator("#bc-chat details.bc-sources").last
    assert sources.locator("summary").inner_text().startswith("Bronnen")
    assert sources.get_attribute("open") is None  # collapsed until asked for
    sources.locator("summary").click()
    shown = sources.inner_text()
    assert "Blijf balanceren" in shown and "Kaats" in shown
    chat = page.locator("#bc-chat").inner_text()
    assert "schijnsamenwerking" in chat or "weinig voortgang" in chat
    assert page.locator("#bc-chat a[href^='https://www.managementboek.nl']").count() >= 1
    assert_fits(page, "#bc-input", "#bc-send")

    for _ in range(8):  # skip the remaining questions to reach the balance
        if visible(page, "#bc-balance"):
            break
        click_and_wait(page, page.locator("#bc-cmd-skip"))
        assert_fits(page, "#bc-input", "#bc-cmd-skip")
    assert current_step(page) == "Balans"

    # Three explicit 1-5 choices with labels, nothing chosen beforehand, no score suggested.
    assert page.locator("#bc-balance input[type=radio]:checked").count() == 0
    assert page.locator("#bc-balance input[type=radio]").count() == 15
    quick = " ".join(page.locator("#bc-suggestions button:visible").all_inner_texts())
    assert not any(ch.isdigit() for ch in quick)
    assert_fits(page, "#bc-rate-commitment", "#bc-rate-result", "#bc-rate")
    assert axe_violations(page) == []
    page.locator("#bc-rate").click()  # nothing chosen yet: a labelled error, nothing sent
    page.wait_for_selector("#bc-notice [role=alert]")
    assert page.locator("#bc-notice").inner_text().startswith("Fout:")
    assert current_step(page) == "Balans"
    for key, value in (("commitment", 4), ("progress", 2), ("result", 3)):
        page.locator(f"#bc-rate-{key} label", has_text=str(value)).first.click()
    click_and_wait(page, page.locator("#bc-rate"))
    assert (
        page.locator("#bc-chat .user-row").last.inner_text().strip()
        == "commitment 4, voortgang 2, resultaat 3"
    )
    page.wait_for_selector("#bc-chart svg .bc-bar")
    assert page.locator("#bc-chart svg .bc-bar").count() == 3
    assert current_step(page) == "Acties"

    # The actions are checkboxes; ticking two sends the numbers they were offered under.
    boxes = page.locator("#bc-action-choice input[type=checkbox]")
    offered = boxes.count()
    assert 2 <= offered <= 4
    assert_fits(page, "#bc-action-choice", "#bc-choose")
    assert axe_violations(page) == []
    if width == "phone":
        page.locator("#bc-choose").scroll_into_view_if_needed()
        screenshot(page, "screenshot-phone")
    else:  # the whole tab, with the checkboxes under the chat
        page.set_viewport_size({"width": 1280, "height": 1250})
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "screenshot")
        page.set_viewport_size({"width": 1280, "height": 900})
    boxes.first.check()
    boxes.last.check()
    click_and_wait(page, page.locator("#bc-choose"))
    assert page.locator("#bc-chat .user-row").last.inner_text().strip() == f"1 en {offered}"
    assert current_step(page) == "Samenvatting"
    for key in ("skip", "back"):  # the walk-through is over
        assert not visible(page, f"#bc-cmd-{key}")
    assert not visible(page, "#bc-balance") and not visible(page, "#bc-actions")

    # Who and when for each chosen action, where the summary has them.
    assert page.locator("#bc-owners input:visible, #bc-owners textarea:visible").count() == 4
    assert_fits(page, "#bc-owner-who0", "#bc-owner-when1", "#bc-owners-save")
    page.locator("#bc-owner-who0 textarea, #bc-owner-who0 input").first.fill("Anna (gemeente)")
    page.locator("#bc-owner-when0 textarea, #bc-owner-when0 input").first.fill("voor 1 maart")
    page.locator("#bc-owners-save").click()
    page.wait_for_selector("#bc-notice [role=status]")
    assert served.coach.state(code).owner_of(served.coach.state(code).chosen[0]) == (
        "Anna (gemeente)",
        "voor 1 maart",
    )
    click_and_wait(page, page.locator("#bc-cmd-summary"))
    assert "Wie: Anna (gemeente)" in page.locator("#bc-chat .bot-row").last.inner_text()
    assert_fits(page, "#bc-input")

    # Like the summary and explain why, on that very message; stored with its turn.
    page.locator("#bc-chat button[aria-label='Like']").last.click()
    page.wait_for_selector("#bc-feedback-comment textarea", state="visible")
    assert "duim omhoog" in page.locator("#bc-feedback-about").inner_text()
    assert_fits(page, "#bc-feedback-comment", "#bc-feedback-save")
    page.fill("#bc-feedback-comment textarea", "Heldere acties, dank")
    page.locator("#bc-feedback-save").click()
    page.wait_for_selector("#bc-notice [role=status]")
    rated = [r for r in served.coach.history(code) if r.feedback_liked]
    assert rated and rated[-1].feedback_comment == "Heldere acties, dank"
    assert rated[-1].turn == max(r.turn for r in served.coach.history(code))

    # Download the summary: Dutch phase names and feedback in words.
    if width == "phone":
        page.locator("#bc-session").first.locator(".label-wrap").first.click()
    with page.expect_download() as info:
        page.locator("#bc-download").click()
    target = tmp_path / "summary.md"
    info.value.save_as(target)
    text = target.read_text(encoding="utf-8")
    assert "We vergaderen veel" in text and "nuttig (duim omhoog) — Heldere acties, dank" in text
    assert "Wie: Anna (gemeente)" in text and "Wanneer: voor 1 maart" in text
    assert "**Coach (samenvatting):**" in text and "(summary)" not in text
    assert page.dialogs == []


def test_ratings_and_actions_work_from_the_keyboard_alone(browser: Any, served: Served) -> None:
    page = open_page(browser, served.url, "phone")
    send(page, "Ik ben partner namens de gemeente.")
    for _ in range(8):
        if visible(page, "#bc-balance"):
            break
        send(page, "overslaan")

    def tab_to(selector: str, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"!!document.activeElement.closest({selector!r})"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    for key, arrows in (("commitment", 3), ("progress", 1), ("result", 2)):
        tab_to(f"#bc-rate-{key}")
        page.keyboard.press("Space")  # the first choice, 1
        for _ in range(arrows):
            page.keyboard.press("ArrowRight")
    tab_to("#bc-rate")
    before = bot_count(page)
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    assert (
        page.locator("#bc-chat .user-row").last.inner_text().strip()
        == "commitment 4, voortgang 2, resultaat 3"
    )
    tab_to("#bc-action-choice")
    page.keyboard.press("Space")
    tab_to("#bc-choose")
    before = bot_count(page)
    page.keyboard.press("Enter")
    wait_for_reply(page, before)
    assert page.locator("#bc-chat .user-row").last.inner_text().strip() == "1"
    assert current_step(page) == "Samenvatting"
    page.context.close()


def test_typed_html_is_shown_as_text_and_runs_nothing(browser: Any, served: Served) -> None:
    page = open_page(browser, served.url, "desktop")
    attacks = [
        "<img src=x onerror=alert(1)>",
        "<script>window.__pwned = 1; alert(2)</script>",
        '<a href="javascript:alert(3)">klik</a> [link](javascript:alert(4))',
    ]
    for attack in attacks:
        send(page, attack)
    page.wait_for_timeout(500)
    user_texts = page.locator("#bc-chat .user-row").all_inner_texts()
    assert any("<img src=x onerror=alert(1)>" in t for t in user_texts)
    assert any("<script>" in t for t in user_texts)
    assert page.locator("#bc-chat img[src='x']").count() == 0
    assert page.locator("#bc-chat script").count() == 0
    assert page.locator("#bc-chat a[href^='javascript']").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []
    page.context.close()


def test_english_switch_relabels_the_app_and_the_page_language(
    browser: Any, served: Served
) -> None:
    page = open_page(browser, served.url, "phone")
    assert page.evaluate("document.documentElement.lang") == "nl"
    page.locator("#bc-language").get_by_text("English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.wait_for_function("document.querySelector('#bc-send').innerText.trim() === 'Send'")
    page.wait_for_function("document.querySelector('#bc-progress').innerText.includes('Questions')")
    assert "Reflect on your collaboration" in page.locator("#bc-header").inner_text()
    assert page.get_by_role("textbox", name="Your message to the coach").count() == 1
    roles = page.locator("#bc-suggestions button:visible").all_inner_texts()
    assert [r.strip() for r in roles] == ["Partner", "Facilitator", "Other"]
    send(page, "I coordinate a partnership between three municipalities and two care providers.")
    assert "Question 1/3" in current_step(page)
    page.context.close()


def test_the_card_picker_walks_another_card_and_stores_nothing_before_a_message(
    browser: Any, served: Served
) -> None:
    page = open_page(browser, served.url, "desktop")
    before = stored_sessions(served)
    other = next(c for c in served.coach.cards.values() if c.id != "blijf-balanceren")
    page.locator("#bc-card input").first.click()
    page.get_by_role("option", name=other.title).click()
    page.wait_for_function(
        f"document.querySelector('#bc-chat').innerText.includes({other.title!r})"
    )
    assert page.locator("#bc-new-confirm").first.is_hidden()  # nothing to lose yet
    assert stored_sessions(served) == before
    send(page, "Wij zijn drie gemeenten en een zorgaanbieder.")
    assert served.coach.state(session_code(page)).card_id == other.id
    page.context.close()


def test_a_new_session_asks_first_and_names_the_old_code(browser: Any, served: Served) -> None:
    page = open_page(browser, served.url, "desktop")
    send(page, "Wij zijn vier scholen en de gemeente.")
    old = session_code(page)
    page.locator("#bc-new").click()
    page.locator("#bc-new-confirm").first.wait_for(state="visible")
    assert old in page.locator("#bc-new-confirm").first.inner_text()
    page.locator("#bc-new-no").click()
    page.locator("#bc-new-confirm").first.wait_for(state="hidden")
    assert session_code(page) == old
    page.locator("#bc-new").click()
    page.locator("#bc-new-yes").click()
    page.wait_for_selector("#bc-notice [role=status]")
    assert old in page.locator("#bc-notice").inner_text()
    assert session_code(page) == "" and served.coach.store.exists(old)
    page.context.close()


def test_delete_asks_for_confirmation_then_removes_the_session(
    browser: Any, served: Served
) -> None:
    page = open_page(browser, served.url, "desktop")
    send(page, "Wij zijn vier scholen en de gemeente.")
    old = session_code(page)
    page.locator("#bc-delete").click()
    page.locator("#bc-delete-confirm").first.wait_for(state="visible")
    page.locator("#bc-delete-no").click()
    page.locator("#bc-delete-confirm").first.wait_for(state="hidden")
    assert served.coach.store.exists(old)
    page.locator("#bc-delete").click()
    page.locator("#bc-delete-yes").click()
    page.wait_for_selector("#bc-notice [role=status]")
    assert "verwijderd" in page.locator("#bc-notice").inner_text()
    assert "verwijderd" not in page.locator("#bc-chat").inner_text()  # beside, not inside
    assert not served.coach.store.exists(old)
    page.context.close()


def test_resume_by_code_and_an_unknown_code_is_a_labelled_error(
    browser: Any, served: Served
) -> None:
    page = open_page(browser, served.url, "desktop")
    send(page, "Wij zijn twee woningcorporaties en een zorgpartij, codewoord kolibrie.")
    code = session_code(page)
    other = open_page(browser, served.url, "desktop")
    other.fill("#bc-resume-code textarea, #bc-resume-code input", "bestaat-niet-123")
    other.locator("#bc-resume").click()
    other.wait_for_selector("#bc-notice [role=alert]")
    assert other.locator("#bc-notice").inner_text().startswith("Fout:")
    assert "sessiecode ken ik niet" not in other.locator("#bc-chat").inner_text()
    other.fill("#bc-resume-code textarea, #bc-resume-code input", code)
    other.locator("#bc-resume").click()
    other.wait_for_function("document.querySelector('#bc-chat').innerText.includes('kolibrie')")
    assert session_code(other) == code
    other.context.close()
    page.context.close()


def test_a_plan_on_a_phone_and_a_laptop(page: Any, width: str, tmp_path: Path) -> None:
    page.get_by_role("tab", name="Facilitator").click()
    page.fill("#bc-plan-context textarea", "Er komt een nieuwe partner bij en we vergaderen veel.")
    page.locator("#bc-plan-make").click()
    page.wait_for_function(
        "document.querySelector('#bc-plan-output').innerText.includes('Agenda')", timeout=30_000
    )
    text = page.locator("#bc-plan-output").inner_text()
    assert "Sessieplan" in text and "Te lezen passages" in text and "Centrale vraag" in text
    assert "Vorm:" in text and "https://www." not in text.split("Te lezen passages")[1][:40]
    assert_fits(page, "#bc-plan-make", "#bc-plan-download")
    assert axe_violations(page) == []
    if width == "phone":
        page.locator("#bc-plan-output").evaluate("e => e.scrollIntoView()")
        screenshot(page, "screenshot-plan-phone")
    with page.expect_download() as info:
        page.locator("#bc-plan-download").click()
    target = tmp_path / "plan.md"
    info.value.save_as(target)
    assert target.read_text(encoding="utf-8").startswith("# Sessieplan: Blijf balanceren")


def test_an_evaluation_with_a_baseline_on_a_phone_and_a_laptop(
    page: Any, served: Served, width: str, tmp_path: Path
) -> None:
    page.get_by_role("tab", name="Evaluatie").click()
    assert not visible(page, "#bc-eval-download")  # no report yet, so nothing to download
    page.locator("#bc-eval-none").click()
    scripts = page.locator("#bc-eval-scripts")
    page.wait_for_function(
        "!document.querySelector('#bc-eval-scripts input[type=checkbox]:checked')"
    )
    for name in ("03-new-player.yaml", "12-commands-skip-back-summary.yaml"):
        scripts.get_by_label(name).check()
    earlier = tmp_path / "report.json"
    earlier.write_text(json.dumps({"metrics": {"pass_rate": 0.5, "latency_p95_ms": 0.0}}))
    with page.expect_file_chooser() as chooser:
        page.locator("#bc-eval-baseline").click()
    chooser.value.set_files(str(earlier))
    page.wait_for_function(
        "document.querySelector('#bc-eval-uploaded').innerText.includes('report.json')"
    )
    page.locator("#bc-eval-run").click()
    page.wait_for_function(
        "document.querySelector('#bc-eval-progress').innerText.includes('van 2 scripts klaar')"
    )
    page.wait_for_selector("#bc-eval-download", state="visible", timeout=120_000)
    progress = page.locator("#bc-eval-progress").inner_text()
    assert "2 van 2 scripts klaar" in progress
    assert "a new player wants to join: geslaagd" in progress
    assert "geslaagd" in page.locator("#bc-eval-status").inner_text()
    assert "commando's overslaan" in page.locator("#bc-eval-table").inner_text()
    metrics = page.locator("#bc-eval-metrics")
    assert "beter" in metrics.inner_text() and "slechter" in metrics.inner_text()
    assert_fits(page, "#bc-eval-run", "#bc-eval-download")
    assert axe_violations(page) == []
    if width == "phone":
        page.locator("#bc-eval-progress").evaluate("e => e.scrollIntoView()")
        screenshot(page, "screenshot-evaluate-phone")
    with page.expect_download() as info:
        page.locator("#bc-eval-download").click()
    assert info.value.suggested_filename == "report.html"
