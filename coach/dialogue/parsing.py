"""Reading what the user typed: commands, questions, ratings, choices, context.

Every function here is pure and total: any string (empty, 100k characters,
emoji, another script) gives an answer, never an exception. The words it
recognises come from prompts/commands.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coach.dialogue.language import STOPWORDS, content_words, stem_keys, words
from coach.dialogue.schema import RATING_NAMES, CommandsFile, WordLists
from coach.dialogue.state import IntakeContext
from coach.models import Ratings

_TOKENS = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_KEYBOARD = re.compile(
    r"asdf|sdfg|dfgh|fghj|ghjk|hjkl|qwer|wert|erty|rtyu|tyui|yuio|uiop|zxcv|xcvb|cvbn|vbnm|(.)\1{3,}"
)
_VOWELS = set("aeiouyàáâäèéêëìíîïòóôöùúûü")
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{6,}")
MAX_QUESTION_WORDS = 40  # longer messages are answers, not questions to the coach
MAX_QUESTION_WORDS_WHILE_ANSWERING = 12
CHOICE_REMARK_WORDS = 3  # a choice with this many other words carries a remark
MAX_UNLABELLED_TOKENS = 8  # longer messages give ratings only next to a label
_NOT_A_RATING = frozenset({"niet", "geen", "not"})  # "..., niet 3" / "not 3"
_BOTH = frozenset({"allebei", "beide", "beiden", "both", "allemaal"})  # "allebei twee"
_ADVERBS = frozenset({"absoluut", "zeker", "echt", "beslist", "liever", "really", "definitely"})
_NOT_CHOSEN_AFTER = frozenset({"niet", "not", "no", "nee", "geen", "overslaan"})  # "2 niet"
_NOT_CHOSEN_BEFORE = frozenset(
    {"niet", "not", "geen", "behalve", "except", "zonder", "without", "skip", "minus", "drop"}
)  # "behalve 2", "skip 3"


def normalize(text: str) -> str:
    """Lower-case words and numbers joined by single spaces (punctuation, '/', emoji dropped)."""
    return " ".join(_TOKENS.findall(text[:2000].lower().replace("’", "'")))


def _phrase_set(lists: WordLists) -> set[str]:
    return {normalize(w) for w in lists.all()}


def is_phrase(text: str, lists: WordLists) -> bool:
    """True when the whole message is one of the listed words or phrases."""
    return normalize(text) in _phrase_set(lists)


def phrase_at(low_text: str, phrase: str) -> int | None:
    """Where `phrase` first occurs in `low_text` as whole words (None: nowhere)."""
    match = re.search(rf"(?<!\w){re.escape(phrase.lower())}(?!\w)", low_text)
    return match.start() if match else None


def phrase_in(low_text: str, phrase: str) -> bool:
    """True when `phrase` occurs in `low_text` as whole words."""
    return phrase_at(low_text, phrase) is not None


def match_command(text: str, commands: CommandsFile) -> str | None:
    """The command a whole message names ("hulp", "/skip", "Terug!"), if any."""
    norm = normalize(text)
    if not norm or len(norm) > 60:
        return None
    for name, lists in commands.commands.items():
        if norm in _phrase_set(lists):
            return name
    return None


def starts_with_phrase(text: str, lists: WordLists, max_words: int = 4) -> bool:
    """True when a short message starts with one of the phrases ("nee, niet echt")."""
    norm = normalize(text)
    if not norm or len(norm.split()) > max_words:
        return False
    return any(norm == p or norm.startswith(p + " ") for p in _phrase_set(lists) if p)


def is_question(text: str, answering: bool, commands: CommandsFile) -> bool:
    """Is this a question to the coach rather than an answer?

    A definition request ("wat is ...", "what does ... mean") always is. Otherwise it
    must end in "?" and start with a question word; while the coach waits for an
    answer it must also be one short sentence, because answers often contain a
    question mark ("Is dat zo? Ik denk het niet.").
    """
    stripped = text.strip()
    count = len(stripped.split())
    if not stripped or count > MAX_QUESTION_WORDS:
        return False
    norm = normalize(stripped)
    if any(norm == p or norm.startswith(p + " ") for p in _phrase_set(commands.definition_starts)):
        return not answering or count <= MAX_QUESTION_WORDS_WHILE_ANSWERING + 3
    if not stripped.endswith("?") or not norm:
        return False
    if norm.split()[0] not in _phrase_set(commands.question_words):
        return False
    if answering:
        return count <= MAX_QUESTION_WORDS_WHILE_ANSWERING and len(_SENTENCES.split(stripped)) == 1
    return True


def _gibberish_word(word: str) -> bool:
    low = word.lower()
    if word.isupper() and len(word) <= 6:  # acronyms: GGD, ZZP
        return False
    return (
        not (set(low) & _VOWELS)
        or _KEYBOARD.search(low) is not None
        or _CONSONANT_RUN.search(low) is not None
    )


def odd_input(text: str, commands: CommandsFile) -> str | None:
    """'empty', 'not_understood' (gibberish, emoji only) or 'hostile'; None for usable text."""
    if not text.strip():
        return "empty"
    found = words(text[:5000])
    if sum(len(w) for w in found) < 2:
        return "not_understood"
    low = text[:5000].lower()
    tokens = set(normalize(low).split())
    insult = any(
        phrase_in(low, w) if " " in w else w.lower() in tokens for w in commands.hostile.insults
    )
    if insult and (len(found) <= 3 or any(t.lower() in tokens for t in commands.hostile.targets)):
        return "hostile"
    odd = [w for w in found if _gibberish_word(w)]
    if len(odd) == len(found):
        return "not_understood"
    if (
        len(found) >= 2
        and len(odd) / len(found) >= 0.6
        and not any(w.lower() in STOPWORDS for w in found)
    ):
        return "not_understood"
    return None


def on_topic(text: str, domain: frozenset[str]) -> bool:
    """Does the question share a content word (by stem) with the card or the domain words?"""
    return any(stem_keys(w) & domain for w in content_words(text))


# --- ratings ------------------------------------------------------------------

# A number as typed, sign, decimal part and exponent included ("-1", "3,5", "1e9"), so
# that none of them is silently read as a plausible rating; or a word ("vier", "hoog").
# A minus right after a digit is a separator ("4-2-3"), not a sign.
_RATING_TOKENS = re.compile(r"(?:(?<!\d)[-−])?\d+(?:[.,]\d+)*(?:e[+-]?\d+)?|[^\W\d_]+")
_NUMBER = re.compile(r"[-−]?\d")


@dataclass(frozen=True)
class RatingParse:
    """Ratings read from one message, and what could not be used (to say so, never guess)."""

    values: dict[str, int]  # valid ratings found (name -> 1..5)
    invalid: tuple[str, ...] = ()  # raw values off the 1-5 scale ("7", "0", "zes", "-1", "1e9")
    decimals: tuple[str, ...] = ()  # not whole numbers ("3,5", "3.5")
    too_many: int = 0  # numbers in the message when there were more than ratings asked (none used)
    asked: int = 0  # how many ratings were still missing, when there were too many numbers

    @property
    def understood(self) -> bool:
        return bool(self.values or self.invalid or self.decimals or self.too_many)

    def merged(self, ratings: Ratings) -> Ratings:
        """The earlier ratings with this message's values added."""
        current = {n: getattr(ratings, n) for n in RATING_NAMES}
        current.update(self.values)
        return Ratings(**current)


