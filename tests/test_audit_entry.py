"""The audit entry model: JSON-able before → after, and never a raw national ID, birth date or phone."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from prachakhom.audit import MAX_CHANGE_BYTES, Actor, AuditEntry, audit_entry, personal_data_in, pseudonymize
from prachakhom.staff import Role

SECRET = b"audit-test-secret"
AT = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
ACTOR = Actor("0f1e2d3c-aaaa-bbbb-cccc-000000000001", "สมศรี ใจดี")
NATIONAL_ID = "1103702071561"
PHONE = "081-234-5678"


def entry(before: object = None, after: object = None, **kw: object) -> AuditEntry:
    values: dict = dict(actor=ACTOR, municipality="non-kha-hom", action="proposal.correct",
                        target="pb-2570/proposals/road-village-1", before=before, after=after,
                        secret=SECRET, at=AT, request_id="req-1")
    values.update(kw)
    return audit_entry(**values)


def dumped(e: AuditEntry) -> str:
    return json.dumps([e.before, e.after], ensure_ascii=False)


def test_personal_fields_become_keyed_hashes():
    e = entry({"contact": PHONE, "national_id": NATIONAL_ID, "birth_date": date(1970, 5, 17), "title": "ถนน"},
              {"contact": None, "title": "ถนนลาดยาง"})
    text = dumped(e)
    for raw in (PHONE, "0812345678", NATIONAL_ID, "1970-05-17", "1970"):
        assert raw not in text
    assert e.before["contact"].startswith("hmac:") and e.before["national_id"].startswith("hmac:")
    assert e.after == {"contact": None, "title": "ถนนลาดยาง"}
    assert e.changes() == [("birth_date", e.before["birth_date"], None),
                           ("contact", e.before["contact"], None),
                           ("national_id", e.before["national_id"], None),
                           ("title", "ถนน", "ถนนลาดยาง")]


@pytest.mark.parametrize("typed", [
    "โทร 081-234-5678 ได้ตลอด", "โทร 0812345678", "โทร +66 81 234 5678", "โทร ๐๘๑๒๓๔๕๖๗๘",
    "บัตร 1-1037-02071-56-1", "บัตร 1103702071561", "บัตร 1 1037 02071 56 1", "บ้าน 02-123-4567",
])
def test_numbers_in_resident_text_are_hashed(typed):
    """A resident may type a phone or ID into a proposal; the moderator's correction must not copy it."""
    e = entry({"description": typed}, {"description": typed + " (แก้คำผิด)"})
    assert personal_data_in(e.before) == [] and personal_data_in(e.after) == []
    digits = "".join(c for c in typed if c.isdigit())
    assert digits[-7:] not in dumped(e)
    assert e.before["description"].split(" ")[0] == typed.split(" ")[0]  # the words around it stay


def test_same_number_same_hash_however_typed_other_secret_other_hash():
    forms = ["081-234-5678", "0812345678", "+66 81 234 5678", "๐๘๑๒๓๔๕๖๗๘"]
    hashes = {pseudonymize({"phone": f}, SECRET)["phone"] for f in forms}  # type: ignore[index]
    assert len(hashes) == 1
    assert pseudonymize({"phone": forms[0]}, b"another-secret") != pseudonymize({"phone": forms[0]}, SECRET)
    in_text = pseudonymize("เบอร์ 0812345678", SECRET)
    assert in_text == f"เบอร์ {hashes.pop()}"


@pytest.mark.parametrize("harmless", [
    "งบประมาณ 250000 บาท", "2569-03-10", "หมู่ที่ 4 ซอย 12", "เลขที่ 1234567890", "DLA 5999901",
    "ราคา 1,000,000,000 บาท",
])
def test_ordinary_numbers_stay(harmless):
    assert pseudonymize({"note": harmless, "cost": 250000}, SECRET) == {"note": harmless, "cost": 250000}


def test_nested_and_enum_values():
    e = entry({"roles": [Role.MODERATOR]}, {"roles": [Role.MODERATOR, Role.REVIEWER],
                                           "author": {"name": "สมชาย", "Phone": "0891112222"}})
    assert e.after["roles"] == ["moderator", "reviewer"]
    assert e.after["author"]["name"] == "สมชาย" and e.after["author"]["Phone"].startswith("hmac:")


def test_raw_personal_data_refused_without_echoing_it():
    with pytest.raises(ValueError) as err:
        AuditEntry("a" * 32, AT, ACTOR, "non-kha-hom", "proposal.correct", "pb/proposals/x",
                   {"text": "โทร 0812345678"}, {"national_id": NATIONAL_ID})
    assert "0812345678" not in str(err.value) and NATIONAL_ID not in str(err.value)
    assert "$.text" in str(err.value)


@pytest.mark.parametrize(("change", "kw"), [
    ({"cost": 1.5}, {}),                                        # money is whole baht
    ({"x": object()}, {}),
    (None, {"at": datetime(2026, 3, 10, 9, 30)}),               # naive time
    (None, {"action": "Proposal Reject"}),
    (None, {"municipality": "Non Kha Hom"}),
    (None, {"target": ""}),
    (None, {"actor": Actor("", "ใคร")}),
    (None, {"entry_id": "not-hex"}),
    ({"text": "ก" * (MAX_CHANGE_BYTES // 3 + 10)}, {}),
])
def test_malformed_entries_refused(change, kw):
    with pytest.raises((ValueError, TypeError)):
        entry(change, None, **kw)


def test_time_kept_in_utc_and_national_log():
    e = entry(None, {"template": "pb-tambon", "version": 2}, municipality="*", action="template.publish",
              target="templates/pb-tambon/v2", at=datetime(2026, 3, 10, 16, 30, tzinfo=timezone(timedelta(hours=7))))
    assert e.at == AT and e.at.tzinfo is UTC
    assert len(e.entry_id) == 32 and e.entry_id != entry().entry_id
