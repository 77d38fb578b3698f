"""The local stack's DynamoDB (moto) is atomic under concurrency once serialized: bursts of concurrent
transactions against one counter, some refused (their rollback is what loses other writes in
unpatched moto), leave the counter equal to the transactions that went through."""

from __future__ import annotations

import uuid

import pytest

from tests.api_fixtures import dynamodb_client, run_together  # isort: skip  (starts the serialized moto)

THREADS = 12
BURSTS = 4


def _burst(client, table: str, burst: int) -> tuple[int, int]:
    """THREADS transactions at once, each +1 on the counter and a new marker item; half of them also
    put a marker that already exists (refused: nothing written). Returns (went through, counter)."""

    def transaction(i: int):
        def run() -> bool:
            marker = f"dup-{burst}" if i % 2 else f"m-{burst}-{i}"
            try:
                client.transact_write_items(TransactItems=[
                    {"Update": {"TableName": table, "Key": {"PK": {"S": "C"}, "SK": {"S": "C"}},
                                "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                    {"Put": {"TableName": table, "Item": {"PK": {"S": "M"}, "SK": {"S": marker}},
                             "ConditionExpression": "attribute_not_exists(PK)"}},
                ])
            except client.exceptions.TransactionCanceledException:
                return False
            return True
        return run

    results = run_together([transaction(i) for i in range(THREADS)])
    assert all(isinstance(r, bool) for r in results), results
    counter = client.get_item(TableName=table, Key={"PK": {"S": "C"}, "SK": {"S": "C"}})["Item"]["n"]["N"]
    return sum(results), int(counter)


@pytest.fixture
def table():
    from chalicelib.storage.dynamodb import create_table

    client = dynamodb_client()
    name = f"lock-{uuid.uuid4().hex[:10]}"
    create_table(client, name)
    filler = [{"PutRequest": {"Item": {"PK": {"S": "F"}, "SK": {"S": f"{i:04d}"}, "pad": {"S": "x" * 200}}}}
              for i in range(200)]  # a table of some size: moto's copy-and-restore takes a while
    for i in range(0, len(filler), 25):
        client.batch_write_item(RequestItems={name: filler[i:i + 25]})
    client.put_item(TableName=name, Item={"PK": {"S": "C"}, "SK": {"S": "C"}, "n": {"N": "0"}})
    return client, name


def test_concurrent_transactions_are_atomic_on_the_local_stack(table):
    client, name = table
    went_through = 0
    for burst in range(BURSTS):
        done, counter = _burst(client, name, burst)
        went_through += done
        assert counter == went_through, f"burst {burst}: counter {counter}, transactions that went through {went_through}"
        markers = client.query(TableName=name, KeyConditionExpression="PK = :m",
                               ExpressionAttributeValues={":m": {"S": "M"}})["Count"]
        assert markers == went_through


def test_unserialized_moto_loses_writes(table):
    """Why the lock exists: the same bursts against moto as it ships lose writes (a refused
    transaction puts back a copy of the table taken before the others wrote)."""
    from prachakhom.commands.local_aws import serialize_dynamodb, unserialize_dynamodb

    client, name = table
    unserialize_dynamodb()
    try:
        went_through, lost = 0, False
        for burst in range(4 * BURSTS):
            done, counter = _burst(client, name, burst)
            went_through += done
            if counter != went_through:
                lost = True
                break
    finally:
        serialize_dynamodb()
    assert lost, "moto kept every write without the lock: is the lock still needed?"


def test_a_transaction_retried_with_its_token_is_applied_once(table):
    """As on DynamoDB (botocore sends one ClientRequestToken for all attempts of a call): an attempt
    that was applied but whose answer was lost is, when retried, answered as done — neither applied
    again nor refused by its own condition. Another token is another transaction."""
    client, name = table
    items = [{"Update": {"TableName": name, "Key": {"PK": {"S": "C"}, "SK": {"S": "C"}},
                         "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
             {"Put": {"TableName": name, "Item": {"PK": {"S": "M"}, "SK": {"S": "once"}},
                      "ConditionExpression": "attribute_not_exists(PK)"}}]
    token = uuid.uuid4().hex
    for _ in range(3):
        client.transact_write_items(TransactItems=items, ClientRequestToken=token)
    counter = client.get_item(TableName=name, Key={"PK": {"S": "C"}, "SK": {"S": "C"}})["Item"]["n"]["N"]
    assert counter == "1"
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(TransactItems=items, ClientRequestToken=uuid.uuid4().hex)


def test_a_transaction_with_binary_values_goes_through(table):
    """Binary attributes (the content store keeps files as `B`) do not stop the token check."""
    client, name = table
    client.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": {
        "PK": {"S": "B"}, "SK": {"S": "1"}, "data": {"B": b"\x00\xffPK"}}}}])
    item = client.get_item(TableName=name, Key={"PK": {"S": "B"}, "SK": {"S": "1"}})["Item"]
    assert item["data"]["B"] == b"\x00\xffPK"
