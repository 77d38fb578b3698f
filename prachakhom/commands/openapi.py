"""The API's OpenAPI 3.1 description (`functions/openapi.yaml`), for residents' integrators and for our
own fuzzing (tests/test_api_fuzz.py runs schemathesis from it).

    python -m prachakhom.commands.openapi            # rewrite functions/openapi.yaml
    python -m prachakhom.commands.openapi --check    # exit 1 if the file is not what the code says

Made from the code, never by hand: the routes from the Chalice app, the request bodies from their
pydantic models (`chalicelib.bodies`), the answers from the table below (one entry per route; a route
without one is refused here and by tests/test_openapi.py). Every error, whatever the route or the
status, has the one shape (`Error`).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
FUNCTIONS = ROOT / "functions"
OPENAPI_FILE = FUNCTIONS / "openapi.yaml"


def _obj(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": {"ok": {"const": True}, **properties}}


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
NULL_STR = {"type": ["string", "null"]}
NULL_INT = {"type": ["integer", "null"]}
FEASIBILITY = {"type": ["object", "null"], "properties": {"feasible": BOOL, "answer": STR, "revised_cost": NULL_INT}}
PROPOSAL: dict[str, Any] = {"type": "object", "required": ["slug", "title", "category", "status", "source"], "properties": {
    "slug": STR, "title": STR, "summary": STR, "description": STR, "category": STR, "village": NULL_INT,
    "cost": NULL_INT, "author": STR, "status": STR, "source": STR, "submitted_on": STR,
    "feasibility": FEASIBILITY, "comment_count": INT, "support_count": INT}}
COMMENT = {"type": "object", "required": ["id", "proposal", "hidden"], "properties": {
    "id": STR, "proposal": STR, "parent_id": NULL_STR, "author": NULL_STR, "text": NULL_STR, "hidden": BOOL,
    "created_at": STR}}
REBUILD = {"enum": ["built", "queued", "off", "pending", "done"]}


@dataclass(frozen=True)
class Operation:
    summary: str
    ok: dict[int, dict[str, Any]]
    """Success status → the answer's schema."""
    body: str | None = None
    """The request body's model in `chalicelib.bodies`."""
    errors: tuple[int, ...] = (400, 404, 503)
    staff: bool = False
    idempotent_key: bool = False
    tags: tuple[str, ...] = field(default=("residents",))


