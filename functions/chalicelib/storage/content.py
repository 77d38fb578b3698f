"""The content store of a deployment: content files as DynamoDB items, large files in S3.

The same interface as the folder (`prachakhom.store.ContentStore`) and the same contract suite
(`tests/test_content_store_contract.py`). Keys, in the table the API already uses::

    item             PK                      SK
    file             CONTENT#<scope>         FILE#<path>                  bytes inline, or the S3 key
    audit entry      CONTENT#<scope>         AUDIT#<time>#<random>        who, when, path, before → after
    scope            CONTENT                 <scope>                      version (a counter), files

`<scope>` is `templates` or `municipalities/<slug>`; `<path>` is the file's whole path
(`municipalities/x/processes/pb-2570/process.yaml`).

* Loading a municipality is one query (`PK = CONTENT#municipalities/x`, `begins_with(SK, 'FILE#')`);
  knowing whether it changed is one `GetItem` of its scope item (`version`).
* A write is ONE `TransactWriteItems`: the file (`attribute_not_exists` for a new file, else
  `version = :expected`: optimistic concurrency), its audit entry, and the scope's counter. A refused
  condition is answered with `VersionConflict` naming who changed the file and when. `write_many`
  (a push) puts up to 40 files of a scope, each with its audit entry, in one transaction.
* Ballot files, photos and anything over `INLINE_LIMIT` go to the content bucket under
  `blobs/<path>/<sha256>` (immutable: a new version is a new object, uploaded before the transaction;
  an upload whose transaction is refused leaves an unreferenced object, never a wrong file).
"""

from __future__ import annotations

import functools
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.storage.faults import cancellation_reasons
from prachakhom.store import (
    MUNICIPALITIES,
    AuditEntry,
    ContentFile,
    ContentRecord,
    FileChange,
    FileInfo,
    StoreUnavailable,
    VersionConflict,
    b64,
    check_path,
    file_version,
    folder_prefix,
    now_utc,
    scope_of,
    unb64,
)

SCOPES_PK = "CONTENT"
INLINE_LIMIT = 100_000
"""Bytes kept in the item itself (DynamoDB's item limit is 400 KB); larger files go to S3."""
BLOB_SUFFIXES = (".pb", ".jpg", ".jpeg", ".png", ".webp", ".gif", ".pdf")
"""Ballot files and photos always go to S3, whatever their size."""
BATCH_FILES = 40
"""Files per transaction of `write_many` (each takes two of DynamoDB's 100 actions, plus the counter)."""
BATCH_BYTES = 3_000_000
"""Inline bytes per transaction (DynamoDB's limit for one transaction is 4 MB)."""
TRANSACTION_RETRIES = 5
"""A write and another on the same scope at the same moment: DynamoDB cancels one (TransactionConflict)
and it is tried again, its condition checked afresh."""


BUSY = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
                  "InternalServerError", "ServiceUnavailable", "SlowDown", "503"})
"""Error codes that mean "not now" rather than "no": answered as StoreUnavailable."""
P = ParamSpec("P")
R = TypeVar("R")


