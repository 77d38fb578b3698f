"""Helpers shared by the tally tests (imported explicitly; tests/conftest.py is not ours).

`reference_winners` runs pabutools, the reference implementation, configured like our rules:
greedy by score = `greedy_utilitarian_welfare` with cost satisfaction (approval) or points×cost
(cumulative), so the order is by votes/points; MES = `method_of_equal_shares`; mes-add1 =
`completion_by_rule_combination([MES with voter_budget_increment=1, greedy])`. Ties are broken by
pabutools' default `lexico_tie_breaking`, i.e. our `TieBreaking.LEXICOGRAPHIC`.

Where we differ on purpose: pabutools' greedy (and so the add1 completion) funds a project nobody
voted for when it fits; we never do. `expected_winners` is pabutools' outcome without those projects
(they come last in the greedy order, so the others are unchanged) and says which ones it removed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
from pathlib import Path
from typing import Any

import pytest

from prachakhom.tally import PabulibElection, write_pabulib

REPO = Path(__file__).resolve().parents[1]


def pabulib_dir() -> Path | None:
    env = os.environ.get("PRACHAKHOM_PABULIB")
    path = Path(env) if env else REPO.parent / "shared" / "pabulib"
    return path if path.is_dir() and any(path.glob("*.pb")) else None


def pb_files() -> list[Path]:
    folder = pabulib_dir()
    return sorted(folder.glob("*.pb")) if folder else []


def need_pabulib() -> Path:
    """The real elections; in CI (where shared/ sits beside the clone) their absence is a failure."""
    folder = pabulib_dir()
    if folder is None:
        message = "Pabulib files not found: set PRACHAKHOM_PABULIB or put them in ../shared/pabulib"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return folder


def file_meta(path: Path) -> dict[str, str]:
    """META of a .pb file (read without parsing the votes)."""
    meta: dict[str, str] = {}
    with path.open(encoding="utf-8-sig") as f:
        f.readline()
        f.readline()
        for line in f:
            if line.strip().lower() == "projects":
                break
            key, _, value = line.rstrip("\r\n").partition(";")
            meta[key.strip()] = value.strip()
    return meta


def size(path: Path) -> int:
    """num_votes × num_projects: what pabutools' running time grows with."""
    meta = file_meta(path)
    return int(meta.get("num_votes", 0)) * int(meta.get("num_projects", 0))


def unsupported_projects(election: PabulibElection) -> set[str]:
    """Projects with no supporter (no approval, or no positive points) in this election."""
    backed = {pid for b in election.profile.ballots for pid, pts in b.points_of().items() if pts > 0}
    return {p.id for p in election.pot.projects} - backed


def expected_winners(election: PabulibElection, rule: str, utility: str | None = None,
                     text: str | None = None) -> tuple[list[str], set[str]]:
    """pabutools' winners on `text` (default: the election as we write it) minus the projects nobody
    supported, and the ones removed: the only place where our rules and pabutools' may differ."""
    theirs = reference_winners(write_pabulib(election) if text is None else text, rule, utility)
    unsupported = unsupported_projects(election)
    return [w for w in theirs if w not in unsupported], {w for w in theirs if w in unsupported}


def reference_winners(text: str, rule: str, utility: str | None = None) -> list[str]:
    from pabutools.election import (
        Additive_Cardinal_Sat,
        AdditiveSatisfaction,
        ApprovalProfile,
        Cardinality_Sat,
        Cost_Sat,
    )
    from pabutools.election.pabulib import parse_pabulib_from_string
    from pabutools.rules import (
        completion_by_rule_combination,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    class PointsCostSat(AdditiveSatisfaction):
        """points × cost: greedy by this density orders projects by points."""

        def __init__(self, instance, profile, ballot):  # type: ignore[no-untyped-def]
            super().__init__(instance, profile, ballot, lambda i, p, b, proj, pre: b.get(proj, 0) * proj.cost)

    instance, profile = parse_pabulib_from_string(text)
    approval = isinstance(profile, ApprovalProfile)
    greedy_sat = Cost_Sat if approval else PointsCostSat
    mes_sat = (Cardinality_Sat if utility == "cardinality" else Cost_Sat) if approval else Additive_Cardinal_Sat
    if rule == "greedy":
        result = greedy_utilitarian_welfare(instance, profile, sat_class=greedy_sat)
    elif rule == "mes":
        result = method_of_equal_shares(instance, profile, sat_class=mes_sat)
    elif rule == "mes-add1":
        result = completion_by_rule_combination(
            instance, profile, [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": mes_sat, "voter_budget_increment": 1}, {"sat_class": greedy_sat}])
    else:
        raise ValueError(rule)
    return [p.name for p in result]


def run_recompute_command(command: str, data_dir: Path) -> dict[str, Any]:
    """Run a published recompute command (`prachakhom tally FILE …`) the way a reader would, through
    the command's own code path (in process), on the file in `data_dir`; its JSON outcome."""
    from prachakhom.commands.cli import main

    program, *args = shlex.split(command)
    assert program == "prachakhom" and args[0] == "tally"
    args[1] = str(data_dir / args[1])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*args, "--json"]) == 0
    return json.loads(out.getvalue())  # type: ignore[no-any-return]