B = "/api/municipalities/{municipality}/processes/{process}"
S = "/api/staff/municipalities/{municipality}/processes/{process}"
OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "/api/health"): Operation("Liveness: the API answers.", {200: {
        "type": "object", "required": ["ok", "version"], "properties": {"ok": BOOL, "version": STR}}}, errors=()),
    ("GET", B): Operation("The process: the phase in force, the calendar, budget per pot, the ballot rule.", {
        200: _obj(["phase", "phases", "ballot"], phase={"type": "object"}, phases={"type": "array"},
                  ballot={"type": "object"}, budget={"type": ["object", "null"]})}),
    ("GET", B + "/proposals"): Operation("Published proposals (content's and online), with counts.", {
        200: _obj(["proposals"], proposals={"type": "array", "items": PROPOSAL})}),
    ("POST", B + "/proposals"): Operation(
        "Submit a proposal (proposal phase); it waits for moderation. The contact is staff-only.",
        {201: _obj(["proposal", "created"], proposal=PROPOSAL, created=BOOL),
         200: _obj(["proposal", "created"], proposal=PROPOSAL, created=BOOL)},
        body="ProposalIn", errors=(400, 404, 409, 503), idempotent_key=True),
    ("GET", B + "/proposals/{proposal}"): Operation("One published proposal.", {
        200: _obj(["proposal"], proposal=PROPOSAL)}),
    ("GET", B + "/proposals/{proposal}/comments"): Operation("Comments and replies (hidden ones as placeholders).", {
        200: _obj(["comments"], comments={"type": "array", "items": COMMENT})}),
    ("POST", B + "/proposals/{proposal}/comments"): Operation(
        "Comment on a published proposal, or reply (`parent_id`).",
        {201: _obj(["comment", "created"], comment=COMMENT, created=BOOL),
         200: _obj(["comment", "created"], comment=COMMENT, created=BOOL)},
        body="CommentIn", errors=(400, 404, 409, 422, 503), idempotent_key=True),
    ("POST", B + "/proposals/{proposal}/comments/{comment}/reports"): Operation(
        "Report a comment; hidden for review after the process's number of distinct reporters.",
        {200: _obj(["comment", "created"], comment=COMMENT, created=BOOL)}, body="ReportIn"),
    ("POST", B + "/proposals/{proposal}/support"): Operation(
        "Support an idea (idea consultations; once per resident per idea).",
        {201: _obj(["support_count", "created"], proposal=STR, support_count=INT, created=BOOL),
         200: _obj(["support_count", "created"], proposal=STR, support_count=INT, created=BOOL)},
        body="SupportIn", errors=(400, 404, 409, 422, 503)),
    ("POST", B + "/ballot"): Operation(
        "Cast a ballot (voting phase): national ID and birth date for eligibility, never stored.",
        {201: _obj(["receipt", "created"], receipt=STR, version=INT, created=BOOL, choices={"type": "object"}),
         200: _obj(["receipt", "created"], receipt=STR, version=INT, created=BOOL, choices={"type": "object"})},
        body="BallotIn", errors=(400, 404, 409, 422, 503), idempotent_key=True),
    ("PUT", B + "/ballot"): Operation(
        "Change one's ballot (where the process allows it); the count takes the last version before the close.",
        {200: _obj(["receipt"], receipt=STR, version=INT, created=BOOL, choices={"type": "object"})},
        body="BallotIn", errors=(400, 404, 409, 422, 503), idempotent_key=True),
    ("GET", B + "/receipts/{receipt}"): Operation(
        "Was my ballot counted? pending / counted / not_counted, never the choices.",
        {200: _obj(["receipt", "status", "msg"], receipt=STR, status={"enum": ["pending", "counted", "not_counted"]},
                   msg=STR, counted=BOOL, pots={"type": "array", "items": STR})}),
    ("POST", S + "/phase"): Operation(
        "Move the process to its next phase (rebuilds the municipality's pages).",
        {200: _obj(["phase", "replay", "rebuild"], phase=STR, name=STR, replay=BOOL, rebuild=REBUILD)},
        body="PhaseChangeIn", errors=(400, 401, 404, 409, 503), staff=True, idempotent_key=True, tags=("staff",)),
    ("GET", S + "/proposals"): Operation(
        "Every online proposal, whatever its status, with the proposer's contact.",
        {200: _obj(["proposals"], proposals={"type": "array", "items": {
            **PROPOSAL, "properties": {**PROPOSAL["properties"], "contact": NULL_STR}}})},
        errors=(401, 404, 503), staff=True, tags=("staff",)),
    ("POST", S + "/proposals/{proposal}/moderation"): Operation(
        "Publish, reject or review the feasibility of an online proposal (rebuilds the pages).",
        {200: _obj(["proposal", "replay", "rebuild"], proposal=PROPOSAL, replay=BOOL, rebuild=REBUILD)},
        body="ModerationIn", errors=(400, 401, 404, 409, 503), staff=True, tags=("staff",)),
}

ERROR = {"type": "object", "required": ["ok", "errors"], "additionalProperties": False, "properties": {
    "ok": {"const": False},
    "errors": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["loc", "code", "msg"], "additionalProperties": False, "properties": {
            "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
            "code": {"type": "string", "description": "stable English identifier"},
            "msg": {"type": "string", "minLength": 1, "description": "what is wrong and how to fix it, in Thai"}}}}}}

