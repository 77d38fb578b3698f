"""Render the generated pages from the Jinja templates in `templates/pages/`.

Each page template is rendered as a module exposing `title`, `description` and `body`. All of
it is autoescaped HTML, so resident text (titles, summaries, bodies, author names) is never
parsed as HTML or Markdown. Pages skip Markdown entirely (it was the slowest step of a
2,000-page build); only staff-written content files go through Python-Markdown, by the
`staff_markdown` filter. Titles and descriptions stay HTML-escaped in the page metadata because
MkDocs' theme templates print them unescaped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import markdown
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from prachakhom.content import MunicipalityDoc
from prachakhom.messages import ACTION_TH, PROPOSAL_STATUS_TH
from prachakhom.models import MAX_BAHT
from prachakhom.thai import baht, thai_date, thai_date_range
from site_generator.national import PROVINCES, NationalIndex, process_days_left
from site_generator.thai_text import slugify
from site_generator.views import ProcessView

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
PROPOSALS_PER_PAGE = 50
"""The proposal list is cut into pages of this many cards (2,000 proposals on one page were 2.7 MB);
the filter box searches them all (assets/pk-list.js)."""
BALLOT_INLINE_OPTIONS = 150
"""A ballot with more options than this (a big city's) does not carry them in the page: each pot
loads its options when it is shown, OPTIONS_PER_FILE at a time (`vote/options/<pot>-<n>.json`)."""
OPTIONS_PER_FILE = 50
RESULTS_INLINE_ROWS = 150
"""Results of more projects than this put each pot's table on pages of its own (`results/<pot>/`),
RESULTS_PER_PAGE rows a page; the results page then links to them."""
RESULTS_PER_PAGE = 100


@dataclass(frozen=True)
class GeneratedPage:
    title: str
    """HTML-escaped: MkDocs' theme prints page titles without escaping."""
    description: str
    body: str
    meta: dict[str, Any] = field(default_factory=dict)
    actions: str = ""
    """Forms, share links and scripts shown after the body but kept out of the search index."""
    searchable: bool = True
    """In the site's search index (site_generator/search_index.py); task pages and the list are not."""


def staff_markdown(text: str) -> Markup:
    """Markdown written by staff in content files (reviewed in git), never resident text."""
    return Markup(markdown.markdown(text, extensions=["tables", "attr_list", "sane_lists"]))


def page_environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir / "pages"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        thai_date=thai_date,
        thai_date_range=thai_date_range,
        baht=baht,
        anchor=lambda text: slugify(str(text), "-"),
        staff_markdown=staff_markdown,
        url_param=lambda text: quote(str(text), safe=""),
    )
    env.globals.update(ACTION_LABELS=ACTION_TH, status_labels=PROPOSAL_STATUS_TH, site_url="", max_baht=MAX_BAHT)
    return env


def root_of(src_uri: str) -> str:
    """Relative path from a generated page to its site's root (directory URLs):
    `index.md` → "", `pb/index.md` → "../", `pb/proposals/x.md` → "../../../"."""
    parts = src_uri.removesuffix(".md").split("/")
    depth = len(parts) - 1 if parts[-1] == "index" else len(parts)
    return "../" * depth


def page_path(src_uri: str) -> str:
    """The page's URL path below its site (directory URLs): `pb/index.md` → `pb/`, `pb/x.md` → `pb/x/`."""
    path = src_uri.removesuffix(".md")
    path = path.removesuffix("index") if path == "index" or path.endswith("/index") else path + "/"
    return path


def _render(env: Environment, template: str, src_uri: str, ctx: dict[str, object]) -> GeneratedPage:
    module: Any = env.get_template(template).make_module(
        {**ctx, "root": root_of(src_uri), "page_path": page_path(src_uri)})
    # Material's own index stays empty (its worker is replaced by ours, which reads search_index.py's files)
    meta: dict[str, Any] = {"search": {"exclude": True}}
    if getattr(module, "no_search", ""):
        meta["pk_no_search"] = True  # templates/overrides/partials/search.html: no search worker here
    actions = str(getattr(module, "actions", ""))
    return GeneratedPage(
        str(module.title).strip(), str(module.description).strip(), str(module.body), meta, actions,
        searchable=not getattr(module, "search_exclude", ""),
    )


