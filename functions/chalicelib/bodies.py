"""Request bodies, validated with pydantic before anything else happens.

Every model forbids unknown fields; every failure becomes a 400 in the one error shape with a Thai
`msg` per field (`loc` starts with "body"). Money and points are strict integers. Every route reads
its body through `parse_body`: the place for limits on the raw body (size, depth) when the API is
hardened against abuse (issue 13).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from chalicelib.errors import BadRequest, Unprocessable
from prachakhom.messages import message
from prachakhom.models import Money

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=80)]
Points = Annotated[int, Field(strict=True)]


def text(max_length: int, min_length: int = 1) -> StringConstraints:
    """Resident text: whitespace stripped, then between `min_length` and `max_length` characters."""
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProposalIn(Body):
    title: Annotated[str, text(200)]
    summary: Annotated[str, text(500, 0)] = ""
    description: Annotated[str, text(5000, 0)] = ""
    category: Slug
    village: Annotated[int, Field(strict=True, ge=1, le=99)] | None = None
    cost: Money | None = None
    author: Annotated[str, text(80)]
    contact: Annotated[str, text(200, 0)] | None = None
    """Phone or e-mail so staff can call back: stored apart, staff-only, never published."""


class CommentIn(Body):
    text: Annotated[str, text(2000)]
    author: Annotated[str, text(80)]
    parent_id: Annotated[str, StringConstraints(pattern=r"^c[0-9a-f]{12}$")] | None = None


ReporterToken = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16,64}$")]


class ReportIn(Body):
    reason: Annotated[str, text(500, 0)] = ""
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
    choices: dict[str, list[Slug] | dict[Slug, Points]]

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
    answer: Annotated[str, text(2000, 0)] = ""
    revised_cost: Money | None = None


M = TypeVar("M", bound=Body)


def parse_body(model: type[M], raw: str | bytes | None) -> M:
    """Decode JSON and validate; BadRequest (400, one error shape) on anything wrong."""
    try:
        data = json.loads(raw) if raw else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest.one("invalid_json") from None
    if not isinstance(data, dict):
        raise BadRequest.one("model_type")
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise BadRequest([_error(e) for e in err.errors()]) from None


def _error(e: Any) -> dict[str, Any]:
    code = e["type"]
    ctx = dict(e.get("ctx") or {})
    return {"loc": ["body", *e["loc"]], "code": code, "msg": message(code, **ctx)}
