"""The fast add1 completion (certified float steps and windows of steps, `_mes_fast`) equals the plain exact loop.

`equal_shares._add1_sequential` re-runs the exact rational MES at every +1 step (the slow reference);
`equal_shares._add1` is what `tally` uses. On random small elections both must give the same outcome:
winners, the per-voter share reached, the number of steps and the ties recorded. Also: every certified
float run that returns a selection returns the exact run's selection.
"""

from __future__ import annotations

from fractions import Fraction
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prachakhom.tally import Ballot, BallotKind, PabulibElection, Pot, Profile, Project, TieBreaking
from prachakhom.tally import equal_shares as es
from prachakhom.tally._mes_fast import certified_run
from prachakhom.tally.tiebreaking import tie_key


@st.composite
def elections(draw: st.DrawFn, kind: BallotKind) -> PabulibElection:
    n_projects = draw(st.integers(1, 8))
    costs = draw(st.lists(st.integers(1, 60).map(lambda c: c * draw(st.sampled_from([1, 7, 10]))),
                          min_size=n_projects, max_size=n_projects))
    projects = tuple(Project(f"p{i}", c, order=i) for i, c in enumerate(costs))
    total = sum(costs)
    budget = draw(st.integers(max(1, total // 5), max(1, total * 4 // 5)) | st.integers(1, 3 * total))
    ids = [p.id for p in projects]
    pool = draw(st.lists(st.lists(st.sampled_from(ids), min_size=1, max_size=n_projects, unique=True),
                         min_size=1, max_size=6))   # few distinct ballots: ties and shared supporters
    ballots = []
    for v in range(draw(st.integers(1, 25))):
        chosen = draw(st.sampled_from(pool))
        points = None
        if kind is BallotKind.CUMULATIVE:
            points = tuple(draw(st.lists(st.integers(1, 5), min_size=len(chosen), max_size=len(chosen))))
        ballots.append(Ballot(tuple(chosen), points, str(v + 1)))
    return PabulibElection({}, Pot("random", budget, projects), Profile(kind, tuple(ballots)))


SETTINGS = settings(deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])


def _same(election: PabulibElection, utility: str | None, completion: str,
          tie_breaking: TieBreaking = TieBreaking.LEXICOGRAPHIC) -> None:
    pot, profile = election.pot, election.profile
    fast = es.tally_equal_shares(pot, profile, utility, tie_breaking, completion)  # type: ignore[arg-type]
    with mock.patch.object(es, "_add1", es._add1_sequential):
        slow = es.tally_equal_shares(pot, profile, utility, tie_breaking, completion)  # type: ignore[arg-type]
    assert fast.winners == slow.winners
    assert fast.details == slow.details
    assert fast.ties == slow.ties


def _certified_runs_are_exact(election: PabulibElection, utility: str) -> None:
    """At each share the add1 loop may visit, a certified run (when it answers) is the exact run."""
    pot, profile = election.pot, election.profile
    prep = es._prepare(pot, profile, utility)  # type: ignore[arg-type]
    key = [tie_key(TieBreaking.LEXICOGRAPHIC, p, prep.supporters[j]) for j, p in enumerate(pot.projects)]
    active = [j for j, p in enumerate(pot.projects) if p.cost > 0 and prep.total_util[j] > 0]
    base = Fraction(pot.budget, prep.n)
    for k in range(0, 40, 3):
        fast = certified_run(prep, active, base + k, 0.0, key)
        if fast is not None:
            assert fast == es._run_mes(prep, active, base + k, key).selected


@SETTINGS
@given(elections(BallotKind.APPROVAL), st.sampled_from(["cost", "cardinality"]),
       st.sampled_from(["add1", "add1-integral"]), st.sampled_from(list(TieBreaking)))
def test_fast_add1_equals_sequential_approval(election: PabulibElection, utility: str, completion: str,
                                              tie_breaking: TieBreaking) -> None:
    _same(election, utility, completion, tie_breaking)
    _certified_runs_are_exact(election, utility)


@SETTINGS
@given(elections(BallotKind.CUMULATIVE), st.sampled_from(["add1", "add1-integral"]))
def test_fast_add1_equals_sequential_points(election: PabulibElection, completion: str) -> None:
    _same(election, "points", completion)
    _certified_runs_are_exact(election, "points")


def _certified_windows_are_exact(election: PabulibElection, utility: str, width: int) -> None:
    """A certified run over a window of shares (its half-width as the share's error), when it answers,
    is the exact run at every share of the window: its ends and a share inside."""
    pot, profile = election.pot, election.profile
    prep = es._prepare(pot, profile, utility)  # type: ignore[arg-type]
    key = [tie_key(TieBreaking.LEXICOGRAPHIC, p, prep.supporters[j]) for j, p in enumerate(pot.projects)]
    active = [j for j, p in enumerate(pot.projects) if p.cost > 0 and prep.total_util[j] > 0]
    base = Fraction(pot.budget, prep.n)
    for first in range(1, 200, 37):
        lo, hi = base + first, base + first + width
        fast = certified_run(prep, active, (lo + hi) / 2, float(hi - lo) / 2, key)
        if fast is not None:
            for share in (lo, hi, lo + width // 3):
                assert fast == es._run_mes(prep, active, share, key).selected, share


@st.composite
def village_pots(draw: st.DrawFn, kind: BallotKind) -> PabulibElection:
    """A village pot: a few voters, costs of thousands of baht (thousands of one-baht add1 steps in
    which the selection rarely changes: what the windows step over; kept small enough for the
    sequential reference to finish)."""
    costs = draw(st.lists(st.integers(2, 60).map(lambda c: c * 100), min_size=2, max_size=6))
    projects = tuple(Project(f"p{i}", c, order=i) for i, c in enumerate(costs))
    budget = draw(st.integers(max(costs) // 2, sum(costs)))
    ids = [p.id for p in projects]
    ballots = []
    for v in range(draw(st.integers(1, 6))):
        chosen = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
        points = tuple(draw(st.integers(1, 5)) for _ in chosen) if kind is BallotKind.CUMULATIVE else None
        ballots.append(Ballot(tuple(chosen), points, str(v + 1)))
    return PabulibElection({}, Pot("village", budget, projects), Profile(kind, tuple(ballots)))


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(village_pots(BallotKind.APPROVAL), st.sampled_from(["cost", "cardinality"]), st.integers(1, 5000))
def test_windowed_add1_equals_sequential_in_village_pots(election: PabulibElection, utility: str, width: int) -> None:
    _same(election, utility, "add1", TieBreaking.SUPPORTERS_COST_ORDER)
    _certified_windows_are_exact(election, utility, width)


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(village_pots(BallotKind.CUMULATIVE), st.integers(1, 5000))
def test_windowed_add1_equals_sequential_in_village_points_pots(election: PabulibElection, width: int) -> None:
    _same(election, "points", "add1")
    _certified_windows_are_exact(election, "points", width)


@settings(deadline=None, max_examples=50, suppress_health_check=[HealthCheck.too_slow])
@given(elections(BallotKind.APPROVAL), st.sampled_from(["cost", "cardinality"]), st.integers(1, 60))
def test_certified_windows_are_exact(election: PabulibElection, utility: str, width: int) -> None:
    _certified_windows_are_exact(election, utility, width)
