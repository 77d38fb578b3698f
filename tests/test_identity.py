from datetime import date

import pytest

from prachakhom.identity import (
    age_on,
    is_valid_national_id,
    keyed_hash,
    national_id_check_digit,
    normalize_national_id,
    voter_key,
)


def make_id(first_twelve: str) -> str:
    return first_twelve + str(national_id_check_digit(first_twelve))


def test_known_valid_id():
    # 1-1037-02071-56-1: a commonly published example number with a correct check digit
    assert national_id_check_digit("110370207156") == 1
    assert is_valid_national_id("1103702071561")
    assert is_valid_national_id("1-1037-02071-56-1")
    assert is_valid_national_id("1 1037 02071 56 1")


@pytest.mark.parametrize(
    "text",
    ["1103702071562", "110370207156", "11037020715611", "", "abcdefghijklm", "0103702071561",
     "๑๑๐๓๗๐๒๐๗๑๕๖๑"],
)
def test_invalid_ids(text):
    assert not is_valid_national_id(text)


def test_every_wrong_check_digit_is_refused():
    base = "350010012345"
    good = make_id(base)
    for d in "0123456789":
        assert is_valid_national_id(base + d) == (base + d == good)


def test_normalize():
    assert normalize_national_id("1-1037-02071-56-1") == "1103702071561"


@pytest.mark.parametrize(
    ("birth", "today", "age"),
    [
        (date(2010, 5, 17), date(2026, 5, 16), 15),
        (date(2010, 5, 17), date(2026, 5, 17), 16),
        (date(2008, 2, 29), date(2024, 2, 28), 15),
        (date(2008, 2, 29), date(2024, 2, 29), 16),
        (date(2008, 2, 29), date(2025, 3, 1), 17),
    ],
)
def test_age_on(birth, today, age):
    assert age_on(birth, today) == age


def test_keyed_hash_depends_on_secret_and_scope():
    nid = "1103702071561"
    a = voter_key(b"secret-a", "m", "p", nid)
    assert a == voter_key(b"secret-a", "m", "p", "1-1037-02071-56-1")
    assert a != voter_key(b"secret-b", "m", "p", nid)
    assert a != voter_key(b"secret-a", "m", "other", nid)
    assert nid not in a and len(a) == 64


def test_empty_secret_refused():
    with pytest.raises(ValueError):
        keyed_hash(b"", "x")


def test_receipt_code_is_a_keyed_hash_of_the_voter_key():
    from prachakhom.ballot import RECEIPT_ALPHABET, normalize_receipt_code, receipt_code

    key = voter_key(b"secret-a", "m", "p", "1103702071561")
    code = receipt_code(b"secret-a", key)
    assert code == receipt_code(b"secret-a", key) == normalize_receipt_code(code.lower())
    assert len(code) == 14 and code[4] == code[9] == "-"
    assert set(code.replace("-", "")) <= set(RECEIPT_ALPHABET)
    assert code != receipt_code(b"secret-b", key)
    assert code != receipt_code(b"secret-a", voter_key(b"secret-a", "m", "other", "1103702071561"))
    bits = sum(RECEIPT_ALPHABET.index(c) << (55 - 5 * i) for i, c in enumerate(code.replace("-", "")))
    assert bits == int(keyed_hash(b"secret-a", "receipt", key)[:15], 16)  # the HMAC's first 60 bits
