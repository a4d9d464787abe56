"""BM25 saved at ingest and memory-mapped at start: the same scores as bm25s in memory."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
from fixtures_corpus import SEED_TXT

from coach.lexical import LexicalIndex

TEXTS = [block.strip() for block in SEED_TXT.split("\n\n") if len(block.strip()) > 20] + [
    "Vertrouwen groeit in kleine stappen.",
    "Een normenkader helpt bij toetsing.",
]


def test_a_saved_index_scores_exactly_like_bm25s(tmp_path: Path) -> None:
    ids = [f"p{i}" for i in range(len(TEXTS))]
    built = LexicalIndex.build(ids, TEXTS)
    built.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    words = " ".join(TEXTS).split()
    for a, b, c in itertools.islice(itertools.combinations(words[::7], 3), 300):
        query = f"{a} {b} {c} {a}"  # a repeated term counts twice, as in bm25s
        assert loaded.search(query, 10) == built.search(query, 10)
        tokens = [t for t in built._tokenize(query) if t in built._bm25.vocab_dict]
        if tokens:
            assert np.array_equal(
                loaded._bm25.get_scores(tokens), np.asarray(built._bm25.get_scores(tokens))
            )


def test_loading_a_saved_index_does_not_import_bm25s_or_scipy(tmp_path: Path) -> None:
    import subprocess

    LexicalIndex.build(["a", "b"], TEXTS[:2]).save(tmp_path / "lexical")
    code = (
        "import sys; from pathlib import Path; from coach.lexical import LexicalIndex; "
        f"i = LexicalIndex.load(Path({str(tmp_path / 'lexical')!r})); i.search('commitment'); "
        "print(sorted(m for m in ('bm25s', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_query_without_known_terms_finds_nothing(tmp_path: Path) -> None:
    LexicalIndex.build(["a"], ["samenwerking"]).save(tmp_path / "lexical")
    assert LexicalIndex.load(tmp_path / "lexical").search("xyzzy") == []
