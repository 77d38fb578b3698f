"""What a valid ballot looks like in a pot, and the problems found in a ballot (code + Thai text).

`BallotProblem` is the core's one shape of a ballot problem: this per-pot check returns them with a
`loc` relative to the pot (the project id, if the problem is about one project), and
`prachakhom.ballot.check_ballot` (a whole ballot, every pot) prefixes where the pot sits. The Thai
texts come from the one catalogue, `prachakhom.messages`.
"""

from __future__ import annotations

from dataclasses import dataclass

from prachakhom.messages import message
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
    """One thing wrong with a ballot: a stable `code` (clients and tests match on it), the Thai `msg`
    a voter reads, and `loc`, where it is (relative to what was checked; empty: the whole of it)."""

    code: str
    msg: str
    loc: tuple[str, ...] = ()


def _problem(code: str, project_id: str | None = None, **params: object) -> BallotProblem:
    return BallotProblem(code, message(code, **params), (project_id,) if project_id else ())


def check_pot_ballot(rule: BallotRule, ballot: Ballot, pot: Pot) -> list[BallotProblem]:
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
    problems = [_problem("unknown_project", pid, project=pid)
                for pid in dict.fromkeys(ballot.selections) if pid not in known]
    seen: set[str] = set()
    for pid in ballot.selections:
        if pid in seen:
            problems.append(_problem("duplicate_project", pid, project=pid))
        seen.add(pid)
    return problems


def _check_count(count: int, low: int, high: int | None) -> list[BallotProblem]:
    if count < low:
        return [_problem("too_few_projects", minimum=low, count=count)]
    if high is not None and count > high:
        return [_problem("too_many_projects", maximum=high, count=count)]
    return []


def _check_budget(rule: BudgetRule, ballot: Ballot, pot: Pot) -> list[BallotProblem]:
    costs = {p.id: p.cost for p in pot.projects}
    total = sum(costs.get(pid, 0) for pid in set(ballot.selections))
    cap = pot.budget if rule.max_total_cost is None else rule.max_total_cost
    problems = []
    if not ballot.selections:
        problems.append(_problem("too_few_projects", minimum=1, count=0))
    if total > cap:
        problems.append(_problem("over_budget", total=pot.to_units(total), cap=pot.to_units(cap)))
    if total * 100 < rule.min_share_percent * pot.budget:
        problems.append(_problem("under_min_share", percent=rule.min_share_percent, total=pot.to_units(total)))
    return problems


def _check_points(rule: PointsRule, ballot: Ballot) -> list[BallotProblem]:
    points = ballot.points if ballot.points is not None else (1,) * len(ballot.selections)
    problems = []
    for pid, v in zip(ballot.selections, points, strict=True):
        if v <= 0:
            problems.append(_problem("points_not_positive", pid, project=pid))
        elif rule.max_per_project is not None and v > rule.max_per_project:
            problems.append(_problem("too_many_points_for_project", pid, project=pid, maximum=rule.max_per_project))
    total = sum(points)
    if total > rule.total_points:
        problems.append(_problem("too_many_points", total=total, maximum=rule.total_points))
    if not ballot.selections:
        problems.append(_problem("too_few_projects", minimum=1, count=0))
    return problems
