"""Staff routes (a per-municipality bearer token from the environment; roles come later)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import context
from chalicelib.http import CORS, api
from chalicelib.requests import ModerationIn, PhaseChangeIn, parse_body
from chalicelib.service import idempotency_key

bp = Blueprint(__name__)
BASE = "/api/staff/municipalities/{municipality}/processes/{process}"


def _authorized(municipality: str):  # noqa: ANN202
    svc = context.service()
    svc.authorize(municipality, bp.current_request.headers.get("authorization"))
    return svc


@bp.route(BASE + "/phase", methods=["POST"], cors=CORS)
@api
def advance_phase(municipality: str, process: str) -> dict:
    svc = _authorized(municipality)
    body = parse_body(PhaseChangeIn, bp.current_request.raw_body)
    key = idempotency_key(bp.current_request.headers.get("idempotency-key"))
    return svc.advance_phase(municipality, process, body, key)


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
