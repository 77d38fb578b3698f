"""After-commit effects: a rebuild a failed or interrupted request left undone is asked for again by
the retry (same Idempotency-Key) or the scheduler, never lost; the scheduler isolates each process."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from tests.api_fixtures import (
    IDEAS,
    MUNI,
    PB,
    STAFF_BASE,
    FixedClock,
    api_for,
    make_repository,
    make_service,
    write_content,
    write_idea_content,
)

from chalicelib import jobs  # isort: skip
from chalicelib.storage.records import ProcessState  # isort: skip


class FlakyRebuilder:
    """Refuses the first `failures` requests (as a throttled Lambda invoke would), then accepts."""

    def __init__(self, failures: int = 1) -> None:
        self.failures = failures
        self.accepted: list[tuple[str, str]] = []

    def request(self, municipality: str, process: str) -> str:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("rebuild function unreachable")
        self.accepted.append((municipality, process))
        return "queued"


PROPOSAL = {"title": "ไฟถนน", "summary": "มืด", "description": "ซอย 3 มืดมาก", "category": "lighting", "village": 2,
            "cost": 50000, "author": "สมศรี"}


@pytest.mark.parametrize("kind", ["memory", "dynamodb"])
def test_a_failed_rebuild_is_asked_again_by_the_retry(tmp_path, kind):
    rebuilder = FlakyRebuilder()
    service = make_service(write_content(tmp_path, "voting"), make_repository(kind), rebuilder=rebuilder)
    with api_for(service) as api:
        status, first = api.staff(STAFF_BASE + "/phase", {"expected_phase": "voting"}, key="close")
        assert status == 200 and (first["phase"], first["replay"], first["rebuild"]) == ("results", False, "pending")
        assert service.repository.get_state(MUNI, PB).phase == "results"  # the move is stored all the same
        assert [e.kind for e in service.repository.pending_effects(MUNI)] == ["rebuild"]
        status, retry = api.staff(STAFF_BASE + "/phase", {"expected_phase": "voting"}, key="close")
        assert status == 200 and (retry["phase"], retry["replay"], retry["rebuild"]) == ("results", True, "queued")
        assert rebuilder.accepted == [(MUNI, PB)] and service.repository.pending_effects() == []
        again = api.staff(STAFF_BASE + "/phase", {"expected_phase": "voting"}, key="close")[1]
        assert (again["replay"], again["rebuild"]) == (True, "done")
    assert rebuilder.accepted == [(MUNI, PB)]  # asked once it was accepted, never twice


def test_a_rebuild_left_by_a_request_that_died_is_asked_by_the_retry(tmp_path):
    """The move and its pending rebuild are stored, then the function dies before asking: the retry
    (same key) finds the move made and asks for the rebuild."""
    rebuilder = FlakyRebuilder(failures=0)
    service = make_service(write_content(tmp_path, "voting"), make_repository("memory"), rebuilder=rebuilder)
    repo, now = service.repository, service.clock.now()
    repo.init_state(ProcessState(MUNI, PB, "voting", now))
    effect = service.effects.rebuild(MUNI, PB, "phase voting → results", "phase", "close")
    repo.change_phase(MUNI, PB, "voting", "results", now, "close", closes_vote=True, effects=[effect])
    with api_for(service) as api:
        status, data = api.staff(STAFF_BASE + "/phase", {"expected_phase": "voting"}, key="close")
    assert status == 200 and (data["replay"], data["rebuild"]) == (True, "queued")
    assert rebuilder.accepted == [(MUNI, PB)] and repo.pending_effects() == []


def test_a_moderation_rebuild_is_asked_again_by_the_repeated_decision(tmp_path):
    rebuilder = FlakyRebuilder()
    service = make_service(write_content(tmp_path, "proposals"), make_repository("memory"), rebuilder=rebuilder)
    with api_for(service) as api:
        slug = api.post(f"/api/municipalities/{MUNI}/processes/{PB}/proposals", PROPOSAL, key="p")[1]["proposal"]["slug"]
        path = f"{STAFF_BASE}/proposals/{slug}/moderation"
        status, first = api.staff(path, {"decision": "approve"})
        assert status == 200 and (first["proposal"]["status"], first["rebuild"]) == ("published", "pending")
        status, again = api.staff(path, {"decision": "approve"})
        assert status == 200 and (again["replay"], again["rebuild"]) == (True, "queued")
    assert rebuilder.accepted == [(MUNI, PB)] and service.repository.pending_effects() == []


def test_the_scheduler_asks_for_rebuilds_left_pending(tmp_path):
    rebuilder = FlakyRebuilder()
    clk = FixedClock(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))  # mid-vote: nothing is due
    service = make_service(write_content(tmp_path, "review"), make_repository("memory"), clk=clk,
                           rebuilder=rebuilder)
    with api_for(service) as api:
        assert api.staff(STAFF_BASE + "/phase", {"expected_phase": "review"}, key="open")[1]["rebuild"] == "pending"
    report = service.phases.advance_due(clk.now().date())
    assert report.moved == [] and report.failed == []
    assert [(r.municipality, r.status, r.error) for r in report.effects] == [(MUNI, "queued", None)]
    assert rebuilder.accepted == [(MUNI, PB)] and service.repository.pending_effects() == []
    assert service.phases.advance_due(clk.now().date()).effects == []  # nothing left to ask


def test_one_failing_process_never_stops_the_scheduler(tmp_path, caplog):
    """pb-2570 holds a stored phase its content no longer knows (it comes first); the idea
    consultation after it still moves on, and the failure is logged and reported."""
    clk = FixedClock(datetime(2026, 4, 7, 0, 5, tzinfo=UTC))  # the ideas phase ended on 6 April
    rebuilder = FlakyRebuilder(failures=0)
    service = make_service(write_idea_content(tmp_path), make_repository("memory"), clk=clk, rebuilder=rebuilder)
    service.repository.init_state(ProcessState(MUNI, PB, "no-such-phase", clk.now()))
    with caplog.at_level(logging.ERROR):
        report = service.phases.advance_due(clk.now().date())
    assert list(service.catalog.municipality(MUNI).processes) == [PB, IDEAS]
    assert report.moved == [(MUNI, IDEAS, "ideas")]
    assert [(f.municipality, f.process) for f in report.failed] == [(MUNI, PB)]
    assert "phase" in report.failed[0].error
    assert service.repository.get_state(MUNI, IDEAS).phase == "review"
    assert service.repository.get_state(MUNI, PB).phase == "no-such-phase"
    assert f"{MUNI}/{PB} not moved on" in caplog.text
    assert rebuilder.accepted == [(MUNI, IDEAS)]


def test_a_failing_rebuild_never_stops_the_scheduler(tmp_path):
    """Both processes are due; the first move's rebuild fails (pending), the second move's rebuild
    takes it along: both move, nothing stays pending, the failure is in the report."""
    clk = FixedClock(datetime(2026, 4, 7, 0, 5, tzinfo=UTC))
    rebuilder = FlakyRebuilder()
    service = make_service(write_idea_content(tmp_path), make_repository("memory"), clk=clk, rebuilder=rebuilder)
    report = jobs_report(service)
    assert report.moved == [(MUNI, PB, "proposals"), (MUNI, IDEAS, "ideas")] and report.failed == []
    assert [(r.status, bool(r.error)) for r in report.effects] == [("pending", True), ("queued", False)]
    assert rebuilder.accepted == [(MUNI, IDEAS)] and service.repository.pending_effects() == []


def jobs_report(service):  # type: ignore[no-untyped-def]
    """The scheduled function's run, on this service."""
    from chalicelib import context

    context.use(service)
    try:
        return jobs.advance_phases()
    finally:
        context.use(None)
