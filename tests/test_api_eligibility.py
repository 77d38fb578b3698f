"""Votes nobody can take over (issue 8): the birth date tied to the ID, one village per voter, the
voter roll, voided ballots — over the app's HTTP interface, memory and DynamoDB (moto) alike."""

from __future__ import annotations

import pytest

from tests.api_fixtures import (
    BASE,
    IDEAS,
    MUNI,
    PB,
    STAFF_BASE,
    STAFF_TOKEN,
    api_for,
    assert_error_shape,
    ballot_body,
    make_repository,
    make_service,
    national_id,
    write_content,
    write_idea_content,
)

REAL, WRONG = "1961-04-15", "1990-01-01"
ROLL = f"{STAFF_BASE}/roll"


@pytest.fixture(params=["memory", "dynamodb"])
def api(request, tmp_path):
    service = make_service(write_content(tmp_path, "voting"), make_repository(request.param))
    with api_for(service) as a:
        yield a


@pytest.fixture(params=["memory", "dynamodb"])
def roll_api(request, tmp_path):
    content = write_content(tmp_path, "review", overrides="  eligibility: {minimum_age: 16, residency: house_registration, mode: roll}")
    service = make_service(content, make_repository(request.param))
    with api_for(service) as a:
        yield a


def stored(api):
    return api.service.repository.list_ballots(MUNI, PB)


def reveals_nothing(data, receipt: str) -> None:
    text = str(data)
    assert receipt not in text and "road-village-1" not in text and "market-all" not in text
    assert "choices" not in data and "receipt" not in data


# --- declared mode: the first ballot's birth date ---------------------------------------------------


def test_takeover_with_a_wrong_birth_date_is_refused_and_reveals_nothing(api):
    status, first = api.post(BASE + "/ballot", ballot_body(1, birth=REAL), key="real")
    assert status == 201
    receipt = first["receipt"]
    # receipt recovery / "already voted" with a wrong birth date: no receipt, no choices
    status, data = api.post(BASE + "/ballot", ballot_body(1, {"municipality": ["cctv-all"]}, birth=WRONG), key="x1")
    assert status == 409
    assert_error_shape(data, "identity_mismatch")
    reveals_nothing(data, receipt)
    # replacing the ballot (PUT) with a wrong birth date
    status, data = api.put(BASE + "/ballot", ballot_body(1, {"municipality": ["cctv-all"]}, birth=WRONG), key="x2")
    assert status == 409
    assert_error_shape(data, "identity_mismatch")
    reveals_nothing(data, receipt)
    # the same idempotency key as the real voter's request does not help either
    status, data = api.post(BASE + "/ballot", ballot_body(1, birth=WRONG), key="real")
    assert status == 409 and receipt not in str(data)
    # the real voter's ballot and receipt are unchanged; one ballot for the ID
    [ballot] = stored(api)
    assert ballot.receipt == receipt and ballot.version == 1
    assert ballot.choices == {"village-1": {"road-village-1": 1}, "municipality": {"market-all": 1, "park-all": 1}}
    status, check = api.get(f"{BASE}/receipts/{receipt}")
    assert status == 200 and check["version"] == 1
    # the real voter still recovers the receipt and changes the ballot
    status, data = api.post(BASE + "/ballot", ballot_body(1, birth=REAL), key="again")
    assert status == 409 and receipt in data["errors"][0]["msg"]
    status, data = api.put(BASE + "/ballot", ballot_body(1, {"municipality": ["cctv-all"]}, birth=REAL), key="c")
    assert status == 200 and data["version"] == 2 and data["receipt"] == receipt


def test_birth_date_and_id_are_never_stored_in_clear(api):
    api.post(BASE + "/ballot", ballot_body(1, birth=REAL), key="a")
    [ballot] = stored(api)
    text = repr(ballot)
    assert national_id(1) not in text and REAL not in text and "1961" not in text
    assert ballot.birth_hash and len(ballot.birth_hash) == 64


