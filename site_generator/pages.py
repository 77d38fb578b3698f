"""Render the generated pages from the Jinja templates in `templates/pages/`.

Each page template is rendered as a module exposing `title`, `description` and `body`. All of
it is autoescaped HTML, so resident text (titles, summaries, bodies, author names) is never
parsed as HTML or Markdown. Pages skip Markdown entirely (it was the slowest step of a
2,000-page build); only staff-written content files go through Python-Markdown, by the
`staff_markdown` filter. Titles and descriptions stay HTML-escaped in the page metadata because
MkDocs' theme templates print them unescaped.
"""

from __future__ import annotations

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
from prachakhom.thai import baht, thai_date, thai_date_range
from site_generator.thai_text import slugify
from site_generator.views import ProcessView

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class GeneratedPage:
    title: str
    """HTML-escaped: MkDocs' theme prints page titles without escaping."""
    description: str
    body: str
    meta: dict[str, Any] = field(default_factory=dict)
    actions: str = ""
    """Forms, share links and scripts shown after the body but kept out of the search index."""


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
    env.globals.update(ACTION_LABELS=ACTION_TH, status_labels=PROPOSAL_STATUS_TH, site_url="")
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
    meta: dict[str, Any] = {"search": {"exclude": True}} if getattr(module, "search_exclude", "") else {}
    if getattr(module, "no_search", ""):
        meta["pk_no_search"] = True  # templates/overrides/partials/search.html: no search worker here
    actions = str(getattr(module, "actions", ""))
    return GeneratedPage(
        str(module.title).strip(), str(module.description).strip(), str(module.body), meta, actions
    )


def municipality_pages(
    env: Environment, doc: MunicipalityDoc, views: list[ProcessView], today: date
) -> dict[str, GeneratedPage]:
    """src_uri → page, for every page of one municipality's site."""
    ctx: dict[str, object] = {"m": doc.municipality, "slug": doc.slug, "processes": views, "today": today}
    pages = {"index.md": _render(env, "home.html.j2", "index.md", ctx)}
    for v in views:
        pctx = {**ctx, "v": v}
        listed = {
            f"{v.slug}/index.md": "process.html.j2",
            f"{v.slug}/proposals/index.md": "proposals.html.j2",
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
        for p in v.proposals:
            uri = f"{v.slug}/proposals/{p.slug}.md"
            pages[uri] = _render(env, "proposal.html.j2", uri, {**pctx, "p": p})
        for pr in v.projects:
            uri = f"{v.slug}/projects/{pr.slug}.md"
            pages[uri] = _render(env, "project.html.j2", uri, {**pctx, "pr": pr})
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


def national_pages(
    env: Environment, entries: list[tuple[MunicipalityDoc, list[ProcessView]]], today: date
) -> dict[str, GeneratedPage]:
    return {"index.md": _render(env, "national.html.j2", "index.md", {"entries": entries, "today": today})}
