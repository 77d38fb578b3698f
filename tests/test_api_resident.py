"""Resident endpoints through the Chalice test client: happy paths and every bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api_fixtures import BASE, api_for, assert_error_shape, make_repository, make_service, write_content

PROPOSAL = {"title": "ซ่อมถนนสายบ้านเหนือ", "summary": "ถนนเป็นหลุม", "description": "ยาว 500 เมตร",
            "category": "roads", "village": 1, "cost": 150000, "author": "สมชาย", "contact": "081-234-5678"}


@pytest.fixture(params=["memory", "dynamodb"])
def api(request, tmp_path):
    service = make_service(write_content(tmp_path, "proposals"), make_repository(request.param))
    with api_for(service) as a:
        yield a


def test_health_and_cors(api):
    status, data, headers = api.call("GET", "/api/health")
    assert status == 200 and data["ok"] is True
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "Idempotency-Key" in headers["Access-Control-Allow-Headers"]


def test_process_state(api):
    status, data = api.get(BASE)
    assert status == 200
    assert data["phase"]["key"] == "proposals" and "propose" in data["phase"]["actions"]
    assert data["budget"] == {"total": 1000000, "pots": {"village-1": 300000, "village-2": 300000,
                                                         "municipality": 400000}}
    assert data["ballot"] == {"kind": "approval", "min_projects": 1, "max_projects": 3}
    assert data["eligibility"]["minimum_age"] == 16
    assert [p["key"] for p in data["phases"]][:2] == ["preparation", "proposals"]


@pytest.mark.parametrize("path", ["/api/municipalities/nowhere/processes/pb-2570",
                                  "/api/municipalities/ban-test/processes/nope",
                                  BASE + "/proposals/no-such-proposal"])
def test_unknown_places_are_404(api, path):
    status, data = api.get(path)
    assert status == 404
    assert_error_shape(data)


def test_proposal_waits_for_moderation_then_is_published(api):
    status, data = api.post(BASE + "/proposals", PROPOSAL, key="k-1")
    assert status == 201 and data["proposal"]["status"] == "under_review"
    slug = data["proposal"]["slug"]
    assert slug.startswith("online-")
    assert "contact" not in data["proposal"]
    assert slug not in [p["slug"] for p in api.get(BASE + "/proposals")[1]["proposals"]]
    assert api.get(f"{BASE}/proposals/{slug}")[0] == 404
    status, staff = api.staff(f"/municipalities/ban-test/processes/pb-2570/proposals/{slug}/moderation",
                              {"decision": "approve"})
    assert status == 200 and staff["proposal"]["status"] == "published"
    listed = api.get(BASE + "/proposals")[1]["proposals"]
    mine = [p for p in listed if p["slug"] == slug]
    assert mine and mine[0]["title"] == PROPOSAL["title"] and "contact" not in mine[0]
    assert "081-234-5678" not in str(listed)
    assert api.get(f"{BASE}/proposals/{slug}")[1]["proposal"]["description"] == "ยาว 500 เมตร"
    staff_list = api.staff("/municipalities/ban-test/processes/pb-2570/proposals", method="GET")[1]
    assert staff_list["proposals"][0]["contact"] == "081-234-5678"


def test_proposal_retry_with_same_key_creates_one(api):
    first = api.post(BASE + "/proposals", PROPOSAL, key="same")
    second = api.post(BASE + "/proposals", PROPOSAL, key="same")
    assert (first[0], second[0]) == (201, 200)
    assert first[1]["proposal"]["slug"] == second[1]["proposal"]["slug"]
    assert second[1]["proposal"]["title"] == PROPOSAL["title"] and second[1]["created"] is False
    assert len(api.service.repository.list_proposals("ban-test", "pb-2570")) == 1
    assert api.post(BASE + "/proposals", PROPOSAL, key="other")[0] == 201
    assert len(api.service.repository.list_proposals("ban-test", "pb-2570")) == 2


def test_same_key_with_another_body_is_an_idempotency_conflict(api):
    """The key names one request: sent again with another body it is refused (409), never answered
    with the first proposal as if it were the second."""
    assert api.post(BASE + "/proposals", PROPOSAL, key="same")[0] == 201
    status, data = api.post(BASE + "/proposals", {**PROPOSAL, "title": "อื่น"}, key="same")
    assert status == 409
    assert_error_shape(data, "idempotency_conflict")
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in data["errors"][0]["msg"])
    stored = api.service.repository.list_proposals("ban-test", "pb-2570")
    assert [p.title for p in stored] == [PROPOSAL["title"]]


@pytest.mark.parametrize(("change", "code", "loc"), [
    ({"title": None}, "string_type", ["body", "title"]),
    ({"title": ""}, "string_too_short", ["body", "title"]),
    ({"title": "ก" * 121}, "string_too_long", ["body", "title"]),
    ({"cost": 1500.5}, "int_type", ["body", "cost"]),
    ({"cost": "150,000"}, "int_type", ["body", "cost"]),
    ({"cost": -1}, "greater_than_equal", ["body", "cost"]),
    ({"cost": 99999999999999999999999}, "less_than_equal", ["body", "cost"]),
    ({"category": "spaceships"}, "unknown_category", ["body", "category"]),
    ({"category": "Roads!"}, "string_pattern_mismatch", ["body", "category"]),
    ({"village": 9}, "unknown_village", ["body", "village"]),
    ({"village": "1"}, "int_type", ["body", "village"]),
    ({"colour": "red"}, "extra_forbidden", ["body", "colour"]),
    ({"author": "   "}, "string_too_short", ["body", "author"]),
])
def test_bad_proposals_are_400(api, change, code, loc):
    body = {**PROPOSAL, **change}
    status, data = api.post(BASE + "/proposals", body, key="bad")
    assert status == 400, data
    assert_error_shape(data, code)
    assert loc in [e["loc"] for e in data["errors"]]
    assert all(any("\u0e00" <= ch <= "\u0e7f" for ch in e["msg"]) for e in data["errors"])
    assert api.service.repository.list_proposals("ban-test", "pb-2570") == []


@pytest.mark.parametrize(("raw", "code"), [(b"{not json", "invalid_json"), (b"[1, 2]", "model_type"),
                                           (b"\xff\xfe", "invalid_json"), (b"", "missing")])
def test_malformed_bodies_are_400(api, raw, code):
    status, data, _ = api.call("POST", BASE + "/proposals", raw=raw)
    assert status == 400
    assert_error_shape(data, code)


def test_a_proposal_for_the_whole_area_has_no_village(api):
    """The form's village field is required, and its first choice, the whole area, sends no village."""
    body = {k: v for k, v in PROPOSAL.items() if k != "village"}
    status, data = api.post(BASE + "/proposals", body, key="whole-area")
    assert status == 201, data
    assert data["proposal"]["village"] is None


