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

DECISIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({"under_review"}), "published"),
    "reject": (frozenset({"under_review", "published"}), "rejected"),
    "feasible": (frozenset({"published", "feasible", "infeasible"}), "feasible"),
    "infeasible": (frozenset({"published", "feasible", "infeasible"}), "infeasible"),
}
"""Staff decision → (statuses a proposal may have for it, the status it gives)."""


@dataclass(frozen=True)
class Decision:
    proposal: ProposalRecord
    replay: bool
    """True: the proposal had this status already (a repeated decision); nothing changed now."""
    rebuild: EffectRun


class ModerationService:
    def __init__(self, gate: Gate, effects: Effects, projects: BallotProjects) -> None:
        self.gate = gate
        self.effects = effects
        self.projects = projects

    def decide(self, municipality: str, process: str, slug: str, body: ModerationIn) -> Decision:
        """Apply a decision to an online proposal (409 if its status does not allow it)."""
        place = self.gate.place(municipality, process)
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