def _rating_tokens(text: str) -> list[str]:
    """Tokens of a message; a list written as "4,2,3" or "4.2.3" becomes three numbers."""
    tokens: list[str] = []
    for tok in _RATING_TOKENS.findall(text[:2000].lower()):
        parts = re.split(r"[.,]", tok)
        if len(parts) >= 3 and _NUMBER.match(tok) and "e" not in tok:
            tokens.extend(parts)
        else:
            tokens.append(tok)
    return tokens


def _read_number(tok: str) -> tuple[int | None, str | None]:
    """(value, problem) of a typed number: 'invalid' for signs and exponents, 'decimal' for 3,5."""
    if tok[0] in "-−" or "e" in tok:
        return None, "invalid"
    if "." in tok or "," in tok:
        return None, "decimal"
    return (int(tok) if len(tok) <= 3 else 999), None


def parse_ratings(text: str, ratings: Ratings, commands: CommandsFile) -> RatingParse:
    """Read "4", "vier", "4/2/3", "commitment 4, voortgang 2", "progress high" and the like.

    Labelled values go to their label; unlabelled ones fill the ratings still
    missing, in the order commitment, progress, result. In a longer sentence only
    labelled values count: "twee partijen doen het goed" holds no ratings, unless
    the message is nothing but numbers. Nothing is guessed: a value off the scale
    ("7", "-1", "1e9") or not whole ("3,5") is reported instead of read, and more
    unlabelled numbers than missing ratings ("5/5/5/5") are all left unused.
    """
    spec = commands.ratings
    labels = {w.lower(): name for name, ws in spec.labels.items() for w in ws}
    numbers = {k.lower(): v for k, v in spec.numbers.items()}
    levels = {k.lower(): v for k, v in spec.levels.items()}
    intensifiers = {w.lower() for w in spec.intensifiers}
    tokens = _rating_tokens(text)

    def reading(i: int) -> tuple[int | None, str | None] | None:
        """(value, problem) when token i is a rating, else None."""
        tok = tokens[i]
        if _NUMBER.match(tok):
            return _read_number(tok)
        if tok == "een":  # Dutch article and "one": a number only right after a label, or alone
            after_label = i > 0 and tokens[i - 1] in labels
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            alone = len(tokens) == 1
            if (after_label or alone) and (not nxt or nxt in labels):  # not "een dikke 4"
                return 1, None
            return None
        if tok in numbers:
            return numbers[tok], None
        if tok in levels:
            base = levels[tok]
            if i > 0 and tokens[i - 1] in intensifiers:
                return (5 if base > 3 else 1 if base < 3 else base), None
            return base, None
        return None

    readings = [reading(i) for i in range(len(tokens))]
    numbers_only = all(
        r is not None or tok in labels for tok, r in zip(tokens, readings, strict=True)
    )
    lead = next((i for i, r in enumerate(readings) if r is None), len(tokens))
    leading = lead if lead >= 2 else 0  # "twee, twee en resultaat ...": scores first
    values: dict[str, int] = {}
    problems: dict[str, list[str]] = {"invalid": [], "decimal": []}
    blocked: set[str] = set()
    unlabelled: list[tuple[int | None, str | None, str]] = []
    label: str | None = None
    pending: list[str] = []  # "commitment en voortgang allebei 2": labels still waiting
    spread = False
    for i, (tok, read) in enumerate(zip(tokens, readings, strict=True)):
        if tok in labels or tok in _BOTH:
            if label is not None and label not in values and label not in blocked:
                pending.append(label)
            label = labels.get(tok)
            spread = spread or tok in _BOTH
            continue
        if read is None or (i > 0 and tokens[i - 1] in _NOT_A_RATING):
            continue  # "voortgang 1, niet 3": the number after "niet" is taken back
        value, problem = read
        if problem is None and value is not None and not 1 <= value <= 5:
            problem = "invalid"
        if spread and problem is None and value is not None:
            missing = [n for n in RATING_NAMES if getattr(ratings, n) is None]
            for name in pending or [n for n in missing if n not in values and n not in blocked]:
                values.setdefault(name, value)  # "allebei twee": both missing scores
            pending, spread, label = [], False, None
            continue
        if label is not None and label not in values and label not in blocked:
            if problem is None and value is not None:
                values[label] = value
            else:
                problems[problem or "invalid"].append(tok)
                blocked.add(label)
            label = None
        elif numbers_only or len(tokens) <= MAX_UNLABELLED_TOKENS or i < leading:
            unlabelled.append((value, problem, tok))
    slots = [
        n
        for n in RATING_NAMES
        if getattr(ratings, n) is None and n not in values and n not in blocked
    ]
    if len(unlabelled) > len(slots) and not values:
        given = len(values) + len(unlabelled) + sum(len(p) for p in problems.values())
        return RatingParse({}, too_many=given, asked=len(ratings.missing()))
    for (value, problem, tok), slot in zip(unlabelled, slots, strict=False):
        if problem is None and value is not None:
            values[slot] = value
        else:
            problems[problem or "invalid"].append(tok)
    return RatingParse(values, tuple(problems["invalid"]), tuple(problems["decimal"]))


