"""What a message's form says, beside what its embedding says: the features and nudges
the message reader adds to the query vector.

An embedding is good at topic ("money", "a new law") and weaker at speech act:
"Wat is schijnsamenwerking?" and "we zitten in een schijnsamenwerking" lie
close together. So the reader also looks at form: a question word at the start
of a clause, a correction opening ("nee, ik bedoelde"), an imperative aimed at
the coach ("stuur dit naar..."), a voiced feeling, words addressed to the bot,
a command the coach knows, the length, the phase. Pure functions of the text.
"""

from __future__ import annotations

import re

import numpy as np

from coach.dialogue.parsing import find_question, is_question, match_command, natural_command
from coach.dialogue.schema import CommandsFile
from coach.understanding.bank import ExampleBank
from coach.understanding.labels import INTENTS, SIGNALS

PHASES = ("intake", "question", "followup", "balance", "actions")
CORRECTION_WITHIN = 80  # a correction cue further into the message is not its opening

_CORRECTION_OPENING = re.compile(
    r"^\W*(nee+|no+|sorry|oeps|oops|wacht|hold on|wait|my bad|correctie|correction|"
    r"scratch that|ik bedoel|i mean|i meant|ik bedoelde)\b",
    re.IGNORECASE,
)
_IMPERATIVE = re.compile(
    r"^\W*(maak|schrijf|stuur|regel|boek|bel|mail|organiseer|reserveer|make|write|send|email|"
    r"e-mail|book|call|set up|draft|create|organi[sz]e|schedule)\b",
    re.IGNORECASE,
)
_CAN_YOU_DO = re.compile(
    r"\b(kun je|kan je|kunt u|could you|can you|would you|wil je)\b[^.?!]{0,40}\b(maken|"
    r"schrijven|sturen|versturen|regelen|bellen|mailen|opstellen|boeken|plannen|make|write|"
    r"send|book|call|draft|schedule|set up|email|arrange)\b",
    re.IGNORECASE,
)
_CAN_YOU = re.compile(
    r"\b(kun je|kan je|kunt u|could you|can you|would you|will you|wil je)\b", re.I
)
_FIRST_PERSON_FEELING = re.compile(
    r"\b(ik ben|ik voel|ik word|i'm|i am|i feel|feeling|ik zit)\b", re.I
)
_TO_THE_COACH = re.compile(
    r"\b(jij|je bent|u bent|you are|you're|coach|bot|chatbot|dit ding|this thing|this app|"
    r"deze app|computer)\b",
    re.IGNORECASE,
)
_LAUGHTER = re.compile(r"\b(haha+|hihi|lol|lmao|grapje|just kidding)\b|😂|🤣", re.IGNORECASE)
_SWEARING = re.compile(
    r"\b(godverdomme|verdomme|klote|kut|shit|fuck\w*|damn|bloody|tering|kanker)\b", re.IGNORECASE
)
_SCORE = re.compile(r"\b[0-5]\b")
_CHOICE_START = re.compile(
    r"^\W*(\d|een|één|twee|drie|vier|eerste|tweede|derde|first|second|third|all|alle|geen|none)\b",
    re.IGNORECASE,
)
_FIRST_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def form_features(
    text: str, phase: str, commands: CommandsFile, bank: ExampleBank, on_topic: bool
) -> np.ndarray:
    """Binary features of the message's form (the same order for training and reading)."""
    t = text.strip()
    count = len(t.split())
    first = _FIRST_SENTENCE.split(t, maxsplit=1)[0]
    feeling = bank.markers.get("feeling")
    values = [
        t.endswith("?"),
        find_question(t, commands)[0] is not None,
        _CORRECTION_OPENING.search(t) is not None,
        _IMPERATIVE.search(t) is not None,
        _CAN_YOU.search(t) is not None,
        _FIRST_PERSON_FEELING.search(first) is not None,
        feeling is not None and feeling.search(first) is not None,
        feeling is not None and feeling.search(t) is not None,
        _TO_THE_COACH.search(t) is not None,
        _LAUGHTER.search(t) is not None,
        _SWEARING.search(t) is not None,
        match_command(t, commands) is not None,
        natural_command(t, commands)[0] is not None,
        _SCORE.search(t) is not None,
        _CHOICE_START.search(t) is not None,
        on_topic,
        count <= 3,
        3 < count <= 8,
        8 < count <= 20,
        count > 20,
        "!" in t,
        *(phase == p for p in PHASES),
    ]
    return np.asarray(values, dtype=np.float32)


def signal_cues(text: str, bank: ExampleBank) -> np.ndarray:
    """One feature per signal: does a reliable cue for it occur?"""
    sample = text[:4000]
    return np.asarray(
        [bool(bank.signal_cues.get(s) and bank.signal_cues[s].search(sample)) for s in SIGNALS],
        dtype=np.float32,
    )


_ASKING = re.compile(
    r"\b(kun je|kan je|kunt u|kun jij|wil je|wilt u|zou je|zou jij|could you|can you|would you|"
    r"will you|please|graag|alsjeblieft|ik wil dat je|i want you to|for me|voor me|voor mij|"
    r"voor ons)\b",
    re.IGNORECASE,
)


def asks_the_coach(text: str, bank: ExampleBank) -> bool:
    """Is the message worded as a request to the coach (an imperative, "kun je ...",
    "please", or a request cue)? Someone describing their own plan ("we willen een proef
    met een belbus") is not asking the coach to do anything."""
    t = text.strip()
    cue = bank.intent_cues.get("request")
    return bool(
        _IMPERATIVE.search(t)
        or _CAN_YOU_DO.search(t)
        or _ASKING.search(t)
        or (cue is not None and cue.search(t))
    )


def intent_nudges(text: str, phase: str, commands: CommandsFile, bank: ExampleBank) -> np.ndarray:
    """Added to the intent scores: openings and formats that settle what a message does."""
    nudges = np.zeros(len(INTENTS), dtype=np.float32)
    t = text.strip()
    correction = bank.intent_cues.get("correction")
    match = correction.search(t) if correction else None
    if match is not None and match.start() < CORRECTION_WITHIN:
        nudges[INTENTS.index("correction")] += 1
    if phase in ("balance", "actions") and _CORRECTION_OPENING.search(t) and re.search(r"\d", t):
        nudges[INTENTS.index("correction")] += 1
    if is_question(t, True, commands):
        nudges[INTENTS.index("question")] += 1
    if match_command(t, commands) is not None:
        nudges[INTENTS.index("command")] += 2
    elif natural_command(t, commands)[0] is not None:
        nudges[INTENTS.index("command")] += 0.5
    if _IMPERATIVE.search(t) or _CAN_YOU_DO.search(t):
        nudges[INTENTS.index("request")] += 1
    return nudges
