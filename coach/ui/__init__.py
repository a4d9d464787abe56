"""Gradio web app: a thin adapter over the library API."""