STATUS_TEXT = {400: "Bad input (what and how to fix it, in Thai)", 401: "Staff token missing or wrong",
               404: "Unknown municipality, process, proposal, comment or receipt", 409: "Wrong phase or a conflict",
               422: "Refused by the rules (ballot rule, eligibility)",
               503: "Busy or failing database: send the same request again after Retry-After seconds"}

PATH_PARAMETERS = {
    "municipality": "The municipality's slug (its folder in content/municipalities).",
    "process": "The process's slug.",
    "proposal": "A proposal's slug (content's, or `online-…` for one submitted online).",
    "comment": "A comment's id (`c` + 12 hex digits).",
    "receipt": "A receipt code, e.g. 7K2M-9QXD-R4TA.",
}


def document(app: Any = None) -> dict[str, Any]:
    """The OpenAPI document of `app` (functions/app.py's by default)."""
    if str(FUNCTIONS) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS))
    from chalicelib import bodies

    from prachakhom import __version__

    if app is None:
        from app import app
    schemas: dict[str, Any] = {"Error": ERROR}
    paths: dict[str, Any] = {}
    for path, methods in sorted(app.routes.items()):
        for method in sorted(methods):
            op = OPERATIONS.get((method, path))
            if op is None:
                raise KeyError(f"{method} {path} has no entry in prachakhom/commands/openapi.py OPERATIONS")
            paths.setdefault(path, {})[method.lower()] = _operation(method, path, op, bodies, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Prachakhom API", "version": __version__,
                 "description": "Participatory budgeting and consultation for Thai local governments. Every "
                                "error has one shape (Error), its msg in Thai. Every POST takes an "
                                "Idempotency-Key: a retry with the same key stores nothing twice; the same "
                                "key with another body is refused (409 idempotency_conflict)."},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"staff": {"type": "http", "scheme": "bearer"}},
                       "headers": {"Retry-After": {"description": "Seconds to wait before sending again",
                                                   "schema": {"type": "integer"}}}},
    }


def _operation(method: str, path: str, op: Operation, bodies: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"summary": op.summary, "tags": list(op.tags),
                            "operationId": f"{method.lower()}_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}"}
    params = [{"name": name, "in": "path", "required": True, "description": PATH_PARAMETERS[name],
               "schema": {"type": "string", "minLength": 1, "maxLength": 200}}
              for name in _path_names(path)]
    if op.idempotent_key:
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "description": "Names this request: sent again, it stores nothing twice.",
                       "schema": {"type": "string", "pattern": "^[!-~]{1,200}$"}})
    if params:
        spec["parameters"] = params
    if op.staff:
        spec["security"] = [{"staff": []}]
    if op.body is not None:
        model = getattr(bodies, op.body)
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas[name] = sub
        schemas[op.body] = schema
        spec["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{op.body}"}}}}
    responses: dict[str, Any] = {str(status): {"description": "OK", "content": {"application/json": {"schema": schema}}}
                                 for status, schema in sorted(op.ok.items())}
    for status in op.errors:
        answer: dict[str, Any] = {"description": STATUS_TEXT[status], "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}}
        if status == 503:
            answer["headers"] = {"Retry-After": {"$ref": "#/components/headers/Retry-After"}}
        responses[str(status)] = answer
    responses["default"] = {"description": "Any other error, in the one shape", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    spec["responses"] = responses
    return spec


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def render(doc: dict[str, Any]) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:  # every schema written out where it is used
            return True

    header = "# Made by `python -m prachakhom.commands.openapi` from the code: do not edit by hand.\n"
    return header + yaml.dump(doc, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if functions/openapi.yaml is stale")
    args = parser.parse_args(argv)
    text = render(document())
    if args.check:
        current = OPENAPI_FILE.read_text(encoding="utf-8") if OPENAPI_FILE.is_file() else ""
        if current != text:
            print(f"{OPENAPI_FILE} is stale: run python -m prachakhom.commands.openapi", file=sys.stderr)
            return 1
        return 0
    OPENAPI_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {OPENAPI_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
