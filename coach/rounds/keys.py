"""The codes of a team round: a facilitator key, a join code per round, a partner code.

- The **facilitator key** (`secrets.token_urlsafe`, 192 bits) opens reports and
  exports. It is stored as a salted scrypt hash and compared in constant time.
- The **join code** only lets someone join one round; the **partner code** lets a
  partner be recognised in the next round of the same collaboration (never a
  name). Both are random and must be looked up by their value, so they are
  stored as SHA-256 digests: with 60 random bits a digest cannot be reversed by
  trying codes, and the plain code is never kept.

Join and partner codes are typed by people: 12 characters of Crockford's base32
in groups of four (`K7QX-M2PD-9TRF`), read back case-insensitively with the
look-alikes O/0 and I/L/1 folded together.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 12
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def new_facilitator_key() -> str:
    """A facilitator key; never starts with '-', so `--key KEY` always parses."""
    while True:
        key = secrets.token_urlsafe(24)
        if not key.startswith("-"):
            return key


def new_code() -> str:
    """A join or partner code such as 'K7QX-M2PD-9TRF'."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def new_collaboration_id() -> str:
    """A short, typeable id for a collaboration ('k7qx2m'); it is not a secret."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(6))


def canonical_code(text: str | None) -> str:
    """A typed code as stored: upper case, no spaces or dashes, look-alikes folded."""
    cleaned = "".join(ch for ch in str(text or "").upper() if ch.isalnum())
    return cleaned.translate(_FOLD)[:64]


def code_digest(text: str | None) -> str:
    """The stored form of a join or partner code ('' for no code at all)."""
    code = canonical_code(text)
    return hashlib.sha256(code.encode("ascii", "ignore")).hexdigest() if code else ""


def hash_key(key: str) -> tuple[bytes, bytes]:
    """(salt, scrypt hash) of a facilitator key."""
    salt = secrets.token_bytes(16)
    return salt, _scrypt(key, salt)


def verify_key(key: str | None, salt: bytes, stored: bytes) -> bool:
    """Does `key` match the stored hash? Constant time; an empty key never matches."""
    candidate = _scrypt(key or "", salt)
    return hmac.compare_digest(candidate, stored) and bool(key)


def burn_time(key: str | None) -> None:
    """Spend what a real check costs, so an unknown round answers as slowly as a wrong key."""
    _scrypt(key or "", b"\0" * 16)


def _scrypt(key: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        key.strip().encode("utf-8")[:1024], salt=salt, maxmem=64 * 1024 * 1024, **SCRYPT
    )
