"""`prachakhom export` / `prachakhom import` against DynamoDB and S3 in moto: a municipality populated
through the API, exported, imported into a fresh table and content bucket, compared item by item."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.api_fixtures import (
    BASE,
    IDEAS,
    MUNI,
    SECRET,
    STAFF_BASE,
    STAFF_TOKEN,
    api_for,
    ballot_body,
    clock,
    moto_endpoint,
    national_id,
    write_idea_content,
)

OTHER = "ban-test-2"  # begins like MUNI: must never be exported with it
PHONE = "081-234-5678"
BIRTH = "1990-05-17"
PHOTO = f"municipalities/{MUNI}/images/forum.jpg"
IDEAS_BASE = f"/api/municipalities/{MUNI}/processes/{IDEAS}"


def deployment(content: Path | None, tmp_path: Path, scopes: tuple[str, ...] = ("templates", f"municipalities/{MUNI}"),
               ) -> dict[str, str]:
    """A fresh table and content bucket in moto (and `scopes` of `content` pushed)."""
    import boto3
    from chalicelib.storage.content import content_store_from_env, create_content_bucket
    from chalicelib.storage.dynamodb import create_table

    from prachakhom.store import FolderStore
    from prachakhom.transfer import SyncRecord, push

    name, endpoint = f"bk-{uuid.uuid4().hex[:10]}", moto_endpoint()
    env = {"PRACHAKHOM_STORAGE": "dynamodb", "PRACHAKHOM_IDENTITY_SECRET": SECRET.decode(),
           "PRACHAKHOM_STAFF_TOKENS": json.dumps({MUNI: STAFF_TOKEN}),
           "PRACHAKHOM_CONTENT_STORE": "dynamodb", "PRACHAKHOM_TABLE": name, "PRACHAKHOM_CONTENT_BUCKET": name,
           "PRACHAKHOM_DYNAMODB_ENDPOINT": endpoint, "PRACHAKHOM_S3_ENDPOINT": endpoint,
           "PRACHAKHOM_CONTENT": str(tmp_path / "nowhere"), "AWS_DEFAULT_REGION": "ap-southeast-1",
           "PRACHAKHOM_DATA_DIR": str(tmp_path / "data")}
    create_table(boto3.client("dynamodb", endpoint_url=endpoint, region_name="ap-southeast-1"), name)
    store = content_store_from_env(env)
    create_content_bucket(store.s3, name, "ap-southeast-1")
    if content is not None:
        record = SyncRecord(tmp_path / f"record-{name}.json")
        for scope in scopes:
            assert push(FolderStore(content), store, scope, record, "push:test").written
    if content is not None and f"municipalities/{MUNI}" in scopes:
        store.write(PHOTO, b"\xff\xd8\xff\xe0 not really a photo \x00\x01", None, "staff@ban-test")  # in S3
    return env


def service(env: dict[str, str]) -> Any:
    from chalicelib.context import Settings, build_service
    from chalicelib.storage.dynamodb import DynamoRepository

    from tests.api_fixtures import dynamodb_client

    repo = DynamoRepository(dynamodb_client(), env["PRACHAKHOM_TABLE"])
    return build_service(Settings.from_env(env), clock=clock(), repository=repo)


def scan(env: dict[str, str]) -> list[dict[str, Any]]:
    from tests.api_fixtures import dynamodb_client

    client, items, kwargs = dynamodb_client(), [], {"TableName": env["PRACHAKHOM_TABLE"], "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def of(municipality: str, items: list[dict[str, Any]], staff_subs: set[str]) -> list[dict[str, Any]]:
    """The items of `municipality`, told by their keys alone."""
    def mine(pk: str, sk: str) -> bool:
        return (municipality in pk.split("#")[1:3] or pk == f"CONTENT#municipalities/{municipality}"
                or (pk == "CONTENT" and sk == f"municipalities/{municipality}")
                or sk.startswith(f"EFFECT#{municipality}#") or sk == f"ROLE#{municipality}"
                or (pk.removeprefix("STAFF#") in staff_subs and sk == "PROFILE"))
    return [i for i in items if mine(i["PK"]["S"], i["SK"]["S"])]


def bucket(env: dict[str, str]) -> dict[str, bytes]:
    from chalicelib.storage.content import content_store_from_env

    s3 = content_store_from_env(env).s3
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=env["PRACHAKHOM_CONTENT_BUCKET"]).get("Contents", [])]
    return {k: s3.get_object(Bucket=env["PRACHAKHOM_CONTENT_BUCKET"], Key=k)["Body"].read() for k in keys}


def populate(env: dict[str, str]) -> dict[str, Any]:
    """Proposals, comments, a report, supports, ballots (one changed), phase moves, a staff grant with
    its audit entry — through the API where a route exists; plus another municipality's items."""
    from chalicelib.storage.audit import DynamoAuditLog
    from chalicelib.storage.dynamodb import DynamoRepository
    from chalicelib.storage.records import PendingEffect, ProcessState
    from chalicelib.storage.staff import DynamoStaffDirectory

    from prachakhom.audit import Actor, audit_entry
    from prachakhom.staff import Role
    from tests.api_fixtures import dynamodb_client

    seen: dict[str, Any] = {}
    with api_for(service(env)) as api:
        status, made = api.post(BASE + "/proposals", {
            "title": "ซ่อมถนน", "summary": "ถนนเป็นหลุม", "description": "ยาว 500 เมตร", "category": "roads",
            "village": 1, "cost": 150000, "author": "สมชาย", "contact": PHONE}, key="p1")
        assert status == 201
        slug = made["proposal"]["slug"]
        assert api.staff(f"{STAFF_BASE}/proposals/{slug}/moderation", {"decision": "approve"}, key="m1")[0] == 200
        target = f"{BASE}/proposals/{slug}/comments"
        status, first = api.post(target, {"text": "เห็นด้วย", "author": "สมหญิง"}, key="c1")
        assert status == 201
        assert api.post(target, {"text": "ขอบคุณ", "author": "สมชาย", "parent_id": first["comment"]["id"]},
                        key="c2")[0] == 201
        assert api.post(f"{target}/{first['comment']['id']}/reports", {"reporter": "r" * 20})[0] in (200, 201)
        for n in (1, 2):
            assert api.post(IDEAS_BASE + "/proposals/sorting-at-school/support",
                            {"national_id": national_id(n), "birth_date": BIRTH}, key=f"s{n}")[0] == 201
        for expected in ("proposals", "review"):
            assert api.staff(STAFF_BASE + "/phase", {"expected_phase": expected}, key=f"to-{expected}")[0] == 200
        receipts = {n: api.post(BASE + "/ballot", ballot_body(n, birth=BIRTH), key=f"b{n}")[1]["receipt"]
                    for n in (1, 2, 3)}
        api.service.clock.current += timedelta(minutes=5)
        status, changed = api.put(BASE + "/ballot", ballot_body(2, {"municipality": ["cctv-all"]}, birth=BIRTH),
                                  key="b2-change")
        assert status == 200 and changed["version"] == 2
        seen["receipts"] = receipts
        seen["answers"] = answers(api, receipts, slug)
    client, table = dynamodb_client(), env["PRACHAKHOM_TABLE"]
    directory, log = DynamoStaffDirectory(client, table), DynamoAuditLog(client, table)
    at = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
    for m, sub in ((MUNI, "sub-somsri"), (OTHER, "sub-other")):
        directory.save_profile(sub, f"{sub}@example.go.th", "สมศรี")
        directory.set_roles(sub, m, [Role.MODERATOR], expected=[], audit=audit_entry(
            actor=Actor("sub-admin", "ผู้ดูแล"), municipality=m, action="staff.roles", target=f"staff/{sub}",
            before={"roles": []}, after={"roles": ["moderator"], "phone": PHONE}, secret=SECRET, at=at))
    other = DynamoRepository(client, table)  # another municipality, same process slug
    other.init_state(ProcessState(OTHER, "pb-2570", "voting", at))
    for m, p, phase in ((MUNI, IDEAS, "ideas"), (OTHER, "pb-2570", "voting")):  # a rebuild left pending
        other.change_phase(m, p, phase, phase, at, "k-left", effects=[PendingEffect(m, p, "rebuild", "left", at)])
    seen["other_audit"] = [e.entry_id for e in log.export(OTHER)]
    return seen