def test_money_beyond_any_budget_is_refused_saying_the_limit(api):
    status, data = api.post(BASE + "/proposals", {**PROPOSAL, "cost": 10**23}, key="too-much")
    assert status == 400
    assert [e["msg"] for e in data["errors"]] == ["ต้องไม่เกิน 100,000,000,000"]


def test_missing_title_reported_with_every_other_problem(api):
    body = {k: v for k, v in PROPOSAL.items() if k != "title"} | {"cost": "x"}
    status, data = api.post(BASE + "/proposals", body)
    assert status == 400
    assert {e["code"] for e in data["errors"]} >= {"missing", "int_type"}


def test_method_not_allowed_uses_the_error_shape(api):
    status, data, _ = api.call("DELETE", BASE + "/proposals")
    assert status == 405
    assert_error_shape(data, "method_not_allowed")


def test_comments_replies_and_reports(api):
    target = BASE + "/proposals/road-village-1/comments"
    status, first = api.post(target, {"text": "เห็นด้วยครับ", "author": "สมหญิง"}, key="c1")
    assert status == 201
    cid = first["comment"]["id"]
    assert api.post(target, {"text": "เห็นด้วยครับ", "author": "สมหญิง"}, key="c1")[0] == 200
    api.service.clock.current += timedelta(minutes=1)
    status, reply = api.post(target, {"text": "ขอบคุณ", "author": "สมชาย", "parent_id": cid}, key="c2")
    assert status == 201 and reply["comment"]["parent_id"] == cid
    comments = api.get(target)[1]["comments"]
    assert [c["id"] for c in comments] == [cid, reply["comment"]["id"]]
    counts = {p["slug"]: p["comment_count"] for p in api.get(BASE + "/proposals")[1]["proposals"]}
    assert counts["road-village-1"] == 2
    report = f"{target}/{cid}/reports"
    first, second, third = ("reporter-" + n * 8 for n in "abc")
    assert api.post(report, {"reporter": first}, key="r1")[1]["comment"]["hidden"] is False
    assert api.post(report, {"reporter": first}, key="r1")[1]["comment"]["hidden"] is False  # retrying
    assert api.post(report, {"reporter": first}, key="r1b")[1]["comment"]["hidden"] is False  # same reporter
    assert api.post(report, {"reason": "หยาบคาย", "reporter": second}, key="r2")[1]["comment"]["hidden"] is False
    hidden = api.post(report, {"reporter": third}, key="r3")[1]["comment"]
    assert hidden["hidden"] is True and hidden["text"] is None
    listed = api.get(target)[1]["comments"][0]
    assert listed["hidden"] is True and listed["text"] is None
    assert {p["slug"]: p["comment_count"] for p in api.get(BASE + "/proposals")[1]["proposals"]}[
        "road-village-1"] == 1


