"""Route helpers: the one error shape, CORS for the site origin, JSON bodies and idempotency keys."""

from __future__ import annotations

import functools
import logging
import os
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from chalice import Blueprint, CORSConfig, Response

from chalicelib.errors import ApiError, error_response

log = logging.getLogger("prachakhom.api")
F = TypeVar("F", bound=Callable[..., Any])

CORS = CORSConfig(
    allow_origin=os.environ.get("PRACHAKHOM_SITE_ORIGIN", "*"),
    allow_headers=["Idempotency-Key", "Authorization"],
    expose_headers=["Idempotency-Key"],
    max_age=600,
)


def api(view: F) -> F:
    """Render ApiError (any 4xx we raise) in the one error shape."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ApiError as err:
            if err.STATUS_CODE >= 500:
                log.error("api error: %s", err)
            return error_response(err)

    return wrapper  # type: ignore[return-value]


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": "application/json"})


def created_response(body: dict[str, Any], created: bool) -> Response:
    """201 when the request stored something, 200 when it found it stored (a retry or a repeat)."""
    return json_response(body, 201 if created else 200)


def request_key(bp: Blueprint) -> str:
    """The current request's Idempotency-Key header, or a fresh key."""
    return idempotency_key(bp.current_request.headers.get("idempotency-key"))


def idempotency_key(header: str | None) -> str:
    """The client's key, or a fresh one (then a retry cannot be recognised: clients should send one)."""
    key = (header or "").strip()
    return key[:200] if key else "auto-" + uuid.uuid4().hex
