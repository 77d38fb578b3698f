"""Fixtures and factories for the API, repository and stack tests (imported by those modules).

One moto server per test process (started on first use on 127.0.0.1, a free port); each test gets
its own table, so tests never see each other's items. Content comes from a small municipality
written into a temporary folder next to a copy of the national templates.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import socket
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
if str(FUNCTIONS) not in sys.path:
    sys.path.insert(0, str(FUNCTIONS))

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "ap-southeast-1")

SECRET = b"test-identity-secret"
STAFF_TOKEN = "staff-token-ban-test"
MUNI = "ban-test"
PB = "pb-2570"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@functools.cache
def moto_endpoint() -> str:
    """Start one moto server for this test process (DynamoDB serialized, as the demo's); stopped at exit."""
    from prachakhom.commands.local_aws import start_moto

    port = free_port()
    server = start_moto("127.0.0.1", port)
    atexit.register(server.stop)
    return f"http://127.0.0.1:{port}"


def dynamodb_client(endpoint: str | None = None) -> Any:
    """A client as the app makes it (the fault model's retries and timeouts) to the tests' moto."""
    import boto3
    from chalicelib.storage.faults import client_config

    return boto3.client("dynamodb", endpoint_url=endpoint or moto_endpoint(), region_name="ap-southeast-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing", config=client_config())


def new_dynamo_repository() -> Any:
    from chalicelib.storage.dynamodb import DynamoRepository, create_table

    client = dynamodb_client()
    name = f"t-{uuid.uuid4().hex[:12]}"
    create_table(client, name)
    return DynamoRepository(client, name)


# --- content ------------------------------------------------------------------------------------

MUNICIPALITY_YAML = """\
name: เทศบาลตำบลบ้านทดสอบ
type: เทศบาลตำบล
dla_code: "5999901"
province: เชียงใหม่
district: เมืองเชียงใหม่
villages:
  - {number: 1, name: บ้านเหนือ}
  - {number: 2, name: บ้านใต้}
"""

PROCESS_YAML = """\
title: งบประมาณแบบมีส่วนร่วม 2570
template: pb-tambon
template_version: 1
summary: ทดสอบ
fiscal_year: 2570
current_phase: {phase}
budget:
  total: 1000000
  villages: {{1: 300000, 2: 300000}}
  municipality_wide: 400000
phases:
  - {{key: preparation, start: 2026-01-01, end: 2026-01-14}}
  - {{key: proposals, start: 2026-01-15, end: 2026-02-13}}
  - {{key: review, start: 2026-02-14, end: 2026-03-06}}
  - {{key: voting, start: 2026-03-07, end: 2026-03-20}}
  - {{key: results, start: 2026-03-21, end: 2026-04-19}}
  - {{key: implementation, start: 2026-04-20, end: 2027-02-13}}
overrides:
{overrides}
"""

FORUM_PROPOSALS = {
    # slug: (village, cost, status, title)
    "road-village-1": (1, 250000, "feasible", "ซ่อมถนนหมู่ 1"),
    "lights-village-1": (1, 100000, "feasible", "ไฟส่องสว่างหมู่ 1"),
    "well-village-1": (1, 80000, "feasible", "บ่อบาดาลหมู่ 1"),
    "library-village-1": (1, 30000, "infeasible", "ห้องสมุดหมู่ 1"),
    "road-village-2": (2, 200000, "feasible", "ถนนหมู่ 2"),
    "market-all": (None, 300000, "feasible", "ตลาดชุมชน"),
    "park-all": (None, 150000, "feasible", "สวนสาธารณะ"),
    "cctv-all": (None, 120000, "feasible", "กล้องวงจรปิด"),
}


def proposal_md(village: int | None, cost: int, status: str, title: str) -> str:
    feas = ""
    if status in ("feasible", "infeasible"):
        feas = f"feasibility:\n  feasible: {'true' if status == 'feasible' else 'false'}\n  answer: ตรวจแล้ว\n"
    vill = f"village: {village}\n" if village is not None else ""
    return (f"---\ntitle: {title}\ncategory: roads\n{vill}cost: {cost}\nauthor: เวทีประชาคม\n"
            f"submitted_on: 2026-01-20\nsource: village_forum\nstatus: {status}\n{feas}---\nรายละเอียด {title}\n")


def write_content(root: Path, phase: str = "proposals", overrides: str = "  {}") -> Path:
    """A content folder: the real national templates + one municipality with one pb process."""
    content = root / "content"
    shutil.copytree(ROOT / "content" / "templates", content / "templates")
    mdir = content / "municipalities" / MUNI
    pdir = mdir / "processes" / PB
    (pdir / "proposals").mkdir(parents=True)
    (mdir / "municipality.yaml").write_text(MUNICIPALITY_YAML, encoding="utf-8")
    (pdir / "process.yaml").write_text(PROCESS_YAML.format(phase=phase, overrides=overrides), encoding="utf-8")
    for slug, spec in FORUM_PROPOSALS.items():
        (pdir / "proposals" / f"{slug}.md").write_text(proposal_md(*spec), encoding="utf-8")
    return content


IDEAS = "waste-ideas"
IDEAS_YAML = """\
title: ร่วมคิดเรื่องขยะ
template: idea-consultation
template_version: 1
summary: ทดสอบ
fiscal_year: 2570
current_phase: {phase}
phases:
  - {{key: preparation, start: 2026-03-01, end: 2026-03-07}}
  - {{key: ideas, start: 2026-03-08, end: 2026-04-06}}
  - {{key: review, start: 2026-04-07, end: 2026-04-27}}
  - {{key: response, start: 2026-04-28, end: 2026-05-11}}
"""
IDEA_MD = """\
---
title: {title}
summary: สรุป
category: sorting
author: กลุ่มแม่บ้าน
submitted_on: 2026-03-09
source: village_forum
status: {status}
---
รายละเอียด
"""


def write_idea_content(root: Path, phase: str = "ideas") -> Path:
    """The content folder of `write_content` plus an idea consultation (`waste-ideas`) in the same place."""
    content = write_content(root)
    pdir = content / "municipalities" / MUNI / "processes" / IDEAS
    (pdir / "proposals").mkdir(parents=True)
    (pdir / "process.yaml").write_text(IDEAS_YAML.format(phase=phase), encoding="utf-8")
    for slug, status in (("sorting-at-school", "published"), ("compost-bins", "published"),
                         ("secret-idea", "under_review")):
        (pdir / "proposals" / f"{slug}.md").write_text(IDEA_MD.format(title=slug, status=status), encoding="utf-8")
    return content


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return self.current.date()


def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))


