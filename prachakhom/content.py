"""Load content files into validated models, collecting every problem before failing.

The files come from a content store (`prachakhom.store`: a folder, or a deployment's DynamoDB
table); the layout is the same in both::

    content/templates/<template>/v<N>.yaml                       national templates, one file a version
    content/municipalities/<slug>/municipality.yaml
    content/municipalities/<slug>/processes/<slug>/process.yaml
    content/municipalities/<slug>/processes/<slug>/proposals/*.md  front matter + resident text
    content/municipalities/<slug>/processes/<slug>/projects/*.md   front matter + staff update
    content/municipalities/<slug>/processes/<slug>/ballots/<pot>.pb optional: anonymised ballots
                                                                   (Pabulib), one file per pot:
                                                                   municipality.pb, village-<n>.pb

`load_content` (everything: whole-tree validation), `load_templates` and `load_municipality` (one
municipality: what the API and the rebuild need) return validated models or raise `ContentError`
listing every problem as `file: field: message`.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from prachakhom.errors import ContentError, Problem
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
from prachakhom.store import MUNICIPALITIES, TEMPLATES, ContentFile, ContentStore, FolderStore
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
    path: PurePath
    """Where the file is in its store (`municipalities/<m>/processes/<p>/proposals/<name>.md`)."""


@dataclass(frozen=True)
class ProjectDoc:
    slug: str
    project: TrackedProject
    body: str
    path: PurePath


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
    """Pot id (`municipality`, `village-<n>`) → anonymised ballots in Pabulib format (a file on this
    machine: the folder's own, or a copy of the store's under the temp folder)."""
    path: PurePath
    ballots: dict[str, PabulibElection] = field(default_factory=dict)
    """Pot id → the ballot file as parsed (and checked) while loading: read once per load, used by
    the results pages."""


@dataclass(frozen=True)
class MunicipalityDoc:
    slug: str
    municipality: Municipality
    processes: dict[str, ProcessDoc]
    path: PurePath


@dataclass
class Content:
    root: Path | None = None
    """The content folder, when loaded from one."""
    store: ContentStore | None = None
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
    """Gathers problems while loading, so one run reports all of them.

    Problems name files as `<store label>/<path>` (`content/municipalities/…`), whatever the store.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[Problem] = []

    def add(self, path: str | PurePath, field_: str, message: str) -> None:
        self.problems.append(Problem(f"{self.label}/{PurePath(path).as_posix()}", field_, message))

    def text(self, file: ContentFile) -> str | None:
        try:
            return file.data.decode("utf-8")
        except UnicodeDecodeError:
            self.add(file.path, "", "not UTF-8 text; save the file as UTF-8")
        except OSError as err:
            self.add(file.path, "", f"could not be read: {err.strerror or err}")
        return None

    def read_yaml(self, file: ContentFile) -> Any:
        text = self.text(file)
        if text is None:
            return None
        try:
            return yaml.load(text, Loader=YAML_LOADER)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark else "YAML"
            self.add(file.path, where, f"not valid YAML: {getattr(err, 'problem', err)}")
        return None

    def read_front_matter(self, file: ContentFile) -> tuple[Any, str] | None:
        text = self.text(file)
        if text is None:
            return None
        match = re.match(r"^---\n(.*?)\n---\n?(.*)$", text.replace("\r\n", "\n"), re.DOTALL)
        if not match:
            self.add(file.path, "", "missing front matter: start the file with '---', the fields, then '---'")
            return None
        try:
            meta = yaml.load(match.group(1), Loader=YAML_LOADER)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"line {mark.line + 2}" if mark else "front matter"
            self.add(file.path, where, f"front matter is not valid YAML: {getattr(err, 'problem', err)}")
            return None
        return meta, match.group(2).strip()

    def validate(self, model: type[M], data: Any, path: str | PurePath, prefix: str = "") -> M | None:
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


def _store_of(source: Path | str | ContentStore) -> ContentStore:
    if isinstance(source, str | PurePath):
        root = Path(source)
        if not root.is_dir():
            raise ContentError([Problem(str(root), "", "content folder not found")])
        return FolderStore(root)
    return source


def load_content(source: Path | str | ContentStore) -> Content:
    """Load and cross-check everything (a folder, or any store); raise ContentError with every problem.

    Whole-tree validation: every municipality is read. The API and the rebuild use
    `load_municipality` (one municipality) instead."""
    store = _store_of(source)
    col = _Collector(store.label)
    content = Content(root=Path(source) if isinstance(source, str | PurePath) else None, store=store)
    content.templates = _load_templates(store, col)
    for slug in store.municipalities():
        doc = _load_municipality(store, slug, content.templates, col)
        if doc is not None:
            content.municipalities[slug] = doc
    _check_unique_dla_codes(content, col)
    if col.problems:
        raise ContentError(col.problems)
    return content


