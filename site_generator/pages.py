"""Render the generated pages (Markdown with HTML blocks) from the Jinja templates in `templates/pages/`.

Escaping rule: resident text (titles, summaries, bodies, author names) only ever lands inside
block-level HTML that Jinja autoescapes, where Python-Markdown leaves it alone — so neither
HTML nor Markdown syntax typed by a resident is interpreted. Page titles and descriptions go
into front matter already HTML-escaped, because MkDocs' theme templates print them unescaped.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from prachakhom.content import MunicipalityDoc
from prachakhom.thai import baht, thai_date, thai_date_range
from site_generator.views import ACTION_LABELS, PROPOSAL_STATUS_LABELS, ProcessView

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def front_matter_string(value: object) -> Markup:
    """A YAML (JSON) string holding the HTML-escaped value, for `title:`/`description:`."""
    return Markup(json.dumps(str(escape(str(value))), ensure_ascii=False))


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
        fm=front_matter_string,
        tojson_attr=lambda v: json.dumps(v, ensure_ascii=False),
    )
    env.globals.update(ACTION_LABELS=ACTION_LABELS, status_labels=PROPOSAL_STATUS_LABELS)
    return env


def root_of(src_uri: str) -> str:
    """Relative path from a generated page to its site's root (directory URLs):
    `index.md` → "", `pb/index.md` → "../", `pb/proposals/x.md` → "../../../"."""
    parts = src_uri.removesuffix(".md").split("/")
    depth = len(parts) - 1 if parts[-1] == "index" else len(parts)
    return "../" * depth


def _render(env: Environment, template: str, src_uri: str, ctx: dict[str, object]) -> str:
    return env.get_template(template).render({**ctx, "root": root_of(src_uri)})


def municipality_pages(
    env: Environment, doc: MunicipalityDoc, views: list[ProcessView], today: date
) -> dict[str, str]:
    """src_uri → Markdown for every page of one municipality's site."""
    ctx: dict[str, object] = {"m": doc.municipality, "slug": doc.slug, "processes": views, "today": today}
    pages = {"index.md": _render(env, "home.md.j2", "index.md", ctx)}
    for v in views:
        pctx = {**ctx, "v": v}
        listed = {
            f"{v.slug}/index.md": "process.md.j2",
            f"{v.slug}/proposals/index.md": "proposals.md.j2",
            f"{v.slug}/results/index.md": "results.md.j2",
        }
        if v.projects:
            listed[f"{v.slug}/projects/index.md"] = "projects.md.j2"
        for uri, template in listed.items():
            pages[uri] = _render(env, template, uri, pctx)
        for p in v.proposals:
            uri = f"{v.slug}/proposals/{p.slug}.md"
            pages[uri] = _render(env, "proposal.md.j2", uri, {**pctx, "p": p})
        for pr in v.projects:
            uri = f"{v.slug}/projects/{pr.slug}.md"
            pages[uri] = _render(env, "project.md.j2", uri, {**pctx, "pr": pr})
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
) -> dict[str, str]:
    return {"index.md": _render(env, "national.md.j2", "index.md", {"entries": entries, "today": today})}
