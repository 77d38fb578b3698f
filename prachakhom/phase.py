"""Phases of a process: schedule checks and which phase is current.

A process follows its template's phases in order; the schedule gives each phase a first and a
last day (both inclusive), and the next phase starts the day after. Staff may move a process
on by hand (`current_phase` in the content, or through the API, which stores it), which wins over
the calendar (`phase_now`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from prachakhom.models import PhaseDates, PhaseDefinition, Process


@dataclass(frozen=True)
class ScheduleProblem:
    field: str
    message: str


def check_schedule(definitions: list[PhaseDefinition], dates: list[PhaseDates]) -> list[ScheduleProblem]:
    """Every template phase once, in order, back to back: no overlap, no gap."""
    expected = [d.key for d in definitions]
    given = [d.key for d in dates]
    if given != expected:
        return [
            ScheduleProblem(
                "phases",
                f"phases must be exactly the template's, in order: {', '.join(expected)}; "
                f"got {', '.join(given) or 'none'}",
            )
        ]
    problems = []
    for i in range(1, len(dates)):
        before, this = dates[i - 1], dates[i]
        day_after = before.end + timedelta(days=1)
        if this.start <= before.end:
            problems.append(
                ScheduleProblem(
                    f"phases.{i}.start",
                    f"phase '{this.key}' starts {this.start}, overlapping '{before.key}' which ends "
                    f"{before.end}; start it on {day_after}",
                )
            )
        elif this.start > day_after:
            problems.append(
                ScheduleProblem(
                    f"phases.{i}.start",
                    f"gap: '{before.key}' ends {before.end} but '{this.key}' starts {this.start}; "
                    f"start it on {day_after}",
                )
            )
    return problems


def phase_on(dates: list[PhaseDates], today: date) -> PhaseDates:
    """The phase the calendar says is current (the first before it starts, the last after it ends)."""
    for phase in dates:
        if phase.start <= today <= phase.end:
            return phase
    return dates[0] if today < dates[0].start else dates[-1]


def phase_now(process: Process, stored_phase: str | None, today: date) -> PhaseDates:
    """The phase in force — the one rule, for the API, the rebuild and the pages: the phase the API
    stored (staff or the scheduler moved the process on) if any, else the content's `current_phase`
    (staff moved it by hand in the files), else the calendar's."""
    for chosen in (stored_phase, process.current_phase):
        if chosen:
            for phase in process.phases:
                if phase.key == chosen:
                    return phase
    return phase_on(process.phases, today)


THAILAND = timezone(timedelta(hours=7), "ICT")
"""Thailand's time (no daylight saving): a phase begins on a day in Thailand."""


def phases_as_run(
    process: Process, stored_phase: str | None, today: date, moved_at: datetime | None = None
) -> list[PhaseDates]:
    """The schedule as it has really run: when staff moved the process into its current phase
    (`phase_now`) on another day than planned, that phase began the day they did (`moved_at`; today
    when the content says so without a date, for a phase planned to start later) and the phases
    before it ended the day before. Later phases keep their planned dates; without a move, the plan
    is the schedule."""
    current = phase_now(process, stored_phase, today)
    if not (stored_phase or process.current_phase):
        return list(process.phases)
    moved_on = moved_at.astimezone(THAILAND).date() if moved_at is not None else None
    if moved_on is not None and moved_on <= today:
        start = moved_on
    elif current.start > today:
        start = today
    else:
        return list(process.phases)
    keys = [p.key for p in process.phases]
    here = keys.index(current.key)
    schedule = []
    for i, phase in enumerate(process.phases):
        if i < here and phase.end >= start:
            end = start - timedelta(days=1)
            phase = phase.model_copy(update={"start": min(phase.start, end), "end": end})
        elif i == here:
            phase = phase.model_copy(update={"start": start, "end": max(phase.end, start)})
        schedule.append(phase)
    return schedule


def next_phase(process: Process, key: str) -> PhaseDates | None:
    keys = [p.key for p in process.phases]
    i = keys.index(key)
    return process.phases[i + 1] if i + 1 < len(keys) else None


def days_left(phase: PhaseDates, today: date) -> int:
    """Days until the phase closes, counting today; 0 once it has ended."""
    return max(0, (phase.end - today).days + 1)
