"""Faults injected at the boto3 boundary: a `before-send` hook on the DynamoDB client answers an
attempt as a busy or failing DynamoDB would (a throttling or 500 answer, a cancelled transaction, a
read or connect timeout) instead of sending it. botocore's own retry and our fault mapping then run
exactly as they would against AWS.

    with inject(repository.client.raw, kind="throttle", first_call=2) as faults: ...

fails every attempt from the 2nd DynamoDB call of the block on (`first_call=1`: all of them);
`faults.calls` counts the calls made (an API call's attempts count once), `faults.attempts` every
attempt, `faults.failed` the attempts answered with a fault.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

KINDS = ("throttle", "limit", "internal", "unavailable", "read_timeout", "connect_timeout", "no_connection",
         "conflict")
"""Every fault the fault model names (storage/faults.py)."""

_ERRORS = {
    "throttle": (400, "ProvisionedThroughputExceededException", "The level of configured provisioned throughput "
                                                                 "for the table was exceeded."),
    "limit": (400, "RequestLimitExceeded", "Throughput exceeds the current throughput limit for your account."),
    "internal": (500, "InternalServerError", "Internal server error"),
    "unavailable": (503, "ServiceUnavailable", "Service unavailable"),
}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _answer(url: str, status: int, body: dict[str, Any]) -> AWSResponse:
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault-injected"}
    return AWSResponse(url, status, headers, _Raw(json.dumps(body).encode()))


@dataclass
class Faults:
    kind: str
    first_call: int = 1
    operations: frozenset[str] | None = None
    """Only these operations fail (None: all)."""
    limit: int | None = None
    """Fail at most this many attempts (None: every one from `first_call` on)."""
    calls: int = 0
    attempts: int = 0
    failed: int = 0
    seen: list[str] = field(default_factory=list)

    def before_call(self, model: Any, **_: Any) -> None:
        self.calls += 1
        self.seen.append(model.name)

    def before_send(self, request: Any, **_: Any) -> Any:
        self.attempts += 1
        operation = self.seen[-1] if self.seen else ""
        if self.calls < self.first_call or (self.operations is not None and operation not in self.operations):
            return None
        if self.limit is not None and self.failed >= self.limit:
            return None
        self.failed += 1
        if self.kind in _ERRORS:
            status, code, message = _ERRORS[self.kind]
            return _answer(request.url, status, {"__type": f"com.amazonaws.dynamodb.v20120810#{code}",
                                                 "message": message})
        if self.kind == "conflict":
            if operation == "TransactWriteItems":
                reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}]
                return _answer(request.url, 400, {
                    "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                    "message": "Transaction cancelled, please refer cancellation reasons for specific reasons "
                               "[TransactionConflict]", "CancellationReasons": reasons})
            return _answer(request.url, 400, {
                "__type": "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
                "message": "Transaction is ongoing for the item"})
        if self.kind == "read_timeout":
            raise ReadTimeoutError(endpoint_url=request.url)
        if self.kind == "connect_timeout":
            raise ConnectTimeoutError(endpoint_url=request.url)
        if self.kind == "no_connection":
            raise EndpointConnectionError(endpoint_url=request.url)
        raise ValueError(self.kind)


@contextlib.contextmanager
def inject(client: Any, kind: str, first_call: int = 1, operations: set[str] | None = None,
           limit: int | None = None) -> Iterator[Faults]:
    """Fail the client's DynamoDB attempts as `kind` from its `first_call`-th call on (see module doc)."""
    faults = Faults(kind, first_call, frozenset(operations) if operations is not None else None, limit)
    events = client.meta.events
    events.register("before-call.dynamodb", faults.before_call, unique_id="fault-count")
    events.register("before-send.dynamodb", faults.before_send, unique_id="fault-send")
    try:
        yield faults
    finally:
        events.unregister("before-call.dynamodb", unique_id="fault-count")
        events.unregister("before-send.dynamodb", unique_id="fault-send")


@contextlib.contextmanager
def counting(client: Any) -> Iterator[Faults]:
    """Count the client's DynamoDB calls and attempts, failing none."""
    with inject(client, "internal", first_call=10 ** 9) as faults:
        yield faults


def no_backoff(monkeypatch: Any) -> None:
    """botocore's retries without their sleeps (the test counts attempts, not seconds)."""
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
