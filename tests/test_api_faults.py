"""A busy or failing DynamoDB, injected at the boto3 boundary on every route that reads or writes:
503 with Retry-After and a Thai message in the one error shape, never a 500; nothing partial (the
table after is the table before, or the table a clean request leaves); the same request sent again
gives the clean answer and stores nothing twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.api_fixtures import (  # isort: skip  (puts functions/ on sys.path)
    BASE,
    IDEAS,
    MUNI,
    STAFF_BASE,
    api_for,
    assert_error_shape,
    ballot_body,
    make_service,
    national_id,
    new_dynamo_repository,
    scan_table,
    write_content,
    write_idea_content,
)
from tests.fault_injection import KINDS, counting, inject, no_backoff

IDEA_BASE = f"/api/municipalities/{MUNI}/processes/{IDEAS}"
PROPOSAL = {"title": "ไฟถนน", "summary": "มืด", "description": "ซอย 5", "category": "roads", "village": 1, "cost": 90000,
            "author": "สมศรี", "contact": "089-111-2222"}


@dataclass(frozen=True)
class Route:
    name: str
    phase: str
    """The pb process's phase in content ("ideas": the idea-consultation content)."""
    request: Callable[[Any, dict[str, str]], tuple[int, Any, dict[str, str]]]
    setup: Callable[[Any], dict[str, str]] = lambda api: {}
    stored_phase: bool = True
    """Store the processes' phases first (as the first request to a process does): a request that
    stores it and then fails has stored a phase content gives, nothing of its own."""


STAFF = {"Authorization": "Bearer staff-token-ban-test"}


def _post(path: str, body: Any, key: str | None = "fault-key", staff: bool = False) -> Callable[..., Any]:
    headers = {**({"Idempotency-Key": key} if key else {}), **(STAFF if staff else {})}
    return lambda api, seeded: api.call("POST", path.format(**seeded), body, headers=headers)


def _get(path: str, staff: bool = False) -> Callable[..., Any]:
    return lambda api, seeded: api.call("GET", path.format(**seeded), headers=STAFF if staff else {})


def _submitted(api: Any) -> dict[str, str]:
    return {"slug": api.post(BASE + "/proposals", PROPOSAL, key="seed")[1]["proposal"]["slug"]}


def _published_online(api: Any) -> dict[str, str]:
    seeded = _submitted(api)
    api.staff(f"{STAFF_BASE}/proposals/{seeded['slug']}/moderation", {"decision": "approve"})
    api.post(BASE + f"/proposals/{seeded['slug']}/comments", {"text": "เห็นด้วย", "author": "สมหญิง"}, key="seed-c")
    return seeded


def _voted(api: Any) -> dict[str, str]:
    return {"receipt": api.post(BASE + "/ballot", ballot_body(1), key="seed-ballot")[1]["receipt"]}


def _commented(api: Any) -> dict[str, str]:
    status, data = api.post(BASE + "/proposals/road-village-1/comments", {"text": "ดี", "author": "ก"}, key="seed-c")
    return {"comment": data["comment"]["id"]}


ROUTES = [
    Route("process", "proposals", _get(BASE), stored_phase=False),
    Route("proposals", "proposals", _get(BASE + "/proposals"), _published_online),
    Route("proposal", "proposals", _get(BASE + "/proposals/{slug}"), _published_online),
    Route("submit", "proposals", _post(BASE + "/proposals", PROPOSAL)),
    Route("comments", "proposals", _get(BASE + "/proposals/road-village-1/comments"), _commented),
    Route("comment", "proposals", _post(BASE + "/proposals/road-village-1/comments",
                                        {"text": "เห็นด้วยครับ", "author": "สมชาย"})),
    Route("report", "proposals", _post(BASE + "/proposals/road-village-1/comments/{comment}/reports",
                                       {"reporter": "reporter-token-0001"}, key=None), _commented),
    Route("support", "ideas", _post(IDEA_BASE + "/proposals/sorting-at-school/support",
                                    {"national_id": national_id(7), "birth_date": "1980-02-02"}, key=None)),
    Route("cast", "voting", _post(BASE + "/ballot", ballot_body(2))),
    Route("change", "voting", lambda api, seeded: api.call(
        "PUT", BASE + "/ballot", ballot_body(1, {"municipality": ["park-all"]}), headers={"Idempotency-Key": "chg"}),
        _voted),
    Route("receipt", "voting", _get(BASE + "/receipts/{receipt}"), _voted),
    Route("phase", "proposals", _post(f"/api/staff{STAFF_BASE}/phase", {"expected_phase": "proposals"},
                                      staff=True)),
    Route("staff-list", "proposals", _get(f"/api/staff{STAFF_BASE}/proposals", staff=True), _published_online),
    Route("moderation", "proposals", _post(f"/api/staff{STAFF_BASE}/proposals/{{slug}}/moderation",
                                           {"decision": "approve"}, key=None, staff=True), _submitted),
]


