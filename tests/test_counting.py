"""Which ballot × tally method × utility can be counted (`prachakhom.counting`), checked over every
combination: `validate` refuses the ones the close could not count, with the reason; every one it
accepts is counted by the results page, and the command printed there gives the same winners."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from prachakhom.content import load_content
from prachakhom.counting import BALLOT_KINDS, TALLY_METHODS, UTILITIES, count_refusal, tally_kind
from prachakhom.errors import ContentError
from prachakhom.tally import Ballot, Pot, Profile, Project, export_pb
from site_generator.views import process_view
from tests.conftest import TODAY, ContentFactory, proposal_data, write_doc
from tests.conftest_tally import run_recompute_command

# The supported matrix, written out: "ok" or the refusal's code, per ballot and method, for the
# utilities cost, cardinality and points.
MATRIX = """
approval  greedy          ok                  ok                  ok
approval  greedy-no-skip  ok                  ok                  ok
approval  mes             ok                  ok                  points_utility_needs_points_ballot
approval  mes-add1        ok                  ok                  points_utility_needs_points_ballot
approval  none            vote_not_counted    vote_not_counted    vote_not_counted
budget    greedy          ok                  ok                  ok
budget    greedy-no-skip  ok                  ok                  ok
budget    mes             ok                  ok                  points_utility_needs_points_ballot
budget    mes-add1        ok                  ok                  points_utility_needs_points_ballot
budget    none            vote_not_counted    vote_not_counted    vote_not_counted
points    greedy          ok                  ok                  ok
points    greedy-no-skip  ok                  ok                  ok
points    mes             points_ballot_needs_points_utility  points_ballot_needs_points_utility  ok
points    mes-add1        points_ballot_needs_points_utility  points_ballot_needs_points_utility  ok
points    none            vote_not_counted    vote_not_counted    vote_not_counted
support   greedy          support_not_counted support_not_counted support_not_counted
support   greedy-no-skip  support_not_counted support_not_counted support_not_counted
support   mes             support_not_counted support_not_counted support_not_counted
support   mes-add1        support_not_counted support_not_counted support_not_counted
support   none            ok                  ok                  ok
"""
EXPECTED: dict[tuple[str, str, str], str] = {
    (ballot, method, utility): code
    for ballot, method, *codes in (line.split() for line in MATRIX.strip().splitlines())
    for utility, code in zip(UTILITIES, codes, strict=True)
}
ALL = [(b, m, u) for b in BALLOT_KINDS for m in TALLY_METHODS for u in UTILITIES]
COUNTED = [c for c in ALL if EXPECTED[c] == "ok" and c[1] != "none"]
REASONS = {  # words the staff-facing reason must contain: what to change
    "vote_not_counted": "set tally.method to greedy",
    "support_not_counted": "set tally.method: none",
    "points_ballot_needs_points_utility": "set tally.utility: points",
    "points_utility_needs_points_ballot": "utility cost or cardinality",
}
BALLOTS: dict[str, dict[str, Any]] = {
    "approval": {"kind": "approval", "min_projects": 1, "max_projects": 3},
    "budget": {"kind": "budget"},
    "points": {"kind": "points", "total_points": 10, "max_points_per_project": 5},
    "support": {"kind": "support"},
}
VILLAGE_1 = {"road-north": 120000, "lights": 40000, "bins": 20000}  # village 1's budget: 150,000


def test_the_matrix_covers_every_combination() -> None:
    assert len(EXPECTED) == len(ALL) == 60
    assert len(COUNTED) == 28


@pytest.mark.parametrize(("ballot", "method", "utility"), ALL, ids=["-".join(c) for c in ALL])
def test_validate_refuses_what_the_close_could_not_count(content_factory: ContentFactory, ballot: str,
                                                         method: str, utility: str) -> None:
    expected = EXPECTED[(ballot, method, utility)]
    refusal = count_refusal(ballot, method, utility)
    assert (refusal.code if refusal else "ok") == expected
    content_factory.update_yaml(content_factory.process_dir / "process.yaml", lambda d: d.update(
        overrides={"ballot": BALLOTS[ballot], "tally": {"method": method, "utility": utility}}))
    if expected == "ok":
        doc = load_content(content_factory.root).municipalities["thot-sop"].processes["pb-2570"]
        assert (doc.rules.ballot.kind, doc.rules.tally.method, doc.rules.tally.utility) == (ballot, method, utility)
        return
    with pytest.raises(ContentError) as caught:
        load_content(content_factory.root)
    (problem,) = caught.value.problems
    assert problem.file.endswith("process.yaml") and problem.field == "overrides"
    assert REASONS[expected] in problem.message, problem.message


def test_the_template_default_with_a_points_ballot_is_refused(content_factory: ContentFactory) -> None:
    """The issue's case: pb-tambon's mes-add1 (utility cost) with a points ballot used to pass
    `validate` and make the close fail with a 500."""
    content_factory.update_yaml(content_factory.process_dir / "process.yaml",
                                lambda d: d.update(overrides={"ballot": BALLOTS["points"]}))
    with pytest.raises(ContentError) as caught:
        load_content(content_factory.root)
    assert "set tally.utility: points" in caught.value.report()


def _closed_process(factory: ContentFactory, ballot: str, method: str, utility: str) -> Path:
    """A process in its results phase with village 1's ballots published as the close writes them."""
    for slug, cost in VILLAGE_1.items():
        write_doc(factory.process_dir / "proposals" / f"{slug}.md", proposal_data(cost=cost, title=f"โครงการ {slug}"),
                  "รายละเอียด")
    factory.update_yaml(factory.process_dir / "process.yaml", lambda d: d.update(
        current_phase="results", overrides={"ballot": BALLOTS[ballot], "tally": {"method": method, "utility": utility}}))
    choices = [{"road-north": 3, "lights": 2}, {"lights": 4}, {"lights": 1, "bins": 5}, {"road-north": 5}]
    points = ballot == "points"
    profile = Profile(tally_kind(ballot), tuple(
        Ballot(tuple(c), tuple(c.values()) if points else None) for c in choices))
    pot = Pot("village-1", 150000, tuple(Project(s, c, s, i) for i, s, c in
                                         ((i, s, c) for i, (s, c) in enumerate(sorted(VILLAGE_1.items())))))
    path = factory.process_dir / "ballots" / "village-1.pb"
    path.parent.mkdir()
    path.write_text(export_pb(pot, profile), encoding="utf-8")
    return path


