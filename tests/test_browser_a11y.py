"""Accessibility in a real browser: axe-core on every tab, in both languages and at both
widths, with no serious or critical violation; plus what axe does not measure.

axe-core is installed from the npm registry (`tests/a11y`, `make browser`) and injected
by Playwright. One page per width is reused for its eight tab × language views. The
phases with their own controls (ratings, actions) and the Evaluate tab after a run
are checked in `test_browser_e2e.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_kit import (
    HAVE_CHROMIUM,
    assert_fits,
    axe_violations,
    launch_browser,
    open_page,
)
from test_app_server import Served, served_app

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason="Debian chromium is not installed"),
]
TABS = {
    "nl": ("Reflecteren", "Teamronde", "Facilitator", "Evaluatie"),
    "en": ("Reflect", "Team round", "Facilitator", "Evaluate"),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, real_index_home: Path) -> Iterator[Served]:
    yield from served_app(tmp_path_factory, real_index_home)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


@pytest.fixture(scope="module", params=["phone", "desktop"])
def page(request: pytest.FixtureRequest, browser: Any, served: Served) -> Iterator[Any]:
    page = open_page(browser, served.url, str(request.param))
    yield page
    page.context.close()


def _switch(page: Any, lang: str) -> None:
    name = "English" if lang == "en" else "Nederlands"
    page.locator("#bc-language").get_by_text(name).click()
    page.wait_for_function(f"document.documentElement.lang === {lang!r}")
    page.wait_for_function(
        f"document.querySelector('button[role=tab]').innerText.trim() === {TABS[lang][0]!r}"
    )


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("tab", [0, 1, 2, 3], ids=["reflect", "round", "facilitator", "evaluate"])
def test_no_serious_or_critical_axe_violations(page: Any, lang: str, tab: int) -> None:
    _switch(page, lang)
    page.get_by_role("tab", name=TABS[lang][tab]).click()
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.lang") == lang
    assert axe_violations(page) == []


def _contrast(page: Any, selector: str) -> float:
    """The contrast of an element's text or icon colour against the first opaque background."""
    return float(
        page.evaluate(
            """(selector) => {
            const el = document.querySelector(selector);
            const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
            const lum = ([r, g, b]) => [r, g, b].map(v => {
                v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
            }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
            let bg = null;
            for (let e = el; e && !bg; e = e.parentElement) {
                const c = rgb(getComputedStyle(e).backgroundColor);
                if (c.length < 4 || c[3] > 0.99) bg = c;
            }
            const fg = rgb(getComputedStyle(el.querySelector('svg') || el).color);
            const [a, b] = [lum(fg), lum(bg || [255, 255, 255])].sort((x, y) => y - x);
            return (a + 0.05) / (b + 0.05);
        }""",
            selector,
        )
    )


def test_icons_and_chips_reach_their_contrast(page: Any) -> None:
    _switch(page, "nl")
    page.get_by_role("tab", name="Reflecteren").click()
    for icon in ("Like", "Dislike", "Copy message"):
        assert _contrast(page, f"#bc-chat button[aria-label='{icon}']") >= 3.0, icon
    assert _contrast(page, "#bc-card [data-testid=block-info]") >= 4.5  # a label chip
    assert _contrast(page, "#bc-language label.selected, #bc-language label") >= 4.5
    assert _contrast(page, "#bc-send") >= 4.5


def test_every_control_has_a_name_and_no_icon_is_an_emoji(page: Any) -> None:
    _switch(page, "nl")
    page.get_by_role("tab", name="Reflecteren").click()
    assert page.get_by_role("textbox", name="Jouw bericht aan de coach").count() == 1
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, input, textarea, select')]
            .filter(e => e.offsetParent !== null)
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !e.getAttribute('aria-labelledby') && !e.innerText?.trim()
                         && !e.getAttribute('title'))
            .map(e => e.outerHTML.slice(0, 120))"""
    )
    assert unnamed == []
    assert "\U0001f44d" not in page.content() and "\u2705" not in page.content()


def test_nothing_scrolls_sideways_at_360_px_on_any_tab(browser: Any, served: Served) -> None:
    """The narrowest phones in common use: every tab fits, in both languages."""
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(served.url)
    page.wait_for_selector("#bc-chat .bot.message")
    for lang in ("nl", "en"):
        _switch(page, lang)
        for tab in TABS[lang]:
            page.get_by_role("tab", name=tab).click()
            page.wait_for_timeout(300)
            assert_fits(page)
    page.context.close()
