"""Content models: what national and municipal staff write, validated with pydantic.

Every model forbids unknown fields (`extra="forbid"`), so a misspelt key is reported instead of
silently ignored. Money is whole baht as a strict integer: `250000`, never `250000.50`,
`"250,000"` or a float. Cross-file rules (a category must exist in the template, a village
must exist in the municipality…) live in `prachakhom.content`, which sees all files at once.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from prachakhom.counting import count_refusal
from prachakhom.text import TextProblem, clean_text, sanitise_text

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=80),
]
"""Lower-case ASCII words joined by hyphens: used in URLs and keys."""

MAX_BAHT = 100_000_000_000
"""The most any sum of money here may be: 100,000 ล้านบาท, above the annual budget of any Thai local
government (Bangkok's, the largest, is under 100,000 ล้านบาท). A cost, a budget or a revised cost
beyond it is a typing mistake, refused where it is typed and where it is stored."""

Money = Annotated[int, Field(ge=0, le=MAX_BAHT, strict=True)]
"""Whole baht, never negative, never fractional, at most `MAX_BAHT`."""

MAX_POINTS = 1_000_000
"""The most points a points ballot may hand out (so the most one project may get from one voter)."""

ThaiText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

STRICT_TEXT: dict[str, str] = {"text": "strict"}
"""Validation context for new text (content files; later the API's requests): the text rule
(`prachakhom.text.clean_text`) refuses what it must, with its code as the pydantic error type.
Without it — text already stored, read back into these models — text is sanitised, never refused,
so that a stored title can never stop a rebuild or a count."""


def _text_rule(multiline: bool) -> AfterValidator:
    def apply(value: str, info: ValidationInfo) -> str:
        if info.context is not None and info.context.get("text") == STRICT_TEXT["text"]:
            try:
                return clean_text(value, multiline=multiline)
            except TextProblem as problem:
                raise PydanticCustomError(problem.code, problem.message.replace("{", "{{").replace("}", "}}"),
                                          {"position": (problem.position or 0) + 1}) from None
        return sanitise_text(value, multiline=multiline)

    return AfterValidator(apply)


ONE_LINE = _text_rule(multiline=False)
MANY_LINES = _text_rule(multiline=True)
"""The text rule as a validator, to put after a field's own constraints (the API's request bodies)."""

OneLine = Annotated[str, ONE_LINE]
"""Text people type on one line (titles, names), possibly empty: see `prachakhom.text`."""
ManyLines = Annotated[str, MANY_LINES]
"""Text people type that may hold paragraphs (summaries, descriptions, answers, comments)."""
ThaiLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), ONE_LINE]
"""`OneLine` that must not be empty."""
ThaiLines = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), MANY_LINES]
"""`ManyLines` that must not be empty."""

ResidentAction = Literal["propose", "comment", "support", "vote", "follow"]
"""What residents may do in a phase. Reading is always allowed."""

MunicipalityType = Literal["อบจ.", "เทศบาลนคร", "เทศบาลเมือง", "เทศบาลตำบล", "อบต."]

ProposalStatus = Literal[
    "under_review",  # submitted, waiting for moderation: not public
    "rejected",  # refused in moderation (abuse, duplicate…): not public
    "published",  # public, not yet assessed
    "feasible",  # staff found it feasible: on the ballot
    "infeasible",  # staff found it not feasible: not on the ballot
    "selected",  # won the vote
    "not_selected",  # on the ballot, did not win
    "withdrawn",  # withdrawn by its author
]
PUBLIC_PROPOSAL_STATUSES: frozenset[str] = frozenset(
    {"published", "feasible", "infeasible", "selected", "not_selected", "withdrawn"}
)
BALLOT_PROPOSAL_STATUSES: frozenset[str] = frozenset({"feasible", "selected", "not_selected"})

ProjectStatus = Literal["planned", "in_progress", "delayed", "completed", "cancelled"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --- national process templates ---------------------------------------------------------------


class PhaseDefinition(Model):
    key: Slug
    name: ThaiText
    default_days: int = Field(ge=1, le=366)
    description: ThaiText
    actions: list[ResidentAction] = []


class Category(Model):
    key: Slug
    name: ThaiText
    description: str = ""


class FormField(Model):
    key: Slug
    label: ThaiText
    kind: Literal["text", "textarea", "money", "category", "village", "name", "contact"]
    required: bool = True
    max_length: int | None = Field(default=None, ge=1)
    help: str = ""

    @property
    def must_fill(self) -> bool:
        """Must the resident type or pick something? A village field always has an answer: left
        at its first choice, the proposal is for the whole local area (no village)."""
        return self.required and self.kind != "village"


class ApprovalBallot(Model):
    """Tick between `min_projects` and `max_projects` proposals (per pot)."""

    kind: Literal["approval"]
    min_projects: int = Field(default=1, ge=0)
    max_projects: int = Field(ge=1)

    @model_validator(mode="after")
    def _min_le_max(self) -> ApprovalBallot:
        if self.min_projects > self.max_projects:
            raise ValueError(
                f"min_projects ({self.min_projects}) is larger than max_projects ({self.max_projects})"
            )
        return self


class BudgetBallot(Model):
    """Pick proposals whose costs add up to at most the pot, spending at least `min_share_percent`."""

    kind: Literal["budget"]
    min_share_percent: int = Field(default=0, ge=0, le=100)


class PointsBallot(Model):
    """Spread `total_points` over proposals, at most `max_points_per_project` each."""

    kind: Literal["points"]
    total_points: int = Field(ge=1, le=MAX_POINTS)
    max_points_per_project: int = Field(ge=1, le=MAX_POINTS)


class SupportBallot(Model):
    """Idea consultations: a resident supports any number of ideas, once each."""

    kind: Literal["support"]


BallotSettings = Annotated[
    ApprovalBallot | BudgetBallot | PointsBallot | SupportBallot, Field(discriminator="kind")
]
"""The ballot a template (or a process override) asks for, as staff write it. The tally checks one
pot's ballot against the matching `prachakhom.tally.ballot_rules.BallotRule` (`prachakhom.ballot.tally_rule`)."""

TallyMethod = Literal["greedy", "greedy-no-skip", "mes", "mes-add1", "none"]


class TallySettings(Model):
    """How votes become winners (see prachakhom/tally). `utility` is what the Method of Equal Shares
    measures (cost or cardinality for approval and budget ballots, points for points ballots; the
    greedy rules do not use it). Which combinations can be counted is `prachakhom.counting`'s
    `count_refusal`. Default tie-breaking: more supporters first, then the cheaper project, then the
    earlier proposal."""

    method: TallyMethod = "greedy"
    utility: Literal["cost", "cardinality", "points"] = "cost"
    tie_breaking: Literal["supporters-cost-order", "lexicographic", "input-order"] = "supporters-cost-order"


class Pots(Model):
    """Where the money sits: one pot per village (หมู่ที่) and/or one municipality-wide pot."""

    per_village: bool = False
    municipality_wide: bool = True


class Eligibility(Model):
    minimum_age: int = Field(ge=0, le=120)
    residency: Literal["house_registration", "resident_or_worker", "anyone"]
    identity: Literal["national_id"] = "national_id"


class PageTexts(Model):
    intro: ThaiText
    how_to_take_part: ThaiText
    rules: ThaiText
    after_vote: str = ""


class ProcessTemplate(Model):
    """A national template (e.g. `pb-tambon` version 1) that municipalities adopt and adapt."""

    version: int = Field(ge=1)
    name: ThaiText
    kind: Literal["budgeting", "consultation"]
    description: ThaiText
    phases: list[PhaseDefinition] = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)
    proposal_form: list[FormField] = Field(min_length=1)
    ballot: BallotSettings
    tally: TallySettings = TallySettings()
    pots: Pots = Pots()
    eligibility: Eligibility
    texts: PageTexts
    allow_ballot_change: bool = True
    comment_report_threshold: int = Field(default=3, ge=1)

    @model_validator(mode="after")
    def _unique_keys(self) -> ProcessTemplate:
        for name, keys in (
            ("phases", [p.key for p in self.phases]),
            ("categories", [c.key for c in self.categories]),
            ("proposal_form", [f.key for f in self.proposal_form]),
        ):
            dupes = sorted({k for k in keys if keys.count(k) > 1})
            if dupes:
                raise ValueError(f"duplicate {name} key(s): {', '.join(dupes)}")
        return self

    @model_validator(mode="after")
    def _countable(self) -> ProcessTemplate:
        """Refuse a ballot × tally set-up the close could not count (it would fail with nothing published)."""
        refusal = count_refusal(self.ballot.kind, self.tally.method, self.tally.utility)
        if refusal is not None:
            raise ValueError(refusal.message)
        return self

    def phase(self, key: str) -> PhaseDefinition:
        for p in self.phases:
            if p.key == key:
                return p
        raise KeyError(key)

    def category(self, key: str) -> Category:
        for c in self.categories:
            if c.key == key:
                return c
        raise KeyError(key)


