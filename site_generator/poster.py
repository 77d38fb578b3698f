"""A printable A4 poster for the village notice board: what is decided, the dates, a large QR code
to the process page and the link as text. `prachakhom poster --municipality X --process Y`;
with `--village N` the poster is for one village (หมู่ที่ N): its link carries `?village=N`, which the
ballot page uses to preselect that village (one tap fewer).

The poster is an HTML page (Jinja, autoescaped; Sarabun embedded as data URLs, so nothing is
fetched) printed to PDF and screenshot to PNG by Debian's chromium through Playwright. The QR code
is an inline SVG made by segno.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import segno

from prachakhom.content import load_one_municipality
from site_generator.fonts import font_files
from site_generator.pages import page_environment
from site_generator.views import process_view

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
A4_CSS_PX = (794, 1123)  # 210 × 297 mm at 96 px per inch


@dataclass(frozen=True)
class Poster:
    url: str
    html: str
    pdf: Path
    png: Path


def process_url(site_url: str, municipality: str, process: str, village: int | None = None) -> str:
    url = f"{site_url.rstrip('/')}/{municipality}/{process}/"
    return url if village is None else f"{url}?village={village}"


def qr_svg(url: str) -> str:
    """The QR code as inline SVG (error correction M survives a scuffed, sun-faded print)."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=10, border=2, omitsize=True)


def poster_html(content_dir: Path, municipality: str, process: str, site_url: str, today: date,
                cache_dir: Path = Path("build/.cache/fonts"), village: int | None = None) -> tuple[str, str]:
    """(process URL, the poster's HTML); ValueError for a village the municipality does not have."""
    content = load_one_municipality(content_dir, municipality)  # only this municipality is read
    doc = content.municipalities[municipality]
    place = None
    if village is not None:
        place = next((v for v in doc.municipality.villages if v.number == village), None)
        if place is None:
            known = ", ".join(str(v.number) for v in doc.municipality.villages) or "none"
            raise ValueError(f"{municipality} has no village {village} (villages: {known})")
    view = process_view(doc.municipality, doc.processes[process], today, None, with_results=False)
    url = process_url(site_url, municipality, process, village)
    fonts = {name: base64.b64encode(data).decode("ascii") for name, data in font_files(cache_dir).items()}
    env = page_environment()
    html = env.get_template("poster.html.j2").render(
        m=doc.municipality, v=view, url=url, short_url=url.split("://", 1)[-1].rstrip("/"),
        qr=qr_svg(url), fonts=fonts, village=place, voting=view.phase_of("vote"), proposing=view.phase_of("propose"))
    return url, html


def render_poster(html: str, out_base: Path) -> tuple[Path, Path]:
    """Write `<out_base>.pdf` (A4) and `<out_base>.png` (A4 at 2× for sharp print)."""
    from playwright.sync_api import sync_playwright

    out_base.parent.mkdir(parents=True, exist_ok=True)
    pdf, png = out_base.with_suffix(".pdf"), out_base.with_suffix(".png")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": A4_CSS_PX[0], "height": A4_CSS_PX[1]}, device_scale_factor=2)
            page.set_content(html, wait_until="load")
            page.evaluate("document.fonts.ready")
            page.pdf(path=str(pdf), format="A4", print_background=True,
                     margin={"top": "0", "bottom": "0", "left": "0", "right": "0"})
            page.screenshot(path=str(png), full_page=False)
        finally:
            browser.close()
    return pdf, png


def make_poster(content_dir: Path, municipality: str, process: str, site_url: str, output_dir: Path,
                today: date | None = None, village: int | None = None) -> Poster:
    url, html = poster_html(content_dir, municipality, process, site_url, today or date.today(), village=village)
    suffix = f"-village-{village}" if village is not None else ""
    pdf, png = render_poster(html, output_dir / f"poster-{municipality}-{process}{suffix}")
    return Poster(url, html, pdf, png)