@pytest.mark.parametrize(("path", "body", "status", "code"), [
    ("/proposals/road-village-1/comments", {"text": "", "author": "ก"}, 400, "string_too_short"),
    ("/proposals/road-village-1/comments", {"text": "ก", "author": "ก", "x": 1}, 400, "extra_forbidden"),
    ("/proposals/road-village-1/comments", {"text": "ก", "author": "ก", "parent_id": "c000000000000"}, 422,
     "parent_not_found"),
    ("/proposals/road-village-1/comments", {"text": "ก", "author": "ก", "parent_id": "x"}, 400,
     "string_pattern_mismatch"),
    ("/proposals/library-village-9/comments", {"text": "ก", "author": "ก"}, 404, "unknown_proposal"),
    ("/proposals/road-village-1/comments/c000000000000/reports", {"reporter": "r" * 16}, 404, "unknown_comment"),
    ("/proposals/road-village-1/comments/c000000000000/reports", {"reporter": "r" * 16, "why": 1}, 400,
     "extra_forbidden"),
    ("/proposals/road-village-1/comments/c000000000000/reports", {}, 400, "missing"),  # reporter is required
])
def test_bad_comments(api, path, body, status, code):
    got, data = api.post(BASE + path, body)
    assert got == status
    assert_error_shape(data, code)
    assert api.service.repository.list_comments("ban-test", "pb-2570") == []


def test_actions_outside_their_phase_say_when(tmp_path):
    service = make_service(write_content(tmp_path, "preparation"), make_repository("memory"))
    with api_for(service) as api:
        status, data = api.post(BASE + "/proposals", PROPOSAL, key="early")
        assert status == 409
        assert_error_shape(data, "wrong_phase")
        msg = data["errors"][0]["msg"]
        assert "เสนอแนวคิดและประชาคมหมู่บ้าน" in msg and "15 มกราคม 2569" in msg and "13 กุมภาพันธ์ 2569" in msg
        assert api.service.repository.list_proposals("ban-test", "pb-2570") == []
