"""Supports for ideas (idea consultations): one per eligible resident per idea, phase-guarded."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.bodies import SupportIn
from chalicelib.services.eligibility import eligible_voter_key
from chalicelib.services.gate import Gate
from chalicelib.services.proposals import ProposalService, support_counts
from prachakhom.identity import keyed_hash


@dataclass(frozen=True)
class Support:
    proposal: str
    count: int
    """Supporters of the idea, this one included."""
    created: bool
    """False: this resident supported it before (not counted twice, no error)."""


class SupportService:
    def __init__(self, gate: Gate, proposals: ProposalService, secret: bytes) -> None:
        self.gate = gate
        self.proposals = proposals
        self._secret = secret

    def support(self, municipality: str, process: str, slug: str, body: SupportIn) -> Support:
        """One conditional put keyed by an HMAC of the voter key, in the phase that allows supports
        (checked by the gate; the support stamped after the check, services/gate.py)."""
        place = self.gate.place(municipality, process)
        self.proposals.find(place, slug)
        key = eligible_voter_key(place, body, self._secret, self.gate.clock.now().date())
        supporter = keyed_hash(self._secret, "support", key)
        state = self.gate.open_for(place, "support")
        repo = self.gate.repository
        created = repo.add_support(municipality, process, slug, supporter, self.gate.clock.now())
        counted = support_counts(self.gate.fence(place, state), repo.list_supports(municipality, process, slug))
        return Support(slug, counted.get(slug, 0), created)