# --- municipalities ---------------------------------------------------------------------------


class Village(Model):
    number: int = Field(ge=1, le=99)
    name: ThaiLine


class Contacts(Model):
    address: str = ""
    phone: str = ""
    email: str = ""
    line_id: str = ""
    website: str = ""
    office_hours: str = ""


class Municipality(Model):
    name: ThaiText
    name_en: str = ""
    type: MunicipalityType
    dla_code: str
    province: ThaiText
    district: ThaiText
    villages: list[Village] = []
    contacts: Contacts = Contacts()
    demo: bool = False

    @field_validator("dla_code", mode="before")
    @classmethod
    def _dla_code(cls, value: object) -> object:
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(text, str) or not (len(text) == 7 and text.isascii() and text.isdigit()):
            raise ValueError(
                f"DLA code must be exactly 7 digits (รหัส อปท. 7 หลัก), e.g. \"5520101\"; got {value!r}"
            )
        return text

    @model_validator(mode="after")
    def _unique_villages(self) -> Municipality:
        numbers = [v.number for v in self.villages]
        dupes = sorted({n for n in numbers if numbers.count(n) > 1})
        if dupes:
            raise ValueError(f"village number(s) listed twice: {', '.join(map(str, dupes))}")
        return self

    def village(self, number: int) -> Village:
        for v in self.villages:
            if v.number == number:
                return v
        raise KeyError(number)


