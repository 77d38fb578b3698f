"""The storage interface, and its in-memory implementation (tests, benchmarks' baseline).

Proposals, comments and supports are guarded by the process's phase *in the same atomic step*: the
write names the phases that allow it, and the repository refuses it (`PhaseMismatch`) if the stored
phase is another one. If the process has no stored phase yet, the write raises `StateMissing`; the
service stores the phase content gives and retries.

Ballots are the busy path and cost one conditional write each, without that phase check: the
service checks the phase (a cached read), every ballot version carries its server time, closing the
vote records `vote_closed_at` in the state, and the count takes only versions written at or before
it (`BallotRecord.counted`). The argument is in `service.py` (`ParticipationService.cast_ballot`).

The DynamoDB implementation is in `dynamodb.py`; `tests/test_repository_contract.py` runs the same
suite against both.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from chalicelib.records import (
    BallotRecord,
    BallotVersion,
    CommentRecord,
    Feasibility,
    ProcessState,
    ProposalRecord,
)


class StorageError(Exception):
    """Base of the repository's refusals (the service turns them into API errors)."""


class StateMissing(StorageError):
    """The process has no stored phase yet."""


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


MAX_BALLOT_VERSIONS = 20
"""A voter may change their ballot this many times minus one (keeps the item far below 400 KB)."""


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
        """Store `state` unless one is stored already; return the stored one."""

    @abstractmethod
    def change_phase(self, municipality: str, process: str, expected: str, new: str, at: datetime,
                     change_key: str, closes_vote: bool = False) -> ProcessState:
        """Move from `expected` to `new` atomically; PhaseMismatch if the stored phase is another.

        `closes_vote`: the move leaves the last voting phase; `at` is stored as `vote_closed_at`.
        """

    # --- proposals -----------------------------------------------------------------------------
    @abstractmethod
    def add_proposal(self, proposal: ProposalRecord, contact: str | None,
                     phases: Collection[str]) -> tuple[ProposalRecord, bool]:
        """Create it (and its private contact) unless the slug exists: (stored, created?)."""

    @abstractmethod
    def get_proposal(self, municipality: str, process: str, slug: str) -> ProposalRecord | None: ...

    @abstractmethod
    def list_proposals(self, municipality: str, process: str) -> list[ProposalRecord]: ...

    @abstractmethod
    def set_proposal_status(self, municipality: str, process: str, slug: str, expected: Collection[str],
                            status: str, feasibility: Feasibility | None) -> ProposalRecord:
        """NotStored if absent; StatusMismatch if its status is not one of `expected`."""

    @abstractmethod
    def get_contact(self, municipality: str, process: str, slug: str) -> str | None: ...

    # --- comments ------------------------------------------------------------------------------
    @abstractmethod
    def add_comment(self, comment: CommentRecord, phases: Collection[str]) -> tuple[CommentRecord, bool]: ...

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
                    phases: Collection[str]) -> bool:
        """One support per supporter per proposal, phase-guarded: True if stored, False if there already."""

    @abstractmethod
    def support_counts(self, municipality: str, process: str, proposal: str | None = None) -> dict[str, int]:
        """Proposal slug → number of supporters (proposals without support are absent)."""

    # --- ballots -------------------------------------------------------------------------------
    @abstractmethod
    def cast_ballot(self, ballot: BallotRecord) -> tuple[BallotRecord, bool]:
        """Store it under `ballot.receipt` unless a ballot is there: (stored, created?). One conditional
        write request, no phase check (the service checks it; the count excludes ballots cast after the
        close). The stored ballot may be another voter's should receipts collide: compare `ballot_id`."""

    @abstractmethod
    def change_ballot(self, ballot: BallotRecord) -> BallotRecord:
        """Add a version (`ballot.changed_at`, `ballot.choices`) to the ballot under `ballot.receipt`
        and make it the current one; NotStored if none with this `ballot_id`, TooManyVersions at
        `MAX_BALLOT_VERSIONS`. One write request."""

    @abstractmethod
    def get_ballot(self, municipality: str, process: str, receipt: str) -> BallotRecord | None:
        """The ballot stored under this receipt code (one key read, no index)."""

    @abstractmethod
    def list_ballots(self, municipality: str, process: str) -> list[BallotRecord]:
        """Every ballot of the process, in receipt order (never publish that order: see rebuild.py)."""