def national_id(n: int) -> str:
    """A valid 13-digit ID, different for every n."""
    from prachakhom.identity import national_id_check_digit

    first = f"1{n:011d}"
    return first + str(national_id_check_digit(first))


def make_repository(kind: str) -> Any:
    from chalicelib.storage.memory import MemoryRepository

    return MemoryRepository() if kind == "memory" else new_dynamo_repository()


# --- the app through chalice's test client ------------------------------------------------------


class Api:
    """JSON helpers around `chalice.test.Client`."""

    def __init__(self, client: Any, service: Any) -> None:
        self.client, self.service = client, service

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
             raw: bytes | None = None) -> tuple[int, Any]:
        import json

        hdrs = {"Content-Type": "application/json", **(headers or {})}
        payload = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        response = self.client.http.request(method, path, headers=hdrs, body=payload)
        data = json.loads(response.body) if response.body else None
        return response.status_code, data, response.headers  # type: ignore[return-value]

    def get(self, path: str, **kw: Any) -> tuple[int, Any]:
        status, data, _ = self.call("GET", path, **kw)
        return status, data

    def post(self, path: str, body: Any = None, key: str | None = None, **kw: Any) -> tuple[int, Any]:
        headers = dict(kw.pop("headers", {}) or {})
        if key:
            headers["Idempotency-Key"] = key
        status, data, _ = self.call("POST", path, body, headers=headers, **kw)
        return status, data

    def put(self, path: str, body: Any = None, key: str | None = None) -> tuple[int, Any]:
        status, data, _ = self.call("PUT", path, body, headers={"Idempotency-Key": key} if key else {})
        return status, data

    def staff(self, path: str, body: Any = None, key: str | None = None, token: str = STAFF_TOKEN,
              method: str = "POST") -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        status, data, _ = self.call(method, "/api/staff" + path, body, headers=headers)
        return status, data


BASE = f"/api/municipalities/{MUNI}/processes/{PB}"
STAFF_BASE = f"/municipalities/{MUNI}/processes/{PB}"


