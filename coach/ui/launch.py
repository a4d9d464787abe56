"""Start the built app: theme, CSS and a small script, analytics off, optional login, local URL."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import gradio as gr

from coach.ui.auth import parse_auth

if TYPE_CHECKING:
    from coach.service import Coach


# Emerald, shifted two steps darker from the middle on: white text on the primary colour
# (buttons, the chosen radio) and the primary colour as text on its light tint (labels,
# the current tab) both reach WCAG AA 4.5:1; the light tints stay as they are.
PRIMARY = gr.themes.Color(
    name="balans",
    c50="#ecfdf5",
    c100="#d1fae5",
    c200="#a7f3d0",
    c300="#6ee7b7",
    c400="#047857",
    c500="#047857",
    c600="#065f46",
    c700="#064e3b",
    c800="#053d2f",
    c900="#022c22",
    c950="#011c16",
)

APP_CSS = """
/* Header: title and language side by side when there is room, stacked on a phone. */
#bc-top { flex-wrap: wrap; align-items: flex-start; gap: 8px 24px; }
#bc-header { flex: 1 1 22rem !important; min-width: 0 !important; }
#bc-header h1 { font-size: 1.6rem; margin: 0 0 0.2em; }
#bc-language { flex: 0 1 auto !important; min-width: 0 !important; }
/* Quick replies and commands wrap; buttons never squeeze their words. */
#bc-suggestions, #bc-commands { gap: 6px; flex-wrap: wrap; }
#bc-suggestions button, #bc-commands button { flex: 0 1 auto; min-width: 0; }
#bc-input-row { flex-wrap: nowrap; align-items: stretch; }
#bc-send { flex: 0 0 auto !important; }
/* The chat's own "clear" icon would empty the screen but not the session: new sessions
   go through the session panel, with a confirmation. */
#bc-chat .icon-button-wrapper.top-panel { display: none; }
.bc-code { margin: 0; overflow-wrap: anywhere; }
.bc-code-value { font-size: 1.05em; user-select: all; }
/* The sources under a coach message: a native disclosure. */
.bc-sources summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
/* Ratings: five choices in one row, big enough to tap. */
.bc-rating .wrap { flex-wrap: nowrap; gap: 6px; }
.bc-rating label { flex: 1 1 0; justify-content: center; min-width: 44px; min-height: 44px; }
/* Errors and notices of the app itself, beside the chat and labelled. */
.bc-notice { padding: 8px 12px; border-radius: 8px; border: 1px solid; margin: 4px 0; }
.bc-notice-error { background: #fef2f2; border-color: #b91c1c; color: #7f1d1d; }
.bc-notice-info { background: #eff6ff; border-color: #1d4ed8; color: #1e3a8a; }
/* Wide tables scroll sideways instead of breaking into one character per line. */
.bc-scroll { max-width: 100%; overflow-x: auto; }
.bc-scroll table { border-collapse: collapse; min-width: 36rem; }
.bc-scroll th, .bc-scroll td { padding: 4px 8px; border-bottom: 1px solid #d1d5db;
  text-align: left; vertical-align: top; }
.bc-scroll td.bc-num { white-space: nowrap; text-align: right; }
.bc-scroll th[scope=row] { min-width: 12rem; }
.bc-scroll td.bc-definition { min-width: 16rem; }
.bc-worse { color: #b91c1c; font-weight: 600; }
.bc-better { color: #065f46; font-weight: 600; }
.bc-eval-progress progress { width: min(100%, 20rem); vertical-align: middle; }
.bc-eval-progress ol { margin: 6px 0 0; padding-left: 1.5rem; }
/* Icons in the chat (copy, like, dislike) at 3:1 or more against their background. */
#bc-chat .message-buttons button, #bc-chat .icon-button { color: #374151 !important; }
/* A visible focus ring for keyboard users. */
button:focus-visible, input:focus-visible, textarea:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
@media (max-width: 640px) {
  /* The four tabs fit from 360 px on, so none hides behind Gradio's overflow menu. */
  /* Gradio's page padding (32 px a side) is out of reach of custom CSS; the tab bar
     alone reaches into it, so four tabs fit at 360 px without anything scrolling. */
  #bc-tabs > .tab-wrapper { margin-left: -24px; margin-right: -24px; }
  #bc-tabs .tab-wrapper button { padding: 0 6px !important; font-size: 13px !important; }
  #bc-header h1 { font-size: 1.35rem; }
  #bc-header p { font-size: 0.9rem; }
  #bc-send { min-width: 0 !important; padding-left: 10px; padding-right: 10px; }
}
"""


# Gradio gives every radio button a name of its own, so a group is no group: the arrow
# keys do not move between the choices and a screen reader hears "1 of 1". This joins
# each Radio's buttons under one name and names the group after its label, whenever
# radios appear (the ratings are only rendered in the balance phase).
APP_JS = """
() => {
  const join = () => {
    const blocks = document.querySelectorAll('.block:has(> div > label > input[type=radio])');
    blocks.forEach((block) => {
      const wrap = block.querySelector('div:has(> label > input[type=radio])');
      const label = block.querySelector('[data-testid=block-info]');
      const name = block.id || ('bc-radio-' + Math.random().toString(36).slice(2));
      if (!block.id) block.id = name;
      wrap.setAttribute('role', 'radiogroup');
      if (label) wrap.setAttribute('aria-label', label.textContent.trim());
      wrap.querySelectorAll('input[type=radio]').forEach((r) => {
        if (r.name !== name) r.name = name;
      });
    });
  };
  join();
  new MutationObserver(join).observe(document.body, {
    childList: true, subtree: true, characterData: true,
    attributes: true, attributeFilter: ['name'],
  });
}
"""


def launch_options() -> dict[str, Any]:
    """Theme and CSS (passed at launch() in Gradio 6)."""
    # System fonts only: the app must not fetch anything from the internet. Symbols are
    # words or SVG icons, never emoji (they show as empty boxes without an emoji font).
    theme = gr.themes.Soft(
        primary_hue=PRIMARY,
        neutral_hue="slate",
        font=["system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "Consolas", "monospace"],
    ).set(
        body_text_color_subdued="*neutral_600",
        input_placeholder_color="*neutral_500",
        block_label_text_color="*primary_600",
        block_title_text_color="*primary_600",
        button_primary_background_fill_hover="*primary_600",
    )
    return {"theme": theme, "css": APP_CSS, "js": APP_JS, "footer_links": ["api", "settings"]}


def launch_app(
    app: gr.Blocks, coach: Coach, *, host: str, port: int, block: bool = True, quiet: bool = False
) -> str:
    """Start the server (analytics off, optional login) and return its local URL."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    _, url, _ = app.launch(
        server_name=host,
        server_port=port,
        auth=parse_auth(coach.settings.auth),
        share=False,
        show_error=False,
        prevent_thread_lock=True,
        quiet=quiet,
        **launch_options(),
    )
    if block:
        app.block_thread()
    return str(url)
