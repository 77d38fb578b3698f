"""The election, kept apart from the ballots (as pabutools keeps `Instance` apart from `Profile`).

Money is always an integer number of *minor units*. `money_scale` says how many minor units make one
unit of the source (1 for whole baht, 100 for satang, 10**k for a Pabulib file whose amounts have k
decimals), so exact integer comparisons decide everything and amounts are reported back in the
source's units.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

Points = int | Fraction


class BallotKind(StrEnum):
    """How voters express themselves (Pabulib `vote_type`)."""

    APPROVAL = "approval"
    CHOOSE_ONE = "choose-1"
    CUMULATIVE = "cumulative"
    SCORING = "scoring"
    ORDINAL = "ordinal"


@dataclass(frozen=True, slots=True)
class Project:
    """A project of one pot. `cost` is in minor units; `order` is its position in the input."""

    id: str
    cost: int
    name: str = ""
    order: int = 0


@dataclass(frozen=True, slots=True)
class Pot:
    """One budget and the projects competing for it (a village pot or the municipality-wide pot)."""

    id: str
    budget: int
    projects: tuple[Project, ...]
    money_scale: int = 1

    def project(self, project_id: str) -> Project:
        for p in self.projects:
            if p.id == project_id:
                return p
        raise KeyError(f"no project {project_id!r} in pot {self.id!r}")

    def to_units(self, amount: int) -> Decimal:
        """An amount in minor units, back in the source's units (exact)."""
        return Decimal(amount) / Decimal(self.money_scale) if self.money_scale != 1 else Decimal(amount)


@dataclass(frozen=True, slots=True)
class Ballot:
    """One voter's ballot, possibly spanning several pots.

    `selections` are project ids: the approved set (approval, choose-1), the projects given points
    (cumulative/scoring, with `points` of the same length) or the ranking, best first (ordinal).
    """

    selections: tuple[str, ...]
    points: tuple[Points, ...] | None = None
    voter_id: str = ""

    def points_of(self) -> dict[str, Points]:
        """Project id -> points (1 for every selection of an approval ballot)."""
        if self.points is None:
            return dict.fromkeys(self.selections, 1)
        return dict(zip(self.selections, self.points, strict=True))


@dataclass(frozen=True, slots=True)
class Profile:
    """The ballots of an election and their kind. `ordinal_points` converts rankings to points."""

    kind: BallotKind
    ballots: tuple[Ballot, ...]
    max_length: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ballots)

    def restricted_to(self, project_ids: frozenset[str], keep_empty: bool = False) -> Profile:
        """The same ballots, keeping only selections of the given projects (one pot's view)."""
        out: list[Ballot] = []
        for b in self.ballots:
            keep = [i for i, pid in enumerate(b.selections) if pid in project_ids]
            if not keep and not keep_empty:
                continue
            sel = tuple(b.selections[i] for i in keep)
            pts = None if b.points is None else tuple(b.points[i] for i in keep)
            out.append(Ballot(sel, pts, b.voter_id))
        return Profile(self.kind, tuple(out), self.max_length, dict(self.extra))


def ordinal_as_points(profile: Profile) -> Profile:
    """Rankings as points: the first of a ranking of max length L gets L points, the next L-1, …

    This is how Pabulib computes the `score` column of ordinal files (3/2/1 in Kraków).
    """
    if profile.kind is not BallotKind.ORDINAL:
        return profile
    length = profile.max_length or max((len(b.selections) for b in profile.ballots), default=0)
    ballots = tuple(
        Ballot(b.selections, tuple(length - r for r in range(len(b.selections))), b.voter_id)
        for b in profile.ballots
    )
    return Profile(BallotKind.CUMULATIVE, ballots, profile.max_length, dict(profile.extra))
