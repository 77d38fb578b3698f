"""What the API stores, as plain dataclasses (the repository maps them to items)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from prachakhom.ballot import counted_version
from prachakhom.models import FeasibilityReview, Proposal


@dataclass(frozen=True)
class PhaseEntry:
    """One step of a process's phase history: `phase` was in force from `since` (server time)."""

    phase: str
    since: datetime


@dataclass(frozen=True)
class ProcessState:
    """The phase in force, as moved by staff or the scheduler (wins over content and calendar)."""

    municipality: str
    process: str
    phase: str
    changed_at: datetime
    change_key: str = ""
    """Idempotency key of the request that made the last change (a retry returns the same state)."""
    vote_closed_at: datetime | None = None
    """When the process left its last voting phase (server time): the count takes, per voter, the
    last ballot version written at or before it (see `BallotRecord.counted`)."""
    history: tuple[PhaseEntry, ...] = ()
    """Every phase stored for the process with the time it came into force, oldest first (a state
    stored before histories existed starts at its next move): what was written in which phase
    (`prachakhom.participation.accepted_in_phase`)."""
    proposals_version: int = 0
    """Bumped by every moderation, in the same write: a container's cached ballot projects of an
    older version are read again (`services/ballots.BallotProjects`)."""

    def phases_since(self) -> tuple[tuple[str, datetime], ...]:
        """The history as the core reads it: (phase, since) pairs."""
        return tuple((e.phase, e.since) for e in self.history)


@dataclass(frozen=True)
class Feasibility:
    feasible: bool
    answer: str
    revised_cost: int | None = None


@dataclass(frozen=True)
class ProposalRecord:
    municipality: str
    process: str
    slug: str
    title: str
    summary: str
    description: str
    category: str
    village: int | None
    cost: int | None
    author: str
    submitted_at: datetime
    status: str = "under_review"
    feasibility: Feasibility | None = None
    idem_key: str = ""
    idem_digest: str = ""
    """Keyed digest of the request that stored it: the same key with another body is refused."""

    def as_proposal(self) -> Proposal:
        """The core's proposal (what the ballot and the site read), from what the API stored."""
        review = None
        if self.feasibility is not None:
            review = FeasibilityReview(feasible=self.feasibility.feasible, answer=self.feasibility.answer,
                                       revised_cost=self.feasibility.revised_cost)
        return Proposal(title=self.title, summary=self.summary[:500], category=self.category,
                        village=self.village, cost=self.cost, author=self.author,
                        submitted_on=self.submitted_at.date(), source="online",
                        status=self.status,  # type: ignore[arg-type]  # one of the statuses the API sets
                        feasibility=review, slug=self.slug)


@dataclass(frozen=True)
class CommentRecord:
    municipality: str
    process: str
    proposal: str
    id: str
    author: str
    text: str
    created_at: datetime
    parent_id: str | None = None
    reports: int = 0
    hidden: bool = False
    idem_key: str = ""
    idem_digest: str = ""


@dataclass(frozen=True)
class BallotVersion:
    """One version of a ballot: the server time it was written and its choices."""

    at: datetime
    choices: dict[str, dict[str, int]]


@dataclass(frozen=True)
class BallotRecord:
    """One voter's ballot, stored under its `receipt` code (a keyed hash of the voter key, see
    `prachakhom.ballot.receipt_code`). `ballot_id` = HMAC(secret, "ballot", voter key), kept so two
    voters whose 60-bit receipts collide are told apart; never the voter's ID or its plain hash.

    `choices` is the latest version; `versions` keeps every version with its server time (the first
    is the cast itself), so a change written after the vote closed never replaces what is counted.
    """

    municipality: str
    process: str
    ballot_id: str
    choices: dict[str, dict[str, int]]
    receipt: str
    cast_at: datetime
    changed_at: datetime | None = None
    version: int = 1
    idem_key: str = ""
    idem_digest: str = ""
    """Keyed digest of the choices of the request that wrote the current version."""
    extra: dict[str, str] = field(default_factory=dict)
    versions: tuple[BallotVersion, ...] = ()

    def all_versions(self) -> tuple[BallotVersion, ...]:
        return self.versions or (BallotVersion(self.cast_at, self.choices),)

    def counted(self, closed_at: datetime | None) -> BallotVersion | None:
        """The version the count takes (None: not counted): the core's rule, `counted_version`."""
        return counted_version(self.all_versions(), closed_at)


@dataclass(frozen=True)
class SupportRecord:
    """One resident's support of an idea: which idea and when (the supporter's keyed hash stays in
    the key; nothing here says who)."""

    proposal: str
    at: datetime


@dataclass(frozen=True)
class PendingEffect:
    """Work to do after a change is stored (rebuild the municipality's pages now; notifications
    later), recorded in the same conditional write as the change and forgotten once done, so a
    retried request or the scheduler's next run can do what a failed or interrupted request left
    undone (see `chalicelib.effects`)."""

    municipality: str
    process: str
    kind: str
    """What to do: "rebuild" (the municipality's pages)."""
    id: str
    """Unique per change (a digest of what caused it): recording it again is harmless."""
    recorded_at: datetime
    cause: str = ""
    """What called for it, for logs: "phase voting → results", "moderation online-… published"."""