def mentions_rating(text: str, commands: CommandsFile) -> bool:
    """Does the message name a rating ("commitment", "voortgang", "result")?"""
    labels = {w.lower() for ws in commands.ratings.labels.values() for w in ws}
    return any(tok in labels for tok in _RATING_TOKENS.findall(text[:2000].lower()))


# --- choosing actions ---------------------------------------------------------


def parse_choice(text: str, titles: list[str], commands: CommandsFile) -> tuple[int, ...] | None:
    """0-based indices of the chosen actions; () for none; None when not understood."""
    norm = normalize(text)
    tokens = norm.split()
    numbers = {k.lower(): v for k, v in commands.ratings.numbers.items() if k.lower() != "een"}
    numbers.update({k.lower(): v for k, v in commands.ordinals.items()})
    all_words = _phrase_set(commands.choose_all)
    picked: list[int] = []
    left_out: set[int] = set()
    counted_all = False
    for i, tok in enumerate(tokens[:200]):
        n = int(tok) if tok.isdecimal() and len(tok) <= 3 else numbers.get(tok)
        if n is None or not 1 <= n <= len(titles):
            continue
        if i and tokens[i - 1] in all_words:
            counted_all = True  # "alle drie", "all 3": a count, not action 3
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if after in _ADVERBS and i + 2 < len(tokens):
            after = tokens[i + 2]  # "nummer 1 absoluut niet"
        if i + 2 < len(tokens) and (tokens[i + 2].isdecimal() or tokens[i + 2] in numbers):
            after = ""  # "2, niet 1": the "niet" goes with the 1
        before = tokens[i - 1] if i else ""
        if after in _NOT_CHOSEN_AFTER or before in _NOT_CHOSEN_BEFORE:
            left_out.add(n - 1)  # "2 niet", "behalve 2"
        elif n - 1 not in picked:
            picked.append(n - 1)
    picked = [i for i in picked if i not in left_out]
    if picked and not counted_all:
        return tuple(sorted(picked))
    none_words = _phrase_set(commands.choose_none) | _phrase_set(commands.decline)
    if counted_all or norm in all_words or any(t in all_words for t in tokens[:6]):
        return tuple(i for i in range(len(titles)) if i not in left_out)
    if norm in none_words or any(t in none_words for t in tokens[:6]):
        return ()
    said = {k for w in content_words(text[:2000]) for k in stem_keys(w)}
    by_title = [
        i
        for i, title in enumerate(titles)
        if any(stem_keys(w) & said for w in content_words(title))
    ]
    return tuple(by_title) if by_title else None


