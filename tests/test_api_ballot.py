"""Ballots: the rule on the server, one per voter, change, receipts, identity never stored raw."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest

from tests.api_fixtures import (
    BASE,
    api_for,
    assert_error_shape,
    ballot_body,
    make_repository,
    make_service,
    national_id,
    new_dynamo_repository,
    write_content,
)

from chalicelib.bodies import BallotIn, PhaseChangeIn  # isort: skip


@pytest.fixture(params=["memory", "dynamodb"])
def api(request, tmp_path):
    service = make_service(write_content(tmp_path, "voting"), make_repository(request.param))
    with api_for(service) as a:
        yield a


def stored_ballots(api):
    return api.service.repository.list_ballots("ban-test", "pb-2570")


def test_cast_retry_and_second_ballot(api):
    status, data = api.post(BASE + "/ballot", ballot_body(1), key="v1")
    assert status == 201 and data["version"] == 1
    receipt = data["receipt"]
    assert len(receipt) == 14
    status, again = api.post(BASE + "/ballot", ballot_body(1), key="v1")
    assert status == 200 and again["receipt"] == receipt
    status, other = api.post(BASE + "/ballot", ballot_body(1, {"municipality": ["cctv-all"]}), key="v2")
    assert status == 409
    assert_error_shape(other, "already_voted_can_change")
    assert receipt in other["errors"][0]["msg"]  # a lost receipt: the same code again, from the ID
    assert len(stored_ballots(api)) == 1
    assert stored_ballots(api)[0].choices == {"village-1": {"road-village-1": 1},
                                              "municipality": {"market-all": 1, "park-all": 1}}


def test_change_ballot_keeps_receipt(api):
    receipt = api.post(BASE + "/ballot", ballot_body(2), key="a")[1]["receipt"]
    status, data = api.put(BASE + "/ballot", ballot_body(2, {"municipality": ["cctv-all"]}), key="b")
    assert status == 200 and data["version"] == 2 and data["receipt"] == receipt
    assert api.put(BASE + "/ballot", ballot_body(2, {"municipality": ["cctv-all"]}), key="b")[1]["version"] == 2
    assert stored_ballots(api)[0].choices == {"municipality": {"cctv-all": 1}}
    status, data = api.put(BASE + "/ballot", ballot_body(3), key="c")
    assert status == 404
    assert_error_shape(data, "no_ballot")


def test_receipt_check(api):
    receipt = api.post(BASE + "/ballot", ballot_body(4), key="a")[1]["receipt"]
    status, data = api.get(f"{BASE}/receipts/{receipt.lower()}")
    assert status == 200 and data["recorded"] is True and data["counted"] is False
    assert data["pots"] == ["municipality", "village-1"] and "choices" not in data
    status, data = api.get(f"{BASE}/receipts/0000-0000-0000")
    assert status == 404
    assert_error_shape(data, "unknown_receipt")
    assert "เลขประจำตัวประชาชน" in data["errors"][0]["msg"]  # how to find a lost code


def test_receipt_is_the_keyed_hash_of_the_voter(api):
    """The code derives from the ID (same voter, same code; never stored with it); the ballot's key is it."""
    from prachakhom.ballot import receipt_code
    from prachakhom.identity import voter_key
    from tests.api_fixtures import SECRET

    receipt = api.post(BASE + "/ballot", ballot_body(20), key="a")[1]["receipt"]
    assert receipt == receipt_code(SECRET, voter_key(SECRET, "ban-test", "pb-2570", national_id(20)))
    assert api.service.repository.get_ballot("ban-test", "pb-2570", receipt).receipt == receipt
    assert receipt != api.post(BASE + "/ballot", ballot_body(21), key="b")[1]["receipt"]


