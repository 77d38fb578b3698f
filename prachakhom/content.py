"""Load the content folder into validated models, collecting every problem before failing.

Layout::

    content/templates/<template>/v<N>.yaml                       national templates, one file a version
    content/municipalities/<slug>/municipality.yaml
    content/municipalities/<slug>/processes/<slug>/process.yaml
    content/municipalities/<slug>/processes/<slug>/proposals/*.md  front matter + resident text
    content/municipalities/<slug>/processes/<slug>/projects/*.md   front matter + staff update
    content/municipalities/<slug>/processes/<slug>/ballots/<pot>.pb optional: anonymised ballots
                                                                   (Pabulib), one file per pot:
                                                                   municipality.pb, village-<n>.pb

`load_content` returns a `Content` or raises `ContentError` listing every problem as
`file: field: message`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from prachakhom.errors import ContentError, Problem, display_path
from prachakhom.models import (
    BALLOT_PROPOSAL_STATUSES,
    MAX_BAHT,
    STRICT_TEXT,
    Municipality,
    Process,
    ProcessTemplate,
    Proposal,
    TrackedProject,
)
from prachakhom.phase import check_schedule
from prachakhom.pots import ballot_cost, pot_budgets, pot_ids, pot_of
from prachakhom.text import TextProblem, clean_text

if TYPE_CHECKING:  # the tally's reader is imported when a process has ballot files
    from prachakhom.tally.pabulib import PabulibElection

M = TypeVar("M", bound=BaseModel)

# libyaml's loader when available: ~10× faster than pure Python on thousands of proposal files.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TEMPLATE_FILE_RE = re.compile(r"^v(\d+)\.ya?ml$")


@dataclass(frozen=True)
class ProposalDoc:
    slug: str
    proposal: Proposal
    body: str
    path: Path


@dataclass(frozen=True)
class ProjectDoc:
    slug: str
    project: TrackedProject
    body: str
    path: Path


@dataclass(frozen=True)
class ProcessDoc:
    slug: str
    municipality_slug: str
    process: Process
    rules: ProcessTemplate
    """The template with this process's overrides applied: the rules actually in force."""
    proposals: dict[str, ProposalDoc]
    projects: dict[str, ProjectDoc]
    ballot_files: dict[str, Path]
    """Pot id (`municipality`, `village-<n>`) → anonymised ballots in Pabulib format."""
    path: Path
    ballots: dict[str, PabulibElection] = field(default_factory=dict)
    """Pot id → the ballot file as parsed (and checked) while loading: read once per load, used by
    the results pages."""


@dataclass(frozen=True)
class MunicipalityDoc:
    slug: str
    municipality: Municipality
    processes: dict[str, ProcessDoc]
    path: Path


@dataclass
class Content:
    root: Path
    templates: dict[tuple[str, int], ProcessTemplate] = field(default_factory=dict)
    municipalities: dict[str, MunicipalityDoc] = field(default_factory=dict)

    def municipality(self, slug: str) -> MunicipalityDoc | None:
        return self.municipalities.get(slug)

    def municipality_slugs(self) -> list[str]:
        return list(self.municipalities)


class MunicipalityCatalog(Protocol):
    """Where the API and the rebuild find one municipality's validated content.

    The API and the rebuild serve one municipality at a time: they ask for it by slug and must not
    need anyone else's content. `Content` (everything loaded from a folder) satisfies it; a store-backed
    catalog loads and caches one municipality at a time.
    """

    def municipality(self, slug: str) -> MunicipalityDoc | None:
        """The municipality's validated content, or None if there is no such municipality."""

    def municipality_slugs(self) -> list[str]:
        """Every municipality's slug (the scheduler walks them)."""


