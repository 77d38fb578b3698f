"""Request bodies, validated with pydantic before anything else happens.

Every model forbids unknown fields; every failure becomes a 400 in the one error shape with a Thai
`msg` per field (`loc` starts with "body"). Money and points are strict integers. Every route reads
its body through `parse_body`, which refuses before parsing deeper: a body over `MAX_BODY_BYTES`, a
body nested deeper than `MAX_DEPTH` (a 2 KB body nested 968 deep exhausts Python's recursion), a
number of more than `MAX_NUMBER_DIGITS` digits (int() of 4,301 digits raises; a 39-digit amount
cannot be stored), NaN and Infinity (not JSON).
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from chalicelib.errors import BadRequest, Unprocessable
from prachakhom.messages import message
from prachakhom.models import MANY_LINES, MAX_POINTS, ONE_LINE, STRICT_TEXT, Money

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=80)]
Points = Annotated[int, Field(strict=True, ge=-MAX_POINTS, le=MAX_POINTS)]
"""Bounded to what a points ballot can hand out (the rule's own limits, and that points are
positive, are the core's check: 422 with its message)."""
PotKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]


def text(max_length: int, min_length: int = 1) -> StringConstraints:
    """Resident text: whitespace stripped, then between `min_length` and `max_length` characters;
    then (`ONE_LINE`/`MANY_LINES`) the core's one text rule (`prachakhom.text.clean_text`: NFC,
    line breaks; refused with its Thai message: controls, bidi overrides, nothing readable)."""
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProposalIn(Body):
    title: Annotated[str, text(200), ONE_LINE]
    summary: Annotated[str, text(500, 0), MANY_LINES] = ""
    description: Annotated[str, text(5000, 0), MANY_LINES] = ""
    category: Slug
    village: Annotated[int, Field(strict=True, ge=1, le=99)] | None = None
    cost: Money | None = None
    author: Annotated[str, text(80), ONE_LINE]
    contact: Annotated[str, text(200, 0), ONE_LINE] | None = None
    """Phone or e-mail so staff can call back: stored apart, staff-only, never published."""


class CommentIn(Body):
    text: Annotated[str, text(2000), MANY_LINES]
    author: Annotated[str, text(80), ONE_LINE]
    parent_id: Annotated[str, StringConstraints(pattern=r"^c[0-9a-f]{12}$")] | None = None


ReporterToken = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16,64}$")]


class ReportIn(Body):
    reason: Annotated[str, text(500, 0), MANY_LINES] = ""
    reporter: ReporterToken
    """A random id the page keeps in localStorage (assets/pk-comments.js): reports count once per
    distinct reporter (best effort without login: clearing the browser's storage makes a new one)."""


class IdentityIn(Body):
    """Eligibility, as for a ballot: national ID + birth date (checked, then only an HMAC is stored)."""

    national_id: Annotated[str, text(20)]
    birth_date: date


class SupportIn(IdentityIn):
    pass


class BallotIn(IdentityIn):
    choices: Annotated[dict[PotKey, Annotated[list[Slug], Field(max_length=500)] | dict[Slug, Points]],
                       Field(max_length=200)]

    def choices_by_pot(self, points: bool) -> dict[str, dict[str, int]]:
        """`{pot: {slug: points}}` (a list gives 1 point each); 422 for the wrong form for the
        ballot rule (a list under a points rule, or points under any other) or a slug twice."""
        out: dict[str, dict[str, int]] = {}
        errors = []
        for pot, chosen in self.choices.items():
            if points and isinstance(chosen, list):
                errors.append({"loc": ["body", "choices", pot], "code": "points_expected",
                               "msg": message("points_expected")})
            elif not points and isinstance(chosen, dict):
                errors.append({"loc": ["body", "choices", pot], "code": "list_expected",
                               "msg": message("list_expected")})
            elif isinstance(chosen, list):
                dupes = sorted({s for s in chosen if chosen.count(s) > 1})
                errors += [{"loc": ["body", "choices", pot, s], "code": "duplicate_project",
                            "msg": message("duplicate_project", project=s)} for s in dupes]
                out[pot] = dict.fromkeys(chosen, 1)
            else:
                out[pot] = dict(chosen)
        if errors:
            raise Unprocessable(errors)
        return out


class PhaseChangeIn(Body):
    expected_phase: Slug | None = None
    """The phase the staff member saw; refused (409) if the process has moved on meanwhile."""


class ModerationIn(Body):
    decision: Literal["approve", "reject", "feasible", "infeasible"]
    answer: Annotated[str, text(2000, 0), MANY_LINES] = ""
    revised_cost: Money | None = None


M = TypeVar("M", bound=Body)


MAX_BODY_BYTES = 64 * 1024
"""The largest body read: a proposal at its longest (5,000 + 500 + 200 Thai characters, each sent
as a 6-byte `\\uXXXX` escape by some clients) is about 36 KB."""
MAX_DEPTH = 8
"""Arrays and objects inside each other: the deepest body (a points ballot) has 3."""
MAX_NUMBER_DIGITS = 30
"""Digits in one number: far below what makes int() slow or DynamoDB refuse (38), above what any field
takes (money is at most 12 digits, `prachakhom.models.MAX_BAHT`), so a mistyped amount still meets its
field's own bound and its message ("ต้องไม่เกิน 100,000,000,000")."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class _Refused(ValueError):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def parse_body(model: type[M], raw: str | bytes | None) -> M:
    """Decode JSON and validate; BadRequest (400, one error shape) on anything wrong, the limits
    checked before parsing deeper."""
    data = read_json(raw)
    if not isinstance(data, dict):
        raise BadRequest.one("model_type")
    try:
        return model.model_validate(data, context=STRICT_TEXT)
    except ValidationError as err:
        raise BadRequest([_error(e) for e in err.errors()]) from None


def read_json(raw: str | bytes | None) -> Any:
    """The JSON value of a request body ({} when empty) within the limits above, else BadRequest."""
    if not raw:
        return {}
    size = len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    if size > MAX_BODY_BYTES:
        raise BadRequest.one("body_too_large", maximum=MAX_BODY_BYTES)
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        if _depth(text) > MAX_DEPTH:
            raise _Refused("body_too_deep", maximum=MAX_DEPTH)
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except _Refused as refused:
        raise BadRequest.one(refused.code, ("body",), message(refused.code, **refused.params)) from None
    except (UnicodeError, ValueError):  # JSONDecodeError is a ValueError
        raise BadRequest.one("invalid_json") from None


def _depth(text: str) -> int:
    """How deep arrays and objects nest, strings left out (counted before parsing: the parser recurses)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _Refused("number_too_large", maximum=MAX_NUMBER_DIGITS)
    return int(literal)


def _float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_DIGITS + 8:  # digits, sign, point and exponent
        raise _Refused("number_too_large", maximum=MAX_NUMBER_DIGITS)
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise _Refused("number_too_large", maximum=MAX_NUMBER_DIGITS)
    return value


def _constant(literal: str) -> Any:
    raise _Refused("invalid_json")


def _error(e: Any) -> dict[str, Any]:
    code = e["type"]
    ctx = dict(e.get("ctx") or {})
    return {"loc": ["body", *e["loc"]], "code": code, "msg": message(code, **ctx)}
