"""View models: content plus stored data, shaped for the page templates.

Nothing here escapes or formats HTML: the templates do that through Jinja's autoescape. This
module only decides *what* is shown (which proposals are public, which phase is current, how
much each pot holds), always through the core's one rule for it (`prachakhom.phase.phase_now`,
`prachakhom.participation.outcome_public`, `prachakhom.pots`), and Thai labels come from the core's
one catalogue (`prachakhom.messages`).

Each `ProcessView` is built in one pass, complete — the results of a closed vote included — and
frozen: nothing patches it afterwards. Each ballot file is parsed once per build: content's files by
the loader (`ProcessDoc.ballots`), the API's exported files here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from prachakhom.ballot import is_on_ballot
from prachakhom.content import MunicipalityDoc, ProcessDoc, ProposalDoc
from prachakhom.messages import PROJECT_STATUS_TH, PROPOSAL_STATUS_TH, WHOLE_AREA_TH
from prachakhom.models import (
    PUBLIC_PROPOSAL_STATUSES,
    Category,
    Municipality,
    PhaseDates,
    PhaseDefinition,
    Process,
    ProcessTemplate,
    Proposal,
    TrackedProject,
    Village,
)
from prachakhom.participation import outcome_public, voting_closed
from prachakhom.phase import days_left, phase_now, phases_as_run
from prachakhom.pots import ballot_cost, pot_budgets, pot_of, pot_village
from prachakhom.snapshot import ProcessSnapshot, StoredComment, ballot_files, load_snapshot
from site_generator.consultation import ConsultationSummary, consultation_summary
from site_generator.results import ProcessResults, process_results

if TYPE_CHECKING:
    from prachakhom.tally.pabulib import PabulibElection

def place_name(village: Village | None) -> str:
    """"หมู่ที่ 3 บ้านนา", or the whole area for municipality-wide proposals and projects."""
    return f"หมู่ที่ {village.number} {village.name}" if village else WHOLE_AREA_TH


@dataclass(frozen=True)
class CommentView:
    """A published comment with its replies (one level, as the API threads them)."""

    id: str
    author: str
    text: str
    created_on: date
    replies: tuple[CommentView, ...] = ()


def comment_threads(stored: list[StoredComment]) -> tuple[CommentView, ...]:
    """Top-level comments in order, each with its replies; a reply whose parent is missing is dropped."""
    replies: dict[str, list[StoredComment]] = {}
    for c in stored:
        if c.parent is not None:
            replies.setdefault(c.parent, []).append(c)

    def view(c: StoredComment, children: tuple[CommentView, ...] = ()) -> CommentView:
        return CommentView(c.id, c.author, c.text, c.created_at.date(), children)

    return tuple(view(c, tuple(view(r) for r in replies.get(c.id, []))) for c in stored if c.parent is None)


@dataclass(frozen=True)
class ProposalView:
    slug: str
    proposal: Proposal
    paragraphs: tuple[str, ...]
    category: Category
    village: Village | None
    cost: int | None
    status_label: str
    comment_count: int
    support_count: int
    comments: tuple[CommentView, ...] = ()

    @property
    def place(self) -> str:
        return place_name(self.village)


@dataclass(frozen=True)
class ProjectView:
    slug: str
    project: TrackedProject
    body: str
    category: Category
    village: Village | None
    status_label: str
    proposal_slug: str | None

    @property
    def place(self) -> str:
        return place_name(self.village)


@dataclass(frozen=True)
class PhaseView:
    definition: PhaseDefinition
    dates: PhaseDates
    state: str  # "done" | "current" | "upcoming"


@dataclass(frozen=True)
class PotView:
    pot_id: str
    name: str
    budget: int
    village: Village | None


@dataclass(frozen=True)
class BallotPotView:
    """One section of the ballot: a pot and the proposals a voter may choose in it."""

    pot: PotView
    proposals: tuple[ProposalView, ...]


@dataclass(frozen=True)
class ProcessView:
    """Everything a process's pages show, built once (`process_view`) and never changed."""

    slug: str
    municipality_slug: str
    process: Process
    """The content's process, with the phase stored by the API (if any) as its `current_phase`."""
    rules: ProcessTemplate
    phases: tuple[PhaseView, ...]
    current: PhaseView
    days_left: int
    proposals: tuple[ProposalView, ...]
    projects: tuple[ProjectView, ...]
    pots: tuple[PotView, ...]
    snapshot: ProcessSnapshot | None
    today: date
    voting_closed: bool
    """The core's rule (`prachakhom.participation.voting_closed`): past every phase that allows voting."""
    outcome_public: bool
    """The core's rule (`prachakhom.participation.outcome_public`): the results page may show the outcome."""
    outcome: ProcessResults | None
    """The tally of every pot with ballots once the outcome is public (`site_generator.results`);
    None before, for a process without ballots, or in a view built `with_results=False`."""
    summary: ConsultationSummary | None
    """An idea consultation's summary once its outcome is public (its last phase;
    `site_generator.consultation`); None for a vote, before, or in a view built `with_results=False`."""

    @property
    def actions(self) -> list[str]:
        return list(self.current.definition.actions)

    @property
    def is_budgeting(self) -> bool:
        return self.rules.kind == "budgeting"

    @property
    def rule_sentences(self) -> list[str]:
        return rule_sentences(self.rules)

    def phase_of(self, action: str) -> PhaseView | None:
        """The first phase in which residents may do `action` (to say when it opens)."""
        return next((p for p in self.phases if action in p.definition.actions), None)

    @property
    def ballot_pots(self) -> list[BallotPotView]:
        """Pots in ballot order (village pots, then the municipality-wide pot) with the proposals on
        the ballot: feasible (or already decided) and with a cost, as `prachakhom.ballot` decides."""
        on_ballot = [p for p in self.proposals if is_on_ballot(p.proposal)]
        return [
            BallotPotView(pot, tuple(p for p in on_ballot if pot_of(self.rules, p.proposal.village) == pot.pot_id))
            for pot in self.pots
        ]


