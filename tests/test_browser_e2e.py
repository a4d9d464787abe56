"""The web app in a real headless browser (Playwright + Debian's chromium).

Walks what a user does: answer, read a cited source, click a suggested reply
and a command, rate the balance with the sliders, like an answer with a
comment, download the summary, switch to English, plan a session, delete the
session after confirming. Also proves that typed HTML is shown as text and
runs nothing. With COACH_UPDATE_SCREENSHOT=1 it saves docs/screenshot.png.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_app_server import Served, served_app

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshot.png"
TIMEOUT = 30_000
# Read at import: the autouse fixture clears every COACH_* variable before each test.
UPDATE_SCREENSHOT = os.environ.get("COACH_UPDATE_SCREENSHOT") == "1"

if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
    pytest.skip("Debian chromium is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, real_index_home: Path) -> Iterator[Served]:
    yield from served_app(tmp_path_factory, real_index_home)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    """A fresh browser context (own cookies, own Gradio session) on the app."""
    context = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.set_default_timeout(TIMEOUT)
    page.goto(served.url)
    page.wait_for_selector("#bc-chat .bot.message")
    yield page
    context.close()


def bot_count(page: Any) -> int:
    return int(page.locator("#bc-chat .bot-row").count())


def send(page: Any, text: str) -> None:
    """Type a message, press Enter and wait for the coach's next message."""
    before = bot_count(page)
    page.fill("#bc-input textarea", text)
    page.keyboard.press("Enter")
    wait_for_reply(page, before)


def wait_for_reply(page: Any, before: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('#bc-chat .bot-row').length > {before}", timeout=TIMEOUT
    )
    page.wait_for_timeout(300)  # let the progress bar and buttons update too


def click_and_wait(page: Any, locator: Any) -> None:
    before = bot_count(page)
    locator.click()
    wait_for_reply(page, before)


def session_code(page: Any) -> str:
    return str(
        page.locator("#bc-session-code textarea, #bc-session-code input").first.input_value()
    )


def test_a_conversation_with_sources_suggestions_balance_feedback_and_download(
    page: Any, served: Served, tmp_path: Path
) -> None:
    assert "Intake" in page.locator("#bc-progress").inner_text()
    send(page, "Ik ben procesbegeleider van drie gemeenten en twee zorgaanbieders.")
    assert "Vraag 1/3" in page.locator("#bc-progress [aria-current=step]").inner_text()
    send(page, "We vergaderen veel, maar er gebeurt weinig en afspraken worden niet nagekomen.")

    # The reply cites the card: open the collapsed sources and read the quote and reference.
    sources = page.locator("#bc-chat .thought-group").last
    assert "Bronnen" in sources.inner_text()
    sources.locator(".title").first.click()
    shown = page.locator("#bc-chat").inner_text()
    assert "Blijf balanceren" in shown and "Kaats" in shown
    assert "schijnsamenwerking" in shown or "weinig voortgang" in shown
    assert page.locator("#bc-chat a[href^='https://www.managementboek.nl']").count() >= 1

    # A suggested reply is a button; clicking it sends its text.
    suggestion = page.locator("#bc-suggestions button").first
    label = suggestion.inner_text().strip()
    click_and_wait(page, suggestion)
    assert page.locator("#bc-chat .user-row").last.inner_text().strip() == label
    assert "Vraag 2/3" in page.locator("#bc-progress").inner_text()

    # Commands: skip the remaining questions to reach the balance.
    for _ in range(4):
        if page.locator("#bc-balance").first.is_visible():
            break
        click_and_wait(page, page.locator("#bc-cmd-skip"))
    assert page.locator("#bc-balance").first.is_visible()
    for key, value in (("commitment", 4), ("progress", 2), ("result", 3)):
        box = page.locator(f"#bc-rate-{key} input[type=number]")
        box.fill(str(value))
        box.press("Tab")
    click_and_wait(page, page.locator("#bc-rate"))
    assert (
        "commitment 4, voortgang 2, resultaat 3"
        in page.locator("#bc-chat .user-row").last.inner_text()
    )
    page.wait_for_selector("#bc-chart svg .bc-bar")
    bars = page.locator("#bc-chart svg .bc-bar")
    assert bars.count() == 3
    assert "Acties" in page.locator("#bc-progress [aria-current=step]").inner_text()

    if UPDATE_SCREENSHOT:
        page.locator("#bc-chat .thought-group").last.locator(".title").first.click()
        page.wait_for_timeout(500)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)

    # 👍 on the latest coach message, with a comment; stored with that turn.
    page.get_by_text("Feedback op een antwoord").click()
    page.locator("#bc-chat button[aria-label='Like']").last.click()
    page.wait_for_function(
        "(document.querySelector('#bc-feedback-status') || {innerText: ''})"
        ".innerText.includes('bewaard')"
    )
    page.fill("#bc-feedback-comment textarea", "Heldere acties, dank")
    page.locator("#bc-feedback-save").click()
    page.wait_for_function(
        "document.querySelector('#bc-feedback-comment textarea').value === ''", timeout=TIMEOUT
    )
    code = session_code(page)
    rated = [r for r in served.coach.history(code) if r.feedback_liked]
    assert rated and rated[-1].feedback_comment == "Heldere acties, dank"

    # Download the summary as Markdown.
    with page.expect_download() as info:
        page.locator("#bc-download").click()
    target = tmp_path / "summary.md"
    info.value.save_as(target)
    text = target.read_text(encoding="utf-8")
    assert "We vergaderen veel" in text and "Heldere acties, dank" in text and "👍" in text
    assert info.value.suggested_filename.endswith(".md")
    assert page.dialogs == []


