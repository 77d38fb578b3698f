"""What a valid ballot looks like in a pot, and the problems found in a ballot (code + Thai text)."""

from __future__ import annotations

from dataclasses import dataclass

from prachakhom.tally.election import Ballot, Pot


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    """Approve between `min_projects` and `max_projects` projects (None: no upper limit)."""

    min_projects: int = 1
    max_projects: int | None = None


@dataclass(frozen=True, slots=True)
class BudgetRule:
    """Budget-capped approval: total cost at most `max_total_cost` (None: the pot's budget) and at
    least `min_share_percent` % of the pot's budget."""

    min_share_percent: int = 0
    max_total_cost: int | None = None


@dataclass(frozen=True, slots=True)
class PointsRule:
    """Distribute at most `total_points` points, at most `max_per_project` on one project."""

    total_points: int
    max_per_project: int | None = None


@dataclass(frozen=True, slots=True)
class SingleChoiceRule:
    """Choose exactly one project."""


BallotRule = ApprovalRule | BudgetRule | PointsRule | SingleChoiceRule


@dataclass(frozen=True, slots=True)
class BallotProblem:
    code: str
    message: str
    project_id: str | None = None


def check_ballot(rule: BallotRule, ballot: Ballot, pot: Pot) -> list[BallotProblem]:
    """Every problem of `ballot` for this pot under `rule` (empty list: the ballot is valid)."""
    problems = _check_projects(ballot, pot)
    if isinstance(rule, ApprovalRule):
        problems += _check_count(len(set(ballot.selections)), rule.min_projects, rule.max_projects)
    elif isinstance(rule, BudgetRule):
        problems += _check_budget(rule, ballot, pot)
    elif isinstance(rule, PointsRule):
        problems += _check_points(rule, ballot)
    else:
        problems += _check_count(len(set(ballot.selections)), 1, 1)
    return problems


def _check_projects(ballot: Ballot, pot: Pot) -> list[BallotProblem]:
    known = {p.id for p in pot.projects}
    problems = [BallotProblem("unknown_project", f"ไม่พบโครงการ {pid} ในกองงบประมาณนี้", pid)
                for pid in dict.fromkeys(ballot.selections) if pid not in known]
    seen: set[str] = set()
    for pid in ballot.selections:
        if pid in seen:
            problems.append(BallotProblem("duplicate_project", f"เลือกโครงการ {pid} ซ้ำ", pid))
        seen.add(pid)
    return problems


def _check_count(count: int, low: int, high: int | None) -> list[BallotProblem]:
    if count < low:
        return [BallotProblem("too_few_projects", f"ต้องเลือกอย่างน้อย {low} โครงการ (เลือกไว้ {count})")]
    if high is not None and count > high:
        return [BallotProblem("too_many_projects", f"เลือกได้ไม่เกิน {high} โครงการ (เลือกไว้ {count})")]
    return []


def _check_budget(rule: BudgetRule, ballot: Ballot, pot: Pot) -> list[BallotProblem]:
    costs = {p.id: p.cost for p in pot.projects}
    total = sum(costs.get(pid, 0) for pid in set(ballot.selections))
    cap = pot.budget if rule.max_total_cost is None else rule.max_total_cost
    problems = []
    if not ballot.selections:
        problems.append(BallotProblem("too_few_projects", "ต้องเลือกอย่างน้อย 1 โครงการ"))
    if total > cap:
        problems.append(BallotProblem("over_budget", f"รวมค่าใช้จ่าย {pot.to_units(total)} เกินวงเงิน "
                                                     f"{pot.to_units(cap)}"))
    if total * 100 < rule.min_share_percent * pot.budget:
        problems.append(BallotProblem("under_min_share", f"ต้องใช้งบประมาณอย่างน้อย {rule.min_share_percent}% "
                                                         f"ของวงเงิน (ใช้ไป {pot.to_units(total)})"))
    return problems


def _check_points(rule: PointsRule, ballot: Ballot) -> list[BallotProblem]:
    points = ballot.points if ballot.points is not None else (1,) * len(ballot.selections)
    problems = []
    for pid, v in zip(ballot.selections, points, strict=True):
        if v <= 0:
            problems.append(BallotProblem("points_not_positive", f"คะแนนของโครงการ {pid} ต้องมากกว่า 0", pid))
        elif rule.max_per_project is not None and v > rule.max_per_project:
            problems.append(BallotProblem("too_many_points_for_project",
                                          f"ให้คะแนนโครงการ {pid} ได้ไม่เกิน {rule.max_per_project}", pid))
    total = sum(points)
    if total > rule.total_points:
        problems.append(BallotProblem("too_many_points", f"คะแนนรวม {total} เกิน {rule.total_points}"))
    if not ballot.selections:
        problems.append(BallotProblem("too_few_projects", "ต้องให้คะแนนอย่างน้อย 1 โครงการ"))
    return problems
