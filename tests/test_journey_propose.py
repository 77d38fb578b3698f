"""Proposing and discussing on a phone, in Debian's chromium, against the local stack: a proposal
through the form (inline Thai validation, then "reviewed, then published"), a comment, a reply and
an abuse report on a proposal page."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.browser_helpers import (
    MUNI,
    PROPOSE,
    Stack,
    axe_violations,
    journey_content,
    other_hosts,
    phone_page,
    running_stack,
    screenshot,
    small_targets,
    small_text,
    tap,
    type_thai,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("journey-propose")
    with running_stack(journey_content(root), root / "state") as running:
        yield running


def test_submit_a_proposal_with_inline_validation(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        page.goto(stack.url(f"{MUNI}/{PROPOSE}/"))
        tap(page, ".pk-hero .pk-action")
        page.wait_for_url("**/propose/")
        assert page.locator("[data-pk-nojs]").count() == 0  # the script took over
        page.locator("button[type=submit]").click()  # empty form
        assert page.locator("#pk-f-title-err").inner_text() == "กรุณากรอกช่องนี้"
        assert page.evaluate("document.activeElement.id") == "pk-f-title"
        title = page.locator("#pk-f-title")
        type_thai(title, "ซ่อมศาลาประชาคม" * 10)  # 150 characters: over the form's 120
        assert "ไม่เกิน 120 ตัวอักษร" in page.locator("#pk-f-title-err").inner_text()
        assert title.get_attribute("aria-invalid") == "true"
        type_thai(title, "ซ่อมหลังคาศาลาประชาคมหมู่ 2")
        assert page.locator("#pk-f-title-err").inner_text() == ""
        page.select_option("#pk-f-category", "culture")
        page.select_option("#pk-f-village", "2")
        type_thai(page.locator("#pk-f-summary"), "หลังคารั่ว ฝนตกแล้วประชุมไม่ได้")
        type_thai(page.locator("#pk-f-description"), "ศาลาใช้ประชุมหมู่บ้านทุกเดือน\n\nหลังคารั่วหลายจุด")
        type_thai(page.locator("#pk-f-cost"), "45,000 บาท")
        assert "ตัวเลขเท่านั้น" in page.locator("#pk-f-cost-err").inner_text()
        type_thai(page.locator("#pk-f-cost"), "45000")
        type_thai(page.locator("#pk-f-author"), "ยายบุญมี")
        page.locator("#pk-f-contact").fill("0812345678")
        screenshot(page, "propose-filled")
        assert axe_violations(page) == []
        page.locator("button[type=submit]").click()
        done = page.locator("[data-pk-done]")
        done.wait_for(timeout=15000)
        assert "เจ้าหน้าที่จะตรวจสอบ" in done.inner_text()
        slug = page.locator("[data-pk-slug]").inner_text()
        assert slug.startswith("online-")
        screenshot(page, "propose-done")
        stored = json.dumps([i for i in stack.scan() if slug in json.dumps(i)], ensure_ascii=False)
        assert "ซ่อมหลังคาศาลาประชาคมหมู่ 2" in stored and "under_review" in stored
        assert other_hosts(page) == set()


def test_a_whole_area_proposal_is_sent_with_the_village_left_at_its_first_choice(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    """"ทั้งท้องถิ่น (ทุกหมู่บ้าน)" is an answer, not a missing one; a cost beyond any budget is refused."""
    with phone_page(browser) as page:
        page.goto(stack.url(f"{MUNI}/{PROPOSE}/propose/"))
        assert page.locator("#pk-f-village").input_value() == ""
        assert page.locator("#pk-f-village option:checked").inner_text().startswith("ทั้งท้องถิ่น")
        type_thai(page.locator("#pk-f-title"), "รถรับส่งผู้ป่วยฟอกไตทั้งตำบล")
        page.select_option("#pk-f-category", "health")
        type_thai(page.locator("#pk-f-summary"), "ผู้ป่วยฟอกไตทุกหมู่บ้านไปโรงพยาบาลสัปดาห์ละสามวัน")
        type_thai(page.locator("#pk-f-description"), "จ้างเหมารถทั้งปี")
        type_thai(page.locator("#pk-f-cost"), "99999999999999999999999")
        assert "ไม่เกิน 100,000,000,000 บาท" in page.locator("#pk-f-cost-err").inner_text()
        type_thai(page.locator("#pk-f-cost"), "240000")
        type_thai(page.locator("#pk-f-author"), "ชมรม อสม.")
        page.locator("button[type=submit]").click()
        assert page.locator("#pk-f-village-err").inner_text() == ""
        page.locator("[data-pk-done]").wait_for(timeout=15000)
        slug = page.locator("[data-pk-slug]").inner_text()
        screenshot(page, "propose-whole-area-done")
    stored = [i for i in stack.scan() if slug in json.dumps(i) and "รถรับส่งผู้ป่วยฟอกไตทั้งตำบล" in json.dumps(i, ensure_ascii=False)]
    assert stored and all("N" not in i.get("village", {}) for i in stored)


def test_comment_reply_and_report(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        page.goto(stack.url(f"{MUNI}/pb-2570/proposals/library/"))
        status = page.locator("[data-pk-list-status]")
        status.wait_for()
        page.wait_for_function("document.querySelector('[data-pk-list-status]').textContent.length > 0")
        assert "ยังไม่มีความคิดเห็น" in status.inner_text()
        page.locator("[data-pk-comment-form] button[type=submit]").click()
        assert page.locator("#pk-c-text-err").inner_text() == "กรุณากรอกช่องนี้"
        type_thai(page.locator("#pk-c-text"), "เห็นด้วยค่ะ <b>เด็ก ๆ</b> จะได้มีที่อ่านหนังสือ")
        type_thai(page.locator("#pk-c-author"), "ป้าศรี")
        page.locator("[data-pk-comment-form] button[type=submit]").click()
        first = page.locator(".pk-comment").first
        first.wait_for(timeout=15000)
        assert "<b>เด็ก ๆ</b>" in first.locator(".pk-comment__text").inner_text()  # shown as text, not HTML
        assert first.locator("b").count() == 0
        first.get_by_role("button", name="ตอบกลับ").click()
        assert page.evaluate("document.activeElement.id") == "pk-c-text"
        assert "ป้าศรี" in page.locator("[data-pk-replying]").inner_text()
        type_thai(page.locator("#pk-c-text"), "ขอบคุณครับ")
        page.locator("[data-pk-comment-form] button[type=submit]").click()
        reply = page.locator(".pk-replies .pk-comment")
        reply.wait_for(timeout=15000)
        assert "ขอบคุณครับ" in reply.inner_text()
        reply.get_by_role("button", name="แจ้งว่าไม่เหมาะสม").click()
        page.locator(".pk-replies .pk-reported").wait_for(timeout=15000)
        assert "ขอบคุณที่แจ้ง" in page.locator(".pk-replies .pk-reported").inner_text()
        screenshot(page, "proposal-comments")
        assert axe_violations(page) == [] and small_text(page) == [] and small_targets(page) == []
        assert other_hosts(page) == set()


def test_share_links_are_plain_line_urls(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        page.goto(stack.url(f"{MUNI}/pb-2570/proposals/library/"))
        href = page.locator(".pk-share a").get_attribute("href")
        assert href.startswith("https://social-plugins.line.me/lineit/share?url=")
        assert "thot-sop%2Fpb-2570%2Fproposals%2Flibrary%2F" in href
        page.goto(stack.url(f"{MUNI}/pb-2570/vote/"))
        assert "pb-2570%2Fvote%2F" in page.locator(".pk-share a").get_attribute("href")
        assert not any("line.me" in u for u in page.requests)  # a link, never a loaded script
