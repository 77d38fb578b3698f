"""Hostile input never crashes the API: every refusal a 4xx in the one error shape with a Thai msg
(bodies nested too deep, numbers too long, money beyond any budget, text with nothing readable or
bidi controls, non-ASCII headers, unknown paths, a support on a budgeting process, a stored phase
content no longer knows)."""

from __future__ import annotations

import json

import pytest

from tests.api_fixtures import (
    BASE,
    IDEAS,
    MUNI,
    STAFF_BASE,
    api_for,
    assert_error_shape,
    ballot_body,
    clock,
    make_repository,
    make_service,
    national_id,
    run_together,
    served,
    write_content,
    write_idea_content,
)

PROPOSAL = {"title": "ซ่อมถนน", "summary": "หลุม", "description": "ยาว 1 กม.", "category": "roads", "village": 1, "cost": 150000,
            "author": "สมชาย"}


def thai(msg: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in msg)


@pytest.fixture(params=["memory", "dynamodb"])
def api(request, tmp_path):
    service = make_service(write_content(tmp_path, "proposals"), make_repository(request.param))
    with api_for(service) as a:
        yield a


def refused(api, raw: bytes, code: str, path: str = BASE + "/proposals", status: int = 400) -> dict:
    got, data, _ = api.call("POST", path, raw=raw, headers={"Idempotency-Key": "k"})
    assert got == status, data
    assert_error_shape(data, code)
    assert all(thai(e["msg"]) for e in data["errors"]), data
    return data


def test_deep_nesting_is_refused_before_parsing(api):
    refused(api, b"[" * 968 + b"]" * 968, "body_too_deep")  # ~2 KB: RecursionError in json.loads before
    refused(api, json.dumps({**PROPOSAL, "x": [[[[[[[[[1]]]]]]]]]}).encode(), "body_too_deep")
    deep_string = json.dumps({**PROPOSAL, "title": "[" * 2000}).encode()  # brackets inside a string count for nothing
    got, data, _ = api.call("POST", BASE + "/proposals", raw=deep_string)
    assert got == 400 and "body_too_deep" not in str(data)


UNREADABLE = {"\u200b\u200b\u200b": "text_not_readable", "\u0e34\u0e48\u0e49": "text_not_readable",
              "\u202eเงินทอน": "text_bidi_control", "ดี\u2066มาก": "text_bidi_control", "ก\x07ข": "text_control_character"}


@pytest.mark.parametrize(("typed", "code"), UNREADABLE.items(), ids=list(UNREADABLE.values()))
def test_text_with_nothing_readable_or_bidi_controls_is_refused(api, typed, code):
    """Before: a comment or an author name made only of zero-width characters or Thai marks, or
    starting with a right-to-left override, was stored. Now the core's text rule refuses it (Thai
    message, the field named), and nothing is stored."""
    path = BASE + "/proposals/road-village-1/comments"
    for body, field in (({"text": typed, "author": "สมชาย"}, "text"), ({"text": "เห็นด้วย", "author": typed}, "author")):
        data = refused(api, json.dumps(body).encode(), code, path=path)
        assert data["errors"][0]["loc"] == ["body", field], data
    data = refused(api, json.dumps({**PROPOSAL, "title": typed}).encode(), code)
    assert data["errors"][0]["loc"] == ["body", "title"]
    assert api.get(path)[1]["comments"] == []


def test_text_is_normalised_on_the_way_in(api):
    """NFC, and a line separator a one-line field cannot hold becomes a space (a comment keeps it as
    a line break): what is stored is what pages, search and the ballot files can carry."""
    status, data = api.post(BASE + "/proposals/road-village-1/comments",
                            {"text": "ถนน\u2028ซอย 5 cafe\u0301", "author": "สม\u2028ชาย"}, key="nfc")
    assert status == 201, data
    assert data["comment"]["text"] == "ถนน\nซอย 5 caf\u00e9" and data["comment"]["author"] == "สม ชาย"


def test_long_numbers_are_refused(api):
    refused(api, b'{"title": "x", "category": "roads", "author": "a", "cost": 1' + b"0" * 4300 + b"}",
            "number_too_large")
    refused(api, b'{"title": "x", "category": "roads", "author": "a", "cost": 1' + b"0" * 40 + b"}",
            "number_too_large")
    refused(api, b'{"title": "x", "category": "roads", "author": "a", "cost": 1e999}', "number_too_large")
    refused(api, b'{"title": "x", "category": "roads", "author": "a", "cost": NaN}', "invalid_json")
    assert api.service.repository.list_proposals(MUNI, "pb-2570") == []


def test_money_beyond_any_budget_is_refused(api):
    from prachakhom.models import MAX_BAHT

    data = refused(api, json.dumps({**PROPOSAL, "cost": MAX_BAHT + 1}).encode(), "less_than_equal")
    assert data["errors"][0]["loc"] == ["body", "cost"]
    got, data = api.post(BASE + "/proposals", {**PROPOSAL, "cost": MAX_BAHT}, key="max")
    assert got == 201, data