def make_service(content_dir: Path, repository: Any, clk: Any = None, rebuild: str = "off",
                 site_dir: Path | None = None, data_dir: Path | None = None, rebuilder: Any = None) -> Any:
    from chalicelib.context import Settings, build_service

    settings = Settings.from_env({
        "PRACHAKHOM_STORAGE": "memory", "PRACHAKHOM_IDENTITY_SECRET": SECRET.decode(),
        "PRACHAKHOM_STAFF_TOKENS": f'{{"{MUNI}": "{STAFF_TOKEN}"}}', "PRACHAKHOM_CONTENT": str(content_dir),
        "PRACHAKHOM_REBUILD": rebuild, "PRACHAKHOM_SITE_DIR": str(site_dir or ""),
        "PRACHAKHOM_DATA_DIR": str(data_dir or content_dir.parent / "data"),
    })
    return build_service(settings, clock=clk or clock(), repository=repository, rebuilder=rebuilder)


@contextlib.contextmanager
def api_for(service: Any) -> Iterator[Api]:
    from app import app
    from chalice.test import Client
    from chalicelib import context

    context.use(service)
    try:
        with Client(app, stage_name="local", project_dir=str(FUNCTIONS)) as client:
            yield Api(client, service)
    finally:
        context.use(None)


def ballot_body(n: int = 1, choices: dict[str, Any] | None = None, birth: str = "1990-05-17") -> dict[str, Any]:
    return {"national_id": national_id(n), "birth_date": birth,
            "choices": choices if choices is not None else {"village-1": ["road-village-1"],
                                                            "municipality": ["market-all", "park-all"]}}


def assert_error_shape(data: Any, code: str | None = None) -> None:
    assert data["ok"] is False
    assert isinstance(data["errors"], list) and data["errors"]
    for e in data["errors"]:
        assert set(e) == {"loc", "code", "msg"} and isinstance(e["loc"], list) and e["msg"]
    if code is not None:
        assert code in [e["code"] for e in data["errors"]], data


# --- the app on a real loopback server (threads, as under load) ----------------------------------


class Http:
    """JSON over HTTP to the app served on loopback (`served`): real threads, real sockets."""

    def __init__(self, base: str, service: Any) -> None:
        self.base, self.service = base, service

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
             raw: bytes | None = None, timeout: float = 120.0) -> tuple[int, Any, dict[str, str]]:
        import http.client
        import json
        from urllib.parse import urlsplit

        url = urlsplit(self.base)
        payload = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
        try:
            hdrs = {"Content-Type": "application/json", **(headers or {})}
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in hdrs.items():
                conn.putheader(name, value.encode("utf-8") if isinstance(value, str) else value)
            conn.putheader("Content-Length", str(len(payload or b"")))
            conn.endheaders(payload)
            response = conn.getresponse()
            data = response.read()
            return (response.status, json.loads(data) if data else None,
                    {k.lower(): v for k, v in response.getheaders()})
        finally:
            conn.close()

    def post(self, path: str, body: Any = None, key: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any]:
        status, data, _ = self.call("POST", path, body, {**(headers or {}), **({"Idempotency-Key": key} if key else {})})
        return status, data

    def put(self, path: str, body: Any = None, key: str | None = None) -> tuple[int, Any]:
        status, data, _ = self.call("PUT", path, body, {"Idempotency-Key": key} if key else {})
        return status, data

    def get(self, path: str) -> tuple[int, Any]:
        status, data, _ = self.call("GET", path)
        return status, data

    def staff(self, path: str, body: Any = None, key: str | None = None, method: str = "POST") -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {STAFF_TOKEN}", **({"Idempotency-Key": key} if key else {})}
        status, data, _ = self.call(method, "/api/staff" + path, body, headers)
        return status, data


@contextlib.contextmanager
def served(service: Any) -> Iterator[Http]:
    """The app with `service` on a free loopback port (chalice local's threaded server, with API
    Gateway's answers to unknown paths: `prachakhom.commands.api_local`)."""
    from app import app
    from chalicelib import context

    from prachakhom.commands.api_local import serve_in_thread

    context.use(service)
    server, base = serve_in_thread(app)
    try:
        yield Http(base, service)
    finally:
        server.shutdown()
        server.server.server_close()
        context.use(None)


def run_together(calls: list[Any]) -> list[Any]:
    """Run the callables at once (one thread each, released together); their results or exceptions."""
    import threading

    results: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except BaseException as err:  # returned to the caller, who asserts on it
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def scan_table(repository: Any) -> list[dict[str, Any]]:
    """Every item of a DynamoDB repository's table (DynamoDB JSON), sorted by key: to compare before
    and after a request."""
    raw = repository.client.raw
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": repository.table}
    while True:
        page = raw.scan(**kwargs)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))