def _busy_as_unavailable(method: Callable[P, R]) -> Callable[P, R]:
    """Throttling, a service error or no connection → StoreUnavailable (the API's 503, the catalog's
    cached copy); every other error is raised as it is."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except ClientError as err:
            if err.response["Error"]["Code"] in BUSY:
                raise StoreUnavailable(str(err)) from err
            raise
        except BotoCoreError as err:  # no connection, timeouts
            raise StoreUnavailable(str(err)) from err

    return call


def content_pk(scope: str) -> str:
    return f"CONTENT#{scope}"


def in_bucket(path: str, data: bytes) -> bool:
    return path.lower().endswith(BLOB_SUFFIXES) or len(data) > INLINE_LIMIT


def create_content_bucket(s3: Any, bucket: str, region: str) -> None:
    """Create the content bucket if missing (local stack and tests; on AWS the template creates it)."""
    try:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    except ClientError as err:
        if err.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise


class DynamoContentStore:
    """Content files in the deployment's table (and its content bucket for large files)."""

    label = "content"

    def __init__(self, client: Any, table: str, s3: Any, bucket: str,
                 clock: Callable[[], datetime] = now_utc) -> None:
        self.client, self.table, self.s3, self.bucket = client, table, s3, bucket
        self._clock = clock
        endpoint = getattr(getattr(client, "meta", None), "endpoint_url", "") or ""
        self.identity = f"dynamodb:{endpoint}/{table}"

    def __repr__(self) -> str:
        return f"DynamoContentStore({self.table!r}, bucket={self.bucket!r})"

    # --- reading ---------------------------------------------------------------------------------
    @_busy_as_unavailable
    def read(self, path: str) -> ContentFile | None:
        check_path(path)
        response = self.client.get_item(
            TableName=self.table, ConsistentRead=True,
            Key={"PK": {"S": content_pk(scope_of(path))}, "SK": {"S": f"FILE#{path}"}})
        item = response.get("Item")
        return self._file(item) if item else None

    @_busy_as_unavailable
    def list_files(self, prefix: str) -> list[FileInfo]:
        items = self._query(content_pk(scope_of(prefix)), f"FILE#{folder_prefix(prefix)}",
                            projection="#path, #version, #size, updated_at, updated_by")
        return [self._info(item) for item in items]

    @_busy_as_unavailable
    def read_all(self, prefix: str) -> list[ContentFile]:
        return [self._file(item) for item in self._query(content_pk(scope_of(prefix)),
                                                        f"FILE#{folder_prefix(prefix)}")]

    @_busy_as_unavailable
    def version(self, scope: str) -> str | None:
        response = self.client.get_item(TableName=self.table,
                                         Key={"PK": {"S": SCOPES_PK}, "SK": {"S": scope_of(scope)}})
        item = response.get("Item")
        if not item or int(item.get("files", {}).get("N", "0")) <= 0:
            return None
        return str(item["version"]["N"])

    def municipalities(self) -> list[str]:
        items = self._query(SCOPES_PK, f"{MUNICIPALITIES}/", projection="SK, files", consistent=False)
        return sorted(i["SK"]["S"].split("/", 1)[1] for i in items if int(i.get("files", {}).get("N", "0")) > 0)

    @_busy_as_unavailable
    def history(self, scope: str) -> list[AuditEntry]:
        items = self._query(content_pk(scope_of(scope)), "AUDIT#")
        return [AuditEntry.from_json({name: value.get("S") for name, value in i.items()}) for i in items]

    def _query(self, pk: str, prefix: str, projection: str | None = None,
               consistent: bool = True) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self.table, "ConsistentRead": consistent,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
        }
        if projection:
            kwargs["ProjectionExpression"] = projection
            names = {f"#{n}": n for n in ("path", "version", "size") if f"#{n}" in projection}
            if names:
                kwargs["ExpressionAttributeNames"] = names
        items: list[dict[str, Any]] = []
        while True:
            response = self.client.query(**kwargs)
            items += response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return items
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _info(self, item: dict[str, Any]) -> FileInfo:
        at = item.get("updated_at", {}).get("S")
        return FileInfo(item["path"]["S"], item["version"]["S"], int(item["size"]["N"]),
                        datetime.fromisoformat(at) if at else None, item.get("updated_by", {}).get("S"))

    def _file(self, item: dict[str, Any]) -> ContentFile:
        info = self._info(item)
        if "body" in item:
            return ContentFile(info.path, bytes(item["body"]["B"]), version=info.version,
                               updated_at=info.updated_at, updated_by=info.updated_by)
        key = item["blob"]["S"]
        return ContentFile(info.path, fetch=lambda: self._fetch_blob(key, info.version), version=info.version,
                           updated_at=info.updated_at, updated_by=info.updated_by)

    @_busy_as_unavailable
    def _fetch_blob(self, key: str, version: str) -> bytes:
        data: bytes = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        if file_version(data) != version:
            raise OSError(f"s3://{self.bucket}/{key} does not hold version {version[:12]} of the file")
        return data

    # --- backup and restore ----------------------------------------------------------------------
    def export_records(self, scope: str) -> Iterator[ContentRecord]:
        """The scope's item (version counter), then its partition (files, audit entries) a page at a
        time, each file kept in the bucket preceded by its object."""
        from chalicelib.storage.dynamodb import item_to_json, query_items

        scope = scope_of(scope)
        got = self.client.get_item(TableName=self.table, ConsistentRead=True,
                                   Key={"PK": {"S": SCOPES_PK}, "SK": {"S": scope}}).get("Item")
        if got:
            yield {"kind": "content_item", "item": item_to_json(got)}
        for item in query_items(self.client, self.table, content_pk(scope)):
            if "blob" in item:  # the object before the item naming it: a restored item never names a missing one
                key = item["blob"]["S"]
                yield {"kind": "content_blob", "key": key,
                       "data": b64(self._fetch_blob(key, item["version"]["S"]))}
            yield {"kind": "content_item", "item": item_to_json(item)}

    def import_records(self, records: Iterable[ContentRecord]) -> int:
        """Objects first (each before the item naming it, as the export orders them), items as given."""
        from chalicelib.storage.dynamodb import item_from_json, put_items

        count = 0

        def items() -> Iterator[dict[str, Any]]:
            nonlocal count
            for record in records:
                count += 1
                if record["kind"] == "content_blob":
                    self.s3.put_object(Bucket=self.bucket, Key=record["key"], Body=unb64(record["data"]))
                elif record["kind"] == "content_item":
                    yield item_from_json(record["item"])
                else:
                    raise ValueError(f"a deployment's content store cannot hold a '{record['kind']}' record "
                                     "(it comes from a folder: import it into a folder, then `content push`)")

        put_items(self.client, self.table, items())
        return count

    # --- writing ---------------------------------------------------------------------------------
    @_busy_as_unavailable
    def write(self, path: str, data: bytes, expected: str | None, author: str) -> FileInfo:
        check_path(path)
        at = self._commit(scope_of(path), [FileChange(path, data, expected)], author)
        return FileInfo(path, file_version(data), len(data), at, author)

    @_busy_as_unavailable
    def delete(self, path: str, expected: str, author: str) -> None:
        check_path(path)
        self._commit(scope_of(path), [FileChange(path, None, expected)], author)

    @_busy_as_unavailable
    def write_many(self, changes: Sequence[FileChange], author: str) -> None:
        """One transaction per scope and per `BATCH_FILES` files (or `BATCH_BYTES` of inline bytes)."""
        by_scope: dict[str, list[FileChange]] = {}
        for change in changes:
            by_scope.setdefault(scope_of(check_path(change.path)), []).append(change)
        for scope, group in by_scope.items():
            batch: list[FileChange] = []
            size = 0
            for change in group:
                inline = len(change.data or b"") if not in_bucket(change.path, change.data or b"") else 0
                if batch and (len(batch) == BATCH_FILES or size + inline > BATCH_BYTES):
                    self._commit(scope, batch, author)
                    batch, size = [], 0
                batch.append(change)
                size += inline
            if batch:
                self._commit(scope, batch, author)

    def _commit(self, scope: str, changes: list[FileChange], author: str) -> datetime:
        """The files, an audit entry for each and the scope's counter: one transaction, all or nothing.
        A refused condition in a batch is sorted out file by file (a retried write passes, a file
        changed meanwhile raises VersionConflict)."""
        at = self._clock()
        actions: list[dict[str, Any]] = []
        delta = 0
        for n, change in enumerate(changes):
            new = None if change.data is None else file_version(change.data)
            actions.append(self._file_action(change, at, author))
            actions.append(self._audit_action(scope, change.path, change.expected, new, at, author, n))
            delta += (change.expected is None and new is not None) - (new is None)
        actions.append(self._counter_action(scope, delta, at, author))
        for attempt in range(TRANSACTION_RETRIES):
            try:
                self.client.transact_write_items(TransactItems=actions)
                return at
            except ClientError as err:
                codes = cancellation_reasons(err)
                if "ConditionalCheckFailed" in codes:
                    if len(changes) > 1:
                        for change in changes:
                            self._commit(scope, [change], author)
                        return at
                    only = changes[0]
                    self._refused(only.path, only.expected, None if only.data is None else file_version(only.data))
                    return at
                if "TransactionConflict" not in codes or attempt == TRANSACTION_RETRIES - 1:
                    raise
                time.sleep(0.05 * 2 ** attempt)
        return at

    def _file_action(self, change: FileChange, at: datetime, author: str) -> dict[str, Any]:
        key = {"PK": {"S": content_pk(scope_of(change.path))}, "SK": {"S": f"FILE#{change.path}"}}
        expect: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(PK)"} if change.expected is None else {
            "ConditionExpression": "#version = :expected", "ExpressionAttributeNames": {"#version": "version"},
            "ExpressionAttributeValues": {":expected": {"S": change.expected}}}
        if change.data is None:
            return {"Delete": {"TableName": self.table, "Key": key, **expect}}
        version = file_version(change.data)
        item: dict[str, Any] = {
            **key, "path": {"S": change.path}, "version": {"S": version}, "size": {"N": str(len(change.data))},
            "updated_at": {"S": at.isoformat()}, "updated_by": {"S": author},
        }
        if in_bucket(change.path, change.data):
            blob = f"blobs/{change.path}/{version}"
            self.s3.put_object(Bucket=self.bucket, Key=blob, Body=change.data)  # before the transaction
            item["blob"] = {"S": blob}
        else:
            item["body"] = {"B": change.data}
        return {"Put": {"TableName": self.table, "Item": item, **expect}}

    def _audit_action(self, scope: str, path: str, before: str | None, after: str | None, at: datetime,
                      author: str, n: int) -> dict[str, Any]:
        action = "create" if before is None else "delete" if after is None else "update"
        item = {"PK": {"S": content_pk(scope)}, "SK": {"S": f"AUDIT#{at.isoformat()}#{n:03d}{secrets.token_hex(4)}"},
                "path": {"S": path}, "action": {"S": action}, "by": {"S": author}, "at": {"S": at.isoformat()},
                **({"before": {"S": before}} if before else {}), **({"after": {"S": after}} if after else {})}
        return {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}}

    def _counter_action(self, scope: str, files_delta: int, at: datetime, author: str) -> dict[str, Any]:
        return {"Update": {
            "TableName": self.table, "Key": {"PK": {"S": SCOPES_PK}, "SK": {"S": scope}},
            "UpdateExpression": "ADD version :one, files :delta SET updated_at = :at, updated_by = :by",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":delta": {"N": str(files_delta)},
                                          ":at": {"S": at.isoformat()}, ":by": {"S": author}}}}

    def _refused(self, path: str, expected: str | None, new: str | None) -> None:
        """The file is not at `expected`: fine if it already is what this write wanted (a retried
        write, or the same change made by someone else), else VersionConflict."""
        found = self.read(path)
        current = found.info() if found is not None else None
        if (current.version if current else None) != new:
            raise VersionConflict(path, expected, current)