def test_colliding_receipts_refuse_the_second_voter(api):
    """Two voters whose 60-bit receipts collide: the second is refused, never given the first's ballot."""
    from chalicelib.storage.records import BallotRecord

    from prachakhom.ballot import receipt_code
    from prachakhom.identity import voter_key
    from tests.api_fixtures import SECRET, clock

    code = receipt_code(SECRET, voter_key(SECRET, "ban-test", "pb-2570", national_id(22)))
    other = BallotRecord("ban-test", "pb-2570", "another-voter", {"municipality": {"park-all": 1}}, code,
                         clock().now(), idem_key="x")
    api.service.repository.cast_ballot(other)
    status, data = api.post(BASE + "/ballot", ballot_body(22), key="a")
    assert status == 409
    assert_error_shape(data, "receipt_collision")
    assert code not in data["errors"][0]["msg"]
    status, data = api.put(BASE + "/ballot", ballot_body(22, {"municipality": ["cctv-all"]}), key="b")
    assert status == 404
    assert_error_shape(data, "no_ballot")
    assert stored_ballots(api) == [other]


@pytest.mark.parametrize(("body", "status", "code"), [
    (ballot_body(5) | {"national_id": "1234567890123"}, 422, "invalid_national_id"),
    (ballot_body(5) | {"national_id": "12345"}, 422, "invalid_national_id"),
    (ballot_body(5) | {"national_id": 1103702071561}, 400, "string_type"),
    (ballot_body(5, birth="2015-01-01"), 422, "too_young"),
    (ballot_body(5, birth="2030-01-01"), 422, "birth_date_future"),
    (ballot_body(5, birth="17/05/1990"), 400, "date_from_datetime_parsing"),
    (ballot_body(5, {"municipality": ["market-all", "park-all", "cctv-all", "market-all"]}), 422,
     "duplicate_project"),
    (ballot_body(5, {"village-1": ["road-village-1", "lights-village-1", "well-village-1"],
                     "municipality": ["market-all", "park-all", "cctv-all"]}), 201, None),
    (ballot_body(5, {"municipality": []}), 422, "empty_ballot"),
    (ballot_body(5, {}), 422, "empty_ballot"),
    (ballot_body(5, {"village-9": ["road-village-1"]}), 422, "unknown_pot"),
    (ballot_body(5, {"village-1": ["road-village-1"], "village-2": ["road-village-2"]}), 422, "one_village"),
    (ballot_body(5, {"village-1": ["road-village-2"]}), 422, "not_on_ballot"),
    (ballot_body(5, {"village-1": ["library-village-1"]}), 422, "not_on_ballot"),
    (ballot_body(5, {"municipality": {"market-all": 3}}), 422, "list_expected"),
    (ballot_body(5, {"municipality": "market-all"}), 400, "list_type"),
    (ballot_body(5) | {"voter": "me"}, 400, "extra_forbidden"),
])
def test_ballot_inputs(api, body, status, code):
    got, data = api.post(BASE + "/ballot", body, key="x")
    assert got == status, data
    if code:
        assert_error_shape(data, code)
        assert stored_ballots(api) == []


def test_approval_maximum_is_per_pot(tmp_path):
    content = write_content(tmp_path, "voting", overrides="  ballot: {max_projects: 2}")
    with api_for(make_service(content, make_repository("memory"))) as api:
        status, data = api.post(BASE + "/ballot", ballot_body(6, {"municipality": ["market-all", "park-all",
                                                                                 "cctv-all"]}))
        assert status == 422
        assert_error_shape(data, "too_many_projects")
        assert data["errors"][0]["loc"] == ["body", "choices", "municipality"]


def test_budget_rule_cap_and_minimum_share(tmp_path):
    content = write_content(tmp_path, "voting", overrides="  ballot: {kind: budget, min_share_percent: 50}")
    with api_for(make_service(content, make_repository("memory"))) as api:
        over = api.post(BASE + "/ballot", ballot_body(7, {"municipality": ["market-all", "park-all"]}))
        assert over[0] == 422
        assert_error_shape(over[1], "over_budget")
        under = api.post(BASE + "/ballot", ballot_body(7, {"municipality": ["cctv-all"]}))
        assert under[0] == 422
        assert_error_shape(under[1], "under_min_share")
        ok = api.post(BASE + "/ballot", ballot_body(7, {"municipality": ["market-all"]}))
        assert ok[0] == 201


