"""Prachakhom API (Chalice). Thin: routes live in blueprints, logic in chalicelib.service and the core."""

from chalice import Chalice, Rate
from chalicelib import jobs, resident, staff
from chalicelib.errors import reshape_chalice_error

app = Chalice(app_name="prachakhom")
app.register_blueprint(resident.bp)
app.register_blueprint(staff.bp)


@app.middleware("http")
def one_error_shape(event, get_response):
    return reshape_chalice_error(get_response(event))


@app.lambda_function(name="rebuild")
def rebuild(event, context):
    return jobs.rebuild(event)


@app.schedule(Rate(1, unit=Rate.HOURS), name="advance-phases")
def advance_phases(event):
    jobs.advance_phases()
