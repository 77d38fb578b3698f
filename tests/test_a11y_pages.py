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
    "not-found": "non-kha-hom/pb-2570/no-such-page/",
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


OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const r = el.getBoundingClientRect();
    if (!r.width || r.right <= width + 0.5) return false;
    // inside a container that scrolls or clips sideways (a drawer, a scrolling table): not the page
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX) && p.getBoundingClientRect().right <= width + 0.5) return false;
    }
    return getComputedStyle(el).visibility !== 'hidden';
  }).map(el => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}px`);
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""


@pytest.mark.parametrize("width", [390, 320])
@pytest.mark.parametrize("name", PAGE_TYPES)
def test_no_page_scrolls_sideways_on_a_phone(browser, demo_server: str, name: str, width: int) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        page.set_viewport_size({"width": width, "height": 740})
        page.goto(demo_server + PAGE_TYPES[name])
        page.wait_for_load_state("networkidle")
        found = page.evaluate(OVERFLOW_JS)
        if width == 320:
            screenshot(page, f"page-{name}-320")
        assert found["scroll"] <= found["width"] and found["wide"] == [], found


def test_results_are_labelled_lines_on_a_phone_and_spaced_columns_on_a_tablet(browser, demo_server: str) -> None:  # type: ignore[no-untyped-def]
    """No "150,000 บาทงบ…" or "0210,000 บาท": on a phone a project's score, cost and result are lines
    of their own, each with its label; on a tablet the columns keep a gap."""
    cells = """() => [...document.querySelectorAll('table.pk-results tbody tr')].map(tr => [...tr.cells].map(td => {
      const range = document.createRange();
      range.selectNodeContents(td);
      const r = td.getBoundingClientRect(), text = range.getBoundingClientRect();
      return {top: r.top, bottom: r.bottom, textLeft: text.left, textRight: text.right, textTop: text.top,
              label: getComputedStyle(td, '::before').content};
    }))"""
    with phone_page(browser) as page:
        page.goto(demo_server + PAGE_TYPES["results"])
        rows = page.evaluate(cells)
        assert rows
        for row in rows:
            for above, below in zip(row, row[1:], strict=False):
                assert below["top"] >= above["bottom"] - 1, row  # stacked, not side by side
            assert [c["label"] for c in row[1:]] == ['"คะแนน "', '"ค่าใช้จ่าย "', '"ผล "']
        page.set_viewport_size({"width": 1024, "height": 768})
        for row in page.evaluate(cells):
            for left, right in zip(row, row[1:], strict=False):  # side by side, the texts apart
                assert right["textLeft"] - left["textRight"] >= 8 and abs(right["top"] - left["top"]) < 1, row


@pytest.mark.parametrize("path", ["non-kha-hom/pb-2570/", "huai-dok-ueang/pb-2570/"])
def test_process_page_says_what_until_when_and_what_to_do_in_one_screen(browser, demo_server: str, path: str) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        page.goto(demo_server + path)
        height = page.viewport_size["height"]
        for selector in (".pk-hero h1", ".pk-now", ".pk-hero .pk-action"):
            box = page.locator(selector).bounding_box()
            assert box and box["y"] + box["height"] <= height, (selector, box)
        assert "เหลืออีก" in page.locator(".pk-now").inner_text()
