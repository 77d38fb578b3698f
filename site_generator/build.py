"""Build the national index and one MkDocs-Material site per municipality.

Each site is built by MkDocs itself (`mkdocs.commands.build.build`) from a small generated
`mkdocs.yml` whose docs folder is empty: every page comes from the plugin. A site is built into
a staging folder and then swapped into place, so a rebuild never serves a half-written site and
rebuilding one municipality leaves the others untouched. The national index is split by province
and refreshed from per-municipality summaries (`site_generator.national`): building one
municipality reads no one else's content.
"""

from __future__ import annotations

import logging
import shutil
from datetime import date
from pathlib import Path

import yaml
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from prachakhom.content import Content, MunicipalityDoc, load_content, load_one_municipality
from site_generator.national import (
    FolderShelf,
    MunicipalitySummary,
    NationalIndex,
    Province,
    SiteShelf,
    forget_others,
    province_page,
    province_summaries,
    province_totals,
    record_summary,
    record_total,
    summarize,
)
from site_generator.pages import TEMPLATES_DIR
from site_generator.plugin import PrachakhomPlugin

NATIONAL_SITE_NAME = "ประชาคมออนไลน์ — งบประมาณแบบมีส่วนร่วมของท้องถิ่นไทย"



def build_all(
    content_dir: Path,
    output_dir: Path,
    only: str | None = None,
    data_dir: Path | None = None,
    site_url: str = "http://localhost:8000/",
    strict: bool = False,
    today: date | None = None,
    progress: bool = True,
    api_url: str = "",
) -> list[Path]:
    """Build every municipality (or only `only`) and the national index; return the built folders
    (the municipalities', then the output folder for the national pages).

    With `only`, nothing but that municipality and the templates is read, and the national index is
    refreshed incrementally: that municipality's province page and the front page."""
    today = today or date.today()
    output_dir = Path(output_dir)
    work_dir = output_dir.parent / ".work"
    if only is not None:
        content = load_one_municipality(Path(content_dir), only)
        slugs = [only]
    else:
        content = load_content(Path(content_dir))
        slugs = list(content.municipalities)
    built, summaries = [], []
    for slug in _progress(slugs, progress):
        site, summary = build_municipality(content, slug, output_dir, work_dir, data_dir, site_url, strict, today,
                                           api_url)
        built.append(site)
        summaries.append(summary)
    refresh_national_index(FolderShelf(output_dir), summaries, work_dir, site_url, today, strict,
                           keep=None if only else slugs)
    return [*built, output_dir]


def _progress(items: list[str], enabled: bool) -> list[str]:
    if not enabled:
        return items
    from rich.progress import track

    return list(track(items, description="กำลังสร้างเว็บไซต์ / building sites", transient=True))


def build_loaded(
    doc: MunicipalityDoc,
    output_dir: Path,
    data_dir: Path | None,
    site_url: str,
    today: date | None = None,
    api_url: str = "",
    strict: bool = False,
) -> tuple[Path, MunicipalitySummary]:
    """Build one municipality from content already loaded (the API's catalog: no folder is read) into
    `output_dir`; its built folder and its summary for the national index."""
    output_dir = Path(output_dir)
    content = Content(municipalities={doc.slug: doc})
    return build_municipality(content, doc.slug, output_dir, output_dir.parent / ".work", data_dir, site_url,
                              strict, today or date.today(), api_url)


def rebuild_municipality(
    doc: MunicipalityDoc,
    output_dir: Path,
    shelf: SiteShelf,
    data_dir: Path | None,
    site_url: str,
    today: date | None = None,
    api_url: str = "",
    strict: bool = False,
) -> Path:
    """`build_loaded`, then its province's page and the front page refreshed through `shelf` (the
    output folder locally; the site bucket on AWS). Returns the municipality's built folder."""
    today = today or date.today()
    site, summary = build_loaded(doc, output_dir, data_dir, site_url, today, api_url, strict)
    refresh_national_index(shelf, [summary], Path(output_dir).parent / ".work", site_url, today, strict)
    return site


def build_municipality(
    content: Content,
    slug: str,
    output_dir: Path,
    work_dir: Path,
    data_dir: Path | None,
    site_url: str,
    strict: bool,
    today: date,
    api_url: str = "",
) -> tuple[Path, MunicipalitySummary]:
    """Build one municipality's site, swap it into `output_dir`; its summary for the national index."""
    plugin = _build(content, slug, work_dir, data_dir, site_url, strict, today, api_url)
    staging = work_dir / f"{slug}.staging"
    summary = summarize(content.municipalities[slug], plugin.views)
    return _publish(staging, output_dir, slug), summary


