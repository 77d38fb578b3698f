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


RETRY_AFTER_SECONDS = 3
"""What `Retry-After` asks of a client told the database is busy (DynamoDB throttling clears within
seconds); API Gateway's own throttling and timeouts say the same (`gateway_response`)."""


class DatabaseBusy(ServiceUnavailable):
    """The database is busy or failing: 503 with `Retry-After` (the same request may be sent again;
    it stores nothing twice)."""

    HEADERS: ClassVar[Mapping[str, str]] = {"Retry-After": str(RETRY_AFTER_SECONDS)}


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


GATEWAY_RESPONSES: dict[str, tuple[int, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": (404, "not_found"),
    "RESOURCE_NOT_FOUND": (404, "not_found"),
    "REQUEST_TOO_LARGE": (413, "body_too_large"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "unsupported_media_type"),
    "THROTTLED": (503, "busy"),
    "QUOTA_EXCEEDED": (503, "busy"),
    "INTEGRATION_TIMEOUT": (503, "busy"),
    "INTEGRATION_FAILURE": (503, "busy"),
    "DEFAULT_4XX": (400, "invalid"),
    "DEFAULT_5XX": (503, "busy"),
}
"""What API Gateway answers by itself (no function runs): gateway response type → (status, code), in
the one error shape. API Gateway answers a path or method no route has with 403 "Missing
Authentication Token" — here a 404; its throttling (429) and a function that timed out or failed
(504/502) become 503 with `Retry-After` (a retry with the same Idempotency-Key is safe). The stack
template's gateway responses are made from this table (`gateway_response`), and the local server
(`prachakhom.commands.api_local`) answers unknown paths with it."""


def gateway_response(kind: str) -> tuple[int, dict[str, str], str]:
    """(status, headers, JSON body) of one gateway response (`GATEWAY_RESPONSES`)."""
    import json

    status, code = GATEWAY_RESPONSES[kind]
    headers = {"Content-Type": "application/json"}
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    body = json.dumps(error_body([{"loc": [], "code": code, "msg": message(code, maximum="10 MB")}]),
                      ensure_ascii=False)
    return status, headers, body
