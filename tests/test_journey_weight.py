"""First-visit weight of the process page and the ballot page (gzipped, fonts included), measured
from what chromium actually requests on a phone. The full figures are printed by
tests/bench/journey.py; this test keeps our own share (page HTML, our CSS and scripts) small, and the
ballot page's whole first load (Material's CSS and JS and both fonts included) under 120 KB with room
to spare: it has no site search, so Material starts no search worker and fetches no index there."""

from __future__ import annotations

import gzip
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser_helpers import phone_page

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
        data = file.read_bytes()
        sizes[file.name] = len(gzip.compress(data, 6)) if file.suffix in COMPRESSIBLE else len(data)
    return sizes


@pytest.mark.parametrize("path", ["non-kha-hom/pb-2570/", "non-kha-hom/pb-2570/vote/"])
def test_our_share_of_the_first_visit_is_small(browser, demo_server: str, demo_site: Path, path: str) -> None:  # type: ignore[no-untyped-def]
    sizes = first_visit(browser, demo_server, demo_site, path)
    ours = sum(v for k, v in sizes.items() if k in OURS)
    assert ours <= 20 * 1024, sizes
    assert sizes["sarabun-400.woff2"] < 20 * 1024 and sizes["sarabun-700.woff2"] < 20 * 1024
    assert not any(name.startswith("pk-") for name in sizes) or path.endswith("vote/")  # scripts only where needed


def test_ballot_page_first_load_stays_well_under_120_kb(browser, demo_server: str, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    sizes = first_visit(browser, demo_server, demo_site, "non-kha-hom/pb-2570/vote/")
    assert not any(name.startswith("search") for name in sizes), sizes  # no search worker, no index
    assert sum(sizes.values()) <= 112 * 1024, sizes