class _Collector:
    """Gathers problems while loading, so one run reports all of them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def add(self, path: Path, field_: str, message: str) -> None:
        self.problems.append(Problem(display_path(path, self.root), field_, message))

    def read_yaml(self, path: Path) -> Any:
        try:
            return yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark else "YAML"
            self.add(path, where, f"not valid YAML: {getattr(err, 'problem', err)}")
        except UnicodeDecodeError:
            self.add(path, "", "not UTF-8 text; save the file as UTF-8")
        return None

    def read_front_matter(self, path: Path) -> tuple[Any, str] | None:
        try:
            text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError:
            self.add(path, "", "not UTF-8 text; save the file as UTF-8")
            return None
        match = re.match(r"^---\n(.*?)\n---\n?(.*)$", text, re.DOTALL)
        if not match:
            self.add(path, "", "missing front matter: start the file with '---', the fields, then '---'")
            return None
        try:
            meta = yaml.load(match.group(1), Loader=YAML_LOADER)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"line {mark.line + 2}" if mark else "front matter"
            self.add(path, where, f"front matter is not valid YAML: {getattr(err, 'problem', err)}")
            return None
        return meta, match.group(2).strip()

    def validate(self, model: type[M], data: Any, path: Path, prefix: str = "") -> M | None:
        if not isinstance(data, dict):
            self.add(path, prefix, f"expected a mapping of fields, got {type(data).__name__}")
            return None
        try:
            return model.model_validate(data, context=STRICT_TEXT)
        except ValidationError as err:
            for e in err.errors():
                loc = ".".join(str(p) for p in (prefix, *e["loc"]) if p != "")
                self.add(path, loc, _message(model, e))
            return None


def _message(model: type[BaseModel], error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field; check its spelling against the documented fields"
    if error["type"] == "missing":
        return "required field is missing"
    if error["type"] in ("int_type", "int_from_float", "int_parsing") and "Money" not in error["msg"]:
        return f"{error['msg']} (money and counts are whole numbers, e.g. 250000 — no decimals or commas)"
    if error["type"] == "greater_than_equal":
        return f"{error['msg']} (negative amounts are not allowed)"
    if error["type"] == "less_than_equal" and error.get("ctx", {}).get("le") == MAX_BAHT:
        return f"at most {MAX_BAHT:,} baht (above any local budget: check the number of zeros)"
    return str(error["msg"]).removeprefix("Value error, ")


def load_content(root: Path) -> Content:
    """Load and cross-check everything under `root`; raise ContentError with every problem."""
    root = Path(root)
    col = _Collector(root)
    content = Content(root=root)
    if not root.is_dir():
        raise ContentError([Problem(str(root), "", "content folder not found")])
    content.templates = _load_templates(root / "templates", col)
    content.municipalities = _load_municipalities(root / "municipalities", content.templates, col)
    _check_unique_dla_codes(content, col)
    if col.problems:
        raise ContentError(col.problems)
    return content


def _load_templates(folder: Path, col: _Collector) -> dict[tuple[str, int], ProcessTemplate]:
    templates: dict[tuple[str, int], ProcessTemplate] = {}
    for tdir in _subdirs(folder):
        if not SLUG_RE.match(tdir.name):
            col.add(tdir, "", "template folder name must be a slug like 'pb-tambon'")
            continue
        for path in sorted(tdir.iterdir()):
            match = TEMPLATE_FILE_RE.match(path.name)
            if not match:
                col.add(path, "", "template files are named v<version>.yaml, e.g. v1.yaml")
                continue
            template = col.validate(ProcessTemplate, col.read_yaml(path), path)
            if template is None:
                continue
            if template.version != int(match.group(1)):
                col.add(path, "version", f"version {template.version} does not match the file name {path.name}")
                continue
            templates[(tdir.name, template.version)] = template
    return templates


def _load_municipalities(
    folder: Path, templates: dict[tuple[str, int], ProcessTemplate], col: _Collector
) -> dict[str, MunicipalityDoc]:
    result: dict[str, MunicipalityDoc] = {}
    for mdir in _subdirs(folder):
        path = mdir / "municipality.yaml"
        if not SLUG_RE.match(mdir.name):
            col.add(mdir, "", "municipality folder name must be a slug like 'ban-suan'")
            continue
        if not path.is_file():
            col.add(path, "", "missing municipality.yaml")
            continue
        municipality = col.validate(Municipality, col.read_yaml(path), path)
        processes = {}
        for pdir in _subdirs(mdir / "processes"):  # checked even if municipality.yaml is broken
            doc = _load_process(pdir, mdir.name, municipality, templates, col)
            if doc is not None:
                processes[doc.slug] = doc
        if municipality is not None:
            result[mdir.name] = MunicipalityDoc(mdir.name, municipality, processes, mdir)
    return result


def _load_process(
    pdir: Path,
    municipality_slug: str,
    municipality: Municipality | None,
    templates: dict[tuple[str, int], ProcessTemplate],
    col: _Collector,
) -> ProcessDoc | None:
    path = pdir / "process.yaml"
    if not SLUG_RE.match(pdir.name):
        col.add(pdir, "", "process folder name must be a slug like 'pb-2570'")
        return None
    if not path.is_file():
        col.add(path, "", "missing process.yaml")
        return None
    process = col.validate(Process, col.read_yaml(path), path)
    rules = _rules_for(process, templates, path, col) if process is not None else None
    # proposals and projects are checked on their own even when the process file is broken
    proposals = _load_docs(pdir / "proposals", Proposal, col)
    projects = _load_docs(pdir / "projects", TrackedProject, col)
    if process is None or rules is None:
        return None
    for p in check_schedule(rules.phases, process.phases):
        col.add(path, p.field, p.message)
    if process.current_phase and process.current_phase not in {p.key for p in rules.phases}:
        col.add(
            path, "current_phase", f"'{process.current_phase}' is not a phase of template {process.template}"
        )
    _check_budget(process, rules, municipality, path, col)
    proposal_docs = {s: ProposalDoc(s, m, b, p) for s, (m, b, p) in proposals.items()}
    project_docs = {s: ProjectDoc(s, m, b, p) for s, (m, b, p) in projects.items()}
    _check_proposals(proposal_docs, rules, municipality, col)
    _check_projects(project_docs, proposal_docs, rules, municipality, col)
    if municipality is None:
        return None
    ballot_files = _ballot_files(pdir / "ballots", rules, municipality, col)
    ballots = {}
    for pot_id, ballot_path in ballot_files.items():
        election = _check_ballot_file(ballot_path, pot_id, process, rules, municipality, proposal_docs, col)
        if election is not None:
            ballots[pot_id] = election
    return ProcessDoc(
        pdir.name, municipality_slug, process, rules, proposal_docs, project_docs, ballot_files, pdir, ballots
    )


def _ballot_files(
    folder: Path, rules: ProcessTemplate, municipality: Municipality, col: _Collector
) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    known = pot_ids(rules, municipality)
    files = {}
    for path in sorted(folder.iterdir()):
        if path.suffix != ".pb" or path.stem not in known:
            col.add(path, "", f"ballot files are named <pot>.pb with a pot of this process: {', '.join(known)}")
            continue
        files[path.stem] = path
    return files


def _rules_for(
    process: Process, templates: dict[tuple[str, int], ProcessTemplate], path: Path, col: _Collector
) -> ProcessTemplate | None:
    versions = sorted(v for (slug, v) in templates if slug == process.template)
    if not versions:
        known = ", ".join(sorted({slug for slug, _ in templates})) or "none"
        col.add(path, "template", f"unknown template '{process.template}'; known templates: {known}")
        return None
    template = templates.get((process.template, process.template_version))
    if template is None:
        col.add(
            path,
            "template_version",
            f"template '{process.template}' has no version {process.template_version}; "
            f"available: {', '.join(map(str, versions))}",
        )
        return None
    return apply_overrides(template, process, path, col)


def apply_overrides(
    template: ProcessTemplate, process: Process, path: Path, col: _Collector
) -> ProcessTemplate | None:
    """The template with the process's overrides merged over it, validated as a whole."""
    data = template.model_dump()
    ov = process.overrides
    for section in ("tally", "pots", "eligibility", "texts"):
        data[section] = {**data[section], **getattr(ov, section)}
    if ov.ballot:
        same_kind = ov.ballot.get("kind", data["ballot"]["kind"]) == data["ballot"]["kind"]
        data["ballot"] = {**data["ballot"], **ov.ballot} if same_kind else dict(ov.ballot)
    for name in ("allow_ballot_change", "comment_report_threshold"):
        if getattr(ov, name) is not None:
            data[name] = getattr(ov, name)
    return col.validate(ProcessTemplate, data, path, prefix="overrides")


