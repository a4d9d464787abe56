"""Evaluator tab of the web app (placeholder until the eval harness lands)."""

from __future__ import annotations

from typing import Any


def evaluator_tab(coach: Any) -> None:
    """Build the evaluator tab's components inside the current Gradio Tab context."""
    import gradio as gr

    gr.Markdown("Evaluatie volgt.")
