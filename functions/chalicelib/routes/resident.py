"""Resident routes: everything under /api/municipalities/{municipality}/processes/{process}/..."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib import context, presenters
from chalicelib.bodies import BallotIn, CommentIn, ProposalIn, ReportIn, SupportIn, parse_body
from chalicelib.http import CORS, api, created_response, request_key

bp = Blueprint(__name__)
BASE = "/api/municipalities/{municipality}/processes/{process}"


@bp.route("/api/health", methods=["GET"], cors=CORS)
@api
def health() -> dict[str, Any]:
    from prachakhom import __version__

    return {"ok": True, "service": "prachakhom-api", "version": __version__}


@bp.route(BASE, methods=["GET"], cors=CORS)
@api
def process_state(municipality: str, process: str) -> dict[str, Any]:
    return presenters.process(context.service().phases.now(municipality, process))


@bp.route(BASE + "/proposals", methods=["GET"], cors=CORS)
@api
def list_proposals(municipality: str, process: str) -> dict[str, Any]:
    return presenters.published_proposals(context.service().proposals.published(municipality, process))


@bp.route(BASE + "/proposals", methods=["POST"], cors=CORS)
@api
def submit_proposal(municipality: str, process: str) -> Response:
    body = parse_body(ProposalIn, bp.current_request.raw_body)
    stored, created = context.service().proposals.submit(municipality, process, body, request_key(bp))
    return created_response(presenters.submitted_proposal(stored, created), created)


@bp.route(BASE + "/proposals/{proposal}", methods=["GET"], cors=CORS)
@api
def read_proposal(municipality: str, process: str, proposal: str) -> dict[str, Any]:
    return presenters.published_proposal(context.service().proposals.one(municipality, process, proposal))


@bp.route(BASE + "/proposals/{proposal}/comments", methods=["GET"], cors=CORS)
@api
def list_comments(municipality: str, process: str, proposal: str) -> dict[str, Any]:
    return presenters.comments(context.service().comments.of_proposal(municipality, process, proposal))


@bp.route(BASE + "/proposals/{proposal}/comments", methods=["POST"], cors=CORS)
@api
def add_comment(municipality: str, process: str, proposal: str) -> Response:
    body = parse_body(CommentIn, bp.current_request.raw_body)
    stored, created = context.service().comments.add(municipality, process, proposal, body, request_key(bp))
    return created_response(presenters.comment_written(stored, created), created)


@bp.route(BASE + "/proposals/{proposal}/comments/{comment}/reports", methods=["POST"], cors=CORS)
@api
def report_comment(municipality: str, process: str, proposal: str, comment: str) -> dict[str, Any]:
    body = parse_body(ReportIn, bp.current_request.raw_body)
    reported, counted = context.service().comments.report(municipality, process, proposal, comment, body)
    return presenters.comment_written(reported, counted)


@bp.route(BASE + "/proposals/{proposal}/support", methods=["POST"], cors=CORS)
@api
def support_proposal(municipality: str, process: str, proposal: str) -> Response:
    body = parse_body(SupportIn, bp.current_request.raw_body)
    support = context.service().supports.support(municipality, process, proposal, body)
    return created_response(presenters.support(support), support.created)


@bp.route(BASE + "/ballot", methods=["POST"], cors=CORS)
@api
def cast_ballot(municipality: str, process: str) -> Response:
    body = parse_body(BallotIn, bp.current_request.raw_body)
    stored, created = context.service().ballots.cast(municipality, process, body, request_key(bp))
    return created_response(presenters.ballot(stored, created), created)


@bp.route(BASE + "/ballot", methods=["PUT"], cors=CORS)
@api
def change_ballot(municipality: str, process: str) -> dict[str, Any]:
    body = parse_body(BallotIn, bp.current_request.raw_body)
    return presenters.ballot(context.service().ballots.change(municipality, process, body, request_key(bp)), False)


@bp.route(BASE + "/receipts/{receipt}", methods=["GET"], cors=CORS)
@api
def check_receipt(municipality: str, process: str, receipt: str) -> dict[str, Any]:
    return presenters.receipt(context.service().ballots.check_receipt(municipality, process, receipt))
