"""Phases: what a process's page asks (the phase in force and its rules), staff moving a process to its
next phase, and the hourly scheduler moving every process whose phase has ended.

Each move records its rebuild with it (`chalicelib.effects`): a retry of the same request (same
Idempotency-Key) or the scheduler's next run asks again for a rebuild a failed request left pending.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from chalicelib.bodies import PhaseChangeIn
from chalicelib.effects import EffectRun, Effects
from chalicelib.errors import Conflict
from chalicelib.services.gate import Gate, Place
from chalicelib.storage.records import ProcessState
from chalicelib.storage.repository import PhaseMismatch
from prachakhom.models import PhaseDates
from prachakhom.participation import phases_allowing
from prachakhom.phase import next_phase, phase_now

log = logging.getLogger("prachakhom.phases")


@dataclass(frozen=True)
class ProcessNow:
    place: Place
    state: ProcessState
    current: PhaseDates
    """The phase in force and its dates."""
    today: date


@dataclass(frozen=True)
class PhaseMove:
    place: Place
    state: ProcessState
    """The state after the move (on a replay: as the first request left it)."""
    replay: bool
    """True: this Idempotency-Key made the last move already; nothing moved now."""
    rebuild: EffectRun
    previous: str | None = None
    """The phase left (None on a replay)."""


@dataclass(frozen=True)
class ProcessFailure:
    municipality: str
    process: str
    error: str


@dataclass
class ScheduleReport:
    """One scheduler run: what moved, what failed (logged too), what became of pending rebuilds."""

    moved: list[tuple[str, str, str]] = field(default_factory=list)
    """(municipality, process, phase left)."""
    failed: list[ProcessFailure] = field(default_factory=list)
    effects: list[EffectRun] = field(default_factory=list)


class PhaseService:
    def __init__(self, gate: Gate, effects: Effects) -> None:
        self.gate = gate
        self.effects = effects

    def now(self, municipality: str, process: str) -> ProcessNow:
        """The process and the phase in force (stored now from content and calendar if none is)."""
        place = self.gate.place(municipality, process)
        state = self.gate.state(place)
        today = self.gate.clock.now().date()
        return ProcessNow(place, state, phase_now(place.process.process, state.phase, today), today)

    def advance(self, municipality: str, process: str, body: PhaseChangeIn, idem: str) -> PhaseMove:
        """Move to the next phase once per Idempotency-Key; 409 if the process is not where staff saw
        it (`expected_phase`) or is in its last phase."""
        place = self.gate.place(municipality, process)
        state = self.gate.state(place)
        if state.change_key == idem:
            return self._replay(place, state)
        current = self.gate.phase_key(place, state)  # the stored phase, unless content no longer knows it
        if body.expected_phase and body.expected_phase not in (state.phase, current):
            raise Conflict.one("phase_conflict", ("body", "expected_phase"), current=current,
                               expected=body.expected_phase)
        following = next_phase(place.process.process, current)
        if following is None:
            raise Conflict.one("last_phase", ("path", "process"), current=current)
        vote = phases_allowing(place.rules, "vote")
        closes_vote = current in vote and following.key not in vote
        rebuild = self.effects.rebuild(municipality, process, f"phase {state.phase} → {following.key}",
                                       "phase", idem)
        self.gate.forget_phase(place)
        try:
            new = self.gate.repository.change_phase(municipality, process, state.phase, following.key,
                                                    self.gate.clock.now(), idem, closes_vote=closes_vote,
                                                    effects=[rebuild])
        except PhaseMismatch as err:
            now = self.gate.state(place)
            if now.change_key == idem:  # the same request, retried while the first was storing
                return self._replay(place, now)
            raise Conflict.one("phase_conflict", ("body", "expected_phase"), current=err.current,
                               expected=state.phase) from None
        return PhaseMove(place, new, False, self.effects.run(municipality, process), previous=state.phase)

    def _replay(self, place: Place, state: ProcessState) -> PhaseMove:
        """What the first request answered; its rebuild asked for again if it is still pending."""
        return PhaseMove(place, state, True, self.effects.run(*place.key))

    def advance_due(self, today: date) -> ScheduleReport:
        """The scheduler: first ask again for rebuilds left pending, then move every process whose
        stored phase has ended (one step per run). Each process apart: one that fails (a stored
        phase content no longer knows, content that does not load, a failing database) is logged and
        reported, and never stops the others; the next run tries it again."""
        report = ScheduleReport(effects=self.effects.run_all())
        catalog = self.gate.catalog
        for mslug in catalog.municipality_slugs():
            try:
                mdoc = catalog.municipality(mslug)
            except Exception as err:  # handled: isolated, logged, reported (see the docstring)
                _failed(report, mslug, "", err)
                continue
            if mdoc is None:  # gone since it was listed
                continue
            for pslug, pdoc in mdoc.processes.items():
                try:
                    moved = self._advance_if_due(Place(mdoc, pdoc), today)
                except Exception as err:  # handled: isolated, logged, reported (see the docstring)
                    _failed(report, mslug, pslug, err)
                    continue
                if moved is not None:
                    left, move = moved
                    report.moved.append((mslug, pslug, left))
                    report.effects.append(move.rebuild)
        return report

    def _advance_if_due(self, place: Place, today: date) -> tuple[str, PhaseMove] | None:
        """(phase left, the move) if the stored phase has ended and is not the last, else None."""
        state = self.gate.state(place)
        if state.phase not in {p.key for p in place.process.process.phases}:
            # staff move it by hand (the API then goes by content and the calendar); never the scheduler
            raise LookupError(f"stored phase '{state.phase}' is not one of the process's phases: a staff "
                              "member moves it on by hand")
        current = phase_now(place.process.process, state.phase, today)
        if current.end >= today or next_phase(place.process.process, current.key) is None:
            return None
        key = f"schedule:{current.key}:{today.isoformat()}"
        return current.key, self.advance(*place.key, PhaseChangeIn(expected_phase=current.key), key)


def _failed(report: ScheduleReport, municipality: str, process: str, err: Exception) -> None:
    log.exception("scheduler: %s/%s not moved on", municipality, process or "*")
    report.failed.append(ProcessFailure(municipality, process, f"{type(err).__name__}: {err}"))