class MemoryRepository(Repository):
    """Dicts behind one lock: the same semantics as DynamoDB's conditional writes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[tuple[str, str], ProcessState] = {}
        self._proposals: dict[tuple[str, str, str], ProposalRecord] = {}
        self._contacts: dict[tuple[str, str, str], str] = {}
        self._comments: dict[tuple[str, str, str, str], CommentRecord] = {}
        self._reports: set[tuple[str, str, str, str, str]] = set()
        self._ballots: dict[tuple[str, str, str], BallotRecord] = {}
        self._supports: dict[tuple[str, str, str, str], datetime] = {}

    def _guard(self, municipality: str, process: str, phases: Collection[str]) -> None:
        state = self._states.get((municipality, process))
        if state is None:
            raise StateMissing()
        if state.phase not in phases:
            raise PhaseMismatch(state.phase)

    def get_state(self, municipality: str, process: str) -> ProcessState | None:
        return self._states.get((municipality, process))

    def init_state(self, state: ProcessState) -> ProcessState:
        with self._lock:
            return self._states.setdefault((state.municipality, state.process), state)

    def change_phase(self, municipality: str, process: str, expected: str, new: str, at: datetime,
                     change_key: str, closes_vote: bool = False) -> ProcessState:
        with self._lock:
            self._guard(municipality, process, (expected,))
            state = self._states[(municipality, process)]
            state = ProcessState(municipality, process, new, at, change_key,
                                 at if closes_vote else state.vote_closed_at)
            self._states[(municipality, process)] = state
            return state

    def add_proposal(self, proposal: ProposalRecord, contact: str | None,
                     phases: Collection[str]) -> tuple[ProposalRecord, bool]:
        key = (proposal.municipality, proposal.process, proposal.slug)
        with self._lock:
            self._guard(proposal.municipality, proposal.process, phases)
            if key in self._proposals:
                return self._proposals[key], False
            self._proposals[key] = proposal
            if contact:
                self._contacts[key] = contact
            return proposal, True

    def get_proposal(self, municipality: str, process: str, slug: str) -> ProposalRecord | None:
        return self._proposals.get((municipality, process, slug))

    def list_proposals(self, municipality: str, process: str) -> list[ProposalRecord]:
        found = [p for (m, p_, _), p in self._proposals.items() if (m, p_) == (municipality, process)]
        return sorted(found, key=lambda p: p.slug)

    def set_proposal_status(self, municipality: str, process: str, slug: str, expected: Collection[str],
                            status: str, feasibility: Feasibility | None) -> ProposalRecord:
        key = (municipality, process, slug)
        with self._lock:
            current = self._proposals.get(key)
            if current is None:
                raise NotStored()
            if current.status not in expected:
                raise StatusMismatch(current.status)
            updated = replace(current, status=status, feasibility=feasibility or current.feasibility)
            self._proposals[key] = updated
            return updated

    def get_contact(self, municipality: str, process: str, slug: str) -> str | None:
        return self._contacts.get((municipality, process, slug))

    def add_comment(self, comment: CommentRecord, phases: Collection[str]) -> tuple[CommentRecord, bool]:
        key = (comment.municipality, comment.process, comment.proposal, comment.id)
        with self._lock:
            self._guard(comment.municipality, comment.process, phases)
            if key in self._comments:
                return self._comments[key], False
            self._comments[key] = comment
            return comment, True

    def get_comment(self, municipality: str, process: str, proposal: str, comment_id: str
                    ) -> CommentRecord | None:
        return self._comments.get((municipality, process, proposal, comment_id))

    def list_comments(self, municipality: str, process: str, proposal: str | None = None
                      ) -> list[CommentRecord]:
        found = [c for (m, p, prop, _), c in self._comments.items()
                 if (m, p) == (municipality, process) and proposal in (None, prop)]
        return sorted(found, key=lambda c: (c.proposal, c.created_at, c.id))

    def report_comment(self, municipality: str, process: str, proposal: str, comment_id: str,
                       reporter: str, threshold: int) -> CommentRecord:
        key = (municipality, process, proposal, comment_id)
        with self._lock:
            comment = self._comments.get(key)
            if comment is None:
                raise NotStored()
            if (*key, reporter) in self._reports:
                raise AlreadyExists()
            self._reports.add((*key, reporter))
            reports = comment.reports + 1
            comment = replace(comment, reports=reports, hidden=comment.hidden or reports >= threshold)
            self._comments[key] = comment
            return comment

    def add_support(self, municipality: str, process: str, proposal: str, supporter: str, at: datetime,
                    phases: Collection[str]) -> bool:
        key = (municipality, process, proposal, supporter)
        with self._lock:
            self._guard(municipality, process, phases)
            if key in self._supports:
                return False
            self._supports[key] = at
            return True

    def support_counts(self, municipality: str, process: str, proposal: str | None = None) -> dict[str, int]:
        counts: dict[str, int] = {}
        for m, p, slug, _ in list(self._supports):
            if (m, p) == (municipality, process) and proposal in (None, slug):
                counts[slug] = counts.get(slug, 0) + 1
        return counts

    def cast_ballot(self, ballot: BallotRecord) -> tuple[BallotRecord, bool]:
        key = (ballot.municipality, ballot.process, ballot.receipt)
        with self._lock:
            if key in self._ballots:
                return self._ballots[key], False
            self._ballots[key] = ballot
            return ballot, True

    def change_ballot(self, ballot: BallotRecord) -> BallotRecord:
        key = (ballot.municipality, ballot.process, ballot.receipt)
        at = ballot.changed_at or ballot.cast_at
        with self._lock:
            current = self._ballots.get(key)
            if current is None or current.ballot_id != ballot.ballot_id:
                raise NotStored()
            if current.version >= MAX_BALLOT_VERSIONS:
                raise TooManyVersions()
            updated = replace(current, choices=ballot.choices, changed_at=at, version=current.version + 1,
                              idem_key=ballot.idem_key,
                              versions=(*current.all_versions(), BallotVersion(at, ballot.choices)))
            self._ballots[key] = updated
            return updated

    def get_ballot(self, municipality: str, process: str, receipt: str) -> BallotRecord | None:
        return self._ballots.get((municipality, process, receipt))

    def list_ballots(self, municipality: str, process: str) -> list[BallotRecord]:
        found = [b for (m, p, _), b in self._ballots.items() if (m, p) == (municipality, process)]
        return sorted(found, key=lambda b: b.receipt)
