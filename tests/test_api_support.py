"""Supports for ideas (idea consultations) and comment reports counted per distinct reporter."""

from __future__ import annotations

import json

import pytest

from tests.api_fixtures import (
    BASE,
    IDEAS,
    MUNI,
    api_for,
    assert_error_shape,
    make_repository,
    make_service,
    national_id,
    write_idea_content,
)

IDEAS_BASE = f"/api/municipalities/{MUNI}/processes/{IDEAS}"
SUPPORT = IDEAS_BASE + "/proposals/sorting-at-school/support"


def resident(n: int = 1, birth: str = "1990-05-17") -> dict[str, str]:
    return {"national_id": national_id(n), "birth_date": birth}


@pytest.fixture(params=["memory", "dynamodb"])
def api(request, tmp_path):
    service = make_service(write_idea_content(tmp_path, "ideas"), make_repository(request.param))
    with api_for(service) as a:
        yield a


def test_support_once_per_resident_and_counted(api):
    status, data = api.post(SUPPORT, resident(1))
    assert status == 201 and data == {"ok": True, "proposal": "sorting-at-school", "support_count": 1,
                                      "created": True}
    status, data = api.post(SUPPORT, resident(1), key="another-key")  # the same person again
    assert status == 200 and data["created"] is False and data["support_count"] == 1
    assert api.post(SUPPORT, {**resident(1), "national_id": "1-" + national_id(1)[1:5] + "-" +
                              national_id(1)[5:]})[1]["created"] is False  # same ID typed with hyphens
    assert api.post(SUPPORT, resident(2))[1]["support_count"] == 2
    assert api.post(IDEAS_BASE + "/proposals/compost-bins/support", resident(1))[0] == 201
    assert api.get(IDEAS_BASE + "/proposals/sorting-at-school")[1]["proposal"]["support_count"] == 2
    listed = {p["slug"]: p["support_count"] for p in api.get(IDEAS_BASE + "/proposals")[1]["proposals"]}
    assert listed == {"sorting-at-school": 2, "compost-bins": 1}


def test_support_counts_are_exported_and_no_raw_id_is_stored(api, tmp_path):
    from chalicelib.rebuild import export_process

    for n in (1, 2, 3):
        api.post(SUPPORT, resident(n))
    svc = api.service
    export_process(svc, svc.gate.place(MUNI, IDEAS), tmp_path / "data")
    snapshot = json.loads((tmp_path / "data" / MUNI / IDEAS / "snapshot.json").read_text(encoding="utf-8"))
    assert snapshot["support_counts"] == {"sorting-at-school": 3}
    repo = svc.repository
    stored = json.dumps(repo.client.scan(TableName=repo.table)["Items"] if hasattr(repo, "client")
                        else sorted(map(str, repo._supports)))
    assert "SUPPORT#" in stored or "sorting-at-school" in stored
    for n in (1, 2, 3):
        assert national_id(n) not in stored
    assert "1990-05-17" not in stored


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    (SUPPORT, resident(5) | {"national_id": "1234567890123"}, 422, "invalid_national_id"),
    (SUPPORT, resident(5) | {"national_id": 1103702071561}, 400, "string_type"),
    (SUPPORT, resident(5, birth="2015-01-01"), 422, "too_young"),  # minimum age 15 in this template
    (SUPPORT, resident(5, birth="2030-01-01"), 422, "birth_date_future"),
    (SUPPORT, resident(5, birth="17/05/1990"), 400, "date_from_datetime_parsing"),
    (SUPPORT, {"national_id": national_id(5)}, 400, "missing"),
    (SUPPORT, resident(5) | {"choices": {}}, 400, "extra_forbidden"),
    (IDEAS_BASE + "/proposals/secret-idea/support", resident(5), 404, "unknown_proposal"),
    (IDEAS_BASE + "/proposals/no-such-idea/support", resident(5), 404, "unknown_proposal"),
    (f"/api/municipalities/{MUNI}/processes/nope/proposals/x/support", resident(5), 404, "unknown_process"),
])
def test_bad_supports(api, path, body, status, code):
    got, data = api.post(path, body)
    assert got == status, data
    assert_error_shape(data, code)
    assert all(any("\u0e00" <= ch <= "\u0e7f" for ch in e["msg"]) for e in data["errors"])
    assert api.service.repository.support_counts(MUNI, IDEAS) == {}


def test_minimum_age_follows_the_rules_in_force(api):
    """15 today in the idea consultation (the pb process asks 16): accepted."""
    assert api.post(SUPPORT, resident(6, birth="2011-03-10"))[0] == 201
    status, data = api.post(SUPPORT, resident(7, birth="2011-03-11"))
    assert status == 422 and "15 ปี" in data["errors"][0]["msg"]


@pytest.mark.parametrize("phase", ["preparation", "review"])
def test_support_outside_the_ideas_phase_says_when(tmp_path, phase):
    with api_for(make_service(write_idea_content(tmp_path, phase), make_repository("dynamodb"))) as api:
        status, data = api.post(SUPPORT, resident(8))
        assert status == 409
        assert_error_shape(data, "wrong_phase")
        assert "สนับสนุนแนวคิด" in data["errors"][0]["msg"] and "8 มีนาคม 2569" in data["errors"][0]["msg"]
        assert api.service.repository.support_counts(MUNI, IDEAS) == {}


def test_pb_process_has_no_support_phase(tmp_path):
    with api_for(make_service(write_idea_content(tmp_path), make_repository("memory"))) as api:
        status, data = api.post(BASE + "/proposals/road-village-1/support", resident(9))
        assert status == 409 and "ไม่มีช่วงที่สนับสนุนแนวคิดได้" in data["errors"][0]["msg"]


# --- comment reports ------------------------------------------------------------------------------

TOKENS = ["tok-" + "a" * 16, "tok-" + "b" * 16, "tok-" + "c" * 16]


def test_reports_count_distinct_reporters_not_requests(api):
    target = IDEAS_BASE + "/proposals/sorting-at-school/comments"
    cid = api.post(target, {"text": "ไม่สุภาพ", "author": "ก"}, key="c")[1]["comment"]["id"]
    report = f"{target}/{cid}/reports"
    for key in ("k1", "k2", "k3", "k4"):  # one reporter, four requests with new idempotency keys
        status, data = api.post(report, {"reporter": TOKENS[0]}, key=key)
        assert status == 200 and data["comment"]["hidden"] is False
    assert api.service.repository.get_comment(MUNI, IDEAS, "sorting-at-school", cid).reports == 1
    assert api.post(report, {"reporter": TOKENS[1]}, key="k5")[1]["created"] is True
    hidden = api.post(report, {"reporter": TOKENS[2], "reason": "หยาบคาย"}, key="k6")[1]["comment"]
    assert hidden["hidden"] is True  # threshold 3 distinct reporters


@pytest.mark.parametrize("reporter", ["short", "has space in it xxxxxxxx", "ก" * 20, "x" * 65, 12345, None])
def test_bad_reporter_tokens(api, reporter):
    target = IDEAS_BASE + "/proposals/sorting-at-school/comments"
    cid = api.post(target, {"text": "ข้อความ", "author": "ก"}, key="c")[1]["comment"]["id"]
    status, data = api.post(f"{target}/{cid}/reports", {"reporter": reporter})
    assert status == 400
    assert_error_shape(data)
    assert data["errors"][0]["loc"] == ["body", "reporter"]
    assert api.service.repository.get_comment(MUNI, IDEAS, "sorting-at-school", cid).reports == 0