def test_typed_html_is_shown_as_text_and_runs_nothing(page: Any) -> None:
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


def test_english_switch_relabels_the_app_and_starts_in_english(page: Any) -> None:
    page.locator("#bc-language").get_by_text("English").click()
    page.wait_for_function("document.querySelector('#bc-send').innerText.trim() === 'Send'")
    page.wait_for_function(
        "document.querySelector('#bc-progress').innerText.includes('Questions')", timeout=TIMEOUT
    )
    page.wait_for_function(
        "document.querySelector('#bc-header').innerText.includes('Reflect on your collaboration')"
    )
    first = page.locator("#bc-chat .bot-row").first.inner_text()
    assert "Balanscoach" in first or "coach" in first.lower()
    send(page, "I coordinate a partnership between three municipalities and two care providers.")
    assert "Question 1/3" in page.locator("#bc-progress").inner_text()


def test_delete_asks_for_confirmation_then_removes_the_session(page: Any, served: Served) -> None:
    send(page, "Wij zijn vier scholen en de gemeente.")
    old = session_code(page)
    page.locator("#bc-delete").click()
    page.locator("#bc-delete-confirm").first.wait_for(state="visible")
    page.locator("#bc-delete-no").click()
    page.locator("#bc-delete-confirm").first.wait_for(state="hidden")
    assert served.coach.store.exists(old)
    page.locator("#bc-delete").click()
    page.locator("#bc-delete-yes").click()
    page.wait_for_function(
        f"!(document.querySelector('#bc-session-code textarea, #bc-session-code input').value"
        f" === {old!r})"
    )
    assert not served.coach.store.exists(old)
    assert "verwijderd" in page.locator("#bc-chat").inner_text()


def test_resume_by_session_code(page: Any, browser: Any, served: Served) -> None:
    send(page, "Wij zijn twee woningcorporaties en een zorgpartij, codewoord kolibrie.")
    code = session_code(page)
    other = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
    other.goto(served.url)
    other.wait_for_selector("#bc-chat .bot.message", timeout=TIMEOUT)
    other.fill("#bc-resume-code textarea, #bc-resume-code input", code)
    other.locator("#bc-resume").click()
    other.wait_for_function(
        "document.querySelector('#bc-chat').innerText.includes('kolibrie')", timeout=TIMEOUT
    )
    assert session_code(other) == code
    other.context.close()


def test_facilitator_tab_makes_a_downloadable_plan(page: Any, tmp_path: Path) -> None:
    page.get_by_role("tab", name="Facilitator").click()
    page.fill("#bc-plan-context textarea", "Er komt een nieuwe partner bij en we vergaderen veel.")
    page.locator("#bc-plan-make").click()
    page.wait_for_function(
        "document.querySelector('#bc-plan-output').innerText.includes('Agenda')", timeout=TIMEOUT
    )
    text = page.locator("#bc-plan-output").inner_text()
    assert "Sessieplan" in text and "Te lezen passages" in text and "Centrale vraag" in text
    with page.expect_download() as info:
        page.locator("#bc-plan-download").click()
    target = tmp_path / "plan.md"
    info.value.save_as(target)
    assert target.read_text(encoding="utf-8").startswith("# Sessieplan: Blijf balanceren")
