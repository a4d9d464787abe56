"""Words, stems and a tiny offline language detector (Dutch/English).

The coach only has to tell Dutch from English, so counting function words that
occur in one language and not the other is enough; a text with too few of
them is "unknown" and the session keeps its language. Stemming (Snowball via
PyStemmer, both languages) lets "afspraken" match "afspraak" and "committed"
match "commitment" when the coach compares what a user said with the card.
These lists are linguistic resources, not coaching content, so they live here
rather than in prompts/.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import Stemmer

NL_STOPWORDS = frozenset(
    """de het een en of van ik je jij u we wij ze zij hij is zijn was waren ben bent niet
    wat hoe wie waar waarom met voor op aan bij maar ook dat dit deze die er naar uit om te
    tot nog al wel geen hebben heeft had hadden kunnen kan kun kunt moet moeten wordt worden
    werd onze ons mijn jullie hun zich gaan gaat ging komt komen kwam iets niets eigenlijk
    omdat als dan want toch zou zouden door over tegen na zo nu daar hier elkaar mij me jou
    jouw haar hem hen men meer minder alle alles ander andere echt zelf zeer erg vaak soms
    altijd nooit even ja nee wil willen zal zullen mag mogen doen doet deed gedaan weer heel
    beetje gewoon eens toe dus hierover daarover waarbij daarbij denk denken vind vinden
    vindt weet weten zeg zeggen zegt uh eh hoor best wordt ofzo ok oké oke nou jawel
    enkele sommige iemand niemand iedereen elk elke ieder iedere waarin waarop daarin
    daarop hoe's tja zit zitten staat staan tussen rond rondom binnen via sinds tijdens
    per zoals bijvoorbeeld twee drie vier vijf zes zeven acht negen tien terwijl gehad
    geweest wanneer waardoor waarmee zonder totdat sinds bovendien daarom daardoor toen
    hebt heb krijgen krijgt kregen maakt maken maak""".split()  # noqa: SIM905 - a word list reads best as one string
)
EN_STOPWORDS = frozenset(
    """the a an and or of i you we they he she it its is are was were be been being am not
    no what how who where why which when with for on at by but also that this these those
    there to from about into our us my me your their them his her have has had do does did
    done can could should would will shall may might must just really very so than then if
    because as up out over more most some any all each other such only own same too much
    many lot lots don't doesn't didn't isn't aren't i'm it's we're they're think get got
    make made yes yeah ok okay well quite bit anyone everyone someone nobody one two three
    four five six seven eight nine ten honestly everything anything something actually
    basically mostly look looks""".split()  # noqa: SIM905 - a word list reads best as one string
)
STOPWORDS = NL_STOPWORDS | EN_STOPWORDS

# Words that mark a language without being stopwords (ratings, numbers, domain words).
_NL_MARKERS = frozenset(
    """ja nee voortgang resultaat resultaten één twee drie vier vijf alle graag samenwerking
    gemeente gemeenten veel weinig geen vergaderen overleg afspraken alsjeblieft bedankt
    betekent bedoelen bedoel""".split()  # noqa: SIM905 - a word list reads best as one string
)
_EN_MARKERS = frozenset(
    """yes progress result results one two three four five please thanks collaboration
    partnership meetings meeting nothing mean means meant agreements lots""".split()  # noqa: SIM905 - a word list reads best as one string
)
NL_ONLY = (NL_STOPWORDS | _NL_MARKERS) - EN_STOPWORDS - _EN_MARKERS
EN_ONLY = (EN_STOPWORDS | _EN_MARKERS) - NL_STOPWORDS - _NL_MARKERS

MIN_MARKERS = 2  # at least this many language-specific words to call a language
MIN_MARGIN = 2  # and this many more than the other language has

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def words(text: str) -> list[str]:
    """The words of `text` in their original form (letters only; numbers and emoji dropped)."""
    return _WORD.findall(text)


def is_content_word(word: str) -> bool:
    """True for words that carry meaning: not a stopword, at least three letters."""
    low = word.lower()
    return len(low) >= 3 and low not in STOPWORDS


def content_words(text: str) -> list[str]:
    """Content words of `text` in order of appearance, original form, first occurrence only."""
    seen: set[str] = set()
    out: list[str] = []
    for word in words(text):
        low = word.lower()
        if is_content_word(word) and low not in seen:
            seen.add(low)
            out.append(word)
    return out


@lru_cache(maxsize=2)
def _stemmer(language: str) -> Any:
    return Stemmer.Stemmer(language)


@lru_cache(maxsize=65536)
def stem_keys(word: str) -> frozenset[str]:
    """The Dutch and English stems of a word; two words match when their keys intersect."""
    low = word.lower().replace("’", "'")
    return frozenset({_stemmer("dutch").stemWord(low), _stemmer("english").stemWord(low)})


def stems(text: str) -> frozenset[str]:
    """All stem keys of the content words in `text`."""
    keys: set[str] = set()
    for word in content_words(text):
        keys |= stem_keys(word)
    return frozenset(keys)


def matching_words(text: str, target: frozenset[str]) -> list[str]:
    """Content words of `text` (original form, in order) whose stems occur in `target`."""
    return [w for w in content_words(text) if stem_keys(w) & target]


def detect_language(text: str) -> str:
    """'nl', 'en', or 'unknown' when the text is too short or too mixed to tell."""
    low = [w.lower().replace("’", "'") for w in words(text[:20000])]
    nl = sum(w in NL_ONLY for w in low)
    en = sum(w in EN_ONLY for w in low)
    if nl >= MIN_MARKERS and nl >= en + MIN_MARGIN:
        return "nl"
    if en >= MIN_MARKERS and en >= nl + MIN_MARGIN:
        return "en"
    return "unknown"


def resolve_language(current: str, text: str) -> str:
    """The language to reply in: the detected one, or the session's when unknown."""
    found = detect_language(text)
    return found if found in ("nl", "en") else current