def load_templates(source: Path | str | ContentStore) -> dict[tuple[str, int], ProcessTemplate]:
    """Every national template, validated on its own (without any municipality)."""
    store = _store_of(source)
    col = _Collector(store.label)
    templates = _load_templates(store, col)
    if col.problems:
        raise ContentError(col.problems)
    return templates


def load_municipality(
    source: Path | str | ContentStore, slug: str, templates: dict[tuple[str, int], ProcessTemplate]
) -> MunicipalityDoc:
    """One municipality, validated against `templates` exactly as `load_content` validates it.

    Reads only that municipality's files, so it costs the same with 10 municipalities or 7,850.
    What needs every municipality — no two sharing a DLA code — is checked by `load_content`."""
    store = _store_of(source)
    col = _Collector(store.label)
    doc = _load_municipality(store, slug, templates, col)
    if col.problems or doc is None:
        raise ContentError(col.problems or [Problem(f"{store.label}/{MUNICIPALITIES}/{slug}", "", "not loaded")])
    return doc


def load_one_municipality(source: Path | str | ContentStore, slug: str) -> Content:
    """The templates and one municipality, with the problems of both in one report
    (`prachakhom validate --municipality`, `prachakhom build --municipality`)."""
    store = _store_of(source)
    col = _Collector(store.label)
    content = Content(root=Path(source) if isinstance(source, str | PurePath) else None, store=store)
    content.templates = _load_templates(store, col)
    doc = _load_municipality(store, slug, content.templates, col)
    if col.problems or doc is None:
        raise ContentError(col.problems)
    content.municipalities[slug] = doc
    return content


def _load_templates(store: ContentStore, col: _Collector) -> dict[tuple[str, int], ProcessTemplate]:
    templates: dict[tuple[str, int], ProcessTemplate] = {}
    bad_folders: set[str] = set()
    for file in store.read_all(TEMPLATES):
        parts = file.path.split("/")
        if len(parts) < 3:  # a file directly in templates/ is not a template
            continue
        folder = parts[1]
        if not SLUG_RE.match(folder):
            if folder not in bad_folders:
                bad_folders.add(folder)
                col.add(f"{TEMPLATES}/{folder}", "", "template folder name must be a slug like 'pb-tambon'")
            continue
        match = TEMPLATE_FILE_RE.match(parts[2])
        if len(parts) != 3 or not match:
            col.add("/".join(parts[:3]), "", "template files are named v<version>.yaml, e.g. v1.yaml")
            continue
        template = col.validate(ProcessTemplate, col.read_yaml(file), file.path)
        if template is None:
            continue
        if template.version != int(match.group(1)):
            col.add(file.path, "version", f"version {template.version} does not match the file name {parts[2]}")
            continue
        templates[(folder, template.version)] = template
    return templates


@dataclass
class _ProcessFiles:
    """One process folder's files, as the loader needs them."""

    process: ContentFile | None = None
    proposals: list[ContentFile] = field(default_factory=list)
    projects: list[ContentFile] = field(default_factory=list)
    ballots: list[ContentFile] = field(default_factory=list)


def _process_files(files: list[ContentFile], base: str) -> tuple[ContentFile | None, dict[str, _ProcessFiles]]:
    """Sort a municipality's files: municipality.yaml, and per process folder its process.yaml,
    proposals/*.md, projects/*.md and ballots/*. Other files (photos, notes) are not loaded."""
    municipality = None
    processes: dict[str, _ProcessFiles] = {}
    for file in files:
        rel = file.path.removeprefix(base + "/").split("/")
        if rel == ["municipality.yaml"]:
            municipality = file
        if len(rel) < 3 or rel[0] != "processes":
            continue
        group = processes.setdefault(rel[1], _ProcessFiles())
        if rel[2:] == ["process.yaml"]:
            group.process = file
        elif len(rel) == 4 and rel[2] in ("proposals", "projects") and rel[3].endswith(".md"):
            getattr(group, rel[2]).append(file)
        elif len(rel) == 4 and rel[2] == "ballots":
            group.ballots.append(file)
    return municipality, dict(sorted(processes.items()))


