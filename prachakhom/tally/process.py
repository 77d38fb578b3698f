"""A whole process: a municipality-wide pot and one pot per village, tallied with one rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from prachakhom.tally.election import Points, Pot, Profile
from prachakhom.tally.equal_shares import Utility, tally_equal_shares
from prachakhom.tally.greedy import tally_greedy, tally_greedy_no_skip
from prachakhom.tally.outcome import Outcome, ProcessOutcome
from prachakhom.tally.tiebreaking import DEFAULT_TIE_BREAKING, TieBreaking

RuleName = Literal["greedy", "greedy-no-skip", "mes", "mes-add1"]
RULES: tuple[str, ...] = ("greedy", "greedy-no-skip", "mes", "mes-add1")


def tally(pot: Pot, profile: Profile, rule: RuleName, utility: Utility | None = None,
          tie_breaking: TieBreaking = DEFAULT_TIE_BREAKING, min_score: Points = 0) -> Outcome:
    """One pot with the named rule (`min_score` applies to the greedy rules only)."""
    if rule == "greedy":
        return tally_greedy(pot, profile, tie_breaking, min_score)
    if rule == "greedy-no-skip":
        return tally_greedy_no_skip(pot, profile, tie_breaking, min_score)
    if rule == "mes":
        return tally_equal_shares(pot, profile, utility, tie_breaking)
    if rule == "mes-add1":
        return tally_equal_shares(pot, profile, utility, tie_breaking, completion="add1")
    raise ValueError(f"unknown rule {rule!r}; choose one of {', '.join(RULES)}")


def tally_process(pots: Sequence[Pot], profile: Profile, rule: RuleName, utility: Utility | None = None,
                  tie_breaking: TieBreaking = DEFAULT_TIE_BREAKING, min_score: Points = 0) -> ProcessOutcome:
    """Each pot on its own: a ballot may select projects of several pots (the municipality-wide one
    and the voter's village); each pot sees only its own selections, and its electorate is the
    ballots with at least one selection in it (so a village's equal shares are split among the
    people who voted in that village)."""
    ids = [p.id for pot in pots for p in pot.projects]
    if len(ids) != len(set(ids)):
        raise ValueError("a project id appears in two pots; project ids must be unique in a process")
    outcomes = {}
    for pot in pots:
        own = profile.restricted_to(frozenset(p.id for p in pot.projects))
        outcomes[pot.id] = tally(pot, own, rule, utility, tie_breaking, min_score)
    return ProcessOutcome(outcomes)
