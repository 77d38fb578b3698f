"""What is on a process's ballot, and the server-side check of one ballot against the rule in force.

A ballot is `{pot id: {proposal slug: points}}`: approval and budget ballots give 1 point to each
chosen proposal, points ballots give what the voter spread. A voter fills the municipality-wide pot
and at most one village pot (their own). Pot ids are as `prachakhom.pots.pot_ids` gives them.

Which version of a voter's ballot the count takes is decided here too (`counted_version`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from prachakhom.content import ProcessDoc
from prachakhom.identity import keyed_hash
from prachakhom.messages import message
from prachakhom.models import (
    BALLOT_PROPOSAL_STATUSES,
    ApprovalBallot,
    BudgetBallot,
    PointsBallot,
    ProcessTemplate,
    Proposal,
)
from prachakhom.pots import ballot_cost, is_village_pot, pot_of
from prachakhom.tally.ballot_rules import BallotProblem

if TYPE_CHECKING:  # the tally's counting modules pull in numpy: imported on first use, not at the API's cold start
    from prachakhom.tally.ballot_rules import BallotRule
    from prachakhom.tally.election import Ballot, Pot

Choices = Mapping[str, Mapping[str, int]]


@dataclass(frozen=True)
class BallotProject:
    slug: str
    pot: str
    cost: int
    title: str


def ballot_projects(doc: ProcessDoc, online: Iterable[tuple[str, Proposal]]) -> dict[str, BallotProject]:
    """Slug → project for every proposal on the ballot: staff-entered ones, then online ones (which
    win a shared slug). The cost is staff's revised estimate if any (`ballot_cost`)."""
    staff = [(slug, pdoc.proposal) for slug, pdoc in doc.proposals.items()]
    projects: dict[str, BallotProject] = {}
    for slug, proposal in [*staff, *online]:
        cost = ballot_cost(proposal)
        if is_on_ballot(proposal) and cost is not None:
            projects[slug] = BallotProject(slug, pot_of(doc.rules, proposal.village), cost, proposal.title)
    return projects


def is_on_ballot(proposal: Proposal) -> bool:
    """Whether voters may choose the proposal: found feasible (or already decided) and with a cost."""
    return proposal.status in BALLOT_PROPOSAL_STATUSES and ballot_cost(proposal) is not None


def check_ballot(
    rules: ProcessTemplate,
    choices: Choices,
    projects: Mapping[str, BallotProject],
    budgets: Mapping[str, int],
) -> list[BallotProblem]:
    """Every problem with the ballot (empty list: the ballot is valid under the rule in force)."""
    rule = rules.ballot
    if not isinstance(rule, ApprovalBallot | BudgetBallot | PointsBallot):
        return [_problem(("body",), "not_a_vote")]
    problems = _check_pots(choices, budgets)
    if problems:
        return problems
    filled = {pot: chosen for pot, chosen in choices.items() if chosen}
    if not filled:
        return [_problem(("body", "choices"), "empty_ballot")]
    for pot, chosen in filled.items():
        loc = ("body", "choices", pot)
        problems += _check_projects(loc, pot, chosen, projects)
        if not problems:
            problems += _check_rule(loc, rule, chosen, projects, budgets[pot])
    return problems


def _check_pots(choices: Choices, budgets: Mapping[str, int]) -> list[BallotProblem]:
    problems = []
    known = ", ".join(budgets)
    for pot in choices:
        if pot not in budgets:
            problems.append(_problem(("body", "choices", pot), "unknown_pot", pot=pot, choices=known))
    villages = [pot for pot, chosen in choices.items() if is_village_pot(pot) and chosen]
    if len(villages) > 1:
        problems.append(_problem(("body", "choices"), "one_village"))
    return problems


def _check_projects(
    loc: tuple[str, ...], pot: str, chosen: Mapping[str, int], projects: Mapping[str, BallotProject]
) -> list[BallotProblem]:
    problems = []
    for slug in chosen:
        project = projects.get(slug)
        if project is None or project.pot != pot:
            problems.append(_problem((*loc, slug), "not_on_ballot", project=slug))
    return problems


