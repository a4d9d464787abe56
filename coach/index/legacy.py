"""Index format 1 (`manifest.json` + `store.json`), read once to migrate it.

`coach ingest` on a format-1 index keeps what the old index knew: the
registered corpus folders, the last good version of files that now fail to
load, and the Chroma vectors (same ids, same model), so the migration embeds
only what format 2 adds (sentence windows, fixed queries). The old files are
removed after the new generation is committed.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LEGACY_MANIFEST = "manifest.json"
LEGACY_STORE = "store.json"


@dataclass(frozen=True)
class LegacyIndex:
    """What a format-1 index holds that ingest needs."""

    model: str
    corpus_dirs: list[str]
    files: dict[str, list[str]]  # path -> passage ids
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> card dict


def read_legacy(index_dir: Path) -> LegacyIndex | None:
    """The format-1 index in `index_dir`, or None."""
    manifest = _read_json(index_dir / LEGACY_MANIFEST)
    if manifest is None:
        return None
    store = _read_json(index_dir / LEGACY_STORE) or {}
    return LegacyIndex(
        model=str(manifest.get("model", "")),
        corpus_dirs=[str(d) for d in manifest.get("corpus_dirs", [])],
        files={p: list(e.get("passages", [])) for p, e in manifest.get("files", {}).items()},
        cards={c["path"]: c for c in store.get("cards", []) if "path" in c},
    )


def remove_legacy(index_dir: Path) -> None:
    """Delete the format-1 files (after the format-2 generation is committed)."""
    for name in (LEGACY_STORE, LEGACY_MANIFEST):
        with contextlib.suppress(FileNotFoundError):
            (index_dir / name).unlink()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
