"""Staff routes. Phase and moderation: a per-municipality bearer token from the environment. The
voter roll and voiding a ballot: the acting member and the permission table (`chalicelib.staff_access`),
every change audited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib import context, presenters
from chalicelib.bodies import ModerationIn, PhaseChangeIn, VoidIn, WithdrawalIn, parse_body
from chalicelib.http import CORS, api, request_key
from prachakhom.audit import Actor
from prachakhom.staff import Action

if TYPE_CHECKING:
    from chalicelib.context import Services

bp = Blueprint(__name__)
BASE = "/api/staff/municipalities/{municipality}/processes/{process}"


def _authorized(municipality: str) -> Services:
    """The services, once the request's bearer token is this municipality's (else 401)."""
    services = context.service()
    services.staff.authorize(municipality, bp.current_request.headers.get("authorization"))
    return services


def _acting(municipality: str, action: Action) -> tuple[Services, Actor]:
    """The services and the acting staff member, once the permission table allows `action` here."""
    services = context.service()
    actor = services.access.actor(municipality, action, bp.current_request.headers.get("authorization"))
    return services, actor


def _request_id() -> str:
    return str((bp.current_request.context or {}).get("requestId", ""))[:100]


@bp.route(BASE + "/roll", methods=["PUT"], cors=CORS,
          content_types=["text/csv", "application/octet-stream", "text/plain"])
@api
def upload_roll(municipality: str, process: str) -> dict[str, Any]:
    """The voter roll as the CSV file exported from the house registration (UTF-8 or TIS-620);
    `?confirm=voting-started` to replace it once voting has started."""
    services, actor = _acting(municipality, Action.MANAGE_VOTER_ROLL)
    params = bp.current_request.query_params
    confirm = params.get("confirm") if params else None
    raw = bp.current_request.raw_body or b""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    upload = services.rolls.upload(municipality, process, data, actor, confirm == "voting-started",
                                   _request_id())
    return presenters.roll_upload(upload)


@bp.route(BASE + "/roll", methods=["GET"], cors=CORS)
@api
def roll_summary(municipality: str, process: str) -> dict[str, Any]:
    services, _ = _acting(municipality, Action.VIEW)
    return presenters.roll(services.rolls.current(municipality, process))


@bp.route(BASE + "/ballots/void", methods=["POST"], cors=CORS)
@api
def void_ballot(municipality: str, process: str) -> dict[str, Any]:
    services, actor = _acting(municipality, Action.VOID_BALLOT)
    body = parse_body(VoidIn, bp.current_request.raw_body)
    return presenters.voided(services.voids.void(municipality, process, body.national_id, body.reason, actor,
                                                 _request_id()))


@bp.route(BASE + "/proposals/{proposal}/supports/void", methods=["POST"], cors=CORS)
@api
def void_support(municipality: str, process: str, proposal: str) -> dict[str, Any]:
    services, actor = _acting(municipality, Action.VOID_BALLOT)
    body = parse_body(VoidIn, bp.current_request.raw_body)
    services.voids.void_support(municipality, process, proposal, body.national_id, body.reason, actor, _request_id())
    return {"ok": True, "proposal": proposal}


@bp.route(BASE + "/proposals/{proposal}/withdrawal", methods=["POST"], cors=CORS)
@api
def withdraw_project(municipality: str, process: str, proposal: str) -> dict[str, Any]:
    services, actor = _acting(municipality, Action.WITHDRAW_PROJECT)
    body = parse_body(WithdrawalIn, bp.current_request.raw_body)
    return presenters.decision(services.moderation.withdraw(municipality, process, proposal, body.reason, actor,
                                                            _request_id()))


@bp.route(BASE + "/outcome", methods=["GET"], cors=CORS)
@api
def outcome_preview(municipality: str, process: str) -> dict[str, Any]:
    """The counted outcome per pot before it is published (staff only)."""
    services, _ = _acting(municipality, Action.CHANGE_PHASE)
    state, counts = services.outcomes.preview(municipality, process)
    return presenters.outcome_preview(state, counts)


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
