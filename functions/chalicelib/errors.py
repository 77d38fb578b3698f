"""One error shape for every 4xx/5xx: `{"ok": false, "errors": [{"loc", "code", "msg"}]}`.

Errors are `ChaliceViewError` subclasses carrying their status code; `error_response` renders any
of them (and Chalice's own `{"Code", "Message"}` errors, via the app's middleware) in that shape.
`msg` is Thai for residents (from `prachakhom.messages`), English for staff-only errors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

from chalice import ChaliceViewError, Response

from prachakhom.messages import message


class ApiError(ChaliceViewError):
    STATUS_CODE = 400
    HEADERS: ClassVar[Mapping[str, str]] = {}
    """Response headers this error always carries (`Retry-After`, `WWW-Authenticate`)."""

    def __init__(self, errors: Sequence[dict[str, Any]]) -> None:
        self.errors = [dict(e) for e in errors]
        self.headers = dict(self.HEADERS)
        super().__init__("; ".join(f"{e['code']}: {e['msg']}" for e in self.errors))

    @classmethod
    def one(cls, code: str, loc: Sequence[str | int] = ("body",), msg: str | None = None,
            **params: object) -> Self:
        return cls([{"loc": list(loc), "code": code, "msg": msg or message(code, **params)}])


class BadRequest(ApiError):
    STATUS_CODE = 400


class Unauthorized(ApiError):
    STATUS_CODE = 401


class Forbidden(ApiError):
    """Signed in, but without a role that allows this here: 403."""

    STATUS_CODE = 403


class NotFound(ApiError):
    STATUS_CODE = 404


class Conflict(ApiError):
    STATUS_CODE = 409


class WrongPhase(Conflict):
    """An action asked for outside the phase that allows it (409, message says when it opens)."""


class Unprocessable(ApiError):
    """Well-formed but refused by the rules (ballot rule, eligibility): 422."""

    STATUS_CODE = 422


class ServiceUnavailable(ApiError):
    """Something the API needs is busy or unreachable (the user pool's keys…): 503, retry later."""

    STATUS_CODE = 503
    HEADERS: ClassVar[Mapping[str, str]] = {"Retry-After": "5"}


def error_body(errors: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"ok": False, "errors": [{"loc": list(e["loc"]), "code": e["code"], "msg": e["msg"]} for e in errors]}


def error_response(err: ApiError) -> Response:
    return Response(body=error_body(err.errors), status_code=err.STATUS_CODE,
                    headers={"Content-Type": "application/json", **err.headers})


CHALICE_CODES = {
    400: "invalid", 403: "not_found", 404: "not_found", 405: "method_not_allowed",
    415: "unsupported_media_type", 500: "internal",
}


def reshape_chalice_error(response: Response) -> Response:
    """Chalice's own errors (405, 415, unhandled 500…) into the one shape."""
    body = response.body
    if response.status_code < 400 or not (isinstance(body, dict) and set(body) == {"Code", "Message"}):
        return response
    code = CHALICE_CODES.get(response.status_code, "invalid")
    response.body = error_body([{"loc": [], "code": code, "msg": message(code)}])
    return response
