"""Staff routes (a per-municipality bearer token from the environment; roles come later)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib import context
from chalicelib.http import CORS, api, request_key
from chalicelib.requests import ModerationIn, PhaseChangeIn, parse_body

if TYPE_CHECKING:
    from chalicelib.service import ParticipationService

bp = Blueprint(__name__)
BASE = "/api/staff/municipalities/{municipality}/processes/{process}"


def _authorized(municipality: str) -> ParticipationService:
    """The service, once the request's bearer token is this municipality's (else 401)."""
    svc = context.service()
    svc.authorize(municipality, bp.current_request.headers.get("authorization"))
    return svc


@bp.route(BASE + "/phase", methods=["POST"], cors=CORS)
@api
def advance_phase(municipality: str, process: str) -> dict:
    svc = _authorized(municipality)
    body = parse_body(PhaseChangeIn, bp.current_request.raw_body)
    return svc.advance_phase(municipality, process, body, request_key(bp))


@bp.route(BASE + "/proposals", methods=["GET"], cors=CORS)
@api
def staff_proposals(municipality: str, process: str) -> dict:
    svc = _authorized(municipality)
    return {"ok": True, "proposals": svc.staff_proposals(municipality, process)}


@bp.route(BASE + "/proposals/{proposal}/moderation", methods=["POST"], cors=CORS)
@api
def moderate(municipality: str, process: str, proposal: str) -> dict:
    svc = _authorized(municipality)
    body = parse_body(ModerationIn, bp.current_request.raw_body)
    return svc.moderate(municipality, process, proposal, body)
