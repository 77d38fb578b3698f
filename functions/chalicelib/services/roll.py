"""The voter roll of a process (eligibility mode `roll`): staff upload it, residents are checked
against it (`services/eligibility.py`).

An upload is all or nothing: every bad row is reported (line, code, Thai) and nothing is stored if
there is one. A new version's buckets are written first and the pointer to the version in force is
switched last, with the audit entry, in one atomic write (`Repository.switch_roll`): a voter being
checked meanwhile reads the old roll or the new one, never half of one. Once voting has started a
new roll changes who may vote, so it is refused unless staff confirm it explicitly (audited as such).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from chalicelib.errors import Conflict, Unprocessable
from chalicelib.services.eligibility import Eligibility
from chalicelib.services.gate import Gate
from chalicelib.storage.records import Roll
from chalicelib.storage.repository import RollChanged
from prachakhom.audit import Actor, audit_entry
from prachakhom.messages import message
from prachakhom.participation import voting_started
from prachakhom.roll import RollProblem, bucketed, read_roll, village_counts

MAX_REPORTED_PROBLEMS = 500
"""Bad rows listed in one answer (all are counted): enough to fix a file, small enough to send."""


@dataclass(frozen=True)
class RollUpload:
    roll: Roll
    replaced: Roll | None
    blank_lines: int


class RollService:
    def __init__(self, gate: Gate, eligibility: Eligibility, secret: bytes) -> None:
        self.gate = gate
        self.eligibility = eligibility
        self._secret = secret

    def current(self, municipality: str, process: str) -> Roll | None:
        return self.gate.repository.get_roll(*self.gate.place(municipality, process).key)

    def upload(self, municipality: str, process: str, data: bytes, actor: Actor, confirmed: bool,
               request_id: str = "") -> RollUpload:
        place = self.gate.place(municipality, process)
        started = voting_started(place.rules, self.gate.state(place).phase)
        if started and not confirmed:
            raise Conflict.one("roll_voting_started", ("query", "confirm"))
        villages = [v.number for v in place.municipality.municipality.villages]
        found = read_roll(data, villages, self._secret, municipality, process)
        if found.problems:
            raise Unprocessable(_problems(found.problems))
        if not found.entries:
            raise Unprocessable.one("roll_empty", ("body",))
        repo, now = self.gate.repository, self.gate.clock.now()
        current = repo.get_roll(municipality, process)
        roll = Roll(municipality, process, f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", now,
                    len(found.entries), village_counts(found.entries))
        repo.put_roll_buckets(municipality, process, roll.version, bucketed(found.entries))
        entry = audit_entry(
            actor=actor, municipality=municipality, action="roll.replace" if current else "roll.upload",
            target=f"{process}/roll", before=_summary(current), secret=self._secret, at=now,
            after={**(_summary(roll) or {}), "confirmed_after_voting_started": started}, request_id=request_id)
        try:
            repo.switch_roll(roll, current.version if current else None, entry)
        except RollChanged:
            repo.delete_roll_version(municipality, process, roll.version)
            raise Conflict.one("roll_changed", ("body",)) from None
        if current is not None:
            repo.delete_roll_version(municipality, process, current.version)
        self.eligibility.forget_roll(place)
        return RollUpload(roll, current, found.blank_lines)


def _summary(roll: Roll | None) -> dict[str, object] | None:
    if roll is None:
        return None
    return {"version": roll.version, "count": roll.count, "villages": {str(k): v for k, v in roll.villages.items()}}


def _problems(problems: list[RollProblem]) -> list[dict[str, object]]:
    shown: list[dict[str, object]] = [{"loc": ["body", "line", p.line], "code": p.code, "msg": f"บรรทัดที่ {p.line}: {p.msg}" if p.line else p.msg}
             for p in problems[:MAX_REPORTED_PROBLEMS]]
    if len(problems) > MAX_REPORTED_PROBLEMS:
        shown.append({"loc": ["body"], "code": "roll_more_problems",
                      "msg": message("roll_more_problems", count=len(problems), shown=MAX_REPORTED_PROBLEMS)})
    return shown
