"""The MkDocs plugin: content + stored data → generated pages, through MkDocs' own build.

- `on_config` loads and validates the content (stopping the build with the full problem report),
  and prepares the view models (each built once, complete and frozen: `site_generator.views`)
  and page sources;
- `on_files` adds the generated pages and the self-hosted assets (`File.generated`);
- `on_page_markdown` / `on_page_content` give each generated page its metadata and its HTML
  (rendered by Jinja, not Markdown) and a table of contents from its headings;
- `on_post_build` writes the site's split search index (`site_generator/search_index.py`), which
  the search worker and the proposal list fetch only when a resident searches.

With `municipality` empty, the plugin builds the national index instead.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils.templates import TemplateContext

from prachakhom.content import Content, load_content
from prachakhom.errors import ContentError
from site_generator.fonts import FONT_CSS, font_files
from site_generator.national import NationalIndex, index_of
from site_generator.pages import (
    TEMPLATES_DIR,
    GeneratedPage,
    ballot_option_files,
    municipality_nav,
    municipality_pages,
    national_pages,
    page_environment,
)
from site_generator.search_index import index_files, municipality_docs, national_docs, write_index
from site_generator.views import ProcessView, municipality_views

ASSETS_DIR = TEMPLATES_DIR / "assets"
# A heading made by the `h2` macro: its text ends at the permalink. `[^<]` keeps the match inside
# one heading (a lazy `.*?` across the page went quadratic on a 2,000-proposal ballot page).
HEADING = re.compile(r'<h([23]) id="([^"]+)">([^<]*)<a class="headerlink"')


class PrachakhomPluginConfig(base.Config):
    content_dir = c.Type(str)
    municipality = c.Type(str, default="")
    data_dir = c.Optional(c.Type(str))
    today = c.Optional(c.Type(str))
    cache_dir = c.Type(str, default="build/.cache")


class PrachakhomPlugin(BasePlugin[PrachakhomPluginConfig]):
    def __init__(self) -> None:
        self.pages: dict[str, GeneratedPage] = {}
        self.data_files: dict[str, str] = {}
        self.search_files: dict[str, str] = {}
        self.content: Content | None = None
        """Set by `site_generator.build` when it has loaded the content already."""
        self.views: list[ProcessView] = []
        """The municipality's views once built (the build summarizes them for the national index)."""
        self.national: NationalIndex | None = None
        """Set by `site_generator.build` for the national pages: the totals and the province pages to render."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        today = date.fromisoformat(self.config.today) if self.config.today else date.today()
        data_dir = Path(self.config.data_dir) if self.config.data_dir else None
        env = page_environment()
        env.globals["site_url"] = config.site_url or ""  # absolute links for LINE share buttons
        slug = self.config.municipality
        if not slug and self.national is not None:
            self.pages = national_pages(env, self.national, today)
            if self.national.complete:  # a whole build: the national search index, one entry a municipality
                self.search_files = index_files(national_docs(self.national.summaries()))
            return config
        if self.content is None:
            try:
                self.content = load_content(Path(self.config.content_dir))
            except ContentError as err:
                raise PluginError("content is invalid:\n" + err.report()) from err
        if not slug:  # `mkdocs build` run by hand on a generated config: everyone, from the content
            self.national = index_of(self.content, today, data_dir)
            self.pages = national_pages(env, self.national, today)
            self.search_files = index_files(national_docs(self.national.summaries()))
            return config
        if slug not in self.content.municipalities:
            raise PluginError(f"unknown municipality '{slug}'; known: {', '.join(self.content.municipalities)}")
        doc = self.content.municipalities[slug]
        views = self.views = municipality_views(doc, today, data_dir)
        for view in views:
            self.data_files.update(ballot_option_files(view))
            if view.outcome is not None:
                for name, text in view.outcome.files.items():
                    self.data_files[f"{view.slug}/results/data/{name}"] = text
        self.pages = municipality_pages(env, doc, views, today)
        self.search_files = index_files(*municipality_docs(self.pages, views))
        config.nav = municipality_nav(views)
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        for src_uri in self.pages:
            files.append(File.generated(config, src_uri, content=""))
        for src_uri, text in self.data_files.items():
            files.append(File.generated(config, src_uri, content=text))
        for path in sorted(ASSETS_DIR.iterdir()):
            if path.is_file():
                files.append(File.generated(config, f"assets/{path.name}", abs_src_path=str(path)))
        for name, data in font_files(Path(self.config.cache_dir) / "fonts").items():
            files.append(File.generated(config, f"assets/fonts/{name}", content=data))
        files.append(File.generated(config, "assets/fonts/fonts.css", content=FONT_CSS))
        return files

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        generated = self.pages.get(page.file.src_uri)
        if generated is not None:
            page.meta.update(generated.meta, title=generated.title, description=generated.description)
        return markdown

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        generated = self.pages.get(page.file.src_uri)
        if generated is None:
            return html
        tokens = [
            {"level": int(level), "id": anchor, "name": name.strip(), "children": []}
            for level, anchor, name in HEADING.findall(generated.body + generated.actions)
        ]
        page.toc = get_toc(tokens)  # type: ignore[arg-type]
        return generated.body

    @event_priority(-100)  # after the search plugin has indexed page.content
    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        generated = self.pages.get(page.file.src_uri)
        if generated is not None and generated.actions:
            page.content = (page.content or "") + generated.actions
        return context

    @event_priority(-100)  # after the search plugin has written its (empty) index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        write_index(Path(config.site_dir) / "search", self.search_files)
