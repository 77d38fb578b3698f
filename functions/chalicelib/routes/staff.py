"""Staff routes (a per-municipality bearer token from the environment; roles come later)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib import context, presenters
from chalicelib.bodies import ModerationIn, PhaseChangeIn, parse_body
from chalicelib.http import CORS, api, request_key

if TYPE_CHECKING:
    from chalicelib.context import Services

bp = Blueprint(__name__)
BASE = "/api/staff/municipalities/{municipality}/processes/{process}"


def _authorized(municipality: str) -> Services:
    """The services, once the request's bearer token is this municipality's (else 401)."""
    services = context.service()
    services.staff.authorize(municipality, bp.current_request.headers.get("authorization"))
    return services


@bp.route(BASE + "/phase", methods=["POST"], cors=CORS)
@api
def advance_phase(municipality: str, process: str) -> dict[str, Any]:
    phases = _authorized(municipality).phases
    body = parse_body(PhaseChangeIn, bp.current_request.raw_body)
    return presenters.phase_move(phases.advance(municipality, process, body, request_key(bp)))


@bp.route(BASE + "/proposals", methods=["GET"], cors=CORS)
@api
def staff_proposals(municipality: str, process: str) -> dict[str, Any]:
    moderation = _authorized(municipality).moderation
    return presenters.staff_proposals(moderation.proposals(municipality, process))


@bp.route(BASE + "/proposals/{proposal}/moderation", methods=["POST"], cors=CORS)
@api
def moderate(municipality: str, process: str, proposal: str) -> dict[str, Any]:
    moderation = _authorized(municipality).moderation
    body = parse_body(ModerationIn, bp.current_request.raw_body)
    return presenters.decision(moderation.decide(municipality, process, proposal, body))
