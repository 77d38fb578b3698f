"""Who holds which staff role where: the grants, kept in the table (not as Cognito groups).

Keys (`<sub>` the user pool's id of the person, `<m>` a municipality slug or `*` for national)::

    item                     PK              SK
    staff profile            STAFF#<sub>     PROFILE          username, display name
    roles in a municipality  STAFF#<sub>     ROLE#<m>         roles (sorted list)
    the municipality's team  TEAM#<m>        STAFF#<sub>      roles, username, name (copy, for the list)

* Every staff request reads its caller's grants with ONE `Query` on `STAFF#<sub>` (profile + roles).
* An admin lists the municipality's staff with ONE `Query` on `TEAM#<m>` (no index: the table has none).
* Changing someone's roles in a municipality writes the `ROLE#` and `TEAM#` items, and the audit
  entry if one is given, in ONE `TransactWriteItems`; `expected` (the roles the admin saw) makes it
  conditional, so of two admins editing the same person the second is told what is there now.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from chalicelib.storage.audit import MemoryAuditLog, audit_put
from chalicelib.storage.faults import cancellation_reasons
from chalicelib.storage.repository import AlreadyExists, NotStored, StorageError
from prachakhom.audit import AuditEntry
from prachakhom.staff import Grant, Role, StaffMember

_ser, _de = TypeSerializer(), TypeDeserializer()


class RolesChanged(StorageError):
    """The person's roles there are no longer the ones the caller expected."""

    def __init__(self, current: frozenset[Role]) -> None:
        super().__init__(f"roles are now {sorted(current)}")
        self.current = current


@dataclass(frozen=True)
class TeamMember:
    """One line of a municipality's staff list."""

    sub: str
    username: str
    name: str
    roles: frozenset[Role]


def _checked_roles(municipality: str, roles: Collection[Role | str]) -> frozenset[Role]:
    """Validated through `Grant`: the national role only for `*`, every other only for a municipality."""
    return frozenset(Grant(municipality, Role(r)).role for r in roles)


class StaffDirectory(ABC):
    @abstractmethod
    def member(self, sub: str) -> StaffMember | None:
        """The person's profile and every grant they hold; None if there is no profile."""

    @abstractmethod
    def save_profile(self, sub: str, username: str, name: str) -> None:
        """Create or update the person's profile (and their name in the team lists they are on)."""

    @abstractmethod
    def set_roles(self, sub: str, municipality: str, roles: Collection[Role], *,
                  expected: Collection[Role] | None = None, audit: AuditEntry | None = None) -> None:
        """Make `roles` the person's roles in `municipality` (none: off its team), with `audit`.

        NotStored if the person has no profile; RolesChanged if `expected` is given and is not what
        is stored (nothing is written); AlreadyExists if the audit entry's key exists (nothing either).
        """

    @abstractmethod
    def team(self, municipality: str) -> list[TeamMember]:
        """Everyone holding a role in `municipality`, by name."""


class MemoryStaffDirectory(StaffDirectory):
    def __init__(self, audit_log: MemoryAuditLog | None = None) -> None:
        self.audit_log = audit_log or MemoryAuditLog()
        self._lock = self.audit_log.lock  # one lock: the change and its entry are one step
        self._profiles: dict[str, tuple[str, str]] = {}
        self._roles: dict[tuple[str, str], frozenset[Role]] = {}

    def member(self, sub: str) -> StaffMember | None:
        with self._lock:
            if sub not in self._profiles:
                return None
            username, name = self._profiles[sub]
            grants = frozenset(Grant(m, r) for (s, m), roles in self._roles.items() if s == sub for r in roles)
            return StaffMember(sub, name, username, grants)

    def save_profile(self, sub: str, username: str, name: str) -> None:
        with self._lock:
            self._profiles[sub] = (username, name)

    def set_roles(self, sub: str, municipality: str, roles: Collection[Role], *,
                  expected: Collection[Role] | None = None, audit: AuditEntry | None = None) -> None:
        new = _checked_roles(municipality, roles)
        with self._lock:
            if sub not in self._profiles:
                raise NotStored(sub)
            current = self._roles.get((sub, municipality), frozenset())
            if expected is not None and frozenset(expected) != current:
                raise RolesChanged(current)
            if audit is not None:
                self.audit_log.append(audit)  # raises AlreadyExists before anything changed
            if new:
                self._roles[sub, municipality] = new
            else:
                self._roles.pop((sub, municipality), None)

    def team(self, municipality: str) -> list[TeamMember]:
        with self._lock:
            members = [TeamMember(s, *self._profiles[s], roles) for (s, m), roles in self._roles.items()
                       if m == municipality]
        return sorted(members, key=lambda t: (t.name, t.sub))


def staff_pk(sub: str) -> str:
    return f"STAFF#{sub}"


