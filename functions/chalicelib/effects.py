"""After-commit effects in one place: what a stored change calls for once it is stored.

One kind today, "rebuild": export the municipality's stored data and rebuild its pages (in the
request on the local stack, the `rebuild` Lambda asynchronously on AWS). Notifications come next:
a new kind, its `PendingEffect` recorded by the change that calls for it, and its handler here.

Why none is lost:

1. the change and its pending effect are ONE atomic write (the repository's `effects=`): a change
   is never stored without it;
2. after that write the service calls `run`, which asks for every pending effect of the
   municipality and forgets them (`effects_done`) once the rebuilder accepted;
3. a request that died between 1 and 2, or whose rebuilder failed, leaves them pending: a retry of
   that request (same Idempotency-Key, the replay branch) runs them again, and so do the scheduler's
   next run (`run_all`) and the municipality's next change.

A rebuild exports what is stored when it runs, so one rebuild does for every rebuild pending before it
(several pending rebuilds of one municipality cost one).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from chalicelib.services.gate import Clock, stable_id
from chalicelib.storage.records import PendingEffect
from chalicelib.storage.repository import Repository, StorageUnavailable

log = logging.getLogger("prachakhom.effects")

REBUILD = "rebuild"


class Rebuilder(Protocol):
    def request(self, municipality: str, process: str) -> str:
        """Have the municipality's pages rebuilt; "built", "queued" or "off" once accepted (raises if
        it was not)."""
        ...


@dataclass(frozen=True)
class EffectRun:
    """What became of a municipality's pending effects."""

    municipality: str
    status: str
    """"built" / "queued" / "off": accepted and forgotten; "done": none was pending;
    "pending": the rebuilder failed, they stay pending (see `error`)."""
    error: str | None = None


class Effects:
    def __init__(self, repository: Repository, rebuilder: Rebuilder, clock: Clock) -> None:
        self.repository = repository
        self.rebuilder = rebuilder
        self.clock = clock

    def rebuild(self, municipality: str, process: str, cause: str, *change: str) -> PendingEffect:
        """The pending rebuild to record with a change; `change` names the change uniquely (the same
        change names the same effect, so recording it twice keeps one)."""
        eid = stable_id(municipality, process, REBUILD, *change)[:32]
        return PendingEffect(municipality, process, REBUILD, eid, self.clock.now(), cause)

    def run(self, municipality: str, process: str | None = None) -> EffectRun:
        """Do what is pending for `municipality` (after its change was stored, or on a retry). A busy
        database leaves them pending (the change itself is stored: the answer says "pending")."""
        try:
            pending = self.repository.pending_effects(municipality)
        except StorageUnavailable as err:
            log.warning("pending effects of %s not read (%s): asked again later", municipality, err)
            return EffectRun(municipality, "pending", f"StorageUnavailable: {err}")
        return self._run(municipality, pending, process)

    def run_all(self) -> list[EffectRun]:
        """The scheduler: what is pending anywhere, one municipality at a time (one failing never
        stops the others)."""
        by_municipality: dict[str, list[PendingEffect]] = {}
        for e in self.repository.pending_effects():
            by_municipality.setdefault(e.municipality, []).append(e)
        return [self._run(m, pending) for m, pending in by_municipality.items()]

    def _run(self, municipality: str, pending: Sequence[PendingEffect], process: str | None = None) -> EffectRun:
        rebuilds = [e for e in pending if e.kind == REBUILD]
        if not rebuilds:
            return EffectRun(municipality, "done")
        try:
            status = self.rebuilder.request(municipality, process or rebuilds[-1].process)
        except Exception as err:  # handled: the effects stay pending and are asked for again (module doc)
            log.exception("rebuild of %s not accepted; %d effect(s) stay pending (%s)", municipality,
                          len(rebuilds), "; ".join(e.cause for e in rebuilds))
            return EffectRun(municipality, "pending", f"{type(err).__name__}: {err}")
        try:
            self.repository.effects_done(rebuilds)
        except StorageUnavailable as err:  # requested; forgotten on the next run (a repeat is harmless)
            log.warning("rebuild of %s requested but not marked done (%s)", municipality, err)
        return EffectRun(municipality, status)