def _content(tmp: Path, phase: str) -> Path:
    return write_idea_content(tmp) if phase == "ideas" else write_content(tmp, phase)


def _restore(repo: Any, items: list[dict[str, Any]]) -> None:
    raw = repo.client.raw
    keep = {(i["PK"]["S"], i["SK"]["S"]) for i in items}
    for item in scan_table(repo):
        if (item["PK"]["S"], item["SK"]["S"]) not in keep:
            raw.delete_item(TableName=repo.table, Key={"PK": item["PK"], "SK": item["SK"]})
    for item in items:
        raw.put_item(TableName=repo.table, Item=item)


def _without_effects(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in items if i["PK"]["S"] != "EFFECTS"]


def _is_busy(status: int, data: Any, headers: dict[str, str]) -> bool:
    if status != 503:
        return False
    assert_error_shape(data, "busy")
    assert headers.get("Retry-After") == "3"
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in data["errors"][0]["msg"])
    return True


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_a_fault_at_any_call_is_503_and_nothing_partial(route, tmp_path, monkeypatch):
    """The request's k-th DynamoDB call and every later one fail (for each k, a different kind of
    fault): a 503, or the clean answer where the write was stored and only a later read failed; the
    table is before or after, never between; sent again without faults: the clean answer, the
    clean table."""
    no_backoff(monkeypatch)
    content = _content(tmp_path, route.phase)
    repo = new_dynamo_repository()
    with api_for(make_service(content, repo)) as api:
        if route.stored_phase:
            api.get(IDEA_BASE if route.phase == "ideas" else BASE)
        seeded = route.setup(api)
    before = scan_table(repo)
    with api_for(make_service(content, repo)) as api, counting(repo.client.raw) as clean:
        status, clean_data, _ = route.request(api, seeded)
    assert status < 300, clean_data
    after = scan_table(repo)
    calls = clean.calls
    assert calls >= 1
    for k in range(1, calls + 1):
        kind = KINDS[(k + ROUTES.index(route)) % len(KINDS)]
        _restore(repo, before)
        with api_for(make_service(content, repo)) as api:
            with inject(repo.client.raw, kind, first_call=k) as faults:
                got, data, headers = route.request(api, seeded)
            assert faults.failed, (kind, k)
            assert got < 300 or _is_busy(got, data, headers), (route.name, kind, k, got, data)
            now = scan_table(repo)
            if now not in (before, after):
                # only: the change stored with its rebuild still pending (asked for again by the retry,
                # the next change or the scheduler: effects.py), never a change without it
                assert _without_effects(now) == after and _without_effects(now) != now, (route.name, kind, k)
            again, data, _ = route.request(api, seeded)
            assert again < 300, (route.name, kind, k, again, data)
            assert scan_table(repo) == after, (route.name, kind, k)


