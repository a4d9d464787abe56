"""The words of team rounds: `prompts/rounds.yaml`, read once and checked strictly.

Both languages must have the same keys and the same placeholders, and every
signal of the label contract needs its report name (`signal_<id>`); a key the
code asks for that is missing is a ConfigError naming the file, never a blank.
Keys starting with `round_` are also labels of the web app, merged into the
app's `UiText` (`with_round_labels`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from coach.errors import ConfigError
from coach.settings import PROMPTS_DIR
from coach.templates import render_template
from coach.understanding.labels import SIGNALS
from coach.yamlfile import load_bilingual

FILE = "rounds.yaml"
LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class RoundTexts:
    """Every sentence of the round report and the round parts of the app, per language."""

    texts: Mapping[str, Mapping[str, str]]
    path: Path

    def get(self, key: str, lang: str, **values: Any) -> str:
        table = self.texts["en" if lang == "en" else "nl"]
        if key not in table:
            raise ConfigError(f"{self.path} has no text `{key}`; add it for nl and en.")
        return render_template(table[key], values, f"{self.path}: `{key}`")

    def signal(self, signal: str, lang: str) -> str:
        """A signal's name in reports ('veel overleg, weinig voortgang')."""
        key = f"signal_{signal}"
        return self.get(key, lang) if key in self.texts["nl"] else signal

    def ui_labels(self) -> dict[str, dict[str, str]]:
        """The `round_` keys, per language, for the web app's labels."""
        return {
            lang: {k: v for k, v in self.texts[lang].items() if k.startswith("round_")}
            for lang in LANGUAGES
        }


@lru_cache(maxsize=4)
def load_round_texts(prompts_dir: Path = PROMPTS_DIR) -> RoundTexts:
    path = Path(prompts_dir) / FILE
    if not path.is_file():
        path = PROMPTS_DIR / FILE  # an own prompts folder without round texts uses ours
    data = load_bilingual(path, LANGUAGES)
    missing = [s for s in SIGNALS if f"signal_{s}" not in data["nl"]]
    if missing:
        raise ConfigError(f"{path}: add report names for the signals {', '.join(missing)}.")
    return RoundTexts(data, path)