# --- intake and reflection ----------------------------------------------------


def _is_org_word(low: str, organisations: set[str]) -> bool:
    return low in organisations or any(len(o) >= 6 and low.endswith(o) for o in organisations)


def _role(sample: str, commands: CommandsFile) -> tuple[str | None, str | None]:
    """The user's role category and their own word for it ("wethouder", "policy officer").

    Role names of several words are found as phrases; single words match by stem ("ik
    coördineer" is a coordinator). The first match in the text wins. The user's own
    words are kept as the label when they name a role as such (not "partner" itself,
    nor a verb form like "coördineer").
    """
    low = sample.lower()
    generic = {w.lower() for w in commands.roles.get("partner", ())[:5]}
    found: list[tuple[int, str, str | None]] = []
    for name in ("facilitator", "partner", "other"):
        for phrase in commands.roles.get(name, ()):
            if " " in phrase.strip():
                match = re.search(rf"(?<!\w){re.escape(phrase.lower())}(?!\w)", low)
                if match:
                    found.append((match.start(), name, phrase.lower()))
    lexicon = {
        name: {k for w in commands.roles.get(name, ()) if " " not in w for k in stem_keys(w)}
        for name in ("facilitator", "partner", "other")
    }
    exact = {w.lower() for ws in commands.roles.values() for w in ws}
    for match in re.finditer(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", sample):
        keys = stem_keys(match.group())
        hit = next((n for n, role_stems in lexicon.items() if keys & role_stems), None)
        if hit is not None:
            word = match.group().lower()
            found.append((match.start(), hit, word if word in exact else None))
            break
    if not found:
        return None, None
    _, name, label = min(found, key=lambda f: f[0])
    return name, None if label is None or label in generic else label


def extract_context(text: str, commands: CommandsFile) -> IntakeContext:
    """Role, parties (names and organisation words) and theme words from the intake answer.

    A capitalised word right after a place preposition ("in Utrecht", "uit
    Zwolle", "regio Twente") is where the collaboration is, not a party.
    """
    sample = text[:2000]
    organisations = {o.lower() for o in commands.organisations}
    places = {p.lower() for p in commands.place_words}
    role, role_label = _role(sample, commands)
    parties: list[str] = []
    for sentence in _SENTENCES.split(sample):
        matches = list(re.finditer(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", sentence))
        group: list[str] = []
        for i, m in enumerate(matches):
            word = m.group()
            low = word.lower()
            initial = i == 0
            capital = word[0].isupper() and low not in STOPWORDS
            acronym = word.isupper() and len(word) >= 2 and low not in STOPWORDS
            after_place = i > 0 and matches[i - 1].group().lower() in places and not group
            if after_place and not _is_org_word(low, organisations):
                if group:
                    parties.append(" ".join(group))
                    group = []
                continue
            if capital and (not initial or acronym or _is_org_word(low, organisations)):
                gap = sentence[matches[i - 1].end() : m.start()] if group else ""
                if group and gap.strip():
                    parties.append(" ".join(group))
                    group = []
                group.append(word)
                continue
            if group:
                parties.append(" ".join(group))
                group = []
            if _is_org_word(low, organisations):
                parties.append(word)
        if group:
            parties.append(" ".join(group))
    unique: list[str] = []
    for p in parties:
        if p.lower() not in {u.lower() for u in unique}:
            unique.append(p)
    role_words = {w.lower() for ws in commands.roles.values() for w in ws}
    taken = {w.lower() for p in unique for w in p.split()} | role_words
    theme = [w for w in content_words(sample) if w.lower() not in taken][:5]
    return IntakeContext(
        role=role,
        parties=tuple(unique[:6]),
        theme=tuple(theme),
        text=text[:1000],
        role_label=role_label,
    )


# --- questions inside answers, natural commands, choices with a remark ----------

_CLAUSE = re.compile(
    r"(?:^|[,;:(–-]\s*(?:(?:maar|en|dus|want|but|and|so)\s+)?|\s(?:maar|en|dus|want|but|and|so)\s+)",
    re.IGNORECASE,
)


_ASKS = re.compile(
    r"(?:\b[\w']+\s+){0,2}(?:vraagt|vroeg|vraagt zich af|wil weten|asks|asked|wants to know)"
    r"\s*$",
    re.IGNORECASE,
)


def find_question(text: str, commands: CommandsFile) -> tuple[str | None, str]:
    """The question a message asks, and what remains around it.

    A question is a sentence or clause that ends in "?" and starts with a
    question word or a definition request ("wat is", "what does ... mean"),
    also after "mijn collega vraagt:" or "..., maar wat bedoel je met ...?".
    Returns (None, text) when there is none.
    """
    sample = text[:4000]
    starts = _phrase_set(commands.question_words) | _phrase_set(commands.definition_starts)
    best: tuple[int, int] | None = None
    for match in re.finditer(r"[^.!?\n]*\?", sample):
        sentence_start, end = match.start(), match.end()
        body = sample[sentence_start:end]
        for clause in [m.end() for m in _CLAUSE.finditer(body)]:
            piece = normalize(body[clause:])
            first = piece.split(" ", 1)[0] if piece else ""
            if first in starts or any(piece.startswith(p + " ") for p in starts if " " in p):
                best = (sentence_start + clause, end)
                break
        if best is not None:
            break
    if best is None:
        return None, text
    question = sample[best[0] : best[1]].strip()
    before = _ASKS.sub("", sample[: best[0]].rstrip(" ,;:-–"))
    before = re.sub(r"[\s,]+(?:maar|en|dus|want|but|and|so)$", "", before, flags=re.IGNORECASE)
    rest = (before + " " + sample[best[1] :]).strip(" ,;:-–")
    return question, " ".join(rest.split())


def natural_command(text: str, commands: CommandsFile) -> tuple[str | None, int | None]:
    """The command a sentence asks for ("kunnen we terug naar vraag 2?"), and a question number."""
    low = normalize(text)
    found = None
    for name, lists in commands.command_phrases.items():
        if any(phrase_in(low, normalize(p)) for p in lists.all() if normalize(p)):
            found = name
            break
    return found, question_number(text, commands)


def command_words_in(text: str, commands: CommandsFile) -> int | None:
    """How many words come before the first command phrase of a sentence (None: none)."""
    low = normalize(text)
    starts = [
        start
        for lists in commands.command_phrases.values()
        for p in lists.all()
        if normalize(p) and (start := phrase_at(low, normalize(p))) is not None
    ]
    return len(low[: min(starts)].split()) if starts else None


def question_number(text: str, commands: CommandsFile) -> int | None:
    """The central question a sentence names ("vraag 2", "bij de eerste vraag"), 1-based."""
    number = re.search(
        r"(?:vraag|question|nummer|number)\s+(\d|een|één|twee|drie|vier|vijf|one|two|three|four|five)"
        r"|(eerste|tweede|derde|vierde|first|second|third|fourth)\s+(?:vraag|question)",
        normalize(text),
    )
    if not number:
        return None
    word = number.group(1) or number.group(2)
    values = {k.lower(): v for k, v in commands.ratings.numbers.items()}
    values.update({k.lower(): v for k, v in commands.ordinals.items()})
    return int(word) if word.isdecimal() else values.get(word)


def split_choice(
    text: str, titles: list[str], commands: CommandsFile
) -> tuple[tuple[int, ...] | None, str]:
    """A choice of actions and the remark that comes with it ("1, maar de wethouder ...").

    The choice is read from the part before the first "maar/but/," that follows
    the numbers; the remark is the rest, kept so it is never lost.
    """
    match = re.match(
        r"\s*((?:(?:\d{1,2}|[a-zà-ÿ]+)(?:\s*(?:,|en|and|&|\+)\s*|\s+))*?(?:\d{1,2}|[a-zà-ÿ]+))"
        r"\s*(?:[,;:.!-]|\s)\s*(?:maar|but|al|though|mits|als|if|omdat|because|want)\b(.*)$",
        text,
        re.IGNORECASE | re.DOTALL,
    )
    if match:
        choice = parse_choice(match.group(1), titles, commands)
        if choice is not None:
            return choice, text[match.end(1) :].strip(" ,;:.-–")
    choice = parse_choice(text, titles, commands)
    said = [w for w in content_words(text) if not w.isdecimal()]
    # "1 zeker. 3 alleen als de verzekeraar erbij zit": the conditions are kept too
    return choice, text.strip() if choice and len(said) >= CHOICE_REMARK_WORDS else ""


def certain_ratings(text: str, commands: CommandsFile) -> set[str]:
    """The ratings a message gives with a label and a number ("voortgang 2", "result: four").

    Everything else a rating parse reads (bare numbers filling slots in order, words
    like "hoog") is a guess that the coach confirms before it counts.
    """
    spec = commands.ratings
    labels = {w.lower(): name for name, ws in spec.labels.items() for w in ws}
    numbers = {k.lower() for k in spec.numbers}
    tokens = _RATING_TOKENS.findall(text[:2000].lower())
    found: set[str] = set()
    for i, tok in enumerate(tokens[:-1]):
        if tok in labels:
            nxt = tokens[i + 1]
            if nxt.isdecimal() or nxt in numbers:
                found.add(labels[tok])
    return found


def is_request_for_agenda(text: str, commands: CommandsFile) -> bool:
    """Does a request ask for a meeting agenda or session plan (the Facilitator tab makes one)?"""
    low = normalize(text)
    return any(phrase_in(low, normalize(w)) for w in commands.agenda_words if normalize(w))
