"""The storage interface: what the services may ask of storage, and the refusals it answers with.

Two implementations: `memory.py` (tests, the benchmarks' baseline) and `dynamodb.py` (the local
stack through moto, and AWS); `tests/test_repository_contract.py` runs ONE suite against both.

No resident write checks the phase in storage: a check there would make every proposal, comment and
support of a process contend on its one STATE item. The services check the phase (a per-container
cache, see `services/gate.py`), every stored item carries its server time, and the STATE item keeps
the process's phase `history` (each move with its time): what is published or counted is only what
was written while a phase allowing it was in force (`prachakhom.participation.accepted_in_phase`);
ballots use the same fence through `vote_closed_at`. The argument is in `services/gate.py`.

Every write is one conditional request or one transaction, so a write is all or nothing and a
retried write finds what its first attempt stored instead of storing it twice.

A phase change and a moderation record their after-commit effects (`PendingEffect`: rebuild the
municipality) in the same conditional write; `effects_done` forgets them once requested. A
moderation also bumps the STATE item's `proposals_version`, so a container's cached ballot projects
are read again only when a proposal's status changed.

Faults: the refusals below (`StorageError`) are answers (the services turn them into 4xx). A busy or
failing database is `StorageUnavailable` (503 with `Retry-After` in `http.api`); the DynamoDB
implementation reads faults in one place (`storage/faults.py`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Iterator
from datetime import datetime
from typing import Any

from chalicelib.storage.busy import StorageUnavailable as StorageUnavailable  # part of the interface
from chalicelib.storage.records import (
    BallotRecord,
    CommentRecord,
    Feasibility,
    PendingEffect,
    ProcessState,
    ProposalRecord,
    Roll,
    SupportRecord,
    VoidedBallot,
)
from prachakhom.audit import AuditEntry

MAX_BALLOT_VERSIONS = 20
"""A voter may change their ballot this many times minus one (keeps the item far below 400 KB)."""


StoredItem = dict[str, Any]
"""One stored item in DynamoDB's attribute-value form (`{"PK": {"S": …}, "SK": {"S": …}, …}`): the
shape both implementations export and import (a backup, `prachakhom export`), whatever they hold inside."""

PRIVATE_PREFIX = "PRIVATE#"
"""Key prefix of the staff-only partition (proposers' contacts): left out of an export unless asked for."""


class StorageError(Exception):
    """Base of the repository's refusals (the services turn them into API errors)."""


class PhaseMismatch(StorageError):
    def __init__(self, current: str) -> None:
        super().__init__(f"stored phase is '{current}'")
        self.current = current


class NotStored(StorageError):
    """The item to change does not exist."""


class AlreadyExists(StorageError):
    """A conditional create met an existing item."""


class TooManyVersions(StorageError):
    """A ballot already has `MAX_BALLOT_VERSIONS` versions."""


class RollChanged(StorageError):
    """Another upload switched the process's roll meanwhile (the caller read another version)."""


class StatusMismatch(StorageError):
    def __init__(self, current: str) -> None:
        super().__init__(f"current status is '{current}'")
        self.current = current


class Repository(ABC):
    # --- process state -------------------------------------------------------------------------
    @abstractmethod
    def get_state(self, municipality: str, process: str) -> ProcessState | None: ...

    @abstractmethod
    def init_state(self, state: ProcessState) -> ProcessState:
        """Store `state` (its history: its phase since `changed_at`) unless one is stored already;
        return the stored one."""

    @abstractmethod
    def change_phase(self, municipality: str, process: str, expected: str, new: str, at: datetime,
                     change_key: str, closes_vote: bool = False,
                     effects: Collection[PendingEffect] = ()) -> ProcessState:
        """Move from `expected` to `new` atomically, adding (`new`, `at`) to the history;
        PhaseMismatch if the stored phase is another (or none is stored: current "").

        `closes_vote`: the move leaves the last voting phase; `at` is stored as `vote_closed_at`.
        `effects` are recorded in the same atomic write (none is recorded if the move is refused).
        """

    # --- proposals -----------------------------------------------------------------------------
    @abstractmethod
    def add_proposal(self, proposal: ProposalRecord, contact: str | None) -> tuple[ProposalRecord, bool]:
        """Create it and its private contact (one atomic write) unless the slug exists:
        (stored, created?)."""

    @abstractmethod
    def get_proposal(self, municipality: str, process: str, slug: str) -> ProposalRecord | None: ...

    @abstractmethod
    def list_proposals(self, municipality: str, process: str) -> list[ProposalRecord]: ...

    @abstractmethod
    def set_proposal_status(self, municipality: str, process: str, slug: str, expected: Collection[str],
                            status: str, feasibility: Feasibility | None,
                            effects: Collection[PendingEffect] = (), audit: AuditEntry | None = None
                            ) -> ProposalRecord:
        """NotStored if absent; StatusMismatch if its status is not one of `expected`. `effects` and
        the staff change's `audit` entry are recorded and the process's `proposals_version` is bumped
        in the same atomic write (nothing is written if it is refused)."""

    @abstractmethod
    def get_contact(self, municipality: str, process: str, slug: str) -> str | None: ...

    # --- comments ------------------------------------------------------------------------------
    @abstractmethod
    def add_comment(self, comment: CommentRecord) -> tuple[CommentRecord, bool]:
        """Create it unless its id exists: (stored, created?)."""

    @abstractmethod
    def get_comment(self, municipality: str, process: str, proposal: str, comment_id: str
                    ) -> CommentRecord | None: ...

    @abstractmethod
    def list_comments(self, municipality: str, process: str, proposal: str | None = None
                      ) -> list[CommentRecord]: ...

    @abstractmethod
    def report_comment(self, municipality: str, process: str, proposal: str, comment_id: str,
                       reporter: str, threshold: int) -> CommentRecord:
        """Count one report per reporter (AlreadyExists on a repeat); hide at `threshold`."""

    # --- supports (idea consultations) ---------------------------------------------------------
    @abstractmethod
    def add_support(self, municipality: str, process: str, proposal: str, supporter: str, at: datetime,
                    birth: str | None = None) -> bool:
        """One support per supporter per proposal: True if stored, False if there already.
        `birth`: the supporter's birth-date hash, stored with it (`support_birth`)."""

    @abstractmethod
    def void_support(self, municipality: str, process: str, proposal: str, supporter: str, at: datetime,
                     reason: str, voided_by: str, audit: AuditEntry) -> None:
        """Take a support off the count (kept apart with the reason; the supporter may support again),
        with its audit entry, atomically; NotStored if there is no such support."""

    @abstractmethod
    def support_birth(self, municipality: str, process: str, proposal: str, supporter: str) -> str | None:
        """The birth-date hash stored with a support (None: no such support, or stored without)."""

    @abstractmethod
    def list_supports(self, municipality: str, process: str, proposal: str | None = None) -> list[SupportRecord]:
        """Every support of the process (or of one proposal): which proposal, when (never who)."""

    def support_counts(self, municipality: str, process: str, proposal: str | None = None) -> dict[str, int]:
        """Proposal slug → number of supporters (proposals without support are absent), whenever
        given; the services count only those given in a phase that allows it."""
        counts: dict[str, int] = {}
        for s in self.list_supports(municipality, process, proposal):
            counts[s.proposal] = counts.get(s.proposal, 0) + 1
        return counts

    # --- ballots -------------------------------------------------------------------------------
    @abstractmethod
    def cast_ballot(self, ballot: BallotRecord) -> tuple[BallotRecord, bool]:
        """Store it under `ballot.receipt` unless a ballot is there: (stored, created?). One conditional
        write request, no phase check (the service checks it; the count excludes ballots cast after the
        close). The stored ballot may be another voter's should receipts collide: compare `ballot_id`."""

    @abstractmethod
    def change_ballot(self, ballot: BallotRecord) -> BallotRecord:
        """Add a version (`ballot.changed_at`, `ballot.choices`) to the ballot under `ballot.receipt`
        and make it the current one; NotStored if none with this `ballot_id` and `birth_hash` (the
        same person: `prachakhom.eligibility`), TooManyVersions at `MAX_BALLOT_VERSIONS`. One write
        request, its condition names both."""

    @abstractmethod
    def get_ballot(self, municipality: str, process: str, receipt: str) -> BallotRecord | None:
        """The ballot stored under this receipt code (one key read, no index)."""

    @abstractmethod
    def iter_ballots(self, municipality: str, process: str) -> Iterator[BallotRecord]:
        """Every ballot of the process, in receipt order (never publish that order: see rebuild.py),
        read a page at a time: memory stays flat however many there are."""

    def list_ballots(self, municipality: str, process: str) -> list[BallotRecord]:
        """Every ballot of the process, in receipt order (tests; the export streams `iter_ballots`)."""
        return list(self.iter_ballots(municipality, process))

    @abstractmethod
    def void_ballot(self, voided: VoidedBallot, audit: AuditEntry) -> None:
        """Move the ballot to the voided ones (kept, never counted; its receipt free again) with its
        audit entry, atomically; NotStored if the ballot under `voided.ballot.receipt` is not that
        one any more (another `ballot_id` or `version`)."""

    @abstractmethod
    def list_voided(self, municipality: str, process: str) -> list[VoidedBallot]: ...

    # --- the voter roll (eligibility mode `roll`) -----------------------------------------------
    @abstractmethod
    def put_roll_buckets(self, municipality: str, process: str, version: str,
                         buckets: dict[str, dict[str, str]]) -> None:
        """Store a roll version's buckets (`prachakhom.roll.bucketed`); unseen until `switch_roll`."""

    @abstractmethod
    def switch_roll(self, roll: Roll, expected: str | None, audit: AuditEntry) -> None:
        """Make `roll.version` the roll in force, with its audit entry, in one atomic write, if the
        version in force is still `expected` (None: no roll yet); else RollChanged. Readers see the
        old roll or the new one, never a mix: entries are read through the version in force."""

    @abstractmethod
    def get_roll(self, municipality: str, process: str) -> Roll | None: ...

    @abstractmethod
    def roll_bucket(self, municipality: str, process: str, version: str, bucket: str) -> dict[str, str]:
        """One bucket of a roll version ({} if none): one key read."""

    @abstractmethod
    def delete_roll_version(self, municipality: str, process: str, version: str) -> None:
        """Drop a version's buckets (one no longer in force, or one whose switch failed)."""

    # --- after-commit effects ------------------------------------------------------------------
    @abstractmethod
    def pending_effects(self, municipality: str | None = None) -> list[PendingEffect]:
        """Effects recorded with a change and not done yet: of one municipality, or of every one
        (the scheduler), oldest first."""

    @abstractmethod
    def effects_done(self, effects: Collection[PendingEffect]) -> None:
        """Forget these effects (they were done); others, recorded meanwhile, stay pending."""

    # --- backup and restore (operator commands: `prachakhom export|import`) ----------------------
    @abstractmethod
    def export_items(self, municipality: str, processes: Collection[str],
                     contacts: bool = False) -> Iterator[StoredItem]:
        """Every item of `municipality`'s `processes` (phase, proposals, comments, reports, supports,
        ballots with every version) and its pending effects, as stored, one at a time (a page of the
        table at most in memory); proposers' contacts (`PRIVATE#`, staff only) only with `contacts`.
        Ordered by partition, then key; never an item of another municipality."""

    @abstractmethod
    def import_items(self, items: Iterable[StoredItem]) -> int:
        """Store these items exactly as given (items exported by `export_items`, of either
        implementation), replacing an item with the same key; return how many. Unconditional, so a
        re-run after a partial import writes the same items again; the caller decides whether the
        target may be written (`prachakhom import` refuses a municipality that holds other data)."""


def oldest_first(effects: Iterable[PendingEffect]) -> list[PendingEffect]:
    """The order `pending_effects` answers in (both implementations)."""
    return sorted(effects, key=lambda e: (e.recorded_at, e.municipality, e.process, e.kind, e.id))
