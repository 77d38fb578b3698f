"""First-visit weight (gzipped, fonts included), measured from what chromium actually requests on a
phone. The full figures are printed by tests/bench/journey.py and tests/bench/city.py; this test keeps
our own share (page HTML, our CSS and scripts) small, the ballot page's whole first load under 120 KB
with room to spare (no site search there), and every page type of a municipality with 2,000
proposals under 120 KB: the list in pages of 50, a big ballot's options loaded pot by pot, and the
search index fetched only when a query is typed."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from site_generator.serve import start_static_server
from tests.browser_helpers import axe_violations, phone_page, screenshot, small_targets, type_thai
from tests.large_city import PAGES as CITY_PAGES
from tests.large_city import build_large_city

pytestmark = pytest.mark.browser

OURS = ("index.html", "prachakhom.css", "prachakhom.js", "fonts.css", "pk-core.js", "pk-vote.js")
COMPRESSIBLE = (".html", ".css", ".js", ".json")


def first_visit(browser, demo_server: str, demo_site: Path, path: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        page.goto(demo_server + path)
        page.wait_for_load_state("networkidle")
        urls = list(dict.fromkeys(page.requests))
    sizes = {}
    for url in urls:
        local = urlparse(url).path.lstrip("/")
        file = demo_site / local
        if file.is_dir() or local.endswith("/") or not local:
            file = file / "index.html"
        if not file.is_file():  # a missing address: the site's 404 page
            file = demo_site / local.split("/", 1)[0] / "404.html"
        data = file.read_bytes()
        sizes[file.name] = len(gzip.compress(data, 6)) if file.suffix in COMPRESSIBLE else len(data)
    return sizes


@pytest.mark.parametrize("path", ["non-kha-hom/pb-2570/", "non-kha-hom/pb-2570/vote/"])
def test_our_share_of_the_first_visit_is_small(browser, demo_server: str, demo_site: Path, path: str) -> None:  # type: ignore[no-untyped-def]
    sizes = first_visit(browser, demo_server, demo_site, path)
    ours = sum(v for k, v in sizes.items() if k in OURS)
    assert ours <= 20 * 1024, sizes
    assert sizes["sarabun-400.woff2"] < 20 * 1024 and sizes["sarabun-700.woff2"] < 20 * 1024
    # action scripts only where needed (the search worker, in place of Material's, comes with site search)
    assert not any(name.startswith("pk-") and name != "pk-search-worker.js" for name in sizes) or path.endswith("vote/")


def test_ballot_page_first_load_stays_well_under_120_kb(browser, demo_server: str, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    sizes = first_visit(browser, demo_server, demo_site, "non-kha-hom/pb-2570/vote/")
    assert not any(name.startswith("search") for name in sizes), sizes  # no search worker, no index
    assert sum(sizes.values()) <= 112 * 1024, sizes


# --- a large municipality: 2,000 proposals on the ballot (tests/large_city.py) --------------------
LIMIT = 120 * 1024


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    site = build_large_city(tmp_path_factory.mktemp("city"), 2000)
    server = start_static_server(site, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.server_address[1]}/", site
    server.shutdown()


@pytest.mark.parametrize("name", CITY_PAGES)
def test_every_page_of_a_2000_proposal_site_stays_under_120_kb(browser, city: tuple[str, Path], name: str) -> None:  # type: ignore[no-untyped-def]
    base, site = city
    sizes = first_visit(browser, base, site, CITY_PAGES[name])
    assert sum(sizes.values()) <= LIMIT, sorted(sizes.items(), key=lambda kv: -kv[1])
    assert not any(name.startswith(("s-", "d-", "f-", "meta")) for name in sizes)  # no index before a query


def test_the_list_of_2000_searches_and_filters_every_page(browser, city: tuple[str, Path]) -> None:  # type: ignore[no-untyped-def]
    base, _ = city
    with phone_page(browser) as page:
        page.goto(base + CITY_PAGES["proposals, page 1"])
        assert page.locator(".pk-proposal-card").count() == 50
        assert page.locator("[data-pk-pager] a[href='page_40/']").count() == 1
        type_thai(page.locator("[data-pk-filter] input[name=q]"), "ฟอกไต")
        results = page.locator("[data-pk-results] .pk-proposal-card h3")
        results.first.wait_for(timeout=15000)
        titles = results.all_inner_texts()
        assert titles and all("ฟอกไต" in t for t in titles)
        assert any(int(t.rsplit(" ", 1)[1].rstrip(")")) > 50 for t in titles)  # found beyond page 1
        assert "พบ" in page.locator("[data-pk-count]").inner_text()
        screenshot(page, "city-proposals-search")
        page.select_option("[data-pk-filter] select[name=village]", "3")
        type_thai(page.locator("[data-pk-filter] input[name=q]"), "")
        shown = """() => [...document.querySelectorAll('[data-pk-results] .pk-proposal-card .pk-meta')]
                         .map(p => p.textContent)"""
        page.wait_for_function(f"({shown})().length === 20 && ({shown})().every(t => t.includes('ชุมชนทดสอบที่ 3 '))")
        assert page.locator("[data-pk-count]").inner_text() == "พบ 40 จาก 2,000 รายการ"
        screenshot(page, "city-proposals-village")
        assert page.locator("[data-pk-more]").is_visible()  # 40 in community 3: 20 shown, more on request
        page.locator("[data-pk-more]").click()
        page.wait_for_function(f"({shown})().length === 40")
        assert page.locator("[data-pk-more]").is_hidden()
        assert axe_violations(page) == [] and small_targets(page) == []


def test_a_2000_option_ballot_loads_the_voters_pots_as_they_are_shown(browser, city: tuple[str, Path]) -> None:  # type: ignore[no-untyped-def]
    base, _ = city
    with phone_page(browser) as page:
        page.goto(base + CITY_PAGES["ballot, link with ?village=3"])
        village = page.locator(".pk-pot[data-pot=village-3] input[type=checkbox]")
        village.first.wait_for(timeout=15000)
        assert village.count() == 40 and page.locator(".pk-pot[data-pot=village-4] li").count() == 0
        whole = page.locator(".pk-pot[data-pot=municipality]")
        assert whole.locator("input[type=checkbox]").count() == 50  # 400 in all, 50 a file
        whole.locator("[data-pk-more-options]").click()
        page.wait_for_function("document.querySelectorAll('.pk-pot[data-pot=municipality] input').length === 100")
        page.locator(".pk-pot[data-pot=village-3] label.pk-choice").first.click()
        assert "เลือกแล้ว 1 โครงการ" in page.locator(".pk-pot[data-pot=village-3] [data-pk-left]").inner_text()
        screenshot(page, "city-ballot")
        assert axe_violations(page) == [] and small_targets(page) == []
