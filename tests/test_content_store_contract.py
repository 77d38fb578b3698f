"""One contract for every content store: the folder (`prachakhom.store.FolderStore`) and a
deployment's DynamoDB table + S3 bucket (`chalicelib.storage.content.DynamoContentStore`, on moto).

What a store promises: bytes back as written, the SHA-256 as each file's version, optimistic
concurrency (a stale write is refused and says who changed the file and when), an audit entry for
each change, a scope version that moves with its files, and content that loads exactly as from a
folder."""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from prachakhom.content import load_content, load_municipality, load_templates
from prachakhom.errors import ContentError
from prachakhom.store import BadPath, FolderStore, VersionConflict, file_version

from tests.api_fixtures import moto_endpoint  # isort: skip  (puts functions/ on sys.path)
from tests.conftest import CONTENT

M = "municipalities/ban-a"
PROCESS = f"{M}/processes/pb-2570/process.yaml"


class TickingClock:
    """Each call a second later: audit entries get distinct, ordered times."""

    def __init__(self) -> None:
        self.at = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


def new_dynamo_store(clock: Any = None) -> Any:
    import boto3
    from chalicelib.storage.content import DynamoContentStore, create_content_bucket
    from chalicelib.storage.dynamodb import create_table

    endpoint = moto_endpoint()
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="ap-southeast-1")
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="ap-southeast-1")
    name = f"c-{uuid.uuid4().hex[:12]}"
    create_table(client, name)
    create_content_bucket(s3, name, "ap-southeast-1")
    return DynamoContentStore(client, name, s3, name, clock=clock or TickingClock())