@pytest.mark.parametrize("kind", KINDS)
def test_every_fault_kind_is_retried_then_503(kind, tmp_path, monkeypatch):
    """Each kind of fault on every attempt: a comment is retried (botocore: the call's attempts; a
    cancelled transaction: our own retries), then 503; the table is untouched."""
    no_backoff(monkeypatch)
    from chalicelib.storage.faults import MAX_ATTEMPTS

    repo = new_dynamo_repository()
    with api_for(make_service(write_content(tmp_path, "proposals"), repo)) as api:
        api.get(BASE)  # the phase stored and cached: the comment's write is the call that fails
        before = scan_table(repo)
        with inject(repo.client.raw, kind) as faults:
            status, data, headers = api.call("POST", BASE + "/proposals/road-village-1/comments",
                                             {"text": "ทดสอบ", "author": "ก"}, headers={"Idempotency-Key": "k1"})
        assert _is_busy(status, data, headers), (status, data)
        retried = kind not in ("conflict",)  # a TransactionConflictException on a PutItem: not retried by botocore
        assert faults.attempts == (MAX_ATTEMPTS if retried else 1) * faults.calls, (faults.attempts, faults.calls)
        assert scan_table(repo) == before


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.name} {record.getMessage()}")


def test_a_503_reaches_the_function_log(tmp_path, monkeypatch):
    """The 503's warning is written where Lambda keeps it: Chalice's app logger ("prachakhom", its
    own stdout handler), at the level the app leaves it (levels untouched here: Chalice's default,
    ERROR, dropped every warning and info line of the API)."""
    no_backoff(monkeypatch)
    from app import app

    repo = new_dynamo_repository()
    seen = _Lines()
    app.log.addHandler(seen)
    try:
        with api_for(make_service(write_content(tmp_path, "proposals"), repo)) as api:
            api.get(BASE)
            with inject(repo.client.raw, "throttle"):
                status, data, headers = api.call("POST", BASE + "/proposals/road-village-1/comments",
                                                 {"text": "ทดสอบ", "author": "ก"}, headers={"Idempotency-Key": "k"})
    finally:
        app.log.removeHandler(seen)
    assert _is_busy(status, data, headers), (status, data)
    assert [line for line in seen.lines if line.startswith("WARNING prachakhom.api storage unavailable")], seen.lines


@pytest.mark.parametrize("kind", ["throttle", "read_timeout", "conflict"])
def test_a_passing_fault_is_retried_away(kind, tmp_path, monkeypatch):
    """One failed attempt and then a good one: the resident never sees it (a proposal with a contact
    is a transaction: a TransactionConflict there is retried by us, by botocore elsewhere)."""
    no_backoff(monkeypatch)
    repo = new_dynamo_repository()
    with api_for(make_service(write_content(tmp_path, "proposals"), repo)) as api:
        api.get(BASE)
        with inject(repo.client.raw, kind, limit=1, operations={"TransactWriteItems"}) as faults:
            status, data = api.post(BASE + "/proposals", PROPOSAL, key="once")
        assert status == 201, data
        assert faults.failed == 1
        assert len(repo.list_proposals(MUNI, "pb-2570")) == 1
        assert repo.get_contact(MUNI, "pb-2570", data["proposal"]["slug"]) == PROPOSAL["contact"]


def test_a_transaction_conflict_is_never_read_as_already_stored(tmp_path, monkeypatch):
    """Before: a support whose transaction was cancelled by a conflict answered 200 "already
    supported" while nothing was stored. Now a conflict on every attempt is a 503 and nothing is
    stored; sent again, the support is stored once."""
    no_backoff(monkeypatch)
    repo = new_dynamo_repository()
    body = {"national_id": national_id(9), "birth_date": "1970-07-07"}
    path = IDEA_BASE + "/proposals/sorting-at-school/support"
    with api_for(make_service(write_idea_content(tmp_path), repo)) as api:
        api.get(IDEA_BASE)
        with inject(repo.client.raw, "conflict", operations={"PutItem", "TransactWriteItems"}):
            status, data, headers = api.call("POST", path, body)
        assert _is_busy(status, data, headers)
        assert repo.support_counts(MUNI, IDEAS) == {}
        status, data = api.post(path, body)
        assert status == 201 and data["support_count"] == 1
        status, data = api.post(path, body)
        assert status == 200 and data["support_count"] == 1
