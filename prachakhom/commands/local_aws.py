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
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

_LOCK = threading.RLock()
_PATCHED = "_prachakhom_serialized"


def serialize_dynamodb() -> bool:
    """Serialize every public method of moto's DynamoDB backend (once per process); True if this
    call applied it."""
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, _PATCHED, False):
        return False
    for name, member in list(vars(DynamoDBBackend).items()):
        if name.startswith("_") or not inspect.isfunction(member):
            continue
        setattr(DynamoDBBackend, name, _serialized(member))
    setattr(DynamoDBBackend, _PATCHED, True)
    return True


def unserialize_dynamodb() -> None:
    """Undo `serialize_dynamodb` (only the test that shows why it exists needs this)."""
    from moto.dynamodb.models import DynamoDBBackend

    if not getattr(DynamoDBBackend, _PATCHED, False):
        return
    for name, member in list(vars(DynamoDBBackend).items()):
        original = getattr(member, "__wrapped__", None)
        if original is not None and getattr(member, _PATCHED, False):
            setattr(DynamoDBBackend, name, original)
    setattr(DynamoDBBackend, _PATCHED, False)


def _serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    setattr(locked, _PATCHED, True)
    return locked


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
