"""The summary an idea consultation publishes in its last phase: every idea ranked by its supports,
with the municipality's answer, and the counts (ideas, supports, comments, answers).

Ranking: more supports first, then more comments, then the earlier idea; ideas with as many
supports share a rank (1, 2, 2, 4), so the page never suggests an order the residents did not give.
Withdrawn ideas are counted apart and not ranked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from site_generator.views import ProposalView

ANSWER_LABELS = {
    True: "ท้องถิ่นรับไปดำเนินการ",
    False: "ท้องถิ่นยังไม่รับไปดำเนินการ",
    None: "ยังไม่มีคำตอบจากท้องถิ่น",
}


@dataclass(frozen=True)
class RankedIdea:
    rank: int
    idea: ProposalView

    @property
    def answered(self) -> bool | None:
        """True: the municipality takes it up; False: it does not (yet); None: no answer yet."""
        review = self.idea.proposal.feasibility
        return None if review is None else review.feasible

    @property
    def answer_label(self) -> str:
        return ANSWER_LABELS[self.answered]

    @property
    def answer_kind(self) -> str:
        """`yes`, `no` or `none`: the style of the answer box."""
        return {True: "yes", False: "no", None: "none"}[self.answered]


@dataclass(frozen=True)
class ConsultationSummary:
    ideas: tuple[RankedIdea, ...]
    supports: int
    comments: int
    answered: int
    taken_up: int
    withdrawn: int


def consultation_summary(proposals: Sequence[ProposalView]) -> ConsultationSummary:
    """Rank the public ideas (`proposals` as the pages show them) and count what residents did."""
    live = [p for p in proposals if p.proposal.status != "withdrawn"]
    live.sort(key=lambda p: (-p.support_count, -p.comment_count, p.proposal.submitted_on, p.slug))
    ranked: list[RankedIdea] = []
    for position, idea in enumerate(live, start=1):
        tied = ranked and ranked[-1].idea.support_count == idea.support_count
        ranked.append(RankedIdea(ranked[-1].rank if tied else position, idea))
    reviews = [p.proposal.feasibility for p in live if p.proposal.feasibility is not None]
    return ConsultationSummary(
        ideas=tuple(ranked),
        supports=sum(p.support_count for p in live),
        comments=sum(p.comment_count for p in live),
        answered=len(reviews),
        taken_up=sum(1 for r in reviews if r.feasible),
        withdrawn=len(proposals) - len(live),
    )
