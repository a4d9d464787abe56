"""Reading one message: its intent and situation signals, from the vector retrieval uses.

A small nearest-examples classifier over the embedding model already loaded,
plus lexical cues. No library here: the kNN-style scoring is a few lines of
numpy over the example vectors, which the service takes from the index's
fixed-vector cache (embedded once per model, never per turn). The message's
own vector is the query vector retrieval computes anyway, so reading a
message costs no extra embedding.

Scores are the mean cosine similarity of the k nearest examples of a label.
An intent wins by the highest score (cues add a bonus). A signal counts when
its score beats the `neutral` answers' score by the tuned margin, or when a
reliable cue names it. Pure text rules then fill in what embeddings cannot
see: where a question sits inside a longer message, what a correction
replaces, irony, and which feeling is voiced.

Without vectors (an index without a usable model, fast unit tests) the reader
works on cues alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from coach.dialogue.parsing import find_question, is_question
from coach.dialogue.schema import CommandsFile
from coach.models import Understanding
from coach.understanding.bank import ExampleBank
from coach.understanding.labels import INTENTS, PROBLEM_SIGNALS, SIGNALS

FixedVectors = Callable[[Sequence[str]], np.ndarray]
CORRECTION_LEAD_CHARS = 60  # a correction cue further into the message is not a correction
_LEAD_FILLER = re.compile(
    r"^[\s,:;.!-–]*(?:(?:dat|that|is|was|eigenlijk|actually)\b[\s,:]*)*", re.I
)


@dataclass(frozen=True)
class Scores:
    """Raw scores of one message (for evaluation and tuning)."""

    intents: dict[str, float]
    signals: dict[str, float]
    neutral: float


class MessageReader:
    """Reads messages; built once per coach from the example bank and its vectors."""

    def __init__(
        self, bank: ExampleBank, commands: CommandsFile, vectors: np.ndarray | None = None
    ) -> None:
        self.bank = bank
        self.commands = commands
        self._matrix: np.ndarray | None = None
        self._rows: dict[str, np.ndarray] = {}
        if vectors is not None and len(vectors) == len(bank.texts):
            matrix = np.asarray(vectors, dtype=np.float32)
            norms = np.linalg.norm(matrix, axis=1, keepdims=True)
            self._matrix = matrix / np.maximum(norms, 1e-9)
            index = {text: i for i, text in enumerate(bank.texts)}
            groups = {f"i:{k}": v for k, v in bank.intent_examples.items()}
            groups |= {f"s:{k}": v for k, v in bank.signal_examples.items()}
            groups["neutral"] = bank.neutral
            self._rows = {k: np.array([index[t] for t in v]) for k, v in groups.items()}

    @classmethod
    def build(
        cls, bank: ExampleBank, commands: CommandsFile, fixed_vectors: FixedVectors | None
    ) -> MessageReader:
        """A reader whose example vectors come from `fixed_vectors` (cached per model)."""
        vectors = fixed_vectors(bank.texts) if fixed_vectors is not None else None
        return cls(bank, commands, vectors)

    @property
    def uses_vectors(self) -> bool:
        return self._matrix is not None

    # -- scores -----------------------------------------------------------------------
    def _top_mean(self, sims: np.ndarray, key: str) -> float:
        rows = self._rows[key]
        k = min(self.bank.tuning.neighbours, len(rows))
        part = np.partition(sims[rows], len(rows) - k)[len(rows) - k :]
        return float(part.mean())

    def scores(self, text: str, vector: np.ndarray | Sequence[float] | None) -> Scores:
        """Label scores of a message: embedding similarity plus cue bonuses."""
        low = text[:4000]
        bonus = self.bank.tuning.cue_bonus
        intents = {k: 0.0 for k in INTENTS}
        signals = {k: 0.0 for k in SIGNALS}
        neutral = 0.0
        if self._matrix is not None and vector is not None:
            query = np.asarray(vector, dtype=np.float32)
            query = query / max(float(np.linalg.norm(query)), 1e-9)
            sims = self._matrix @ query
            intents = {k: self._top_mean(sims, f"i:{k}") for k in INTENTS}
            signals = {k: self._top_mean(sims, f"s:{k}") for k in SIGNALS}
            neutral = self._top_mean(sims, "neutral")
        for label, pattern in self.bank.intent_cues.items():
            if pattern.search(low):
                intents[label] += bonus
        for label, pattern in self.bank.signal_cues.items():
            if pattern.search(low):
                signals[label] += bonus
        return Scores(intents, signals, neutral)

    # -- reading ----------------------------------------------------------------------
    def read(
        self, text: str, vector: np.ndarray | Sequence[float] | None, phase: str = "question"
    ) -> Understanding:
        """The Understanding of one message in the given phase."""
        if not text.strip():
            return Understanding()
        s = self.scores(text, vector)
        intent = self._intent(text, s)
        signals = self._signals(text, s)
        question, rest = (None, "")
        if intent == "question":
            question, rest = find_question(text, self.commands)
        elif intent == "correction":
            rest = self._corrected_part(text)
        sarcasm = self._marker("sarcasm", text) and any(
            sig in PROBLEM_SIGNALS for sig, _ in signals
        )
        if sarcasm:
            signals = tuple((sig, v) for sig, v in signals if sig != "going_well")
        contradiction = self._marker("contradiction", text)
        return Understanding(
            intent=intent,
            signals=signals,
            question=question,
            answer_part=rest,
            emotion=self._emotion(text, intent, signals),
            sarcasm=sarcasm,
            contradiction=contradiction and not sarcasm,
            intent_scores=tuple(sorted(s.intents.items(), key=lambda kv: -kv[1])),
        )

    def _intent(self, text: str, s: Scores) -> str:
        scores = dict(s.intents)
        if not self.uses_vectors:
            if is_question(text, True, self.commands):
                scores["question"] += self.bank.tuning.cue_bonus
            cued = [k for k in INTENTS if k != "answer" and scores[k] > 0]
            return max(cued, key=lambda k: scores[k]) if cued else "answer"
        if find_question(text, self.commands)[0] is not None:
            scores["question"] += self.bank.tuning.cue_bonus
        best = max(INTENTS, key=lambda k: (scores[k], -INTENTS.index(k)))
        if best != "answer" and scores[best] - scores["answer"] < self.bank.tuning.intent_margin:
            return "answer"
        return best

    def _signals(self, text: str, s: Scores) -> tuple[tuple[str, float], ...]:
        tuning = self.bank.tuning
        low = text[:4000]
        found = []
        for sig in SIGNALS:
            cued = sig in self.bank.signal_cues and self.bank.signal_cues[sig].search(low)
            margin = s.signals[sig] - s.neutral
            if not self.uses_vectors:
                if cued:
                    found.append((sig, 1.0))
                continue
            if margin >= tuning.signal_margin or (cued and margin >= tuning.signal_cue_margin):
                found.append((sig, round(margin, 4)))
        found.sort(key=lambda kv: -kv[1])
        return tuple(found[: tuning.max_signals])

    def _marker(self, name: str, text: str) -> bool:
        pattern = self.bank.markers.get(name)
        return bool(pattern and pattern.search(text[:4000]))

    def _emotion(
        self, text: str, intent: str, signals: tuple[tuple[str, float], ...]
    ) -> str | None:
        feeling = intent == "emotion" or self._marker("feeling", text)
        if not feeling:
            return None
        if self._marker("fatigue", text) or any(sig == "fatigue" for sig, _ in signals):
            return "fatigue"
        if self._marker("anger", text):
            return "anger"
        return "general"

    def _corrected_part(self, text: str) -> str:
        """The new words of a correction, without its opening ("nee, ik bedoelde ...")."""
        pattern = self.bank.intent_cues.get("correction")
        match = pattern.search(text) if pattern else None
        if match is None or match.start() > CORRECTION_LEAD_CHARS:
            return text.strip()
        rest = _LEAD_FILLER.sub("", text[match.end() :]).strip()
        return rest or text.strip()
