"""The classifier's examples and cues, loaded from prompts/understanding.yaml.

The file holds, per intent and per signal, example messages in Dutch and
English and optional lexical cues, plus `neutral` answers that carry no
signal. Validated strictly (unknown keys, an unknown label or too few
examples are a ConfigError naming the file and line), like every file in
prompts/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.errors import ConfigError
from coach.understanding.labels import INTENTS, SIGNALS
from coach.yamlfile import line_of, parse_yaml, read_yaml

MIN_EXAMPLES = 15  # per label and language: the floor, checked at load
UTTERANCES_FILE = "understanding_utterances.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Phrases(_Strict):
    nl: tuple[str, ...] = ()
    en: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        return self.nl + self.en


class LabelData(_Strict):
    examples: Phrases
    cues: Phrases = Field(default_factory=Phrases)
    # Phrases that, said and not denied, settle a signal on their own (read clearly),
    # whatever the rest of the message: "ik overweeg ons terug te trekken" in a long
    # message about progress. Not a feature of the model, so they do not move it.
    decisive: Phrases = Field(default_factory=Phrases)


class Tuning(_Strict):
    """The classifier's few numbers, tuned on eval/understanding_dev.yaml and the blind sets
    A and B (eval/understanding_blind_*.yaml), never on the test set."""

    ridge: float = Field(default=1.0, gt=0)  # regularisation of the linear models
    class_power: float = Field(default=0.5, ge=0, le=1)  # 0: no class balancing, 1: full
    form_weight: float = 0.5  # scale of the form features beside the query vector
    cue_weight: float = 0.5  # scale of the signal-cue features
    view_weight: float = 0.3  # scale of the second view's vector (second_view.py) beside the first
    nudge_weight: float = 0.3  # weight of openings that settle the intent ("nee, ik bedoelde")
    answer_bias: float = 0.2  # an answer is the safe reading when intents are close
    signal_threshold: float = 0.25  # score (-1..1) from which a signal counts
    # A correction, question or feeling carries its situation in fewer words than an
    # answer, so its single strongest signal counts from this lower score.
    mixed_signal_threshold: float = 0.25
    reflect_threshold: float = 0.5  # score from which the coach says a signal back
    praise_threshold: float = 0.8  # "it goes well" is said back only when this clear
    max_signals: int = Field(default=2, ge=1)
    # Signals that a negation denies ("geen nieuwe partners"); for the others a negation
    # usually *is* the problem ("geen geld", "niemand doet iets").
    negatable: tuple[str, ...] = ("new_player", "exit_wish", "going_well")


class Utterance(_Strict):
    """A labelled training message (prompts/understanding_utterances.yaml)."""

    text: str = Field(min_length=1)
    lang: str = "nl"
    phase: str = "question"
    intent: str
    signals: tuple[str, ...] = ()


MARKERS = (
    "sarcasm",
    "contradiction",
    "feeling",
    "fatigue",
    "anger",
    "relief",
    "correction",
    "negation",
    "repeat",
    "self_correction",
)


class RetractionData(_Strict):
    """How a user takes back what the coach read (see `features.retracted_signals`)."""

    topics: dict[str, Phrases] = Field(default_factory=dict)  # per signal: what it is about
    fine: Phrases = Field(default_factory=Phrases)  # "prima", "not the problem"
    reject: Phrases = Field(default_factory=Phrases)  # "dat is het punt niet"
    denials: dict[str, Phrases] = Field(default_factory=dict)  # "we vergaderen juist weinig"


class UnderstandingFile(_Strict):
    tuning: Tuning = Field(default_factory=Tuning)
    intents: dict[str, LabelData]
    signals: dict[str, LabelData]
    neutral: Phrases
    markers: dict[str, Phrases] = Field(default_factory=dict)
    retraction: RetractionData = Field(default_factory=RetractionData)


def compile_cues(cues: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for a cue list: whole words or phrases; a trailing `*` is a prefix."""
    parts = []
    for cue in cues:
        text = " ".join(cue.lower().split())
        if not text:
            continue
        prefix = text.endswith("*")
        body = re.escape(text.rstrip("*")).replace(r"\ ", r"\s+")
        parts.append(body + (r"\w*" if prefix else "") + r"(?!\w)")
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")", re.IGNORECASE)