def test_revised_cost_beyond_any_budget_is_refused_even_for_an_unknown_proposal(api):
    from prachakhom.models import MAX_BAHT

    for slug in ("online-0000000000", "road-village-1"):
        got, data = api.staff(f"{STAFF_BASE}/proposals/{slug}/moderation",
                              {"decision": "feasible", "answer": "ได้", "revised_cost": 10 ** 39})
        assert got == 400 and data["errors"][0]["code"] == "number_too_large", data
        got, data = api.staff(f"{STAFF_BASE}/proposals/{slug}/moderation",
                              {"decision": "feasible", "answer": "ได้", "revised_cost": MAX_BAHT + 1})
        assert got == 400 and data["errors"][0]["code"] == "less_than_equal", data


def test_too_large_a_body_is_refused(api):
    refused(api, json.dumps({**PROPOSAL, "description": "ก" * 70_000}).encode(), "body_too_large")


def test_points_and_pots_are_bounded(api):
    body = ballot_body(1, {"municipality": {"market-all": 10 ** 7}})
    got, data = api.post(BASE + "/ballot", body)
    assert got == 400 and data["errors"][0]["loc"][:3] == ["body", "choices", "municipality"], data
    body = ballot_body(1, {"ไม่ใช่กอง": ["market-all"]})
    got, data = api.post(BASE + "/ballot", body)
    assert got == 400, data
    assert_error_shape(data)


def test_non_ascii_headers_are_refused_not_crashed(api):
    path = f"/api/staff{STAFF_BASE}/phase"
    got, data, _ = api.call("POST", path, body={}, headers={"Authorization": "Bearer ทดสอบ-โทเค็น"})
    assert got == 401
    assert_error_shape(data, "unauthorized")
    got, data, _ = api.call("POST", BASE + "/proposals", body=PROPOSAL, headers={"Idempotency-Key": "คีย์"})
    assert got == 400
    assert_error_shape(data, "invalid_idempotency_key")
    got, data, _ = api.call("POST", BASE + "/proposals", body=PROPOSAL, headers={"Idempotency-Key": "k" * 201})
    assert got == 400
    assert api.service.repository.list_proposals(MUNI, "pb-2570") == []


def test_support_on_a_budgeting_process_is_the_thai_refusal(api):
    got, data = api.post(BASE + "/proposals/road-village-1/support",
                         {"national_id": national_id(5), "birth_date": "1990-01-01"})
    assert got == 409, data
    assert_error_shape(data, "wrong_phase")
    assert "ไม่มีช่วงที่สนับสนุนแนวคิดได้" in data["errors"][0]["msg"]


def test_an_unknown_stored_phase_never_500s(tmp_path):
    """A stored phase that content no longer knows (a template renamed it): the API goes by content's
    and the calendar's phase — the page, a proposal, a staff move — and never answers 500."""
    from chalicelib.storage.records import ProcessState

    repo = make_repository("dynamodb")
    service = make_service(write_content(tmp_path, "proposals"), repo)
    repo.init_state(ProcessState(MUNI, "pb-2570", "old-phase", clock().now()))
    with api_for(service) as a:
        got, data = a.get(BASE)
        assert got == 200 and data["phase"]["key"] == "proposals"
        assert a.post(BASE + "/proposals", PROPOSAL, key="p1")[0] == 201
        got, data = a.post(BASE + "/ballot", ballot_body(1))
        assert got == 409 and "ขณะนี้อยู่ในช่วง" in data["errors"][0]["msg"]
        got, data = a.staff(STAFF_BASE + "/phase", {"expected_phase": "proposals"}, key="move")
        assert got == 200 and data["phase"] == "review", data
        assert repo.get_state(MUNI, "pb-2570").phase == "review"


@pytest.mark.parametrize("kind", ["memory", "dynamodb"])
def test_concurrent_first_writes_to_a_process_without_a_stored_phase(tmp_path, kind):
    """Twelve residents comment at once on a process nobody has touched yet (no stored phase): the
    phase allows it, so every one is stored — none is told `wrong_phase`."""
    repo = make_repository(kind)
    service = make_service(write_content(tmp_path, "proposals"), repo)
    with served(service) as http:
        answers = run_together([
            (lambda i=i: http.post(BASE + "/proposals/road-village-1/comments",
                                   {"text": f"เห็นด้วย {i}", "author": f"ผู้ร่วม {i}"}, key=f"c{i}"))
            for i in range(12)])
    assert [a[0] for a in answers] == [201] * 12, answers
    assert len(repo.list_comments(MUNI, "pb-2570")) == 12


def test_unknown_paths_and_methods_answer_in_the_one_shape(tmp_path):
    service = make_service(write_idea_content(tmp_path), make_repository("memory"))
    with served(service) as http:
        for method, path, headers in [
            ("GET", "/", {}), ("GET", "/api", {}), ("GET", "/nowhere/at/all", {}),
            ("POST", "/api/municipalities", {}), ("GET", f"{BASE}/proposals/x/y/z", {}),
            ("GET", "/api/unknown", {"Authorization": "Bearer ทดสอบ"}),  # chalice local crashed on this
            ("DELETE", BASE + "/proposals", {}), ("PATCH", "/api/health", {}),
            ("GET", f"/api/municipalities/{MUNI}/processes/{IDEAS}/nothing", {}),
        ]:
            got, data, hdrs = http.call(method, path, headers=headers)
            assert got in (404, 405), (method, path, got, data)
            assert_error_shape(data)
            assert "Missing Authentication Token" not in json.dumps(data)
            assert all(thai(e["msg"]) for e in data["errors"]), data
            assert hdrs["content-type"].startswith("application/json")
