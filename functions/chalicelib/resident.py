"""Resident routes: everything under /api/municipalities/{municipality}/processes/{process}/..."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import context
from chalicelib.http import CORS, api, created_response, request_key
from chalicelib.requests import BallotIn, CommentIn, ProposalIn, ReportIn, SupportIn, parse_body

bp = Blueprint(__name__)
BASE = "/api/municipalities/{municipality}/processes/{process}"


@bp.route("/api/health", methods=["GET"], cors=CORS)
@api
def health() -> dict:
    from prachakhom import __version__

    return {"ok": True, "service": "prachakhom-api", "version": __version__}


@bp.route(BASE, methods=["GET"], cors=CORS)
@api
def process_state(municipality: str, process: str) -> dict:
    return context.service().process_view(municipality, process)


@bp.route(BASE + "/proposals", methods=["GET"], cors=CORS)
@api
def list_proposals(municipality: str, process: str) -> dict:
    return {"ok": True, "proposals": context.service().public_proposals(municipality, process)}


@bp.route(BASE + "/proposals", methods=["POST"], cors=CORS)
@api
def submit_proposal(municipality: str, process: str) -> Response:
    body = parse_body(ProposalIn, bp.current_request.raw_body)
    result, created = context.service().submit_proposal(municipality, process, body, request_key(bp))
    return created_response(result, created)


@bp.route(BASE + "/proposals/{proposal}", methods=["GET"], cors=CORS)
@api
def read_proposal(municipality: str, process: str, proposal: str) -> dict:
    return {"ok": True, "proposal": context.service().public_proposal(municipality, process, proposal)}


@bp.route(BASE + "/proposals/{proposal}/comments", methods=["GET"], cors=CORS)
@api
def list_comments(municipality: str, process: str, proposal: str) -> dict:
    return {"ok": True, "comments": context.service().comments(municipality, process, proposal)}


@bp.route(BASE + "/proposals/{proposal}/comments", methods=["POST"], cors=CORS)
@api
def add_comment(municipality: str, process: str, proposal: str) -> Response:
    body = parse_body(CommentIn, bp.current_request.raw_body)
    result, created = context.service().add_comment(municipality, process, proposal, body, request_key(bp))
    return created_response(result, created)


@bp.route(BASE + "/proposals/{proposal}/comments/{comment}/reports", methods=["POST"], cors=CORS)
@api
def report_comment(municipality: str, process: str, proposal: str, comment: str) -> dict:
    body = parse_body(ReportIn, bp.current_request.raw_body)
    return context.service().report_comment(municipality, process, proposal, comment, body, request_key(bp))


@bp.route(BASE + "/proposals/{proposal}/support", methods=["POST"], cors=CORS)
@api
def support_proposal(municipality: str, process: str, proposal: str) -> Response:
    body = parse_body(SupportIn, bp.current_request.raw_body)
    result, created = context.service().support(municipality, process, proposal, body)
    return created_response(result, created)


@bp.route(BASE + "/ballot", methods=["POST"], cors=CORS)
@api
def cast_ballot(municipality: str, process: str) -> Response:
    body = parse_body(BallotIn, bp.current_request.raw_body)
    result, created = context.service().cast_ballot(municipality, process, body, request_key(bp))
    return created_response(result, created)


@bp.route(BASE + "/ballot", methods=["PUT"], cors=CORS)
@api
def change_ballot(municipality: str, process: str) -> dict:
    body = parse_body(BallotIn, bp.current_request.raw_body)
    return context.service().change_ballot(municipality, process, body, request_key(bp))


@bp.route(BASE + "/receipts/{receipt}", methods=["GET"], cors=CORS)
@api
def check_receipt(municipality: str, process: str, receipt: str) -> dict:
    return context.service().check_receipt(municipality, process, receipt)
