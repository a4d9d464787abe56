"""The on-disk index, kept in step with the corpus by `ingest` and read by `open_index`.

Layout of `settings.index_dir`:

- `index.sqlite3`: the committed generation (which files, which model, which
  vector space, which lexical folder), every card and passage by content key,
  the quote windows of each passage with their vectors, and the query vectors
  of fixed strings (`coach.index.db`).
- `chroma/`: persistent Chroma collections, one per vector space, reached with
  vectors we compute (Chroma's default embedding function never runs). A space
  holds one vector per passage and, as in LangChain's MultiVectorRetriever,
  extra vectors for each section's hint questions and keywords that point
  back at the section's passages (`coach.index.chroma`).
- `lexical/<generation>/`: the BM25 index saved by bm25s, memory-mapped by
  readers (`coach.lexical`).

`ingest` (`coach.index.pipeline`, with its bookkeeping in `coach.index.changes`)
is incremental, keyed by content and safe to kill; `open_index`
(`coach.index.reader`) opens the committed generation once and loads cards,
passages and windows lazily. Index format 1
(`store.json` + `manifest.json`) is migrated by the next `coach ingest`.
"""

from coach.index.pipeline import IngestReport, ensure_index, ingest
from coach.index.progress import Progress
from coach.index.reader import FORMAT, CorpusIndex, open_index

__all__ = [
    "FORMAT",
    "CorpusIndex",
    "IngestReport",
    "Progress",
    "ensure_index",
    "ingest",
    "open_index",
]
