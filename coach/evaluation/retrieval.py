"""Retrieval metrics on a dev set: recall@1/3/5 and MRR for dense, BM25 and hybrid.

The dev set (`eval/retrieval_dev.yaml`) is data: `queries: [{query, language,
card, gold}]`, where `gold` is a phrase that must occur (case-insensitive,
whitespace-collapsed) in a retrieved passage. Checking a phrase instead of a
passage id keeps the set valid when chunking changes. A gate (default: hybrid
recall@3 >= 0.85, or `thresholds` in the file) turns the numbers into pass/fail.

The index is brought up to date first (incremental ingest, cheap when
nothing changed), so the metrics always describe the current corpus.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, ConfigDict, ValidationError

from coach.embeddings import LoadedEmbeddings, embeddings_name, load_embeddings
from coach.errors import InputError
from coach.index import ingest
from coach.normalize import match_key
from coach.retrieval import MODES, build_retriever
from coach.settings import EVAL_DIR, Settings
from coach.yamlfile import yaml_line

DEFAULT_DEV_SET = EVAL_DIR / "retrieval_dev.yaml"
DEFAULT_THRESHOLDS = {"hybrid.recall@3": 0.85}
CUTOFFS = (1, 3, 5)
MRR_DEPTH = 10


class DevQuery(BaseModel):
    """One dev-set query and the phrase a relevant passage contains."""

    model_config = ConfigDict(extra="forbid")
    query: str
    language: Literal["nl", "en"] = "nl"
    card: str | None = None
    gold: str


class DevSet(BaseModel):
    """The dev-set file."""

    model_config = ConfigDict(extra="forbid")
    queries: list[DevQuery]
    thresholds: dict[str, float] = {}


def load_dev_set(path: Path) -> DevSet:
    """Parse and validate a dev set; errors name the file and line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        node = yaml.compose(text)
    except OSError as exc:
        raise InputError(
            f"{path}: cannot read the dev set ({exc.strerror}); check --set."
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc}); fix the file.") from None
    try:
        return DevSet.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        line = yaml_line(node, loc, first=1)
        raise InputError(
            f"{path}:{line}: {'.'.join(map(str, loc))}: {error['msg']}; each query needs "
            "`query` and `gold` (optionally `language`, `card`)."
        ) from None


def evaluate_retrieval(
    settings: Settings,
    dev_set_path: Path | str = DEFAULT_DEV_SET,
    embeddings: LoadedEmbeddings | Embeddings | None = None,
) -> dict[str, Any]:
    """Metrics per mode and language for the index under `settings` (ingested first)."""
    dev = load_dev_set(Path(dev_set_path))
    if embeddings is None:
        loaded = load_embeddings(settings)
    elif isinstance(embeddings, LoadedEmbeddings):
        loaded = embeddings
    else:
        loaded = LoadedEmbeddings(embeddings, embeddings_name(embeddings))
    report = ingest(settings, loaded)
    retriever = build_retriever(settings, loaded)
    passages = retriever.passages()
    languages = sorted({q.language for q in dev.queries})
    metrics: dict[str, dict[str, dict[str, float]]] = {}
    misses: list[dict[str, Any]] = []
    for mode in MODES:
        ranks: list[tuple[str, int | None]] = []
        for q in dev.queries:
            hits = retriever.search(q.query, k=MRR_DEPTH, mode=mode)
            gold = match_key(q.gold)
            rank = next((h.rank for h in hits if gold in match_key(h.passage.text)), None)
            ranks.append((q.language, rank))
            if mode == "hybrid" and (rank is None or rank > 3):
                misses.append(
                    {
                        "query": q.query,
                        "gold": q.gold,
                        "card": q.card,
                        "rank": rank,
                        "top": [f"{h.passage.card_id} / {h.passage.section}" for h in hits[:3]],
                    }
                )
        metrics[mode] = {"all": _scores([r for _, r in ranks])}
        for lang in languages:
            metrics[mode][lang] = _scores([r for lg, r in ranks if lg == lang])
    unreachable = [
        q.gold
        for q in dev.queries
        if not any(match_key(q.gold) in match_key(p.text) for p in passages.values())
    ]
    thresholds = dev.thresholds or DEFAULT_THRESHOLDS
    return {
        "model": loaded.model_name,
        "dev_set": str(dev_set_path),
        "queries": len(dev.queries),
        "metrics": metrics,
        "thresholds": thresholds,
        "failed_thresholds": failed_thresholds(metrics, thresholds),
        "misses": misses,
        "unreachable_gold": unreachable,
        "ingest": report.to_dict(),
        "notice": loaded.notice,
    }


def _scores(ranks: list[int | None]) -> dict[str, float]:
    """recall@k for each cutoff and MRR@10 from the rank of the first gold hit per query."""
    n = len(ranks)
    out: dict[str, float] = {"n": float(n)}
    for cutoff in CUTOFFS:
        out[f"recall@{cutoff}"] = (
            sum(1 for r in ranks if r is not None and r <= cutoff) / n if n else 0.0
        )
    out["mrr"] = sum(1.0 / r for r in ranks if r is not None) / n if n else 0.0
    return out


def failed_thresholds(
    metrics: dict[str, dict[str, dict[str, float]]], thresholds: dict[str, float]
) -> list[str]:
    """'mode.metric' gates (over all languages) that the metrics do not meet."""
    failed = []
    for key, floor in thresholds.items():
        mode, _, name = key.partition(".")
        value = metrics.get(mode, {}).get("all", {}).get(name)
        if value is None or value < floor:
            failed.append(f"{key} = {value if value is None else round(value, 3)} < {floor}")
    return failed


def format_table(results: list[dict[str, Any]]) -> str:
    """A plain-text table: one row per model, mode and language."""
    columns = ("R@1", "R@3", "R@5", "MRR")
    header = f"{'model':<28} {'mode':<8} {'lang':<4} {'n':>4} " + " ".join(
        f"{c:>6}" for c in columns
    )
    lines = [header, "-" * len(header)]
    for result in results:
        for mode, by_lang in result["metrics"].items():
            for lang, m in by_lang.items():
                values = (m["recall@1"], m["recall@3"], m["recall@5"], m["mrr"])
                lines.append(
                    f"{result['model']:<28} {mode:<8} {lang:<4} {int(m['n']):>4} "
                    + " ".join(f"{v:>6.3f}" for v in values)
                )
    return "\n".join(lines)