RESIDENCY = {
    "house_registration": "มีชื่อในทะเบียนบ้านในเขตท้องถิ่น",
    "resident_or_worker": "อาศัย ทำงาน หรือเรียนในเขตท้องถิ่น",
    "anyone": "ทุกคนที่สนใจ",
}
TALLY = {
    "greedy": "นับคะแนนแบบคะแนนสูงสุดก่อน: เลือกโครงการที่ได้คะแนนมากที่สุดก่อน ข้ามโครงการที่งบประมาณคงเหลือไม่พอ",
    "greedy-no-skip": "นับคะแนนแบบคะแนนสูงสุดก่อน และหยุดเมื่อโครงการถัดไปใช้งบประมาณเกินที่เหลือ",
    "mes": "นับคะแนนด้วยวิธีแบ่งงบประมาณอย่างเท่าเทียม (Method of Equal Shares): ผู้ลงคะแนนทุกคนได้ส่วนแบ่งงบประมาณเท่ากัน "
    "โครงการได้รับเลือกเมื่อผู้สนับสนุนมีส่วนแบ่งรวมกันพอจ่าย จึงไม่มีกลุ่มใดได้งบประมาณไปทั้งหมด",
    "mes-add1": "นับคะแนนด้วยวิธีแบ่งงบประมาณอย่างเท่าเทียม (Method of Equal Shares): ผู้ลงคะแนนทุกคนได้ส่วนแบ่งงบประมาณเท่ากัน "
    "โครงการได้รับเลือกเมื่อผู้สนับสนุนมีส่วนแบ่งรวมกันพอจ่าย จึงไม่มีกลุ่มใดได้งบประมาณไปทั้งหมด "
    "หากยังมีงบประมาณเหลือ จะเพิ่มส่วนแบ่งทีละน้อยจนใช้งบประมาณได้มากที่สุด",
}


def rule_sentences(rules: ProcessTemplate) -> list[str]:
    """The rules in force, in plain Thai, derived from the rules themselves (never stale)."""
    e = rules.eligibility
    sentences = [f"ผู้มีสิทธิ์: อายุ {e.minimum_age} ปีขึ้นไป และ{RESIDENCY[e.residency]}"]
    b = rules.ballot
    per = "ในแต่ละกองงบประมาณ" if rules.pots.per_village else ""
    if b.kind == "approval":
        sentences.append(f"เลือกได้ {b.min_projects} ถึง {b.max_projects} โครงการ{per}")
    elif b.kind == "budget":
        share = f" และต้องใช้อย่างน้อย {b.min_share_percent}% ของงบประมาณ" if b.min_share_percent else ""
        sentences.append(f"เลือกโครงการได้หลายโครงการ{per} โดยราคารวมต้องไม่เกินงบประมาณ{share}")
    elif b.kind == "points":
        sentences.append(
            f"มีคะแนน {b.total_points} คะแนน{per} แบ่งให้โครงการใดก็ได้ โครงการละไม่เกิน {b.max_points_per_project} คะแนน"
        )
    else:
        sentences.append("สนับสนุนแนวคิดที่เห็นด้วยได้ทุกแนวคิด แนวคิดละหนึ่งครั้ง")
    if rules.tally.method in TALLY:
        sentences.append(TALLY[rules.tally.method])
    if rules.kind == "budgeting":
        sentences.append(
            "เปลี่ยนการลงคะแนนได้จนกว่าจะปิดลงคะแนน" if rules.allow_ballot_change else "ลงคะแนนแล้วเปลี่ยนไม่ได้"
        )
    return sentences


def paragraphs(text: str) -> list[str]:
    """Split resident text into paragraphs on blank lines (each is escaped by the template)."""
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n")]
    return [p for p in parts if p]


