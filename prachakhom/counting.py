"""How a process's votes are counted, defined once: which ballot kind × tally method × utility can
be counted, and the settings that the close, the results page and the published recompute command
share (so that a reader who reruns the command gets exactly the page's winners).

The supported matrix (`count_refusal` is its one definition; content validation refuses the rest):

| ballot kind | greedy, greedy-no-skip | mes, mes-add1 | none |
|---|---|---|---|
| approval, budget | any utility (greedy ranks by votes; the utility is not used) | utility cost or cardinality | refused: a vote must be counted |
| points | any utility (greedy ranks by points) | utility points | refused: a vote must be counted |
| support (idea consultations) | refused: supports are not counted into winners | refused | any utility (not used) |

A vote on projects is counted as Pabulib ballots (`tally_kind`): approval and budget ballots as
approval ballots, points ballots as cumulative ballots.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

if TYPE_CHECKING:
    from prachakhom.models import ProcessTemplate
    from prachakhom.tally.election import BallotKind, Pot, Profile
    from prachakhom.tally.equal_shares import Utility
    from prachakhom.tally.outcome import Outcome
    from prachakhom.tally.process import RuleName

BALLOT_KINDS: tuple[str, ...] = ("approval", "budget", "points", "support")
TALLY_METHODS: tuple[str, ...] = ("greedy", "greedy-no-skip", "mes", "mes-add1", "none")
UTILITIES: tuple[str, ...] = ("cost", "cardinality", "points")
GREEDY_METHODS = frozenset({"greedy", "greedy-no-skip"})
TieBreakingName = Literal["supporters-cost-order", "lexicographic", "input-order"]


@dataclass(frozen=True)
class CountRefusal:
    """Why a set-up could not be counted: a stable `code` and what to change (English, for staff)."""

    code: str
    message: str


def count_refusal(ballot: str, method: str, utility: str) -> CountRefusal | None:
    """None if votes of `ballot` kind can be counted with `method` and `utility`; else why not."""
    if ballot == "support":
        if method == "none":
            return None
        return CountRefusal("support_not_counted", f"supports of an idea consultation are not counted into winners, "
                            f"so tally.method '{method}' cannot count them: set tally.method: none "
                            f"(or use an approval, budget or points ballot)")
    if method == "none":
        return CountRefusal("vote_not_counted", f"a '{ballot}' ballot is a vote on projects and must be counted when "
                            f"voting closes: set tally.method to greedy, greedy-no-skip, mes or mes-add1")
    if method in GREEDY_METHODS:
        return None
    if ballot == "points" and utility != "points":
        return CountRefusal("points_ballot_needs_points_utility",
                            f"points ballots are counted by the Method of Equal Shares with the points as "
                            f"utility, not '{utility}': set tally.utility: points (or choose greedy)")
    if ballot != "points" and utility == "points":
        return CountRefusal("points_utility_needs_points_ballot",
                            f"tally.utility 'points' needs a points ballot; a '{ballot}' ballot is counted "
                            f"with utility cost or cardinality")
    return None


def tally_kind(ballot: str) -> BallotKind:
    """How a vote of this kind is written and counted in Pabulib terms."""
    from prachakhom.tally.election import BallotKind

    kinds = {"approval": BallotKind.APPROVAL, "budget": BallotKind.APPROVAL, "points": BallotKind.CUMULATIVE}
    if ballot not in kinds:
        raise ValueError(f"a '{ballot}' ballot is not counted into winners")
    return kinds[ballot]


@dataclass(frozen=True)
class CountSettings:
    """One count: the rule, the MES utility (None for the greedy rules, which do not use one) and
    the tie-breaking. `count` is what the results page runs; `command` is what it publishes."""

    rule: RuleName
    utility: Utility | None
    tie_breaking: TieBreakingName

    def count(self, pot: Pot, profile: Profile) -> Outcome:
        from prachakhom.tally.process import tally
        from prachakhom.tally.tiebreaking import TieBreaking

        return tally(pot, profile, self.rule, self.utility, TieBreaking(self.tie_breaking))

    def arguments(self, file_name: str) -> list[str]:
        """`prachakhom tally` arguments that count `file_name` exactly as `count` does."""
        args = ["tally", file_name, "--rule", self.rule]
        if self.utility is not None:
            args += ["--utility", self.utility]
        return [*args, "--tie-breaking", self.tie_breaking]

    def command(self, file_name: str) -> str:
        """The command line printed beside the published ballots (shell-quoted)."""
        return shlex.join(["prachakhom", *self.arguments(file_name)])


def count_settings(rules: ProcessTemplate) -> CountSettings | None:
    """How this process's votes are counted; None when they are not (idea consultations)."""
    method = rules.tally.method
    if method == "none":
        return None
    refusal = count_refusal(rules.ballot.kind, method, rules.tally.utility)
    if refusal is not None:  # content validation refuses such rules; a model built by hand might not
        raise ValueError(refusal.message)
    utility = None if method in GREEDY_METHODS else cast("Utility", rules.tally.utility)
    return CountSettings(cast("RuleName", method), utility, rules.tally.tie_breaking)
