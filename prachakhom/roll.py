"""The voter roll of a process (eligibility mode `roll`): read the CSV staff export from the house
registration, check every row, and keep only keyed hashes.

A roll file has one row per resident: national ID, birth date, village (หมู่ที่). Thai offices save
it as UTF-8 (often with a BOM, as Excel writes it) or TIS-620/CP874; both are read. Birth dates are
accepted as Thai offices write them — `15/04/2504` (day/month/Buddhist-era year), `15 เม.ย. 2504`,
Thai digits — and as ISO `1961-04-15`; anything that could be read two ways is refused with the
reason (see `parse_birth_date`).

What is kept per resident (`RollEntry`), never the ID or the date in clear (PDPA):

* `key`   = HMAC(secret, "roll", voter key): which resident (the voter key is itself an HMAC of
  the ID scoped to the municipality and process, `prachakhom.identity.voter_key`);
* `birth` = HMAC(secret, "birth", voter key, ISO date): `birth_hash`, the same value the ballot
  and support services compute from what a resident types;
* `village`: the village number (the pot the resident votes in).

The file is all-or-nothing: `read_roll` returns every problem (line, code, Thai message) and the
caller stores nothing if there is one.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date

from prachakhom.identity import (
    NATIONAL_ID_LENGTH,
    keyed_hash,
    national_id_check_digit,
    normalize_national_id,
)
from prachakhom.messages import message
from prachakhom.thai import BUDDHIST_ERA_OFFSET, MONTHS, SHORT_MONTHS

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

ID_HEADERS = ("national_id", "id", "citizen_id", "เลขประจำตัวประชาชน", "เลขบัตรประชาชน", "เลขประจำตัว", "บัตรประชาชน")
BIRTH_HEADERS = ("birth_date", "birthdate", "dob", "วันเกิด", "วันเดือนปีเกิด", "วัน/เดือน/ปีเกิด", "วันที่เกิด")
VILLAGE_HEADERS = ("village", "moo", "หมู่ที่", "หมู่", "หมู่บ้าน", "ม.")

MAX_ROLL_BYTES = 8_000_000
"""A roll of a large เทศบาล (100,000 residents) is about 3 MB; more is not a roll file."""

# years a birth date can have: CE 1880..2199 or BE 2423..2742 (no year is both)
_CE_YEARS = range(1880, 2200)
_BE_YEARS = range(1880 + BUDDHIST_ERA_OFFSET, 2200 + BUDDHIST_ERA_OFFSET)


@dataclass(frozen=True)
class RollProblem:
    line: int
    """1-based line of the file (the header is line 1)."""
    code: str
    msg: str
    """Thai: what is wrong and how to fix it."""


@dataclass(frozen=True)
class RollEntry:
    key: str
    birth: str
    village: int


@dataclass
class RollFile:
    """What `read_roll` found: entries (valid only if `problems` is empty), every problem, and how
    many blank lines were skipped."""

    entries: list[RollEntry] = field(default_factory=list)
    problems: list[RollProblem] = field(default_factory=list)
    blank_lines: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.entries)


class DateProblem(ValueError):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def birth_hash(secret: bytes, municipality: str, process: str, national_id: str, birth: date) -> str:
    """The stand-in for a resident's birth date in one process, tied to their ID: equal birth dates
    of two residents give unrelated values, and nobody without the secret can test a guessed date."""
    return keyed_hash(secret, "birth", municipality, process, normalize_national_id(national_id), birth.isoformat())


def roll_key(secret: bytes, municipality: str, process: str, national_id: str) -> str:
    """Under which key the roll keeps a resident in one process (unrelated to the voter key, which
    names ballots: a roll entry and a ballot cannot be joined without the secret)."""
    return keyed_hash(secret, "roll", municipality, process, normalize_national_id(national_id))


def decode_roll(data: bytes) -> str:
    """UTF-8 (with or without BOM) if the bytes are UTF-8, else CP874 (a superset of TIS-620)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp874", errors="replace")


