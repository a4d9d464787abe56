"""The library API that the CLI, the web app and the evaluator share.

`build_coach(settings)` is the one place that decides the concrete parts
(embedding model, index, session store, prompts, message reader). `Coach`
runs one turn as: load state → embed the message once → read it (intent and
situation signals, `coach.understanding`) → ask the pure dialogue machine
which retrievals it needs → run them, with vectors built from the message's
own vector and the stored vectors of fixed strings → step the machine → check
grounding → store turn and state in one transaction. Retrieval is serialised
behind a lock (the embedding engine is not guaranteed thread-safe); each
session has its own lock so two messages to the same session never
interleave.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

import coach.dialogue.machine as machine
from coach.dialogue.content import DialogueContent, load_content
from coach.dialogue.parsing import on_topic
from coach.dialogue.state import DialogueState, Review
from coach.dialogue.summary import summary_markdown
from coach.embeddings import LoadedEmbeddings
from coach.errors import ConfigError, InputError, ModelUnavailable, RoundClosed
from coach.grounding import check_citations
from coach.models import Card, CoachTurn, Hit, Passage, Understanding
from coach.rounds.store import RoundStore
from coach.sessions import SessionInfo, SessionStore, TurnRecord
from coach.settings import Settings, load_settings
from coach.understanding.bank import UTTERANCES_FILE, load_bank
from coach.understanding.model import load_model, model_key, save_model
from coach.understanding.reader import MessageReader
from coach.understanding.second_view import load_view

MAX_OWNER_CHARS = 200  # a name or a date, not an essay
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Searcher(Protocol):
    """What the coach needs from retrieval (the hybrid retriever provides it).

    `embed_query` and `fixed_vectors` raise ModelUnavailable when no embedding
    model can be used (keyword-only search); the coach then reads messages on
    lexical cues alone and lets `search` work from text.
    """

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        vector: np.ndarray | None = None,
        windows: bool = False,
        window_vector: np.ndarray | None = None,
    ) -> list[Hit]: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def fixed_vectors(self, texts: Sequence[str]) -> np.ndarray: ...

    def cards(self) -> Mapping[str, Card]: ...

    def passages(self) -> Mapping[str, Passage]: ...


class _CardTexts(Mapping[str, str]):
    """Card id -> normalised card text, read through the (lazy) card mapping."""

    def __init__(self, cards: Mapping[str, Card]) -> None:
        self._cards = cards

    def __getitem__(self, card_id: str) -> str:
        return self._cards[card_id].text

    def __iter__(self) -> Iterator[str]:
        return iter(self._cards)

    def __len__(self) -> int:
        return len(self._cards)


def _mix(base: np.ndarray | None, mixed: np.ndarray | None, weight: float) -> np.ndarray | None:
    """base + weight * mixed, normalised (either part may be missing)."""
    parts = [p for p in (base, None if mixed is None else weight * mixed) if p is not None]
    if not parts:
        return None
    vector = np.sum(parts, axis=0)
    return vector / max(float(np.linalg.norm(vector)), 1e-9)


def clean_user_text(text: str | None, limit: int) -> tuple[str, int]:
    """Make any input safe to process: valid UTF-8, no control characters, at most `limit` chars.

    Returns the cleaned text and the original length (to tell the user about truncation).
    """
    raw = "" if text is None else str(text)
    raw = raw.encode("utf-8", "replace").decode("utf-8", "replace")  # lone surrogates → "?"
    raw = unicodedata.normalize("NFC", _CONTROL.sub(" ", raw)).strip()
    return raw[:limit], len(raw)


def new_session_id() -> str:
    """An unguessable id (128 bits) that never starts with "-": the CLI takes it as an argument
    (`coach chat --session ID`), and argparse would read "-x..." as an option."""
    while True:
        session_id = secrets.token_urlsafe(16)
        if not session_id.startswith("-"):
            return session_id


class Coach:
    """A coach over one index and one session store."""

    def __init__(
        self,
        settings: Settings,
        searcher: Searcher,
        store: SessionStore,
        content: DialogueContent,
        notice: str | None = None,
        reader: MessageReader | None = None,
    ) -> None:
        self.settings = settings
        self.searcher = searcher
        self.store = store
        self.content = content
        self.reader = reader or build_reader(settings, content, None)
        self.notice = notice  # e.g. "fell back to another embedding model"
        self._cards = searcher.cards()
        self._corpus_texts = _CardTexts(self._cards)
        self._rounds = RoundStore(store)
        self.today: Callable[[], date] = date.today  # the calendar team rounds open and close by
        self._retrieval_lock = threading.Lock()
        self._session_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # -- cards -------------------------------------------------------------
    @property
    def cards(self) -> Mapping[str, Card]:
        """Cards by id (read-only; a large index loads each card when asked for)."""
        return self._cards

    def card_titles(self) -> list[tuple[str, str]]:
        """(id, title) of every card, cheaply (for pickers)."""
        titles = getattr(self.searcher, "card_titles", None)
        if callable(titles):
            return list(titles())
        return [(cid, card.title) for cid, card in self._cards.items()]

    def card(self, card_id: str | None) -> Card:
        """The card with this id (default card when None), or a ConfigError naming the choices."""
        cid = card_id or self.settings.default_card
        if cid not in self._cards:
            if card_id is None and self._cards:
                cid = next(iter(self._cards))
            else:
                raise ConfigError(
                    f"Unknown card {cid!r}; choose one of: {', '.join(sorted(self._cards))}."
                )
        return self._cards[cid]

    # -- retrieval ---------------------------------------------------------
    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        vector: np.ndarray | None = None,
        windows: bool = False,
        window_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """Hybrid retrieval, serialised so the embedding engine is used by one thread at a time.

        `vector`: the query's vector when known; nothing is embedded then.
        """
        if not query.strip():
            raise InputError('Empty query — type a question, e.g. "wat is schijnsamenwerking?"')
        with self._retrieval_lock:
            return self.searcher.search(
                query,
                k=k or self.settings.top_k,
                vector=vector,
                windows=windows,
                window_vector=window_vector,
            )

    def embed(self, text: str) -> np.ndarray | None:
        """The message's query vector (embedded once per turn), or None without a model."""
        if not text.strip():
            return None
        try:
            with self._retrieval_lock:
                return self.searcher.embed_query(machine.query_text(text))
        except ModelUnavailable:
            return None

    def understand(self, text: str, phase: str = "question") -> Understanding:
        """How the coach reads one message (intent and situation signals)."""
        return self.reader.read(text, self.embed(text), phase)

    def _query_vectors(
        self, queries: Sequence[machine.Query], user: np.ndarray | None
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each query's dense vector and the vector its quote windows are scored with,
        built without embedding anything new: the message's own vector and the stored
        vectors of the query's fixed strings, mixed."""
        fixed = list(dict.fromkeys(t for q in queries for t in q.mix if t.strip()))
        rows: dict[str, np.ndarray] = {}
        if fixed:
            try:
                with self._retrieval_lock:
                    matrix = self.searcher.fixed_vectors(fixed)
                rows = {t: matrix[i] for i, t in enumerate(fixed)}
            except ModelUnavailable:
                rows = {}
        out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for q in queries:
            mixed = [rows[t] for t in q.mix if t in rows]
            base = np.asarray(user, dtype=np.float32) if q.user and user is not None else None
            mean = np.mean(mixed, axis=0) if mixed else None
            ranking = _mix(base, mean, q.mix_weight)
            if ranking is None:
                continue
            quote = _mix(base, mean, q.quote_weight) if q.quote_weight is not None else ranking
            out[q.name] = (ranking, quote if quote is not None else ranking)
        return out

    # -- sessions ----------------------------------------------------------
    def _lock_for(self, session_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._session_locks.setdefault(session_id, threading.Lock())

    def start_session(
        self, card_id: str | None = None, language: str = "nl", reviews: Sequence[Review] = ()
    ) -> CoachTurn:
        """Create a session with an unguessable id and return the coach's greeting (turn 0).

        `reviews`: in a team round, the actions this partner chose last round; the coach
        asks about them first (`coach.rounds.service` hands them in).
        """
        card = self.card(card_id)
        if language not in ("nl", "en"):
            language = "nl"
        session_id = new_session_id()
        state, reply = machine.start(card, self.content, language=language, reviews=reviews)
        self.store.create(session_id, card.id, language, state.to_dict())
        turn = self._to_turn(session_id, 0, reply)
        self.store.record_turn(session_id, 0, None, turn.to_dict(), state.to_dict(), reply.language)
        return turn

    def greeting(self, card_id: str | None = None, language: str = "nl") -> CoachTurn:
        """The greeting `start_session` would store, storing nothing (session id "").

        The web app shows it on every page load and stores the session only once the user
        sends something, so a visit without a message leaves no session behind.
        """
        card = self.card(card_id)
        _, reply = machine.start(card, self.content, language=language)
        return self._to_turn("", 0, reply)

    def shown_text(self, text: str | None) -> str:
        """What is kept of a user's message: exactly what `reply` stores for it."""
        return clean_user_text(text, self.settings.max_message_chars)[0]

    def admit(self, session_id: str) -> None:
        """Refuse new answers in a session whose team round is closed (or not open yet)."""
        team_round = self._rounds.round_of_session(session_id)
        if team_round is None:
            return
        status = team_round.status(self.today())
        if status == "closed":
            when = (
                f"closed on {team_round.closes_on.isoformat()}"
                if team_round.closed_at is None
                else "has been closed by its facilitator"
            )
            raise RoundClosed(
                f"This team round {when}: new answers are no longer added. Your session "
                "stays yours to read, download or delete."
            )
        if status == "scheduled":
            raise RoundClosed(
                f"This team round opens on {team_round.opens_on.isoformat()}; "
                "come back then to reflect."
            )

    def reply(self, session_id: str, text: str | None) -> CoachTurn:
        """Run one user turn and store it; odd input never raises, only a missing session does
        (or a session whose team round is closed: `RoundClosed`)."""
        started = time.perf_counter()
        with self._lock_for(session_id):
            self.admit(session_id)
            state = DialogueState.from_dict(self.store.load_state(session_id))
            card = self.card(state.card_id)
            cleaned, original_length = clean_user_text(text, self.settings.max_message_chars)
            user_vector = self.embed(cleaned)
            understanding = self.reader.read(cleaned, user_vector, state.phase)
            queries = machine.queries_for(state, cleaned, card, self.content, understanding)
            vectors = self._query_vectors(queries, user_vector)
            retrieved: dict[str, list[Hit]] = {}
            for query in queries:
                vector, window_vector = vectors.get(query.name, (None, None))
                retrieved[query.name] = (
                    self.search(
                        query.text, vector=vector, windows=True, window_vector=window_vector
                    )
                    if query.text.strip()
                    else []
                )
            new_state, reply = machine.step(
                state, cleaned, retrieved, card, self.content, self._corpus_texts, understanding
            )
            if original_length > len(cleaned):
                reply.notice = self.content.render(
                    "notice_truncated", reply.language, limit=len(cleaned), length=original_length
                )
            self._enforce_grounding(reply, retrieved)
            number = self.store.next_turn(session_id)
            turn = self._to_turn(session_id, number, reply)
            turn.elapsed_ms = (time.perf_counter() - started) * 1000
            self.store.record_turn(
                session_id, number, cleaned, turn.to_dict(), new_state.to_dict(), reply.language
            )
            return turn

    def _enforce_grounding(self, reply: machine.Reply, retrieved: dict[str, list[Hit]]) -> None:
        """Last gate before a user sees anything: drop citations that are not grounded."""
        ids = {hit.passage.id for hits in retrieved.values() for hit in hits}
        reply.citations = check_citations(reply.citations, ids, self._corpus_texts)
        kept = []
        for action in reply.actions:
            valid = check_citations(list(action.citations), ids, self._corpus_texts)
            if valid:
                kept.append(type(action)(action.id, action.title, action.why, tuple(valid)))
        reply.actions = kept

    def _to_turn(self, session_id: str, number: int, reply: machine.Reply) -> CoachTurn:
        return CoachTurn(
            session=session_id,
            turn=number,
            phase=reply.phase,
            text=reply.text,
            language=reply.language,
            citations=list(reply.citations),
            followups=list(reply.followups),
            actions=list(reply.actions),
            suggestions=list(reply.suggestions),
            retrieved=list(reply.retrieved),
            progress=dict(reply.progress),
            notice=reply.notice,
            intent=reply.intent if number else None,
            signals=list(reply.signals),
        )

    def history(self, session_id: str) -> list[TurnRecord]:
        """Every stored turn of the session (user text and coach reply)."""
        return self.store.turns(session_id)

    def last_turn(self, session_id: str) -> CoachTurn:
        """The coach's most recent turn, rebuilt from storage (used when resuming)."""
        record = self.store.turns(session_id)[-1]
        return turn_from_dict(record.reply)

    def state(self, session_id: str) -> DialogueState:
        return DialogueState.from_dict(self.store.load_state(session_id))

    def summary_markdown(self, session_id: str) -> str:
        """The reflection summary as a Markdown document."""
        state = self.state(session_id)
        return summary_markdown(state, self.card(state.card_id), self.content)

    def export_markdown(self, session_id: str) -> str:
        """Summary plus the full transcript with citations and feedback, for download."""
        state = self.state(session_id)
        lang = state.language if state.language in ("nl", "en") else "nl"
        parts = [
            self.summary_markdown(session_id),
            "",
            f"## {self.content.render('export_transcript', lang)}",
            "",
        ]
        for record in self.history(session_id):
            if record.user_text:
                parts.append(f"**{self.content.render('export_you', lang)}:** {record.user_text}")
                parts.append("")
            phase = self._phase_name(record.phase, lang)
            parts.append(f"**Coach ({phase}):** {record.reply.get('text', '')}")
            for cite in record.reply.get("citations", []):
                parts.append(f"> {cite['quote']}  \n> — {cite['title']}, {cite['section']}")
            if record.feedback_liked is not None or record.feedback_comment:
                # Words, not 👍/👎: the file is read where no emoji font may be installed.
                said = [
                    self.content.render(key, lang)
                    for key, liked in (("export_liked", True), ("export_disliked", False))
                    if record.feedback_liked is liked
                ]
                said += [record.feedback_comment] if record.feedback_comment else []
                feedback = " — ".join(said)
                parts.append(f"*{self.content.render('export_feedback', lang)}: {feedback}*")
            parts.append("")
        return "\n".join(parts).rstrip() + "\n"

    def _phase_name(self, phase: str, lang: str) -> str:
        """A phase as the export names it, in the session's language (its id if unknown)."""
        key = f"export_phase_{phase}"
        return self.content.render(key, lang) if key in self.content.messages else phase

    def list_sessions(self) -> list[SessionInfo]:
        return self.store.list()

    def delete_session(self, session_id: str) -> None:
        """Delete a session and all its turns and feedback."""
        with self._lock_for(session_id):
            self.store.delete(session_id)
        with self._locks_guard:
            self._session_locks.pop(session_id, None)

    def plan_action(self, session_id: str, action_id: str, who: str, when: str) -> DialogueState:
        """Fill in "wie / wanneer" for a chosen action; the summary shows them."""
        with self._lock_for(session_id):
            self.admit(session_id)
            state = self.state(session_id)
            if action_id not in state.chosen:
                raise InputError(
                    f"Action {action_id!r} was not chosen in this session; choose it first."
                )
            who = clean_user_text(who, MAX_OWNER_CHARS)[0]
            when = clean_user_text(when, MAX_OWNER_CHARS)[0]
            owners = tuple(o for o in state.owners if o[0] != action_id)
            state = replace(state, owners=(*owners, (action_id, who, when)))
            self.store.save_state(session_id, state.to_dict())
            return state

    def rate_turn(
        self, session_id: str, turn: int, liked: bool | None, comment: str | None = None
    ) -> None:
        """Store a like/dislike (and optional comment) with one coach turn."""
        cleaned = clean_user_text(comment, 2000)[0] if comment else None
        self.store.set_feedback(session_id, turn, liked, cleaned or None)


def turn_from_dict(data: dict[str, Any]) -> CoachTurn:
    """Rebuild a CoachTurn from its stored JSON form."""
    from coach.models import Action, Citation

    def cites(items: Sequence[dict[str, Any]]) -> list[Citation]:
        return [Citation(**c) for c in items]

    return CoachTurn(
        session=data["session"],
        turn=data["turn"],
        phase=data["phase"],
        text=data["text"],
        language=data.get("language", "nl"),
        citations=cites(data.get("citations", [])),
        followups=list(data.get("followups", [])),
        actions=[
            Action(a["id"], a["title"], a["why"], tuple(cites(a.get("citations", []))))
            for a in data.get("actions", [])
        ],
        suggestions=list(data.get("suggestions", [])),
        retrieved=list(data.get("retrieved", [])),
        progress=dict(data.get("progress", {})),
        notice=data.get("notice"),
        elapsed_ms=float(data.get("elapsed_ms", 0.0)),
        intent=data.get("intent"),
        signals=list(data.get("signals", [])),
    )


def build_coach(
    settings: Settings | None = None,
    *,
    embeddings: LoadedEmbeddings | Embeddings | None = None,
    ingest_if_missing: bool = False,
) -> Coach:
    """Build the coach from settings: the one place that picks concrete parts.

    The index is opened once; with `ingest_if_missing`, a missing (or format-1)
    index is built (or migrated) first.
    """
    from coach.errors import IndexMissing
    from coach.index import ingest, open_index
    from coach.retrieval import build_retriever

    settings = settings or load_settings()
    content = load_content(settings.prompts_dir)
    notice = None
    try:
        index = open_index(settings)
    except IndexMissing:
        if not ingest_if_missing:
            raise
        report = ingest(settings, embeddings)
        if report.problems:
            notice = "; ".join(str(p) for p in report.problems)
        index = open_index(settings)
    retriever = build_retriever(settings, embeddings=embeddings, index=index)
    notice = getattr(retriever, "notice", None) or notice
    store = SessionStore(settings.sessions_db)
    reader = build_reader(settings, content, retriever)
    return Coach(settings, retriever, store, content, notice=notice, reader=reader)


def build_reader(
    settings: Settings, content: DialogueContent, searcher: Searcher | None
) -> MessageReader:
    """The message reader over prompts/understanding*.yaml.

    Its model is trained from the training texts' vectors (the index's fixed-vector
    cache) and kept in the index folder, keyed by the embedding model and the files it
    was trained on, so a start only loads it. Without an embedding model it reads on
    cues alone.
    """
    bank = load_bank(settings.prompts_dir / "understanding.yaml")
    commands = content.commands

    def topic(text: str) -> bool:
        return on_topic(text, content.domain_stems)

    model_name = getattr(searcher, "model_name", "")
    if searcher is None or not model_name:
        return MessageReader(bank, commands, topic=topic)
    prompts = settings.prompts_dir
    files = [prompts / "understanding.yaml", prompts / UTTERANCES_FILE, prompts / "commands.yaml"]
    view_vectors = getattr(searcher, "view_vectors", None)
    loaded = load_view(settings.understanding_view, model_name) if view_vectors else None
    view_name, view = loaded if loaded is not None else ("", None)
    key = model_key(f"{model_name}+{view_name}" if view_name else model_name, files)
    path = settings.index_dir / "reader" / f"{key}.npz"
    model = load_model(path)
    if model is not None:
        return MessageReader(bank, commands, topic=topic, model=model, view=view)
    try:
        vectors = searcher.fixed_vectors(bank.texts)
    except ModelUnavailable:
        return MessageReader(bank, commands, topic=topic)
    second = None
    if view is not None and view_vectors is not None:
        second = view_vectors(view_name, view, bank.texts)
    reader = MessageReader(bank, commands, vectors, topic=topic, view=view, view_vectors=second)
    if reader.model is not None:
        with contextlib.suppress(OSError):
            save_model(path, reader.model)
            for old in path.parent.glob("*.npz"):  # models of earlier files or models
                if old != path:
                    old.unlink()
    return reader
