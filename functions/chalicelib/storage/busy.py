"""A busy or failing database, as the rest of the API sees it (small: imported at the API's cold start).

`StorageUnavailable` is raised by the repository implementations (the DynamoDB one reads faults in
`storage/faults.py`) and answered by `http.api` with 503 and `Retry-After`; `request_budget` is the
time a request gives storage before it stops trying.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator

REQUEST_BUDGET = 9.0
"""Seconds after a request's start past which storage starts no new attempt (the API function's
timeout is 15 s: an attempt started just before still ends, and the 503 is sent, in time)."""

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("prachakhom_storage_deadline",
                                                                        default=None)


class StorageUnavailable(Exception):
    """The database is busy or failing (throttled, timing out, a transaction conflict retried in
    vain): the request may have stored nothing or everything, never part; sent again (same
    Idempotency-Key) it stores nothing twice. Answered with 503 and `Retry-After`."""


@contextlib.contextmanager
def request_budget(seconds: float = REQUEST_BUDGET) -> Iterator[None]:
    """Storage calls made inside start no attempt later than `seconds` from now (`http.api` opens one
    per request; jobs have none)."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def budget_spent() -> bool:
    """True once the current request's budget is spent (never outside a request)."""
    end = _deadline.get()
    return end is not None and time.monotonic() > end
