"""Voter identity: the Thai national ID check, age on a day, and keyed hashes.

The raw national ID never leaves this module's callers' memory: what is stored is an HMAC-SHA256
of it under a secret from the environment, scoped to one process, so the same person gets
unrelated keys in two processes and nobody without the secret can test a guessed ID (13 digits
with a check digit leave only 10^12 candidates: a plain hash would be reversed in hours).
"""

from __future__ import annotations

import hmac
from datetime import date

NATIONAL_ID_LENGTH = 13


_SEPARATORS = str.maketrans("", "", " -\u00a0")
_WEIGHTS = tuple(range(13, 1, -1))


def normalize_national_id(text: str) -> str:
    """Digits only: residents type `1-2345-67890-12-1` or with spaces as printed on the card."""
    return text.translate(_SEPARATORS)


def national_id_check_digit(first_twelve: str) -> int:
    """The 13th digit: 11 minus the weighted sum (weights 13 down to 2) modulo 11, last digit."""
    total = sum(map(int.__mul__, map(int, first_twelve), _WEIGHTS))
    return (11 - total % 11) % 10


def is_valid_national_id(text: str) -> bool:
    """13 ASCII digits, not starting with 0, whose last digit is the check digit."""
    digits = normalize_national_id(text)
    if len(digits) != NATIONAL_ID_LENGTH or not (digits.isascii() and digits.isdigit()):
        return False
    if digits[0] == "0":
        return False
    return national_id_check_digit(digits[:12]) == int(digits[12])


def age_on(birth: date, today: date) -> int:
    """Completed years on `today` (a person born on 29 February turns a year older on 1 March)."""
    years = today.year - birth.year
    if (today.month, today.day) < (birth.month, birth.day):
        years -= 1
    return years


def keyed_hash(secret: bytes, *parts: str) -> str:
    """HMAC-SHA256 of the parts (joined with a separator that cannot occur in them), hex."""
    if not secret:
        raise ValueError("the identity secret is empty; set PRACHAKHOM_IDENTITY_SECRET")
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.digest(secret, message, "sha256").hex()


def voter_key(secret: bytes, municipality: str, process: str, national_id: str) -> str:
    """The stored stand-in for a voter in one process: never the ID itself."""
    return keyed_hash(secret, "voter", municipality, process, normalize_national_id(national_id))
