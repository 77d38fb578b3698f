"""The gate every feature service goes through: where (the place, from the catalog), when (the
stored phase, cached per container) and what was written in time (the phase fence).

A place is a municipality's process as content describes it (`prachakhom.content.MunicipalityCatalog`:
one municipality by slug). Its phase is what staff or the scheduler stored (`ProcessState`); a
process with none yet gets the phase content and the calendar give, stored on first use (a
conditional put: concurrent first requests store one and all read it).

Why nothing written outside its phase is published or counted, although no resident write checks
the phase in the database (which would make every write of a process contend on its STATE item):

1. a write is accepted only if the phase last read allows it (`open_for`: a per-container cache at
   most `PHASE_TTL` seconds old; a refusal is re-read first, so opening a phase is seen at once);
2. the item is stamped with the server clock read *after* that check;
3. every phase move appends (new phase, server time) to the STATE item's history in the same
   conditional write that moves it;
4. what is published or counted — the public lists, the exported snapshot and ballot files, the
   ballot's projects, supports counted — is only what `accepted_in_phase` says was written while a
   phase allowing it was in force (`accepts`).

So a write accepted on a stale cache after a move is stored but never shown nor counted; a write
stamped before the move passed its check before it and lands within the function's timeout, which
the rebuild's grace after a move covers (`PRACHAKHOM_CLOSE_GRACE`). Ballots follow the same argument
with `vote_closed_at` (services/ballots.py). The live API's lists judge by the cached state, so a
late write may show there for at most `PHASE_TTL` seconds; the pages and the count never show it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from chalicelib.errors import Conflict, NotFound, WrongPhase
from chalicelib.storage.records import CommentRecord, ProcessState, ProposalRecord, SupportRecord
from chalicelib.storage.repository import Repository
from prachakhom.content import MunicipalityCatalog, MunicipalityDoc, ProcessDoc
from prachakhom.messages import message
from prachakhom.models import ProcessTemplate
from prachakhom.participation import accepted_in_phase, check_action, phases_allowing
from prachakhom.phase import phase_now

K = TypeVar("K")
V = TypeVar("V")

PHASE_TTL = 5.0
"""Seconds a warm container trusts the phase it read when it *accepts* a write (a refusal re-reads).
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


@dataclass(frozen=True)
class Fence:
    """What was written in time: stored items stamped while a phase allowing their action was in
    force, by a process's phase history (`prachakhom.participation.accepted_in_phase`)."""

    rules: ProcessTemplate
    history: tuple[tuple[str, datetime], ...]

    def allows(self, action: str, at: datetime) -> bool:
        return accepted_in_phase(self.rules, self.history, action, at)

    def proposals(self, records: Iterable[ProposalRecord]) -> list[ProposalRecord]:
        return [r for r in records if self.allows("propose", r.submitted_at)]

    def comments(self, records: Iterable[CommentRecord]) -> list[CommentRecord]:
        return [c for c in records if self.allows("comment", c.created_at)]

    def supports(self, records: Iterable[SupportRecord]) -> list[SupportRecord]:
        return [s for s in records if self.allows("support", s.at)]


def same_request(stored_key: str, stored_digest: str, key: str, digest: str) -> None:
    """A create that found its item stored: a replay of the same request is fine; the same
    Idempotency-Key with another body (or a key that names another request's item) is a 409."""
    if stored_key != key or (stored_digest and stored_digest != digest):
        raise Conflict.one("idempotency_conflict", ("header", "idempotency-key"))


class Gate:
    def __init__(self, catalog: MunicipalityCatalog, repository: Repository, clock: Clock,
                 secret: bytes = b"") -> None:
        self.catalog = catalog
        self.repository = repository
        self.clock = clock
        self.phase_ttl = PHASE_TTL
        self._phases: TtlCache[tuple[str, str], ProcessState] = TtlCache()
        self._secret = secret

    def place(self, municipality: str, process: str) -> Place:
        """The process (404 in the one error shape if the municipality or the process is unknown)."""
        return find_place(self.catalog, municipality, process)

    def state(self, place: Place) -> ProcessState:
        """The stored state, read now (stored from content and calendar if there is none)."""
        state = stored_state(self.repository, self.clock, place)
        self._phases.put(place.key, state)
        return state

    def current(self, place: Place) -> ProcessState:
        """The stored state as this container last read it, at most `phase_ttl` seconds ago."""
        cached = self._phases.get(place.key, self.phase_ttl)
        return cached if cached is not None else self.state(place)

    def phase_key(self, place: Place, state: ProcessState) -> str:
        """The phase in force: the stored one, or content's and the calendar's if content no longer
        knows the stored one (a phase renamed or removed by a content change)."""
        return phase_now(place.process.process, state.phase, self.clock.now().date()).key

    def refusal(self, place: Place, current: str, action: str) -> WrongPhase:
        """409 saying which phase allows `action` and when (Thai)."""
        refused = check_action(place.rules, place.process.process, current, action)
        msg = refused.message if refused else message("invalid")
        return WrongPhase.one("wrong_phase", ("path", "process"), msg=msg)

    def open_for(self, place: Place, action: str) -> ProcessState:
        """The state if its phase allows `action` (else the Thai 409), from a per-container cache at
        most `phase_ttl` seconds old. Only an *accepting* answer comes from the cache; a refusal is
        re-read first. The caller stamps its write with the clock read after this (module doc)."""
        allowed = phases_allowing(place.rules, action)
        cached = self._phases.get(place.key, self.phase_ttl)
        if cached is not None and cached.phase in allowed:
            return cached
        state = self.state(place)
        phase = self.phase_key(place, state)
        if phase not in allowed:
            raise self.refusal(place, phase, action)
        return state

    def fence(self, place: Place, state: ProcessState) -> Fence:
        """What `state`'s history lets out of what is stored (module doc)."""
        return Fence(place.rules, state.phases_since())

    def forget_phase(self, place: Place) -> None:
        """Drop this container's cached phase (it is about to change)."""
        self._phases.forget(place.key)

    def digest(self, request: BaseModel | dict[str, Any]) -> str:
        """A keyed digest of what a request asks for (its body, or the part that matters), stored with
        what it wrote: the same Idempotency-Key sent with another body is told apart (keyed: bodies
        carry IDs, birth dates and phone numbers, never to be stored guessable)."""
        canonical = (request.model_dump_json() if isinstance(request, BaseModel)
                     else json.dumps(request, sort_keys=True, ensure_ascii=False))
        return hmac.new(self._secret, b"request\x1f" + canonical.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
