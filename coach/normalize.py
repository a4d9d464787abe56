"""Text normalisation: the one definition of "the same text".

Quotes are checked against a card's normalised text, so every stage (loader,
chunker, quote check, eval gold matching) must agree on it: Unicode NFC, no
invisible characters, single spaces inside a line, and paragraphs joined by
exactly one blank line. Wrap repair turns the hard-wrapped lines of a text
export (the seed `.txt`, a PDF) back into paragraphs.
"""

from __future__ import annotations

import re
import unicodedata

# Zero-width characters and the soft hyphen: invisible, but they break word-for-word matching.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SPACES = re.compile(r"[^\S\n]+")  # any whitespace except newline (NBSP, tabs, thin spaces...)
_BLANK_RUNS = re.compile(r"\n{3,}")
# Bullet markers seen in exports: Word's Wingdings bullets (U+F0A7, U+F0B7) and the usual ones.
BULLETS = "-*•◦▪‣●○■□–\uf0a7\uf0b7\uf0d8\uf076"
_BULLET_LINE = re.compile(rf"^\s*[{re.escape(BULLETS)}]\s+")
_SENTENCE_END = re.compile(r"(?<=[.?!…])\s+(?=[\"'‘“(]?[A-ZÀ-Ý0-9])")
# Words that follow a hyphen at a line end in a real compound ("wet- en regelgeving").
_HYPHEN_KEEP = {"en", "of", "tot", "and", "or", "to"}


def clean_inline(text: str) -> str:
    """NFC, invisible characters removed, all whitespace (newlines too) collapsed to one space."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return " ".join(text.split())


def normalize_text(text: str) -> str:
    """NFC, single spaces inside lines, stripped lines, one blank line between paragraphs."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def match_key(text: str) -> str:
    """Case-insensitive, whitespace-collapsed form for testing whether a phrase occurs."""
    return clean_inline(text).casefold()


def contains_phrase(text: str, phrase: str) -> bool:
    """True when `phrase` occurs in `text`, ignoring case and differences in whitespace."""
    return match_key(phrase) in match_key(text)


def bullet_text(line: str) -> str | None:
    """The item text when `line` starts with a bullet marker, else None."""
    match = _BULLET_LINE.match(line)
    return line[match.end() :].strip() if match else None


def join_wrapped(lines: list[str]) -> str:
    """Repair hard line wraps: join lines with a space, rejoining words hyphenated at a line end."""
    out = ""
    for raw in lines:
        line = clean_inline(raw)
        if not line:
            continue
        first_word = line.split(" ", 1)[0].lower()
        if (
            out.endswith("-")
            and len(out) > 1
            and out[-2].isalpha()
            and line[0].islower()
            and first_word not in _HYPHEN_KEEP
        ):
            out = out[:-1] + line
        else:
            out = f"{out} {line}" if out else line
    return out


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences at ., ? or ! followed by a capitalised word."""
    return [s.strip() for s in _SENTENCE_END.split(clean_inline(text)) if s.strip()]


def smart_title(text: str) -> str:
    """A title or heading typed in capitals ("BLIJF BALANCEREN") in sentence case."""
    text = clean_inline(text)
    if text.isupper():
        return text[:1] + text[1:].lower()
    return text


def slugify(text: str) -> str:
    """Lower-case ASCII slug for card ids derived from file names."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "card"