@pytest.fixture(params=["folder", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "folder":
        yield FolderStore(tmp_path / "content", clock=TickingClock())
    else:
        yield new_dynamo_store()


def test_a_written_file_reads_back_with_its_hash_as_version(store: Any) -> None:
    info = store.write(PROCESS, "title: ทดสอบ\n".encode(), None, "somchai")
    assert info.version == file_version("title: ทดสอบ\n".encode()) and info.size == len("title: ทดสอบ\n".encode())
    found = store.read(PROCESS)
    assert found.data == "title: ทดสอบ\n".encode() and found.version == info.version
    assert [i.path for i in store.list_files(M)] == [PROCESS]
    assert [(f.path, f.data) for f in store.read_all(M)] == [(PROCESS, "title: ทดสอบ\n".encode())]
    assert store.read(f"{M}/processes/pb-2570/nothing.yaml") is None


def test_a_stale_write_is_refused_and_says_who_changed_the_file(store: Any) -> None:
    first = store.write(PROCESS, b"a: 1\n", None, "somchai")
    second = store.write(PROCESS, b"a: 2\n", first.version, "somsri")
    with pytest.raises(VersionConflict) as caught:
        store.write(PROCESS, b"a: 3\n", first.version, "somchai")
    message = str(caught.value)
    assert caught.value.current.version == second.version
    assert PROCESS in message and first.version[:12] in message and second.version[:12] in message
    if isinstance(store, FolderStore):  # a folder does not know who wrote a file
        assert "someone" in message
    else:
        assert "somsri" in message and "2026-05-01" in message
    assert store.read(PROCESS).data == b"a: 2\n"


def test_creating_a_file_that_exists_is_refused(store: Any) -> None:
    store.write(PROCESS, b"a: 1\n", None, "somchai")
    with pytest.raises(VersionConflict, match="already exists"):
        store.write(PROCESS, b"a: 2\n", None, "somsri")
    assert store.read(PROCESS).data == b"a: 1\n"


def test_a_retried_write_changes_nothing_and_is_audited_once(store: Any) -> None:
    first = store.write(PROCESS, b"a: 1\n", None, "somchai")
    again = store.write(PROCESS, b"a: 1\n", None, "somchai")  # the answer was lost; same request again
    assert again.version == first.version
    assert [(e.action, e.after) for e in store.history(M)] == [("create", first.version)]


def test_every_change_leaves_an_audit_entry_with_hashes_before_and_after(store: Any) -> None:
    one = store.write(PROCESS, b"a: 1\n", None, "somchai")
    two = store.write(PROCESS, b"a: 2\n", one.version, "somsri")
    store.delete(PROCESS, two.version, "admin")
    with pytest.raises(VersionConflict):
        store.write(PROCESS, b"a: 9\n", one.version, "late")  # refused: no entry
    entries = store.history(M)
    assert [(e.path, e.action, e.before, e.after, e.by) for e in entries] == [
        (PROCESS, "create", None, one.version, "somchai"),
        (PROCESS, "update", one.version, two.version, "somsri"),
        (PROCESS, "delete", two.version, None, "admin"),
    ]
    assert entries[0].at < entries[1].at < entries[2].at
    assert store.history("templates") == []


def test_delete_needs_the_current_version_and_a_gone_file_stays_gone(store: Any) -> None:
    one = store.write(PROCESS, b"a: 1\n", None, "somchai")
    two = store.write(PROCESS, b"a: 2\n", one.version, "somsri")
    with pytest.raises(VersionConflict):
        store.delete(PROCESS, one.version, "somchai")
    store.delete(PROCESS, two.version, "somchai")
    store.delete(PROCESS, two.version, "somchai")  # a retry
    assert store.read(PROCESS) is None and store.list_files(M) == []


def test_scope_version_moves_with_its_own_files_only(store: Any) -> None:
    assert store.version(M) is None and store.municipalities() == []
    one = store.write(PROCESS, b"a: 1\n", None, "somchai")
    v1 = store.version(M)
    store.write("municipalities/ban-b/municipality.yaml", b"name: b\n", None, "somchai")
    store.write("templates/pb-tambon/v1.yaml", b"version: 1\n", None, "national")
    assert store.version(M) == v1
    store.write(PROCESS, b"a: 2\n", one.version, "somsri")
    assert store.version(M) not in (None, v1)
    assert store.version("templates") is not None
    assert store.municipalities() == ["ban-a", "ban-b"]
    only = store.read("municipalities/ban-b/municipality.yaml")
    store.delete(only.path, only.version, "admin")
    assert store.municipalities() == ["ban-a"] and store.version("municipalities/ban-b") is None


def test_listing_a_folder_never_includes_a_sibling_with_a_longer_name(store: Any) -> None:
    store.write("municipalities/ban/municipality.yaml", b"a: 1\n", None, "x")
    store.write("municipalities/ban-a/municipality.yaml", b"a: 2\n", None, "x")
    store.write("municipalities/ban/processes/p/process.yaml", b"a: 3\n", None, "x")
    store.write("municipalities/ban/processes/p2/process.yaml", b"a: 4\n", None, "x")
    assert [i.path for i in store.list_files("municipalities/ban")] == [
        "municipalities/ban/municipality.yaml", "municipalities/ban/processes/p/process.yaml",
        "municipalities/ban/processes/p2/process.yaml"]
    assert [f.path for f in store.read_all("municipalities/ban/processes/p")] == [
        "municipalities/ban/processes/p/process.yaml"]


@pytest.mark.parametrize("path", ["../etc/passwd", "/municipalities/a/x.yaml", "municipalities/a/../b/x.yaml",
                                  "municipalities/a/.hidden.yaml", "municipalities/a", "other/a/x.yaml",
                                  "municipalities/a\\b/x.yaml", "templates//v1.yaml", "municipalities/a/x\0.yaml"])
def test_paths_outside_the_content_layout_are_refused(store: Any, path: str) -> None:
    with pytest.raises(BadPath, match="templates/<template>"):
        store.write(path, b"x", None, "mallory")
    assert store.municipalities() == []


def test_ballot_files_photos_and_large_files_round_trip(store: Any) -> None:
    ballots = b"META\nkey;value\n" + b"1;2\n" * 5000
    photo = bytes(range(256)) * 40
    big = ("x: " + "ก" * 60_000 + "\n").encode()
    for name, data in (("ballots/municipality.pb", ballots), ("photos/a.jpg", photo), ("projects/big.md", big)):
        store.write(f"{M}/processes/p/{name}", data, None, "staff")
    files = {f.path.rsplit("/", 2)[-2] + "/" + f.name: f for f in store.read_all(M)}
    assert files["ballots/municipality.pb"].data == ballots
    assert files["photos/a.jpg"].data == photo and files["projects/big.md"].data == big
    assert files["photos/a.jpg"].version == file_version(photo)


def test_two_writers_on_the_same_version_store_exactly_one(store: Any) -> None:
    base = store.write(PROCESS, b"a: 0\n", None, "x")
    store.write(PROCESS, b"a: 1\n", base.version, "writer-1")
    with pytest.raises(VersionConflict):
        store.write(PROCESS, b"a: 2\n", base.version, "writer-2")
    assert store.read(PROCESS).data == b"a: 1\n"
    assert [e.by for e in store.history(M) if e.action == "update"] == ["writer-1"]


def test_concurrent_writers_on_a_folder_store_exactly_one(tmp_path: Path) -> None:
    """The folder's own lock, under real concurrency. (On DynamoDB the conditional transaction is
    atomic by DynamoDB's guarantee; moto does not isolate concurrent transactions, so the contract
    above checks it one writer after the other.)"""
    store = FolderStore(tmp_path / "content")
    base = store.write(PROCESS, b"a: 0\n", None, "x")
    outcomes: list[str] = []

    def write(n: int) -> None:
        try:
            store.write(PROCESS, f"a: {n}\n".encode(), base.version, f"writer-{n}")
            outcomes.append("ok")
        except VersionConflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=write, args=(n,)) for n in (1, 2, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    assert len([e for e in store.history(M) if e.action == "update"]) == 1


def copy_into(store: Any, folder: Path, only: tuple[str, ...] = ()) -> None:
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        path = file.relative_to(folder).as_posix()
        if not only or path.startswith(only):
            store.write(path, file.read_bytes(), None, "push")


def test_content_loads_from_the_store_exactly_as_from_the_folder(store: Any) -> None:
    copy_into(store, CONTENT, ("templates/", "municipalities/tha-lamphu/"))
    from_folder = load_content(CONTENT).municipalities["tha-lamphu"]
    templates = load_templates(store)
    assert templates == load_templates(CONTENT)
    doc = load_municipality(store, "tha-lamphu", templates)
    assert doc.municipality == from_folder.municipality
    for slug, process in from_folder.processes.items():
        got = doc.processes[slug]
        assert (got.process, got.rules) == (process.process, process.rules)
        assert {s: (d.proposal, d.body) for s, d in got.proposals.items()} == {
            s: (d.proposal, d.body) for s, d in process.proposals.items()}
        assert {s: (d.project, d.body) for s, d in got.projects.items()} == {
            s: (d.project, d.body) for s, d in process.projects.items()}
        assert sorted(got.ballot_files) == sorted(process.ballot_files) and got.ballot_files
        for pot, path in got.ballot_files.items():
            assert Path(path).read_bytes() == Path(process.ballot_files[pot]).read_bytes()


def test_invalid_content_in_the_store_gets_the_same_report_as_the_folder(store: Any, tmp_path: Path) -> None:
    folder = tmp_path / "bad" / "content"
    shutil.copytree(CONTENT / "templates", folder / "templates")
    shutil.copytree(CONTENT / "municipalities" / "huai-dok-ueang", folder / "municipalities" / "huai-dok-ueang")
    process = folder / "municipalities/huai-dok-ueang/processes/pb-2570/process.yaml"
    process.write_text(process.read_text(encoding="utf-8").replace("template_version: 1", "template_version: 7"),
                       encoding="utf-8")
    copy_into(store, folder)
    with pytest.raises(ContentError) as from_folder:
        load_content(folder)
    with pytest.raises(ContentError) as from_store:
        load_municipality(store, "huai-dok-ueang", load_templates(store))
    assert from_store.value.report() == from_folder.value.report()
    assert "content/municipalities/huai-dok-ueang/processes/pb-2570/process.yaml: template_version:" in (
        from_store.value.report())


def test_dynamodb_keeps_small_files_in_the_item_and_ballots_photos_in_the_bucket() -> None:
    store = new_dynamo_store()
    store.write(PROCESS, b"a: 1\n", None, "x")
    store.write(f"{M}/processes/p/ballots/village-1.pb", b"META\n", None, "x")
    items = {i["SK"]["S"]: i for i in store.client.scan(TableName=store.table)["Items"]}
    assert items[f"FILE#{PROCESS}"]["body"]["B"] == b"a: 1\n" and "blob" not in items[f"FILE#{PROCESS}"]
    ballot = items[f"FILE#{M}/processes/p/ballots/village-1.pb"]
    assert "body" not in ballot
    assert store.s3.get_object(Bucket=store.bucket, Key=ballot["blob"]["S"])["Body"].read() == b"META\n"
    assert int(items[M]["version"]["N"]) == 2 and int(items[M]["files"]["N"]) == 2  # the scope's counter


def test_a_change_set_is_written_in_order_and_stops_at_a_file_changed_meanwhile(store: Any) -> None:
    from prachakhom.store import FileChange

    paths = [f"{M}/processes/p/proposals/p{n:03d}.md" for n in range(90)]  # three DynamoDB transactions
    store.write_many([FileChange(p, f"n: {i}\n".encode(), None) for i, p in enumerate(paths)], "push:ci")
    assert len(store.list_files(M)) == 90 and store.municipalities() == ["ban-a"]
    assert [e.action for e in store.history(M)] == ["create"] * 90
    store.write_many([FileChange(p, f"n: {i}\n".encode(), None) for i, p in enumerate(paths)], "push:ci")
    assert len(store.history(M)) == 90  # the same change set again (a retry): nothing new
    current = {i.path: i.version for i in store.list_files(M)}
    store.write(paths[50], b"staff edit\n", current[paths[50]], "staff")
    with pytest.raises(VersionConflict) as caught:
        store.write_many([FileChange(p, b"v2\n", current[p]) for p in paths[45:55]], "push:ci")
    assert caught.value.path == paths[50]
    assert [store.read(p).data for p in paths[44:52]] == [b"n: 44\n"] + [b"v2\n"] * 5 + [b"staff edit\n", b"n: 51\n"]
    store.write_many([FileChange(p, None, current[p]) for p in paths[:10]], "push:ci")
    assert len(store.list_files(M)) == 80