def _check_budget(
    process: Process, rules: ProcessTemplate, municipality: Municipality | None, path: Path, col: _Collector
) -> None:
    budget = process.budget
    if rules.kind == "consultation":
        if budget is not None:
            col.add(path, "budget", "this template is a consultation without a budget; remove 'budget'")
        return
    if budget is None:
        col.add(path, "budget", "a budgeting process needs a budget (total, villages, municipality_wide)")
        return
    known = {v.number for v in municipality.villages} if municipality else set(budget.villages)
    for number in budget.villages:
        if number not in known:
            col.add(path, f"budget.villages.{number}", f"village {number} does not exist in municipality.yaml")
    if rules.pots.per_village:
        for number in sorted(known - set(budget.villages)):
            col.add(path, "budget.villages", f"village {number} has no budget; add 'budget.villages.{number}'")
    elif budget.villages:
        col.add(path, "budget.villages", "the template has no per-village pots; remove 'budget.villages'")
    if budget.municipality_wide and not rules.pots.municipality_wide:
        col.add(path, "budget.municipality_wide", "the template has no municipality-wide pot")
    allocated = sum(budget.villages.values()) + budget.municipality_wide
    if allocated > budget.total:
        col.add(
            path,
            "budget",
            f"village budgets ({sum(budget.villages.values()):,}) plus municipality-wide "
            f"({budget.municipality_wide:,}) make {allocated:,} baht, more than the total {budget.total:,}",
        )