def answers(api: Any, receipts: dict[int, str], slug: str) -> dict[str, Any]:
    """What residents see of the municipality: the API's answers compared before and after."""
    return {
        "process": api.get(BASE),
        "proposals": api.get(BASE + "/proposals"),
        "comments": api.get(f"{BASE}/proposals/{slug}/comments"),
        "ideas": api.get(IDEAS_BASE + "/proposals"),
        "receipts": {n: api.get(f"{BASE}/receipts/{code}") for n, code in receipts.items()},
    }


def cli(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    from prachakhom.commands.cli import main

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return main(list(argv))


def archive_text(path: Path) -> str:
    return gzip.decompress(path.read_bytes()).decode("utf-8")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("source")
    env = deployment(write_idea_content(tmp), tmp)
    return env, populate(env)


@pytest.fixture(scope="module")
def archive(source, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env, _ = source
    out = tmp_path_factory.mktemp("archive") / "ban-test.prachakhom.gz"
    with pytest.MonkeyPatch.context() as mp:
        assert cli(env, mp, "export", "--municipality", MUNI, "--out", str(out)) == 0
    return out


def national(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Without the national templates (a new deployment has them pushed before anything is restored)."""
    return [i for i in items if i["PK"]["S"] != "CONTENT#templates" and i["SK"]["S"] != "templates"]


def test_round_trip_into_a_fresh_table_keeps_every_item_byte_for_byte(source, archive, tmp_path, monkeypatch,
                                                                      capsys):
    env, seen = source
    target = deployment(write_idea_content(tmp_path), tmp_path, scopes=("templates",))
    assert cli(target, monkeypatch, "import", str(archive)) == 0
    subs = {"sub-somsri"}
    before, after = of(MUNI, scan(env), subs), national(scan(target))
    contacts = [i for i in before if i["PK"]["S"].startswith("PRIVATE#")]
    assert len(contacts) == 1  # staff-only: exported with --with-contacts alone (next test)
    # every other item of the municipality: same keys, same attributes, same bytes
    assert after == [i for i in before if i not in contacts]
    kinds = {(i["PK"]["S"].split("#")[0], i["SK"]["S"].split("#")[0]) for i in before}
    assert {("PROC", "STATE"), ("PROC", "PROPOSAL"), ("PROC", "COMMENT"), ("PROC", "REPORT"), ("PROC", "SUPPORT"),
            ("BALLOTS", "BALLOT"), ("EFFECTS", "EFFECT"), ("AUDIT", "2026-03-10T09:30:00.000000Z"),
            ("TEAM", "STAFF"), ("STAFF", "ROLE"), ("STAFF", "PROFILE"), ("CONTENT", "FILE"), ("CONTENT", "AUDIT"),
            ("CONTENT", "municipalities/ban-test")} <= kinds
    changed = next(i for i in after if i["SK"]["S"] == f"BALLOT#{seen['receipts'][2]}")
    assert len(changed["versions"]["L"]) == 2  # the change and the cast it replaced
    assert not [i for i in after if OTHER in repr(i)]
    assert not [i for i in after if i["PK"]["S"].startswith("PRIVATE#")]  # contacts only when asked for
    assert bucket(target) == {k: v for k, v in bucket(env).items() if k.startswith(f"blobs/{PHOTO}/")}
    # the API over the imported table and store answers what it answered before
    with api_for(service(target)) as api:
        slug = next(p["slug"] for p in seen["answers"]["proposals"][1]["proposals"] if p["slug"].startswith("online-"))
        assert answers(api, seen["receipts"], slug) == seen["answers"]


def test_the_archive_holds_no_raw_identity_and_marks_staff_only_records(source, archive, tmp_path, monkeypatch):
    env, _ = source
    text = archive_text(archive)
    header = json.loads(text.splitlines()[0])
    assert header["municipality"] == MUNI and header["processes"] == ["pb-2570", IDEAS]
    assert header["counts"]["ballot"] == 3 and header["counts"]["support"] == 2 and header["contacts"] is False
    assert header["staff_only"] == ["audit", "staff"]
    for secret_value in [national_id(n) for n in (1, 2, 3)] + [BIRTH, "17/05/2533", PHONE, PHONE.replace("-", "")]:
        assert secret_value not in text
    assert OTHER not in text and "CONTENT#templates" not in text
    records = [json.loads(line) for line in text.splitlines()[1:]]
    assert all(r.get("staff_only") is True for r in records if r["kind"] in ("staff", "audit"))
    with_contacts = tmp_path / "with-contacts.gz"
    assert cli(env, monkeypatch, "export", "--municipality", MUNI, "--out", str(with_contacts),
               "--with-contacts") == 0
    contact = [json.loads(line) for line in archive_text(with_contacts).splitlines()[1:]
               if PHONE in line]
    assert [(r["kind"], r["staff_only"]) for r in contact] == [("contact", True)]
    target = deployment(None, tmp_path)
    assert cli(target, monkeypatch, "import", str(with_contacts)) == 0
    assert scan(target) == of(MUNI, scan(env), {"sub-somsri"})  # everything, contacts included


@pytest.mark.parametrize("damage", ["truncated", "flipped", "edited"])
def test_a_damaged_archive_is_refused_with_nothing_written(archive, tmp_path, monkeypatch, capsys, damage):
    data = archive.read_bytes()
    bad = tmp_path / "bad.gz"
    if damage == "truncated":
        bad.write_bytes(data[: len(data) * 2 // 3])
    elif damage == "flipped":
        middle = len(data) // 2
        bad.write_bytes(data[:middle] + bytes([data[middle] ^ 0x55]) + data[middle + 1:])
    else:  # a line edited and recompressed: gzip is intact, the checksum is not
        lines = archive_text(archive).splitlines(keepends=True)
        lines[5] = lines[5].replace('"S":"', '"S":"x', 1)
        bad.write_bytes(gzip.compress("".join(lines).encode("utf-8")))
    target = deployment(None, tmp_path)
    assert cli(target, monkeypatch, "import", str(bad)) == 1
    assert "refused" in capsys.readouterr().err
    assert scan(target) == [] and bucket(target) == {}


def test_a_target_holding_other_data_is_refused_and_a_partial_import_is_finished(source, archive, tmp_path,
                                                                                  monkeypatch, capsys):
    import chalicelib.storage.dynamodb as dynamodb
    from chalicelib.storage.dynamodb import put_items

    from tests.api_fixtures import dynamodb_client

    env, _ = source
    target = deployment(None, tmp_path)
    everything = of(MUNI, scan(env), {"sub-somsri"})
    everything = [i for i in everything if not i["PK"]["S"].startswith("PRIVATE#")]
    real_put, written = dynamodb.put_items, []

    def dies_midway(client, table, items, retries=8):  # the operator's connection drops after 30 items
        def until_dropped():
            for item in items:
                if len(written) == 30:
                    raise ConnectionError("connection dropped")
                written.append(item)
                yield item
        return real_put(client, table, until_dropped(), retries)

    monkeypatch.setattr(dynamodb, "put_items", dies_midway)
    with pytest.raises(ConnectionError):
        cli(target, monkeypatch, "import", str(archive))
    monkeypatch.setattr(dynamodb, "put_items", real_put)
    assert 0 < len(scan(target)) < len(everything)
    assert cli(target, monkeypatch, "import", str(archive)) == 0  # a re-run finishes it
    assert scan(target) == everything
    # data the archive does not hold: refused, nothing written
    other = deployment(None, tmp_path)
    stray = {"PK": {"S": f"PROC#{MUNI}#pb-2570"}, "SK": {"S": "PROPOSAL#online-stray"}, "title": {"S": "อื่น"}}
    put_items(dynamodb_client(), other["PRACHAKHOM_TABLE"], [stray])
    assert cli(other, monkeypatch, "import", str(archive)) == 1
    assert "already holds 1 record" in capsys.readouterr().err
    assert scan(other) == [stray]
    assert cli(other, monkeypatch, "import", str(archive), "--overwrite") == 0
    assert scan(other) == sorted([*everything, stray], key=lambda i: (i["PK"]["S"], i["SK"]["S"]))
    assert bucket(other) == bucket(target)
    assert cli(other, monkeypatch, "import", str(archive), "--municipality", OTHER) == 1
    assert f"not '{OTHER}'" in capsys.readouterr().err


def test_the_local_folder_and_memory_state_round_trip(tmp_path):
    """The same commands over a content folder and the in-memory repositories (no AWS at all)."""
    from chalicelib.storage.memory import MemoryRepository
    from chalicelib.storage.staff import MemoryStaffDirectory

    from prachakhom.audit import Actor, audit_entry
    from prachakhom.commands.backup import BadArchive, Sources, export_archive, import_archive
    from prachakhom.staff import Role
    from prachakhom.store import FolderStore
    from tests.test_repository_contract import _populate

    def local(folder: Path) -> Sources:
        staff = MemoryStaffDirectory()
        return Sources(FolderStore(folder), MemoryRepository(), staff, staff.audit_log)

    source = local(write_idea_content(tmp_path / "a"))
    source.content.write(f"municipalities/{MUNI}/notes.txt", "บันทึก".encode(), None, "staff@ban-test")  # audited
    _populate(source.repository)
    _populate(source.repository, OTHER)
    source.staff.save_profile("sub-somsri", "somsri@example.go.th", "สมศรี")
    source.staff.set_roles("sub-somsri", MUNI, [Role.ADMIN], audit=audit_entry(
        actor=Actor("sub-admin", "ผู้ดูแล"), municipality=MUNI, action="staff.roles", target="staff/sub-somsri",
        before={}, after={"roles": ["admin"]}, secret=SECRET, at=datetime(2026, 3, 10, tzinfo=UTC)))
    first = export_archive(source, MUNI, tmp_path / "a.gz", store_kind="folder")
    assert first["content_store"] == "folder" and first["counts"]["content_history"] == 1
    target = local(tmp_path / "b")
    import_archive(target, tmp_path / "a.gz")
    again = export_archive(target, MUNI, tmp_path / "b.gz", store_kind="folder")
    assert again["body_sha256"] == first["body_sha256"] and again["counts"] == first["counts"]
    assert [f.data for f in target.content.read_all(f"municipalities/{MUNI}")] == \
        [f.data for f in source.content.read_all(f"municipalities/{MUNI}")]
    assert target.repository.list_ballots(MUNI, "pb-2570") == source.repository.list_ballots(MUNI, "pb-2570")
    assert target.repository.list_ballots(OTHER, "pb-2570") == []
    assert target.staff.team(MUNI) == source.staff.team(MUNI)
    assert list(target.audit.export(MUNI)) == list(source.audit.export(MUNI))
    import_archive(target, tmp_path / "a.gz")  # a re-run: the same, no entry twice
    assert export_archive(target, MUNI, tmp_path / "c.gz")["body_sha256"] == first["body_sha256"]
    # a folder's archive cannot be loaded into a deployment's store as it is (nothing written)
    deployment_env = deployment(None, tmp_path)
    from prachakhom.commands.backup import sources_from_env

    with pytest.raises(BadArchive, match="exported from a folder store"):
        import_archive(sources_from_env(deployment_env, "dynamodb", tmp_path), tmp_path / "a.gz")
    assert scan(deployment_env) == []