def municipality_pages(
    env: Environment, doc: MunicipalityDoc, views: list[ProcessView], today: date
) -> dict[str, GeneratedPage]:
    """src_uri → page, for every page of one municipality's site."""
    ctx: dict[str, object] = {"m": doc.municipality, "slug": doc.slug, "processes": views, "today": today}
    pages = {"index.md": _render(env, "home.html.j2", "index.md", ctx)}
    for v in views:
        pctx = {**ctx, "v": v, "ballot_inline": ballot_inline(v), "options_per_file": OPTIONS_PER_FILE,
                "results_split": results_split(v)}
        listed = {
            f"{v.slug}/index.md": "process.html.j2",
            f"{v.slug}/results/index.md": "results.html.j2",
        }
        if v.projects:
            listed[f"{v.slug}/projects/index.md"] = "projects.html.j2"
        if v.phase_of("propose"):
            listed[f"{v.slug}/propose/index.md"] = "propose.html.j2"
        if v.phase_of("vote"):
            listed[f"{v.slug}/vote/index.md"] = "vote.html.j2"
            listed[f"{v.slug}/receipt/index.md"] = "receipt.html.j2"
        for uri, template in listed.items():
            pages[uri] = _render(env, template, uri, pctx)
        pages.update(_proposal_list_pages(env, v, pctx))
        if pctx["results_split"]:
            pages.update(_results_pot_pages(env, v, pctx))
        for p in v.proposals:
            uri = f"{v.slug}/proposals/{p.slug}.md"
            pages[uri] = _render(env, "proposal.html.j2", uri, {**pctx, "p": p})
        for pr in v.projects:
            uri = f"{v.slug}/projects/{pr.slug}.md"
            pages[uri] = _render(env, "project.html.j2", uri, {**pctx, "pr": pr})
    return pages


def ballot_inline(v: ProcessView) -> bool:
    return sum(len(bp.proposals) for bp in v.ballot_pots) <= BALLOT_INLINE_OPTIONS


def ballot_option_files(v: ProcessView) -> dict[str, str]:
    """`<process>/vote/options/<pot>-<n>.json` → `[[slug, title, cost], …]` for a ballot too large
    to carry its options in the page (none otherwise); read by assets/pk-vote.js."""
    if not v.phase_of("vote") or ballot_inline(v):
        return {}
    files = {}
    for bp in v.ballot_pots:
        for start in range(0, len(bp.proposals), OPTIONS_PER_FILE):
            options = [[p.slug, p.proposal.title, p.cost] for p in bp.proposals[start: start + OPTIONS_PER_FILE]]
            name = f"{v.slug}/vote/options/{bp.pot.pot_id}-{start // OPTIONS_PER_FILE + 1}.json"
            files[name] = json.dumps(options, ensure_ascii=False, separators=(",", ":"))
    return files


def results_split(v: ProcessView) -> bool:
    return v.outcome is not None and sum(len(pr.rows) for pr in v.outcome.pots) > RESULTS_INLINE_ROWS


def _results_pot_pages(env: Environment, v: ProcessView, ctx: dict[str, object]) -> dict[str, GeneratedPage]:
    pages = {}
    for pr in v.outcome.pots if v.outcome else []:
        count = max(1, -(-len(pr.rows) // RESULTS_PER_PAGE))
        for number in range(1, count + 1):
            name = "index" if number == 1 else f"page_{number}"
            uri = f"{v.slug}/results/{pr.pot.pot_id}/{name}.md"
            pager = {"number": number, "count": count, "up": "" if number == 1 else "../",
                     "rows": pr.rows[(number - 1) * RESULTS_PER_PAGE: number * RESULTS_PER_PAGE]}
            pages[uri] = _render(env, "results_pot.html.j2", uri, {**ctx, "pr": pr, "pager": pager})
    return pages


def proposal_list_uri(process: str, number: int) -> str:
    """Page `number` (from 1) of a process's proposal list: `proposals/`, `proposals/page_2/`, … (an
    underscore, which no proposal slug has)."""
    return f"{process}/proposals/index.md" if number == 1 else f"{process}/proposals/page_{number}.md"


def _proposal_list_pages(env: Environment, v: ProcessView, ctx: dict[str, object]) -> dict[str, GeneratedPage]:
    size = PROPOSALS_PER_PAGE
    count = max(1, -(-len(v.proposals) // size))
    pages = {}
    for number in range(1, count + 1):
        uri = proposal_list_uri(v.slug, number)
        pager = {"number": number, "count": count, "up": "" if number == 1 else "../",
                 "cards": v.proposals[(number - 1) * size: number * size]}
        pages[uri] = _render(env, "proposals.html.j2", uri, {**ctx, "pager": pager})
    return pages


def municipality_nav(views: list[ProcessView]) -> list[object]:
    """Only the main pages: proposals and projects stay out of the navigation (build speed)."""
    nav: list[object] = [{"หน้าแรก": "index.md"}]
    for v in views:
        section = [
            {"ภาพรวมและกำหนดการ": f"{v.slug}/index.md"},
            {"ข้อเสนอทั้งหมด": f"{v.slug}/proposals/index.md"},
            {"ผลการลงคะแนน" if v.is_budgeting else "สรุปผล": f"{v.slug}/results/index.md"},
        ]
        if v.projects:
            section.append({"ติดตามโครงการ": f"{v.slug}/projects/index.md"})
        nav.append({v.process.title: section})
    return nav


def national_pages(env: Environment, index: NationalIndex, today: date) -> dict[str, GeneratedPage]:
    """The front page (provinces) and the province pages this build refreshes."""
    pages = {"index.md": _render(env, "national.html.j2", "index.md", {"totals": index.totals, "today": today})}
    for page in index.pages:
        uri = f"{PROVINCES}/{page.province.slug}/index.md"
        pages[uri] = _render(env, "province.html.j2", uri,
                             {"page": page, "today": today, "days_left": process_days_left})
    return pages
