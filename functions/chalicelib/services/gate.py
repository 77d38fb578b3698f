"""The gate every feature service goes through: where (the place, from the catalog), when (the
stored phase, cached per container for ballots) and the phase-guarded write.

A place is a municipality's process as content describes it (`prachakhom.content.MunicipalityCatalog`:
one municipality by slug). Its phase is what staff or the scheduler stored (`ProcessState`); a
process with none yet gets the phase content and the calendar give, stored on first use.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from chalicelib.errors import NotFound, WrongPhase
from chalicelib.storage.records import ProcessState
from chalicelib.storage.repository import PhaseMismatch, Repository, StateMissing
from prachakhom.content import MunicipalityCatalog, MunicipalityDoc, ProcessDoc
from prachakhom.messages import message
from prachakhom.models import ProcessTemplate
from prachakhom.participation import check_action, phases_allowing
from prachakhom.phase import phase_now

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

PHASE_TTL = 5.0
"""Seconds a warm container trusts the phase it read when it *accepts* a ballot (a refusal re-reads).
A read, not a write: at most one GetItem per process per container every PHASE_TTL seconds."""


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class Place:
    """A process of a municipality, as content describes it."""

    municipality: MunicipalityDoc
    process: ProcessDoc

    @property
    def key(self) -> tuple[str, str]:
        """(municipality slug, process slug): how storage names the process."""
        return self.municipality.slug, self.process.slug

    @property
    def rules(self) -> ProcessTemplate:
        return self.process.rules


def find_municipality(catalog: MunicipalityCatalog, municipality: str) -> MunicipalityDoc:
    mdoc = catalog.municipality(municipality)
    if mdoc is None:
        raise NotFound.one("unknown_municipality", ("path", "municipality"))
    return mdoc


def find_place(catalog: MunicipalityCatalog, municipality: str, process: str) -> Place:
    mdoc = find_municipality(catalog, municipality)
    pdoc = mdoc.processes.get(process)
    if pdoc is None:
        raise NotFound.one("unknown_process", ("path", "process"))
    return Place(mdoc, pdoc)


def stored_state(repository: Repository, clock: Clock, place: Place) -> ProcessState:
    """The stored phase; stored now from content/calendar if the process has none yet."""
    stored = repository.get_state(*place.key)
    return stored if stored is not None else initial_state(repository, clock, place)


def read_state(repository: Repository, clock: Clock, place: Place) -> ProcessState:
    """The stored phase, or the one content and calendar give, without storing it: for readers whose
    role may not write the table (the rebuild function, infra/template.yaml)."""
    stored = repository.get_state(*place.key)
    if stored is not None:
        return stored
    now = clock.now()
    return ProcessState(*place.key, phase_now(place.process.process, None, now.date()).key, now, "content")


def initial_state(repository: Repository, clock: Clock, place: Place) -> ProcessState:
    """Store the phase content and the calendar give, unless a phase is stored already (kept)."""
    now = clock.now()
    phase = phase_now(place.process.process, None, now.date())
    return repository.init_state(ProcessState(*place.key, phase.key, now, "content"))


def stable_id(*parts: str) -> str:
    """A hex digest of `parts`: ids derived from an idempotency key, so a retry names the same item."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class TtlCache(Generic[K, V]):
    """Values kept per warm container for a few seconds (monotonic clock)."""

    def __init__(self) -> None:
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K, ttl: float) -> V | None:
        """The value stored under `key` less than `ttl` seconds ago, else None."""
        hit = self._entries.get(key)
        return hit[1] if hit is not None and time.monotonic() - hit[0] < ttl else None

    def put(self, key: K, value: V) -> None:
        self._entries[key] = (time.monotonic(), value)

    def forget(self, key: K) -> None:
        self._entries.pop(key, None)


class Gate:
    def __init__(self, catalog: MunicipalityCatalog, repository: Repository, clock: Clock) -> None:
        self.catalog = catalog
        self.repository = repository
        self.clock = clock
        self.phase_ttl = PHASE_TTL
        self._phases: TtlCache[tuple[str, str], ProcessState] = TtlCache()

    def place(self, municipality: str, process: str) -> Place:
        """The process (404 in the one error shape if the municipality or the process is unknown)."""
        return find_place(self.catalog, municipality, process)

    def state(self, place: Place) -> ProcessState:
        return stored_state(self.repository, self.clock, place)

    def guarded(self, place: Place, action: str, write: Callable[[Collection[str]], T]) -> T:
        """Run a write that the repository refuses outside the phases allowing `action`: store the
        initial phase and retry once if none is stored; the Thai wrong-phase refusal (409) if the
        stored phase does not allow it."""
        phases = phases_allowing(place.rules, action)
        try:
            try:
                return write(phases)
            except StateMissing:
                initial_state(self.repository, self.clock, place)
                return write(phases)
        except PhaseMismatch as err:
            raise self.refusal(place, err.current, action) from None

    def refusal(self, place: Place, current: str, action: str) -> WrongPhase:
        """409 saying which phase allows `action` and when (Thai)."""
        refused = check_action(place.rules, place.process.process, current, action)
        msg = refused.message if refused else message("invalid")
        return WrongPhase.one("wrong_phase", ("path", "process"), msg=msg)

    def open_for(self, place: Place, action: str) -> ProcessState:
        """The phase for an unguarded write (ballots), from a per-container cache at most `phase_ttl`
        seconds old. Only an *accepting* answer comes from the cache; a refusal is re-read first."""
        allowed = phases_allowing(place.rules, action)
        cached = self._phases.get(place.key, self.phase_ttl)
        if cached is not None and cached.phase in allowed:
            return cached
        state = self.state(place)
        self._phases.put(place.key, state)
        if state.phase not in allowed:
            raise self.refusal(place, state.phase, action)
        return state

    def forget_phase(self, place: Place) -> None:
        """Drop this container's cached phase (it is about to change)."""
        self._phases.forget(place.key)