def team_pk(municipality: str) -> str:
    return f"TEAM#{municipality}"


def _item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(v) for k, v in values.items()}


def _read(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _de.deserialize(v) for k, v in item.items()}


class DynamoStaffDirectory(StaffDirectory):
    def __init__(self, client: Any, table: str) -> None:
        self.client, self.table = client, table

    def _query(self, pk: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": "PK = :pk",
                                  "ExpressionAttributeValues": {":pk": {"S": pk}}, "ConsistentRead": True}
        while True:
            page = self.client.query(**kwargs)
            items += [_read(i) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def member(self, sub: str) -> StaffMember | None:
        items = self._query(staff_pk(sub))
        profile = next((i for i in items if i["SK"] == "PROFILE"), None)
        if profile is None:
            return None
        grants = frozenset(Grant(i["SK"].removeprefix("ROLE#"), Role(r))
                           for i in items if i["SK"].startswith("ROLE#") for r in i["roles"])
        return StaffMember(sub, profile["name"], profile["username"], grants)

    def save_profile(self, sub: str, username: str, name: str) -> None:
        profile = {"PK": staff_pk(sub), "SK": "PROFILE", "username": username, "name": name}
        writes: list[dict[str, Any]] = [{"Put": {"TableName": self.table, "Item": _item(profile)}}]
        for item in self._query(staff_pk(sub)):
            if item["SK"].startswith("ROLE#"):
                key = {"PK": team_pk(item["SK"].removeprefix("ROLE#")), "SK": staff_pk(sub)}
                writes.append({"Update": {
                    "TableName": self.table, "Key": _item(key), "UpdateExpression": "SET #n = :n, username = :u",
                    "ExpressionAttributeNames": {"#n": "name"},
                    "ExpressionAttributeValues": {":n": {"S": name}, ":u": {"S": username}}}})
        for i in range(0, len(writes), 100):  # a transaction holds 100 items; a person is on few teams
            self.client.transact_write_items(TransactItems=writes[i:i + 100])

    def set_roles(self, sub: str, municipality: str, roles: Collection[Role], *,
                  expected: Collection[Role] | None = None, audit: AuditEntry | None = None) -> None:
        new = sorted(_checked_roles(municipality, roles))
        got = self.client.get_item(TableName=self.table, ConsistentRead=True,
                                   Key=_item({"PK": staff_pk(sub), "SK": "PROFILE"})).get("Item")
        if got is None:
            raise NotStored(sub)
        profile = _read(got)
        role_key = {"PK": staff_pk(sub), "SK": f"ROLE#{municipality}"}
        team_key = {"PK": team_pk(municipality), "SK": staff_pk(sub)}
        condition: dict[str, Any] = {}
        if expected is not None:
            want = sorted(_checked_roles(municipality, expected))
            condition = ({"ConditionExpression": "#roles = :expected", "ExpressionAttributeNames": {"#roles": "roles"},
                          "ExpressionAttributeValues": {":expected": _ser.serialize([r.value for r in want])}}
                         if want else {"ConditionExpression": "attribute_not_exists(PK)"})
        listed = [r.value for r in new]
        if new:
            writes: list[dict[str, Any]] = [
                {"Put": {"TableName": self.table, "Item": _item({**role_key, "roles": listed}), **condition}},
                {"Put": {"TableName": self.table, "Item": _item({**team_key, "roles": listed,
                                                                 "username": profile["username"],
                                                                 "name": profile["name"]})}}]
        else:
            writes = [{"Delete": {"TableName": self.table, "Key": _item(role_key), **condition}},
                      {"Delete": {"TableName": self.table, "Key": _item(team_key)}}]
        if audit is not None:
            writes.append(audit_put(self.table, audit))
        try:
            self.client.transact_write_items(TransactItems=writes)
        except ClientError as err:
            codes = cancellation_reasons(err)
            if codes and codes[0] == "ConditionalCheckFailed":
                raise RolesChanged(self._current(sub, municipality)) from None
            if codes and codes[-1] == "ConditionalCheckFailed" and audit is not None:
                raise AlreadyExists(audit.entry_id) from None
            raise

    def _current(self, sub: str, municipality: str) -> frozenset[Role]:
        item = self.client.get_item(TableName=self.table, ConsistentRead=True,
                                    Key=_item({"PK": staff_pk(sub), "SK": f"ROLE#{municipality}"})).get("Item")
        return frozenset(Role(r) for r in _read(item)["roles"]) if item else frozenset()

    def team(self, municipality: str) -> list[TeamMember]:
        members = [TeamMember(i["SK"].removeprefix("STAFF#"), i["username"], i["name"],
                              frozenset(Role(r) for r in i["roles"])) for i in self._query(team_pk(municipality))]
        return sorted(members, key=lambda t: (t.name, t.sub))

