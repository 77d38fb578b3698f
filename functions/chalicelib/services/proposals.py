"""Proposals: residents submit one online (it waits for moderation); everyone reads the published ones,
from content (village forum, staff) and stored (online) alike."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.bodies import ProposalIn
from chalicelib.errors import BadRequest, NotFound
from chalicelib.services.comments import visible_comment_counts
from chalicelib.services.gate import Fence, Gate, Place, same_request, stable_id
from chalicelib.storage.records import ProposalRecord, SupportRecord
from prachakhom.content import ProposalDoc
from prachakhom.messages import message
from prachakhom.models import PUBLIC_PROPOSAL_STATUSES


@dataclass(frozen=True)
class PublicProposal:
    """A proposal residents may read: from content or stored online, with its counts once asked for."""

    slug: str
    doc: ProposalDoc | None = None
    """From content (village forum, staff)…"""
    record: ProposalRecord | None = None
    """…or stored (online)."""
    comment_count: int | None = None
    support_count: int | None = None


class ProposalService:
    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    def submit(self, municipality: str, process: str, body: ProposalIn, idem: str) -> tuple[ProposalRecord, bool]:
        """Store it under a slug derived from the Idempotency-Key (a retry finds it): (stored, created?).
        One write, no contention with other proposals: the phase is checked by the gate and the
        proposal stamped after it (the fence, services/gate.py)."""
        place = self.gate.place(municipality, process)
        _check_against_place(place, body)
        self.gate.open_for(place, "propose")
        record = ProposalRecord(
            municipality=municipality, process=process,
            slug="online-" + stable_id(municipality, process, "proposal", idem)[:10], title=body.title,
            summary=body.summary, description=body.description, category=body.category, village=body.village,
            cost=body.cost, author=body.author, submitted_at=self.gate.clock.now(), status="under_review",
            idem_key=idem, idem_digest=self.gate.digest(body))
        stored, created = self.gate.repository.add_proposal(record, body.contact or None)
        if not created:
            same_request(stored.idem_key, stored.idem_digest, idem, record.idem_digest)
        return stored, created

    def published(self, municipality: str, process: str) -> list[PublicProposal]:
        """Every published proposal with its visible comments and supports, by slug."""
        place = self.gate.place(municipality, process)
        fence = self.gate.fence(place, self.gate.current(place))
        repo = self.gate.repository
        found = [PublicProposal(slug, doc=doc) for slug, doc in place.process.proposals.items()
                 if doc.proposal.status in PUBLIC_PROPOSAL_STATUSES]
        found += [PublicProposal(r.slug, record=r) for r in fence.proposals(repo.list_proposals(*place.key))
                  if r.status in PUBLIC_PROPOSAL_STATUSES]
        comments = visible_comment_counts(fence.comments(repo.list_comments(*place.key)))
        supports = support_counts(fence, repo.list_supports(*place.key))
        counted = [replace(p, comment_count=comments.get(p.slug, 0), support_count=supports.get(p.slug, 0))
                   for p in found]
        return sorted(counted, key=lambda p: p.slug)

    def one(self, municipality: str, process: str, slug: str) -> PublicProposal:
        """One published proposal with its supports (404 if none is published under this slug)."""
        place = self.gate.place(municipality, process)
        found = self.find(place, slug)
        fence = self.gate.fence(place, self.gate.current(place))
        supports = support_counts(fence, self.gate.repository.list_supports(municipality, process, slug))
        return replace(found, support_count=supports.get(slug, 0))

    def find(self, place: Place, slug: str) -> PublicProposal:
        """The published proposal residents act on (comment, support); 404 if there is none (nor
        for one submitted outside the proposal phase: never published)."""
        doc = place.process.proposals.get(slug)
        if doc is not None and doc.proposal.status in PUBLIC_PROPOSAL_STATUSES:
            return PublicProposal(slug, doc=doc)
        record = self.gate.repository.get_proposal(*place.key, slug)
        if record is None or record.status not in PUBLIC_PROPOSAL_STATUSES \
                or not self.gate.fence(place, self.gate.current(place)).proposals([record]):
            raise NotFound.one("unknown_proposal", ("path", "proposal"))
        return PublicProposal(slug, record=record)


def support_counts(fence: Fence, supports: Iterable[SupportRecord]) -> dict[str, int]:
    """Proposal slug → supporters counted (given while a phase allowing supports was in force)."""
    return dict(Counter(s.proposal for s in fence.supports(supports)))


def _check_against_place(place: Place, body: ProposalIn) -> None:
    """400 for what the body alone cannot tell: the process's categories and form, the villages."""
    rules, errors = place.rules, []
    keys = [c.key for c in rules.categories]
    if body.category not in keys:
        errors.append(_error("category", "unknown_category", choices=", ".join(keys)))
    villages = {v.number for v in place.municipality.municipality.villages}
    if body.village is not None and body.village not in villages:
        errors.append(_error("village", "unknown_village", village=body.village))
    for field in rules.proposal_form:
        value = getattr(body, field.key, None)
        if field.max_length and isinstance(value, str) and len(value) > field.max_length:
            errors.append(_error(field.key, "string_too_long", max_length=field.max_length))
        if field.must_fill and field.key in ProposalIn.model_fields and value in (None, ""):
            errors.append(_error(field.key, "missing"))
    if errors:
        raise BadRequest(errors)


def _error(field: str, code: str, **params: Any) -> dict[str, Any]:
    return {"loc": ["body", field], "code": code, "msg": message(code, **params)}
