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

from coach.dialogue.parsing import (
    find_question,
    is_question,
    match_command,
    natural_command,
    normalize,
)
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
    r"\b(kun je|kan je|kunt u|kun jij|kan jij|wil jij|wilt u|could you|can you|would you|"
    r"wil je)\b[^.?!]{0,60}\b(maken|"
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


_CLAUSE_BREAK = re.compile(
    r"[.,;:!?\n]|\s(?:maar|but|terwijl|while|whereas|en|and)\s", re.IGNORECASE
)


def cue_state(text: str, pattern: re.Pattern[str] | None, negation: re.Pattern[str] | None) -> str:
    """ "affirmed" when a cue occurs as said, "denied" when every occurrence sits in a clause
    that negates it ("nieuwe spelers zien we niet"), "none" when it does not occur.

    Negation words inside the cue itself ("geen mandaat") are part of what it names."""
    if pattern is None:
        return "none"
    sample = text[:4000]
    found = "none"
    for match in pattern.finditer(sample):
        starts = [m.end() for m in _CLAUSE_BREAK.finditer(sample, 0, match.start())]
        start = starts[-1] if starts else 0
        after = _CLAUSE_BREAK.search(sample, match.end())
        end = after.start() if after else len(sample)
        around = sample[start : match.start()] + " " + sample[match.end() : end]
        if negation is not None and negation.search(around):
            found = "denied"
        else:
            return "affirmed"
    return found


def signal_cues(text: str, bank: ExampleBank) -> np.ndarray:
    """One feature per signal: does a reliable cue for it occur, not denied?"""
    negation = bank.markers.get("negation")
    negatable = set(bank.tuning.negatable)
    return np.asarray(
        [
            cue_state(text, bank.signal_cues.get(s), negation if s in negatable else None)
            == "affirmed"
            for s in SIGNALS
        ],
        dtype=np.float32,
    )


def decided_signals(text: str, bank: ExampleBank) -> list[str]:
    """Signals one of whose decisive phrases is said and not denied ("we trekken ons terug")."""
    negation = bank.markers.get("negation")
    negatable = set(bank.tuning.negatable)
    return [
        s
        for s, pattern in bank.signal_decisive.items()
        if cue_state(text, pattern, negation if s in negatable else None) == "affirmed"
    ]


def denied_signals(text: str, bank: ExampleBank) -> set[str]:
    """Signals whose cues occur only in negated clauses: the user says it is not so."""
    negation = bank.markers.get("negation")
    return {
        s
        for s in bank.tuning.negatable
        if cue_state(text, bank.signal_cues.get(s), negation) == "denied"
    }


_ASKING = re.compile(
    r"\b(kun je|kan je|kunt u|kun jij|wil je|wilt u|zou je|zou jij|could you|can you|would you|"
    r"will you|please|graag|alsjeblieft|ik wil dat je|i want you to|for me|voor me|voor mij|"
    r"voor ons)\b",
    re.IGNORECASE,
)


def asks_to_do(text: str) -> bool:
    """Does the message ask the coach to do something ("kun jij een brief schrijven?")?"""
    t = text.strip()
    return bool(_IMPERATIVE.search(t) or _CAN_YOU_DO.search(t))


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
        nudges[INTENTS.index("correction")] += 2  # an opening that takes back is seldom else
    if phase in ("balance", "actions") and _CORRECTION_OPENING.search(t) and re.search(r"\d", t):
        nudges[INTENTS.index("correction")] += 1
    if is_question(t, True, commands):
        nudges[INTENTS.index("question")] += 1
    elif asks_a_definition_inside(t, commands):
        nudges[INTENTS.index("question")] += 2  # "..., mijn collega vraagt: wat is X? ..."
    if match_command(t, commands) is not None:
        nudges[INTENTS.index("command")] += 2
    elif natural_command(t, commands)[0] is not None:
        nudges[INTENTS.index("command")] += 0.5
    if _IMPERATIVE.search(t) or _CAN_YOU_DO.search(t):
        nudges[INTENTS.index("request")] += 1
    if _SHORT_REPLY.match(t):
        nudges[INTENTS.index("answer")] += 1  # "nee hoor", "klopt", "not really"
    if phase == "actions" and _CHOICE.search(t) and match is None:
        nudges[INTENTS.index("answer")] += 1  # "doe maar de tweede" chooses, it does not steer
    repeat = bank.markers.get("repeat")
    if repeat is not None and repeat.search(t[:200]) and len(t.split()) >= REPEAT_ANSWER_WORDS:
        nudges[INTENTS.index("answer")] += 1  # "I just told you: <the answer>" answers again
        nudges[INTENTS.index("hostile")] -= 1
    return nudges


REPEAT_ANSWER_WORDS = 7


def asks_a_definition_inside(text: str, commands: CommandsFile) -> bool:
    """Does a longer message ask what something means ("... mijn collega vraagt: wat is
    samenwerkingstraagheid precies? ...")? Other questions inside an answer are often
    rhetorical ("wie doet er nou wat?"), a definition request is not."""
    question, _ = find_question(text, commands)
    if question is None:
        return False
    asked = normalize(question)
    starts = {normalize(p) for p in commands.definition_starts.all()}
    return any(asked == p or asked.startswith(p + " ") for p in starts if p)


