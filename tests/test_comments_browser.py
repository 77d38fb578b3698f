"""The live comment list on a proposal page (assets/pk-comments.js), against a stand-in for the API
(Playwright answers the page's requests): it counts what residents can read, and invites a first
comment only where commenting is open."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from site_generator.build import build_all
from site_generator.serve import start_static_server
from tests.browser_helpers import phone_page, screenshot
from tests.conftest import ContentFactory, proposal_data, write_doc

pytestmark = pytest.mark.browser
API = "http://127.0.0.1:9"  # never reached: every call is answered by the test
PAGE = "thot-sop/{process}/proposals/road-north/"


def comment(n: int, hidden: bool = False) -> dict[str, Any]:
    return {"id": f"c{n:012x}", "proposal": "road-north", "parent_id": None, "hidden": hidden,
            "author": None if hidden else "ป้าศรี", "text": None if hidden else "เห็นด้วยค่ะ",
            "created_at": "2026-11-20T03:00:00+00:00"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("comments")
    factory = ContentFactory(root)
    closed = factory.process_dir.parent / "pb-closed"  # the results phase: reading only
    closed.mkdir()
    (closed / "process.yaml").write_text((factory.process_dir / "process.yaml").read_text("utf-8"), "utf-8")
    factory.update_yaml(closed / "process.yaml", lambda d: d.update(current_phase="results"))
    write_doc(closed / "proposals" / "road-north.md", proposal_data(status="selected"), "ถนนเสียหายมาก")
    build_all(factory.root, root / "site", today=date(2026, 11, 23), progress=False, api_url=API)
    server = start_static_server(root / "site", "127.0.0.1", 0)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def answer_comments(page: Any, comments: list[dict[str, Any]]) -> None:
    body = json.dumps({"ok": True, "comments": comments})
    page.route(f"{API}/**", lambda route: route.fulfill(status=200, content_type="application/json", body=body))


def live_status(page: Any) -> str:
    page.wait_for_function("!!document.querySelector('[data-pk-list-status]').textContent.trim()")
    page.wait_for_load_state("networkidle")
    return page.locator("[data-pk-list-status]").inner_text()


def test_hidden_comments_are_not_counted(browser, site: str) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        answer_comments(page, [comment(1), comment(2, hidden=True), comment(3)])
        page.goto(site + PAGE.format(process="pb-2570"))
        page.locator(".pk-comment__actions").first.wait_for()
        assert live_status(page) == "ความคิดเห็น 2 รายการ"
        assert "ถูกซ่อน" in page.locator("[data-pk-comment-list]").inner_text()


def test_a_first_comment_is_invited_only_where_commenting_is_open(browser, site: str) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        answer_comments(page, [])
        page.goto(site + PAGE.format(process="pb-2570"))
        assert live_status(page) == "ยังไม่มีความคิดเห็น เขียนเป็นคนแรกได้"
        page.goto(site + PAGE.format(process="pb-closed"))
        assert live_status(page) == "ยังไม่มีความคิดเห็น"
        assert "ตอนนี้ไม่ได้อยู่ในช่วงแสดงความคิดเห็น" in page.locator("[data-pk-comments]").inner_text()
        screenshot(page, "proposal-comments-closed")
