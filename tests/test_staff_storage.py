"""One contract for the staff directory and the audit log: in memory and on DynamoDB (a moto server)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.api_fixtures import dynamodb_client  # isort: skip  (puts functions/ on sys.path)
from botocore.exceptions import ClientError
from chalicelib.storage.audit import (
    MAX_PAGE,
    AuditLog,
    BadCursor,
    DynamoAuditLog,
    audit_put,
)
from chalicelib.storage.dynamodb import create_table
from chalicelib.storage.repository import AlreadyExists, NotStored
from chalicelib.storage.staff import (
    DynamoStaffDirectory,
    MemoryStaffDirectory,
    RolesChanged,
    StaffDirectory,
    TeamMember,
)

from prachakhom.audit import Actor, AuditEntry, audit_entry
from prachakhom.staff import ALL_MUNICIPALITIES, Action, Grant, Role

M, OTHER = "non-kha-hom", "tha-lamphu"
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
ADMIN = Actor("sub-admin", "ผู้ดูแล")


def entry(n: int = 0, municipality: str = M, at: datetime | None = None) -> AuditEntry:
    return audit_entry(actor=ADMIN, municipality=municipality, action="staff.roles", target=f"staff/sub-{n}",
                       before={"roles": []}, after={"roles": ["moderator"], "n": n}, secret=b"s",
                       at=at or T0 + timedelta(minutes=n), request_id=f"req-{n}")


def new_table() -> tuple[object, str]:
    client = dynamodb_client()
    name = f"t-{uuid.uuid4().hex[:12]}"
    create_table(client, name)
    return client, name


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request) -> tuple[StaffDirectory, AuditLog]:
    if request.param == "memory":
        directory = MemoryStaffDirectory()
        return directory, directory.audit_log
    client, table = new_table()
    return DynamoStaffDirectory(client, table), DynamoAuditLog(client, table)


@pytest.fixture
def directory(stores) -> StaffDirectory:
    return stores[0]


@pytest.fixture
def log(stores) -> AuditLog:
    return stores[1]


# --- the staff directory ------------------------------------------------------------------------


def test_unknown_person_has_no_member(directory):
    assert directory.member("nobody") is None
    with pytest.raises(NotStored):
        directory.set_roles("nobody", M, {Role.ADMIN})


def test_roles_in_several_municipalities(directory):
    directory.save_profile("sub-1", "somsri", "สมศรี")
    directory.set_roles("sub-1", M, {Role.MODERATOR, Role.REVIEWER})
    directory.set_roles("sub-1", OTHER, {Role.DATA_ENTRY})
    member = directory.member("sub-1")
    assert (member.sub, member.username, member.name) == ("sub-1", "somsri", "สมศรี")
    assert member.grants == {Grant(M, Role.MODERATOR), Grant(M, Role.REVIEWER), Grant(OTHER, Role.DATA_ENTRY)}
    assert member.may(M, Action.MODERATE) and not member.may(OTHER, Action.MODERATE)


def test_team_lists_and_removal(directory):
    for sub, name in (("sub-b", "บุญมี"), ("sub-a", "อนงค์"), ("sub-c", "จันทร์")):
        directory.save_profile(sub, sub.replace("sub-", "user-"), name)
    directory.set_roles("sub-a", M, [Role.ADMIN])
    directory.set_roles("sub-b", M, [Role.DATA_ENTRY])
    directory.set_roles("sub-c", OTHER, [Role.MODERATOR])
    assert directory.team(M) == [TeamMember("sub-b", "user-b", "บุญมี", frozenset({Role.DATA_ENTRY})),
                                 TeamMember("sub-a", "user-a", "อนงค์", frozenset({Role.ADMIN}))]
    directory.set_roles("sub-b", M, [])
    assert [t.sub for t in directory.team(M)] == ["sub-a"]
    assert directory.member("sub-b").grants == frozenset()
    directory.save_profile("sub-a", "user-a", "อนงค์ ใหม่")  # a new name reaches the team list
    assert directory.team(M)[0].name == "อนงค์ ใหม่" and directory.member("sub-a").name == "อนงค์ ใหม่"


def test_national_role_only_for_all(directory):
    directory.save_profile("sub-n", "national", "ส่วนกลาง")
    with pytest.raises(ValueError):
        directory.set_roles("sub-n", M, {Role.NATIONAL})
    with pytest.raises(ValueError):
        directory.set_roles("sub-n", ALL_MUNICIPALITIES, {Role.ADMIN})
    directory.set_roles("sub-n", ALL_MUNICIPALITIES, {Role.NATIONAL})
    member = directory.member("sub-n")
    assert member.may(OTHER, Action.VIEW) and not member.may(OTHER, Action.MODERATE)
    assert member.may(ALL_MUNICIPALITIES, Action.PUBLISH_TEMPLATE)


def test_expected_roles_make_it_conditional_and_audited_together(directory, log):
    directory.save_profile("sub-1", "somsri", "สมศรี")
    directory.set_roles("sub-1", M, {Role.MODERATOR}, expected=set(), audit=entry(1))
    with pytest.raises(RolesChanged) as err:  # a second admin who saw no roles
        directory.set_roles("sub-1", M, {Role.ADMIN}, expected=set(), audit=entry(2))
    assert err.value.current == {Role.MODERATOR}
    directory.set_roles("sub-1", M, {Role.MODERATOR, Role.REVIEWER}, expected={Role.MODERATOR}, audit=entry(3))
    with pytest.raises(RolesChanged):
        directory.set_roles("sub-1", M, set(), expected={Role.MODERATOR}, audit=entry(4))
    assert directory.member("sub-1").grants == {Grant(M, Role.MODERATOR), Grant(M, Role.REVIEWER)}
    assert [e.request_id for e in log.export(M)] == ["req-3", "req-1"]  # refused changes left no entry


def test_duplicate_audit_entry_leaves_the_roles_unchanged(directory, log):
    directory.save_profile("sub-1", "somsri", "สมศรี")
    first = entry(1)
    directory.set_roles("sub-1", M, {Role.MODERATOR}, audit=first)
    with pytest.raises(AlreadyExists):
        directory.set_roles("sub-1", M, {Role.ADMIN}, audit=first)
    assert directory.member("sub-1").grants == {Grant(M, Role.MODERATOR)}
    assert len(list(log.export(M))) == 1


# --- the audit log ------------------------------------------------------------------------------


def test_newest_first_paginated_and_exported(log):
    entries = [entry(n) for n in range(7)]
    for e in (entries[3], entries[0], entries[6], entries[1], entries[5], entries[2], entries[4]):
        log.append(e)
    log.append(entry(99, municipality=OTHER))
    first = log.page(M, limit=3)
    assert [e.request_id for e in first.entries] == ["req-6", "req-5", "req-4"]
    second = log.page(M, limit=3, cursor=first.next_cursor)
    assert [e.request_id for e in second.entries] == ["req-3", "req-2", "req-1"]
    last = log.page(M, limit=3, cursor=second.next_cursor)
    assert [e.request_id for e in last.entries] == ["req-0"] and last.next_cursor is None
    assert log.page(M, limit=7).next_cursor is None
    exported = list(log.export(M, page_size=2))
    assert exported == sorted(entries, key=lambda e: e.at, reverse=True)
    assert [e.request_id for e in log.export(OTHER)] == ["req-99"]
    assert log.page("huai-dok-ueang").entries == []


def test_entries_come_back_whole(log):
    e = audit_entry(actor=ADMIN, municipality=M, action="proposal.correct", target="pb-2570/proposals/x",
                    before={"title": "ถนนลูกรัง", "cost": 250000, "contact": "0812345678", "tags": ["a", None, True]},
                    after={"title": "ถนนลูกรัง หมู่ 4"}, secret=b"s", at=T0, request_id="req-x")
    log.append(e)
    assert log.page(M).entries == [e]


def test_same_time_entries_all_kept(log):
    a, b = entry(1, at=T0), entry(2, at=T0)
    log.append(a)
    log.append(b)
    assert {e.entry_id for e in log.export(M)} == {a.entry_id, b.entry_id}
    with pytest.raises(AlreadyExists):
        log.append(a)


@pytest.mark.parametrize("cursor", ["", "2026-03-10", "x" * 60, "2026-03-10T09:00:00.000000Z#NOTHEX" + "0" * 26,
                                    "2026-03-10T09:00:00.000000Z#" + "0" * 32 + "' OR 1=1"])
def test_foreign_cursors_refused(log, cursor):
    with pytest.raises(BadCursor):
        log.page(M, cursor=cursor)


@pytest.mark.parametrize("limit", [0, -1, MAX_PAGE + 1])
def test_page_size_bounded(log, limit):
    with pytest.raises(ValueError):
        log.page(M, limit=limit)


# --- the audit entry goes in the change's own transaction (DynamoDB) -----------------------------


def test_cancelled_transaction_writes_neither():
    """`audit_put` joins the change's transaction: a refused change leaves no entry, and a refused
    entry (its key taken) leaves no change."""
    client, table = new_table()
    log = DynamoAuditLog(client, table)
    change_key = {"PK": {"S": "PROC#non-kha-hom#pb-2570"}, "SK": {"S": "PROPOSAL#road"}}
    refused_change = {"Put": {"TableName": table, "Item": {**change_key, "status": {"S": "rejected"}},
                              "ConditionExpression": "#s = :s", "ExpressionAttributeNames": {"#s": "status"},
                              "ExpressionAttributeValues": {":s": {"S": "under_review"}}}}
    with pytest.raises(ClientError) as err:
        client.transact_write_items(TransactItems=[refused_change, audit_put(table, entry(1))])
    assert err.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert log.page(M).entries == [] and client.scan(TableName=table)["Count"] == 0

    taken = entry(2)
    log.append(taken)
    change = {"Put": {"TableName": table, "Item": {**change_key, "status": {"S": "published"}}}}
    with pytest.raises(ClientError):
        client.transact_write_items(TransactItems=[change, audit_put(table, taken)])
    assert "Item" not in client.get_item(TableName=table, Key=change_key)
    assert log.page(M).entries == [taken]

    client.transact_write_items(TransactItems=[change, audit_put(table, entry(3))])
    assert client.get_item(TableName=table, Key=change_key)["Item"]["status"] == {"S": "published"}
    assert [e.request_id for e in log.page(M).entries] == ["req-3", "req-2"]
