"""Races, exactly once: the app on a threaded loopback server, DynamoDB in moto (serialized, so atomic
as DynamoDB is), the server's real clock. The same voter from many threads; one Idempotency-Key from
many threads; ballot changes racing the close; new ballots racing the close. Afterwards every
acknowledged ballot is stored once, every receipt tells the truth, the exported count takes each
voter at most once, and only what was written before the close."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.api_fixtures import (  # isort: skip  (puts functions/ on sys.path)
    BASE,
    MUNI,
    PB,
    STAFF_BASE,
    ballot_body,
    make_service,
    new_dynamo_repository,
    run_together,
    served,
    write_content,
)

THREADS = 20
ROUNDS = 3
RECEIPT = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _service(tmp: Path, phase: str) -> object:
    from chalicelib.context import SystemClock

    content = write_content(tmp, phase, overrides="  allow_ballot_change: true")
    return make_service(content, new_dynamo_repository(), clk=SystemClock())


def _exported_votes(service, tmp: Path) -> dict[str, int]:
    """Pot → ballots in the exported Pabulib files (what the results page counts)."""
    from chalicelib.rebuild import export_process
    from chalicelib.services.gate import find_place

    from prachakhom.tally.pabulib import read_pabulib_file

    data = tmp / "export"
    export_process(service, find_place(service.catalog, MUNI, PB), data)
    return {f.stem: len(read_pabulib_file(f).profile) for f in sorted((data / MUNI / PB / "ballots").glob("*.pb"))}


def test_one_voter_from_many_threads_is_one_ballot(tmp_path):
    service = _service(tmp_path, "voting")
    with served(service) as http:
        for voter in range(ROUNDS):
            answers = run_together([(lambda i=i, voter=voter: http.post(BASE + "/ballot", ballot_body(voter), key=f"v{voter}-{i}"))
                                    for i in range(THREADS)])
            statuses = sorted(status for status, _ in answers)
            assert statuses == [201] + [409] * (THREADS - 1), answers
            receipts = {data["receipt"] if status == 201 else RECEIPT.search(data["errors"][0]["msg"]).group()
                        for status, data in answers}
            assert len(receipts) == 1  # the ones refused are told the receipt of the one stored
    assert len(service.repository.list_ballots(MUNI, PB)) == ROUNDS


def test_one_idempotency_key_from_many_threads_is_one_proposal(tmp_path):
    service = _service(tmp_path, "proposals")
    body = {"title": "ไฟถนนซอย 3", "summary": "มืด", "description": "ซอยเปลี่ยว", "category": "roads",
            "village": 1, "author": "สมศรี", "contact": "089-000-1111"}
    with served(service) as http:
        for attempt in range(ROUNDS):
            answers = run_together([(lambda attempt=attempt: http.post(BASE + "/proposals", body, key=f"same-{attempt}"))
                                    for _ in range(THREADS)])
            assert sorted(status for status, _ in answers) == [200] * (THREADS - 1) + [201], answers
            assert len({data["proposal"]["slug"] for _, data in answers}) == 1
            assert all(data["proposal"]["title"] == body["title"] for _, data in answers)
    stored = service.repository.list_proposals(MUNI, PB)
    assert len(stored) == ROUNDS
    assert all(service.repository.get_contact(MUNI, PB, p.slug) == body["contact"] for p in stored)


def _close_vote(http) -> tuple[int, object]:
    return http.staff(STAFF_BASE + "/phase", {"expected_phase": "voting"}, key="close")


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_ballot_changes_racing_the_close(tmp_path, round_):
    """Voters change their ballots while staff close the vote: each voter is counted once, with the
    last version written at or before the close, and their receipt says which."""
    service = _service(tmp_path, "voting")
    voters = range(10)
    with served(service) as http:
        for v in voters:
            assert http.post(BASE + "/ballot", ballot_body(v), key=f"cast-{v}")[0] == 201
        changed = {"village-1": ["well-village-1"], "municipality": ["cctv-all"]}
        answers = run_together([(lambda v=v: http.put(BASE + "/ballot", ballot_body(v, changed), key=f"chg-{v}"))
                                for v in voters] + [lambda: _close_vote(http)])
        assert answers[-1][0] == 200, answers[-1]
        assert all(status in (200, 409) for status, _ in answers[:-1]), answers
        closed_at = service.repository.get_state(MUNI, PB).vote_closed_at
        assert closed_at is not None
        ballots = {b.receipt: b for b in service.repository.list_ballots(MUNI, PB)}
        assert len(ballots) == len(voters)
        for status, data in answers[:-1]:
            if status == 200:  # acknowledged: stored, exactly once
                b = ballots[data["receipt"]]
                assert b.version == 2 and b.choices == {k: dict.fromkeys(v, 1) for k, v in changed.items()}
            else:
                assert data["errors"][0]["code"] == "wrong_phase"
        service.gate.forget_phase(service.gate.place(MUNI, PB))
        for b in ballots.values():
            assert b.version <= 2 and len(b.all_versions()) == b.version  # no change stored twice
            counted = b.counted(closed_at)
            assert counted is not None and counted.at <= closed_at
            status, receipt = http.get(f"{BASE}/receipts/{b.receipt}")
            assert status == 200 and receipt["status"] == "counted", receipt
            late = b.all_versions()[-1].at > closed_at
            assert late == (b.all_versions()[-1] != counted)
            assert ("หลังเวลาปิด" in receipt["msg"]) == late
    assert _exported_votes(service, tmp_path) == {"village-1": 10, "village-2": 0, "municipality": 10}


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_new_ballots_racing_the_close(tmp_path, round_):
    """New voters cast while staff close the vote: every 201 is stored once and its receipt says
    whether it counts; the export takes exactly those cast at or before the close."""
    service = _service(tmp_path, "voting")
    with served(service) as http:
        answers = run_together([(lambda v=v: http.post(BASE + "/ballot", ballot_body(100 + v), key=f"n{v}"))
                                for v in range(THREADS)] + [lambda: _close_vote(http)])
        assert answers[-1][0] == 200
        accepted = [data["receipt"] for status, data in answers[:-1] if status == 201]
        refused = [data for status, data in answers[:-1] if status != 201]
        assert all(d["errors"][0]["code"] == "wrong_phase" for d in refused), refused
        closed_at = service.repository.get_state(MUNI, PB).vote_closed_at
        stored = {b.receipt: b for b in service.repository.list_ballots(MUNI, PB)}
        assert sorted(stored) == sorted(accepted)  # every acknowledged ballot stored, once; nothing else
        service.gate.forget_phase(service.gate.place(MUNI, PB))
        counted = 0
        for receipt, ballot in stored.items():
            status, data = http.get(f"{BASE}/receipts/{receipt}")
            assert status == 200
            in_time = ballot.cast_at <= closed_at
            assert data["status"] == ("counted" if in_time else "not_counted"), (data, ballot.cast_at, closed_at)
            counted += in_time
    exported = _exported_votes(service, tmp_path)
    assert exported.get("municipality", 0) == counted