def test_points_rule(tmp_path):
    content = write_content(tmp_path, "voting",
                            overrides="  ballot: {kind: points, total_points: 5, max_points_per_project: 3}\n"
                                      "  tally: {utility: points}")
    with api_for(make_service(content, make_repository("memory"))) as api:
        too_many = api.post(BASE + "/ballot", ballot_body(8, {"municipality": {"market-all": 3, "park-all": 3}}))
        assert too_many[0] == 422
        assert_error_shape(too_many[1], "too_many_points")
        per = api.post(BASE + "/ballot", ballot_body(8, {"municipality": {"market-all": 4}}))
        assert_error_shape(per[1], "too_many_points_for_project")
        listed = api.post(BASE + "/ballot", ballot_body(8, {"municipality": ["market-all"]}))
        assert_error_shape(listed[1], "points_expected")
        ok = api.post(BASE + "/ballot", ballot_body(8, {"municipality": {"market-all": 3, "park-all": 2}}))
        assert ok[0] == 201
        assert api.service.repository.list_ballots("ban-test", "pb-2570")[0].choices == {
            "municipality": {"market-all": 3, "park-all": 2}}


def test_change_refused_when_the_process_forbids_it(tmp_path):
    content = write_content(tmp_path, "voting", overrides="  allow_ballot_change: false")
    with api_for(make_service(content, make_repository("memory"))) as api:
        assert api.post(BASE + "/ballot", ballot_body(9), key="a")[0] == 201
        status, data = api.put(BASE + "/ballot", ballot_body(9, {"municipality": ["cctv-all"]}), key="b")
        assert status == 409
        assert_error_shape(data, "change_not_allowed")
        assert_error_shape(api.post(BASE + "/ballot", ballot_body(9), key="c")[1], "already_voted")


def test_vote_outside_voting_is_refused_with_when(tmp_path):
    with api_for(make_service(write_content(tmp_path, "proposals"), make_repository("dynamodb"))) as api:
        status, data = api.post(BASE + "/ballot", ballot_body(10))
        assert status == 409
        assert_error_shape(data, "wrong_phase")
        msg = data["errors"][0]["msg"]
        assert "ลงคะแนนได้ในช่วง “ลงคะแนน”" in msg and "7 มีนาคม 2569" in msg and "20 มีนาคม 2569" in msg
        assert stored_ballots(api) == []


def test_vote_after_close_is_refused(api):
    assert api.post(BASE + "/ballot", ballot_body(11))[0] == 201
    assert api.staff("/municipalities/ban-test/processes/pb-2570/phase", {"expected_phase": "voting"})[0] == 200
    status, data = api.post(BASE + "/ballot", ballot_body(12))
    assert status == 409 and "ปิดไปแล้ว" in data["errors"][0]["msg"]
    status, data = api.put(BASE + "/ballot", ballot_body(11, {"municipality": ["cctv-all"]}))
    assert status == 409
    assert len(stored_ballots(api)) == 1


def test_many_threads_same_voter_store_exactly_one(tmp_path):
    """Concurrent first ballots of one voter (different idempotency keys) through DynamoDB."""
    service = make_service(write_content(tmp_path, "voting"), new_dynamo_repository())
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def vote(i: int) -> None:
        body = BallotIn.model_validate(ballot_body(13))
        try:
            _, created = service.ballots.cast("ban-test", "pb-2570", body, f"key-{i}")
            outcomes.append("created" if created else "replay")
        except Exception as err:  # the API error for the losers; asserted below
            errors.append(err)

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == ["created"]
    assert len(errors) == 23 and all(getattr(e, "STATUS_CODE", 0) == 409 for e in errors)
    assert len(service.repository.list_ballots("ban-test", "pb-2570")) == 1


def test_no_raw_national_id_in_any_stored_item(tmp_path):
    repo = new_dynamo_repository()
    with api_for(make_service(write_content(tmp_path, "voting"), repo)) as api:
        for n in range(14, 18):
            assert api.post(BASE + "/ballot", ballot_body(n), key=f"k{n}")[0] == 201
        api.put(BASE + "/ballot", ballot_body(14, {"municipality": ["cctv-all"]}))
    items = repo.client.scan(TableName=repo.table)["Items"]
    dump = json.dumps(items, ensure_ascii=False)
    ballots = [i for i in items if i["SK"]["S"].startswith("BALLOT#")]
    assert len(ballots) == 4 and all(i["SK"]["S"] == "BALLOT#" + i["receipt"]["S"] for i in ballots)
    assert not repo.client.describe_table(TableName=repo.table)["Table"].get("GlobalSecondaryIndexes")
    for n in range(14, 18):
        nid = national_id(n)
        assert nid not in dump and "-".join([nid[:1], nid[1:5]]) not in dump
    assert "1990-05-17" not in dump


