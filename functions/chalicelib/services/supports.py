"""Supports for ideas (idea consultations): one per eligible resident per idea, phase-guarded."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.bodies import SupportIn
from chalicelib.errors import Conflict
from chalicelib.services.eligibility import Eligibility
from chalicelib.services.gate import Gate
from chalicelib.services.proposals import ProposalService, support_counts
from prachakhom.eligibility import same_birth
from prachakhom.identity import keyed_hash


@dataclass(frozen=True)
class Support:
    proposal: str
    count: int
    """Supporters of the idea, this one included."""
    created: bool
    """False: this resident supported it before (not counted twice, no error)."""


class SupportService:
    def __init__(self, gate: Gate, proposals: ProposalService, eligibility: Eligibility, secret: bytes) -> None:
        self.gate = gate
        self.proposals = proposals
        self.eligibility = eligibility
        self._secret = secret

    def support(self, municipality: str, process: str, slug: str, body: SupportIn) -> Support:
        """One conditional put keyed by an HMAC of the voter key, in the phase that allows supports
        (checked by the gate; the support stamped after the check, services/gate.py). The birth date's
        hash is stored with it, and a repeat with another birth date is refused (`identity_mismatch`)
        as for ballots (`prachakhom.eligibility`)."""
        place = self.gate.place(municipality, process)
        self.proposals.find(place, slug)
        voter = self.eligibility.voter(place, body, self.gate.clock.now().date())
        supporter = keyed_hash(self._secret, "support", voter.key)
        state = self.gate.open_for(place, "support")
        repo = self.gate.repository
        created = repo.add_support(municipality, process, slug, supporter, self.gate.clock.now(), birth=voter.birth)
        if not created and not same_birth(repo.support_birth(municipality, process, slug, supporter), voter.birth):
            raise Conflict.one("identity_mismatch", ("body", "birth_date"))
        counted = support_counts(self.gate.fence(place, state), repo.list_supports(municipality, process, slug))
        return Support(slug, counted.get(slug, 0), created)
