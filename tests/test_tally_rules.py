"""Hand-built elections we can reason about: reasons (Thai), ties, pots, ballot checks, exports, CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from prachakhom.commands.cli import main
from prachakhom.tally import (
    ApprovalRule,
    Ballot,
    BallotKind,
    BudgetRule,
    PointsRule,
    Pot,
    Profile,
    Project,
    Reason,
    SingleChoiceRule,
    TieBreaking,
    check_pot_ballot,
    export_csv,
    export_json,
    export_pb,
    read_pabulib,
    sha256_hex,
    tally_equal_shares,
    tally_greedy,
    tally_greedy_no_skip,
    tally_process,
)


def pot(budget: int, *costs: int, pot_id: str = "city") -> Pot:
    return Pot(pot_id, budget, tuple(Project(f"{pot_id}-{i}", c, order=i) for i, c in enumerate(costs)))


def approvals(*ballots: str) -> Profile:
    return Profile(BallotKind.APPROVAL, tuple(Ballot(tuple(b.split()) if b else ()) for b in ballots))


def test_greedy_skips_what_does_not_fit_and_says_why_in_thai() -> None:
    p = pot(100, 60, 50, 40)   # votes: 0 → 3, 1 → 2, 2 → 1
    out = tally_greedy(p, approvals("city-0 city-1 city-2", "city-0 city-1", "city-0"))
    assert out.winners == ("city-0", "city-2")
    assert (out.budget_used, out.budget_left) == (100, 0)
    loser = next(r for r in out.projects if r.project_id == "city-1")
    assert loser.reason_code is Reason.NOT_ENOUGH_BUDGET and loser.reason == "งบประมาณคงเหลือไม่พอ"
    assert loser.score == 2 and not loser.selected


def test_greedy_no_skip_stops_at_first_misfit() -> None:
    p = pot(100, 60, 50, 40)
    out = tally_greedy_no_skip(p, approvals("city-0 city-1 city-2", "city-0 city-1", "city-0"))
    assert out.winners == ("city-0",)
    reasons = {r.project_id: r.reason_code for r in out.projects}
    assert reasons == {"city-0": Reason.SELECTED, "city-1": Reason.NOT_ENOUGH_BUDGET,
                       "city-2": Reason.STOPPED_NO_SKIP}


def test_threshold() -> None:
    out = tally_greedy(pot(100, 10, 10), approvals("city-0", "city-0"), min_score=2)
    assert out.winners == ("city-0",)
    assert out.projects[1].reason_code is Reason.BELOW_THRESHOLD


def test_default_tie_breaking_prefers_cheaper_and_reports_deciding_tie() -> None:
    p = pot(60, 50, 40)   # both 1 vote; only one fits
    out = tally_greedy(p, approvals("city-0", "city-1"))
    assert out.winners == ("city-1",)
    assert out.tie_breaking == "supporters-cost-order"
    (tie,) = out.ties
    assert tie.project_ids == ("city-1", "city-0") and tie.chosen == "city-1" and tie.decided_winner
    lexico = tally_greedy(p, approvals("city-0", "city-1"), TieBreaking.LEXICOGRAPHIC)
    assert lexico.winners == ("city-0",) and lexico.ties[0].broken_by == "lexicographic"


def test_mes_supporters_out_of_money() -> None:
    # 4 voters, budget 100: each has 25. Three back A (cost 60, they pay 20 each), one backs B (cost 40 > 25).
    p = pot(100, 60, 40)
    out = tally_equal_shares(p, approvals("city-0", "city-0", "city-0", "city-1"))
    assert out.winners == ("city-0",)
    b = out.projects[1]
    assert b.reason_code is Reason.SUPPORTERS_OUT_OF_MONEY and b.reason == "ผู้สนับสนุนใช้ส่วนแบ่งหมดแล้ว"
    completed = tally_equal_shares(p, approvals("city-0", "city-0", "city-0", "city-1"), completion="add1")
    assert completed.winners == ("city-0", "city-1")
    assert completed.projects[1].reason_code is Reason.ADDED_BY_COMPLETION or completed.details["add1_steps"] > 0


def test_mes_exact_tie_is_reported() -> None:
    p = pot(100, 50, 50, 50)
    out = tally_equal_shares(p, approvals("city-0 city-1", "city-0 city-1"), tie_breaking=TieBreaking.INPUT_ORDER)
    assert out.winners == ("city-0", "city-1")
    assert out.ties[0].project_ids == ("city-0", "city-1") and not out.ties[0].decided_winner
    assert out.to_dict()["projects"][2]["reason_code"] == "no_supporters"


def test_process_with_village_pots() -> None:
    city = pot(100, 100, 50, pot_id="city")
    village = pot(10, 10, 10, pot_id="moo1")
    profile = approvals("city-0 moo1-0", "city-0 moo1-1", "city-1 moo1-1", "city-0")
    result = tally_process([city, village], profile, "greedy")
    assert result.pots["city"].winners == ("city-0",)
    assert result.pots["moo1"].winners == ("moo1-1",)
    mes = tally_process([city, village], profile, "mes")
    assert mes.pots["moo1"].details["per_voter_budget"] == pytest.approx(10 / 3)
    assert set(result.to_dict()["pots"]) == {"city", "moo1"}


BALLOT_POT = pot(100, 30, 40, 50)


@pytest.mark.parametrize(("rule", "ballot", "codes"), [
    (ApprovalRule(1, 2), Ballot(()), ["too_few_projects"]),
    (ApprovalRule(1, 2), Ballot(("city-0", "city-1", "city-2")), ["too_many_projects"]),
    (ApprovalRule(1, 2), Ballot(("city-0", "city-0")), ["duplicate_project"]),
    (ApprovalRule(1, 2), Ballot(("nope",)), ["unknown_project"]),
    (BudgetRule(50), Ballot(("city-0",)), ["under_min_share"]),
    (BudgetRule(0, 60), Ballot(("city-0", "city-1")), ["over_budget"]),
    (BudgetRule(50), Ballot(("city-0", "city-1")), []),
    (PointsRule(10, 5), Ballot(("city-0", "city-1"), (6, 5)), ["too_many_points_for_project", "too_many_points"]),
    (PointsRule(10, 5), Ballot(("city-0",), (0,)), ["points_not_positive"]),
    (SingleChoiceRule(), Ballot(("city-0", "city-1")), ["too_many_projects"]),
    (SingleChoiceRule(), Ballot(("city-2",)), []),
])
def test_check_pot_ballot(rule: object, ballot: Ballot, codes: list[str]) -> None:
    problems = check_pot_ballot(rule, ballot, BALLOT_POT)  # type: ignore[arg-type]
    assert [p.code for p in problems] == codes
    assert all(p.msg for p in problems)


def test_exports_are_anonymous_and_readable() -> None:
    profile = Profile(BallotKind.APPROVAL, (Ballot(("city-1",), None, "secret-9"), Ballot(("city-0",), None, "x")))
    text = export_pb(BALLOT_POT, profile)
    assert "secret" not in text
    again = read_pabulib(text)
    assert [b.selections for b in again.profile.ballots] == [("city-0",), ("city-1",)]
    rows = list(csv.DictReader(io.StringIO(export_csv(BALLOT_POT, profile))))
    assert [(r["voter"], r["project_id"]) for r in rows] == [("1", "city-0"), ("2", "city-1")]
    data = json.loads(export_json(BALLOT_POT, profile))
    assert data["ballots"][0] == {"voter": "1", "selections": ["city-0"], "points": None}
    assert sha256_hex(text) == sha256_hex(text.encode()) and len(sha256_hex(text)) == 64


SMALL = "META\nkey;value\nvote_type;approval\nbudget;100\nPROJECTS\nproject_id;cost\na;60\nb;50\nVOTES\n" \
        "voter_id;vote\n1;a,b\n2;a\n"


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "e.pb"
    f.write_text(SMALL)
    assert main(["tally", str(f), "--rule", "greedy", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["winners"] == ["a"] and out["rule"] == "greedy" and out["budget_used"] == 60
    assert out["tie_breaking"] == "supporters-cost-order"
    assert set(out["timing"]) == {"parse_seconds", "count_seconds"}
    assert out["sha256"] == sha256_hex(SMALL)


def test_cli_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "e.pb"
    f.write_text(SMALL)
    assert main(["tally", str(f), "--rule", "mes-add1", "--utility", "cardinality"]) == 0
    assert "winners: a" in capsys.readouterr().out


@pytest.mark.parametrize(("content", "message"), [
    (SMALL.replace("2;a\n", "2;zz\n"), "line 12: vote for unknown project 'zz'"),
    (None, "cannot read"),
])
def test_cli_bad_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None,
                              message: str) -> None:
    f = tmp_path / "e.pb"
    if content is not None:
        f.write_text(content)
    assert main(["tally", str(f)]) == 2
    assert message in capsys.readouterr().err


def test_cli_points_utility_mismatch_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "e.pb"
    f.write_text(SMALL)
    assert main(["tally", str(f), "--utility", "points"]) == 2
    assert "utility" in capsys.readouterr().err


def test_core_imports_no_web_stack() -> None:
    import sys

    import prachakhom.tally  # noqa: F401

    assert not {"boto3", "chalice", "jinja2", "mkdocs"} & {m.split(".")[0] for m in sys.modules
                                                           if m.startswith(("prachakhom.tally",))}
