"""The built static sites: Thai done right, self-hosted, escaped, shareable."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest

from prachakhom.content import load_content
from prachakhom.thai import baht, thai_date
from site_generator.build import build_all
from tests.conftest import CONTENT, TODAY, ContentFactory, proposal_data, write_doc

HOSTILE_TITLE = "<script>alert(1)</script> ถนน"
HOSTILE_BODY = "ดูที่ [คลิกเลย](javascript:alert(2)) และ <img src=x onerror=alert(3)>\n\n**ตัวหนา** <b>หนา</b>"

# Attributes and CSS/JS constructs that make a browser fetch something.
LOADING_PATTERNS = [
    re.compile(r"""<(?:script|img|iframe|source|audio|video|embed|track|input)\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//""", re.I),
    re.compile(
        r"""<link\b(?=[^>]*\brel\s*=\s*["']?(?:stylesheet|preload|modulepreload|prefetch|preconnect|dns-prefetch|icon|"""
        r"""apple-touch-icon|manifest))[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//""",
        re.I,
    ),
    re.compile(r"""\bsrcset\s*=\s*["'][^"']*(?:https?:)?//""", re.I),
    re.compile(r"""url\(\s*["']?\s*(?:https?:)?//""", re.I),
    re.compile(r"""@import\s+["']?\s*(?:https?:)?//""", re.I),
    re.compile(r"""(?:importScripts|fetch)\(\s*["'`](?:https?:)?//""", re.I),
]


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


@pytest.fixture(scope="module")
def demo_content():  # type: ignore[no-untyped-def]
    return load_content(CONTENT)


def test_every_page_is_thai_with_opengraph(demo_site: Path) -> None:
    pages = html_files(demo_site)
    assert len(pages) > 60
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert '<html lang="th"' in html, page
        for prop in ("og:title", "og:description", "og:image", "og:type"):
            match = re.search(rf'<meta property="{prop}" content="([^"]*)"', html)
            assert match and match.group(1).strip(), f"{page}: missing {prop}"


def test_dates_are_buddhist_era_and_money_in_baht(demo_site: Path, demo_content) -> None:  # type: ignore[no-untyped-def]
    for slug, mdoc in demo_content.municipalities.items():
        for pslug, pdoc in mdoc.processes.items():
            html = (demo_site / slug / pslug / "index.html").read_text(encoding="utf-8")
            first = pdoc.process.phases[0]
            assert thai_date(first.start) in html
            assert f"{first.start.year + 543}" in html and f"{first.start.year} " not in html
            if pdoc.process.budget:
                assert baht(pdoc.process.budget.total) in html


def test_thai_date_and_baht_formats() -> None:
    assert thai_date(date(2022, 5, 17)) == "17 พฤษภาคม 2565"
    assert baht(1234567) == "1,234,567 บาท"


def test_nothing_is_loaded_from_another_host(demo_site: Path) -> None:
    offenders = []
    for path in [*demo_site.rglob("*.html"), *demo_site.rglob("*.css"), *demo_site.rglob("*.js")]:
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in LOADING_PATTERNS:
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(demo_site)}: {match.group(0)[:100]}")
    assert not offenders, "\n".join(offenders)
    fonts = list(demo_site.rglob("sarabun-400.woff2"))
    assert fonts, "the Thai web font must be self-hosted"


def test_loading_pattern_scan_catches_external_requests() -> None:
    samples = [
        '<script src="https://cdn.example.com/x.js"></script>',
        '<link rel="stylesheet" href="//fonts.googleapis.com/css">',
        "body { background: url('https://img.example.com/a.png') }",
        '<img alt="" src="http://example.com/a.png">',
    ]
    for sample in samples:
        assert any(p.search(sample) for p in LOADING_PATTERNS), sample
    assert not any(p.search('<a href="https://line.me/R/share">แชร์</a>') for p in LOADING_PATTERNS)
    assert not any(p.search('<link rel="canonical" href="https://site.example/">') for p in LOADING_PATTERNS)


def test_thai_headings_get_readable_anchors(demo_site: Path, demo_content) -> None:  # type: ignore[no-untyped-def]
    mslug = next(iter(demo_content.municipalities))
    pslug = next(iter(demo_content.municipalities[mslug].processes))
    html = (demo_site / mslug / pslug / "index.html").read_text(encoding="utf-8")
    assert 'id="กำหนดการ"' in html
    assert 'id="กติกา"' in html
    for page in html_files(demo_site):
        assert not re.search(r'<h[1-6] id="_\d*"', page.read_text(encoding="utf-8")), page


def test_proposals_stay_out_of_the_navigation(demo_site: Path, demo_content) -> None:  # type: ignore[no-untyped-def]
    for mslug, mdoc in demo_content.municipalities.items():
        home = (demo_site / mslug / "index.html").read_text(encoding="utf-8")
        nav = home[home.index('<nav class="md-nav md-nav--primary"') :]
        nav = nav[: nav.index("</nav>")]
        for pdoc in mdoc.processes.values():
            for proposal_slug in pdoc.proposals:
                assert f"proposals/{proposal_slug}/" not in nav


