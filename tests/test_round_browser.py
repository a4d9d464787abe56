"""A team round in a real headless browser (Playwright + Debian's chromium).

The facilitator opens a round in the Facilitator tab; three partners join in
separate browser contexts from the Teamronde tab and reflect in the Reflect tab;
the facilitator's report shows the chart of dots per dimension with its table.
With COACH_UPDATE_SCREENSHOT=1 it saves docs/team-round.png for the README.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_kit import ARGS, CHROMIUM, session_code
from round_fixtures import ORGANISATIONS, SIX, Partner
from test_app_server import Served, served_app

pytestmark = pytest.mark.slow

SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "team-round.png"
TIMEOUT = 30_000
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


def open_page(browser: Any, url: str, width: int = 1360) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    page.wait_for_selector("#bc-chat .bot.message")
    return page


def bot_count(page: Any) -> int:
    return int(page.locator("#bc-chat .bot-row").count())


def send(page: Any, text: str) -> None:
    before = bot_count(page)
    page.fill("#bc-input textarea", text)
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"document.querySelectorAll('#bc-chat .bot-row').length > {before}", timeout=TIMEOUT
    )
    page.wait_for_timeout(300)


def phase(page: Any) -> str:
    """The current step of the progress line."""
    return str(page.locator("#bc-progress [aria-current=step]").first.inner_text())


def join(page: Any, code: str, p: Partner) -> None:
    """Join from the Teamronde tab, as a partner does."""
    page.get_by_role("tab", name="Teamronde").click()
    page.fill("#bc-round-code textarea, #bc-round-code input", code)
    org = page.locator("#bc-round-org input")
    org.click()
    page.get_by_role("option", name=p.organisation).click()
    page.fill("#bc-round-role textarea, #bc-round-role input", p.role)
    labels = {"scores": "Alleen mijn scores", "signals": "Ook signalen", "answers": "Ook mijn"}
    page.locator("#bc-round-share label", has_text=labels[p.share]).click()
    before = page.locator("#bc-chat .bot-row").count()
    page.locator("#bc-round-join").click()
    page.wait_for_function(
        "document.querySelector('#bc-round-status').innerText.includes('partnercode')",
        timeout=TIMEOUT,
    )
    page.wait_for_function(
        "document.querySelector('#bc-chat').innerText.includes('Balanscoach')", timeout=TIMEOUT
    )
    assert page.locator("#bc-chat .bot-row").count() >= min(before, 1)


def reflect(page: Any, p: Partner) -> None:
    """Answer in the Reflect tab until the coach offers actions, then choose."""
    for _ in range(20):
        step = phase(page)
        if "Samenvatting" in step:
            return
        if "Intake" in step:
            send(page, p.intake)
        elif "Vraag" in step:
            text = page.locator("#bc-chat .bot-row").last.inner_text()
            send(page, "verder" if "vervolgvraag" in text.lower() else p.answers[0])
        elif "Balans" in step:
            send(page, p.rating_text)
        elif "Acties" in step:
            send(page, p.choose)
        else:
            send(page, "verder")
    raise AssertionError(f"no summary: {phase(page)}")


def test_a_facilitator_opens_a_round_three_partners_join_and_the_chart_shows_them(
    browser: Any, served: Served
) -> None:
    facilitator = open_page(browser, served.url)
    facilitator.get_by_role("tab", name="Facilitator").click()
    facilitator.fill("#bc-fac-name textarea, #bc-fac-name input", "Wijkzorg Noord")
    facilitator.fill("#bc-fac-orgs textarea", "\n".join(ORGANISATIONS))
    facilitator.locator("#bc-fac-create").click()
    facilitator.wait_for_function(
        "document.querySelector('#bc-fac-created').innerText.includes('Deelnamecode')",
        timeout=TIMEOUT,
    )
    created = facilitator.locator("#bc-fac-created").inner_text()
    code = created.split("Deelnamecode voor de partners:")[1].split()[0].strip("`")
    round_id = facilitator.locator("#bc-fac-round textarea, #bc-fac-round input").input_value()
    assert round_id.endswith("-1") and len(code) == 14

    partners = [SIX[0], SIX[2], SIX[4]]  # three organisations, three different progress scores
    pages = []
    for p in partners:
        page = open_page(browser, served.url)
        join(page, code, p)
        assert "Intake" in phase(page)
        reflect(page, p)
        pages.append(page)
    codes = {session_code(page) for page in pages}
    assert len(codes) == 3 and "" not in codes  # separate contexts, separate sessions

    facilitator.locator("#bc-fac-report").click()
    facilitator.wait_for_selector("#bc-fac-charts svg.bc-round-strip", timeout=TIMEOUT)
    chart = facilitator.locator("#bc-fac-charts svg.bc-round-strip")
    assert "Scores per dimensie (3 deelnemers)" in (chart.locator("title").text_content() or "")
    dots = chart.locator("circle.bc-dot[data-dimension='progress']")
    assert sorted(int(d.get_attribute("data-score")) for d in dots.all()) == [2, 4, 5]
    table = facilitator.locator("#bc-fac-charts table").first.inner_text()
    assert "Voortgang" in table
    report = facilitator.locator("#bc-fac-output").inner_text()
    assert "3 aangemeld, 3 deden mee" in report and "Voorstel voor de groepssessie" in report
    assert "zebravink" not in report.lower()

    narrow = facilitator.context.new_page()  # the chart stays readable on a phone
    narrow.set_viewport_size({"width": 390, "height": 844})
    narrow.set_content(facilitator.locator("#bc-fac-charts").inner_html())
    box = narrow.locator("svg.bc-round-strip").bounding_box()
    assert box is not None and box["width"] <= 390 and box["height"] > 100

    if UPDATE_SCREENSHOT:  # the panel's top: form, chart, table, the start of the report
        facilitator.set_viewport_size({"width": 1280, "height": 900})
        panel = facilitator.locator("#bc-fac")
        panel.scroll_into_view_if_needed()
        facilitator.wait_for_timeout(500)
        box = panel.bounding_box()  # in the viewport; the clip below is on the whole page
        assert box is not None
        top = box["y"] + float(facilitator.evaluate("window.scrollY"))
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        facilitator.screenshot(
            path=str(SCREENSHOT),
            full_page=True,
            clip={"x": box["x"], "y": top, "width": box["width"], "height": 1100},
            mask=[facilitator.locator("#bc-fac-created code").last],  # the key, even a test one
        )

    facilitator.locator("#bc-fac-plan").click()
    facilitator.wait_for_function(
        "document.querySelector('#bc-fac-output').innerText.includes('Waar de partners')",
        timeout=TIMEOUT,
    )
    for page in (facilitator, *pages):
        page.context.close()
