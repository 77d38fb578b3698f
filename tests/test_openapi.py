"""The API's OpenAPI description (functions/openapi.yaml) is made from the code and kept current:
the file is what `python -m prachakhom.commands.openapi` writes today, and a route without an entry
in its table cannot be described (so it cannot be forgotten by the fuzzing that reads the file)."""

from __future__ import annotations

import pytest

import tests.api_fixtures  # noqa: F401  (puts functions/ on sys.path)


def test_the_published_description_is_what_the_code_says() -> None:
    from prachakhom.commands.openapi import OPENAPI_FILE, document, render

    assert OPENAPI_FILE.read_text(encoding="utf-8") == render(document()), \
        "functions/openapi.yaml is stale: run python -m prachakhom.commands.openapi"


def test_every_route_is_described_and_nothing_else() -> None:
    from app import app

    from prachakhom.commands.openapi import OPERATIONS, document

    routes = {(method, path) for path, methods in app.routes.items() for method in methods}
    assert routes == set(OPERATIONS)
    described = {(method.upper(), path) for path, ops in document()["paths"].items() for method in ops}
    assert described == routes


def test_a_route_without_an_entry_is_refused() -> None:
    from chalice import Chalice

    from prachakhom.commands.openapi import document

    app = Chalice(app_name="undocumented")

    @app.route("/api/secret-door")
    def door() -> dict[str, bool]:
        return {"ok": True}

    with pytest.raises(KeyError, match="/api/secret-door"):
        document(app)
