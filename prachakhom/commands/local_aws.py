"""AWS on this machine: moto's server for the local stack and the tests, with DynamoDB made atomic.

moto's DynamoDB backend is not safe under concurrent requests: `transact_write_items` deep-copies the
table, applies the items one by one and, when one is refused, puts the copy back — without a lock.
A write another request made in between is lost, and a reader sees half a transaction (measured: 4 of
20 bursts of 20 identical transactions against one counter left it wrong). Real DynamoDB is atomic,
so a concurrency test against unpatched moto proves nothing.

`serialize_dynamodb()` puts every operation of moto's DynamoDB backend behind one re-entrant lock
(a transaction calls the backend's own put/update/delete inside it): each request then runs alone,
as DynamoDB's isolation promises (serializable transactions, atomic single-item writes). It is
applied once per process, by `start_moto`, which the demo (`prachakhom demo`), the tests and the
benchmarks use to start moto. `tests/test_local_aws.py` shows the lost update without it.

It also makes `TransactWriteItems` idempotent by its `ClientRequestToken`, as DynamoDB is for ten
minutes: botocore gives a transaction one token for all its attempts, so an attempt that timed out
on the client but was applied is, when retried, answered as done instead of applied again or refused
by its own condition (moto ignores the token; under load, a 3 s read timeout is reached on the local
stack and the exactly-once tests then saw a stored transaction reported as refused).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import threading
import time
from collections.abc import Callable
from typing import Any

_LOCK = threading.RLock()
_PATCHED = "_prachakhom_serialized"
TOKEN_SECONDS = 600.0
"""How long DynamoDB recognises a transaction's `ClientRequestToken`."""
_TOKENS: dict[str, tuple[str, float]] = {}
"""Token → (digest of the transaction's items, when it was applied)."""


def serialize_dynamodb() -> bool:
    """Serialize every public method of moto's DynamoDB backend (once per process); True if this
    call applied it."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoDBBackend, _PATCHED, False):
        return False
    for name, member in list(vars(DynamoDBBackend).items()):
        if name.startswith("_") or not inspect.isfunction(member):
            continue
        setattr(DynamoDBBackend, name, _serialized(member))
    DynamoHandler.transact_write_items = _once_per_token(DynamoHandler.transact_write_items)  # type: ignore[method-assign]
    setattr(DynamoDBBackend, _PATCHED, True)
    return True


def unserialize_dynamodb() -> None:
    """Undo `serialize_dynamodb` (only the test that shows why it exists needs this)."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    if not getattr(DynamoDBBackend, _PATCHED, False):
        return
    for cls in (DynamoDBBackend, DynamoHandler):
        for name, member in list(vars(cls).items()):
            original = getattr(member, "__wrapped__", None)
            if original is not None and getattr(member, _PATCHED, False):
                setattr(cls, name, original)
    setattr(DynamoDBBackend, _PATCHED, False)


def _serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    setattr(locked, _PATCHED, True)
    return locked


def _once_per_token(handler: Callable[..., Any]) -> Callable[..., Any]:
    """moto's TransactWriteItems handler, answering a transaction already applied under the same
    `ClientRequestToken` (and the same items) as done, without applying it again."""
    from moto.core.responses import ActionResult

    @functools.wraps(handler)
    def transact(self: Any) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return handler(self)
        items = json.dumps(self.body.get("TransactItems"), sort_keys=True, default=_plain)  # binary values: bytes
        digest = hashlib.sha256(items.encode()).hexdigest()
        with _LOCK:
            now = time.monotonic()
            for old in [t for t, (_, at) in _TOKENS.items() if now - at > TOKEN_SECONDS]:
                del _TOKENS[old]
            if _TOKENS.get(token, ("", 0.0))[0] == digest:
                return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})
            result = handler(self)  # refused: raises, and a retry is tried anew (as on AWS)
            _TOKENS[token] = (digest, now)
            return result

    setattr(transact, _PATCHED, True)
    return transact


def _plain(value: object) -> str:
    return value.hex() if isinstance(value, bytes | bytearray) else repr(value)


def start_moto(host: str, port: int) -> Any:
    """Start moto's server (DynamoDB, S3…) on `host:port` in this process, DynamoDB serialized;
    the caller stops it (`server.stop()`)."""
    import logging

    from moto.server import ThreadedMotoServer

    serialize_dynamodb()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    return server
