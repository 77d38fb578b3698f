"""The API reads content from the deployment's content store (DynamoDB + S3, here moto), one
municipality at a time: a process written to the store is served without a restart."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.api_fixtures import (
    BASE,
    MUNI,
    SECRET,
    api_for,
    clock,
    make_repository,
    moto_endpoint,
    write_content,
)


def deployment(tmp_path: Path) -> tuple[dict[str, str], object]:
    """A table and content bucket in moto holding `write_content`'s templates and municipality."""
    import boto3
    from chalicelib.storage.content import content_store_from_env, create_content_bucket
    from chalicelib.storage.dynamodb import create_table

    from prachakhom.store import FolderStore
    from prachakhom.transfer import SyncRecord, push

    name, endpoint = f"api-{uuid.uuid4().hex[:10]}", moto_endpoint()
    env = {"PRACHAKHOM_STORAGE": "memory", "PRACHAKHOM_IDENTITY_SECRET": SECRET.decode(),
           "PRACHAKHOM_CONTENT_STORE": "dynamodb", "PRACHAKHOM_TABLE": name, "PRACHAKHOM_CONTENT_BUCKET": name,
           "PRACHAKHOM_DYNAMODB_ENDPOINT": endpoint, "PRACHAKHOM_S3_ENDPOINT": endpoint,
           "PRACHAKHOM_CONTENT": str(tmp_path / "nowhere"), "AWS_DEFAULT_REGION": "ap-southeast-1"}
    create_table(boto3.client("dynamodb", endpoint_url=endpoint, region_name="ap-southeast-1"), name)
    store = content_store_from_env(env)
    create_content_bucket(store.s3, name, "ap-southeast-1")
    folder, record = FolderStore(write_content(tmp_path)), SyncRecord(tmp_path / "record.json")
    for scope in ("templates", f"municipalities/{MUNI}"):
        assert push(folder, store, scope, record, "push:test").written
    return env, store


def test_the_api_serves_the_store_and_sees_a_new_process_without_a_restart(tmp_path: Path) -> None:
    from chalicelib.context import Settings, build_service

    env, store = deployment(tmp_path)
    services = build_service(Settings.from_env(env), clock=clock(), repository=make_repository("memory"))
    new = BASE.replace("pb-2570", "pb-2571")
    with api_for(services) as api:
        status, data = api.get(BASE)
        assert status == 200 and data["phase"]["key"] == "proposals"
        assert api.get(new)[0] == 404
        process = store.read(f"municipalities/{MUNI}/processes/pb-2570/process.yaml")  # type: ignore[attr-defined]
        store.write(f"municipalities/{MUNI}/processes/pb-2571/process.yaml",  # type: ignore[attr-defined]
                    process.data.replace(b"2570", b"2571"), None, "staff@ban-test")
        services.catalog.refresh_seconds = 0  # the next request reads the version (5 s in production)
        status, data = api.get(new)
        assert status == 200 and data["process"]["fiscal_year"] == 2571
        assert api.get(BASE)[0] == 200
