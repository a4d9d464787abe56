"""Reading one message: its intent and situation signals, from the vector retrieval uses.

The message's own vector is the query vector the service computes for
retrieval anyway, so reading a message costs no extra embedding. A linear
classifier (`coach.understanding.model`: ridge in closed form, trained at
start from prompts/understanding*.yaml in milliseconds) scores the intents
from that vector plus the message's form, and the signals from the vector
plus reliable cues. The training texts' vectors come from the index's
fixed-vector cache (embedded once per model, at ingest).

Pure text rules then fill in what a classifier cannot see: where a question
sits inside a longer message, what a correction replaces, irony, and which
feeling is voiced. Without vectors (an index without a usable model, fast
unit tests) the reader works on cues alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from coach.dialogue.parsing import find_question, is_question, natural_command, starts_with_phrase
from coach.dialogue.schema import CommandsFile
from coach.models import Understanding
from coach.understanding.bank import ExampleBank
from coach.understanding.features import (
    asks_the_coach,
    asks_to_do,
    decided_signals,
    denied_signals,
    form_features,
    intent_nudges,
    retraction,
    signal_cues,
)
from coach.understanding.labels import INTENTS, SIGNALS
from coach.understanding.model import LinearModel, Sample, train

Topic = Callable[[str], bool]
MIN_CORRECTION_WORDS = 3
CORRECTION_WITHIN_CHARS = 120  # the words that take something back come early
CORRECTION_LEAD_CHARS = 60  # a correction cue further into the message is not a correction
ANSWER_FIRST_WORDS = 6  # words before a mid-message correction that answer the question now
NO_SIGNALS = ("offtopic", "hostile")  # these say nothing about the collaboration
MIXED = ("correction", "question", "emotion", "request")  # the situation is not all they say
_LEAD_FILLER = re.compile(
    r"^[\s,:;.!\-–]*(?:(?:dat|that|is|was|eigenlijk|actually|helemaal|quite|entirely)\b[\s,:;.!\-–]*)*",
    re.IGNORECASE,
)


_WHICH_QUESTION = re.compile(
    r"^(?:bij|at|on|for|about)\s+(?:de\s+|the\s+)?"
    r"(?:(?:eerste|tweede|derde|first|second|third)\s+(?:vraag|question)|(?:vraag|question)\s*\d)"
    r"[\s,:]*",
    re.IGNORECASE,
)
# "[ik zei net dat] iedereen het eens is, maar dat klopt niet helemaal. Eén bestuur ...":
# a first sentence that only says the earlier words were wrong; the new words follow it.
_WAS_WRONG = re.compile(
    r"^[^.!?;:]{0,240}?\b(?:"
    r"klopte?\s+(?:eigenlijk\s+|toch\s+|dus\s+|ook\s+)?niet"
    r"|(?:is|was)\s+(?:eigenlijk\s+|toch\s+)?niet\s+(?:helemaal\s+|echt\s+|zo\s+)?"
    r"(?:waar|juist|correct|goed|terecht)"
    r"|(?:isn't|wasn't|is\s+not|was\s+not|not)\s+(?:quite\s+|entirely\s+|really\s+|exactly\s+)?"
    r"(?:right|true|correct|accurate|fair|the\s+case)"
    r")\b[^.!?;:]{0,60}[.!?;:]\s+(?=\S)",
    re.IGNORECASE,
)
_NOT_THAT = re.compile(r"^(?:niet|not)\b.*?(?::|\bmaar\b|\bbut\b)\s*(.+)$", re.I | re.S)


def _past_what_was_wrong(rest: str) -> str:
    """The words after a first sentence that only says the earlier words were wrong
    ("iedereen het eens is, maar dat klopt niet helemaal. Eén bestuur ..." → "Eén bestuur
    ..."); `rest` itself when there is no such sentence or too little after it."""
    match = _WAS_WRONG.match(rest)
    after = rest[match.end() :].strip() if match else ""
    return after if len(after.split()) >= MIN_CORRECTION_WORDS else rest


def _instead(rest: str) -> str:
    """The new words after "ik bedoelde niet dat X: Y" (Y); "" when what is left only
    says what was not meant, so the user's whole message is kept instead."""
    rest = _past_what_was_wrong(rest)
    if re.match(r"(?:niet|not)\b", rest, re.IGNORECASE):
        match = _NOT_THAT.match(rest)
        return match.group(1).strip() if match else ""
    about = re.match(r"(?:met|with|by)\b[^:]{0,80}:\s*(.+)$", rest, re.IGNORECASE | re.DOTALL)
    return about.group(1).strip() if about else rest  # "ik bedoelde met X: Y" → Y


class MessageReader:
    """Reads messages; built once per coach from the example bank and its vectors."""

    def __init__(
        self,
        bank: ExampleBank,
        commands: CommandsFile,
        vectors: np.ndarray | None = None,
        topic: Topic | None = None,
        model: LinearModel | None = None,
        view: Embeddings | None = None,
        view_vectors: np.ndarray | None = None,
    ) -> None:
        """`vectors` are the training texts' query vectors (rows in `bank.texts` order);
        `view` is the optional second encoder (`second_view`) and `view_vectors` its
        vectors of the same texts. A `model` trained earlier with the same view is used
        as it is."""
        self.bank = bank
        self.commands = commands
        self.topic: Topic = topic or (lambda text: True)
        self.model = model
        self.view = view
        if model is None and vectors is not None and len(vectors) == len(bank.texts):
            if view is not None and (view_vectors is None or len(view_vectors) != len(vectors)):
                self.view = None  # no vectors of the training texts: train on the first view
            self.model = train(
                self._samples(
                    np.asarray(vectors, dtype=np.float32),
                    None if self.view is None else np.asarray(view_vectors, dtype=np.float32),
                ),
                bank.tuning.ridge,
                bank.tuning.class_power,
            )

    @property
    def uses_vectors(self) -> bool:
        return self.model is not None

    # -- features ---------------------------------------------------------------------
    def _unit(self, vector: np.ndarray | Sequence[float]) -> np.ndarray:
        v = np.asarray(vector, dtype=np.float32)
        return v / max(float(np.linalg.norm(v)), 1e-9)

    def _views(self, vector: np.ndarray, second: np.ndarray | None) -> list[np.ndarray]:
        if second is None:
            return [self._unit(vector)]
        return [self._unit(vector), self.bank.tuning.view_weight * self._unit(second)]

    def intent_features(
        self, text: str, vector: np.ndarray, phase: str, second: np.ndarray | None = None
    ) -> np.ndarray:
        form = form_features(text, phase, self.commands, self.bank, self.topic(text))
        return np.concatenate([*self._views(vector, second), self.bank.tuning.form_weight * form])

    def signal_features(
        self, text: str, vector: np.ndarray, second: np.ndarray | None = None
    ) -> np.ndarray:
        cues = signal_cues(text, self.bank)
        return np.concatenate([*self._views(vector, second), self.bank.tuning.cue_weight * cues])

    def second_vector(self, text: str) -> np.ndarray | None:
        """The second view's vector of a message (the one extra embedding of a turn)."""
        if self.view is None:
            return None
        return np.asarray(self.view.embed_query(text), dtype=np.float32)

    def _samples(self, vectors: np.ndarray, second: np.ndarray | None = None) -> list[Sample]:
        """Every training text with its labels; a per-label example's other signals are
        unknown unless its intent says nothing about the situation."""
        row = {text: i for i, text in enumerate(self.bank.texts)}
        labelled: list[tuple[str, str, str, tuple[str, ...] | None]] = []
        for intent, texts in self.bank.intent_examples.items():
            unknown = None if intent not in NO_SIGNALS else ()
            labelled += [(t, "question", intent, unknown) for t in texts]
        for signal, texts in self.bank.signal_examples.items():
            labelled += [(t, "question", "answer", (signal,)) for t in texts]
        labelled += [(t, "question", "answer", ()) for t in self.bank.neutral]
        labelled += [(u.text, u.phase, u.intent, u.signals) for u in self.bank.utterances]
        samples = []
        for text, phase, intent, signals in labelled:
            i = row[text]
            other = None if second is None else second[i]
            samples.append(
                Sample(
                    self.intent_features(text, vectors[i], phase, other),
                    self.signal_features(text, vectors[i], other),
                    intent,
                    signals,
                )
            )
        return samples

    # -- reading ----------------------------------------------------------------------
    def read(
        self, text: str, vector: np.ndarray | Sequence[float] | None, phase: str = "question"
    ) -> Understanding:
        """The Understanding of one message in the given phase."""
        if not text.strip():
            return Understanding()
        confident: tuple[str, ...] | None = None
        if self.model is not None and vector is not None:
            intent, scores, signals = self._classify(text, np.asarray(vector), phase)
            tuning = self.bank.tuning
            confident = tuple(
                s
                for s, v in signals
                if v >= (tuning.praise_threshold if s == "going_well" else tuning.reflect_threshold)
            )
        else:
            intent, scores, signals = self._by_cues(text)
        question, rest = (None, "")
        answer_first = ""
        taken_back = self.bank.markers.get("self_correction")
        found = taken_back.search(text[:4000]) if taken_back else None
        own_words = found is not None and intent in ("answer", "emotion", "correction")
        if found is not None and own_words:
            intent = "correction"  # "nee wacht, wat ik bij de eerste vraag zei klopt niet"
            before = text[: found.start()].strip()
            if len(before.split()) >= ANSWER_FIRST_WORDS:
                answer_first = before
                rest = self._taken_back_part(text[found.start() :])
        if intent == "question":
            question, rest = find_question(text, self.commands)
            question = question or text.strip()
        elif intent == "correction" and not answer_first:
            rest = self._corrected_part(text)
        retracted, rejects, unretracted = retraction(text, self.bank)
        if retracted:  # "Vertrouwen is bij ons prima" is no reading of broken trust
            signals = tuple((s, v) for s, v in signals if s not in retracted)
            if confident is not None:
                confident = tuple(s for s in confident if s not in retracted)
        sarcasm = self._marker("sarcasm", text) and intent in ("answer", "emotion")
        if sarcasm:
            signals = tuple((sig, v) for sig, v in signals if sig != "going_well")
        emotion = self._emotion(text, intent, signals)
        if emotion == "relief" and not self._tired(text):
            # "ik ben vooral opgelucht; vorig jaar stond alles op springen": relief in the
            # user's own words, and no word of tiredness, is no reading of fatigue
            signals = tuple((s, v) for s, v in signals if s != "fatigue")
            if confident is not None:
                confident = tuple(s for s in confident if s != "fatigue")
        return Understanding(
            intent=intent,
            signals=signals,
            question=question,
            answer_part=rest,
            emotion=emotion,
            sarcasm=sarcasm,
            contradiction=self._marker("contradiction", text) and not sarcasm,
            intent_scores=scores,
            confident=confident,
            answer_first=answer_first,
            own_words=own_words,
            retracted=retracted,
            rejects_reading=rejects,
            unretracted=unretracted if retracted or rejects else "",
        )

    def _classify(
        self, text: str, vector: np.ndarray, phase: str
    ) -> tuple[str, tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]]:
        assert self.model is not None
        tuning = self.bank.tuning
        second = self.second_vector(text)
        raw = self.model.intent_scores(self.intent_features(text, vector, phase, second))
        raw = raw + tuning.nudge_weight * intent_nudges(text, phase, self.commands, self.bank)
        raw[INTENTS.index("answer")] += tuning.answer_bias
        if len(text.split()) < MIN_CORRECTION_WORDS or not self._takes_back(text, phase):
            raw[
                INTENTS.index("correction")
            ] = -np.inf  # "Nee. Niemand ..." answers, it corrects nothing
        if not asks_the_coach(text, self.bank):
            raw[INTENTS.index("request")] = -np.inf  # describing one's own plan is an answer
        elif asks_to_do(text):
            raw[INTENTS.index("question")] = -np.inf  # "kun jij een brief schrijven?" asks a deed
        intent = INTENTS[int(np.argmax(raw))]
        if intent == "question" and self._command_as_question(text):
            intent = "command"  # "mag ik een samenvatting?" asks the coach to steer
        scores = tuple(sorted(zip(INTENTS, map(float, raw), strict=True), key=lambda kv: -kv[1]))
        if intent in NO_SIGNALS:
            return intent, scores, ()
        sig = self.model.signal_scores(self.signal_features(text, vector, second))
        for signal in decided_signals(text, self.bank):
            j = SIGNALS.index(signal)
            sig[j] = max(float(sig[j]), tuning.reflect_threshold)
        denied = denied_signals(text, self.bank)
        ranked = sorted(
            ((s, round(float(v), 4)) for s, v in zip(SIGNALS, sig, strict=True) if s not in denied),
            key=lambda kv: -kv[1],
        )
        found = tuple((s, v) for s, v in ranked if v >= tuning.signal_threshold)
        if found and found[0][0] != "going_well":
            # below a problem it outranks, a faint "it goes well" is mostly the words of a
            # complaint ("het commitment daalt"); praising that hurts more than missing it
            found = tuple(
                (s, v) for s, v in found if s != "going_well" or v >= tuning.praise_threshold
            )
        mixed = intent in MIXED and bool(ranked)
        if not found and mixed and ranked[0][1] >= tuning.mixed_signal_threshold:
            found = (ranked[0],)  # "Nee, ik bedoelde niet X maar Y: ..." says less of the situation
        return intent, scores, found[: tuning.max_signals]

    def _by_cues(
        self, text: str
    ) -> tuple[str, tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]]:
        """Keyword-only reading: a cue decides the intent; answers keep their cued signals."""
        sample = text[:4000]
        cued = [k for k, p in self.bank.intent_cues.items() if p.search(sample)]
        if is_question(text, True, self.commands):
            cued.append("question")
        intent = next((k for k in INTENTS if k in cued and k != "answer"), "answer")
        if intent in NO_SIGNALS:
            return intent, (), ()
        cues = signal_cues(text, self.bank)
        decided = set(decided_signals(text, self.bank))
        found = tuple((s, 1.0) for s in SIGNALS if cues[SIGNALS.index(s)] or s in decided)
        return intent, (), found[: self.bank.tuning.max_signals]

    def _command_as_question(self, text: str) -> bool:
        """A question that asks the coach to steer the conversation ("kunnen we terug naar
        vraag 2?"), not what something means."""
        command, _ = natural_command(text, self.commands)
        definition = starts_with_phrase(text, self.commands.definition_starts, max_words=60)
        return command not in (None, "help") and not definition

    def _takes_back(self, text: str, phase: str) -> bool:
        """Does the message take something back ("ik bedoelde", "sorry, voortgang is een 2")?"""
        pattern = self.bank.markers.get("correction")
        if pattern is None:
            return True
        if (
            phase in ("balance", "actions")
            and re.search(r"\d", text)
            and re.match(r"\W*(nee|no)\b", text, re.I)
        ):
            return True  # "no, commitment is 1"
        return pattern.search(text[:CORRECTION_WITHIN_CHARS]) is not None

    def _marker(self, name: str, text: str) -> bool:
        pattern = self.bank.markers.get(name)
        return bool(pattern and pattern.search(text[:4000]))

    def _tired(self, text: str) -> bool:
        """Whether the message itself says tiredness or a heavy load (a fatigue cue)."""
        return self._marker("fatigue", text) or bool(
            signal_cues(text, self.bank)[SIGNALS.index("fatigue")] > 0
        )

    def _emotion(
        self, text: str, intent: str, signals: tuple[tuple[str, float], ...]
    ) -> str | None:
        for kind in ("relief", "fatigue", "anger"):  # named by the user's own words only
            if self._marker(kind, text):
                return kind
        if self._marker("feeling", text):
            return "general"
        return "general" if intent == "emotion" and not signals else None

    def _taken_back_part(self, text: str) -> str:
        """What a mid-message correction says instead ("nee wacht, wat ik bij de eerste
        vraag zei klopt niet helemaal: de politie ..." → "de politie ...")."""
        cue = self.bank.markers.get("correction")
        match = cue.search(text[:CORRECTION_WITHIN_CHARS]) if cue else None
        if match is None:
            colon = text.find(":", 0, CORRECTION_WITHIN_CHARS)  # "... zei klopt niet: ..."
            return text[colon + 1 :].strip() if colon > 0 else self._corrected_part(text)
        rest = _LEAD_FILLER.sub("", text[match.end() :]).strip(" :,;-–")
        rest = _WHICH_QUESTION.sub("", rest)  # "ik bedoelde [bij de eerste vraag] niet dat ..."
        return _instead(rest) or text.strip()

    def _corrected_part(self, text: str) -> str:
        """The new words of a correction, without its opening ("nee, ik bedoelde ...")."""
        pattern = self.bank.intent_cues.get("correction")
        match = pattern.search(text) if pattern else None
        if match is None or match.start() > CORRECTION_LEAD_CHARS:
            return text.strip()
        rest = _LEAD_FILLER.sub("", text[match.end() :]).strip()
        return _instead(rest) or text.strip()
