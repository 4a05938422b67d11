"""Slip codes: short, random, easy to read aloud, with a check character that catches typos.

The alphabet leaves out I, L, O, U and Z (read as 1, 1, 0, V, 2); seven random characters and
a check character weighted by position modulo 31 (a prime), so any single wrong character and
any swap of two neighbours is caught.
"""
from __future__ import annotations

import secrets

from ..forms import as_typed

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXY"
assert len(ALPHABET) == 31
RANDOM_LENGTH = 7
# What people type for characters the alphabet leaves out.
LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "Z": "2", "U": "V"})


def check_character(body: str) -> str:
    total = sum((position + 1) * ALPHABET.index(char) for position, char in enumerate(body))
    return ALPHABET[total % 31]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + check_character(body)


def normalize(raw: str | None) -> str:
    """Upper case, no spaces or dashes, look-alikes mapped: 'abcd-efg h' → 'ABCDEFGH'; the full-width
    letters, digits, dash and space a Chinese IME types count as ASCII ('ａｂｃｄ－ｅｆｇｈ' too)."""
    cleaned = "".join(ch for ch in as_typed(raw).upper() if ch not in " -_\t")
    return cleaned.translate(LOOKALIKES)


def is_valid(code: str) -> bool:
    return (len(code) == RANDOM_LENGTH + 1 and all(ch in ALPHABET for ch in code)
            and check_character(code[:-1]) == code[-1])


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"
