"""Start the built app: theme and CSS, analytics off, optional login, local URL."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import gradio as gr

from coach.ui.auth import parse_auth

if TYPE_CHECKING:
    from coach.service import Coach


APP_CSS = """
#bc-header h2 { margin-bottom: 0.2em; }
#bc-suggestions, #bc-commands { gap: 6px; flex-wrap: wrap; }
#bc-suggestions button, #bc-commands button { flex: 0 1 auto; min-width: 0; }
"""


def launch_options() -> dict[str, Any]:
    """Theme and CSS (passed at launch() in Gradio 6)."""
    # System fonts only: the app must not fetch anything from the internet.
    theme = gr.themes.Soft(
        primary_hue="emerald",
        neutral_hue="slate",
        font=["system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "Consolas", "monospace"],
    )
    return {"theme": theme, "css": APP_CSS, "footer_links": ["api", "settings"]}


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