def _check_ballot_file(
    path: Path,
    pot_id: str,
    process: Process,
    rules: ProcessTemplate,
    municipality: Municipality,
    proposals: dict[str, ProposalDoc],
    col: _Collector,
) -> PabulibElection | None:
    """A ballots file must be readable Pabulib whose budget and projects match this process's pot;
    returns it as parsed (None if it cannot be read)."""
    from prachakhom.tally.pabulib import PabulibError, read_pabulib_file

    try:
        election = read_pabulib_file(path)
    except (PabulibError, UnicodeDecodeError) as err:
        col.add(path, "", f"not a valid Pabulib file: {err}")
        return None
    expected = pot_budgets(rules, process.budget, municipality).get(pot_id)
    if expected is not None and election.pot.to_units(election.pot.budget) != expected:
        col.add(path, "META.budget", f"budget {election.pot.to_units(election.pot.budget)} differs from "
                f"this pot's budget in process.yaml ({expected})")
    for project in election.pot.projects:
        doc = proposals.get(project.id)
        if doc is None:
            col.add(path, f"PROJECTS.{project.id}", "no proposal with this slug in the process")
        elif pot_of(rules, doc.proposal.village) != pot_id:
            col.add(path, f"PROJECTS.{project.id}", f"the proposal belongs to another pot than {pot_id}")
        elif election.pot.to_units(project.cost) != ballot_cost(doc.proposal):
            col.add(path, f"PROJECTS.{project.id}", f"cost {election.pot.to_units(project.cost)} differs from "
                    f"the proposal's cost ({ballot_cost(doc.proposal)})")
    return election


def _load_docs(folder: Path, model: type[M], col: _Collector) -> dict[str, tuple[M, str, Path]]:
    docs: dict[str, tuple[M, str, Path]] = {}
    if not folder.is_dir():
        return docs
    for path in sorted(folder.glob("*.md")):
        parsed = col.read_front_matter(path)
        if parsed is None:
            continue
        item = col.validate(model, parsed[0], path)
        try:
            body = clean_text(parsed[1], multiline=True)
        except TextProblem as problem:
            col.add(path, "body", problem.message)
            continue
        if item is None:
            continue
        slug = getattr(item, "slug", None) or path.stem
        if not SLUG_RE.match(slug):
            col.add(path, "slug", f"'{slug}' is not a slug: use lower-case a-z, 0-9 and hyphens (rename the file)")
            continue
        if slug in docs:
            col.add(path, "slug", f"duplicate slug '{slug}': also used by {docs[slug][2].name}")
            continue
        docs[slug] = (item, body, path)
    return docs


def _check_place(
    path: Path, category: str, village: int | None, rules: ProcessTemplate, municipality: Municipality | None,
    col: _Collector,
) -> None:
    keys = [c.key for c in rules.categories]
    if category not in keys:
        col.add(path, "category", f"'{category}' is not a category of this template; use one of: {', '.join(keys)}")
    if municipality is not None and village is not None and village not in {v.number for v in municipality.villages}:
        numbers = ", ".join(str(v.number) for v in municipality.villages) or "none listed"
        col.add(path, "village", f"village {village} does not exist in this municipality (villages: {numbers})")


def _check_proposals(
    proposals: dict[str, ProposalDoc], rules: ProcessTemplate, municipality: Municipality | None, col: _Collector
) -> None:
    for doc in proposals.values():
        p = doc.proposal
        _check_place(doc.path, p.category, p.village, rules, municipality, col)
        on_ballot = rules.kind == "budgeting" and p.status in BALLOT_PROPOSAL_STATUSES
        if on_ballot and ballot_cost(p) is None:
            col.add(doc.path, "cost", "a proposal on the ballot needs a cost (or feasibility.revised_cost)")
        if p.status in {"feasible", "infeasible"} and p.feasibility is None:
            col.add(doc.path, "feasibility", f"status '{p.status}' needs the staff's feasibility answer")


def _check_projects(
    projects: dict[str, ProjectDoc],
    proposals: dict[str, ProposalDoc],
    rules: ProcessTemplate,
    municipality: Municipality | None,
    col: _Collector,
) -> None:
    for doc in projects.values():
        p = doc.project
        _check_place(doc.path, p.category, p.village, rules, municipality, col)
        if p.proposal is not None and p.proposal not in proposals:
            col.add(doc.path, "proposal", f"no proposal '{p.proposal}' in this process")


def _check_unique_dla_codes(content: Content, col: _Collector) -> None:
    seen: dict[str, str] = {}
    for slug, doc in content.municipalities.items():
        code = doc.municipality.dla_code
        if code in seen:
            col.add(doc.path / "municipality.yaml", "dla_code", f"DLA code {code} is also used by '{seen[code]}'")
        else:
            seen[code] = slug


def _subdirs(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