def test_every_public_proposal_has_a_page_and_private_ones_do_not(demo_site: Path, demo_content) -> None:  # type: ignore[no-untyped-def]
    for mslug, mdoc in demo_content.municipalities.items():
        for pslug, pdoc in mdoc.processes.items():
            for slug, doc in pdoc.proposals.items():
                page = demo_site / mslug / pslug / "proposals" / slug / "index.html"
                public = doc.proposal.status not in ("under_review", "rejected")
                assert page.is_file() == public, page


def test_search_index_splits_thai_words(demo_site: Path, demo_content) -> None:  # type: ignore[no-untyped-def]
    """A word from the middle of a Thai sentence is its own index word (site_generator/search_index.py),
    and Material's own index, which every page view would fetch, is empty."""
    folder = next(iter(sorted(demo_site.glob("*/search/meta.json")))).parent
    material = json.loads((folder / "search_index.json").read_text("utf-8"))
    assert material["docs"] == []
    tokens = {w for shard in folder.glob("s-*.json") for w in json.loads(shard.read_text("utf-8"))}
    assert "งบประมาณ" in tokens
    assert "หมู่บ้าน" in tokens or "หมู่" in tokens


def test_filter_box_data_is_on_the_proposal_list(demo_site: Path, demo_content) -> None:  # type: ignore[no-untyped-def]
    for mslug, mdoc in demo_content.municipalities.items():
        for pslug, pdoc in mdoc.processes.items():
            html = (demo_site / mslug / pslug / "proposals" / "index.html").read_text(encoding="utf-8")
            assert "data-pk-filter" in html
            public = [d for d in pdoc.proposals.values() if d.proposal.status not in ("under_review", "rejected")]
            assert html.count('class="pk-card pk-proposal-card"') == len(public)


def test_national_index_lists_every_municipality_with_phase_and_days_left(demo_site: Path, demo_content) -> None:  # type: ignore[no-untyped-def]
    """Split by province (7,850 municipalities would not fit one page on a phone): the front page links
    every province that has a municipality; the province page lists each with its phase and days left."""
    from site_generator.national import province_of

    front = (demo_site / "index.html").read_text(encoding="utf-8")
    for mslug, mdoc in demo_content.municipalities.items():
        province = province_of(mdoc.municipality.province)
        assert f'href="provinces/{province.slug}/"' in front and province.name in front
        html = (demo_site / "provinces" / province.slug / "index.html").read_text(encoding="utf-8")
        assert f'href="../../{mslug}/"' in html
        assert mdoc.municipality.name in html
        assert "เหลืออีก" in html


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    factory = ContentFactory(tmp_path_factory.mktemp("hostile"))
    write_doc(
        factory.process_dir / "proposals" / "hostile.md",
        proposal_data(title=HOSTILE_TITLE, summary='สรุป "quoted" <i>x</i>', author="<b>นาย</b> ก"),
        HOSTILE_BODY,
    )
    out = factory.root.parent / "site"
    build_all(factory.root, out, today=TODAY, progress=False)
    return out / "thot-sop"


def test_resident_text_is_shown_as_plain_text(hostile_site: Path) -> None:
    html = (hostile_site / "pb-2570" / "proposals" / "hostile" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert "[คลิกเลย](javascript:alert(2))" in html  # Markdown link syntax left as typed
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(3)&gt;" in html
    assert "<strong>ตัวหนา</strong>" not in html and "**ตัวหนา**" in html
    assert "<b>นาย</b>" not in html
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title and "<script>" not in title.group(1)
    og = re.search(r'<meta property="og:description" content="([^"]*)"', html)
    assert og and "&#34;quoted&#34;" in og.group(1)


def test_resident_text_is_escaped_on_lists_and_in_search(hostile_site: Path) -> None:
    listing = (hostile_site / "pb-2570" / "proposals" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in listing and "&lt;script&gt;alert(1)" in listing
    index = "".join(f.read_text(encoding="utf-8") for f in (hostile_site / "search").iterdir())
    assert "<script>alert(1)" not in index and "<img src=x" not in index
    assert "&lt;script&gt;alert(1)" in index  # the title is in the index, escaped


def test_rebuilding_one_municipality_leaves_the_others(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_all(CONTENT, out, today=TODAY, progress=False)
    slugs = sorted(p.name for p in out.iterdir() if p.is_dir() and (p / "index.html").is_file())
    assert len(slugs) >= 3
    before = {s: (out / s / "index.html").stat().st_mtime_ns for s in slugs}
    build_all(CONTENT, out, only=slugs[0], today=TODAY, progress=False)
    after = {s: (out / s / "index.html").stat().st_mtime_ns for s in slugs}
    assert after[slugs[0]] != before[slugs[0]]
    assert all(after[s] == before[s] for s in slugs[1:])
    assert (out / "index.html").is_file()


@pytest.mark.parametrize(("path", "home"), [
    ("non-kha-hom/pb-2570/no-such-page/", "องค์การบริหารส่วนตำบลโนนข่าหอม"),
    ("no-such-place/", "ประชาคมออนไลน์"),
])
def test_a_missing_address_gets_the_sites_thai_404(demo_server: str, path: str, home: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(demo_server + path, timeout=30)
    assert caught.value.code == 404
    assert caught.value.headers["Content-Type"] == "text/html; charset=utf-8"
    body = caught.value.read().decode("utf-8")
    assert '<html lang="th"' in body and "ไม่พบหน้านี้" in body and f"ไปหน้าแรกของ{home}" in body
    assert "Not found" not in body and "Error response" not in body
