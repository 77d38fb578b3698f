"""The one place that reads a busy or failing DynamoDB: what is retried, for how long, and what the
rest of the API is told (`StorageUnavailable`, which `chalicelib.http.api` answers with 503 and
`Retry-After`).

Fault model (what can go wrong between the function and the table, and what we do):

* **throttled** — ProvisionedThroughputExceeded, Throttling, RequestLimitExceeded (a hot partition,
  the account's limits): botocore's *standard* retry mode retries them with exponential backoff and
  full jitter, at most `MAX_ATTEMPTS` attempts per call; then `StorageUnavailable`.
* **failing** — InternalServerError, ServiceUnavailable (HTTP 5xx), connect/read timeouts, a
  refused or dropped connection: retried the same way (each write is one conditional request or one
  transaction, so a retried write whose first attempt did land is refused by its own condition and
  read back, never stored twice; botocore gives a transaction one `ClientRequestToken` for all its
  attempts, so DynamoDB itself recognises the repeat); then `StorageUnavailable`.
* **transaction conflict** — a transaction cancelled because another one touched one of its items
  at the same moment (reason `TransactionConflict`; also throttling reasons inside a cancellation):
  nothing was written, so it is retried here (`transact`) with full jitter, at most `MAX_ATTEMPTS`
  times; then `StorageUnavailable`. Never read as "already exists".
* **refused condition** — `ConditionalCheckFailed`, alone or among a cancelled transaction's reasons:
  an answer, not a fault; the repository reads what it means (exists, wrong status…).
* anything else (a validation error: a bug) is raised as it is: a 500 in the one error shape, logged.

Time: a request may make several calls, so besides the per-attempt timeouts every attempt checks the
request's budget (`busy.request_budget`, opened by `http.api` for each request): an attempt
that would start after it is not started, and the request answers 503 while the function has time
left to answer (API function timeout 15 s; `REQUEST_BUDGET` + one attempt's worst case
`CONNECT_TIMEOUT` + `READ_TIMEOUT` stays below it). Nothing here differs between moto and AWS but
the endpoint.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.storage.busy import StorageUnavailable, budget_spent

MAX_ATTEMPTS = 3
"""Attempts per DynamoDB call (botocore's `total_max_attempts`) and per cancelled transaction."""
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 3.0
"""Seconds per attempt (DynamoDB answers in milliseconds; a slower answer is a failing attempt)."""
CONFLICT_BACKOFF = 0.05
"""Base of the full-jitter backoff between attempts of a conflicting transaction (seconds)."""

MAX_CONNECTIONS = 50
"""Kept-alive connections to DynamoDB (a Lambda uses one at a time; the local server many at once)."""

RETRYABLE_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "RequestLimitExceeded",
    "LimitExceededException", "InternalServerError", "InternalFailure", "ServiceUnavailable",
    "ServiceUnavailableException", "TransactionConflictException", "TransactionInProgressException",
    "RequestTimeout", "RequestTimeoutException",
})
"""Error codes of a call that a later identical call may pass."""
RETRYABLE_REASONS = frozenset({
    "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded",
    "InternalServerError",
})
"""Cancellation reasons of a transaction that a later identical transaction may pass."""

def client_config() -> Config:
    """botocore's settings for the DynamoDB client (AWS and the local stack alike)."""
    return Config(retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
                  connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT, tcp_keepalive=True,
                  max_pool_connections=MAX_CONNECTIONS)


class MappedClient:
    """A boto3 DynamoDB client whose calls raise `StorageUnavailable` for faults (answers and bugs as
    they are), whose transactions are retried on conflict (`transact`), and which starts no attempt
    after the current request's budget is spent. The repository talks only to this."""

    def __init__(self, client: Any) -> None:
        client.meta.events.register_first("before-send.dynamodb", _check_deadline,
                                          unique_id="prachakhom-storage-deadline")
        self.raw = client

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.raw, name)
        if name == "transact_write_items":
            return lambda **kwargs: transact(self.raw, **kwargs)
        if not callable(method) or name in ("get_paginator", "get_waiter", "can_paginate"):
            return method
        return lambda *args, **kwargs: translated(method, *args, **kwargs)


def _check_deadline(**_: Any) -> None:
    if budget_spent():
        raise StorageUnavailable("request budget spent before the next DynamoDB attempt")


def cancellation_reasons(err: ClientError) -> list[str]:
    """Why a cancelled transaction refused each of its items ("None": not that one); [] if `err` is
    not a cancelled transaction."""
    if err.response["Error"]["Code"] != "TransactionCanceledException":
        return []
    return [r.get("Code") or "None" for r in err.response.get("CancellationReasons") or []]


def unavailable(err: Exception) -> StorageUnavailable | None:
    """`err` as the fault it is, if it is one (see the module doc); None for an answer or a bug."""
    if isinstance(err, StorageUnavailable):
        return err
    if isinstance(err, ClientError):
        code = err.response.get("Error", {}).get("Code", "")
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        reasons = cancellation_reasons(err)
        if reasons:
            if "ConditionalCheckFailed" in reasons or not RETRYABLE_REASONS & set(reasons):
                return None
            return StorageUnavailable(f"transaction cancelled: {', '.join(reasons)}")
        if code in RETRYABLE_CODES or status >= 500:
            return StorageUnavailable(f"{code or status}: {err}")
        return None
    if isinstance(err, BotoCoreError):  # timeouts, refused or dropped connections, exhausted retries
        return StorageUnavailable(f"{type(err).__name__}: {err}")
    return None


def translated(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`call(*args, **kwargs)`, a fault raised as `StorageUnavailable` (answers and bugs as they are)."""
    try:
        return call(*args, **kwargs)
    except (ClientError, BotoCoreError) as err:
        fault = unavailable(err)
        if fault is None:
            raise
        raise fault from err


def transact(client: Any, sleep: Callable[[float], None] = time.sleep, **kwargs: Any) -> dict[str, Any]:
    """`TransactWriteItems(**kwargs)`, retried with full jitter while it is cancelled only by
    conflicts or throttling (nothing was written); a refused condition is raised as the ClientError
    it is."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            response: dict[str, Any] = client.transact_write_items(**kwargs)
            return response
        except ClientError as err:
            fault = unavailable(err)
            if fault is None or not cancellation_reasons(err):
                if fault is None:
                    raise
                raise fault from err
            if attempt == MAX_ATTEMPTS - 1:
                raise fault from err
            sleep(random.uniform(0, CONFLICT_BACKOFF * 2 ** attempt))
        except BotoCoreError as err:
            raise (unavailable(err) or StorageUnavailable(str(err))) from err
    raise AssertionError("unreachable")