def refresh_national_index(
    shelf: SiteShelf,
    changed: list[MunicipalitySummary],
    work_dir: Path,
    site_url: str,
    today: date,
    strict: bool = False,
    keep: list[str] | None = None,
) -> int:
    """Record the summaries of the municipalities just built, render the pages of their provinces and
    the front page, and publish them through `shelf` (the output folder, or the site bucket).

    `keep` (a whole build): every municipality that exists; the summaries of any other are dropped.
    Returns how many files were published."""
    touched: dict[str, Province] = {}
    for summary in changed:
        touched.update((p.slug, p) for p in record_summary(shelf, summary))
    if keep is not None:
        touched.update((p.slug, p) for p in forget_others(shelf, keep))
    pages = []
    for province in touched.values():
        summaries = province_summaries(shelf, province)
        record_total(shelf, province, summaries, today)
        pages.append(province_page(province, summaries))
    index = NationalIndex(province_totals(shelf), pages, complete=keep is not None)
    _build(None, "", work_dir, None, site_url, strict, today, national=index)
    staging = work_dir / "_national.staging"
    try:
        return _publish_files(staging, shelf, with_search=index.complete)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _build(
    content: Content | None,
    slug: str,
    work_dir: Path,
    data_dir: Path | None,
    site_url: str,
    strict: bool,
    today: date,
    api_url: str = "",
    national: NationalIndex | None = None,
) -> PrachakhomPlugin:
    """Run MkDocs for one site (`slug` empty: the national pages) into `<work>/<name>.staging`."""
    name = slug or "_national"
    site_work = work_dir / name
    docs_dir = site_work / "docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    staging = work_dir / f"{name}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    config_path = site_work / "mkdocs.yml"
    config_path.write_text(
        _config_yaml(content, slug, staging, data_dir, site_url, strict, today, work_dir.parent / ".cache", api_url),
        encoding="utf-8",
    )
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    config = load_config(str(config_path))
    plugin: PrachakhomPlugin = config.plugins["prachakhom"]  # type: ignore[assignment]
    plugin.content = content  # loaded once, not twice
    plugin.national = national
    mkdocs_build(config)
    return plugin


NOT_PUBLISHED = ("search/", "sitemap.xml", "sitemap.xml.gz")
"""What MkDocs writes for the national pages but an incremental build must not publish: it would
describe only the pages of this build. The national search index (`search/`, one document per
municipality) is published by a whole build, which has every province's summaries."""


def _publish_files(staging: Path, shelf: SiteShelf, with_search: bool = False) -> int:
    """Publish the national pages file by file: other provinces' pages stay as they are. A whole
    build (`with_search`) publishes the national search index too."""
    count = 0
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        key = path.relative_to(staging).as_posix()
        if key.startswith(NOT_PUBLISHED) and not (with_search and key.startswith("search/")):
            continue
        shelf.write(key, path.read_bytes())
        count += 1
    return count


def _publish(staging: Path, output_dir: Path, slug: str) -> Path:
    """Swap a municipality's freshly built site into place (never half a site served)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / slug
    old = output_dir / f".{slug}.old"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return target


def _config_yaml(
    content: Content | None,
    slug: str,
    site_dir: Path,
    data_dir: Path | None,
    site_url: str,
    strict: bool,
    today: date,
    cache_dir: Path,
    api_url: str = "",
) -> str:
    base_url = site_url.rstrip("/") + "/"
    plugin = {
        "content_dir": str(content.root.resolve()) if content is not None and content.root else "",
        "municipality": slug,
        "today": today.isoformat(),
        "cache_dir": str(cache_dir.resolve()),
    }
    if data_dir is not None:
        plugin["data_dir"] = str(Path(data_dir).resolve())
    extra: dict[str, object] = {
        "generator": False,
        "national_url": base_url,
        "demo": False,
        "api_url": api_url.rstrip("/"),  # where the pages' scripts send proposals, comments, ballots
    }
    if slug:
        assert content is not None
        doc = content.municipalities[slug]
        site_name = doc.municipality.name
        nav = [{"หน้าแรก": "index.md"}]  # the plugin adds each process's pages in on_config
        url = f"{base_url}{slug}/"
        extra.update(demo=doc.municipality.demo, municipality=slug)
        description = f"งบประมาณแบบมีส่วนร่วมและการรับฟังความคิดเห็นของ{doc.municipality.name}"
    else:
        site_name, nav, url = NATIONAL_SITE_NAME, [{"หน้าแรก": "index.md"}], base_url
        description = "รวมกระบวนการงบประมาณแบบมีส่วนร่วมและการรับฟังความคิดเห็นของท้องถิ่นทั่วประเทศ"
    config = {
        "site_name": site_name,
        "site_url": url,
        "site_description": description,
        "docs_dir": "docs",
        "site_dir": str(site_dir.resolve()),
        "strict": strict,
        "use_directory_urls": True,
        "theme": {
            "name": "material",
            "language": "th",
            "font": False,
            "custom_dir": str((TEMPLATES_DIR / "overrides").resolve()),
            "palette": {"scheme": "default", "primary": "teal", "accent": "orange"},
            "features": ["navigation.top", "search.highlight"],
            "icon": {"logo": "material/account-group"},
            "favicon": "assets/favicon.svg",
        },
        "plugins": [
            # lang "en": our build segments Thai words itself (pythainlp, on_post_build), so the
            # browser need not fetch Material's 155 KB Thai word-splitter (wordcut.js) on every page
            {"search": {"lang": ["en"], "separator": r"[\s\u200b\-]+", "pipeline": []}},
            {"prachakhom": plugin},
        ],
        "extra_css": ["assets/fonts/fonts.css", "assets/prachakhom.css"],
        "extra_javascript": ["assets/prachakhom.js"],
        "extra": extra,
        "nav": nav,
        "validation": {"nav": {"omitted_files": "info", "not_found": "warn"}},
    }
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
