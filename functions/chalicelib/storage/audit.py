"""The staff audit log in storage: append-only, read newest first, a page at a time, and exported.

Keys (one partition per municipality, `*` for national actions)::

    item          PK                 SK
    audit entry   AUDIT#<m>          <time, UTC, microseconds>#<entry id>    e.g. 2026-03-10T09:30:00.000000Z#9f…

* Newest first, paginated: one `Query` on `AUDIT#<m>` with `ScanIndexForward=False`; the cursor is
  the last SK shown, the next page asks `SK < cursor`. The export walks the same pages to the end.
  The SK's text sorts as time, so a period (one month's export) is one `BETWEEN` on it.
* Append-only: an entry is put with `attribute_not_exists(PK)`, in the same `TransactWriteItems` as
  the change it records (`audit_put`): a refused change writes no entry, a refused entry no change.
  Nothing in the code updates or deletes one. `before`/`after` are stored as JSON text.
* Staff-only: the partition is read by the staff API only (the `dynamodb:LeadingKeys` condition of
  infra/README.md keeps resident-facing roles to `PROC#*`/`BALLOTS#*`); entries hold keyed hashes,
  never raw personal data (`prachakhom.audit`).
"""

from __future__ import annotations

import json
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from chalicelib.storage.repository import AlreadyExists
from prachakhom.audit import Actor, AuditEntry

MAX_PAGE = 200
_CURSOR = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z#[0-9a-f]{32}$")
_ser, _de = TypeSerializer(), TypeDeserializer()


class BadCursor(ValueError):
    """A page cursor that this log did not hand out (the API answers 400)."""


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_cursor: str | None
    """Pass it back for the next (older) page; None: this was the last page."""


def audit_pk(municipality: str) -> str:
    return f"AUDIT#{municipality}"


def audit_sk(entry: AuditEntry) -> str:
    return f"{entry.at:%Y-%m-%dT%H:%M:%S.%f}Z#{entry.entry_id}"


def check_cursor(cursor: str | None) -> None:
    if cursor is not None and not (isinstance(cursor, str) and _CURSOR.match(cursor)):
        raise BadCursor("not a cursor of the audit log")


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"page size must be 1..{MAX_PAGE}")
    return limit


class AuditLog(ABC):
    @abstractmethod
    def append(self, entry: AuditEntry) -> None:
        """Store `entry` alone (a change with its entry goes through the change's own transaction);
        AlreadyExists if an entry with its key is stored: entries are never overwritten."""

    @abstractmethod
    def page(self, municipality: str, limit: int = 50, cursor: str | None = None) -> AuditPage:
        """`municipality`'s entries, newest first, `limit` at most, older than `cursor` if given."""

    def export(self, municipality: str, page_size: int = MAX_PAGE) -> Iterator[AuditEntry]:
        """Every entry of `municipality`, newest first, a page at a time."""
        cursor: str | None = None
        while True:
            page = self.page(municipality, page_size, cursor)
            yield from page.entries
            if page.next_cursor is None:
                return
            cursor = page.next_cursor


class MemoryAuditLog(AuditLog):
    """For tests and the memory repositories, which append under their own lock with the change."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._entries: dict[str, dict[str, AuditEntry]] = {}

    def append(self, entry: AuditEntry) -> None:
        with self.lock:
            log = self._entries.setdefault(entry.municipality, {})
            key = audit_sk(entry)
            if key in log:
                raise AlreadyExists(key)
            log[key] = entry

    def page(self, municipality: str, limit: int = 50, cursor: str | None = None) -> AuditPage:
        check_cursor(cursor)
        check_limit(limit)
        with self.lock:
            log = self._entries.get(municipality, {})
            keys = sorted((k for k in log if cursor is None or k < cursor), reverse=True)
            shown = keys[:limit]
            return AuditPage([log[k] for k in shown], shown[-1] if len(keys) > limit else None)


def audit_item(entry: AuditEntry) -> dict[str, Any]:
    """The entry as a DynamoDB item (attribute values in DynamoDB JSON)."""
    values = {
        "PK": audit_pk(entry.municipality), "SK": audit_sk(entry), "entry_id": entry.entry_id,
        "at": entry.at.isoformat(), "municipality": entry.municipality, "actor_sub": entry.actor.sub,
        "actor_name": entry.actor.name, "action": entry.action, "target": entry.target,
        "before": json.dumps(entry.before, ensure_ascii=False, sort_keys=True),
        "after": json.dumps(entry.after, ensure_ascii=False, sort_keys=True),
        "request_id": entry.request_id,
    }
    return {k: _ser.serialize(v) for k, v in values.items()}


def audit_put(table: str, entry: AuditEntry) -> dict[str, Any]:
    """The `TransactWriteItems` element that appends `entry`: put it in the change's transaction."""
    return {"Put": {"TableName": table, "Item": audit_item(entry),
                    "ConditionExpression": "attribute_not_exists(PK)"}}


def entry_from_item(item: dict[str, Any]) -> AuditEntry:
    v = {k: _de.deserialize(x) for k, x in item.items()}
    return AuditEntry(v["entry_id"], datetime.fromisoformat(v["at"]), Actor(v["actor_sub"], v["actor_name"]),
                      v["municipality"], v["action"], v["target"], json.loads(v["before"]), json.loads(v["after"]),
                      v.get("request_id", ""))


class DynamoAuditLog(AuditLog):
    def __init__(self, client: Any, table: str) -> None:
        self.client, self.table = client, table

    def append(self, entry: AuditEntry) -> None:
        try:
            self.client.put_item(**audit_put(self.table, entry)["Put"])
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise AlreadyExists(audit_sk(entry)) from None
            raise

    def page(self, municipality: str, limit: int = 50, cursor: str | None = None) -> AuditPage:
        check_cursor(cursor)
        check_limit(limit)
        condition, values = "PK = :pk", {":pk": {"S": audit_pk(municipality)}}
        if cursor is not None:
            condition, values[":c"] = condition + " AND SK < :c", {"S": cursor}
        response = self.client.query(TableName=self.table, KeyConditionExpression=condition,
                                     ExpressionAttributeValues=values, ScanIndexForward=False,
                                     Limit=limit + 1, ConsistentRead=True)
        items = response.get("Items", [])
        shown = items[:limit]
        more = len(items) > limit or "LastEvaluatedKey" in response  # the 1 MB page limit also stops a query
        return AuditPage([entry_from_item(i) for i in shown], shown[-1]["SK"]["S"] if more and shown else None)
