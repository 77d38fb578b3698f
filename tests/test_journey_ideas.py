"""Idea consultations on the demo stack (moto + chalice local + the sites, demo content), in Debian's
chromium on a phone: supporting an idea (once per resident, the wrong-ID message), and comments that
stay readable with JavaScript off (a static copy refreshed when the municipality is rebuilt)."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_helpers import (
    Stack,
    axe_violations,
    birth_date_be,
    national_id,
    other_hosts,
    phone_page,
    running_stack,
    screenshot,
    small_targets,
    small_text,
    tap,
)
from tests.conftest import CONTENT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MUNI, IDEAS = "huai-dok-ueang", "waste-ideas-2570"
PAGES = f"{MUNI}/{IDEAS}/"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(CONTENT, tmp_path_factory.mktemp("journey-ideas") / "state") as running:
        yield running


def api(stack: Stack, method: str, path: str, body: dict[str, Any] | None = None,
        token: str | None = None) -> tuple[int, dict[str, Any]]:
    # the same request → the same key (a replay); the API takes keys of letters, digits and marks only
    key = "test-" + hashlib.sha256(f"{method} {path} {json.dumps(body)}".encode()).hexdigest()
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(stack.api + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def resident_path(rest: str) -> str:
    return f"/api/municipalities/{MUNI}/processes/{IDEAS}{rest}"


def fill_identity(form: Any, nid: str) -> None:
    form.locator("[name=national_id]").fill(nid)
    form.locator("[name=birth_date]").fill(birth_date_be())


def test_support_an_idea_once_from_its_page_and_the_list(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    slug = "leaf-compost-instead-of-burning"
    before = api(stack, "GET", resident_path(f"/proposals/{slug}"))[1]["proposal"]["support_count"]
    with phone_page(browser) as page:
        page.goto(stack.url(PAGES + f"proposals/{slug}/"))
        tap(page, "[data-pk-support-open]")
        form = page.locator("[data-pk-support-form]")
        assert page.evaluate("document.activeElement.name") == "national_id"
        fill_identity(form, "1234567890123")
        tap(page, "[data-pk-support-form] [type=submit]")
        error = form.locator("[data-pk-err=national_id]")
        assert "เลขประจำตัวประชาชนไม่ถูกต้อง" in error.inner_text() and "13 หลัก" in error.inner_text()
        assert form.locator("[name=national_id]").get_attribute("aria-invalid") == "true"
        screenshot(page, "support-wrong-id")
        assert axe_violations(page) == [] and small_text(page) == [] and small_targets(page) == []
        fill_identity(form, national_id(501))
        tap(page, "[data-pk-support-form] [type=submit]")
        done = page.locator("[data-pk-support-done]")
        done.wait_for(timeout=15000)
        assert "ขอบคุณ" in done.inner_text() and f"{before + 1} คน" in done.inner_text()
        assert page.locator(f"dd[data-pk-support-count='{slug}']").inner_text() == f"{before + 1} คน"
        assert page.taps == 3  # the button, send with a wrong ID, send again
        screenshot(page, "support-done")
        assert axe_violations(page) == [] and small_targets(page) == []
        assert other_hosts(page) == set()

    with phone_page(browser) as page:  # the same resident again, from the list: not counted twice
        page.goto(stack.url(PAGES + "proposals/"))
        card = page.locator(f"article.pk-proposal-card:has(a[href='{slug}/'])")
        card.locator("[data-pk-support-open]").click()
        fill_identity(card.locator("[data-pk-support-form]"), national_id(501))
        card.locator("[data-pk-support-form] [type=submit]").click()
        done = card.locator("[data-pk-support-done]")
        done.wait_for(timeout=15000)
        assert "เคยสนับสนุนแนวคิดนี้แล้ว" in done.inner_text() and f"{before + 1} คน" in done.inner_text()
        other = page.locator("article.pk-proposal-card:has(a[href='used-cooking-oil-collection/'])")
        other.locator("[data-pk-support-open]").click()  # asked once per page: sent at once
        other.locator("[data-pk-support-done]").wait_for(timeout=15000)
        assert "ขอบคุณ" in other.locator("[data-pk-support-done]").inner_text()
        screenshot(page, "support-list")
        assert axe_violations(page) == [] and small_text(page) == [] and small_targets(page) == []
    assert api(stack, "GET", resident_path(f"/proposals/{slug}"))[1]["proposal"]["support_count"] == before + 1


def test_a_double_tap_sends_one_support_and_thanks_a_first_time_supporter(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    slug = "food-waste-bins-every-household"
    before = api(stack, "GET", resident_path(f"/proposals/{slug}"))[1]["proposal"]["support_count"]
    with phone_page(browser) as page:
        posts: list[Any] = []
        page.on("request", lambda r: posts.append(r) if r.method == "POST" and r.url.endswith("/support") else None)
        page.goto(stack.url(PAGES + f"proposals/{slug}/"))
        page.locator("[data-pk-support-open]").click()
        fill_identity(page.locator("[data-pk-support-form]"), national_id(502))
        # a double tap: the second submit comes before the first one's answer
        page.locator("[data-pk-support-form]").evaluate("f => { f.requestSubmit(); f.requestSubmit(); }")
        done = page.locator("[data-pk-support-done]")
        done.wait_for(timeout=15000)
        page.wait_for_load_state("networkidle")
        assert len(posts) == 1, [p.url for p in posts]
        assert posts[0].headers.get("idempotency-key")
        assert "ขอบคุณ" in done.inner_text() and "เคยสนับสนุน" not in done.inner_text()
        assert f"{before + 1} คน" in done.inner_text()
    assert api(stack, "GET", resident_path(f"/proposals/{slug}"))[1]["proposal"]["support_count"] == before + 1


HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 1"> ขยะ & "ถุง"'


def test_comments_are_in_the_static_page_after_a_rebuild_and_read_without_javascript(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    slug = "monthly-recycling-bank-sala"
    comments = resident_path(f"/proposals/{slug}/comments")
    status, first = api(stack, "POST", comments, {"text": HOSTILE, "author": "ป้า<b>ศรี</b>"})
    assert status == 201, first
    cid = first["comment"]["id"]
    reply = api(stack, "POST", comments, {"text": "เห็นด้วยค่ะ จะชวนเพื่อนบ้าน", "author": "ลุงมา", "parent_id": cid})[1]
    rude = api(stack, "POST", comments, {"text": "ข้อความไม่สุภาพที่ถูกแจ้ง", "author": "นิรนาม"})[1]["comment"]["id"]
    for n in range(3):  # the template's threshold: hidden after 3 distinct reporters
        api(stack, "POST", f"{comments}/{rude}/reports", {"reporter": f"reporter-{n}-" + "x" * 16})
    # staff moderate a proposal: the municipality is rebuilt, with the comments as of now
    proposal = api(stack, "POST", resident_path("/proposals"), {
        "title": "ตั้งจุดรับขวดพลาสติกที่ศาลาหมู่บ้าน", "category": "recycling", "summary": "จุดรับขวด",
        "description": "รายละเอียด", "author": "ครูแดง"})[1]["proposal"]["slug"]
    status, moderated = api(stack, "POST", f"/api/staff/municipalities/{MUNI}/processes/{IDEAS}/proposals/"
                            f"{proposal}/moderation", {"decision": "approve"}, token=f"demo-{MUNI}")
    assert status == 200 and moderated["rebuild"] == "built"

    html = (stack.config.site_dir / MUNI / IDEAS / "proposals" / slug / "index.html").read_text(encoding="utf-8")
    assert "<script>window.pwned" not in html and "&lt;script&gt;window.pwned" in html
    assert "ข้อความไม่สุภาพที่ถูกแจ้ง" not in html  # hidden after reports: never in the static copy
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(stack.url(PAGES + f"proposals/{slug}/"))
    listed = page.locator("[data-pk-comment-list]")
    assert HOSTILE in listed.locator(f"#comment-{cid} > .pk-comment__text").inner_text()
    assert "ป้า<b>ศรี</b>" in listed.locator(f"#comment-{cid} > .pk-meta").inner_text()
    nested = listed.locator(f"#comment-{cid} ol.pk-replies #comment-{reply['comment']['id']}")
    assert "เห็นด้วยค่ะ" in nested.inner_text()
    assert "ความคิดเห็น 2 รายการ" in page.locator("[data-pk-list-status]").inner_text()
    page.goto(stack.url(PAGES + f"proposals/{proposal}/"))  # the approved proposal is published too
    assert "ตั้งจุดรับขวดพลาสติกที่ศาลาหมู่บ้าน" in page.locator("h1").inner_text()
    context.close()

    with phone_page(browser) as page:  # with JavaScript the live list replaces the copy
        page.goto(stack.url(PAGES + f"proposals/{slug}/"))
        page.locator("[data-pk-comment-list] .pk-comment__actions").first.wait_for(timeout=15000)
        assert page.locator(f"#comment-{cid}").count() == 1
        assert page.evaluate("window.pwned") is None
        assert "ถูกซ่อน" in page.locator("[data-pk-comment-list]").inner_text()
