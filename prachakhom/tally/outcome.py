"""The one shape of every tally result, whatever the rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from prachakhom.tally.election import Pot


class Reason(StrEnum):
    SELECTED = "selected"
    ADDED_BY_COMPLETION = "added_by_completion"
    NOT_ENOUGH_BUDGET = "not_enough_budget"
    SUPPORTERS_OUT_OF_MONEY = "supporters_out_of_money"
    BELOW_THRESHOLD = "below_threshold"
    STOPPED_NO_SKIP = "stopped_no_skip"
    NO_SUPPORTERS = "no_supporters"


REASONS_TH: dict[Reason, str] = {
    Reason.SELECTED: "ได้รับเลือก",
    Reason.ADDED_BY_COMPLETION: "ได้รับเลือกในขั้นเติมงบประมาณที่เหลือ (เรียงตามคะแนนเสียง)",
    Reason.NOT_ENOUGH_BUDGET: "งบประมาณคงเหลือไม่พอ",
    Reason.SUPPORTERS_OUT_OF_MONEY: "ผู้สนับสนุนใช้ส่วนแบ่งหมดแล้ว",
    Reason.BELOW_THRESHOLD: "คะแนนไม่ถึงเกณฑ์ขั้นต่ำ",
    Reason.STOPPED_NO_SKIP: "การนับหยุดที่โครงการแรกที่งบประมาณไม่พอ",
    Reason.NO_SUPPORTERS: "ไม่มีผู้สนับสนุน",
}


@dataclass(frozen=True, slots=True)
class ProjectResult:
    """One project's fate. `cost` in minor units; `score` = votes (approval) or points."""

    project_id: str
    cost: int
    score: int | Fraction
    supporters: int
    selected: bool
    reason_code: Reason

    @property
    def reason(self) -> str:
        return REASONS_TH[self.reason_code]


@dataclass(frozen=True, slots=True)
class Tie:
    """Projects found equal by the rule at one step, and how the tie was broken.

    `decided_winner` is true when at least one of the tied projects ended up selected and at least
    one did not, i.e. the tie-breaking (not the voters) separated a winner from a loser.
    """

    step: int
    project_ids: tuple[str, ...]
    chosen: str
    broken_by: str
    decided_winner: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    rule: str
    utility: str | None
    tie_breaking: str
    pot: Pot
    budget_used: int
    winners: tuple[str, ...]
    projects: tuple[ProjectResult, ...]
    ties: tuple[Tie, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def budget(self) -> int:
        return self.pot.budget

    @property
    def budget_left(self) -> int:
        return self.pot.budget - self.budget_used

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; money in the source's units (int when whole), ids as in the input."""
        money = self.pot.to_units
        return {
            "pot": self.pot.id,
            "rule": self.rule,
            "utility": self.utility,
            "tie_breaking": self.tie_breaking,
            "budget": _num(money(self.budget)),
            "budget_used": _num(money(self.budget_used)),
            "budget_left": _num(money(self.budget_left)),
            "winners": list(self.winners),
            "projects": [
                {
                    "id": r.project_id,
                    "cost": _num(money(r.cost)),
                    "score": _num(r.score),
                    "supporters": r.supporters,
                    "selected": r.selected,
                    "reason_code": r.reason_code.value,
                    "reason": r.reason,
                }
                for r in self.projects
            ],
            "ties": [
                {
                    "step": t.step,
                    "projects": list(t.project_ids),
                    "chosen": t.chosen,
                    "broken_by": t.broken_by,
                    "decided_winner": t.decided_winner,
                }
                for t in self.ties
            ],
            "details": {k: _num(v) if isinstance(v, Fraction | Decimal) else v for k, v in self.details.items()},
        }


@dataclass(frozen=True, slots=True)
class ProcessOutcome:
    """A whole process: one outcome per pot (municipality-wide pot and one per village)."""

    pots: dict[str, Outcome]

    def to_dict(self) -> dict[str, Any]:
        return {"pots": {k: v.to_dict() for k, v in self.pots.items()}}


def _num(value: int | Fraction | Decimal) -> int | float:
    """A display number: exact int when whole, else a float (display only, never for decisions)."""
    if isinstance(value, int):
        return value
    if value == int(value):
        return int(value)
    return float(value)


def results_with_ties(results: list[ProjectResult], raw_ties: list[tuple[int, tuple[str, ...], str]],
                      broken_by: str) -> tuple[Tie, ...]:
    """Turn (step, tied ids, chosen) records into `Tie`s, now that the final selection is known."""
    selected = {r.project_id for r in results if r.selected}
    ties = []
    for step, ids, chosen in raw_ties:
        flags = {pid in selected for pid in ids}
        ties.append(Tie(step, ids, chosen, broken_by, decided_winner=len(flags) == 2))
    return tuple(ties)