def process_view(
    municipality: Municipality, doc: ProcessDoc, today: date, data_dir: Path | None, with_results: bool = True
) -> ProcessView:
    """The process's view, complete: content, the API's snapshot and, once the outcome is public,
    the results of every pot that has ballots. `with_results=False` leaves the count out (outcome
    None) for pages that only summarise the process, such as the national index."""
    snapshot = load_snapshot(data_dir, doc.municipality_slug, doc.slug)
    stored_phase = snapshot.current_phase if snapshot else None
    process = doc.process.model_copy(update={"current_phase": stored_phase}) if stored_phase else doc.process
    moved_at = snapshot.phase_changed_at if snapshot and stored_phase else None
    # a phase moved on early shows the dates it really has, not the planned ones
    schedule = phases_as_run(doc.process, stored_phase, today, moved_at)
    current_index = [p.key for p in schedule].index(phase_now(doc.process, stored_phase, today).key)
    current_dates = schedule[current_index]
    phases = tuple(
        PhaseView(
            doc.rules.phase(dates.key),
            dates,
            "done" if i < current_index else "current" if i == current_index else "upcoming",
        )
        for i, dates in enumerate(schedule)
    )
    proposals = _proposals(municipality, doc, snapshot)
    pots = _pots(municipality, doc)
    public = outcome_public(doc.rules, current_dates.key)
    return ProcessView(
        slug=doc.slug,
        municipality_slug=doc.municipality_slug,
        process=process,
        rules=doc.rules,
        phases=phases,
        current=phases[current_index],
        days_left=days_left(current_dates, today),
        proposals=proposals,
        projects=_projects(municipality, doc),
        pots=pots,
        snapshot=snapshot,
        today=today,
        voting_closed=voting_closed(doc.rules, current_dates.key),
        outcome_public=public,
        outcome=process_results(doc.rules, pots, proposals, _elections(doc, data_dir))
        if public and with_results else None,
        summary=consultation_summary(proposals)
        if public and with_results and doc.rules.kind != "budgeting" else None,
    )


def _elections(doc: ProcessDoc, data_dir: Path | None) -> Mapping[str, PabulibElection]:
    """Pot id → its ballots: the API's exported file if there is one (parsed here, once), else the
    content's (parsed once by the loader)."""
    exported = ballot_files(data_dir, doc.municipality_slug, doc.slug)
    if not exported:
        return doc.ballots
    from prachakhom.tally.pabulib import read_pabulib_file

    return {**doc.ballots, **{pot_id: read_pabulib_file(path) for pot_id, path in exported.items()}}


def _proposals(
    municipality: Municipality, doc: ProcessDoc, snapshot: ProcessSnapshot | None
) -> tuple[ProposalView, ...]:
    docs = list(doc.proposals.values())
    if snapshot:
        known = set(doc.proposals)
        docs += [
            ProposalDoc(s.slug, s.proposal, s.body, doc.path)
            for s in snapshot.proposals
            if s.slug not in known
        ]
    comments = snapshot.comment_counts if snapshot else {}
    supports = snapshot.support_counts if snapshot else {}
    stored = snapshot.comments if snapshot else {}
    views = [
        ProposalView(
            slug=d.slug,
            proposal=d.proposal,
            paragraphs=tuple(paragraphs(d.body)),
            category=doc.rules.category(d.proposal.category),
            village=_village(municipality, d.proposal.village),
            cost=ballot_cost(d.proposal),
            status_label=PROPOSAL_STATUS_TH[d.proposal.status],
            comment_count=comments.get(d.slug, 0),
            support_count=supports.get(d.slug, 0),
            comments=comment_threads(stored.get(d.slug, [])),
        )
        for d in docs
        if d.proposal.status in PUBLIC_PROPOSAL_STATUSES
    ]
    return tuple(sorted(views, key=lambda v: (v.proposal.submitted_on, v.slug)))


def _projects(municipality: Municipality, doc: ProcessDoc) -> tuple[ProjectView, ...]:
    return tuple(
        ProjectView(
            slug=d.slug,
            project=d.project,
            body=d.body,
            category=doc.rules.category(d.project.category),
            village=_village(municipality, d.project.village),
            status_label=PROJECT_STATUS_TH[d.project.status],
            proposal_slug=d.project.proposal,
        )
        for d in sorted(doc.projects.values(), key=lambda d: d.slug)
    )


def _pots(municipality: Municipality, doc: ProcessDoc) -> tuple[PotView, ...]:
    pots = []
    for pot_id, budget in pot_budgets(doc.rules, doc.process.budget, municipality).items():
        number = pot_village(pot_id)
        if number is None:
            pots.append(PotView(pot_id, f"งบประมาณกลาง ({WHOLE_AREA_TH})", budget, None))
        else:
            village = municipality.village(number)
            pots.append(PotView(pot_id, place_name(village), budget, village))
    return tuple(pots)


def _village(municipality: Municipality, number: int | None) -> Village | None:
    return municipality.village(number) if number is not None else None


def municipality_views(
    doc: MunicipalityDoc, today: date, data_dir: Path | None, with_results: bool = True
) -> list[ProcessView]:
    return [process_view(doc.municipality, p, today, data_dir, with_results) for p in doc.processes.values()]