def tally_rule(rule: ApprovalBallot | BudgetBallot | PointsBallot) -> BallotRule:
    """The template's ballot rule as the tally's rule object."""
    from prachakhom.tally.ballot_rules import ApprovalRule, BudgetRule, PointsRule

    if isinstance(rule, ApprovalBallot):
        return ApprovalRule(rule.min_projects, rule.max_projects)
    if isinstance(rule, BudgetBallot):
        return BudgetRule(rule.min_share_percent)
    return PointsRule(rule.total_points, rule.max_points_per_project)


def tally_pot(pot: str, budget: int, projects: Mapping[str, BallotProject]) -> Pot:
    """One pot of the ballot as the tally's `Pot` (projects in slug order)."""
    from prachakhom.tally.election import Pot, Project

    mine = sorted((p for p in projects.values() if p.pot == pot), key=lambda p: p.slug)
    return Pot(pot, budget, tuple(Project(p.slug, p.cost, p.title, i) for i, p in enumerate(mine)))


def tally_ballot(rule: ApprovalBallot | BudgetBallot | PointsBallot, chosen: Mapping[str, int]) -> Ballot:
    from prachakhom.tally.election import Ballot

    slugs = tuple(chosen)
    return Ballot(slugs, tuple(chosen[s] for s in slugs) if isinstance(rule, PointsBallot) else None)


def _check_rule(
    loc: tuple[str, ...],
    rule: ApprovalBallot | BudgetBallot | PointsBallot,
    chosen: Mapping[str, int],
    projects: Mapping[str, BallotProject],
    budget: int,
) -> list[BallotProblem]:
    """The rule itself (counts, budget cap and minimum share, points): the tally's own check."""
    from prachakhom.tally.ballot_rules import check_pot_ballot

    pot = tally_pot(loc[-1], budget, projects)
    found = check_pot_ballot(tally_rule(rule), tally_ballot(rule, chosen), pot)
    return [replace(p, loc=(*loc, *p.loc)) for p in found]


def _problem(loc: tuple[str, ...], code: str, **params: object) -> BallotProblem:
    return BallotProblem(code, message(code, **params), loc)


class BallotVersionLike(Protocol):
    """A stored version of one voter's ballot: when the server wrote it."""

    @property
    def at(self) -> datetime: ...


V = TypeVar("V", bound=BallotVersionLike)


def counted_version(versions: Sequence[V], closed_at: datetime | None) -> V | None:
    """The version of one voter's ballot that the count takes: the last written at or before the
    close of the vote (`closed_at`); None if every version was written after it (not counted).

    Without a recorded close (the vote is still open, or the process never had one stored) the latest
    version counts. Versions written at the same instant count in the order given (the later write wins).
    Why the close is the cut-off, although a write does not check the phase, is argued in the API's
    `cast_ballot`.
    """
    if not versions:
        return None
    if closed_at is None:
        return versions[-1]
    before = [v for v in versions if v.at <= closed_at]
    return sorted(before, key=lambda v: v.at)[-1] if before else None  # stable: equal times → later write


RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives."""


RECEIPT_BITS = 60
"""12 base32 characters. Two voters of one process share a code with probability <= n(n-1)/2^61
(birthday bound): 4e-9 for 100,000 voters, 1e-5 for 5 million; the service refuses the second voter
of such a pair instead of merging their ballots (`ParticipationService.cast_ballot`)."""


def receipt_code(secret: bytes, voter: str) -> str:
    """The voter's receipt code in one process, like `7K2M-9QXD-R4TA`: the first 60 bits of
    HMAC(secret, "receipt", voter key) in Crockford base32.

    Deterministic, so the ballot is stored under it (one ballot per voter is the key itself) and a
    voter who lost the code gets the same one again by entering the ID; without the secret it cannot
    be linked to a national ID.
    """
    number = int(keyed_hash(secret, "receipt", voter), 16) >> (256 - RECEIPT_BITS)
    chars = "".join(RECEIPT_ALPHABET[(number >> shift) & 31] for shift in range(RECEIPT_BITS - 5, -1, -5))
    return f"{chars[0:4]}-{chars[4:8]}-{chars[8:12]}"


def normalize_receipt_code(text: str) -> str:
    """Upper-case, hyphens where they belong, O→0 and I/L→1 as Crockford reads them."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    raw = raw.translate(str.maketrans("OIL", "011"))
    return f"{raw[0:4]}-{raw[4:8]}-{raw[8:12]}" if len(raw) == 12 else raw
