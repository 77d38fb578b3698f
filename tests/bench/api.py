"""API benchmarks, printed side by side (figures only, no timed asserts).

    python tests/bench/api.py [--ballots 1000]

1. cold start: importing functions/app.py vs a bare Chalice app importing boto3 and pydantic
   (fresh interpreters, median of 5);
2. write cost of one ballot on the happy path: DynamoDB requests (a botocore `before-call` hook)
   and the consumed capacity the PutItem reports (`ReturnConsumedCapacity="TOTAL"`); the requests
   of one receipt check (the ballot's key is its receipt code: one GetItem, no index);
3. 1,000 ballots through the app (chalice test client → moto server) vs 1,000 plain boto3 put_item
   (conditional, same server) and vs 1,000 put_item of the app's own item: the three alternate in
   chunks of 50 (`--chunk`), so a change in the machine's load hits them alike; min of 3 runs.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

BARE_APP = "import boto3, pydantic\nfrom chalice import Chalice\napp = Chalice(app_name='bare')\n"


def _import_time(cwd: Path, module: str, runs: int = 5) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=True,
                             env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{cwd}:{ROOT}"})
        times.append(float(out.stdout.strip()))
    return statistics.median(times)


def cold_start() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bare_app.py").write_text(BARE_APP)
        bare = _import_time(Path(tmp), "bare_app")
    ours = _import_time(ROOT / "functions", "app")
    return ours, bare


CHOICES = {"village-1": ["road-village-1"], "municipality": ["market-all", "park-all"]}


def one_ballot() -> tuple[list[str], list[dict], list[str]]:
    """The DynamoDB requests of one ballot after a warm-up one, the capacity the PutItem reports, and
    the requests of one receipt check."""
    from tests.api_fixtures import (
        BASE,
        api_for,
        ballot_body,
        make_service,
        new_dynamo_repository,
        write_content,
    )

    repo = new_dynamo_repository()
    calls: list[str] = []
    repo.client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    service = make_service(write_content(Path(tempfile.mkdtemp()), "voting"), repo)
    with api_for(service) as api:
        api.post(BASE + "/ballot", ballot_body(1, CHOICES), key="warm")  # stores the phase, fills the caches
        calls.clear()
        status, data = api.post(BASE + "/ballot", ballot_body(2, CHOICES), key="one")
        assert status == 201
        ballot_calls, capacity = list(calls), repo.last_consumed_capacity
        calls.clear()
        assert api.get(f"{BASE}/receipts/{data['receipt']}")[0] == 200
    return ballot_calls, capacity, calls


def _app_side(stack: contextlib.ExitStack, n: int) -> Callable[[range], float]:
    """First ballots through the app (fresh table, warm container): run(range of voters) → seconds."""
    from tests.api_fixtures import (
        BASE,
        api_for,
        ballot_body,
        make_service,
        new_dynamo_repository,
        write_content,
    )

    service = make_service(write_content(Path(tempfile.mkdtemp()), "voting"), new_dynamo_repository())
    bodies = [ballot_body(i, CHOICES) for i in range(n + 1)]
    api = stack.enter_context(api_for(service))
    assert api.post(BASE + "/ballot", bodies[n], key="warm")[0] == 201

    def run(voters: range) -> float:
        statuses = set()
        start = time.perf_counter()
        for i in voters:
            statuses.add(api.post(BASE + "/ballot", bodies[i], key=f"b{i}")[0])
        elapsed = time.perf_counter() - start
        assert statuses == {201}, statuses
        return elapsed

    return run


def _put_side(n: int, app_item: bool = False) -> Callable[[range], float]:
    """Conditional put_item to a fresh table: a small ballot item, or the very item the app writes."""
    from datetime import UTC, datetime

    from chalicelib.storage.records import BallotRecord

    from tests.api_fixtures import new_dynamo_repository

    repo = new_dynamo_repository()
    choices = {"village-1": {"road-village-1": 1}, "municipality": {"market-all": 1, "park-all": 1}}
    if app_item:
        items = [repo._ballot_item(BallotRecord("m", "p", f"{i:064d}", choices, f"AAAA-BBBB-{i:04d}",
                                                datetime.now(UTC), idem_key=f"b{i}")) for i in range(n)]
    else:
        items = [{"PK": {"S": "BALLOTS#m#p"}, "SK": {"S": f"BALLOT#{i:064d}"},
                  "choices": {"M": {"municipality": {"M": {"market-all": {"N": "1"}}}}},
                  "receipt": {"S": "AAAA-BBBB-CCCC"}} for i in range(n)]

    def run(voters: range) -> float:
        start = time.perf_counter()
        for i in voters:
            repo.client.put_item(TableName=repo.table, Item=items[i], ConditionExpression="attribute_not_exists(PK)")
        return time.perf_counter() - start

    return run


def interleaved_run(n: int, chunk: int) -> tuple[float, float, float]:
    """n ballots through the app, n plain put_item, n put_item of the app's item, alternating in chunks
    of `chunk` (so a change in the machine's load hits the three alike) → seconds of each."""
    with contextlib.ExitStack() as stack:
        sides = [_app_side(stack, n), _put_side(n), _put_side(n, app_item=True)]
        totals = [0.0, 0.0, 0.0]
        for first in range(0, n, chunk):
            for k, run in enumerate(sides):
                totals[k] += run(range(first, min(first + chunk, n)))
    return totals[0], totals[1], totals[2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs; the minimum of each is shown")
    parser.add_argument("--chunk", type=int, default=50, help="ballots per side before switching sides")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "functions"))

    ours, bare = cold_start()
    rows = [("cold start: import app", f"{ours * 1000:.0f} ms", f"{bare * 1000:.0f} ms (bare Chalice+boto3+pydantic)",
             f"{ours / bare:.2f}x (target <= 1.2x)")]
    calls, capacity, receipt_calls = one_ballot()
    writes = [c for c in calls if c in ("PutItem", "UpdateItem", "TransactWriteItems", "BatchWriteItem", "DeleteItem")]
    rows.append(("one ballot: DynamoDB requests", ", ".join(calls) or "none",
                 f"{len(writes)} write request(s) (botocore before-call hook)",
                 f"PutItem ReturnConsumedCapacity=TOTAL: {capacity or 'not reported by moto'}"))
    rows.append(("one receipt check: DynamoDB requests", ", ".join(receipt_calls) or "none",
                 "the ballot's key is its receipt code", "no index"))
    n = args.ballots
    app, put, same = [], [], []
    for _ in range(args.repeat):
        a, p, s = interleaved_run(n, args.chunk)
        app.append(a)
        put.append(p)
        same.append(s)
    app_time, put_time, same_time = min(app), min(put), min(same)
    rows.append((f"{n} ballots (min of {args.repeat})", f"{app_time:.2f} s through the app",
                 f"{put_time:.2f} s plain put_item", f"{app_time / put_time:.2f}x (target <= 1.3x)"))
    rows.append((f"{n} ballots (min of {args.repeat})", f"{app_time:.2f} s through the app",
                 f"{same_time:.2f} s put_item of the app's own item (receipt key, ballot id, times)",
                 f"{app_time / same_time:.2f}x (the app's own overhead)"))
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  ours | baseline | ratio")
    for r in rows:
        print(f"{r[0]:<{width}}  {r[1]} | {r[2]} | {r[3]}")


if __name__ == "__main__":
    main()