def test_the_village_is_the_first_ballots(api):
    api.post(BASE + "/ballot", ballot_body(1, birth=REAL), key="a")
    assert stored(api)[0].village == 1
    status, data = api.put(BASE + "/ballot", ballot_body(1, {"village-2": ["road-village-2"]}, birth=REAL), key="b")
    assert status == 422
    assert_error_shape(data, "not_your_village")
    assert "หมู่ที่ 1" in data["errors"][0]["msg"]
    # a first ballot without a village pot declares none: no village pot later
    api.post(BASE + "/ballot", ballot_body(2, {"municipality": ["park-all"]}, birth=REAL), key="c")
    status, data = api.put(BASE + "/ballot", ballot_body(2, {"village-1": ["road-village-1"]}, birth=REAL), key="d")
    assert status == 422
    assert_error_shape(data, "village_fixed")


def test_staff_void_frees_the_id_for_the_real_resident(api):
    """An impostor voted first with the resident's ID and a birth date of their choosing; the resident
    shows their card at the office, staff void the ballot, the resident votes."""
    receipt = api.post(BASE + "/ballot", ballot_body(1, birth=WRONG), key="impostor")[1]["receipt"]
    assert api.post(BASE + "/ballot", ballot_body(1, birth=REAL), key="real")[0] == 409
    body = {"national_id": national_id(1), "reason": "เจ้าของบัตรมาแสดงตนที่สำนักงาน"}
    assert api.staff(STAFF_BASE + "/ballots/void", body, token="wrong")[0] == 401
    status, data = api.staff(STAFF_BASE + "/ballots/void", body)
    assert status == 200 and data["receipt"] == receipt
    assert stored(api) == []
    [voided] = api.service.repository.list_voided(MUNI, PB)
    assert voided.reason == body["reason"] and voided.ballot.birth_hash
    status, data = api.post(BASE + "/ballot", ballot_body(1, {"municipality": ["cctv-all"]}, birth=REAL), key="real2")
    assert status == 201 and data["receipt"] == receipt
    assert [b.choices for b in stored(api)] == [{"municipality": {"cctv-all": 1}}]
    entries = audit_entries(api)
    assert [e.action for e in entries] == ["ballot.void"]
    assert national_id(1) not in repr(entries)
    status, data = api.staff(STAFF_BASE + "/ballots/void", {"national_id": national_id(9), "reason": "ไม่มีบัตรนี้"})
    assert status == 404
    assert_error_shape(data, "no_ballot_to_void")


def audit_entries(api):
    from chalicelib.storage.audit import DynamoAuditLog
    from chalicelib.storage.memory import MemoryRepository

    repo = api.service.repository
    log = repo.audit_log if isinstance(repo, MemoryRepository) else DynamoAuditLog(repo.client, repo.table)
    return list(log.export(MUNI))


def test_supports_need_the_same_birth_date(tmp_path):
    service = make_service(write_idea_content(tmp_path, "ideas"), make_repository("memory"))
    with api_for(service) as api:
        support = f"/api/municipalities/{MUNI}/processes/{IDEAS}/proposals/sorting-at-school/support"
        assert api.post(support, {"national_id": national_id(1), "birth_date": REAL})[0] == 201
        status, data = api.post(support, {"national_id": national_id(1), "birth_date": WRONG})
        assert status == 409
        assert_error_shape(data, "identity_mismatch")
        status, data = api.post(support, {"national_id": national_id(1), "birth_date": REAL})
        assert status == 200 and data["support_count"] == 1 and data["created"] is False
        # an impostor supported first with resident 2's ID: staff void it, the resident supports
        assert api.post(support, {"national_id": national_id(2), "birth_date": WRONG})[0] == 201
        assert api.post(support, {"national_id": national_id(2), "birth_date": REAL})[0] == 409
        void = f"{STAFF_BASE.replace(PB, IDEAS)}/proposals/sorting-at-school/supports/void"
        body = {"national_id": national_id(2), "reason": "เจ้าของบัตรมาแสดงตนที่สำนักงาน"}
        assert api.staff(void, body, token="wrong")[0] == 401
        assert api.staff(void, body)[0] == 200
        assert api.staff(void, body)[0] == 404
        status, data = api.post(support, {"national_id": national_id(2), "birth_date": REAL})
        assert status == 201 and data["support_count"] == 2
        assert [e.action for e in service.repository.audit_log.export(MUNI)] == ["support.void"]


