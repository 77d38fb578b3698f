"""Tallying that anyone can check: greedy and the Method of Equal Shares, Pabulib in and out.

Pure functions only (no I/O besides `read_pabulib_file`); money is integer minor units.

The names below are imported on first use (module `__getattr__`, PEP 562): the API checks ballots
with `prachakhom.tally.ballot_rules` and must not pay for numpy (pulled in by the equal-shares
modules) on its cold-start path.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE: dict[str, str] = {
    **dict.fromkeys(("ApprovalRule", "BallotProblem", "BallotRule", "BudgetRule", "PointsRule",
                     "SingleChoiceRule", "check_pot_ballot"), "ballot_rules"),
    **dict.fromkeys(("Ballot", "BallotKind", "Pot", "Profile", "Project", "ordinal_as_points"), "election"),
    "tally_equal_shares": "equal_shares",
    **dict.fromkeys(("anonymise", "export_csv", "export_json", "export_pb", "sha256_hex"), "export"),
    **dict.fromkeys(("tally_greedy", "tally_greedy_no_skip"), "greedy"),
    **dict.fromkeys(("REASONS_TH", "Outcome", "ProcessOutcome", "ProjectResult", "Reason", "Tie"), "outcome"),
    **dict.fromkeys(("PabulibElection", "PabulibError", "read_pabulib", "read_pabulib_file", "write_pabulib"),
                    "pabulib"),
    **dict.fromkeys(("RULES", "tally", "tally_process"), "process"),
    **dict.fromkeys(("DEFAULT_TIE_BREAKING", "TieBreaking"), "tiebreaking"),
}

__all__ = [
    "DEFAULT_TIE_BREAKING", "REASONS_TH", "RULES", "ApprovalRule", "Ballot", "BallotKind", "BallotProblem",
    "BallotRule", "BudgetRule", "Outcome", "PabulibElection", "PabulibError", "PointsRule", "Pot",
    "ProcessOutcome", "Profile", "Project", "ProjectResult", "Reason", "SingleChoiceRule", "Tie", "TieBreaking",
    "anonymise", "check_pot_ballot", "export_csv", "export_json", "export_pb", "ordinal_as_points", "read_pabulib",
    "read_pabulib_file", "sha256_hex", "tally", "tally_equal_shares", "tally_greedy", "tally_greedy_no_skip",
    "tally_process", "write_pabulib",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'prachakhom.tally' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"prachakhom.tally.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


if TYPE_CHECKING:
    from prachakhom.tally.ballot_rules import (
        ApprovalRule,
        BallotProblem,
        BallotRule,
        BudgetRule,
        PointsRule,
        SingleChoiceRule,
        check_pot_ballot,
    )
    from prachakhom.tally.election import Ballot, BallotKind, Pot, Profile, Project, ordinal_as_points
    from prachakhom.tally.equal_shares import tally_equal_shares
    from prachakhom.tally.export import anonymise, export_csv, export_json, export_pb, sha256_hex
    from prachakhom.tally.greedy import tally_greedy, tally_greedy_no_skip
    from prachakhom.tally.outcome import REASONS_TH, Outcome, ProcessOutcome, ProjectResult, Reason, Tie
    from prachakhom.tally.pabulib import (
        PabulibElection,
        PabulibError,
        read_pabulib,
        read_pabulib_file,
        write_pabulib,
    )
    from prachakhom.tally.process import RULES, tally, tally_process
    from prachakhom.tally.tiebreaking import DEFAULT_TIE_BREAKING, TieBreaking
