"""Scripted conversations: the public YAML format, parsed and validated.

A script is data (house style: evals are data with a threshold). We parse it
in two passes: `yaml.compose` gives the node tree with line marks, which we
walk once to map every key path to its line (and to reject duplicate keys,
which PyYAML would silently accept); pydantic with `extra="forbid"` then
validates the plain data. Any problem becomes a `ScriptError` that names the
file and the line, so an author can fix a typo without guessing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coach.errors import InputError
from coach.understanding.labels import INTENTS, SIGNALS

SCRIPT_SUFFIXES = (".yaml", ".yml")
PHASES = ("intake", "question", "followup", "balance", "actions", "summary", "qa")

Path_ = tuple[str | int, ...]


class ScriptError(InputError):
    """A conversation script cannot be used as written (names the file and line)."""

    def __init__(self, message: str, path: str | Path, line: int | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line
        self.problem = message


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(value: Any) -> Any:
    """Allow a single string where a list of strings is expected."""
    return [value] if isinstance(value, str) else value


class Expect(_Strict):
    """Checks on the coach's reply to one user turn; every field is optional."""

    phase: str | list[str] | None = None
    cites_any: list[str] = Field(default_factory=list)
    cites_section_any: list[str] = Field(default_factory=list)
    reply_contains_any: list[str] = Field(default_factory=list)
    reply_contains_all: list[str] = Field(default_factory=list)
    reply_not_contains: list[str] = Field(default_factory=list)
    language: Literal["nl", "en"] | None = None
    actions_min: int | None = Field(default=None, ge=0)
    citations_min: int | None = Field(default=None, ge=0)
    actions_any: list[str] = Field(default_factory=list)
    signals_any: list[str] = Field(default_factory=list)
    intent: str | None = None

    _lists = field_validator(
        "cites_any",
        "cites_section_any",
        "reply_contains_any",
        "reply_contains_all",
        "reply_not_contains",
        "actions_any",
        "signals_any",
        mode="before",
    )(_as_list)

    @field_validator("signals_any")
    @classmethod
    def _known_signals(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in SIGNALS:
                raise ValueError(f"unknown signal {name!r}; use one of: {', '.join(SIGNALS)}")
        return value

    @field_validator("intent")
    @classmethod
    def _known_intent(cls, value: str | None) -> str | None:
        if value is not None and value not in INTENTS:
            raise ValueError(f"unknown intent {value!r}; use one of: {', '.join(INTENTS)}")
        return value

    @field_validator("phase")
    @classmethod
    def _known_phase(cls, value: str | list[str] | None) -> str | list[str] | None:
        for name in _as_list(value) or []:
            if name not in PHASES:
                raise ValueError(f"unknown phase {name!r}; use one of: {', '.join(PHASES)}")
        return value

    def phases(self) -> list[str]:
        """The accepted phases (empty when the phase is not checked)."""
        return list(_as_list(self.phase) or [])

    def is_empty(self) -> bool:
        return not any(v not in (None, []) for v in self.model_dump().values())


class Turn(_Strict):
    """One user message and what the coach's reply to it must satisfy."""

    user: str
    expect: Expect | None = None

    @field_validator("user", mode="before")
    @classmethod
    def _numbers_are_text(cls, value: Any) -> Any:
        """`user: 4` (a bare rating) means the text "4", not an error."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value


class End(_Strict):
    """Checks over the whole conversation, after the last turn."""

    central_questions_asked: int | None = Field(default=None, ge=0)
    phases_include: list[str] = Field(default_factory=list)
    phases_exclude: list[str] = Field(default_factory=list)
    final_phase: str | None = None
    actions_min: int | None = Field(default=None, ge=0)
    citations_min: int | None = Field(default=None, ge=0)
    max_turn_ms: float | None = Field(default=None, gt=0)
    summary_contains_any: list[str] = Field(default_factory=list)
    summary_contains_all: list[str] = Field(default_factory=list)
    summary_not_contains: list[str] = Field(default_factory=list)
    actions_any: list[str] = Field(default_factory=list)

    _lists = field_validator(
        "phases_include",
        "phases_exclude",
        "summary_contains_any",
        "summary_contains_all",
        "summary_not_contains",
        "actions_any",
        mode="before",
    )(_as_list)

    def checks_summary(self) -> bool:
        """Whether an end check reads the final summary."""
        return bool(
            self.summary_contains_any or self.summary_contains_all or self.summary_not_contains
        )

    @field_validator("phases_include", "phases_exclude")
    @classmethod
    def _known_phases(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in PHASES:
                raise ValueError(f"unknown phase {name!r}; use one of: {', '.join(PHASES)}")
        return value

    @field_validator("final_phase")
    @classmethod
    def _known_final(cls, value: str | None) -> str | None:
        if value is not None and value not in PHASES:
            raise ValueError(f"unknown phase {value!r}; use one of: {', '.join(PHASES)}")
        return value


class ScriptModel(_Strict):
    """The top level of a script file."""

    name: str = Field(min_length=1)
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    language: Literal["nl", "en"] = "nl"
    card: str | None = None
    turns: list[Turn] = Field(min_length=1)
    end: End | None = None


@dataclass(frozen=True)
class Script:
    """A validated script plus where it came from (for messages and reports)."""

    model: ScriptModel
    path: str
    turn_lines: tuple[int, ...]  # line of each turn in the file (1-based)
    end_line: int | None = None

    @property
    def name(self) -> str:
        return self.model.name


def _key_lines(node: yaml.Node, path: str | Path) -> dict[Path_, int]:
    """Map each key path (e.g. ('turns', 1, 'expect')) to its line; reject duplicate keys."""
    lines: dict[Path_, int] = {(): node.start_mark.line + 1}

    def walk(current: yaml.Node, prefix: Path_) -> None:
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in current.value:
                key = str(key_node.value)
                if key in seen:
                    raise ScriptError(f"duplicate key `{key}`", path, key_node.start_mark.line + 1)
                seen.add(key)
                lines[(*prefix, key)] = key_node.start_mark.line + 1
                walk(value_node, (*prefix, key))
        elif isinstance(current, yaml.SequenceNode):
            for i, item in enumerate(current.value):
                lines[(*prefix, i)] = item.start_mark.line + 1
                walk(item, (*prefix, i))

    walk(node, ())
    return lines


def _line_for(loc: Sequence[str | int], lines: dict[Path_, int]) -> int | None:
    """The line of the deepest known prefix of a pydantic error location."""
    parts = tuple(p for p in loc if not _is_type_tag(p))
    while parts:
        if parts in lines:
            return lines[parts]
        parts = parts[:-1]
    return lines.get(())


_TYPE_TAGS = {"str", "int", "float", "bool", "list[str]", "none", "literal['nl','en']"}


def _is_type_tag(part: str | int) -> bool:
    """Pydantic puts union member names (`str`, `list[str]`) in error locations; not keys."""
    return isinstance(part, str) and (part in _TYPE_TAGS or part.startswith("function-"))


def _describe(error: Any) -> str:
    """One readable sentence for a pydantic error, naming the offending key."""
    loc = [p for p in error["loc"] if not _is_type_tag(p)]
    where = ".".join(str(p) for p in loc) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown key `{loc[-1]}` at {where}; check the spelling (see eval/README.md)"
    if kind == "missing":
        return f"missing required key `{where}`"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"`{where}`: {message}"


def parse_script(text: str, path: str | Path = "<script>") -> Script:
    """Parse and validate one script's YAML text, or raise ScriptError with file and line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ScriptError(f"not valid YAML ({exc.problem or exc})", path, line) from None
    except yaml.YAMLError as exc:
        raise ScriptError(f"not valid YAML ({exc})", path) from None
    if node is None:
        raise ScriptError("empty file; a script needs `name` and `turns`", path, 1)
    if not isinstance(node, yaml.MappingNode):
        raise ScriptError(
            "a script must be a mapping with `name` and `turns`", path, node.start_mark.line + 1
        )
    lines = _key_lines(node, path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:  # e.g. an unknown tag that composes but does not construct
        raise ScriptError(f"not valid YAML ({exc})", path) from None
    try:
        model = ScriptModel.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise ScriptError(_describe(first) + more, path, _line_for(first["loc"], lines)) from None
    turn_lines = tuple(lines.get(("turns", i), 0) for i in range(len(model.turns)))
    return Script(model=model, path=str(path), turn_lines=turn_lines, end_line=lines.get(("end",)))


def load_script(path: str | Path) -> Script:
    """Read and validate one script file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScriptError("no such file; give a .yaml script or a folder of them", file) from None
    except UnicodeDecodeError as exc:
        raise ScriptError(f"not UTF-8 text ({exc.reason}); save it as UTF-8", file) from None
    return parse_script(text, file)


def shipped_path(raw: str | Path) -> Path:
    """`raw` as given; a relative path that is not here but is in the installed source tree
    (`eval/conversations`) is taken from there, so the shipped scripts run from any folder."""
    from coach.settings import PROJECT_ROOT

    p = Path(raw)
    if not p.exists() and not p.is_absolute() and (PROJECT_ROOT / p).exists():
        return PROJECT_ROOT / p
    return p


def script_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into script files (folders: *.yaml/*.yml, sorted by name)."""
    found: list[Path] = []
    for raw in paths:
        p = shipped_path(raw)
        if p.is_dir():
            found.extend(
                sorted(f for f in p.iterdir() if f.suffix in SCRIPT_SUFFIXES and f.is_file())
            )
        elif p.is_file():
            found.append(p)
        else:
            raise ScriptError("no such file or folder; give script files or folders of them", p)
    if not found:
        raise InputError(
            f"No conversation scripts (*.yaml) in {', '.join(str(p) for p in paths)}; "
            "see eval/README.md for the format."
        )
    return found


def load_scripts(paths: Iterable[str | Path]) -> list[Script]:
    """Load every script under the given files and folders; the first bad one raises."""
    return [load_script(f) for f in script_files(paths)]
