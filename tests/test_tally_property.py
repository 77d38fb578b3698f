"""Random small elections (approval and cumulative): our winners equal pabutools', except that we
never fund a project nobody voted for (see `tests/conftest_tally.expected_winners`)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prachakhom.tally import (
    Ballot,
    BallotKind,
    PabulibElection,
    Pot,
    Profile,
    Project,
    TieBreaking,
    tally,
)
from tests.conftest_tally import expected_winners, unsupported_projects


@st.composite
def elections(draw: st.DrawFn, kind: BallotKind) -> PabulibElection:
    n_projects = draw(st.integers(1, 6))
    costs = draw(st.lists(st.integers(1, 30).map(lambda c: c * 10), min_size=n_projects, max_size=n_projects))
    projects = tuple(Project(f"p{i}", c, order=i) for i, c in enumerate(costs))
    budget = draw(st.integers(10, sum(costs) + 10))
    ids = [p.id for p in projects]
    ballots = []
    for v in range(draw(st.integers(0, 12))):  # 0: a pot nobody voted in
        chosen = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=n_projects, unique=True))
        points = None
        if kind is BallotKind.CUMULATIVE:
            points = tuple(draw(st.lists(st.integers(1, 5), min_size=len(chosen), max_size=len(chosen))))
        ballots.append(Ballot(tuple(chosen), points, str(v + 1)))
    return PabulibElection({}, Pot("random", budget, projects), Profile(kind, tuple(ballots)))


SETTINGS = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


def _check(election: PabulibElection, rule: str, utility: str | None = None) -> None:
    ours = tally(election.pot, election.profile, rule, utility, TieBreaking.LEXICOGRAPHIC)
    theirs, unsupported_funded = expected_winners(election, rule, utility)
    assert list(ours.winners) == theirs
    assert unsupported_funded <= unsupported_projects(election)
    assert not set(ours.winners) & unsupported_projects(election)
    assert ours.budget_used <= election.pot.budget


@SETTINGS
@given(elections(BallotKind.APPROVAL), st.sampled_from(["greedy", "mes", "mes-add1"]),
       st.sampled_from(["cost", "cardinality"]))
def test_approval_matches_pabutools(election: PabulibElection, rule: str, utility: str) -> None:
    _check(election, rule, None if rule == "greedy" else utility)


@SETTINGS
@given(elections(BallotKind.CUMULATIVE), st.sampled_from(["greedy", "mes", "mes-add1"]))
def test_cumulative_matches_pabutools(election: PabulibElection, rule: str) -> None:
    _check(election, rule)
