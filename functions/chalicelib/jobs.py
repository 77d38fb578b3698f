"""Non-HTTP functions: the asynchronous rebuild and the scheduled phase advance."""

from __future__ import annotations

import logging
from typing import Any

from chalicelib import context

log = logging.getLogger("prachakhom.jobs")


def rebuild(event: dict[str, Any]) -> dict[str, Any]:
    """Rebuild one municipality into the site bucket (event: {"municipality": …})."""
    from chalicelib.rebuild import rebuild_to_bucket

    settings = context.Settings.from_env()
    municipality = str(event["municipality"])
    if not settings.site_bucket:
        raise RuntimeError("PRACHAKHOM_SITE_BUCKET is not set")
    count = rebuild_to_bucket(context.service(), settings.content_dir, context.s3_client(settings),
                              settings.site_bucket, municipality, settings.site_url)
    log.info("rebuilt %s: %d files", municipality, count)
    return {"municipality": municipality, "files": count}


def advance_phases() -> list[tuple[str, str, str]]:
    svc = context.service()
    moved = svc.advance_due(svc.clock.now().date())
    for m, p, old in moved:
        log.info("moved %s/%s on from %s", m, p, old)
    return moved
