"""Staff endpoints: token per municipality, next phase (idempotent, conditional), moderation."""

from __future__ import annotations

import pytest

from tests.api_fixtures import (
    BASE,
    STAFF_BASE,
    api_for,
    assert_error_shape,
    make_repository,
    make_service,
    write_content,
)

PROPOSAL = {"title": "ไฟถนน", "summary": "มืด", "description": "ซอย 3 มืดมาก", "category": "lighting", "village": 2, "cost": 50000, "author": "สมศรี"}


@pytest.fixture(params=["memory", "dynamodb"])
def api(request, tmp_path):
    service = make_service(write_content(tmp_path, "proposals"), make_repository(request.param))
    with api_for(service) as a:
        yield a


@pytest.mark.parametrize("token", ["", "wrong", "staff-token-ban-tes"])
def test_staff_token_required(api, token):
    status, data = api.staff(STAFF_BASE + "/phase", {}, token=token)
    assert status == 401
    assert_error_shape(data, "unauthorized")
    assert api.get(BASE)[1]["phase"]["key"] == "proposals"


def test_next_phase_idempotent_and_conditional(api):
    status, data = api.staff(STAFF_BASE + "/phase", {"expected_phase": "proposals"}, key="move-1")
    assert status == 200 and (data["previous"], data["phase"]) == ("proposals", "review")
    again = api.staff(STAFF_BASE + "/phase", {"expected_phase": "proposals"}, key="move-1")
    assert again[0] == 200 and again[1]["phase"] == "review" and again[1]["replay"] is True
    status, data = api.staff(STAFF_BASE + "/phase", {"expected_phase": "proposals"}, key="move-2")
    assert status == 409
    assert_error_shape(data, "phase_conflict")
    assert api.get(BASE)[1]["phase"]["key"] == "review"
    for expected in ("review", "voting", "results"):
        assert api.staff(STAFF_BASE + "/phase", {"expected_phase": expected}, key=f"to-{expected}")[0] == 200
    status, data = api.staff(STAFF_BASE + "/phase", {}, key="beyond")
    assert status == 409
    assert_error_shape(data, "last_phase")


@pytest.mark.parametrize("body", [{"expected_phase": "Voting!"}, {"to": "voting"}])
def test_bad_phase_bodies(api, body):
    status, data = api.staff(STAFF_BASE + "/phase", body)
    assert status == 400
    assert_error_shape(data)


def test_moderation_flow(api):
    slug = api.post(BASE + "/proposals", PROPOSAL, key="p")[1]["proposal"]["slug"]
    path = f"{STAFF_BASE}/proposals/{slug}/moderation"
    status, data = api.staff(path, {"decision": "feasible", "answer": "ทำได้"})
    assert status == 409
    assert_error_shape(data, "bad_decision")
    assert api.staff(path, {"decision": "approve"})[1]["proposal"]["status"] == "published"
    assert api.staff(path, {"decision": "approve"})[1]["replay"] is True
    status, data = api.staff(path, {"decision": "feasible"})
    assert status == 400
    assert_error_shape(data, "missing")
    status, data = api.staff(path, {"decision": "feasible", "answer": "ทำได้ ราคาใหม่", "revised_cost": 60000})
    assert status == 200 and data["proposal"]["feasibility"]["revised_cost"] == 60000
    assert api.staff(path, {"decision": "maybe"})[0] == 400
    assert api.staff(f"{STAFF_BASE}/proposals/online-nothing/moderation", {"decision": "approve"})[0] == 404


def test_online_feasible_proposal_is_on_the_ballot(api):
    slug = api.post(BASE + "/proposals", PROPOSAL, key="p")[1]["proposal"]["slug"]
    path = f"{STAFF_BASE}/proposals/{slug}/moderation"
    api.staff(path, {"decision": "approve"})
    api.staff(path, {"decision": "feasible", "answer": "ทำได้"})
    for expected in ("proposals", "review"):
        api.staff(STAFF_BASE + "/phase", {"expected_phase": expected}, key=f"to-{expected}")
    from tests.api_fixtures import ballot_body

    status, data = api.post(BASE + "/ballot", ballot_body(30, {"village-2": [slug, "road-village-2"]}))
    assert status == 201, data


def test_rejected_proposal_never_public(api):
    slug = api.post(BASE + "/proposals", PROPOSAL, key="p")[1]["proposal"]["slug"]
    assert api.staff(f"{STAFF_BASE}/proposals/{slug}/moderation", {"decision": "reject"})[0] == 200
    assert slug not in str(api.get(BASE + "/proposals")[1])
    assert api.get(f"{BASE}/proposals/{slug}")[0] == 404