def _load_municipality(
    store: ContentStore, slug: str, templates: dict[tuple[str, int], ProcessTemplate], col: _Collector
) -> MunicipalityDoc | None:
    base = f"{MUNICIPALITIES}/{slug}"
    if not SLUG_RE.match(slug):
        col.add(base, "", "municipality folder name must be a slug like 'ban-suan'")
        return None
    mfile, processes = _process_files(store.read_all(base), base)
    if mfile is None:
        col.add(f"{base}/municipality.yaml", "", "missing municipality.yaml")
        return None
    municipality = col.validate(Municipality, col.read_yaml(mfile), mfile.path)
    docs = {}
    for pslug, files in processes.items():  # checked even if municipality.yaml is broken
        doc = _load_process(f"{base}/processes/{pslug}", files, slug, municipality, templates, col)
        if doc is not None:
            docs[doc.slug] = doc
    if municipality is None:
        return None
    return MunicipalityDoc(slug, municipality, docs, PurePosixPath(base))


def _load_process(
    base: str,
    files: _ProcessFiles,
    municipality_slug: str,
    municipality: Municipality | None,
    templates: dict[tuple[str, int], ProcessTemplate],
    col: _Collector,
) -> ProcessDoc | None:
    pdir = PurePosixPath(base)
    if not SLUG_RE.match(pdir.name):
        col.add(pdir, "", "process folder name must be a slug like 'pb-2570'")
        return None
    if files.process is None:
        col.add(pdir / "process.yaml", "", "missing process.yaml")
        return None
    path = files.process.path
    process = col.validate(Process, col.read_yaml(files.process), path)
    rules = _rules_for(process, templates, path, col) if process is not None else None
    # proposals and projects are checked on their own even when the process file is broken
    proposals = _load_docs(files.proposals, Proposal, col)
    projects = _load_docs(files.projects, TrackedProject, col)
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
    ballot_files, ballots = _ballot_files(files.ballots, process, rules, municipality, proposal_docs, col)
    return ProcessDoc(
        pdir.name, municipality_slug, process, rules, proposal_docs, project_docs, ballot_files, pdir, ballots
    )


def _ballot_files(
    files: list[ContentFile],
    process: Process,
    rules: ProcessTemplate,
    municipality: Municipality,
    proposals: dict[str, ProposalDoc],
    col: _Collector,
) -> tuple[dict[str, Path], dict[str, PabulibElection]]:
    """Pot id → a local copy of its ballots file, and pot id → the file as parsed; each file checked
    against the process (read once per load)."""
    known = pot_ids(rules, municipality)
    found: dict[str, Path] = {}
    ballots: dict[str, PabulibElection] = {}
    for file in files:
        stem, _, suffix = file.name.rpartition(".")
        if suffix != "pb" or stem not in known:
            col.add(file.path, "", f"ballot files are named <pot>.pb with a pot of this process: {', '.join(known)}")
            continue
        election = _check_ballot_file(file, stem, process, rules, municipality, proposals, col)
        if election is not None:
            found[stem] = file.local or _local_copy(file)
            ballots[stem] = election
    return found, ballots


def _local_copy(file: ContentFile) -> Path:
    """A file of a store that is not a folder, copied under the temp folder (named by its hash, so
    a reload of an unchanged file reuses it): the results pages read ballot files from disk."""
    folder = Path(tempfile.gettempdir()) / "prachakhom-content"
    target = folder / f"{file.version}-{file.name}"
    if not target.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(file.data)
        os.replace(tmp, target)
    return target


def _rules_for(
    process: Process, templates: dict[tuple[str, int], ProcessTemplate], path: str, col: _Collector
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
    template: ProcessTemplate, process: Process, path: str | PurePath, col: _Collector
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
    process: Process, rules: ProcessTemplate, municipality: Municipality | None, path: str, col: _Collector
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
    file: ContentFile,
    pot_id: str,
    process: Process,
    rules: ProcessTemplate,
    municipality: Municipality,
    proposals: dict[str, ProposalDoc],
    col: _Collector,
) -> PabulibElection | None:
    """A ballots file must be readable Pabulib whose budget and projects match this process's pot;
    returns it as parsed (None if it cannot be read)."""
    from prachakhom.tally.pabulib import PabulibError, read_pabulib

    path = file.path
    text = col.text(file)
    if text is None:
        return None
    try:
        election = read_pabulib(text.removeprefix("\ufeff"))  # with or without BOM, as read_pabulib_file
    except PabulibError as err:
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


def _load_docs(files: list[ContentFile], model: type[M], col: _Collector) -> dict[str, tuple[M, str, PurePath]]:
    docs: dict[str, tuple[M, str, PurePath]] = {}
    for file in files:
        path = PurePosixPath(file.path)
        parsed = col.read_front_matter(file)
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
    path: PurePath, category: str, village: int | None, rules: ProcessTemplate, municipality: Municipality | None,
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