_MONTH_NAMES = {name: i + 1 for i, name in enumerate(MONTHS)} | {
    name.replace(".", ""): i + 1 for i, name in enumerate(SHORT_MONTHS)}
_NUMERIC = re.compile(r"^(\d{1,4})[/\-.](\d{1,2})[/\-.](\d{1,4})$")
_NAMED = re.compile(r"^(\d{1,2})\s*([^\d\s]+)\s*(\d{4})$")


def parse_birth_date(text: str) -> date:
    """A birth date as Thai offices write it. Accepted: `dd/mm/yyyy` (also `-` or `.`; day first, as
    in Thailand), ISO `yyyy-mm-dd`, `15 เมษายน 2504` / `15 เม.ย. 2504`, Thai digits; a four-digit
    year from 2423 on is Buddhist era (พ.ศ.), up to 2199 Christian era (no year can be both).

    Refused (`DateProblem` with its code): a two-digit year (which century?), a month over 12
    whose day is a possible month (written month/day?), day or month 0 (unknown birth day),
    a day that does not exist, anything else unreadable."""
    raw = _ascii_digits(text.strip())
    if not raw:
        raise DateProblem("roll_date_missing")
    named = _NAMED.match(raw)
    if named:
        month = _MONTH_NAMES.get(named.group(2).replace(".", "").strip())
        if month is None:
            raise DateProblem("roll_date_unreadable", value=text.strip())
        return _make_date(int(named.group(3)), month, int(named.group(1)), text)
    numeric = _NUMERIC.match(raw)
    if not numeric:
        raise DateProblem("roll_date_unreadable", value=text.strip())
    first, second, third = numeric.groups()
    if len(first) == 4:  # ISO order
        return _make_date(int(first), int(second), int(third), text)
    if len(third) != 4:
        raise DateProblem("roll_date_two_digit_year", value=text.strip())
    day, month = int(first), int(second)
    if month > 12 and 1 <= day <= 12:
        raise DateProblem("roll_date_month_first", value=text.strip())
    return _make_date(int(third), month, day, text)


def _make_date(year: int, month: int, day: int, text: str) -> date:
    if day == 0 or month == 0:
        raise DateProblem("roll_date_unknown_day", value=text.strip())
    if year in _BE_YEARS:
        year -= BUDDHIST_ERA_OFFSET
    elif year not in _CE_YEARS:
        raise DateProblem("roll_date_bad_year", value=text.strip())
    try:
        return date(year, month, day)
    except ValueError:
        raise DateProblem("roll_date_no_such_day", value=text.strip()) from None


def _ascii_digits(text: str) -> str:
    """Thai digits as ASCII ones (most files have none: skip the translation then)."""
    return text if text.isascii() else text.translate(THAI_DIGITS)


def parse_village(text: str) -> int | None:
    """`5`, `๕`, `หมู่ 5`, `ม.5`, `หมู่ที่ 05` → 5; None if there is no number."""
    digits = re.findall(r"[0-9]+", _ascii_digits(text))
    return int(digits[0]) if len(digits) == 1 else None