@pytest.mark.parametrize("kind", ["memory", "dynamodb"])
def test_ballot_racing_the_close_is_stored_not_counted(tmp_path, kind):
    """Container A trusts its cached phase ("voting") while container B closes the vote: A still
    stores a first ballot and a change after the close; neither is counted, and the receipts say so."""
    from chalicelib.rebuild import export_process

    from tests.api_fixtures import FixedClock, clock

    content, repo = write_content(tmp_path, "voting"), make_repository(kind)
    a = make_service(content, repo, clk=clock())
    b = make_service(content, repo, clk=FixedClock(a.clock.now() + timedelta(hours=1)))
    a.gate.phase_ttl = 3600.0  # a container whose cache is still fresh when the close happens
    with api_for(a) as api:
        early = api.post(BASE + "/ballot", ballot_body(40, {"municipality": ["market-all"]}), key="early")[1]
        changer = api.post(BASE + "/ballot", ballot_body(41, {"municipality": ["park-all"]}), key="c1")[1]
    closed = b.phases.advance("ban-test", "pb-2570", PhaseChangeIn(expected_phase="voting"), "close")
    assert closed.state.phase == "results"
    assert repo.get_state("ban-test", "pb-2570").vote_closed_at == b.clock.now()
    a.clock.current = b.clock.now() + timedelta(seconds=2)
    with api_for(a) as api:
        status, late = api.post(BASE + "/ballot", ballot_body(42, {"municipality": ["cctv-all"]}), key="late")
        assert status == 201  # stored: A's cache still says "voting"
        status, _ = api.put(BASE + "/ballot", ballot_body(41, {"municipality": ["cctv-all"]}), key="c2")
        assert status == 200
    assert len(repo.list_ballots("ban-test", "pb-2570")) == 3

    with api_for(b) as api:  # any container, after the close
        status, data = api.get(f"{BASE}/receipts/{late['receipt']}")
        assert status == 200 and data["recorded"] is True and data["counted"] is False
        assert data["status"] == "not_counted" and "หลังเวลาปิดลงคะแนน" in data["msg"]
        data = api.get(f"{BASE}/receipts/{changer['receipt']}")[1]
        assert data["counted"] is True and data["status"] == "counted" and data["version"] == 2
        assert "การแก้ไขที่บันทึกหลังเวลาปิดลงคะแนนไม่ถูกนับ" in data["msg"]
        data = api.get(f"{BASE}/receipts/{early['receipt']}")[1]
        assert data["counted"] is True and data["msg"] == "บัตรของท่านถูกนับในผลการลงคะแนนแล้ว"

    export_process(b, b.gate.place("ban-test", "pb-2570"), tmp_path / "data")
    folder = tmp_path / "data" / "ban-test" / "pb-2570"
    assert json.loads((folder / "snapshot.json").read_text(encoding="utf-8"))["ballots_cast"] == 2
    pb = (folder / "ballots" / "municipality.pb").read_text(encoding="utf-8")
    assert "num_votes;2" in pb
    votes = pb.split("VOTES")[1]
    assert "market-all" in votes and "park-all" in votes and "cctv-all" not in votes


def test_stale_cache_never_refuses_without_rereading(tmp_path):
    """A container that cached "review" re-reads before refusing, so it accepts once voting opened."""
    content, repo = write_content(tmp_path, "review"), make_repository("memory")
    a, b = make_service(content, repo), make_service(content, repo)
    a.gate.phase_ttl = 3600.0
    with api_for(a) as api:
        assert api.post(BASE + "/ballot", ballot_body(43))[0] == 409
        b.phases.advance("ban-test", "pb-2570", PhaseChangeIn(expected_phase="review"), "open")
        assert api.post(BASE + "/ballot", ballot_body(43))[0] == 201
