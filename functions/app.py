"""Prachakhom API (Chalice). Thin: routes live in blueprints (chalicelib/routes/), the work in
chalicelib/services/ (one module per feature) and the core (prachakhom/)."""

import logging
from collections.abc import Callable
from typing import Any

from chalice import Chalice, Rate, Response
from chalicelib import jobs
from chalicelib.errors import reshape_chalice_error
from chalicelib.routes import resident, staff

app = Chalice(app_name="prachakhom")
# Chalice gives its app logger ("prachakhom", the parent of every `prachakhom.*` logger: api, effects,
# jobs, phases) its own stdout handler, no propagation and the level ERROR outside debug mode, which
# would drop a 503's warning and a rebuild's info line from the function's log (CloudWatch).
app.log.setLevel(logging.INFO)
app.register_blueprint(resident.bp)
app.register_blueprint(staff.bp)


@app.middleware("http")
def one_error_shape(event: Any, get_response: Callable[[Any], Response]) -> Response:
    return reshape_chalice_error(get_response(event))


@app.lambda_function(name="rebuild")
def rebuild(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return jobs.rebuild(event)


@app.schedule(Rate(1, unit=Rate.HOURS), name="advance-phases")
def advance_phases(event: Any) -> None:
    jobs.advance_phases()