# --- roll mode ------------------------------------------------------------------------------------------


def upload(api, text: str | bytes, token: str = STAFF_TOKEN, query: str = "") -> tuple[int, object]:
    """A UTF-8 file as text/csv; any other bytes as application/octet-stream (a binary type for API
    Gateway, so a TIS-620 file arrives byte for byte)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    ctype = "text/csv" if isinstance(text, str) else "application/octet-stream"
    status, body, _ = api.call("PUT", "/api/staff" + ROLL + query, raw=data,
                               headers={"Authorization": f"Bearer {token}", "Content-Type": ctype})
    return status, body


def roll_csv(*rows: tuple[int, str, str]) -> str:
    return "เลขประจำตัวประชาชน,วันเกิด,หมู่ที่\n" + "".join(f"{national_id(n)},{d},{v}\n" for n, d, v in rows)


def advance(api, expected: str) -> None:
    status, data = api.staff(STAFF_BASE + "/phase", {"expected_phase": expected}, key=f"to-after-{expected}")
    assert status == 200, data


def test_roll_mode_the_pair_must_be_on_the_roll_and_the_pot_is_the_rolls(roll_api):
    api = roll_api
    status, data = upload(api, roll_csv((1, "15/04/2504", "หมู่ 2"), (2, "02/02/2533", "1")))
    assert status == 200 and data["roll"]["count"] == 2 and data["roll"]["villages"] == {"1": 1, "2": 1}
    advance(api, "review")
    # the page sends village 1's pot; the roll says village 2
    status, data = api.post(BASE + "/ballot", ballot_body(1, birth=REAL), key="a")
    assert status == 422
    assert_error_shape(data, "not_your_village")
    status, data = api.post(BASE + "/ballot", ballot_body(1, {"village-2": ["road-village-2"]}, birth=REAL), key="b")
    assert status == 201
    assert stored(api)[0].village == 2
    # a wrong pair gets one answer, whether or not that ID voted or is on the roll
    answers = []
    for n, birth in ((1, WRONG), (2, WRONG), (3, REAL)):
        status, data = api.post(BASE + "/ballot", ballot_body(n, {"municipality": ["park-all"]}, birth=birth), key=f"w{n}")
        answers.append((status, data))
        status, data = api.put(BASE + "/ballot", ballot_body(n, {"municipality": ["park-all"]}, birth=birth), key=f"p{n}")
        answers.append((status, data))
    assert all(a == answers[0] for a in answers), [(s, [e["code"] for e in d.get("errors", [])]) for s, d in answers]
    assert answers[0][0] == 422
    assert_error_shape(answers[0][1], "not_on_roll")
    [ballot] = stored(api)
    assert ballot.version == 1 and ballot.choices == {"village-2": {"road-village-2": 1}}


def test_roll_mode_without_a_roll_refuses_with_the_reason(roll_api):
    advance(roll_api, "review")
    status, data = roll_api.post(BASE + "/ballot", ballot_body(1, birth=REAL), key="a")
    assert status == 409
    assert_error_shape(data, "no_roll")


def test_bad_roll_stores_nothing_and_reports_every_row(roll_api):
    first = national_id(1)
    bad_check = first[:12] + str((int(first[12]) + 1) % 10)
    text = ("national_id,birth_date,village\n"
            f"{national_id(1)},15/04/2504,1\n"
            f"{bad_check},15/04/2504,1\n"
            f"{national_id(1)},15/04/2504,1\n"
            f"{national_id(2)},15/04/2504,7\n"
            "\n"
            f"{national_id(3)},15/04/04,1\n")
    status, data = upload(roll_api, text)
    assert status == 422
    assert [(e["loc"][-1], e["code"]) for e in data["errors"]] == [
        (3, "roll_check_digit"), (4, "roll_duplicate_id"), (5, "roll_unknown_village"), (7, "roll_date_two_digit_year")]
    assert all(e["msg"].startswith("บรรทัดที่") for e in data["errors"])
    assert roll_api.service.repository.get_roll(MUNI, PB) is None


def test_roll_replaced_atomically_and_refused_during_voting_unless_confirmed(roll_api):
    api = roll_api
    assert upload(api, roll_csv((1, "15/04/2504", "1")))[0] == 200
    old = api.service.repository.get_roll(MUNI, PB)
    tis = roll_csv((2, "01/01/2533", "หมู่ 2"), (3, "๑๕ เม.ย. ๒๕๐๔", "ม.1")).encode("tis-620")
    status, data = upload(api, tis)
    assert status == 200 and data["replaced"] == old.version and data["roll"]["count"] == 2
    repo = api.service.repository
    assert repo.roll_bucket(MUNI, PB, old.version, "000") == {}  # the old version's buckets are gone
    advance(api, "review")
    status, data = upload(api, roll_csv((1, "15/04/2504", "1")))
    assert status == 409
    assert_error_shape(data, "roll_voting_started")
    assert repo.get_roll(MUNI, PB).count == 2
    assert api.post(BASE + "/ballot", ballot_body(1, {"municipality": ["park-all"]}, birth=REAL), key="a")[0] == 422
    status, data = upload(api, roll_csv((1, "15/04/2504", "1")), query="?confirm=voting-started")
    assert status == 200 and data["roll"]["count"] == 1
    api.service.rolls.eligibility.forget_roll(api.service.gate.place(MUNI, PB))
    assert api.post(BASE + "/ballot", ballot_body(1, {"municipality": ["park-all"]}, birth=REAL), key="b")[0] == 201
    actions = [(e.action, e.after["confirmed_after_voting_started"]) for e in audit_entries(api)]
    assert sorted(actions) == [("roll.replace", False), ("roll.replace", True), ("roll.upload", False)]
    assert "2504" not in repr(audit_entries(api)) and national_id(1) not in repr(audit_entries(api))


def test_roll_upload_is_role_checked(tmp_path):
    """With a user pool, the permission table decides: data entry and admin may, a moderator may not."""
    from chalicelib.auth import StaffTokens, VerifiedToken
    from chalicelib.staff_access import StaffAccess
    from chalicelib.storage.staff import MemoryStaffDirectory

    from prachakhom.staff import Role

    content = write_content(tmp_path, "review", overrides="  eligibility: {minimum_age: 16, residency: house_registration, mode: roll}")
    repo = make_repository("memory")
    service = make_service(content, repo)
    directory = MemoryStaffDirectory(repo.audit_log)
    for sub, role in (("sub-clerk", Role.DATA_ENTRY), ("sub-mod", Role.MODERATOR)):
        directory.save_profile(sub, sub, f"name {sub}")
        directory.set_roles(sub, MUNI, [role])

    def verify(header: str | None) -> VerifiedToken:
        sub = (header or "").removeprefix("Bearer ").split(".")[0]
        return VerifiedToken(sub, sub, "access", "client", 0)

    object.__setattr__(service, "access", StaffAccess(StaffTokens({}), verify, directory))
    with api_for(service) as api:
        status, data = upload(api, roll_csv((1, "15/04/2504", "1")), token="sub-mod.x.y")
        assert status == 403
        assert_error_shape(data, "forbidden")
        status, data = upload(api, roll_csv((1, "15/04/2504", "1")), token="sub-clerk.x.y")
        assert status == 200
    [entry] = [e for e in repo.audit_log.export(MUNI) if e.action == "roll.upload"]
    assert entry.actor.sub == "sub-clerk"