@dataclass(frozen=True)
class ExampleBank:
    """Examples per label (flattened, in file order), labelled utterances, and the cues."""

    tuning: Tuning
    intent_examples: dict[str, tuple[str, ...]]
    signal_examples: dict[str, tuple[str, ...]]
    neutral: tuple[str, ...]
    intent_cues: dict[str, re.Pattern[str]]
    signal_cues: dict[str, re.Pattern[str]]
    markers: dict[str, re.Pattern[str]]
    utterances: tuple[Utterance, ...] = ()
    # Retraction: per signal the words for what it is about; words that say it is fine;
    # words that reject the coach's last reading without naming it.
    retract_topics: dict[str, re.Pattern[str]] = field(default_factory=dict)
    retract_fine: re.Pattern[str] | None = None
    retract_reject: re.Pattern[str] | None = None
    retract_denials: dict[str, re.Pattern[str]] = field(default_factory=dict)
    signal_decisive: dict[str, re.Pattern[str]] = field(default_factory=dict)

    @cached_property
    def texts(self) -> tuple[str, ...]:
        """Every training text once, in a fixed order (the rows of the vector matrix)."""
        seen: dict[str, None] = {}
        for group in (*self.intent_examples.values(), *self.signal_examples.values()):
            seen.update(dict.fromkeys(group))
        seen.update(dict.fromkeys(self.neutral))
        seen.update(dict.fromkeys(u.text for u in self.utterances))
        return tuple(seen)


def load_utterances(path: Path) -> tuple[Utterance, ...]:
    """The labelled training messages; a missing file means none."""
    if not path.is_file():
        return ()
    data, node = read_yaml(path)
    if not isinstance(data, list):
        raise ConfigError(f"{path}:1: expected a list of labelled messages.")
    out = []
    for i, raw in enumerate(data):
        try:
            item = Utterance.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            raise ConfigError(
                f"{path}:{line_of(node, (i, *error['loc']))}: item {i + 1}: {error['msg']} "
                "(see eval/understanding_labels.md)."
            ) from None
        unknown = [s for s in item.signals if s not in SIGNALS]
        if item.intent not in INTENTS or unknown:
            what = (
                f"intent `{item.intent}`"
                if item.intent not in INTENTS
                else f"signal `{unknown[0]}`"
            )
            raise ConfigError(
                f"{path}:{line_of(node, (i,))}: item {i + 1}: unknown {what} "
                "(see eval/understanding_labels.md)."
            )
        out.append(item)
    return tuple(out)


def load_bank(path: Path) -> ExampleBank:
    """Load and check prompts/understanding.yaml and its labelled utterances beside it."""
    parsed, node = parse_yaml(UnderstandingFile, path)
    for kind, known, table in (
        ("intents", INTENTS, parsed.intents),
        ("signals", SIGNALS, parsed.signals),
    ):
        for label in table:
            if label not in known:
                raise ConfigError(
                    f"{path}:{line_of(node, (kind, label))}: unknown {kind[:-1]} `{label}`; "
                    f"known: {', '.join(known)} (see eval/understanding_labels.md)."
                )
        for label in known:
            data = table.get(label)
            if data is None:
                raise ConfigError(f"{path}: {kind[:-1]} `{label}` is missing; add its examples.")
            for lang in ("nl", "en"):
                count = len(getattr(data.examples, lang))
                if count < MIN_EXAMPLES:
                    raise ConfigError(
                        f"{path}:{line_of(node, (kind, label, 'examples', lang))}: "
                        f"{kind[:-1]} `{label}` has {count} {lang} examples; give at least "
                        f"{MIN_EXAMPLES}."
                    )
    for name in parsed.markers:
        if name not in MARKERS:
            raise ConfigError(
                f"{path}:{line_of(node, ('markers', name))}: unknown marker `{name}`; "
                f"known: {', '.join(MARKERS)}."
            )
    for signal in (*parsed.retraction.topics, *parsed.retraction.denials):
        if signal not in SIGNALS:
            raise ConfigError(
                f"{path}:{line_of(node, ('retraction', 'topics', signal))}: unknown signal "
                f"`{signal}`; known: {', '.join(SIGNALS)}."
            )
    topics = {k: compile_cues(v.all()) for k, v in parsed.retraction.topics.items()}
    denials = {k: compile_cues(v.all()) for k, v in parsed.retraction.denials.items()}
    markers = {k: compile_cues(v.all()) for k, v in parsed.markers.items()}
    intent_cues = {k: compile_cues(v.cues.all()) for k, v in parsed.intents.items()}
    signal_cues = {k: compile_cues(v.cues.all()) for k, v in parsed.signals.items()}
    decisive = {k: compile_cues(v.decisive.all()) for k, v in parsed.signals.items()}
    return ExampleBank(
        tuning=parsed.tuning,
        intent_examples={k: parsed.intents[k].examples.all() for k in INTENTS},
        signal_examples={k: parsed.signals[k].examples.all() for k in SIGNALS},
        neutral=parsed.neutral.all(),
        intent_cues={k: v for k, v in intent_cues.items() if v is not None},
        signal_cues={k: v for k, v in signal_cues.items() if v is not None},
        signal_decisive={k: v for k, v in decisive.items() if v is not None},
        markers={k: v for k, v in markers.items() if v is not None},
        utterances=load_utterances(path.with_name(UTTERANCES_FILE)),
        retract_topics={k: v for k, v in topics.items() if v is not None},
        retract_fine=compile_cues(parsed.retraction.fine.all()),
        retract_reject=compile_cues(parsed.retraction.reject.all()),
        retract_denials={k: v for k, v in denials.items() if v is not None},
    )
