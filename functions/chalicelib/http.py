"""Route helpers: the one error shape, CORS for the site origin, JSON bodies and idempotency keys."""

from __future__ import annotations

import functools
import logging
import os
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from chalice import Blueprint, CORSConfig, Response

from chalicelib.errors import ApiError, BadRequest, DatabaseBusy, error_response
from chalicelib.storage.busy import StorageUnavailable, request_budget

log = logging.getLogger("prachakhom.api")
F = TypeVar("F", bound=Callable[..., Any])

CORS = CORSConfig(
    allow_origin=os.environ.get("PRACHAKHOM_SITE_ORIGIN", "*"),
    allow_headers=["Idempotency-Key", "Authorization"],
    expose_headers=["Idempotency-Key"],
    max_age=600,
)


def api(view: F) -> F:
    """Render ApiError (any 4xx we raise) in the one error shape; a busy or failing database as 503
    with `Retry-After` (storage starts no attempt past the request's budget: `request_budget`)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with request_budget():
                return view(*args, **kwargs)
        except ApiError as err:
            if err.STATUS_CODE >= 500:
                log.error("api error: %s", err)
            return error_response(err)
        except StorageUnavailable as err:
            log.warning("storage unavailable, answered 503: %s", err)
            return error_response(DatabaseBusy.one("busy", ()))

    return wrapper  # type: ignore[return-value]


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json"})


def created_response(body: dict[str, Any], created: bool) -> Response:
    """201 when the request stored something, 200 when it found it stored (a retry or a repeat)."""
    return json_response(body, 201 if created else 200)


def request_key(bp: Blueprint) -> str:
    """The current request's Idempotency-Key header, or a fresh key."""
    return idempotency_key(bp.current_request.headers.get("idempotency-key"))


MAX_KEY_LENGTH = 200
KEY_CHARACTERS = frozenset(chr(c) for c in range(0x21, 0x7F))
"""Visible ASCII: what a UUID, a ULID or any sane client key is made of (headers are not text)."""


def idempotency_key(header: str | None) -> str:
    """The client's key, or a fresh one (then a retry cannot be recognised: clients should send one);
    400 for a key longer than `MAX_KEY_LENGTH` or with other than visible ASCII characters (two
    different keys must never be cut or decoded into one)."""
    key = (header or "").strip()
    if not key:
        return "auto-" + uuid.uuid4().hex
    if len(key) > MAX_KEY_LENGTH or not set(key) <= KEY_CHARACTERS:
        raise BadRequest.one("invalid_idempotency_key", ("header", "idempotency-key"), maximum=MAX_KEY_LENGTH)
    return key