def content_store_from_env(env: Mapping[str, str], clients: Callable[[str, str | None, str], Any] | None = None,
                           ) -> DynamoContentStore:
    """The deployment's content store from the same environment variables as the API::

        PRACHAKHOM_TABLE               table (default prachakhom): content items sit beside the API's data
        PRACHAKHOM_CONTENT_BUCKET      bucket for large files (default: <table>-content)
        PRACHAKHOM_DYNAMODB_ENDPOINT   e.g. the local stack's moto (unset on AWS)
        PRACHAKHOM_S3_ENDPOINT         likewise for S3
        AWS_REGION / AWS_DEFAULT_REGION (default ap-southeast-1)

    `clients(name, endpoint, region)` makes the boto3 clients (the API passes its cached factory)."""
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "ap-southeast-1"
    table = env.get("PRACHAKHOM_TABLE", "prachakhom")
    def make(name: str, endpoint: str | None, region: str) -> Any:
        if clients is not None:
            return clients(name, endpoint, region)
        import boto3

        keys = {k.lower(): env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY") if env.get(k)}
        return boto3.client(name, endpoint_url=endpoint, region_name=region, **keys)

    return DynamoContentStore(make("dynamodb", env.get("PRACHAKHOM_DYNAMODB_ENDPOINT") or None, region), table,
                              make("s3", env.get("PRACHAKHOM_S3_ENDPOINT") or None, region),
                              env.get("PRACHAKHOM_CONTENT_BUCKET") or f"{table}-content")
