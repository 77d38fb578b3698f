"""Greedy by votes: most-supported project first, as most participatory budgets count.

`tally_greedy` skips a project that no longer fits and goes on (pabutools'
`greedy_utilitarian_welfare` with cost satisfaction, i.e. ordered by score); `tally_greedy_no_skip`
stops at the first project that does not fit. Both are exact: scores and money are integers.

A project nobody voted for (no supporter, no points) is never funded, whatever money is left
(`no_supporters`): unlike pabutools, which funds it if it fits. It is last in the greedy order, so
this changes nothing for the supported projects.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from prachakhom.tally.election import BallotKind, Points, Pot, Profile, Project, ordinal_as_points
from prachakhom.tally.outcome import Outcome, ProjectResult, Reason, results_with_ties
from prachakhom.tally.tiebreaking import DEFAULT_TIE_BREAKING, TieBreaking, tie_key


def project_scores(pot: Pot, profile: Profile) -> tuple[dict[str, Points], dict[str, int]]:
    """Per project of the pot: its score (votes, or points) and its number of supporters."""
    profile = ordinal_as_points(profile)
    ids = {p.id for p in pot.projects}
    supporters: Counter[str] = Counter()
    points: dict[str, Points] = dict.fromkeys(ids, 0)
    if profile.kind in (BallotKind.APPROVAL, BallotKind.CHOOSE_ONE):
        for b in profile.ballots:
            supporters.update(b.selections)
        scores: dict[str, Points] = {pid: supporters[pid] for pid in ids}
        return scores, {pid: supporters[pid] for pid in ids}
    for b in profile.ballots:
        assert b.points is not None
        for pid, pts in zip(b.selections, b.points, strict=True):
            if pts > 0 and pid in points:
                points[pid] += pts
                supporters[pid] += 1
    return {pid: norm_points(v) for pid, v in points.items()}, {pid: supporters[pid] for pid in ids}


def supported(score: Points, supporters: int) -> bool:
    """The one rule for every count: a project with no supporter or no points is never funded."""
    return supporters > 0 and score > 0


def norm_points(value: Points) -> Points:
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return value


def greedy_order(pot: Pot, scores: dict[str, Points], supporters: dict[str, int],
                 tie_breaking: TieBreaking) -> list[Project]:
    """Highest score first; equal scores in tie-breaking order."""
    return sorted(pot.projects, key=lambda p: (-scores[p.id], *tie_key(tie_breaking, p, supporters[p.id])))


def tally_greedy(pot: Pot, profile: Profile, tie_breaking: TieBreaking = DEFAULT_TIE_BREAKING,
                 min_score: Points = 0) -> Outcome:
    """Most-supported first, skipping a project that no longer fits the remaining budget.

    A project without supporters is never funded (`no_supporters`); projects scoring below
    `min_score`, a further threshold, are not funded either (`below_threshold`).
    """
    return _greedy(pot, profile, tie_breaking, min_score, skip=True)


def tally_greedy_no_skip(pot: Pot, profile: Profile, tie_breaking: TieBreaking = DEFAULT_TIE_BREAKING,
                         min_score: Points = 0) -> Outcome:
    """Most-supported first, stopping at the first project that does not fit."""
    return _greedy(pot, profile, tie_breaking, min_score, skip=False)


def _greedy(pot: Pot, profile: Profile, tie_breaking: TieBreaking, min_score: Points, skip: bool) -> Outcome:
    scores, supporters = project_scores(pot, profile)
    order = greedy_order(pot, scores, supporters, tie_breaking)
    left = pot.budget
    winners: list[str] = []
    reasons: dict[str, Reason] = {}
    stopped = False
    for p in order:
        if scores[p.id] < min_score:
            reasons[p.id] = Reason.BELOW_THRESHOLD
        elif not supported(scores[p.id], supporters[p.id]):
            reasons[p.id] = Reason.NO_SUPPORTERS
        elif stopped:
            reasons[p.id] = Reason.STOPPED_NO_SKIP
        elif p.cost <= left:
            winners.append(p.id)
            left -= p.cost
            reasons[p.id] = Reason.SELECTED
        else:
            reasons[p.id] = Reason.NOT_ENOUGH_BUDGET
            stopped = not skip
    results = [
        ProjectResult(p.id, p.cost, scores[p.id], supporters[p.id], reasons[p.id] is Reason.SELECTED,
                      reasons[p.id])
        for p in pot.projects
    ]
    return Outcome(
        rule="greedy" if skip else "greedy-no-skip",
        utility=None,
        tie_breaking=tie_breaking.value,
        pot=pot,
        budget_used=pot.budget - left,
        winners=tuple(winners),
        projects=tuple(results),
        ties=results_with_ties(results, _score_ties(order, scores), tie_breaking.value),
        details={"min_score": min_score},
    )


def _score_ties(order: list[Project], scores: dict[str, Points]) -> list[tuple[int, tuple[str, ...], str]]:
    """Runs of equal (positive) score in the greedy order: (1-based position, ids, first taken)."""
    ties = []
    start = 0
    for i in range(1, len(order) + 1):
        if i == len(order) or scores[order[i].id] != scores[order[start].id]:
            if i - start > 1 and scores[order[start].id] > 0:
                ids = tuple(p.id for p in order[start:i])
                ties.append((start + 1, ids, ids[0]))
            start = i
    return ties
