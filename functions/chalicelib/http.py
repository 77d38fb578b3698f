"""Route helpers: the one error shape, CORS for the site origin, JSON bodies and idempotency keys."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

from chalice import CORSConfig, Response

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
