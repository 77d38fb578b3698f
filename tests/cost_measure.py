"""Measure what each action of the kit consumes, for the cost model (prachakhom/cost.py).

The app runs through Chalice's test client against moto's DynamoDB (the same code path as on AWS); a
recording client counts every DynamoDB call and computes the request units DynamoDB would bill for it
from the real items' sizes (moto returns a constant ConsumedCapacity, so it cannot be read back):

* an item's size: the UTF-8 length of each attribute name plus its value's (strings: UTF-8 bytes,
  numbers: about one byte per two digits plus one, lists and maps: 3 bytes plus 1 per element),
  as AWS's "Item sizes and formats" page describes;
* a write: one WRU per started KB of the item (for an update, of the larger of the item before and
  after); in TransactWriteItems two per started KB for every Put, Update and ConditionCheck;
* a read: GetItem half an RRU per started 4 KB (eventually consistent; one if consistent); Query and
  Scan the same on the total size of the items returned.

Lambda time is the CPU time of the handler in this process (a busy machine inflates wall time, not
CPU time). `python tests/bench/cost_profile.py` writes infra/usage.json from `measure()`;
tests/test_cost.py checks that the file's counted figures are still what the app does.
"""

from __future__ import annotations

import gzip
import json
import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.api_fixtures import (
    BASE,
    IDEAS,
    MUNI,
    STAFF_BASE,
    api_for,
    ballot_body,
    clock,
    make_service,
    national_id,
    new_dynamo_repository,
    write_content,
    write_idea_content,
)

API_MEMORY_GB = 0.5  # infra/template.yaml: APIHandler MemorySize
REBUILD_MEMORY_GB = 1.5  # Rebuild MemorySize


def value_size(value: dict[str, Any]) -> int:
    (kind, inner), = value.items()
    if kind == "S":
        return len(inner.encode("utf-8"))
    if kind == "N":
        return len(inner.lstrip("-").replace(".", "")) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + value_size(v) + 1 for k, v in inner.items())
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: v}) for v in inner)
    raise ValueError(kind)


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(v) for name, v in item.items())