@pytest.mark.parametrize(("ballot", "method", "utility"), COUNTED, ids=["-".join(c) for c in COUNTED])
def test_every_accepted_combination_is_counted(content_factory: ContentFactory, tmp_path: Path, ballot: str,
                                               method: str, utility: str) -> None:
    _closed_process(content_factory, ballot, method, utility)
    content = load_content(content_factory.root)
    doc = content.municipalities["thot-sop"].processes["pb-2570"]
    view = process_view(content.municipalities["thot-sop"].municipality, doc, TODAY, None)
    results = view.outcome
    assert results is not None and results.rule == method
    (pot,) = results.pots
    outcome = pot.outcome
    assert outcome.winners and outcome.budget_used <= 150000
    if method == "greedy" and ballot != "points":       # votes: lights 3, road-north 2, bins 1
        assert outcome.winners == ("lights", "bins")
    if method == "greedy-no-skip" and ballot != "points":
        assert outcome.winners == ("lights",)
    if ballot == "points" and method.startswith("greedy"):  # points: road-north 8, lights 7, bins 5
        assert outcome.winners[0] == "road-north"
    data = tmp_path / "data"
    data.mkdir()
    for name, text in results.files.items():
        (data / name).write_text(text, encoding="utf-8")
    recomputed = run_recompute_command(pot.command, data)
    assert recomputed["winners"] == list(outcome.winners)
    assert (recomputed["rule"], recomputed["tie_breaking"]) == (method, "supporters-cost-order")