class PhaseDates(Model):
    key: Slug
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> PhaseDates:
        if self.end < self.start:
            raise ValueError(f"phase '{self.key}' ends ({self.end}) before it starts ({self.start})")
        return self


class Budget(Model):
    total: Money
    villages: dict[int, Money] = {}
    municipality_wide: Money = 0


class ProcessOverrides(Model):
    """What a municipality may change in the template it adopts (merged over the template)."""

    ballot: dict[str, object] = {}
    tally: dict[str, object] = {}
    pots: dict[str, object] = {}
    eligibility: dict[str, object] = {}
    texts: dict[str, object] = {}
    allow_ballot_change: bool | None = None
    comment_report_threshold: int | None = None


NOW_OPEN = re.compile(r"(ตอนนี้|ขณะนี้|บัดนี้)\s*(กำลัง)?\s*(เปิด|ปิด|อยู่ในช่วง|อยู่ระหว่าง)")
"""Staff text that says what is open now ("ตอนนี้เปิดลงคะแนนถึง…") is still there after the phase
changes; the pages say the current phase and its dates themselves."""


class Process(Model):
    title: ThaiLine
    template: Slug
    template_version: int = Field(ge=1)
    summary: ThaiLines
    description: ManyLines = ""
    fiscal_year: int = Field(ge=2500, le=2700, description="Buddhist-era fiscal year, e.g. 2570")
    phases: list[PhaseDates] = Field(min_length=1)
    current_phase: Slug | None = None
    budget: Budget | None = None
    overrides: ProcessOverrides = ProcessOverrides()

    @field_validator("summary", "description")
    @classmethod
    def _timeless(cls, text: str) -> str:
        found = NOW_OPEN.search(text)
        if found:
            raise ValueError(
                f"says what is open now ('{found.group(0)}…'), which stays on the pages after the phase "
                "changes; the pages show the current phase and its dates themselves: keep this text timeless"
            )
        return text


# --- proposals and projects (Markdown files with front matter) -------------------------------


class FeasibilityReview(Model):
    feasible: bool
    answer: ThaiLines
    revised_cost: Money | None = None
    reviewed_on: date | None = None


class Proposal(Model):
    """A proposal. Its title, summary, body and author are resident text: always escaped."""

    title: ThaiLine = Field(max_length=200)
    summary: ManyLines = Field(default="", max_length=500)
    category: Slug
    village: int | None = None
    cost: Money | None = None
    author: ThaiLine
    submitted_on: date
    source: Literal["online", "village_forum", "staff"] = "village_forum"
    status: ProposalStatus = "published"
    feasibility: FeasibilityReview | None = None
    slug: Slug | None = None


class Milestone(Model):
    title: ThaiLine
    due: date
    done_on: date | None = None


class TrackedProject(Model):
    """A selected proposal being carried out, tracked in public (status, progress, money spent,
    milestones); written by staff in `projects/*.md`. Not to be confused with a project on a ballot
    (`prachakhom.tally.election.Project`: an id, a cost, a pot)."""

    title: ThaiLine
    proposal: Slug | None = None
    category: Slug
    village: int | None = None
    status: ProjectStatus
    progress_percent: int = Field(ge=0, le=100)
    budget: Money
    spent: Money = 0
    milestones: list[Milestone] = []
    updated_on: date
    contractor: OneLine = ""
    slug: Slug | None = None
