"""The rebuild Lambda's asynchronous invocation, the scheduled phase advance and the wait after a close.

Collaborators are injected (a fake Lambda client, a recording rebuilder, a fixed clock, a fake sleep).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api_fixtures import (
    BASE,
    STAFF_BASE,
    FixedClock,
    api_for,
    ballot_body,
    make_repository,
    make_service,
    write_content,
)

from chalicelib import context, jobs  # isort: skip
from chalicelib.rebuild import LambdaRebuilder  # isort: skip


class FakeLambda:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"StatusCode": 202}


class RecordingRebuilder:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    def request(self, municipality: str, process: str) -> str:
        self.requests.append((municipality, process))
        return "queued"


def test_lambda_rebuilder_invokes_asynchronously_with_the_process():
    fake, made = FakeLambda(), []
    rebuilder = LambdaRebuilder(lambda: made.append(1) or fake, "prachakhom-prod-rebuild")
    assert made == []  # no client before the first rebuild
    assert rebuilder.request("ban-test", "pb-2570") == "queued"
    (call,) = fake.calls
    assert call["FunctionName"] == "prachakhom-prod-rebuild" and call["InvocationType"] == "Event"
    assert json.loads(call["Payload"]) == {"municipality": "ban-test", "process": "pb-2570"}


def test_closing_the_vote_through_the_api_queues_one_rebuild(tmp_path):
    fake = FakeLambda()
    service = make_service(write_content(tmp_path, "voting"), make_repository("memory"),
                           rebuilder=LambdaRebuilder(lambda: fake, "rebuild-fn"))
    with api_for(service) as api:
        status, data = api.staff(STAFF_BASE + "/phase", {"expected_phase": "voting"}, key="close")
        assert status == 200 and data["rebuild"] == "queued"
        assert api.staff(STAFF_BASE + "/phase", {"expected_phase": "voting"}, key="close")[1]["replay"] is True
    assert len(fake.calls) == 1 and json.loads(fake.calls[0]["Payload"])["process"] == "pb-2570"


def test_lambda_mode_builds_a_lambda_rebuilder_from_the_environment():
    settings = context.Settings.from_env({"PRACHAKHOM_REBUILD": "lambda", "PRACHAKHOM_REBUILD_FUNCTION": "fn-x",
                                          "PRACHAKHOM_STORAGE": "memory"})
    rebuilder = context.make_rebuilder(settings, lambda: None)
    assert isinstance(rebuilder, LambdaRebuilder) and rebuilder.function_name == "fn-x"


@pytest.fixture
def scheduled(tmp_path):
    """A process in "voting" (content), a clock on the last voting day, a recording rebuilder."""
    clk = FixedClock(datetime(2026, 3, 20, 23, 0, tzinfo=UTC))
    service = make_service(write_content(tmp_path, "voting"), make_repository("memory"), clk=clk,
                           rebuilder=RecordingRebuilder())
    context.use(service)
    yield service
    context.use(None)


def test_advance_due_waits_for_the_end_date(scheduled):
    assert jobs.advance_phases().moved == []
    assert scheduled.repository.get_state("ban-test", "pb-2570").phase == "voting"
    assert scheduled.effects.rebuilder.requests == []


def test_advance_due_moves_on_closes_the_vote_and_rebuilds(scheduled):
    scheduled.clock.current = datetime(2026, 3, 21, 0, 5, tzinfo=UTC)
    assert jobs.advance_phases().moved == [("ban-test", "pb-2570", "voting")]
    state = scheduled.repository.get_state("ban-test", "pb-2570")
    assert state.phase == "results" and state.change_key == "schedule:voting:2026-03-21"
    assert state.vote_closed_at == scheduled.clock.current
    assert scheduled.effects.rebuilder.requests == [("ban-test", "pb-2570")]
    scheduled.clock.current += timedelta(hours=1)
    assert jobs.advance_phases().moved == []  # the next hourly run: results ends on 19 April
    assert scheduled.effects.rebuilder.requests == [("ban-test", "pb-2570")]


def test_advance_due_moves_one_phase_per_run(scheduled):
    scheduled.clock.current = datetime(2026, 5, 1, tzinfo=UTC)  # results ended too (19 April)
    assert jobs.advance_phases().moved == [("ban-test", "pb-2570", "voting")]
    assert jobs.advance_phases().moved == [("ban-test", "pb-2570", "results")]
    assert scheduled.repository.get_state("ban-test", "pb-2570").phase == "implementation"
    assert jobs.advance_phases().moved == []  # implementation runs until February 2027


def test_ballot_refused_after_the_scheduler_closed_the_vote(scheduled):
    scheduled.clock.current = datetime(2026, 3, 21, 0, 5, tzinfo=UTC)
    jobs.advance_phases()
    with api_for(scheduled) as api:
        status, data = api.post(BASE + "/ballot", ballot_body(60))
        assert status == 409 and "ปิดไปแล้ว" in data["errors"][0]["msg"]


def test_rebuild_waits_for_ballots_in_flight_after_a_close(scheduled):
    slept: list[float] = []
    assert jobs.wait_for_late_ballots(scheduled, "ban-test", 30.0, slept.append) == 0.0  # never closed
    scheduled.clock.current = datetime(2026, 3, 21, 0, 5, tzinfo=UTC)
    jobs.advance_phases()
    scheduled.clock.current += timedelta(seconds=12)
    assert jobs.wait_for_late_ballots(scheduled, "ban-test", 30.0, slept.append) == 18.0
    scheduled.clock.current += timedelta(minutes=5)
    assert jobs.wait_for_late_ballots(scheduled, "ban-test", 30.0, slept.append) == 0.0
    assert slept == [18.0]
