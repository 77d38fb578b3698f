"""Ballots: cast (one per voter), change (when the process allows it), and the receipt check.

Why nothing cast after the close is counted, although the ballot write does not check the phase:

1. the phase is read (cached up to `Gate.phase_ttl` seconds per container) and must allow voting;
2. `cast_at` is the server clock read *after* that check, and is stored in the ballot;
3. closing the vote (staff or scheduler) stores `vote_closed_at` = the server clock in the STATE
   item, with a conditional update (exactly one close);
4. the count — the exported ballot files and the receipt check — takes, per voter, the last
   version with `at <= vote_closed_at` (`BallotRecord.counted`).

So a ballot accepted on a stale cache after the close has `cast_at > vote_closed_at`: it is stored,
not counted, and its receipt check says so in Thai. A ballot with `cast_at <= vote_closed_at` passed
the check before the close and is counted; its write lands within the API function's timeout, and
the rebuild after a close waits `PRACHAKHOM_CLOSE_GRACE` seconds (default 30 > the 15 s timeout)
before exporting. Both clocks are Lambda hosts' clocks (Amazon Time Sync): a ballot within that skew
of the close may fall either side, and its receipt tells which. Changes follow the same rule per
version.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.bodies import BallotIn
from chalicelib.errors import Conflict, NotFound, Unprocessable
from chalicelib.services.eligibility import eligible_voter_key
from chalicelib.services.gate import Fence, Gate, Place, same_request
from chalicelib.storage.records import BallotRecord, BallotVersion, ProcessState
from chalicelib.storage.repository import MAX_BALLOT_VERSIONS, NotStored, Repository, TooManyVersions
from prachakhom.ballot import (
    BallotProject,
    ballot_projects,
    check_ballot,
    normalize_receipt_code,
    receipt_code,
)
from prachakhom.identity import keyed_hash
from prachakhom.messages import message
from prachakhom.models import PointsBallot
from prachakhom.participation import voting_closed
from prachakhom.pots import pot_budgets


def ballot_projects_of(repository: Repository, place: Place, fence: Fence) -> dict[str, BallotProject]:
    """Slug → project for everything on the process's ballot: content's proposals and the stored
    online ones submitted in the proposal phase (the one definition the API's check and the exported
    ballot files share)."""
    online = [(r.slug, r.as_proposal()) for r in fence.proposals(repository.list_proposals(*place.key))]
    return ballot_projects(place.process, online)


class BallotProjects:
    """`ballot_projects_of`, kept per warm container until the process's `proposals_version` moves.

    Every moderation bumps the version in the STATE item in the same write as the status it changes,
    and the gate reads that item at most every `PHASE_TTL` seconds anyway: so a container queries the
    proposals (a consistent query, ~1,600 read units at 2,000 proposals) once per moderation instead
    of every 30 s, and sees a decision within `PHASE_TTL` seconds.
    """

    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self._cache: dict[tuple[str, str], tuple[int, dict[str, BallotProject]]] = {}

    def of(self, place: Place, state: ProcessState, fence: Fence) -> dict[str, BallotProject]:
        """The projects as of `state` (its `proposals_version`)."""
        cached = self._cache.get(place.key)
        if cached is None or cached[0] != state.proposals_version:
            cached = (state.proposals_version, ballot_projects_of(self.repository, place, fence))
            self._cache[place.key] = cached
        return cached[1]

    def forget(self, place: Place) -> None:
        """A proposal's status changed here: read them again on the next ballot."""
        self._cache.pop(place.key, None)


@dataclass(frozen=True)
class ReceiptCheck:
    ballot: BallotRecord
    status: str
    """"pending" (the vote is open), "counted" or "not_counted" (cast after the close)."""
    note: str
    """What the voter reads (Thai)."""
    shown: BallotVersion
    """The version counted, or the latest one if none is (yet)."""


