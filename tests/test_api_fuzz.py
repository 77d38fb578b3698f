"""Property-based fuzzing of every route from the OpenAPI description (schemathesis over hypothesis),
against the app on loopback and DynamoDB (moto): data that fits the schema and data that does not.
Zero server errors; every answer as described (status, content type, headers, body), every error in
the one shape. Bounded: a few dozen examples per route and mode, derandomized (the same cases on
every run: CI time is predictable, a failure reproduces)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.api_fixtures import (  # isort: skip  (puts functions/ on sys.path)
    BASE,
    IDEAS,
    MUNI,
    PB,
    STAFF_TOKEN,
    make_service,
    new_dynamo_repository,
    served,
    write_idea_content,
)

EXAMPLES = 20
READABLE = "^[ก-ฮA-Za-z0-9][ก-๙A-Za-z0-9 .,-]{0,40}$"
READABLE_OPTIONAL = "^([ก-ฮA-Za-z0-9][ก-๙A-Za-z0-9 .,-]{0,40})?$"


def _schema_with_known_places(doc: dict[str, Any], seeded: dict[str, list[str]],
                              categories: list[str] | None = None) -> dict[str, Any]:
    """The published description, with path parameters drawn from what the test stored (and a few
    unknown values), and a proposal's category, village and cost from the content (and one unknown
    each; the content's form requires every field): random strings and numbers would only ever meet
    404, `unknown_category`, `unknown_village` and `missing`."""
    doc = copy.deepcopy(doc)
    if categories:
        proposal = doc["components"]["schemas"]["ProposalIn"]
        proposal["properties"]["category"] = {"enum": categories}
        proposal["properties"]["village"] = {"enum": [1, 2, 9]}
        proposal["properties"]["cost"] = {"enum": [0, 150_000, 10**12]}  # JSON's 1.0 is an integer; strict ints are not
        proposal["required"] = sorted({*proposal.get("required", []), "summary", "description", "village", "cost"})
        # readable text (the core's text rule refuses controls, bidi and unreadable text, which random
        # strings nearly always hold: negative mode still sends those)
        for schema, fields in ((proposal, ("title", "summary", "description", "author", "contact")),
                               (doc["components"]["schemas"]["CommentIn"], ("text", "author"))):
            for name in fields:
                optional = name not in schema.get("required", [])
                schema["properties"][name] = {"type": "string", "pattern": READABLE_OPTIONAL if optional else READABLE}
    for operations in doc["paths"].values():
        for op in operations.values():
            for param in op.get("parameters", []):
                if param["in"] == "path" and param["name"] in seeded:
                    param["schema"] = {"type": "string", "enum": seeded[param["name"]]}
    return doc


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory):
    import yaml

    from prachakhom.commands.openapi import OPENAPI_FILE

    tmp = tmp_path_factory.mktemp("fuzz")
    repo = new_dynamo_repository()
    service = make_service(write_idea_content(tmp), repo)
    with served(service) as http:
        seed = http.post(BASE + "/proposals", {"title": "ไฟถนน", "summary": "มืด", "description": "ซอย 5",
                                                "category": "roads", "author": "ก", "village": 1, "cost": 1000}, key="seed")[1]["proposal"]["slug"]
        http.staff(f"/municipalities/{MUNI}/processes/{PB}/proposals/{seed}/moderation", {"decision": "approve"})
        comment = http.post(BASE + "/proposals/road-village-1/comments", {"text": "ดี", "author": "ข"},
                            key="seed-c")[1]["comment"]["id"]
        doc = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
        seeded = {"municipality": [MUNI, "nowhere"], "process": [PB, IDEAS, "nope"],
                  "proposal": ["road-village-1", "market-all", "sorting-at-school", seed, "missing"],
                  "comment": [comment, "c000000000000"], "receipt": ["AAAA-BBBB-CCCC", "not-a-receipt"]}
        categories = [c.key for c in service.catalog.municipality(MUNI).processes[PB].rules.categories]
        yield http, _schema_with_known_places(doc, seeded, [*categories, "no-such-category"]), repo


def _cases() -> list[tuple[str, str, str]]:
    """Every operation in both modes (negative only where there is something to get wrong)."""
    from prachakhom.commands.openapi import OPERATIONS

    return [(method, path, mode) for method, path in sorted(OPERATIONS) for mode in ("positive", "negative")
            if mode == "positive" or "{" in path or OPERATIONS[(method, path)].body]


@pytest.mark.parametrize(("method", "path", "mode"), _cases(), ids=[" ".join(c) for c in _cases()])
def test_no_server_error_and_one_error_shape(fuzz_target, method, path, mode):
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    http, doc, _ = fuzz_target
    schema = schemathesis.openapi.from_dict(doc)
    operation = schema[path][method]
    generation = schemathesis.GenerationMode.POSITIVE if mode == "positive" else schemathesis.GenerationMode.NEGATIVE
    headers = {"Authorization": f"Bearer {STAFF_TOKEN}"} if path.startswith("/api/staff") else {}
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
              response_schema_conformance]

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=generation))
    def fuzz(case: Any) -> None:
        response = case.call(base_url=http.base, headers=headers, timeout=30)
        assert response.status_code < 500 or response.status_code == 503, (response.status_code, response.text)
        case.validate_response(response, checks=checks)

    fuzz()


def test_the_fuzzing_reached_past_validation(fuzz_target):
    """Run after the fuzzing (same module): it stored what valid requests store — proposals and
    comments beyond the two seeded, a staff move — so it exercised the routes, not only refusals."""
    _, _, repo = fuzz_target
    assert len(repo.list_proposals(MUNI, PB)) > 1
    assert len(repo.list_comments(MUNI, PB)) > 1
    moved = [repo.get_state(MUNI, p) for p in (PB, IDEAS)]
    assert any(s is not None and len(s.history) > 1 for s in moved)
