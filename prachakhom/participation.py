"""Which resident action is allowed in which phase, the Thai refusal that says when it is, and
when a process's outcome is public.

The phase in force is `prachakhom.phase.phase_now` (stored by the API, else the content's, else the
calendar's); the functions here take its key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from prachakhom.messages import ACTION_TH
from prachakhom.models import PhaseDates, Process, ProcessTemplate
from prachakhom.thai import thai_date


@dataclass(frozen=True)
class PhaseRefusal:
    """An action asked for outside the phases that allow it."""

    action: str
    current: str
    allowed: tuple[str, ...]
    message: str


def phases_allowing(rules: ProcessTemplate, action: str) -> list[str]:
    return [p.key for p in rules.phases if action in p.actions]


def check_action(rules: ProcessTemplate, process: Process, current: str, action: str) -> PhaseRefusal | None:
    """None if `action` is allowed in phase `current`, else a refusal naming the phase that allows it."""
    allowed = phases_allowing(rules, action)
    if current in allowed:
        return None
    return PhaseRefusal(action, current, tuple(allowed), refusal_text(rules, process, current, action))


def refusal_text(rules: ProcessTemplate, process: Process, current: str, action: str) -> str:
    """Why `action` is refused in phase `current`, naming the next phase that allows it (with its
    dates) or, if none is ahead, the one that allowed it and has closed."""
    verb = ACTION_TH.get(action, action)
    now = f"ขณะนี้อยู่ในช่วง “{rules.phase(current).name}” จึงยัง{verb}ไม่ได้"
    keys = [p.key for p in process.phases]
    here = keys.index(current) if current in keys else -1
    dates = {p.key: p for p in process.phases}
    allowed = [k for k in phases_allowing(rules, action) if k in dates]
    if not allowed:
        return f"กระบวนการนี้ไม่มีช่วงที่{verb}ได้"
    later = [k for k in allowed if keys.index(k) > here]
    if later:
        k = later[0]
        return f"{now} — {verb}ได้ในช่วง “{rules.phase(k).name}” {_when(dates[k])}"
    k = allowed[-1]
    now = f"ขณะนี้อยู่ในช่วง “{rules.phase(current).name}”"
    return (
        f"{now} — ช่วง “{rules.phase(k).name}” ที่{verb}ได้ "
        f"({_when(dates[k])}) ปิดไปแล้ว จึง{verb}ไม่ได้อีก"
    )


def _when(phase: PhaseDates) -> str:
    return f"วันที่ {thai_date(phase.start)} ถึง {thai_date(phase.end)}"


def voting_closed(rules: ProcessTemplate, current: str) -> bool:
    """True once the process has moved past every phase in which residents vote."""
    keys = [p.key for p in rules.phases]
    vote_phases = [keys.index(k) for k in phases_allowing(rules, "vote")]
    return bool(vote_phases) and current in keys and keys.index(current) > max(vote_phases)


def phase_at(history: Sequence[tuple[str, datetime]], at: datetime) -> str | None:
    """The phase in force at `at` by a process's stored history ((phase, since) pairs, oldest
    first): the last one since before `at`; None up to the first (nothing stored yet). Something
    stamped at the very time of a move belongs to the phase the move left, as a ballot cast at the
    close is counted (`BallotRecord.counted`)."""
    found = None
    for phase, since in history:
        if since >= at:
            break
        found = phase
    return found


def accepted_in_phase(rules: ProcessTemplate, history: Sequence[tuple[str, datetime]], action: str,
                      at: datetime) -> bool:
    """Was something written at `at` written while a phase allowing `action` was in force?

    The API accepts a proposal, comment or support after checking the phase it last read (a
    per-container cache a few seconds old), then stamps it with the server time; what is published
    or counted is only what this says was written in time. Before the first stored entry there is
    no history to judge by (a state stored before histories existed, whose writes were checked in
    the database as they were made): accepted. Nor is there in a phase the rules no longer know (a
    content change renamed it; the API then went by content's and the calendar's phase): accepted.
    """
    phase = phase_at(history, at)
    known = {p.key: p.actions for p in rules.phases}
    return phase is None or phase not in known or action in known[phase]


def outcome_public(rules: ProcessTemplate, current: str) -> bool:
    """True once the process's outcome may be published (the results page, the ballots' files).

    A process with a vote: once voting has closed (`voting_closed`). A consultation without a vote
    phase (ideas and supports): once its last phase — the municipality's summary and response — is
    current; supports keep changing until then, so an earlier count would not be the outcome.
    """
    if phases_allowing(rules, "vote"):
        return voting_closed(rules, current)
    return current == rules.phases[-1].key
