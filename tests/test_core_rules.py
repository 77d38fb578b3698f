"""The core's one definition of each rule: the phase in force, voting closed / outcome public, pots,
the counted version of a ballot, ballot problems, Thai labels."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from prachakhom.ballot import BallotProject, check_ballot, counted_version
from prachakhom.content import load_content
from prachakhom.messages import ACTION_TH, MESSAGES_TH, PROJECT_STATUS_TH, PROPOSAL_STATUS_TH
from prachakhom.models import (
    PUBLIC_PROPOSAL_STATUSES,
    PointsBallot,
    ProcessTemplate,
    ProjectStatus,
    ResidentAction,
)
from prachakhom.participation import outcome_public, voting_closed
from prachakhom.phase import phase_now
from prachakhom.pots import MUNICIPALITY_POT, ballot_cost, pot_budgets, pot_ids, pot_of
from prachakhom.tally.ballot_rules import BallotProblem
from tests.conftest import CONTENT, ContentFactory, proposal_data, write_doc

DEMO = load_content(CONTENT)
PB = DEMO.templates[("pb-tambon", 1)]
IDEAS = DEMO.templates[("idea-consultation", 1)]


def test_phase_now_stored_then_content_then_calendar() -> None:
    process = DEMO.municipalities["non-kha-hom"].processes["pb-2570"].process
    assert process.current_phase == "voting"
    first_day = process.phases[0].start
    assert phase_now(process, "results", first_day).key == "results"  # the API's stored phase wins
    assert phase_now(process, None, first_day).key == "voting"  # then staff's choice in the content
    assert phase_now(process, "no-such-phase", first_day).key == "voting"
    by_calendar = process.model_copy(update={"current_phase": None})
    assert phase_now(by_calendar, None, first_day).key == process.phases[0].key
    assert phase_now(by_calendar, None, process.phases[2].end).key == process.phases[2].key
    assert phase_now(by_calendar, None, process.phases[-1].end + timedelta(days=400)).key == process.phases[-1].key


@pytest.mark.parametrize(("rules", "phase", "closed", "public"), [
    (PB, "proposals", False, False),
    (PB, "voting", False, False),
    (PB, "results", True, True),
    (PB, "implementation", True, True),
    (IDEAS, "ideas", False, False),
    (IDEAS, "review", False, False),
    (IDEAS, "response", False, True),  # no vote phase: public once the last phase is current
])
def test_voting_closed_and_outcome_public(rules: ProcessTemplate, phase: str, closed: bool, public: bool) -> None:
    assert voting_closed(rules, phase) is closed
    assert outcome_public(rules, phase) is public


def test_voting_closed_follows_the_phases_that_allow_voting_not_a_name() -> None:
    renamed = PB.model_copy(update={"phases": [
        p.model_copy(update={"key": "ballot"}) if p.key == "voting" else p for p in PB.phases]})
    assert voting_closed(renamed, "results") and not voting_closed(renamed, "ballot")


@dataclass(frozen=True)
class Version:
    at: datetime
    choices: str


T0 = datetime(2027, 1, 18, 12, 0)


def test_counted_version_is_the_last_written_at_or_before_the_close() -> None:
    first, change, late = Version(T0, "a"), Version(T0 + timedelta(hours=1), "b"), Version(T0 + timedelta(hours=3), "c")
    versions = [first, change, late]
    assert counted_version(versions, None) is late  # no recorded close: the latest
    assert counted_version(versions, T0 + timedelta(hours=2)) is change
    assert counted_version(versions, T0 + timedelta(hours=1)) is change  # at the close counts
    assert counted_version(versions, T0 - timedelta(seconds=1)) is None  # everything after the close
    same_time = [Version(T0, "x"), Version(T0, "y")]
    assert counted_version(same_time, T0).choices == "y"  # equal times: the later write
    assert counted_version([], T0) is None


def test_pots_and_their_budgets() -> None:
    m = DEMO.municipalities["non-kha-hom"].municipality
    assert pot_ids(PB, m)[-1] == MUNICIPALITY_POT and len(pot_ids(PB, m)) == len(m.villages) + 1
    assert pot_of(PB, 3) == ("village-3" if PB.pots.per_village else MUNICIPALITY_POT)
    assert pot_of(PB, None) == MUNICIPALITY_POT
    whole_area_only = PB.model_copy(update={"pots": PB.pots.model_copy(update={"per_village": False})})
    assert pot_of(whole_area_only, 3) == MUNICIPALITY_POT and pot_ids(whole_area_only, m) == [MUNICIPALITY_POT]
    budget = DEMO.municipalities["non-kha-hom"].processes["pb-2570"].process.budget
    assert budget is not None
    pots = pot_budgets(PB, budget.model_copy(update={"municipality_wide": 0}), m)
    assert pots[MUNICIPALITY_POT] == budget.total - sum(budget.villages.values())  # the villages' remainder
    assert pot_budgets(IDEAS, None, m) == {}


def test_ballot_cost_prefers_staffs_revised_estimate() -> None:
    doc = DEMO.municipalities["non-kha-hom"].processes["pb-2570"]
    proposal = next(iter(doc.proposals.values())).proposal
    assert ballot_cost(proposal.model_copy(update={"feasibility": None})) == proposal.cost
    if proposal.feasibility is not None:
        revised = proposal.feasibility.model_copy(update={"revised_cost": 12345})
        assert ballot_cost(proposal.model_copy(update={"feasibility": revised})) == 12345


def test_a_ballot_file_of_the_whole_area_pot_may_hold_village_proposals(content_factory: ContentFactory) -> None:
    """With no village pots, a proposal for หมู่ที่ 1 competes in the municipality-wide pot (`pot_of`)."""
    content_factory.update_yaml(content_factory.process_dir / "process.yaml", lambda d: d.update(
        overrides={"pots": {"per_village": False}}, budget={"total": 500000, "municipality_wide": 500000}))
    write_doc(content_factory.process_dir / "proposals" / "road-north.md", proposal_data(village=1), "ถนน")
    ballots = content_factory.process_dir / "ballots" / "municipality.pb"
    ballots.parent.mkdir()
    ballots.write_text("META\nkey;value\nnum_projects;1\nnum_votes;1\nbudget;500000\nvote_type;approval\n"
                       "PROJECTS\nproject_id;cost;votes\nroad-north;120000;1\nVOTES\nvoter_id;vote\n1;road-north\n",
                       encoding="utf-8")
    doc = load_content(content_factory.root).municipalities["thot-sop"].processes["pb-2570"]
    assert set(doc.ballots) == {MUNICIPALITY_POT}  # parsed once, by the loader, and kept
    assert len(doc.ballots[MUNICIPALITY_POT].profile) == 1


def test_one_shape_of_ballot_problem_with_where_it_is() -> None:
    rules = PB.model_copy(update={"ballot": PointsBallot(kind="points", total_points=10, max_points_per_project=5)})
    projects = {"a": BallotProject("a", MUNICIPALITY_POT, 100, "A"), "b": BallotProject("b", MUNICIPALITY_POT, 100, "B")}
    problems = check_ballot(rules, {MUNICIPALITY_POT: {"a": 6, "b": 5}}, projects, {MUNICIPALITY_POT: 1000})
    assert all(isinstance(p, BallotProblem) for p in problems)
    assert [(p.code, p.loc) for p in problems] == [
        ("too_many_points_for_project", ("body", "choices", MUNICIPALITY_POT, "a")),
        ("too_many_points", ("body", "choices", MUNICIPALITY_POT)),
    ]
    assert all(p.msg == p.msg.strip() and "{" not in p.msg for p in problems)
    assert "“a”" in problems[0].msg


def test_one_catalogue_labels_every_status_and_action() -> None:
    assert set(PROPOSAL_STATUS_TH) == PUBLIC_PROPOSAL_STATUSES
    assert set(PROJECT_STATUS_TH) == set(typing.get_args(ProjectStatus))
    assert set(ACTION_TH) == set(typing.get_args(ResidentAction))
    ballot_codes = ("unknown_project", "duplicate_project", "too_few_projects", "too_many_projects", "over_budget",
                    "under_min_share", "points_not_positive", "too_many_points_for_project", "too_many_points")
    assert all(code in MESSAGES_TH for code in ballot_codes)


def test_site_generator_keeps_no_thai_label_tables_of_its_own() -> None:
    """Labels live in `prachakhom.messages`; a copy in the generator would drift."""
    import ast

    from tests.conftest import REPO

    copies = []
    for path in sorted((REPO / "site_generator").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict) and node.keys:
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                if keys & (set(PROPOSAL_STATUS_TH) | set(PROJECT_STATUS_TH) | set(ACTION_TH)):
                    copies.append(f"{path.name}:{node.lineno}")
    assert copies == []

