"""The plan's data file: `prompts/plan.yaml` read and validated strictly, cached per folder.

Agenda template, exercise library, limits and every sentence of the rendered
plan (nl and en) come from that file; errors name the file and the offending key.
English renderings of the cards' Dutch questions come from `question_bank.yaml`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from coach.errors import ConfigError
from coach.settings import PROMPTS_DIR
from coach.templates import render_template

Lang = Literal["nl", "en"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Text(_Strict):
    nl: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


class BlockTemplate(_Strict):
    id: str
    weight: float
    min_minutes: int
    title: _Text
    purpose: _Text
    exercises: list[str]
    talk: _Text  # what the block's minutes beyond its exercises are for
    repeat: Literal["central_questions"] | None = None
    min_session: int = 0
    focus: bool = False  # only in a plan made from a team round (`coach plan --round`)


Form = Literal["round", "plenary", "pairs", "subgroups"]


class ExerciseSpec(_Strict):
    minutes: int
    group: tuple[int, int]
    forms: list[Form]  # the work forms it can take, preferred first
    keywords: list[str]
    cards: list[str]
    name: _Text
    how: _Text


class _Limits(_Strict):
    min_minutes: int
    max_minutes: int
    min_group: int
    max_group: int
    max_question_blocks: int
    readings: int


class PlanLibrary(_Strict):
    """Contents of prompts/plan.yaml."""

    agenda: list[BlockTemplate]
    exercises: dict[str, ExerciseSpec]
    forms: dict[Form, tuple[int, int]]  # group sizes each work form suits
    text: dict[Lang, dict[str, str]]
    limits: _Limits

    def render(self, key: str, lang: str, **values: Any) -> str:
        """A plan sentence, placeholders filled; a missing value is an error, not a blank."""
        template = self.text["en" if lang == "en" else "nl"][key]
        return render_template(template, values, f"prompts/plan.yaml: text `{key}`")


@lru_cache(maxsize=8)
def load_library(prompts_dir: Path = PROMPTS_DIR) -> PlanLibrary:
    """Read and validate plan.yaml; errors name the file and the offending key."""
    path = Path(prompts_dir) / "plan.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        library = PlanLibrary.model_validate(data)
    except FileNotFoundError:
        raise ConfigError(f"{path} is missing; restore it from the repository.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc}).") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: `{where}`: {first['msg']}.") from None
    keys = set(library.text["nl"])
    if keys != set(library.text["en"]):
        raise ConfigError(f"{path}: `text.nl` and `text.en` must have the same keys.")
    missing_forms = {"round", "plenary", "pairs", "subgroups"} - set(library.forms)
    if missing_forms:
        raise ConfigError(f"{path}: `forms` needs group sizes for {sorted(missing_forms)}.")
    for block in library.agenda:
        for name in block.exercises:
            if name not in library.exercises:
                raise ConfigError(f"{path}: block `{block.id}` names unknown exercise `{name}`.")
    return library


def english_questions(prompts_dir: Path) -> dict[str, str]:
    """Dutch → English renderings from question_bank.yaml, when that file has them."""
    path = Path(prompts_dir) / "question_bank.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    mapping: dict[str, str] = {}
    if not isinstance(data, dict):
        return mapping
    for entry in data.values():
        if not isinstance(entry, dict):
            continue
        for kind in ("central", "followups"):
            for item in entry.get(kind) or []:
                if isinstance(item, dict) and item.get("nl") and item.get("en"):
                    mapping[str(item["nl"])] = str(item["en"])
    return mapping