def _kb(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def _read_units(size: int, consistent: bool) -> float:
    return max(1, math.ceil(size / 4096)) * (1.0 if consistent else 0.5)


class RecordingDynamo:
    """Passes every call to the moto client and adds up calls and billed request units."""

    def __init__(self, client: Any, table: str) -> None:
        self._client, self._table = client, table
        self.calls = 0
        self.wru = 0.0
        self.rru = 0.0

    def _current(self, key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._client.get_item(TableName=self._table, Key=key).get("Item")
        return item

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if not callable(method) or name.startswith("get_paginator"):
            return method

        def call(**kwargs: Any) -> Any:
            self.calls += 1
            before = {}
            if name == "update_item":
                before["item"] = self._current(kwargs["Key"])
            if name == "transact_write_items":
                for entry in kwargs["TransactItems"]:
                    (kind, spec), = entry.items()
                    if kind in ("Update", "ConditionCheck"):
                        before[repr(spec["Key"])] = self._current(spec["Key"])
            try:
                response = method(**kwargs)
            finally:
                self._bill(name, kwargs, before)
            return response

        return call

    def _bill(self, name: str, kwargs: dict[str, Any], before: dict[str, Any]) -> None:
        consistent = bool(kwargs.get("ConsistentRead"))
        if name == "put_item":
            self.wru += _kb(item_size(kwargs["Item"]))
        elif name == "update_item":
            after = self._current(kwargs["Key"])
            self.wru += _kb(max(item_size(before.get("item")), item_size(after)))
        elif name == "delete_item":
            self.wru += _kb(item_size(self._current(kwargs["Key"])))
        elif name == "transact_write_items":
            for entry in kwargs["TransactItems"]:
                (kind, spec), = entry.items()
                if kind == "Put":
                    self.wru += 2 * _kb(item_size(spec["Item"]))
                else:
                    self.wru += 2 * _kb(item_size(before.get(repr(spec["Key"]))))
        elif name == "get_item":
            self.rru += _read_units(item_size(self._current(kwargs["Key"])), consistent)
        elif name in ("query", "scan"):
            listing = {k: v for k, v in kwargs.items() if k not in ("ReturnConsumedCapacity", "Select")}
            items = getattr(self._client, name)(**listing).get("Items", [])
            self.rru += _read_units(sum(item_size(i) for i in items), consistent)


def _measured(repo: Any) -> RecordingDynamo:
    recorder = RecordingDynamo(repo.client, repo.table)
    repo.client = recorder
    return recorder


def _run(recorder: RecordingDynamo, action: Callable[[int], Any], times: int) -> dict[str, float]:
    """Run `action(i)` `times` times; per run: DynamoDB calls and units, CPU seconds (median), and the
    size of the JSON answer (what the API sends back through CloudFront)."""
    cpu: list[float] = []
    calls = wru = rru = 0.0
    sent = 0
    for i in range(times):
        c0, w0, r0 = recorder.calls, recorder.wru, recorder.rru
        t0 = time.process_time()
        answer = action(i)
        cpu.append(time.process_time() - t0)
        sent += len(json.dumps(answer, ensure_ascii=False).encode("utf-8")) if isinstance(answer, dict) else 0
        calls, wru, rru = calls + recorder.calls - c0, wru + recorder.wru - w0, rru + recorder.rru - r0
    return {"dynamodb_calls": calls / times, "wru": wru / times, "rru": rru / times,
            "lambda_seconds": statistics.median(cpu), "response_bytes": sent / times}


def _ok(result: tuple[int, Any], *expected: int) -> Any:
    status, data = result
    assert status in (expected or (200, 201)), (status, data)
    return data


def measure_actions(tmp: Path, times: int = 5) -> dict[str, dict[str, float]]:
    """Per action: DynamoDB calls, WRU, RRU and CPU seconds of one request (mean of `times`, CPU median)."""
    out: dict[str, dict[str, float]] = {}
    proposal = {"title": "ซ่อมถนนสายบ้านเหนือ", "summary": "ถนนเป็นหลุมหลายจุด ขอซ่อมทั้งสาย",
                "description": "ยาว 500 เมตร " * 20, "category": "roads", "village": 1, "cost": 150000,
                "author": "สมชาย ใจดี", "contact": "081-234-5678"}
    comment = {"text": "เห็นด้วยครับ ถนนเส้นนี้เด็กใช้เดินไปโรงเรียนทุกวัน " * 3, "author": "สมหญิง"}

    repo = new_dynamo_repository()
    service = make_service(write_content(tmp / "proposals", "proposals"), repo)
    with api_for(service) as api:
        _ok(api.get(BASE))  # the phase is stored once per process, not per action
        rec = _measured(repo)
        out["proposal"] = _run(rec, lambda i: _ok(api.post(BASE + "/proposals", {**proposal, "title": f"ถนน {i}"},
                                                           key=f"p{i}")), times)
        target = BASE + "/proposals/road-village-1/comments"
        out["comment"] = _run(rec, lambda i: _ok(api.post(target, {**comment, "author": f"ผู้ร่วม {i}"},
                                                          key=f"c{i}")), times)
        out["comments_read"] = _run(rec, lambda i: _ok(api.get(target)), times)
        staff = STAFF_BASE + "/proposals/{}/moderation"
        slugs = [p["slug"] for p in _ok(api.staff(STAFF_BASE + "/proposals", method="GET"))["proposals"]
                 if p["status"] == "under_review"]
        out["moderation"] = _run(rec, lambda i: _ok(api.staff(staff.format(slugs[i]), {"decision": "approve"})),
                                 min(times, len(slugs)))
        items = repo.client._client.scan(TableName=repo.table)["Items"]
        stored = [item_size(i) + 100 for i in items  # DynamoDB counts 100 bytes of overhead per item
                  if i["SK"]["S"].startswith(("PROPOSAL#", "CONTACT#", "COMMENT#"))]
        proposals_stored = sum(1 for i in items if i["SK"]["S"].startswith("PROPOSAL#"))
        out["storage"] = {"bytes_per_proposal": sum(stored) / proposals_stored}
        today = service.clock.now().date()  # nothing due: what every hourly run costs per process
        out["scheduler_per_process"] = _run(rec, lambda i: service.phases.advance_due(today), times)

    repo = new_dynamo_repository()
    service = make_service(write_content(tmp / "voting", "voting"), repo, clk=clock())
    with api_for(service) as api:
        _ok(api.get(BASE))
        rec = _measured(repo)
        receipts: list[str] = []
        def ballot(i: int) -> Any:
            answer = _ok(api.post(BASE + "/ballot", ballot_body(100 + i), key=f"b{i}"))
            receipts.append(answer["receipt"])
            return answer

        out["ballot"] = _run(rec, ballot, times)
        out["receipt_check"] = _run(rec, lambda i: _ok(api.get(f"{BASE}/receipts/{receipts[i]}")), times)
        out["phase_change"] = _run(rec, lambda i: _ok(api.staff(
            STAFF_BASE + "/phase", {"expected_phase": ["voting", "results", "implementation"][i]}, key=f"ph{i}")),
            1)

    repo = new_dynamo_repository()
    service = make_service(write_idea_content(tmp / "ideas"), repo, clk=clock())
    with api_for(service) as api:
        support = f"/api/municipalities/{MUNI}/processes/{IDEAS}/proposals/sorting-at-school/support"
        _ok(api.get(f"/api/municipalities/{MUNI}/processes/{IDEAS}"))
        rec = _measured(repo)
        out["support"] = _run(rec, lambda i: _ok(api.post(support, {"national_id": national_id(300 + i),
                                                                    "birth_date": "1980-01-01"})), times)
    return {k: {key: round(v, 4) for key, v in d.items()} for k, d in out.items()}


def measure_rebuild_and_site(tmp: Path, voters: int = 20) -> dict[str, Any]:
    """One municipality's export (DynamoDB reads) and build (CPU time, files, bytes) after a vote."""
    from chalicelib.rebuild import build_municipality, export_municipality

    repo = new_dynamo_repository()
    content = write_content(tmp / "rebuild", "voting")
    service = make_service(content, repo, clk=clock())
    with api_for(service) as api:
        for i in range(voters):
            _ok(api.post(BASE + "/ballot", ballot_body(500 + i), key=f"v{i}"))
        _ok(api.staff(STAFF_BASE + "/phase", {"expected_phase": "voting"}, key="close"))
    rec = _measured(repo)
    c0, r0 = rec.calls, rec.rru
    t0 = time.process_time()
    export_municipality(service, MUNI, tmp / "data")
    site = build_municipality(content, tmp / "site", tmp / "data", MUNI, "https://sites.example.go.th/")
    cpu = time.process_time() - t0
    every = [p for p in site.rglob("*") if p.is_file()]
    files = [p for p in every if p.suffix != ".map"]  # the Lambda bundle has no source maps to copy
    pages = [p for p in files if p.suffix == ".html"]
    assets = [p for p in files if "/assets/" in p.as_posix() and p.suffix in (".css", ".js", ".woff2", ".svg")]
    first_visit = [p for p in assets if p.suffix in (".css", ".woff2") or p.name.startswith(("bundle", "pk-"))]

    def gz(path: Path) -> int:
        data = path.read_bytes()
        return len(gzip.compress(data, 6)) if path.suffix in (".html", ".css", ".js", ".svg", ".json") else len(data)

    return {
        "rebuild": {"dynamodb_calls": rec.calls - c0, "rru": round(rec.rru - r0, 2), "lambda_seconds": round(cpu, 2),
                    "memory_gb": REBUILD_MEMORY_GB},
        "site": {
            "files_per_municipality": len(files),
            "bytes_per_municipality": sum(p.stat().st_size for p in files),
            "html_pages": len(pages),
            "page_bytes_compressed": round(statistics.median(gz(p) for p in pages)),
            "assets_bytes_compressed": sum(gz(p) for p in first_visit),
            "asset_files_per_first_visit": len(first_visit),
            "source_maps_left_out": len(every) - len(files),
        },
        "table_bytes_per_voter": round(statistics.mean(
            item_size(i) for i in repo.client._client.scan(TableName=repo.table)["Items"]
            if i["PK"]["S"].startswith("BALLOTS#")) + 100),  # + DynamoDB's 100 bytes of overhead per item
    }


def measure(tmp: Path, times: int = 5) -> dict[str, Any]:
    actions = measure_actions(tmp, times)
    built = measure_rebuild_and_site(tmp)
    return {"actions": actions, **built}
