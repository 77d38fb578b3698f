"""The demo sites in a real browser (Debian chromium): Thai search, the filter box, the font."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from prachakhom.content import load_content
from site_generator.search_index import words
from tests.conftest import CONTENT, PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, demo_server: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(**PHONE, locale="th-TH")
    tab = context.new_page()
    requests: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.requests = requests  # type: ignore[attr-defined]
    yield tab
    context.close()


def _voting_process():  # type: ignore[no-untyped-def]
    content = load_content(CONTENT)
    for mslug, mdoc in content.municipalities.items():
        for pslug, pdoc in mdoc.processes.items():
            if len(pdoc.proposals) >= 40:
                return mslug, pslug, pdoc
    raise AssertionError("demo content needs a process with 40+ proposals")


def test_search_finds_a_thai_word_from_the_middle_of_a_sentence(page, demo_server: str) -> None:  # type: ignore[no-untyped-def]
    mslug, pslug, pdoc = _voting_process()
    doc = next(d for d in pdoc.proposals.values() if len(words(d.proposal.title)) >= 4)
    title_words = words(doc.proposal.title)
    word = max(title_words[1:-1], key=len)  # a word inside the title, neither first nor last
    page.goto(f"{demo_server}{mslug}/")
    page.locator("label.md-search__icon, label[for='__search']").first.click()
    box = page.locator("input.md-search__input")
    box.fill(word)
    box.press("End")  # fill() with Thai fires no keyup
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15000)
    links = [results.nth(i).locator("a").first.get_attribute("href") for i in range(results.count())]
    assert any(f"proposals/{doc.slug}/" in (href or "") for href in links), (word, links)


def test_filter_box_finds_any_fragment_of_a_title(page, demo_server: str) -> None:  # type: ignore[no-untyped-def]
    mslug, pslug, pdoc = _voting_process()
    public = [d for d in pdoc.proposals.values() if d.proposal.status not in ("under_review", "rejected")]
    doc = max(public, key=lambda d: len(d.proposal.title))
    fragment = doc.proposal.title[3:9]
    page.goto(f"{demo_server}{mslug}/{pslug}/proposals/")
    box = page.locator("[data-pk-filter] input[name=q]")
    box.fill(fragment)
    box.press("End")
    visible = page.locator(".pk-proposal-card:visible h3")
    titles = visible.all_inner_texts()
    expected = [d.proposal.title for d in public if fragment.lower() in (d.proposal.title + " " + d.proposal.summary).lower()]
    assert doc.proposal.title in titles
    assert sorted(titles) == sorted(expected)
    assert len(titles) < len(public)
    page.select_option("[data-pk-filter] select[name=category]", doc.proposal.category)
    assert page.locator(".pk-proposal-card:visible h3").all_inner_texts() == [doc.proposal.title]


def test_thai_font_loads_and_nothing_comes_from_another_host(page, demo_server: str) -> None:  # type: ignore[no-untyped-def]
    mslug, pslug, _ = _voting_process()
    page.goto(f"{demo_server}{mslug}/{pslug}/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.fonts.ready.then(() => document.fonts.check('16px Sarabun', 'ก'))")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.replace(/\"/g, '') === 'Sarabun' && f.status === 'loaded').length"
    )
    assert loaded >= 1
    hosts = {urlparse(u).hostname for u in page.requests if u.startswith("http")}  # type: ignore[attr-defined]
    assert hosts == {"127.0.0.1"}, hosts