def _columns(header: list[str]) -> tuple[int, int, int] | None:
    """Indexes of (ID, birth date, village) in a header row; None if it is not a header."""
    names = [h.strip().lower().replace(" ", "") for h in header]

    def find(options: tuple[str, ...]) -> int | None:
        for i, name in enumerate(names):
            if name in options:
                return i
        return None

    found = (find(ID_HEADERS), find(BIRTH_HEADERS), find(VILLAGE_HEADERS))
    if any(i is None for i in found):
        return None
    return found  # type: ignore[return-value]


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) per CSV record; the dialect (comma, semicolon, tab) sniffed from the start."""
    sample = text[:4096]
    delimiter = max(",;\t", key=sample.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for fields in reader:
        yield reader.line_num, fields


def read_roll(data: bytes, villages: Collection[int], secret: bytes, municipality: str,
              process: str) -> RollFile:
    """Check every row of a roll file and hash the valid ones (see the module doc)."""
    result = RollFile()
    if len(data) > MAX_ROLL_BYTES:
        result.problems.append(_problem(0, "roll_too_large", maximum=MAX_ROLL_BYTES // 1_000_000))
        return result
    known = frozenset(villages)
    rows = _rows(decode_roll(data))
    columns = (0, 1, 2)
    first = True
    seen: dict[str, int] = {}
    for line, fields in rows:
        if not any(f.strip() for f in fields):
            result.blank_lines += 1
            continue
        if first:
            first = False
            header = _columns(fields)
            if header is not None:
                columns = header
                continue
            if not normalize_national_id(fields[0]).isdigit():
                result.problems.append(_problem(line, "roll_no_header"))
                return result
        entry = _entry(line, fields, columns, known, seen, result.problems, secret, municipality, process)
        if entry is not None:
            result.entries.append(entry)
    if first:
        result.problems.append(_problem(0, "roll_empty"))
    return result


def _entry(line: int, fields: list[str], columns: tuple[int, int, int], villages: frozenset[int],
           seen: dict[str, int], problems: list[RollProblem], secret: bytes, municipality: str,
           process: str) -> RollEntry | None:
    """One row's entry, or None with its problems appended (every problem of the row, not the first)."""
    if len(fields) <= max(columns):
        problems.append(_problem(line, "roll_columns", count=len(fields)))
        return None
    before = len(problems)
    digits = _ascii_digits(normalize_national_id(fields[columns[0]].strip()))
    if len(digits) != NATIONAL_ID_LENGTH or not (digits.isascii() and digits.isdigit()) or digits[0] == "0":
        problems.append(_problem(line, "roll_bad_id"))
    elif national_id_check_digit(digits[:12]) != int(digits[12]):
        problems.append(_problem(line, "roll_check_digit"))
    elif digits in seen:
        problems.append(_problem(line, "roll_duplicate_id", first=seen[digits]))
    else:
        seen[digits] = line
    try:
        birth: date | None = parse_birth_date(fields[columns[1]])
    except DateProblem as err:
        problems.append(_problem(line, err.code, **err.params))
        birth = None
    village = parse_village(fields[columns[2]])
    if village is None:
        problems.append(_problem(line, "roll_bad_village", value=fields[columns[2]].strip()))
    elif village not in villages:
        problems.append(_problem(line, "roll_unknown_village", village=village))
    if len(problems) > before or birth is None or village is None:
        return None
    return RollEntry(keyed_hash(secret, "roll", municipality, process, digits),  # = roll_key, birth_hash
                     keyed_hash(secret, "birth", municipality, process, digits, birth.isoformat()), village)


def _problem(line: int, code: str, **params: object) -> RollProblem:
    return RollProblem(line, code, message(code, **params))


ROLL_BUCKET_CHARS = 3
"""Entries are stored in buckets named by the first hex characters of their key (16^3 = 4,096
buckets): a 100,000-resident roll is ~4,000 items of ~25 entries (a few hundred batch writes, not
100,000 puts), and checking a voter is one read of one bucket."""


def roll_bucket(key: str) -> str:
    return key[:ROLL_BUCKET_CHARS]


def bucketed(entries: list[RollEntry]) -> dict[str, dict[str, str]]:
    """Bucket → {key: "<birth hash> <village>"}: how storage keeps a roll."""
    out: dict[str, dict[str, str]] = {}
    for e in entries:
        out.setdefault(roll_bucket(e.key), {})[e.key] = f"{e.birth} {e.village}"
    return out


def entry_in(bucket: dict[str, str], key: str) -> RollEntry | None:
    """The entry stored under `key` in its bucket (None: not on the roll)."""
    value = bucket.get(key)
    if value is None:
        return None
    birth, village = value.split(" ")
    return RollEntry(key, birth, int(village))


def village_counts(entries: list[RollEntry]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for e in entries:
        counts[e.village] = counts.get(e.village, 0) + 1
    return dict(sorted(counts.items()))
