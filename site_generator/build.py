"""Build the national index and one MkDocs-Material site per municipality.

Each site is built by MkDocs itself (`mkdocs.commands.build.build`) from a small generated
`mkdocs.yml` whose docs folder is empty: every page comes from the plugin. A site is built into
a staging folder and then swapped into place, so a rebuild never serves a half-written site and
rebuilding one municipality leaves the others untouched.
"""

from __future__ import annotations

import logging
import shutil
from datetime import date
from pathlib import Path

import yaml
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from prachakhom.content import Content, load_content
from prachakhom.errors import ContentError, Problem
from site_generator.pages import TEMPLATES_DIR

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
    """Build every municipality (or only `only`) plus the national index; return the built folders."""
    content = load_content(Path(content_dir))
    if only is not None and only not in content.municipalities:
        known = ", ".join(content.municipalities) or "none"
        raise ContentError([Problem(str(content_dir), "municipality", f"unknown '{only}'; known: {known}")])
    slugs = [only] if only else list(content.municipalities)
    output_dir = Path(output_dir)
    work_dir = output_dir.parent / ".work"
    targets = [*slugs, ""]  # "" is the national index
    built = []
    for slug in _progress(targets, progress):
        built.append(
            build_site(
                content, slug, output_dir, work_dir, data_dir, site_url, strict, today or date.today(), api_url
            )
        )
    return built


def _progress(items: list[str], enabled: bool) -> list[str]:
    if not enabled:
        return items
    from rich.progress import track

    return list(track(items, description="กำลังสร้างเว็บไซต์ / building sites", transient=True))


def build_site(
    content: Content,
    slug: str,
    output_dir: Path,
    work_dir: Path,
    data_dir: Path | None,
    site_url: str,
    strict: bool,
    today: date,
    api_url: str = "",
) -> Path:
    """Build one site (`slug` empty → the national index) and swap it into `output_dir`."""
    name = slug or "_national"
    site_work = work_dir / name
    docs_dir = site_work / "docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    staging = work_dir / f"{name}.staging"
    config_path = site_work / "mkdocs.yml"
    config_path.write_text(
        _config_yaml(content, slug, staging, data_dir, site_url, strict, today, work_dir.parent / ".cache", api_url),
        encoding="utf-8",
    )
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    config = load_config(str(config_path))
    config.plugins["prachakhom"].content = content  # type: ignore[attr-defined]  # loaded once, not twice
    mkdocs_build(config)
    return _publish(staging, output_dir, slug)


def _publish(staging: Path, output_dir: Path, slug: str) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    if slug:
        target = output_dir / slug
        old = output_dir / f".{slug}.old"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
        return target
    for entry in staging.iterdir():  # the national site shares the root with the municipalities
        dest = output_dir / entry.name
        if dest.is_dir():
            shutil.rmtree(dest)
        elif dest.exists():
            dest.unlink()
        entry.rename(dest)
    shutil.rmtree(staging)
    return output_dir


def _config_yaml(
    content: Content,
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
        "content_dir": str(content.root.resolve()) if content.root else "",
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
