"""The local stack: start, post a proposal through the API, stop, start again, the proposal is kept."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.api_fixtures import ROOT, free_port, write_content
from tests.test_demo_staff import signed_in_by_printed_command

pytestmark = pytest.mark.slow


def start(content: Path, state: Path, ports: dict[str, int]) -> tuple[subprocess.Popen[str], str]:
    """The running demo and what it printed up to "Press Ctrl-C"."""
    cmd = [sys.executable, "-m", "prachakhom.commands.cli", "demo", "--content", str(content), "--state-dir", str(state),
           "--site-port", str(ports["site"]), "--api-port", str(ports["api"]), "--moto-port", str(ports["moto"])]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PRACHAKHOM_STAFF_TOKENS": json.dumps({"ban-test": "t0ken"})}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    printed = []
    for line in proc.stdout:  # type: ignore[union-attr]
        printed.append(line)
        if line.startswith("Press Ctrl-C"):
            return proc, "".join(printed)
    proc.wait()
    raise AssertionError(f"demo did not start (exit {proc.returncode})")


def stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    rest = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, rest
    return rest


def call(url: str, body: dict | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def test_stack_keeps_data_across_restarts(tmp_path):
    content = write_content(tmp_path, "proposals")
    state = tmp_path / "state"
    ports = {"site": free_port(), "api": free_port(), "moto": free_port()}
    api = f"http://127.0.0.1:{ports['api']}/api"
    base = f"{api}/municipalities/ban-test/processes/pb-2570"
    staff = f"{api}/staff/municipalities/ban-test/processes/pb-2570/proposals"
    auth = {"Authorization": "Bearer t0ken"}
    proposal = {"title": "ไฟถนนซอย 5", "summary": "มืด", "description": "ซอย 5 มืด", "category": "lighting",
                "village": 1, "author": "สมศรี", "contact": "089-000-0000"}

    proc, printed = start(content, state, ports)
    try:
        # the national demo account (the test content has no demo municipality) signs in as printed
        assert "national  national" in printed
        answer = signed_in_by_printed_command(printed)
        assert answer["AuthenticationResult"]["AccessToken"]
        status, data = call(base + "/proposals", proposal, {"Idempotency-Key": "stack-1"})
        assert status == 201
        slug = data["proposal"]["slug"]
        with urllib.request.urlopen(f"http://127.0.0.1:{ports['site']}/ban-test/", timeout=10) as page:
            assert page.status == 200 and "บ้านทดสอบ" in page.read().decode("utf-8")
    finally:
        saved = stop(proc)
    assert "saved" in saved
    assert slug in (state / "dynamodb.json").read_text(encoding="utf-8")
    assert "089-000-0000" in (state / "dynamodb.json").read_text(encoding="utf-8")  # staff-only contact kept

    proc, _ = start(content, state, ports)
    try:
        status, data = call(staff, headers=auth)
        assert [(p["slug"], p["contact"]) for p in data["proposals"]] == [(slug, "089-000-0000")]
        status, again = call(base + "/proposals", proposal, {"Idempotency-Key": "stack-1"})
        assert status == 200 and again["proposal"]["slug"] == slug
    finally:
        stop(proc)


def test_restore_skips_ballots_of_the_old_schema(tmp_path, capsys):
    """A `.demo/dynamodb.json` saved before ballots were keyed by receipt: its ballots are skipped
    with a note (their random receipts cannot be re-keyed), everything else is restored."""
    from prachakhom.commands.demo import restore_table
    from tests.api_fixtures import dynamodb_client

    client = dynamodb_client()
    old = {"PK": {"S": "BALLOTS#m#p"}, "SK": {"S": "BALLOT#" + "ab" * 32}, "GSI1PK": {"S": "RECEIPT#m#p#AAAA-BBBB-CCCC"},
           "GSI1SK": {"S": "BALLOT"}, "receipt": {"S": "AAAA-BBBB-CCCC"}}
    new = {"PK": {"S": "BALLOTS#m#p"}, "SK": {"S": "BALLOT#7K2M-9QXD-R4TA"}, "receipt": {"S": "7K2M-9QXD-R4TA"}}
    state = {"PK": {"S": "PROC#m#p"}, "SK": {"S": "STATE"}, "phase": {"S": "voting"}}
    dump = tmp_path / "dynamodb.json"
    dump.write_text(json.dumps({"table": "x", "items": [state, old, new]}), encoding="utf-8")
    table = f"restore-{os.getpid()}-{tmp_path.name}"[:60]
    assert restore_table(client, dump, table) == 2
    assert "skipped 1 ballot(s)" in capsys.readouterr().err
    keys = sorted(i["SK"]["S"] for i in client.scan(TableName=table)["Items"])
    assert keys == ["BALLOT#7K2M-9QXD-R4TA", "STATE"]
