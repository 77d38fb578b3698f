"""The repository on one DynamoDB table (single-table design).

Keys (all strings; `<m>` municipality slug, `<p>` process slug)::

    item            PK                    SK
    process phase   PROC#<m>#<p>          STATE
    proposal        PROC#<m>#<p>          PROPOSAL#<slug>
    comment         PROC#<m>#<p>          COMMENT#<proposal>#<comment id>
    comment report  PROC#<m>#<p>          REPORT#<proposal>#<comment id>#<reporter hash>
    support         PROC#<m>#<p>          SUPPORT#<proposal>#<supporter hash>
    voided support  PROC#<m>#<p>          VOIDSUPPORT#<proposal>#<supporter hash>#<voided at>
    proposer contact PRIVATE#<m>#<p>      CONTACT#<slug>                       (staff only)
    ballot          BALLOTS#<m>#<p>       BALLOT#<receipt code>                e.g. BALLOT#7K2M-9QXD-R4TA
    voided ballot   BALLOTS#<m>#<p>       VOID#<receipt code>#<voided at>      (kept, never counted)
    roll in force   PROC#<m>#<p>          ROLL                                 version, counts (pointer)
    roll bucket     ROLL#<m>#<p>#<version> BUCKET#<3 hex>                      {roll key: "birth hash village"}
    pending effect  EFFECTS               EFFECT#<m>#<p>#<kind>#<id>           e.g. a rebuild to request

* One query (`PK = PROC#…`, `begins_with(SK, 'PROPOSAL#')`) lists a process's proposals; the same with
  `COMMENT#<proposal>#` lists one proposal's comments, `SUPPORT#<proposal>#` counts its supporters.
* Ballots have their own partition so the busy voting traffic does not share one with the rest, and
  the export at close is one query. The receipt code is HMAC(secret, "receipt", voter key) cut to 60
  bits (`prachakhom.ballot.receipt_code`), so the key itself is one-ballot-per-voter and a receipt
  check is one `GetItem` (no index). The item holds neither the national ID nor the voter key: the
  choices, the receipt, timestamps and `ballot_id` = HMAC(secret, "ballot", voter key), which tells
  two voters apart should their receipts collide (a change must match it).
* The voter roll (eligibility mode `roll`, `prachakhom.roll`) holds keyed hashes only, in buckets
  of ~25 residents (one read checks a voter); an upload writes a new version's buckets first, then
  switches the `ROLL` pointer with its audit entry in one transaction, so readers never see half a
  roll; the old version's buckets are deleted after the switch.
* Voiding a ballot is one transaction: delete the ballot (condition: still that voter's, that
  version), put it back as `VOID#…` with the reason, and the audit entry.
* Contacts of proposers sit in a `PRIVATE#` partition: an IAM condition on
  `dynamodb:LeadingKeys` keeps every role but the staff one away from it (see infra/README.md).
* A ballot is ONE conditional `PutItem` (`attribute_not_exists(PK)`: one ballot per voter, two
  concurrent first ballots store one); a change is a read plus ONE conditional `UpdateItem`
  (`attribute_exists`) that appends a timestamped version (the `versions` list appears with the
  first change, the cast itself being its first entry). Neither checks the phase in DynamoDB: the
  ballot service does, and the count ignores versions written after the STATE item's
  `vote_closed_at` (see services/ballots.py).
* A comment, a support and a proposal without contact are ONE conditional `PutItem`
  (`attribute_not_exists`); a proposal with a contact is one `TransactWriteItems` of two new items
  (the proposal and its private contact). None of them touches the STATE item: no resident write
  contends with another on one item. The phase is checked by the services against a cached read
  and fenced by the STATE item's `history` (see repository.py and services/gate.py).
* The STATE item holds the phase, `history` (a list of {phase, since}: one entry per move, a few per
  process), `vote_closed_at` and `proposals_version`; a phase change is one conditional `UpdateItem`
  that appends to the history.
* A phase change or a moderation that calls for after-commit effects is one `TransactWriteItems`:
  the conditional update (a moderation also bumps the STATE item's `proposals_version`) plus a `Put`
  per pending effect, in one partition for the whole deployment (`EFFECTS`: rare writes, deleted
  once done), so the scheduler finds every leftover with one query and no resident write ever
  contends with them.
* Faults (throttling, timeouts, transaction conflicts) are read in one place, `storage/faults.py`:
  the client the repository talks to raises `StorageUnavailable` for them.
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Collection, Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from chalicelib.storage.audit import audit_put
from chalicelib.storage.faults import CONFLICT_BACKOFF, MappedClient, cancellation_reasons
from chalicelib.storage.records import (
    BallotRecord,
    BallotVersion,
    CommentRecord,
    Feasibility,
    PendingEffect,
    PhaseEntry,
    ProcessState,
    ProposalRecord,
    Roll,
    SupportRecord,
    VoidedBallot,
)
from chalicelib.storage.repository import (
    MAX_BALLOT_VERSIONS,
    AlreadyExists,
    NotStored,
    PhaseMismatch,
    Repository,
    RollChanged,
    StatusMismatch,
    StorageUnavailable,
    StoredItem,
    TooManyVersions,
    oldest_first,
)
from prachakhom.audit import AuditEntry

MAX_CHANGE_ATTEMPTS = 5
"""Tries of a ballot change that keeps losing the race to other changes of the same ballot."""

_ser = TypeSerializer()
_de = TypeDeserializer()

TABLE_DEFINITION: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": name, "AttributeType": "S"} for name in ("PK", "SK")
    ],
    "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def create_table(client: Any, table_name: str) -> None:
    """Create the table if missing (local stack and tests; on AWS the template creates it)."""
    try:
        client.create_table(TableName=table_name, **TABLE_DEFINITION)
    except ClientError as err:
        if err.response["Error"]["Code"] != "ResourceInUseException":
            raise


def proc_pk(m: str, p: str) -> str:
    return f"PROC#{m}#{p}"


def ballots_pk(m: str, p: str) -> str:
    return f"BALLOTS#{m}#{p}"


def roll_pk(m: str, p: str, version: str) -> str:
    return f"ROLL#{m}#{p}#{version}"


def private_pk(m: str, p: str) -> str:
    return f"PRIVATE#{m}#{p}"


EFFECTS_PK = "EFFECTS"


def effect_sk(e: PendingEffect) -> str:
    return f"EFFECT#{e.municipality}#{e.process}#{e.kind}#{e.id}"


def _item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(_plain(v)) for k, v in values.items() if v is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _read(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _native(_de.deserialize(v)) for k, v in item.items()}


def _native(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: _native(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_native(v) for v in value]
    return value


def _condition_failed(err: ClientError) -> bool:
    """True when the write's condition refused it (an answer for the caller); callers re-raise the rest."""
    return err.response["Error"]["Code"] == "ConditionalCheckFailedException"


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class DynamoRepository(Repository):
    """`client` is a boto3 DynamoDB client (created lazily by the caller); the repository talks to it
    through `faults.MappedClient` (faults raised as `StorageUnavailable`, conflicts retried)."""

    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client if isinstance(client, MappedClient) else MappedClient(client)
        self.table = table_name
        self.last_consumed_capacity: list[dict[str, Any]] = []

    # --- helpers -------------------------------------------------------------------------------
    def _put_new(self, values: dict[str, Any]) -> dict[str, Any]:
        """A transaction item that creates the item, refused if its key is taken."""
        return {"Put": {"TableName": self.table, "Item": _item(values),
                        "ConditionExpression": "attribute_not_exists(PK)"}}

    def _create(self, values: dict[str, Any]) -> bool:
        """One conditional PutItem that creates the item: False if its key is taken."""
        try:
            response = self.client.put_item(TableName=self.table, Item=_item(values),
                                            ConditionExpression="attribute_not_exists(PK)",
                                            ReturnConsumedCapacity="TOTAL")
        except ClientError as err:
            if not _condition_failed(err):
                raise
            return False
        self.last_consumed_capacity = [response["ConsumedCapacity"]] if "ConsumedCapacity" in response else []
        return True

    def _create_all(self, items: list[dict[str, Any]]) -> bool:
        """One transaction of conditional writes: False if the first item's condition refused it (a
        key taken, a ballot or support that moved on; nothing written); any other refusal raised."""
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as err:
            if cancellation_reasons(err)[:1] == ["ConditionalCheckFailed"]:
                return False
            raise
        return True

    def _raise_phase(self, m: str, p: str) -> None:
        state = self.get_state(m, p)
        raise PhaseMismatch(state.phase if state else "")

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        response = self.client.get_item(TableName=self.table, Key={"PK": {"S": pk}, "SK": {"S": sk}},
                                        ConsistentRead=True)
        item = response.get("Item")
        return _read(item) if item else None

    def _query(self, pk: str, prefix: str, projection: str | None = None,
               names: dict[str, str] | None = None) -> list[dict[str, Any]]:
        return [item for page in self._pages(pk, prefix, projection, names) for item in page]

    def _pages(self, pk: str, prefix: str, projection: str | None = None,
               names: dict[str, str] | None = None) -> Iterator[list[dict[str, Any]]]:
        """The items under `pk` whose SK starts with `prefix`, one page (≤ 1 MB) at a time."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
            "ConsistentRead": True,
        }
        if projection:
            kwargs["ProjectionExpression"] = projection
        if names:
            kwargs["ExpressionAttributeNames"] = names
        while True:
            response = self.client.query(**kwargs)
            yield [_read(i) for i in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # --- process state -------------------------------------------------------------------------
    def get_state(self, municipality: str, process: str) -> ProcessState | None:
        item = self._get(proc_pk(municipality, process), "STATE")
        return _state(municipality, process, item) if item else None

    def init_state(self, state: ProcessState) -> ProcessState:
        item = _item({"PK": proc_pk(state.municipality, state.process), "SK": "STATE", "phase": state.phase,
                      "changed_at": state.changed_at, "change_key": state.change_key,
                      "history": [_entry(PhaseEntry(state.phase, state.changed_at))]})
        try:
            self.client.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(phase)")
        except ClientError as err:
            if not _condition_failed(err):
                raise
        stored = self.get_state(state.municipality, state.process)
        assert stored is not None
        return stored

    def change_phase(self, municipality: str, process: str, expected: str, new: str, at: datetime,
                     change_key: str, closes_vote: bool = False,
                     effects: Collection[PendingEffect] = ()) -> ProcessState:
        update = ("SET #phase = :new, changed_at = :at, change_key = :key, "
                  "history = list_append(if_not_exists(history, :none), :entry)")
        if closes_vote:
            update += ", vote_closed_at = :at"
        change = {
            "TableName": self.table,
            "Key": {"PK": {"S": proc_pk(municipality, process)}, "SK": {"S": "STATE"}},
            "UpdateExpression": update,
            "ConditionExpression": "#phase = :expected",
            "ExpressionAttributeNames": {"#phase": "phase"},
            "ExpressionAttributeValues": {":new": {"S": new}, ":at": {"S": at.isoformat()},
                                          ":key": {"S": change_key}, ":expected": {"S": expected},
                                          ":none": {"L": []},
                                          ":entry": {"L": [_ser.serialize(_entry(PhaseEntry(new, at)))]}},
        }
        if effects:
            if self._transact_change(change, effects):
                self._raise_phase(municipality, process)
            state = self.get_state(municipality, process)
            assert state is not None
            return state
        try:
            response = self.client.update_item(**change, ReturnValues="ALL_NEW")
        except ClientError as err:
            if not _condition_failed(err):
                raise
            self._raise_phase(municipality, process)
        state = _state(municipality, process, _read(response["Attributes"]))
        assert state is not None
        return state

    def _transact_change(self, update: dict[str, Any], effects: Collection[PendingEffect],
                         extra: Collection[dict[str, Any]] = ()) -> bool:
        """The conditional `update`, the `extra` items and a Put per effect in one transaction; True
        if a condition refused it (nothing written), any other failure raised."""
        items = [{"Update": update}, *extra, *({"Put": {"TableName": self.table, "Item": _effect_item(e)}}
                                               for e in effects)]
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as err:
            if "ConditionalCheckFailed" in cancellation_reasons(err):
                return True
            raise
        return False

    # --- proposals -----------------------------------------------------------------------------
    def add_proposal(self, proposal: ProposalRecord, contact: str | None) -> tuple[ProposalRecord, bool]:
        m, p = proposal.municipality, proposal.process
        values = {"PK": proc_pk(m, p), "SK": f"PROPOSAL#{proposal.slug}", **asdict(proposal), "feasibility": None}
        if contact:
            created = self._create_all([self._put_new(values), {"Put": {"TableName": self.table, "Item": _item({
                "PK": private_pk(m, p), "SK": f"CONTACT#{proposal.slug}", "contact": contact})}}])
        else:
            created = self._create(values)
        if not created:
            existing = self.get_proposal(m, p, proposal.slug)
            assert existing is not None
            return existing, False
        return proposal, True

    def get_proposal(self, municipality: str, process: str, slug: str) -> ProposalRecord | None:
        item = self._get(proc_pk(municipality, process), f"PROPOSAL#{slug}")
        return _proposal(item) if item else None

    def list_proposals(self, municipality: str, process: str) -> list[ProposalRecord]:
        return [_proposal(i) for i in self._query(proc_pk(municipality, process), "PROPOSAL#")]

    def set_proposal_status(self, municipality: str, process: str, slug: str, expected: Collection[str],
                            status: str, feasibility: Feasibility | None,
                            effects: Collection[PendingEffect] = (), audit: AuditEntry | None = None
                            ) -> ProposalRecord:
        allowed = {f":expected{i}": {"S": s} for i, s in enumerate(expected)}
        values: dict[str, Any] = {**allowed, ":status": {"S": status}}
        update = "SET #status = :status"
        if feasibility is not None:
            update += ", feasibility = :f"
            values[":f"] = _ser.serialize(_plain(asdict(feasibility)))
        change = {
            "TableName": self.table,
            "Key": {"PK": {"S": proc_pk(municipality, process)}, "SK": {"S": f"PROPOSAL#{slug}"}},
            "UpdateExpression": update,
            "ConditionExpression": f"attribute_exists(PK) AND #status IN ({', '.join(allowed)})",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        }
        bump = {"Update": {  # no condition: a proposal is only ever stored under a stored phase
            "TableName": self.table,
            "Key": {"PK": {"S": proc_pk(municipality, process)}, "SK": {"S": "STATE"}},
            "UpdateExpression": "ADD proposals_version :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}
        refused = self._transact_change(change, effects, [bump, *([audit_put(self.table, audit)] if audit else [])])
        current = self.get_proposal(municipality, process, slug)
        if current is None:
            raise NotStored()
        if refused:
            raise StatusMismatch(current.status)
        return current

    def get_contact(self, municipality: str, process: str, slug: str) -> str | None:
        item = self._get(private_pk(municipality, process), f"CONTACT#{slug}")
        return item["contact"] if item else None

    # --- comments ------------------------------------------------------------------------------
    def add_comment(self, comment: CommentRecord) -> tuple[CommentRecord, bool]:
        m, p = comment.municipality, comment.process
        if not self._create({"PK": proc_pk(m, p), "SK": f"COMMENT#{comment.proposal}#{comment.id}",
                             **asdict(comment)}):
            existing = self.get_comment(m, p, comment.proposal, comment.id)
            assert existing is not None
            return existing, False
        return comment, True

    def get_comment(self, municipality: str, process: str, proposal: str, comment_id: str
                    ) -> CommentRecord | None:
        item = self._get(proc_pk(municipality, process), f"COMMENT#{proposal}#{comment_id}")
        return _comment(item) if item else None

    def list_comments(self, municipality: str, process: str, proposal: str | None = None
                      ) -> list[CommentRecord]:
        prefix = f"COMMENT#{proposal}#" if proposal else "COMMENT#"
        found = [_comment(i) for i in self._query(proc_pk(municipality, process), prefix)]
        return sorted(found, key=lambda c: (c.proposal, c.created_at, c.id))

    def report_comment(self, municipality: str, process: str, proposal: str, comment_id: str,
                       reporter: str, threshold: int) -> CommentRecord:
        pk = proc_pk(municipality, process)
        key = {"PK": {"S": pk}, "SK": {"S": f"COMMENT#{proposal}#{comment_id}"}}
        items = [
            self._put_new({"PK": pk, "SK": f"REPORT#{proposal}#{comment_id}#{reporter}"}),
            {"Update": {"TableName": self.table, "Key": key, "UpdateExpression": "ADD #reports :one",
                        "ExpressionAttributeNames": {"#reports": "reports"},
                        "ConditionExpression": "attribute_exists(PK)",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        ]
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as err:
            codes = cancellation_reasons(err)
            if codes[1:2] == ["ConditionalCheckFailed"]:
                raise NotStored() from None
            if codes[:1] == ["ConditionalCheckFailed"]:
                raise AlreadyExists() from None
            raise
        try:
            self.client.update_item(TableName=self.table, Key=key, UpdateExpression="SET #hidden = :t",
                                    ConditionExpression="#reports >= :n AND #hidden = :f",
                                    ExpressionAttributeNames={"#hidden": "hidden", "#reports": "reports"},
                                    ExpressionAttributeValues={":t": {"BOOL": True}, ":f": {"BOOL": False},
                                                               ":n": {"N": str(threshold)}})
        except ClientError as err:
            if not _condition_failed(err):
                raise
        comment = self.get_comment(municipality, process, proposal, comment_id)
        assert comment is not None
        return comment

    # --- supports -------------------------------------------------------------------------------
    def add_support(self, municipality: str, process: str, proposal: str, supporter: str, at: datetime,
                    birth: str | None = None) -> bool:
        return self._create({"PK": proc_pk(municipality, process), "SK": f"SUPPORT#{proposal}#{supporter}",
                             "at": at, "birth_hash": birth})

    def void_support(self, municipality: str, process: str, proposal: str, supporter: str, at: datetime,
                     reason: str, voided_by: str, audit: AuditEntry) -> None:
        pk = proc_pk(municipality, process)
        existing = self._get(pk, f"SUPPORT#{proposal}#{supporter}")
        if existing is None:
            raise NotStored()
        kept = _item({"PK": pk, "SK": f"VOIDSUPPORT#{proposal}#{supporter}#{at.isoformat()}",
                      "at": existing.get("at"), "birth_hash": existing.get("birth_hash"), "voided_at": at,
                      "void_reason": reason, "voided_by": voided_by})
        items = [
            {"Delete": {"TableName": self.table, "Key": {"PK": {"S": pk}, "SK": {"S": f"SUPPORT#{proposal}#{supporter}"}},
                        "ConditionExpression": "attribute_exists(PK)"}},
            {"Put": {"TableName": self.table, "Item": kept, "ConditionExpression": "attribute_not_exists(PK)"}},
            audit_put(self.table, audit),
        ]
        if not self._create_all(items):  # the first item's condition: the ballot or support moved on
            raise NotStored()

    def support_birth(self, municipality: str, process: str, proposal: str, supporter: str) -> str | None:
        item = self._get(proc_pk(municipality, process), f"SUPPORT#{proposal}#{supporter}")
        return item.get("birth_hash") if item else None

    def list_supports(self, municipality: str, process: str, proposal: str | None = None) -> list[SupportRecord]:
        prefix = f"SUPPORT#{proposal}#" if proposal else "SUPPORT#"
        found = self._query(proc_pk(municipality, process), prefix, projection="SK, #at", names={"#at": "at"})
        return [SupportRecord(item["SK"].split("#")[1], _time(item["at"])) for item in found]  # type: ignore[arg-type]

    # --- ballots -------------------------------------------------------------------------------
    def _ballot_item(self, b: BallotRecord) -> dict[str, Any]:
        return ballot_item(b)

    def cast_ballot(self, ballot: BallotRecord) -> tuple[BallotRecord, bool]:
        """One conditional PutItem; the consumed capacity DynamoDB reports is kept for the benchmark."""
        m, p = ballot.municipality, ballot.process
        try:
            response = self.client.put_item(TableName=self.table, Item=self._ballot_item(ballot),
                                            ConditionExpression="attribute_not_exists(PK)",
                                            ReturnConsumedCapacity="TOTAL")
        except ClientError as err:
            if not _condition_failed(err):
                raise
            existing = self.get_ballot(m, p, ballot.receipt)
            assert existing is not None
            return existing, False
        self.last_consumed_capacity = [response["ConsumedCapacity"]] if "ConsumedCapacity" in response else []
        return ballot, True

    def change_ballot(self, ballot: BallotRecord) -> BallotRecord:
        """A read, then ONE `UpdateItem` conditioned on the version read (a duplicate attempt of the
        same update — a retry after a lost answer — is refused by it and found stored, never appended
        twice); a change that lost the race to another change of the same ballot is tried again on
        top of it (a few times)."""
        m, p = ballot.municipality, ballot.process
        for _ in range(MAX_CHANGE_ATTEMPTS):
            existing = self.get_ballot(m, p, ballot.receipt)  # a read; the cast's version, if never changed
            if existing is None or existing.ballot_id != ballot.ballot_id or existing.birth_hash != ballot.birth_hash:
                raise NotStored()
            if existing.version >= MAX_BALLOT_VERSIONS:
                raise TooManyVersions()
            changed = self._change_ballot_from(ballot, existing)
            if changed is not None:
                return changed
            again = self.get_ballot(m, p, ballot.receipt)
            if again is not None and again.idem_key == ballot.idem_key and again.choices == ballot.choices \
                    and again.version > existing.version:
                return again  # our own update landed: its answer was lost and the attempt repeated
            time.sleep(random.uniform(0, CONFLICT_BACKOFF))
        raise StorageUnavailable("ballot changed concurrently too often")

    def _change_ballot_from(self, ballot: BallotRecord, existing: BallotRecord) -> BallotRecord | None:
        """Append a version on top of `existing`; None if the ballot moved on meanwhile."""
        at = ballot.changed_at or ballot.cast_at
        first = [_ser.serialize(_version(existing.all_versions()[0]))]
        try:
            response = self.client.update_item(
                TableName=self.table,
                Key={"PK": {"S": ballots_pk(ballot.municipality, ballot.process)},
                     "SK": {"S": f"BALLOT#{ballot.receipt}"}},
                UpdateExpression=("SET choices = :c, changed_at = :at, idem_key = :k, idem_digest = :d, "
                                  "versions = list_append(if_not_exists(versions, :first), :v), "
                                  "#version = :next"),
                ConditionExpression=("ballot_id = :id AND #version = :read AND "
                                     + ("birth_hash = :b" if ballot.birth_hash else "attribute_not_exists(birth_hash)")),
                ExpressionAttributeNames={"#version": "version"},
                ExpressionAttributeValues={
                    ":c": _ser.serialize(_plain(ballot.choices)), ":at": {"S": at.isoformat()},
                    ":k": {"S": ballot.idem_key}, ":d": {"S": ballot.idem_digest}, ":first": {"L": first},
                    ":id": {"S": ballot.ballot_id}, **({":b": {"S": ballot.birth_hash}} if ballot.birth_hash else {}),
                    ":read": {"N": str(existing.version)},
                    ":next": {"N": str(existing.version + 1)},
                    ":v": {"L": [_ser.serialize(_version(BallotVersion(at, ballot.choices)))]}},
                ReturnValues="ALL_NEW", ReturnConsumedCapacity="TOTAL",
            )
        except ClientError as err:
            if not _condition_failed(err):
                raise
            return None
        self.last_consumed_capacity = [response["ConsumedCapacity"]] if "ConsumedCapacity" in response else []
        return _ballot(ballot.municipality, ballot.process, _read(response["Attributes"]))

    def get_ballot(self, municipality: str, process: str, receipt: str) -> BallotRecord | None:
        item = self._get(ballots_pk(municipality, process), f"BALLOT#{receipt}")
        return _ballot(municipality, process, item) if item else None

    def iter_ballots(self, municipality: str, process: str) -> Iterator[BallotRecord]:
        for page in self._pages(ballots_pk(municipality, process), "BALLOT#"):
            yield from (_ballot(municipality, process, i) for i in page)

    def void_ballot(self, voided: VoidedBallot, audit: AuditEntry) -> None:
        b = voided.ballot
        pk = ballots_pk(b.municipality, b.process)
        kept = voided_item(voided)
        items = [
            {"Delete": {"TableName": self.table, "Key": {"PK": {"S": pk}, "SK": {"S": f"BALLOT#{b.receipt}"}},
                        "ConditionExpression": "ballot_id = :id AND #version = :v",
                        "ExpressionAttributeNames": {"#version": "version"},
                        "ExpressionAttributeValues": {":id": {"S": b.ballot_id}, ":v": {"N": str(b.version)}}}},
            {"Put": {"TableName": self.table, "Item": kept, "ConditionExpression": "attribute_not_exists(PK)"}},
            audit_put(self.table, audit),
        ]
        if not self._create_all(items):  # the first item's condition: the ballot or support moved on
            raise NotStored()

    def list_voided(self, municipality: str, process: str) -> list[VoidedBallot]:
        found = []
        for item in self._query(ballots_pk(municipality, process), "VOID#"):
            at = _time(item["voided_at"])
            assert at is not None
            found.append(VoidedBallot(_ballot(municipality, process, item), at, item["void_reason"],
                                      item["voided_by"]))
        return found

    # --- the voter roll -------------------------------------------------------------------------
    def put_roll_buckets(self, municipality: str, process: str, version: str,
                         buckets: dict[str, dict[str, str]]) -> None:
        pk = roll_pk(municipality, process, version)
        requests = [{"PutRequest": {"Item": _item({"PK": pk, "SK": f"BUCKET#{name}", "entries": entries})}}
                    for name, entries in buckets.items()]
        self._batch_write(requests)

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        """BatchWriteItem 25 at a time; unprocessed items (throttling) sent again with a short backoff."""
        import time

        for start in range(0, len(requests), 25):
            pending = {self.table: requests[start:start + 25]}
            for attempt in range(8):
                response = self.client.batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}
                if not pending:
                    break
                time.sleep(min(0.05 * 2 ** attempt, 1.0))
            if pending:
                raise RuntimeError("DynamoDB left roll items unprocessed after 8 attempts")

    def switch_roll(self, roll: Roll, expected: str | None, audit: AuditEntry) -> None:
        item = roll_item(roll)
        put: dict[str, Any] = {"TableName": self.table, "Item": item}
        if expected is None:
            put["ConditionExpression"] = "attribute_not_exists(PK)"
        else:
            put["ConditionExpression"] = "version = :expected"
            put["ExpressionAttributeValues"] = {":expected": {"S": expected}}
        if not self._create_all([{"Put": put}, audit_put(self.table, audit)]):
            raise RollChanged()

    def get_roll(self, municipality: str, process: str) -> Roll | None:
        item = self._get(proc_pk(municipality, process), "ROLL")
        return roll_from_item(municipality, process, item) if item is not None else None

    def roll_bucket(self, municipality: str, process: str, version: str, bucket: str) -> dict[str, str]:
        item = self._get(roll_pk(municipality, process, version), f"BUCKET#{bucket}")
        return dict(item["entries"]) if item else {}

    def delete_roll_version(self, municipality: str, process: str, version: str) -> None:
        pk = roll_pk(municipality, process, version)
        keys = [i["SK"] for i in self._query(pk, "BUCKET#", projection="PK, SK")]
        self._batch_write([{"DeleteRequest": {"Key": {"PK": {"S": pk}, "SK": {"S": sk}}}} for sk in keys])

    # --- after-commit effects ------------------------------------------------------------------
    def pending_effects(self, municipality: str | None = None) -> list[PendingEffect]:
        prefix = f"EFFECT#{municipality}#" if municipality else "EFFECT#"
        return oldest_first(_effect(i) for i in self._query(EFFECTS_PK, prefix))

    def effects_done(self, effects: Collection[PendingEffect]) -> None:
        for e in effects:  # rare and few (one per change); a delete of a gone item is no error
            self.client.delete_item(TableName=self.table,
                                    Key={"PK": {"S": EFFECTS_PK}, "SK": {"S": effect_sk(e)}})

    # --- backup and restore --------------------------------------------------------------------
    def export_items(self, municipality: str, processes: Collection[str],
                     contacts: bool = False) -> Iterator[StoredItem]:
        """One paginated `Query` per partition (no scan: the table may hold 7,850 municipalities)."""
        for p in sorted(processes):
            yield from query_items(self.client, self.table, proc_pk(municipality, p))
            roll = self.get_roll(municipality, p)
            if roll is not None:  # the version in force (older ones are dropped once replaced)
                yield from query_items(self.client, self.table, roll_pk(municipality, p, roll.version))
            yield from query_items(self.client, self.table, ballots_pk(municipality, p))
            if contacts:
                yield from query_items(self.client, self.table, private_pk(municipality, p))
        yield from query_items(self.client, self.table, EFFECTS_PK, f"EFFECT#{municipality}#")

    def import_items(self, items: Iterable[StoredItem]) -> int:
        return put_items(self.client, self.table, items)


def query_items(client: Any, table: str, pk: str, prefix: str = "") -> Iterator[StoredItem]:
    """The partition's items (those whose SK begins with `prefix`) as stored, a page at a time, in
    SK order, strongly consistent: what an export reads."""
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True,
                              "KeyConditionExpression": "PK = :pk",
                              "ExpressionAttributeValues": {":pk": {"S": pk}}}
    if prefix:
        kwargs["KeyConditionExpression"] += " AND begins_with(SK, :prefix)"
        kwargs["ExpressionAttributeValues"][":prefix"] = {"S": prefix}
    while True:
        response = client.query(**kwargs)
        yield from response.get("Items", [])
        if "LastEvaluatedKey" not in response:
            return
        kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def item_to_json(item: StoredItem) -> dict[str, Any]:
    """An item as JSON text can hold it: binary (`B`, `BS`) as base64, as the AWS CLI writes DynamoDB JSON."""
    return {name: _value_to_json(v) for name, v in item.items()}


def item_from_json(item: dict[str, Any]) -> StoredItem:
    """The inverse of `item_to_json` (ValueError on a value that is not DynamoDB JSON)."""
    return {name: _value_from_json(v) for name, v in item.items()}


def _value_to_json(value: dict[str, Any]) -> dict[str, Any]:
    ((kind, v),) = value.items()
    if kind == "B":
        return {kind: base64.b64encode(bytes(v)).decode("ascii")}
    if kind == "BS":
        return {kind: [base64.b64encode(bytes(b)).decode("ascii") for b in v]}
    if kind == "M":
        return {kind: item_to_json(v)}
    if kind == "L":
        return {kind: [_value_to_json(x) for x in v]}
    return {kind: v}


def _value_from_json(value: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError(f"not a DynamoDB attribute value: {value!r:.80}")
    ((kind, v),) = value.items()
    if kind == "B":
        return {kind: base64.b64decode(v, validate=True)}
    if kind == "BS":
        return {kind: [base64.b64decode(b, validate=True) for b in v]}
    if kind == "M":
        return {kind: item_from_json(v)}
    if kind == "L":
        return {kind: [_value_from_json(x) for x in v]}
    if kind not in ("S", "N", "BOOL", "NULL", "SS", "NS"):
        raise ValueError(f"unknown DynamoDB type {kind!r}")
    return {kind: v}


BATCH_WRITE = 25
"""Items per `BatchWriteItem` (DynamoDB's limit)."""


def put_items(client: Any, table: str, items: Iterable[StoredItem], retries: int = 8) -> int:
    """Put every item as given, 25 per `BatchWriteItem`; items DynamoDB leaves unprocessed
    (throttling) are sent again with a growing pause. Returns how many were written."""
    count = 0
    batch: list[StoredItem] = []

    def flush() -> None:
        pending = {table: [{"PutRequest": {"Item": item}} for item in batch]}
        for attempt in range(retries):
            left = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not left:
                return
            pending = left
            time.sleep(min(0.05 * 2 ** attempt, 2.0))
        raise RuntimeError(f"DynamoDB left {len(pending.get(table, []))} items unwritten after {retries} tries")

    for item in items:
        batch.append(item)
        if len(batch) == BATCH_WRITE:
            flush()
            count += len(batch)
            batch = []
    if batch:
        flush()
        count += len(batch)
    return count


def _state(m: str, p: str, item: dict[str, Any]) -> ProcessState | None:
    """The stored state; None if the item holds no phase (only a moderation's version bump)."""
    changed = _time(item.get("changed_at"))
    if "phase" not in item or changed is None:
        return None
    history = tuple(PhaseEntry(e["phase"], datetime.fromisoformat(e["since"])) for e in item.get("history", []))
    return ProcessState(m, p, item["phase"], changed, item.get("change_key", ""), _time(item.get("vote_closed_at")),
                        history=history, proposals_version=item.get("proposals_version", 0))


def _entry(e: PhaseEntry) -> dict[str, Any]:
    return {"phase": e.phase, "since": e.since.isoformat()}


def _proposal(item: dict[str, Any]) -> ProposalRecord:
    f = item.get("feasibility")
    submitted = _time(item["submitted_at"])
    assert submitted is not None
    return ProposalRecord(
        municipality=item["municipality"], process=item["process"], slug=item["slug"], title=item["title"],
        summary=item.get("summary", ""), description=item.get("description", ""), category=item["category"],
        village=item.get("village"), cost=item.get("cost"), author=item["author"], submitted_at=submitted,
        status=item["status"], feasibility=Feasibility(**f) if f else None, idem_key=item.get("idem_key", ""),
        idem_digest=item.get("idem_digest", ""),
    )


def _comment(item: dict[str, Any]) -> CommentRecord:
    created = _time(item["created_at"])
    assert created is not None
    return CommentRecord(
        municipality=item["municipality"], process=item["process"], proposal=item["proposal"], id=item["id"],
        author=item["author"], text=item["text"], created_at=created, parent_id=item.get("parent_id"),
        reports=item.get("reports", 0), hidden=item.get("hidden", False), idem_key=item.get("idem_key", ""),
        idem_digest=item.get("idem_digest", ""),
    )


def _ballot(m: str, p: str, item: dict[str, Any]) -> BallotRecord:
    cast = _time(item["cast_at"])
    assert cast is not None
    return BallotRecord(
        municipality=m, process=p, ballot_id=item["ballot_id"], choices=item["choices"],
        receipt=item["receipt"], cast_at=cast, changed_at=_time(item.get("changed_at")),
        version=item.get("version", 1), idem_key=item.get("idem_key", ""), idem_digest=item.get("idem_digest", ""),
        versions=tuple(BallotVersion(_time(v["at"]), v["choices"]) for v in item.get("versions", [])),  # type: ignore[arg-type]
        birth_hash=item.get("birth_hash"), village=item.get("village"),
    )


def ballot_item(b: BallotRecord) -> dict[str, Any]:
    return _item({
        "PK": ballots_pk(b.municipality, b.process), "SK": f"BALLOT#{b.receipt}",
        "ballot_id": b.ballot_id, "choices": b.choices, "receipt": b.receipt, "cast_at": b.cast_at,
        "changed_at": b.changed_at, "version": b.version, "idem_key": b.idem_key,
        "idem_digest": b.idem_digest or None,
        "versions": [_version(v) for v in b.versions] or None,  # only once changed (keeps the put small)
        "birth_hash": b.birth_hash, "village": b.village,
    })


def voided_item(v: VoidedBallot) -> dict[str, Any]:
    """A voided ballot as kept: the ballot's item under `VOID#<receipt>#<when>`, with who, when, why."""
    return {**ballot_item(v.ballot), "SK": {"S": f"VOID#{v.ballot.receipt}#{v.voided_at.isoformat()}"},
            **_item({"voided_at": v.voided_at, "void_reason": v.reason, "voided_by": v.voided_by})}


def roll_item(roll: Roll) -> dict[str, Any]:
    """The pointer to the roll version in force (`PROC#…`, `ROLL`)."""
    return _item({"PK": proc_pk(roll.municipality, roll.process), "SK": "ROLL", "version": roll.version,
                  "uploaded_at": roll.uploaded_at, "count": roll.count,
                  "villages": {str(k): v for k, v in roll.villages.items()}})


def roll_from_item(m: str, p: str, item: dict[str, Any]) -> Roll:
    at = _time(item["uploaded_at"])
    assert at is not None
    return Roll(m, p, item["version"], at, item["count"], {int(k): v for k, v in item.get("villages", {}).items()})


def _effect_item(e: PendingEffect) -> dict[str, Any]:
    return _item({"PK": EFFECTS_PK, "SK": effect_sk(e), **asdict(e)})


def _effect(item: dict[str, Any]) -> PendingEffect:
    recorded = _time(item["recorded_at"])
    assert recorded is not None
    return PendingEffect(municipality=item["municipality"], process=item["process"], kind=item["kind"],
                         id=item["id"], recorded_at=recorded, cause=item.get("cause", ""))


def _version(v: BallotVersion) -> dict[str, Any]:
    return {"at": v.at.isoformat(), "choices": _plain(v.choices)}
