"""Search finds what residents type: phrases taken from the middle of the demo's sentences, typed
without spaces into the site search on a phone (Debian's chromium, the demo sites as built), each
expected to bring up the proposal it comes from. Thai has no spaces between words: the query is cut
into words in the browser (Intl.Segmenter) as the build cut the text (pythainlp), and a word is found
inside the compound that holds it ("ลูกรัง" in "ถนนลูกรัง")."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser_helpers import other_hosts, phone_page, screenshot, type_thai

pytestmark = pytest.mark.browser

HUAI, NON = "huai-dok-ueang", "non-kha-hom"
PHRASES: list[tuple[str, str, str]] = [  # (site, phrase as typed, the page it must find)
    (NON, "ฟอกไต", "pb-2570/proposals/dialysis-patient-transport/"),
    (HUAI, "หลังวัด", "pb-2570/proposals/road-ban-huai-dok-ueang-thung-na-lang-wat/"),
    (HUAI, "เผาใบไม้", "waste-ideas-2570/proposals/leaf-compost-instead-of-burning/"),
    (HUAI, "ห้วยดอกเอื้อง", "pb-2570/proposals/road-ban-huai-dok-ueang-thung-na-lang-wat/"),
    (HUAI, "ลูกรัง", "pb-2570/proposals/road-ban-huai-dok-ueang-thung-na-lang-wat/"),
    (HUAI, "รถเกี่ยวข้าวติดหล่ม", "pb-2570/proposals/road-ban-huai-dok-ueang-thung-na-lang-wat/"),
    (NON, "ขายวัว", "pb-2570/proposals/dialysis-patient-transport/"),
    (HUAI, "ผักตบชวา", "pb-2570/proposals/dredge-irrigation-ditch-nong-lom/"),
    (HUAI, "ลายตีนจก", "pb-2570/proposals/looms-weaving-group-thung-kwao/"),
    (HUAI, "ที่นอนลม", "pb-2570/proposals/medical-equipment-lending-bank/"),
    (HUAI, "เปลือกผลไม้", "pb-2570/proposals/composting-point-san-pa-tueng-market/"),
    (HUAI, "รอยเชื่อมรั่ว", "pb-2570/proposals/repair-water-tower-ban-pa-hiang/"),
    (HUAI, "อ่านป้ายทะเบียน", "pb-2570/proposals/cctv-market-and-central-junction/"),
    (HUAI, "ใต้ถุนบ้าน", "pb-2570/proposals/drainage-soi-3-ban-don-kaeo/"),
    (HUAI, "คลินิกโรคเรื้อรัง", "pb-2570/proposals/shaded-bench-pa-hiang-health-centre/"),
    (HUAI, "เต้นแอโรบิก", "pb-2570/proposals/sport-ground-youth-thung-kwao/"),
    (HUAI, "ทาสีทางม้าลาย", "pb-2570/proposals/street-lights-school-crossing-moo-1/"),
    (HUAI, "กล่องโฟม", "waste-ideas-2570/proposals/foam-free-merit-events/"),
    (HUAI, "ถังหมักเศษอาหาร", "waste-ideas-2570/proposals/food-waste-bins-every-household/"),
    (HUAI, "สภานักเรียน", "waste-ideas-2570/proposals/four-colour-bins-school-leaders/"),
    (HUAI, "ซากโทรทัศน์", "waste-ideas-2570/proposals/signs-camera-dumping-pa-hiang-road/"),
    (HUAI, "น้ำมันทอดซ้ำ", "waste-ideas-2570/proposals/used-cooking-oil-collection/"),
    (NON, "วัวหายไปสามตัว", "pb-2570/proposals/cctv-entrance-ban-na-kham/"),
    (NON, "ปวดท้อง", "pb-2570/proposals/doctor-24-hours-health-centre/"),
    (NON, "รำไม้พลอง", "pb-2570/proposals/elderly-exercise-ground-nong-waeng-noi/"),
    (NON, "ปุ๋ยยูเรีย", "pb-2570/proposals/fertilizer-cash-support-khok-sa-at/"),
    (NON, "เห็ดนางฟ้า", "pb-2570/proposals/mushroom-house-women-group/"),
    (NON, "บุญผะเหวด", "pb-2570/proposals/long-drums-youth-nong-bua-daeng/"),
    (NON, "ทอดกฐิน", "pb-2570/proposals/restore-ubosot-wat-hua-nong/"),
    (HUAI, "หลัง วัด", "pb-2570/proposals/road-ban-huai-dok-ueang-thung-na-lang-wat/"),  # with a space, too
]


def result_links(page: Any) -> list[str]:
    """The results' links as shown now (read at once: the list is re-rendered as answers arrive)."""
    return page.evaluate("""[...document.querySelectorAll('.md-search-result__item a.md-search-result__link')]
                            .map(a => a.href.split('?')[0])""")


def search(page: Any, phrase: str, expected: str) -> list[str]:
    """Type `phrase` into the open search box; the result links once `expected` is among them (or
    whatever is shown after 10 s)."""
    box = page.locator("input.md-search__input")
    type_thai(box, phrase)
    with contextlib.suppress(PlaywrightTimeout):  # reported by the caller, with what was found instead
        page.wait_for_function(
            """([path]) => [...document.querySelectorAll('.md-search-result__item a.md-search-result__link')]
                 .some(a => a.href.split('?')[0].endsWith(path))""", arg=[expected], timeout=10000)
    return result_links(page)


def open_search(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.locator("label.md-header__button[for='__search']").click()


def test_phrases_from_the_middle_of_sentences_find_their_proposal(browser, demo_server: str) -> None:  # type: ignore[no-untyped-def]
    missed = []
    for site in (HUAI, NON):
        with phone_page(browser) as page:
            open_search(page, f"{demo_server}{site}/")
            for phrase_site, phrase, expected in PHRASES:
                if phrase_site != site:
                    continue
                links = search(page, phrase, expected)
                if not any(link.endswith(f"{site}/{expected}") for link in links):
                    missed.append((phrase, expected, links[:3]))
            screenshot(page, f"search-{site}")
            assert other_hosts(page) == set()
    assert missed == [], missed
    assert len(PHRASES) >= 20


def test_the_national_index_finds_a_municipality_by_a_name_typed_without_spaces(browser, demo_server: str) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        open_search(page, demo_server)
        links = search(page, "ห้วยดอกเอื้อง", f"{HUAI}/")
        assert any(link.endswith(f"/{HUAI}/") for link in links), links
        screenshot(page, "search-national")


def test_nothing_is_fetched_for_search_until_a_query_is_typed(browser, demo_server: str) -> None:  # type: ignore[no-untyped-def]
    """A page view fetches our small worker and Material's empty index only; the index's files come
    with the first query, and only those the query needs."""
    with phone_page(browser) as page:
        page.goto(f"{demo_server}{NON}/pb-2570/")
        page.wait_for_load_state("networkidle")
        loaded = [u for u in page.requests if "/search/" in u or "pk-search" in u]
        assert sorted(u.rsplit("/", 1)[1] for u in loaded) == ["pk-search-worker.js", "search_index.json"]
        page.locator("label.md-header__button[for='__search']").click()
        before = len(page.requests)
        search(page, "ฟอกไต", "pb-2570/proposals/dialysis-patient-transport/")
        fetched = [u.rsplit("/", 1)[1] for u in page.requests[before:]]
        assert "pk-search.js" in fetched and "meta.json" not in fetched  # it came with search_index.json
        assert len([f for f in fetched if f.startswith("s-")]) <= 2  # the shards of ฟอก and ไต
        assert len([f for f in fetched if f.startswith("d-")]) <= 2