_SHORT_REPLY = re.compile(
    r"^\W*(?:ja|nee|jawel|zeker|klopt|precies|inderdaad|absoluut|yes|no|nope|yep|yeah|yup|indeed|"
    r"exactly|sure|correct|not really|niet echt|niet really|klopt wel|klopt niet)"
    r"(?:\W+(?:hoor|wel|niet|echt|zeker|really|not|at all|helemaal)){0,2}\W*$",
    re.IGNORECASE,
)
_CHOICE = re.compile(
    r"\b(?:\d|eerste|tweede|derde|vierde|laatste|beide|allebei|alle|allemaal|geen|nummer|optie|"
    r"first|second|third|fourth|last|both|all|none|number|option)\b",
    re.IGNORECASE,
)


_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
_CLAUSES = re.compile(r"[,:;–]+\s*|\s+(?=(?:maar|echter|but|however|though|although)\b)", re.I)
_POINTS_BACK = re.compile(r"^\W*(?:en\s+|and\s+)?(?:dat|dit|that|this|which|wat)\b", re.I)
_NEGATED_BEFORE = re.compile(
    r"\b(niet|geen|nooit|not|no|never|isn't|aren't|wasn't|n't)\W+(?:\w+\W+)?$", re.IGNORECASE
)


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCES.split(text[:4000]) if s.strip()]


def _clauses(sentence: str) -> list[str]:
    return [c for c in _CLAUSES.split(sentence) if c.strip()]


# "zit bij ons eigenlijk wel goed", "is really fine": a state verb, a few words, a fine word.
_FINE_STATE = re.compile(
    r"\b(?:zit|zitten|is|zijn|gaat|gaan|loopt|lopen|are|'s|feels?)\b((?:\s+[\w']+){0,4}?)\s+"
    r"(?:goed|prima|in orde|oké|ok|okay|fine|good|solid|great)\b",
    re.IGNORECASE,
)
_NEGATION_WORD = re.compile(r"\b(niet|geen|nooit|not|no|never|n't)\b|n't\b", re.IGNORECASE)


# "geen vertrouwensprobleem", "there's no trust problem", "money was never the issue"
_NOT_A_PROBLEM = re.compile(
    r"\b(?:geen|niet|nooit|not|no|never|isn't|wasn't|aren't)\b(?:\W+[\w']+){0,3}?\W+"
    r"\w*(?:probleem|problemen|problem|problems|issue|issues|kwestie|zorg)\b",
    re.IGNORECASE,
)
# "het gaat (mij) niet om het geld", "it's not about the money"
_NOT_ABOUT = re.compile(
    r"\bgaat\b(?:\s+\w+){0,2}\s+niet\s+om\b|\b(?:not|isn't|wasn't)\s+(?:really\s+)?about\b",
    re.IGNORECASE,
)


def _says_fine(clause: str, bank: ExampleBank) -> bool:
    """Does the clause say something is fine, without negating that ("niet prima")?"""
    if _NOT_A_PROBLEM.search(clause) or _NOT_ABOUT.search(clause):
        return True
    for m in _FINE_STATE.finditer(clause):
        if not _NEGATION_WORD.search(m.group(0)) and not _NEGATED_BEFORE.search(
            clause[: m.start()]
        ):
            return True
    if bank.retract_fine is None:
        return False
    for m in bank.retract_fine.finditer(clause):
        negatable = not any(w in m.group(0).lower() for w in ("niet", "geen", "not", "n't", "no"))
        if not (negatable and _NEGATED_BEFORE.search(clause[: m.start()])):
            return True
    return False


def _topics(clause: str, bank: ExampleBank) -> list[str]:
    return [s for s, pattern in bank.retract_topics.items() if pattern.search(clause)]


def retraction(text: str, bank: ExampleBank) -> tuple[tuple[str, ...], bool, str]:
    """What the message takes back of the coach's reading.

    Returns the signals it says are fine, whether it rejects the last reading
    without naming it ("Nee dus, dat is het punt niet"), and the message without
    the clauses that do so (what is left to answer with). A topic and "it is
    fine" count in one clause ("Vertrouwen is bij ons prima hoor", "stopping would
    be crazy"), or in a clause that points back at the one before ("... dat het
    vertrouwen beschadigd is, dat klopt niet").
    """
    retracted: list[str] = []
    rejects = False
    rest: list[str] = []
    for sentence in _sentences(text):
        clauses = _clauses(sentence)
        dropped: set[int] = set()
        for i, clause in enumerate(clauses):
            denied = [s for s, p in bank.retract_denials.items() if p.search(clause)]
            if denied:  # "we vergaderen juist weinig", "the broker isn't dominant"
                dropped.add(i)
                retracted += [s for s in denied if s not in retracted]
            if bank.retract_reject is not None and bank.retract_reject.search(clause):
                dropped.add(i)
                rejects = rejects or not _topics(clause, bank)
            if not _says_fine(clause, bank):
                continue
            found = _topics(clause, bank)
            if not found and i > 0 and _POINTS_BACK.match(clause):
                found = _topics(clauses[i - 1], bank)
                if found:
                    dropped.add(i - 1)
            if found:
                dropped.add(i)
                retracted += [s for s in found if s not in retracted]
        kept = [c.strip() for i, c in enumerate(clauses) if i not in dropped]
        if kept:
            rest.append(", ".join(kept))
    if retracted:
        rejects = False  # what is rejected is named
    return tuple(retracted), rejects, " ".join(rest).strip()
