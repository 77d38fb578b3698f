"""No project without a vote: whatever the rule, the utility or the completion, a project nobody
supported (no approval, or no positive points) is never funded, and a pot nobody voted in funds
nothing. This is where we differ from pabutools on purpose (its greedy funds such a project when it
fits); the difference is pinned here and in `tests/conftest_tally.expected_winners`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prachakhom.commands.cli import main
from prachakhom.tally import (
    Ballot,
    BallotKind,
    Outcome,
    PabulibElection,
    Pot,
    Profile,
    Project,
    Reason,
    TieBreaking,
    export_pb,
    tally,
    tally_equal_shares,
    tally_process,
)
from tests.conftest_tally import reference_winners, unsupported_projects

# every rule × utility the tally knows, per kind of ballot (None: the rule's default)
APPROVAL_RULES = [("greedy", None), ("greedy-no-skip", None), ("mes", "cost"), ("mes", "cardinality"),
                  ("mes-add1", "cost"), ("mes-add1", "cardinality")]
POINTS_RULES = [("greedy", None), ("greedy-no-skip", None), ("mes", "points"), ("mes-add1", "points")]


@st.composite
def elections(draw: st.DrawFn) -> PabulibElection:
    """Small pots with zero-cost and zero-vote projects, empty ballots, zero points, empty pots."""
    kind = draw(st.sampled_from([BallotKind.APPROVAL, BallotKind.CUMULATIVE, BallotKind.ORDINAL]))
    n_projects = draw(st.integers(1, 6))
    costs = draw(st.lists(st.integers(0, 30).map(lambda c: c * 10), min_size=n_projects, max_size=n_projects))
    projects = tuple(Project(f"p{i}", c, order=i) for i, c in enumerate(costs))
    budget = draw(st.integers(0, sum(costs) + 20))
    # voters only ever pick among a random subset, so some projects surely get no vote
    backed = draw(st.lists(st.sampled_from([p.id for p in projects]), unique=True, max_size=n_projects))
    ballots = []
    for v in range(draw(st.integers(0, 10))):
        chosen = draw(st.lists(st.sampled_from(backed), unique=True, max_size=len(backed))) if backed else []
        points = None
        if kind is BallotKind.CUMULATIVE:
            points = tuple(draw(st.lists(st.integers(0, 4), min_size=len(chosen), max_size=len(chosen))))
        ballots.append(Ballot(tuple(chosen), points, str(v + 1)))
    return PabulibElection({}, Pot("random", budget, projects), Profile(kind, tuple(ballots)))


def assert_nothing_unsupported_funded(outcome: Outcome, unsupported: set[str]) -> None:
    assert not set(outcome.winners) & unsupported, outcome.winners
    for r in outcome.projects:
        if r.project_id in unsupported:
            assert not r.selected
            assert r.reason_code in (Reason.NO_SUPPORTERS, Reason.BELOW_THRESHOLD)
    assert outcome.budget_used <= outcome.budget


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(elections(), st.sampled_from(list(TieBreaking)))
def test_no_rule_funds_a_project_without_support(election: PabulibElection, tie_breaking: TieBreaking) -> None:
    unsupported = unsupported_projects(election)
    nobody_voted = not any(pts > 0 for b in election.profile.ballots for pts in b.points_of().values())
    rules = APPROVAL_RULES if election.profile.kind is BallotKind.APPROVAL else POINTS_RULES
    for rule, utility in rules:
        outcome = tally(election.pot, election.profile, rule, utility, tie_breaking)  # type: ignore[arg-type]
        assert_nothing_unsupported_funded(outcome, unsupported)
        if nobody_voted:
            assert outcome.winners == () and outcome.budget_used == 0
    integral = tally_equal_shares(election.pot, election.profile, completion="add1-integral")
    assert_nothing_unsupported_funded(integral, unsupported)


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(["a0", "a1", "b0", "b1", "c0"]), unique=True), max_size=8),
       st.sampled_from(["greedy", "greedy-no-skip", "mes", "mes-add1"]))
def test_a_process_with_empty_village_pots_funds_nothing_there(ballots: list[list[str]], rule: str) -> None:
    pots = [Pot(name, 100, (Project(f"{name[0]}0", 40, order=0), Project(f"{name[0]}1", 60, order=1)))
            for name in ("a-pot", "b-pot", "c-pot")]
    profile = Profile(BallotKind.APPROVAL, tuple(Ballot(tuple(b)) for b in ballots))
    result = tally_process(pots, profile, rule)  # type: ignore[arg-type]
    voted = {pid for b in ballots for pid in b}
    for outcome in result.pots.values():
        assert set(outcome.winners) <= voted
        if not voted & {p.id for p in outcome.pot.projects}:
            assert outcome.winners == () and outcome.budget_used == 0


def village_pot_nobody_voted_in() -> tuple[Pot, Profile]:
    """The demo's village pots after the close: projects on the ballot, no voter."""
    pot = Pot("village-1", 300000, (Project("road", 120000, "ซ่อมถนน", 0), Project("lights", 40000, "ไฟ", 1)))
    return pot, Profile(BallotKind.APPROVAL, ())


@pytest.mark.parametrize("rule", ["greedy", "greedy-no-skip", "mes", "mes-add1"])
def test_an_empty_pot_funds_nothing_and_says_why_in_thai(rule: str) -> None:
    pot, profile = village_pot_nobody_voted_in()
    outcome = tally(pot, profile, rule)  # type: ignore[arg-type]
    assert outcome.winners == () and outcome.budget_used == 0
    assert {r.reason for r in outcome.projects} == {"ไม่มีผู้สนับสนุน"}


def test_the_command_on_an_empty_village_pot_funds_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pot, profile = village_pot_nobody_voted_in()
    path = tmp_path / "village-1.pb"
    path.write_text(export_pb(pot, profile), encoding="utf-8")
    assert main(["tally", str(path), "--rule", "mes-add1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["winners"] == [] and out["budget_used"] == 0
    assert {p["reason_code"] for p in out["projects"]} == {"no_supporters"}


def test_where_pabutools_differs_a_project_without_votes() -> None:
    """pabutools' greedy and its add1 completion fund `quiet` (no vote, fits the money left); we do not."""
    pot = Pot("pot", 100, (Project("loud", 50, order=0), Project("quiet", 30, order=1)))
    profile = Profile(BallotKind.APPROVAL, (Ballot(("loud",)), Ballot(("loud",))))
    text = export_pb(pot, profile)
    for rule in ("greedy", "mes-add1"):
        assert reference_winners(text, rule) == ["loud", "quiet"]
        outcome = tally(pot, profile, rule, tie_breaking=TieBreaking.LEXICOGRAPHIC)  # type: ignore[arg-type]
        assert outcome.winners == ("loud",)
        assert outcome.projects[1].reason_code is Reason.NO_SUPPORTERS
    # plain MES agrees with pabutools here: it never funds a project without supporters
    assert reference_winners(text, "mes") == list(tally(pot, profile, "mes").winners) == ["loud"]
