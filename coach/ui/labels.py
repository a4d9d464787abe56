"""Components whose text follows the UI language: register them, relabel them on a switch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from coach.ui.render import UiText


@dataclass
class Labelled:
    """A component whose properties follow the UI language (prop → ui.yaml key)."""

    component: Any
    props: dict[str, str] = field(default_factory=dict)


class Labels:
    """The registry of labelled components of one app, and the texts they take (ui.yaml)."""

    def __init__(self, ui: UiText) -> None:
        self.ui = ui
        self.items: list[Labelled] = []

    def label(self, component: Any, **props: str) -> Any:
        """Register a component for relabelling when the language switches."""
        self.items.append(Labelled(component, props))
        return component

    def relabel(self, item: Labelled, lang: str) -> dict[str, Any]:
        props: dict[str, Any] = {prop: self.ui.get(key, lang) for prop, key in item.props.items()}
        return gr.update(**props)
