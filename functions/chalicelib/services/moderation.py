"""Staff moderation of online proposals: publish or reject them, record the feasibility review; and the
staff list of proposals with the proposers' contacts.

A decision changes what the static pages show (published proposals, the comments' copy): it records
the municipality's rebuild with it (`chalicelib.effects`), asked for again by a repeated decision
or the scheduler if the first request left it pending.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.bodies import ModerationIn
from chalicelib.effects import EffectRun, Effects
from chalicelib.errors import BadRequest, Conflict, NotFound
from chalicelib.services.ballots import BallotProjects
from chalicelib.services.gate import Gate, Place
from chalicelib.storage.records import Feasibility, ProposalRecord
from chalicelib.storage.repository import NotStored, StatusMismatch
from prachakhom.audit import Actor, audit_entry
from prachakhom.participation import voting_closed, voting_started

DECISIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({"under_review"}), "published"),
    "reject": (frozenset({"under_review", "published"}), "rejected"),
    "feasible": (frozenset({"published", "feasible", "infeasible"}), "feasible"),
    "infeasible": (frozenset({"published", "feasible", "infeasible"}), "infeasible"),
}
"""Staff decision → (statuses a proposal may have for it, the status it gives)."""

BALLOT_DECISIONS = frozenset({"feasible", "infeasible"})
"""Decisions that change the ballot (what is on it, at what cost): refused once voting has started,
so that nothing counted can refer to a project the close does not know; a project that must leave
the ballot during the vote is withdrawn (`ModerationService.withdraw`), by a stated rule."""


@dataclass(frozen=True)
class Decision:
    proposal: ProposalRecord
    replay: bool
    """True: the proposal had this status already (a repeated decision); nothing changed now."""
    rebuild: EffectRun


class ModerationService:
    def __init__(self, gate: Gate, effects: Effects, projects: BallotProjects, secret: bytes = b"") -> None:
        self.gate = gate
        self.effects = effects
        self.projects = projects
        self._secret = secret

    def decide(self, municipality: str, process: str, slug: str, body: ModerationIn) -> Decision:
        """Apply a decision to an online proposal (409 if its status does not allow it)."""
        place = self.gate.place(municipality, process)
        if body.decision in BALLOT_DECISIONS and voting_started(place.rules, self.gate.state(place).phase):
            raise Conflict.one("ballot_frozen", ("body", "decision"))
        expected, status = DECISIONS[body.decision]
        feasibility = None
        if body.decision in ("feasible", "infeasible"):
            if not body.answer:
                raise BadRequest.one("missing", ("body", "answer"))
            feasibility = Feasibility(body.decision == "feasible", body.answer, body.revised_cost)
        repo = self.gate.repository
        if status == "published":
            self._check_in_time(place, slug)
        rebuild = self.effects.rebuild(municipality, process, f"moderation {slug} {status}", "moderation", slug,
                                       status, self.gate.clock.now().isoformat())
        try:
            record = repo.set_proposal_status(municipality, process, slug, expected, status, feasibility,
                                              effects=[rebuild])
        except NotStored:
            raise NotFound.one("unknown_proposal", ("path", "proposal")) from None
        except StatusMismatch as err:
            if err.current != status:
                raise Conflict.one("bad_decision", ("body", "decision"), decision=body.decision,
                                   status=err.current) from None
            again = repo.get_proposal(municipality, process, slug)
            assert again is not None
            return Decision(again, True, self.effects.run(municipality, process))
        self.projects.forget(place)
        return Decision(record, False, self.effects.run(municipality, process))

    def withdraw(self, municipality: str, process: str, slug: str, reason: str, actor: Actor,
                 request_id: str = "") -> Decision:
        """Take a project off the ballot while residents vote (e.g. found illegal): status `withdrawn`,
        audited with the reason in the same write. Its votes are ignored by the stated rule
        (`prachakhom.eligibility.without_withdrawn`): the other choices on those ballots still count,
        and the results page names the project. Only during the vote: before it, decide feasibility."""
        place = self.gate.place(municipality, process)
        phase = self.gate.state(place).phase
        if not voting_started(place.rules, phase) or voting_closed(place.rules, phase):
            raise Conflict.one("withdraw_not_voting", ("path", "process"))
        now = self.gate.clock.now()
        rebuild = self.effects.rebuild(municipality, process, f"withdrawal {slug}", "withdrawal", slug)
        entry = audit_entry(actor=actor, municipality=municipality, action="proposal.withdraw",
                            target=f"{process}/proposals/{slug}", before={"status": "feasible"},
                            after={"status": "withdrawn", "reason": reason}, secret=self._secret, at=now,
                            request_id=request_id)
        try:
            record = self.gate.repository.set_proposal_status(municipality, process, slug, {"feasible"}, "withdrawn",
                                                              None, effects=[rebuild], audit=entry)
        except NotStored:
            raise NotFound.one("unknown_proposal", ("path", "proposal")) from None
        except StatusMismatch as err:
            if err.current != "withdrawn":
                raise Conflict.one("bad_decision", ("body", "decision"), decision="withdraw",
                                   status=err.current) from None
            again = self.gate.repository.get_proposal(municipality, process, slug)
            assert again is not None
            return Decision(again, True, self.effects.run(municipality, process))
        self.projects.forget(place)
        return Decision(record, False, self.effects.run(municipality, process))

    def _check_in_time(self, place: Place, slug: str) -> None:
        """409 for publishing a proposal that was submitted after the proposal phase closed (accepted
        on a container's stale phase; never published, see services/gate.py)."""
        record = self.gate.repository.get_proposal(*place.key, slug)
        if record is not None and not self.gate.fence(place, self.gate.state(place)).proposals([record]):
            raise Conflict.one("submitted_late", ("path", "proposal"))

    def proposals(self, municipality: str, process: str) -> list[tuple[ProposalRecord, str | None]]:
        """Every online proposal, whatever its status, with the proposer's contact (staff only)."""
        self.gate.place(municipality, process)
        repo = self.gate.repository
        return [(r, repo.get_contact(municipality, process, r.slug))
                for r in repo.list_proposals(municipality, process)]
