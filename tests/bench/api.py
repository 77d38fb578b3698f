"""API benchmarks, printed side by side (figures only, no timed asserts).

    python tests/bench/api.py [--ballots 1000]

1. cold start: importing functions/app.py vs a bare Chalice app importing boto3 and pydantic
   (fresh interpreters, median of 5);
2. write cost of one ballot on the happy path: DynamoDB write requests and consumed capacity;
3. 1,000 ballots through the app (chalice test client → moto server) vs 1,000 plain boto3 put_item
   to the same server.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=1000)
    args = parser.parse_args()
    from tests.api_fixtures import (
        BASE,
        api_for,
        ballot_body,
        dynamodb_client,
        make_service,
        new_dynamo_repository,
        write_content,
    )

    ours, bare = cold_start()
    rows = [("cold start: import app", f"{ours * 1000:.0f} ms", f"{bare * 1000:.0f} ms (bare Chalice+boto3+pydantic)",
             f"{ours / bare:.2f}x (target <= 1.2x)")]

    tmp = Path(tempfile.mkdtemp())
    repo = new_dynamo_repository()
    calls: list[str] = []
    repo.client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    service = make_service(write_content(tmp, "voting"), repo)
    n = args.ballots
    choices = {"village-1": ["road-village-1"], "municipality": ["market-all", "park-all"]}
    bodies = [ballot_body(i, choices) for i in range(n + 2)]
    with api_for(service) as api:
        api.post(BASE + "/ballot", bodies[n], key="warm")  # stores the phase, fills the caches
        calls.clear()
        api.post(BASE + "/ballot", bodies[n + 1], key="one")
        writes = [c for c in calls if c in ("PutItem", "UpdateItem", "TransactWriteItems", "BatchWriteItem",
                                            "DeleteItem")]
        capacity = repo.last_consumed_capacity
        rows.append(("one ballot: DynamoDB requests", ", ".join(calls), f"{len(writes)} write request(s)",
                     f"consumed capacity {capacity or 'not reported by moto'}"))
        statuses = set()
        start = time.perf_counter()
        for i in range(n):
            statuses.add(api.post(BASE + "/ballot", bodies[i], key=f"b{i}")[0])
        app_time = time.perf_counter() - start
        assert statuses == {201}, statuses
    client = dynamodb_client()
    table = new_dynamo_repository().table
    start = time.perf_counter()
    for i in range(n):
        client.put_item(TableName=table, Item={"PK": {"S": "BALLOTS#m#p"}, "SK": {"S": f"BALLOT#{i:064d}"},
                                               "choices": {"M": {"municipality": {"M": {"market-all": {"N": "1"}}}}},
                                               "receipt": {"S": "AAAA-BBBB-CCCC"}},
                        ConditionExpression="attribute_not_exists(PK)")
    put_time = time.perf_counter() - start
    rows.append((f"{n} ballots", f"{app_time:.2f} s through the app", f"{put_time:.2f} s plain put_item",
                 f"{app_time / put_time:.2f}x (target <= 1.3x)"))
    # moto deep-copies the whole table for every TransactWriteItems (its rollback), so a transaction
    # costs O(table size) there, unlike DynamoDB: compare with the same request sent by plain boto3 too.
    table = new_dynamo_repository().table
    client.put_item(TableName=table, Item={"PK": {"S": "PROC#m#p"}, "SK": {"S": "STATE"}, "phase": {"S": "voting"}})
    start = time.perf_counter()
    for i in range(n):
        client.transact_write_items(TransactItems=[
            {"ConditionCheck": {"TableName": table, "Key": {"PK": {"S": "PROC#m#p"}, "SK": {"S": "STATE"}},
                                "ConditionExpression": "#p IN (:v)", "ExpressionAttributeNames": {"#p": "phase"},
                                "ExpressionAttributeValues": {":v": {"S": "voting"}}}},
            {"Put": {"TableName": table, "ConditionExpression": "attribute_not_exists(PK)",
                     "Item": {"PK": {"S": "BALLOTS#m#p"}, "SK": {"S": f"BALLOT#{i:064d}"},
                              "choices": {"M": {"municipality": {"M": {"market-all": {"N": "1"}}}}},
                              "receipt": {"S": "AAAA-BBBB-CCCC"}}}}])
    tx_time = time.perf_counter() - start
    rows.append((f"{n} ballots", f"{app_time:.2f} s through the app", f"{tx_time:.2f} s plain transact_write_items",
                 f"{app_time / tx_time:.2f}x (same DynamoDB request, moto's O(table) transactions)"))
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  ours | baseline | ratio")
    for r in rows:
        print(f"{r[0]:<{width}}  {r[1]} | {r[2]} | {r[3]}")


if __name__ == "__main__":
    main()
