"""`prachakhom validate --municipality`, `prachakhom content push|pull`: one municipality at a time,
nothing written when something is wrong, nobody's change in the store silently overwritten."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from prachakhom.commands.cli import main
from prachakhom.store import FolderStore

from tests.api_fixtures import moto_endpoint  # isort: skip  (puts functions/ on sys.path)
from tests.conftest import CONTENT

PROCESS = "municipalities/non-kha-hom/processes/pb-2570/process.yaml"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def break_file(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace("template_version: 1", "template_version: 7"),
                    encoding="utf-8")


def test_validate_one_municipality_reads_only_it(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    break_file(content / "municipalities/huai-dok-ueang/processes/pb-2570/process.yaml")
    assert main(["validate", "--content", str(content), "--municipality", "non-kha-hom"]) == 0
    assert capsys.readouterr().out.startswith("ok: 2 templates, non-kha-hom: 1 processes, 48 proposals")
    assert main(["validate", "--content", str(content)]) == 1  # the whole tree still sees the other one


def test_validate_one_municipality_reports_like_the_whole_tree(content: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    break_file(content / PROCESS)
    assert main(["validate", "--content", str(content)]) == 1
    whole = capsys.readouterr().err
    assert main(["validate", "--content", str(content), "--municipality", "non-kha-hom"]) == 1
    one = capsys.readouterr().err
    assert one == whole and "content/" + PROCESS + ": template_version: template 'pb-tambon' has no version 7" in one
    assert main(["validate", "--content", str(content), "--municipality", "nowhere"]) == 1
    assert "content/municipalities/nowhere/municipality.yaml: (file): missing municipality.yaml" in (
        capsys.readouterr().err)


def push(content: Path, store: Path | str, *args: str) -> int:
    return main(["content", "push", "--content", str(content), "--store", str(store), *args])


def test_push_pull_round_trip_is_idempotent(content: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    deployed = tmp_path / "deployed"
    assert push(content, deployed, "--all", "--author", "ci") == 0
    out = capsys.readouterr().out
    assert "municipalities/non-kha-hom: 50 created, 0 updated, 0 deleted, 0 unchanged" in out
    assert push(content, deployed, "--all") == 0
    assert "templates: 0 created, 0 updated, 0 deleted, 2 unchanged" in capsys.readouterr().out
    assert [e.by for e in FolderStore(deployed).history("templates")] == ["push:ci", "push:ci"]
    copy = tmp_path / "copy"
    assert main(["content", "pull", "--content", str(copy), "--store", str(deployed), "--municipality",
                 "tha-lamphu"]) == 0
    for path in (content / "municipalities/tha-lamphu").rglob("*"):
        if path.is_file():
            assert (copy / path.relative_to(content)).read_bytes() == path.read_bytes()


def test_a_change_made_in_the_store_is_never_overwritten_silently(content: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    deployed = tmp_path / "deployed"
    assert push(content, deployed, "--templates") == 0
    assert push(content, deployed, "--municipality", "non-kha-hom") == 0
    store = FolderStore(deployed)
    current = store.read(PROCESS)
    store.write(PROCESS, current.data.replace(b"total: ", b"total: 1"), current.version, "staff@non-kha-hom")
    local = content / PROCESS
    local.write_text(local.read_text(encoding="utf-8") + "# note\n", encoding="utf-8")
    capsys.readouterr()
    assert push(content, deployed, "--municipality", "non-kha-hom") == 1
    err = capsys.readouterr().err
    assert f"{PROCESS}: changed in the store by" in err and "pull first" in err
    assert store.read(PROCESS).data.startswith(current.data.replace(b"total: ", b"total: 1")[:50])
    assert b"# note" not in store.read(PROCESS).data
    assert push(content, deployed, "--municipality", "non-kha-hom", "--force") == 0
    assert store.read(PROCESS).data.endswith(b"# note\n")


def test_pull_then_edit_then_push_goes_through(content: Path, tmp_path: Path) -> None:
    deployed, work = tmp_path / "deployed", tmp_path / "work"
    assert push(content, deployed, "--templates") == 0
    assert push(content, deployed, "--municipality", "tha-lamphu") == 0
    store = FolderStore(deployed)
    path = "municipalities/tha-lamphu/municipality.yaml"
    staff = store.read(path)
    store.write(path, staff.data + b"# staff edit\n", staff.version, "staff@tha-lamphu")
    assert main(["content", "pull", "--content", str(work), "--store", str(deployed), "--all"]) == 0
    (work / path).write_text((work / path).read_text(encoding="utf-8") + "# my edit\n", encoding="utf-8")
    assert push(work, deployed, "--municipality", "tha-lamphu") == 0
    assert store.read(path).data.endswith(b"# staff edit\n# my edit\n")


def test_pull_keeps_local_changes_unless_forced(content: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    deployed = tmp_path / "deployed"
    assert push(content, deployed, "--all") == 0
    (content / PROCESS).write_text("changed locally\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["content", "pull", "--content", str(content), "--store", str(deployed), "--municipality",
                 "non-kha-hom"]) == 1
    assert "your copy has changes that are not in the store" in capsys.readouterr().err
    assert (content / PROCESS).read_text(encoding="utf-8") == "changed locally\n"


def test_published_template_versions_are_never_changed(content: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    deployed = tmp_path / "deployed"
    assert push(content, deployed, "--templates") == 0
    v1 = content / "templates/pb-tambon/v1.yaml"
    v1.write_text(v1.read_text(encoding="utf-8").replace("version: 1", "version: 1\n# edited"), encoding="utf-8")
    capsys.readouterr()
    assert push(content, deployed, "--templates") == 1
    assert "publish the change as a new version" in capsys.readouterr().err


def test_nothing_invalid_is_pushed(content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deployed = tmp_path / "deployed"
    assert push(content, deployed, "--municipality", "non-kha-hom") == 1
    assert "the store has no templates yet; push them first" in capsys.readouterr().err
    assert push(content, deployed, "--templates") == 0
    break_file(content / PROCESS)
    assert push(content, deployed, "--municipality", "non-kha-hom", "huai-dok-ueang") == 1
    assert "has no version 7" in capsys.readouterr().err
    assert FolderStore(deployed).municipalities() == ["huai-dok-ueang"]  # the valid one went, nothing of the other


def test_push_to_the_deployment_store_and_validate_it_there(content: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    import boto3
    from chalicelib.storage.content import create_content_bucket
    from chalicelib.storage.dynamodb import create_table

    table, endpoint = f"cmd-{uuid.uuid4().hex[:10]}", moto_endpoint()
    create_table(boto3.client("dynamodb", endpoint_url=endpoint, region_name="ap-southeast-1"), table)
    create_content_bucket(boto3.client("s3", endpoint_url=endpoint, region_name="ap-southeast-1"), table,
                          "ap-southeast-1")
    for name, value in {"PRACHAKHOM_TABLE": table, "PRACHAKHOM_CONTENT_BUCKET": table,
                        "PRACHAKHOM_DYNAMODB_ENDPOINT": endpoint, "PRACHAKHOM_S3_ENDPOINT": endpoint,
                        "AWS_DEFAULT_REGION": "ap-southeast-1"}.items():
        monkeypatch.setenv(name, value)
    assert main(["content", "push", "--content", str(content), "--templates"]) == 0
    assert main(["content", "push", "--content", str(content), "--municipality", "tha-lamphu"]) == 0
    assert f"push to dynamodb:{endpoint}/{table}: 1 of 1 done" in capsys.readouterr().out
    assert main(["validate", "--store", "dynamodb", "--municipality", "tha-lamphu"]) == 0
    assert capsys.readouterr().out.startswith("ok: 2 templates, tha-lamphu: 1 processes")


def test_the_demo_pushes_its_folder_into_the_store_once(content: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """`prachakhom demo` publishes the content folder to the store in moto at every start: only what
    changed is written, and the large files (moto's S3 is not saved) come back from the state folder."""
    import boto3
    from chalicelib.storage.dynamodb import create_table

    from prachakhom.commands.content import deployment_store, publish_demo_content

    table, endpoint, state = f"demo-{uuid.uuid4().hex[:10]}", moto_endpoint(), tmp_path / "state"
    env = {"PRACHAKHOM_TABLE": table, "PRACHAKHOM_CONTENT_BUCKET": table, "PRACHAKHOM_DYNAMODB_ENDPOINT": endpoint,
           "PRACHAKHOM_S3_ENDPOINT": endpoint, "AWS_DEFAULT_REGION": "ap-southeast-1",
           "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo"}
    create_table(boto3.client("dynamodb", endpoint_url=endpoint, region_name="ap-southeast-1"), table)
    assert publish_demo_content(content, env, state) == 0
    assert "municipalities/tha-lamphu: 47 created" in capsys.readouterr().out
    assert len(list((state / "content-blobs").rglob("*.pb/*"))) == 7  # tha-lamphu's ballot files
    store = deployment_store(env)
    for obj in store.s3.list_objects_v2(Bucket=table)["Contents"]:  # moto restarted: its S3 is empty
        store.s3.delete_object(Bucket=table, Key=obj["Key"])
    assert publish_demo_content(content, env, state) == 0
    assert "municipalities/tha-lamphu: 0 created, 0 updated, 0 deleted, 47 unchanged" in capsys.readouterr().out
    ballot = store.read("municipalities/tha-lamphu/processes/pb-2569/ballots/village-1.pb")
    assert ballot.data == (content / "municipalities/tha-lamphu/processes/pb-2569/ballots/village-1.pb").read_bytes()
    assert {e.by for e in store.history("municipalities/tha-lamphu")} == {"push:demo"}
