"""Export benchmark: a large municipality's archive against a bare table scan, in one run.

    python tests/bench/export.py [--ballots 5000 20000] [--runs 3]

For each size a fresh table in a moto server (its own process, so its memory is not counted) holds
one municipality (the tests' `ban-test`: content pushed, 8 forum proposals) with N ballots (one in
ten changed once: two versions) and a second municipality of N/4 ballots that the export must not read.

* ours: `prachakhom export` (`backup.export_archive`): content, one `Query` per partition a page at a
  time, every record written to the gzip'd archive as it arrives, the SHA-256 over the body;
* baseline 1: bare paginated `Query`s of the same partitions into a Python list (the same DynamoDB
  work, nothing encoded, hashed or written);
* baseline 2: a bare paginated `Scan` of the whole table into a list (what "dump the table" costs).

`--paged-fake`: the same over an in-process table that answers `Query`/`Scan` in pages of about
1 MB, each page a fresh copy as boto3 would parse it (moto's query pages cost time quadratic in the
partition, so 20,000 ballots take hours there): memory figures comparable, times not DynamoDB's.

Time: median of `--runs` runs. Memory: peak of Python allocations (`tracemalloc`) during one more run
of each (the three take turns per size). Streaming shows as an export peak that stays flat while N grows; the baseline's list grows with N.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.api_fixtures import MUNI, PB, free_port, write_content  # noqa: E402  (puts functions/ on the path)


def moto_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1)
            return proc, endpoint
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("moto server did not start")


def ballots(m: str, n: int) -> Any:
    from chalicelib.storage.dynamodb import ballot_item
    from chalicelib.storage.records import BallotRecord, BallotVersion

    t0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    for i in range(n):
        choices = {"village-1": {"road-village-1": 1}, "municipality": {"market-all": 1, "park-all": 1}}
        versions: tuple[BallotVersion, ...] = ()
        if i % 10 == 0:
            versions = (BallotVersion(t0, choices), BallotVersion(t0 + timedelta(hours=1), {"municipality": {"cctv-all": 1}}))
        yield ballot_item(BallotRecord(m, PB, f"{i:064x}", versions[-1].choices if versions else choices,
                                       f"{i:04X}-{i * 7919 % 65536:04X}-{i * 104729 % 65536:04X}", t0,
                                       version=len(versions) or 1, idem_key=f"k{i}", versions=versions))


def setup(endpoint: str, n: int, tmp: Path) -> tuple[Any, Any]:
    import boto3
    from chalicelib.storage.audit import DynamoAuditLog
    from chalicelib.storage.content import content_store_from_env, create_content_bucket
    from chalicelib.storage.dynamodb import DynamoRepository, create_table, put_items
    from chalicelib.storage.records import ProcessState
    from chalicelib.storage.staff import DynamoStaffDirectory

    from prachakhom.commands.backup import Sources
    from prachakhom.store import FolderStore
    from prachakhom.transfer import SyncRecord, push

    name = f"bench-{uuid.uuid4().hex[:8]}"
    env = {"PRACHAKHOM_TABLE": name, "PRACHAKHOM_CONTENT_BUCKET": name, "PRACHAKHOM_DYNAMODB_ENDPOINT": endpoint,
           "PRACHAKHOM_S3_ENDPOINT": endpoint, "AWS_DEFAULT_REGION": "ap-southeast-1",
           "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="ap-southeast-1",
                          aws_access_key_id="x", aws_secret_access_key="x")
    create_table(client, name)
    store = content_store_from_env(env)
    create_content_bucket(store.s3, name, "ap-southeast-1")
    folder = FolderStore(write_content(tmp / name))
    for scope in ("templates", f"municipalities/{MUNI}"):
        push(folder, store, scope, SyncRecord(tmp / f"{name}.json"), "push:bench")
    repo = DynamoRepository(client, name)
    repo.init_state(ProcessState(MUNI, PB, "results", datetime(2026, 3, 21, tzinfo=UTC)))
    put_items(client, name, ballots(MUNI, n))
    put_items(client, name, ballots("other-town", n // 4))
    return client, Sources(store, repo, DynamoStaffDirectory(client, name), DynamoAuditLog(client, name))


class PagedTable:
    """A DynamoDB client for one table in memory: `batch_write_item`, `query`, `get_item`, `scan`, in
    pages of `PAGE_BYTES` of items, each page a fresh deep copy (what parsing a response allocates)."""

    PAGE_BYTES = 1_000_000

    def __init__(self) -> None:
        self.partitions: dict[str, dict[str, dict[str, Any]]] = {}

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803  (boto3's names)
        for requests in RequestItems.values():
            for r in requests:
                item = r["PutRequest"]["Item"]
                self.partitions.setdefault(item["PK"]["S"], {})[item["SK"]["S"]] = item
        return {}

    def put_item(self, Item: dict[str, Any], **_: Any) -> dict[str, Any]:  # noqa: N803
        self.partitions.setdefault(Item["PK"]["S"], {})[Item["SK"]["S"]] = Item
        return {}

    def get_item(self, Key: dict[str, Any], **_: Any) -> dict[str, Any]:  # noqa: N803
        item = self.partitions.get(Key["PK"]["S"], {}).get(Key["SK"]["S"])
        return {"Item": copy.deepcopy(item)} if item else {}

    def _page(self, rows: list[dict[str, Any]], start: int, limit: int | None) -> dict[str, Any]:
        out, size, i = [], 0, start
        while i < len(rows) and size < self.PAGE_BYTES and (limit is None or len(out) < limit):
            out.append(copy.deepcopy(rows[i]))
            size += len(json.dumps(rows[i], default=str))
            i += 1
        page: dict[str, Any] = {"Items": out}
        if i < len(rows):
            page["LastEvaluatedKey"] = {"i": i}
        return page

    def query(self, ExpressionAttributeValues: dict[str, Any], ScanIndexForward: bool = True,  # noqa: N803
              Limit: int | None = None, ExclusiveStartKey: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:
        values = ExpressionAttributeValues
        part = self.partitions.get(values[":pk"]["S"], {})
        keys = sorted(part, reverse=not ScanIndexForward)
        if ":prefix" in values:
            keys = [k for k in keys if k.startswith(values[":prefix"]["S"])]
        if ":c" in values:
            keys = [k for k in keys if k < values[":c"]["S"]]
        return self._page([part[k] for k in keys], (ExclusiveStartKey or {}).get("i", 0), Limit)

    def scan(self, ExclusiveStartKey: dict[str, Any] | None = None, **_: Any) -> dict[str, Any]:  # noqa: N803
        rows = [item for pk in sorted(self.partitions) for _, item in sorted(self.partitions[pk].items())]
        return self._page(rows, (ExclusiveStartKey or {}).get("i", 0), None)


def fake_setup(n: int, tmp: Path) -> tuple[Any, Any]:
    from chalicelib.storage.audit import DynamoAuditLog
    from chalicelib.storage.dynamodb import DynamoRepository, put_items, query_items
    from chalicelib.storage.staff import DynamoStaffDirectory

    from prachakhom.commands.backup import Sources
    from prachakhom.store import FolderStore

    client = PagedTable()
    real = (Path(tmp) / f"fake-{n}")
    folder = FolderStore(write_content(real))
    put_items(client, "fake", ballots(MUNI, n))
    put_items(client, "fake", ballots("other-town", n // 4))
    assert sum(1 for _ in query_items(client, "fake", f"BALLOTS#{MUNI}#{PB}")) == n
    repo = DynamoRepository(client, "fake")
    return client, Sources(folder, repo, DynamoStaffDirectory(client, "fake"), DynamoAuditLog(client, "fake"))


def bare_scan(client: Any, table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def bare_queries(client: Any, table: str) -> list[dict[str, Any]]:
    """The same partitions the export reads, queried into a list (same DynamoDB work, nothing written)."""
    from chalicelib.storage.dynamodb import query_items

    items: list[dict[str, Any]] = []
    for pk, prefix in ((f"PROC#{MUNI}#{PB}", ""), (f"BALLOTS#{MUNI}#{PB}", ""), ("EFFECTS", f"EFFECT#{MUNI}#"),
                       ("CONTENT", f"municipalities/{MUNI}"), (f"CONTENT#municipalities/{MUNI}", ""),
                       (f"AUDIT#{MUNI}", ""), (f"TEAM#{MUNI}", "")):
        items += query_items(client, table, pk, prefix)
    return items


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median seconds, peak MiB of Python allocations in one more run)."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def one_size(endpoint: str | None, n: int, tmp: Path, runs: int) -> None:
    from prachakhom.commands.backup import export_archive

    client, sources = setup(endpoint, n, tmp) if endpoint else fake_setup(n, tmp)
    out = tmp / f"{n}.prachakhom.gz"
    table = sources.repository.table  # type: ignore[attr-defined]
    t_ours, m_ours = measure(lambda: export_archive(sources, MUNI, out), runs)
    t_base, m_base = measure(lambda: bare_queries(client, table), runs)
    t_scan, m_scan = measure(lambda: bare_scan(client, table), runs)
    size = out.stat().st_size / 2**20
    print(f"{n:>8}  {t_ours:8.2f} s {m_ours:7.1f} MiB ({size:5.2f} MiB file)  "
          f"{t_base:8.2f} s {m_base:7.1f} MiB  {t_scan:8.2f} s {m_scan:7.1f} MiB  "
          f"{t_ours / t_base:8.2f}× {m_ours / m_base:.2f}×", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--paged-fake", action="store_true", help="an in-process paged table instead of moto")
    args = parser.parse_args()
    os.environ.setdefault("AWS_DEFAULT_REGION", "ap-southeast-1")
    header = (f"{'ballots':>8}  {'ours: export':>34}  {'bare queries to a list':>22}  {'bare scan to a list':>22}"
              "  ratio to the queries: time, memory")
    if args.paged_fake:
        with tempfile.TemporaryDirectory() as folder:
            print("in-process paged table (not moto)\n" + header)
            for n in args.ballots:
                one_size(None, n, Path(folder), args.runs)
        return

    proc, endpoint = moto_server()
    try:
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder)
            print("moto server\n" + header)
            for n in args.ballots:
                one_size(endpoint, n, tmp, args.runs)
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
