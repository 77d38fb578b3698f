"""Every page type of the demo sites on a phone, in Debian's chromium: axe-core (injected from
tests/js/node_modules) finds no serious or critical violation, text is at least 16 px, tap targets
at least 44 px, the Thai web font has loaded (no empty boxes), nothing comes from another host.
A full-page screenshot of each is saved in test-artifacts/."""

from __future__ import annotations

import pytest

from tests.browser_helpers import (
    axe_violations,
    other_hosts,
    phone_page,
    require_axe,
    screenshot,
    small_targets,
    small_text,
    thai_font_loaded,
)

pytestmark = pytest.mark.browser

PAGE_TYPES = {
    "national-index": "",
    "national-province": "provinces/khon-kaen/",
    "municipality-home": "non-kha-hom/",
    "process-voting": "non-kha-hom/pb-2570/",
    "process-finished": "tha-lamphu/pb-2569/",
    "process-consultation": "huai-dok-ueang/waste-ideas-2570/",
    "proposals": "non-kha-hom/pb-2570/proposals/",
    "proposal": "non-kha-hom/pb-2570/proposals/ambulance-ban-don-han/",
    "vote": "non-kha-hom/pb-2570/vote/",
    "vote-closed": "tha-lamphu/pb-2569/vote/",
    "receipt": "non-kha-hom/pb-2570/receipt/",
    "propose": "huai-dok-ueang/pb-2570/propose/",
    "results": "tha-lamphu/pb-2569/results/",
    "projects": "tha-lamphu/pb-2569/projects/",
    "project": "tha-lamphu/pb-2569/projects/bus-shelter-khuan-yang/",
}


@pytest.fixture(scope="module")
def axe() -> None:
    require_axe()


@pytest.mark.parametrize("name", PAGE_TYPES)
def test_page_type_is_accessible_on_a_phone(browser, demo_server: str, axe: None, name: str) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        page.goto(demo_server + PAGE_TYPES[name])
        page.wait_for_load_state("networkidle")
        assert thai_font_loaded(page), "the Sarabun web font did not load: Thai would render as boxes"
        screenshot(page, f"page-{name}")
        assert axe_violations(page) == []
        assert small_text(page) == []
        assert small_targets(page) == []
        assert other_hosts(page) == set()


@pytest.mark.parametrize("path", ["non-kha-hom/pb-2570/", "huai-dok-ueang/pb-2570/"])
def test_process_page_says_what_until_when_and_what_to_do_in_one_screen(browser, demo_server: str, path: str) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        page.goto(demo_server + path)
        height = page.viewport_size["height"]
        for selector in (".pk-hero h1", ".pk-now", ".pk-hero .pk-action"):
            box = page.locator(selector).bounding_box()
            assert box and box["y"] + box["height"] <= height, (selector, box)
        assert "เหลืออีก" in page.locator(".pk-now").inner_text()
