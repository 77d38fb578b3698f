"""The staff audit log's entries: who did what, when, where, to what, and the value before → after.

Every staff change is written together with its entry, in one transaction (as Decidim's
`traceable` does): the log cannot miss a change nor record one that did not happen. Entries are
never changed once written. The municipality's admin reads them newest first and exports them.

Personal data (PDPA): an entry never holds a raw national ID, birth date or phone number. Fields
named for personal data (`PERSONAL_FIELDS`) are replaced by a keyed hash of their value, and a
13-digit number or a Thai phone number inside any text (a resident may type one into a proposal a
moderator then corrects) is replaced by a keyed hash of its digits: the same number gives the same
hash under the deployment's secret, so "was this number changed?" can still be answered, and
nobody without the secret can test a guess. `AuditEntry` refuses to exist with such data left in.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, TypeAlias

from prachakhom.identity import keyed_hash
from prachakhom.staff import ALL_MUNICIPALITIES, SLUG

JSON: TypeAlias = None | bool | int | str | list["JSON"] | dict[str, "JSON"]

PERSONAL_FIELDS = frozenset({
    "national_id", "citizen_id", "id_card", "birth_date", "date_of_birth", "birthday",
    "phone", "telephone", "mobile", "contact",
})
"""Field names (any nesting, any case) whose values are always replaced by their keyed hash."""

HASH_PREFIX = "hmac:"
_HASH = re.compile(r"^hmac:[a-p]{24}$")
_HEX_AS_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
"""Hashes are written in letters: a hash must never look like the digits it replaces."""
_SEP = r"[ \-\u00a0]?"
NATIONAL_ID_IN_TEXT = re.compile(rf"(?<!\d)\d(?:{_SEP}\d){{12}}(?!\d)")
"""Any 13 digits (a valid check digit or not: a mistyped ID is still someone's), `1-2345-67890-12-1` too."""
PHONE_IN_TEXT = re.compile(rf"(?<![\d+])(?:\+66{_SEP}|[0๐])(?:[689๖๘๙]\d|[2-7๒-๗])(?:{_SEP}\d){{7}}(?!\d)")
"""Thai mobile (08x-xxx-xxxx, 06, 09) and landline (02-xxx-xxxx, 053-xxxxxx) numbers, `+66` and Thai
digits too."""

MAX_CHANGE_BYTES = 64_000
"""Each of before/after, as JSON: a proposal's whole text fits many times; an item stays far below 400 KB."""
_ACTION = re.compile(r"^[a-z_]+(?:\.[a-z_]+)*$")
_ENTRY_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Actor:
    """Who acted: the user pool's `sub` (stable) and the name shown at the time (readable)."""

    sub: str
    name: str


@dataclass(frozen=True)
class AuditEntry:
    entry_id: str
    at: datetime
    actor: Actor
    municipality: str
    """Whose log it is in (`*` for national actions such as publishing a template)."""
    action: str
    """What was done, dotted: `proposal.reject`, `staff.roles`, `process.phase`."""
    target: str
    """What it was done to, as a path: `pb-2570/proposals/road-village-1`."""
    before: JSON
    after: JSON
    request_id: str = ""
    """The API request that made the change (API Gateway's request id), to find it in the logs."""

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("audit time must be timezone-aware")
        object.__setattr__(self, "at", self.at.astimezone(UTC))
        if not _ENTRY_ID.match(self.entry_id):
            raise ValueError("entry_id must be 32 lowercase hex digits")
        if self.municipality != ALL_MUNICIPALITIES and not SLUG.match(self.municipality):
            raise ValueError(f"{self.municipality!r} is not a municipality slug")
        if not _ACTION.match(self.action):
            raise ValueError(f"{self.action!r} is not an audit action (dotted lowercase words)")
        if not self.actor.sub or not self.target or len(self.target) > 300:
            raise ValueError("an audit entry needs an actor and a target (at most 300 characters)")
        for side in ("before", "after"):
            value = getattr(self, side)
            _check_json(value, side)
            found = personal_data_in(value)
            if found:  # the paths only: never the values
                raise ValueError(f"personal data in the audit entry's {side}: {', '.join(found)}")
            if len(json.dumps(value, ensure_ascii=False).encode("utf-8")) > MAX_CHANGE_BYTES:
                raise ValueError(f"the audit entry's {side} is larger than {MAX_CHANGE_BYTES} bytes")

    def changes(self) -> list[tuple[str, JSON, JSON]]:
        """(field, before, after) for each top-level field that differs (both sides objects)."""
        before = self.before if isinstance(self.before, dict) else {}
        after = self.after if isinstance(self.after, dict) else {}
        return [(k, before.get(k), after.get(k)) for k in sorted(before.keys() | after.keys())
                if before.get(k) != after.get(k)]


def audit_entry(*, actor: Actor, municipality: str, action: str, target: str, before: Any, after: Any,
                secret: bytes, at: datetime, request_id: str = "", entry_id: str | None = None) -> AuditEntry:
    """The entry for one staff change, with personal data in `before`/`after` replaced by keyed hashes."""
    return AuditEntry(entry_id or uuid.uuid4().hex, at, actor, municipality, action, target,
                      pseudonymize(before, secret), pseudonymize(after, secret), request_id)


def pseudonymize(value: Any, secret: bytes) -> JSON:
    """`value` as JSON with personal fields and phone/ID numbers in text replaced by keyed hashes.

    Dates become ISO text, enums their value; floats are refused (money is whole baht).
    """
    if isinstance(value, Mapping):
        return {str(k): (_hash_value(v, secret) if _personal(str(k)) and v is not None else pseudonymize(v, secret))
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [pseudonymize(v, secret) for v in value]
    if isinstance(value, Enum):
        return pseudonymize(value.value, secret)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return _scrub_text(value, secret)
    if value is None or isinstance(value, bool | int):
        return value
    raise TypeError(f"{type(value).__name__} is not allowed in an audit entry (JSON values, integers only)")


def personal_data_in(value: JSON, path: str = "$") -> list[str]:
    """Paths in `value` holding a raw national ID, phone number or an unhashed personal field."""
    if isinstance(value, dict):
        found: list[str] = []
        for k, v in value.items():
            if _personal(k) and v is not None and not (isinstance(v, str) and _HASH.match(v)):
                found.append(f"{path}.{k}")
            else:
                found += personal_data_in(v, f"{path}.{k}")
        return found
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in personal_data_in(v, f"{path}[{i}]")]
    if isinstance(value, str) and (NATIONAL_ID_IN_TEXT.search(value) or PHONE_IN_TEXT.search(value)):
        return [path]
    return []


def _personal(key: str) -> bool:
    return key.lower() in PERSONAL_FIELDS


def _hash_value(value: Any, secret: bytes) -> str:
    text = value if isinstance(value, str) else json.dumps(pseudonymize(value, secret), sort_keys=True)
    return _hash(_normal(text), secret)


def _scrub_text(text: str, secret: bytes) -> str:
    def replace(match: re.Match[str]) -> str:
        return _hash(_normal(match.group()), secret)

    return PHONE_IN_TEXT.sub(replace, NATIONAL_ID_IN_TEXT.sub(replace, text))


def _normal(text: str) -> str:
    """Digits only for numbers however they were typed (Thai digits, dashes, +66); else trimmed, casefolded."""
    digits = "".join(str(unicodedata.digit(c)) for c in text if unicodedata.digit(c, None) is not None)
    if digits and all(c.isdigit() or c in " -+\u00a0" for c in text.strip()):
        return "0" + digits[2:] if text.strip().startswith("+66") else digits
    return text.strip().casefold()


def _hash(normal: str, secret: bytes) -> str:
    return HASH_PREFIX + keyed_hash(secret, "audit", normal)[:24].translate(_HEX_AS_LETTERS)


def _check_json(value: Any, path: str) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"{path}: keys must be text")
            _check_json(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_json(v, f"{path}[{i}]")
    elif not (value is None or isinstance(value, bool | int | str)):
        raise ValueError(f"{path}: {type(value).__name__} is not a JSON value an audit entry keeps")
