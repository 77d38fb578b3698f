"""Comments on published proposals (replies by `parent_id`) and residents' reports of them: a comment
is hidden once the process's threshold of distinct reporters is reached."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from chalicelib.bodies import CommentIn, ReportIn
from chalicelib.errors import NotFound, Unprocessable
from chalicelib.services.gate import Gate, same_request, stable_id
from chalicelib.storage.records import CommentRecord
from chalicelib.storage.repository import AlreadyExists, NotStored

if TYPE_CHECKING:
    from chalicelib.services.proposals import ProposalService


def visible_comment_counts(comments: Iterable[CommentRecord]) -> dict[str, int]:
    """Proposal slug → comments not hidden (proposals without any are absent)."""
    return dict(Counter(c.proposal for c in comments if not c.hidden))


class CommentService:
    def __init__(self, gate: Gate, proposals: ProposalService) -> None:
        self.gate = gate
        self.proposals = proposals

    def add(self, municipality: str, process: str, slug: str, body: CommentIn, idem: str
            ) -> tuple[CommentRecord, bool]:
        """Store it under an id derived from the Idempotency-Key (a retry finds it): (stored, created?)."""
        place = self.gate.place(municipality, process)
        self.proposals.find(place, slug)
        repo = self.gate.repository
        state = self.gate.open_for(place, "comment")
        if body.parent_id:
            parent = repo.get_comment(municipality, process, slug, body.parent_id)
            if parent is None or not self.gate.fence(place, state).comments([parent]):
                raise Unprocessable.one("parent_not_found", ("body", "parent_id"))
        record = CommentRecord(
            municipality=municipality, process=process, proposal=slug,
            id="c" + stable_id(municipality, process, slug, "comment", idem)[:12], author=body.author,
            text=body.text, created_at=self.gate.clock.now(), parent_id=body.parent_id, idem_key=idem,
            idem_digest=self.gate.digest(body))
        stored, created = repo.add_comment(record)
        if not created:
            same_request(stored.idem_key, stored.idem_digest, idem, record.idem_digest)
        return stored, created

    def of_proposal(self, municipality: str, process: str, slug: str) -> list[CommentRecord]:
        """The proposal's comments written in a phase that allows comments (hidden ones included,
        as placeholders)."""
        place = self.gate.place(municipality, process)
        self.proposals.find(place, slug)
        fence = self.gate.fence(place, self.gate.current(place))
        return fence.comments(self.gate.repository.list_comments(municipality, process, slug))

    def report(self, municipality: str, process: str, slug: str, comment_id: str, body: ReportIn
               ) -> tuple[CommentRecord, bool]:
        """Count one report per distinct reporter; hide the comment at the process's threshold:
        (the comment, counted?). A repeat by the same reporter counts nothing and is no error.

        The reporter is the page's `reporter` token (a random id kept in localStorage): best effort
        without login — a resident who clears the browser's storage reports again as someone new.
        """
        place = self.gate.place(municipality, process)
        reporter = stable_id(municipality, process, "reporter", f"token:{body.reporter}")[:16]
        repo = self.gate.repository
        try:
            comment = repo.report_comment(municipality, process, slug, comment_id, reporter,
                                          place.rules.comment_report_threshold)
        except NotStored:
            raise NotFound.one("unknown_comment", ("path", "comment")) from None
        except AlreadyExists:
            again = repo.get_comment(municipality, process, slug, comment_id)
            assert again is not None
            return again, False
        return comment, True
