"""View models: content plus stored data, shaped for the page templates.

Nothing here escapes or formats HTML: the templates do that through Jinja's autoescape. This
module only decides *what* is shown (which proposals are public, which phase is current, how
much each pot holds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from prachakhom.ballot import pot_of
from prachakhom.content import (
    MunicipalityDoc,
    ProcessDoc,
    ProposalDoc,
    pot_budgets,
    pot_village,
    proposal_cost,
)
from prachakhom.models import (
    BALLOT_PROPOSAL_STATUSES,
    PUBLIC_PROPOSAL_STATUSES,
    Category,
    Municipality,
    PhaseDates,
    PhaseDefinition,
    Process,
    ProcessTemplate,
    Project,
    Proposal,
    Village,
)
from prachakhom.phase import current_phase, days_left, phases_as_run
from prachakhom.snapshot import ProcessSnapshot, StoredComment, ballot_files, load_snapshot

if TYPE_CHECKING:
    from site_generator.results import ProcessResults

PROPOSAL_STATUS_LABELS = {
    "published": "รอคัดกรอง",
    "feasible": "ผ่านการคัดกรอง",
    "infeasible": "ไม่ผ่านการคัดกรอง",
    "selected": "ได้รับเลือก",
    "not_selected": "ไม่ได้รับเลือก",
    "withdrawn": "ถอนข้อเสนอ",
}
PROJECT_STATUS_LABELS = {
    "planned": "รอดำเนินการ",
    "in_progress": "กำลังดำเนินการ",
    "delayed": "ล่าช้า",
    "completed": "เสร็จแล้ว",
    "cancelled": "ยกเลิก",
}
ACTION_LABELS = {
    "propose": "เสนอโครงการ",
    "comment": "แสดงความคิดเห็น",
    "support": "สนับสนุนแนวคิด",
    "vote": "ลงคะแนน",
    "follow": "ติดตามความคืบหน้า",
}
WHOLE_AREA = "ทั้งท้องถิ่น"


def place_name(village: Village | None) -> str:
    """"หมู่ที่ 3 บ้านนา", or the whole area for municipality-wide proposals and projects."""
    return f"หมู่ที่ {village.number} {village.name}" if village else WHOLE_AREA


@dataclass(frozen=True)
class CommentView:
    """A published comment with its replies (one level, as the API threads them)."""

    id: str
    author: str
    text: str
    created_on: date
    replies: list[CommentView] = field(default_factory=list)


def comment_threads(stored: list[StoredComment]) -> list[CommentView]:
    """Top-level comments in order, each with its replies; a reply whose parent is missing is dropped."""
    views = {c.id: CommentView(c.id, c.author, c.text, c.created_at.date()) for c in stored}
    top = []
    for c in stored:
        if c.parent is None:
            top.append(views[c.id])
        elif c.parent in views:
            views[c.parent].replies.append(views[c.id])
    return top


@dataclass(frozen=True)
class ProposalView:
    slug: str
    proposal: Proposal
    paragraphs: list[str]
    category: Category
    village: Village | None
    cost: int | None
    status_label: str
    comment_count: int
    support_count: int
    comments: list[CommentView] = field(default_factory=list)

    @property
    def place(self) -> str:
        return place_name(self.village)


@dataclass(frozen=True)
class ProjectView:
    slug: str
    project: Project
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
    proposals: list[ProposalView]


@dataclass
class ProcessView:
    slug: str
    municipality_slug: str
    process: Process
    rules: ProcessTemplate
    phases: list[PhaseView]
    current: PhaseView
    days_left: int
    proposals: list[ProposalView]
    projects: list[ProjectView]
    pots: list[PotView]
    ballot_files: dict[str, Path]
    snapshot: ProcessSnapshot | None
    today: date
    outcome: ProcessResults | None = field(default=None)
    """Set by the plugin once voting has closed (site_generator.results)."""

    @property
    def actions(self) -> list[str]:
        return list(self.current.definition.actions)

    @property
    def voting_closed(self) -> bool:
        keys = [p.definition.key for p in self.phases]
        if "voting" not in keys:
            return False
        return keys.index(self.current.definition.key) > keys.index("voting")

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
        on_ballot = [p for p in self.proposals
                     if p.proposal.status in BALLOT_PROPOSAL_STATUSES and p.cost is not None]
        return [
            BallotPotView(pot, [p for p in on_ballot
                                if pot_of(self.rules, p.village.number if p.village else None) == pot.pot_id])
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
    municipality: Municipality, doc: ProcessDoc, today: date, data_dir: Path | None
) -> ProcessView:
    snapshot = load_snapshot(data_dir, doc.municipality_slug, doc.slug)
    process = doc.process
    if snapshot and snapshot.current_phase:
        process = process.model_copy(update={"current_phase": snapshot.current_phase})
    moved_at = snapshot.phase_changed_at if snapshot and snapshot.current_phase else None
    schedule = phases_as_run(process, today, moved_at)  # a phase moved on early shows its real dates
    keys = [p.key for p in schedule]
    current_index = keys.index(current_phase(process, today).key)
    current_dates = schedule[current_index]
    phases = [
        PhaseView(
            doc.rules.phase(dates.key),
            dates,
            "done" if i < current_index else "current" if i == current_index else "upcoming",
        )
        for i, dates in enumerate(schedule)
    ]
    files = {**doc.ballot_files, **ballot_files(data_dir, doc.municipality_slug, doc.slug)}
    return ProcessView(
        slug=doc.slug,
        municipality_slug=doc.municipality_slug,
        process=process,
        rules=doc.rules,
        phases=phases,
        current=phases[current_index],
        days_left=days_left(current_dates, today),
        proposals=_proposals(municipality, doc, snapshot),
        projects=_projects(municipality, doc),
        pots=_pots(municipality, doc),
        ballot_files=files,
        snapshot=snapshot,
        today=today,
    )


def _proposals(
    municipality: Municipality, doc: ProcessDoc, snapshot: ProcessSnapshot | None
) -> list[ProposalView]:
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
            paragraphs=paragraphs(d.body),
            category=doc.rules.category(d.proposal.category),
            village=_village(municipality, d.proposal.village),
            cost=proposal_cost(d),
            status_label=PROPOSAL_STATUS_LABELS[d.proposal.status],
            comment_count=comments.get(d.slug, 0),
            support_count=supports.get(d.slug, 0),
            comments=comment_threads(stored.get(d.slug, [])),
        )
        for d in docs
        if d.proposal.status in PUBLIC_PROPOSAL_STATUSES
    ]
    return sorted(views, key=lambda v: (v.proposal.submitted_on, v.slug))


def _projects(municipality: Municipality, doc: ProcessDoc) -> list[ProjectView]:
    return [
        ProjectView(
            slug=d.slug,
            project=d.project,
            body=d.body,
            category=doc.rules.category(d.project.category),
            village=_village(municipality, d.project.village),
            status_label=PROJECT_STATUS_LABELS[d.project.status],
            proposal_slug=d.project.proposal,
        )
        for d in sorted(doc.projects.values(), key=lambda d: d.slug)
    ]


def _pots(municipality: Municipality, doc: ProcessDoc) -> list[PotView]:
    pots = []
    for pot_id, budget in pot_budgets(doc.rules, doc.process.budget, municipality).items():
        number = pot_village(pot_id)
        if number is None:
            pots.append(PotView(pot_id, f"งบประมาณกลาง ({WHOLE_AREA})", budget, None))
        else:
            village = municipality.village(number)
            pots.append(PotView(pot_id, place_name(village), budget, village))
    return pots


def _village(municipality: Municipality, number: int | None) -> Village | None:
    return municipality.village(number) if number is not None else None


def municipality_views(
    doc: MunicipalityDoc, today: date, data_dir: Path | None
) -> list[ProcessView]:
    return [process_view(doc.municipality, p, today, data_dir) for p in doc.processes.values()]
