"""Shared parts of the browser tests: Debian's headless Chromium, the two window sizes,
the chat helpers, the layout check and axe-core.

axe-core comes from the npm registry, pinned in `tests/a11y/package-lock.json`
(`make browser` runs `npm ci` there) and is injected into the page with
Playwright's `add_script_tag`. Nothing is fetched while the tests run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
# A phone (iPhone 12-15 class) and a laptop; the layout must work from 360 px up.
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
TIMEOUT = 30_000
ROOT = Path(__file__).resolve().parent.parent
AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
DOCS = ROOT / "docs"
# Read at import: the autouse fixture clears every COACH_* variable before each test.
SCREENSHOTS = os.environ.get("COACH_SCREENSHOTS") == "1"

HAVE_CHROMIUM = bool(shutil.which(CHROMIUM) or Path(CHROMIUM).exists())


def launch_browser() -> Iterator[Any]:
    """One headless Chromium for a test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def open_page(browser: Any, url: str, width: str) -> Any:
    """A fresh context (own cookies, own Gradio session) at one of `WIDTHS`, on the app."""
    w, h = WIDTHS[width]
    context = browser.new_context(
        viewport={"width": w, "height": h},
        accept_downloads=True,
        is_mobile=width == "phone",
        has_touch=width == "phone",
    )
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    page.wait_for_selector("#bc-chat .bot.message")
    page.wait_for_timeout(300)
    return page


def bot_count(page: Any) -> int:
    return int(page.locator("#bc-chat .bot-row").count())


def wait_for_reply(page: Any, before: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('#bc-chat .bot-row').length > {before}", timeout=TIMEOUT
    )
    page.wait_for_timeout(300)  # let the progress line and the controls update too


def send(page: Any, text: str) -> None:
    """Type a message, press Enter and wait for the coach's next message."""
    before = bot_count(page)
    page.fill("#bc-input textarea", text)
    page.keyboard.press("Enter")
    wait_for_reply(page, before)


def click_and_wait(page: Any, locator: Any) -> None:
    before = bot_count(page)
    locator.click()
    wait_for_reply(page, before)


def session_code(page: Any) -> str:
    """The session code the page shows ("" before the first message)."""
    value = page.locator("#bc-session-code-view code")
    return str(value.text_content() or "").strip() if value.count() else ""


def current_step(page: Any) -> str:
    return str(page.locator("#bc-progress [aria-current=step]").inner_text())


def visible(page: Any, selector: str) -> bool:
    return bool(page.locator(selector).first.is_visible())


def assert_fits(page: Any, *controls: str) -> None:
    """Nothing scrolls sideways, and each control lies within the window's width."""
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]"
    )
    assert max(widths[:2]) <= widths[2], f"the page scrolls sideways: {widths}"
    for selector in controls:
        box = page.locator(selector).first.bounding_box()
        assert box is not None, f"{selector} is not shown"
        assert box["x"] >= 0 and box["x"] + box["width"] <= widths[2] + 0.5, (selector, box)


_BROKEN_WORDS = """() => {
  const broken = [];
  for (const el of document.querySelectorAll('#bc-header h1, #bc-header p')) {
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walk.nextNode())) {
      for (const m of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
          .map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""
_PLACEHOLDER = """() => {
  const t = document.querySelector('#bc-input textarea');
  const s = getComputedStyle(t);
  const c = document.createElement('canvas').getContext('2d');
  c.font = s.font;
  return [c.measureText(t.placeholder).width,
          t.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)];
}"""


def assert_header_and_input_whole(page: Any) -> None:
    """No word of the header breaks across lines ("Balan/scoac/h"), the input's placeholder
    fits its box, and the chat has no clear (trash) icon that drops the session silently."""
    assert page.evaluate(_BROKEN_WORDS) == []
    text, room = page.evaluate(_PLACEHOLDER)
    assert text <= room, f"the placeholder is clipped: {text:.0f} px in {room:.0f} px"
    trash = page.locator("#bc-chat button[aria-label*='lear' i], #bc-chat button[title*='lear' i]")
    assert trash.count() == 0 or not trash.first.is_visible()


def axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}; run `make browser` (npm ci in tests/a11y).")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3)
                    .map(n => n.target.join(' ')).join(' | ')} (${v.help})`);
        }"""
    )
    return [str(f) for f in found]


def screenshot(page: Any, name: str) -> None:
    """With COACH_SCREENSHOTS=1, the page as it is now into docs/ (for the README)."""
    if SCREENSHOTS:
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=False)