class BallotService:
    def __init__(self, gate: Gate, projects: BallotProjects, secret: bytes) -> None:
        self.gate = gate
        self.projects = projects
        self._secret = secret

    def cast(self, municipality: str, process: str, body: BallotIn, idem: str) -> tuple[BallotRecord, bool]:
        """Store a voter's ballot with ONE conditional PutItem under its receipt code (one ballot per
        voter: the same voter gives the same receipt, hence the same key): (stored, created?).

        A voter who votes again is told their receipt code (the same one: it derives from the ID), so
        a lost receipt is found by entering the ID again. Two voters whose 60-bit receipts collide
        (`prachakhom.ballot.RECEIPT_BITS`) are never merged: the second is refused (`receipt_collision`).
        """
        place = self.gate.place(municipality, process)
        ballot_id, receipt, choices = self._valid_ballot(place, body)
        self.gate.open_for(place, "vote")
        record = BallotRecord(municipality=municipality, process=process, ballot_id=ballot_id, choices=choices,
                              receipt=receipt, cast_at=self.gate.clock.now(), idem_key=idem,
                              idem_digest=self.gate.digest(choices))
        stored, created = self.gate.repository.cast_ballot(record)
        if not created and stored.ballot_id != ballot_id:
            raise Conflict.one("receipt_collision", ("body", "national_id"))
        if not created and stored.idem_key != idem:
            code = "already_voted_can_change" if place.rules.allow_ballot_change else "already_voted"
            raise Conflict.one(code, ("body", "national_id"), receipt=stored.receipt)
        if not created and stored.version == 1:
            same_request(stored.idem_key, stored.idem_digest, idem, record.idem_digest)
        return stored, created

    def change(self, municipality: str, process: str, body: BallotIn, idem: str) -> BallotRecord:
        """ONE conditional UpdateItem that needs the voter's ballot: appends a version stamped with the
        server time. A change accepted on a stale cache after the close is stored but not counted:
        the count keeps the last version written at or before the close."""
        place = self.gate.place(municipality, process)
        if not place.rules.allow_ballot_change:
            raise Conflict.one("change_not_allowed", ("path", "process"))
        ballot_id, receipt, choices = self._valid_ballot(place, body)
        repo = self.gate.repository
        digest = self.gate.digest(choices)
        existing = repo.get_ballot(municipality, process, receipt)
        if existing is not None and existing.ballot_id == ballot_id and existing.idem_key == idem:
            if existing.choices == choices:
                return existing  # a replay of the change that wrote the current version
            same_request(existing.idem_key, existing.idem_digest, idem, digest)
        self.gate.open_for(place, "vote")
        now = self.gate.clock.now()
        record = BallotRecord(municipality=municipality, process=process, ballot_id=ballot_id, choices=choices,
                              receipt=receipt, cast_at=now, changed_at=now, idem_key=idem, idem_digest=digest)
        try:
            return repo.change_ballot(record)
        except NotStored:
            raise NotFound.one("no_ballot", ("body", "national_id")) from None
        except TooManyVersions:
            raise Conflict.one("too_many_changes", ("body", "choices"), maximum=MAX_BALLOT_VERSIONS - 1) from None

    def check_receipt(self, municipality: str, process: str, code: str) -> ReceiptCheck:
        """Whether the ballot is stored and, once the vote closed, whether (and which version) is counted.
        The ballot's key is its receipt code: one GetItem (the phase comes from the gate's cache, at
        most `PHASE_TTL` seconds old: a receipt checked in the first seconds after the close may
        still say "pending")."""
        place = self.gate.place(municipality, process)
        ballot = self.gate.repository.get_ballot(municipality, process, normalize_receipt_code(code))
        if ballot is None:
            raise NotFound.one("unknown_receipt", ("path", "receipt"))
        state = self.gate.current(place)
        latest = ballot.all_versions()[-1]
        if not voting_closed(place.rules, self.gate.phase_key(place, state)):
            return ReceiptCheck(ballot, "pending", message("receipt_pending"), latest)
        counted = ballot.counted(state.vote_closed_at)
        if counted is None:
            return ReceiptCheck(ballot, "not_counted", message("receipt_after_close"), latest)
        note = message("receipt_counted" if counted == latest else "receipt_change_after_close")
        return ReceiptCheck(ballot, "counted", note, counted)

    def _valid_ballot(self, place: Place, body: BallotIn) -> tuple[str, str, dict[str, dict[str, int]]]:
        """(ballot id, receipt code, choices) of a valid ballot from an eligible voter: both keyed hashes
        of the voter key, so the same voter always gets the same receipt and the same ballot item."""
        key = eligible_voter_key(place, body, self._secret, self.gate.clock.now().date())
        choices = body.choices_by_pot(isinstance(place.rules.ballot, PointsBallot))
        budgets = pot_budgets(place.rules, place.process.process.budget, place.municipality.municipality)
        state = self.gate.current(place)
        projects = self.projects.of(place, state, self.gate.fence(place, state))
        problems = check_ballot(place.rules, choices, projects, budgets)
        if problems:
            raise Unprocessable([{"loc": list(p.loc), "code": p.code, "msg": p.msg} for p in problems])
        return keyed_hash(self._secret, "ballot", key), receipt_code(self._secret, key), choices
