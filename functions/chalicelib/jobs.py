"""Non-HTTP functions: the asynchronous rebuild and the scheduled phase advance."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib import context

if TYPE_CHECKING:
    from chalicelib.rebuild import Sources
    from chalicelib.services.phases import ScheduleReport

log = logging.getLogger("prachakhom.jobs")


def rebuild(event: dict[str, Any], sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Rebuild one municipality into the site bucket (event: {"municipality": …})."""
    from chalicelib.rebuild import rebuild_to_bucket

    settings = context.Settings.from_env()
    municipality = str(event["municipality"])
    if not settings.site_bucket:
        raise RuntimeError("PRACHAKHOM_SITE_BUCKET is not set")
    sources = context.service()
    waited = wait_for_late_ballots(sources, municipality, settings.close_grace, sleep)
    published = rebuild_to_bucket(sources, context.s3_client(settings), settings.site_bucket, municipality,
                                  settings.site_url, context.cloudfront_client(settings), settings.distribution_id)
    log.info("rebuilt %s (waited %.1f s after a close)", published.summary(), waited)
    return {"municipality": municipality, "files": published.files, "uploaded": len(published.uploaded),
            "deleted": len(published.deleted), "invalidated": published.invalidated, "waited": waited}


def wait_for_late_ballots(sources: Sources, municipality: str, grace: float,
                          sleep: Callable[[float], None]) -> float:
    """Sleep until `grace` seconds after the latest vote close of the municipality, if that is ahead.

    A ballot that passed the phase check just before the close (`cast_at <= vote_closed_at`) is
    counted, but its write may still be in flight when the close returns; it lands within the API
    function's timeout (15 s), so the export waits `grace` (default 30 s) after the close.
    """
    from chalicelib.services.gate import Place, find_municipality, read_state

    mdoc = find_municipality(sources.catalog, municipality)
    closes = [read_state(sources.repository, sources.clock, Place(mdoc, pdoc)).vote_closed_at
              for pdoc in mdoc.processes.values()]
    latest = max((c for c in closes if c is not None), default=None)
    if latest is None:
        return 0.0
    wait = (latest + timedelta(seconds=grace) - sources.clock.now()).total_seconds()
    if wait <= 0:
        return 0.0
    sleep(wait)
    return wait


def advance_phases() -> ScheduleReport:
    """The hourly run: rebuilds left pending asked for again, processes whose phase ended moved on."""
    services = context.service()
    report = services.phases.advance_due(services.clock.now().date())
    for m, p, old in report.moved:
        log.info("moved %s/%s on from %s", m, p, old)
    for failure in report.failed:
        log.error("not moved on: %s/%s: %s", failure.municipality, failure.process, failure.error)
    for run in report.effects:
        if run.error:
            log.error("rebuild of %s still pending: %s", run.municipality, run.error)
    return report
