"""The voting journey on a phone, in Debian's chromium, against the local stack (moto + chalice local):
process page → pick projects → review → submit → receipt → check the receipt; the ballot is stored.
Once per ballot type (approval, budget, points); the budget bar refuses going over the pot."""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_helpers import (
    MUNI,
    Stack,
    axe_violations,
    birth_date_be,
    journey_content,
    national_id,
    other_hosts,
    phone_page,
    running_stack,
    screenshot,
    small_targets,
    small_text,
    tap,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
RECEIPTS = "pb-receipts"
"""A copy of pb-2570 whose vote the receipt test closes (the other tests keep theirs open)."""
VOTE_PAGE = re.compile(r"/vote/(\?.*)?$")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("journey-vote")
    content = journey_content(root)
    processes = content / "municipalities" / MUNI / "processes"
    shutil.copytree(processes / "pb-2570", processes / RECEIPTS)
    with running_stack(content, root / "state") as running:
        yield running


def stored_ballot(stack: Stack, receipt: str) -> dict:
    for item in stack.scan():
        if receipt in json.dumps(item):
            return item
    raise AssertionError(f"no stored item carries receipt {receipt}")


def vote(page, stack: Stack, process: str, voter: int, pick, link: str = "") -> str:  # type: ignore[no-untyped-def]
    """The whole journey from the link (`link`: its query, e.g. `?village=1`); `pick(page)` chooses
    projects. Returns the receipt code."""
    page.goto(stack.url(f"{MUNI}/{process}/{link}"))
    tap(page, ".pk-hero .pk-action")  # the big button
    page.wait_for_url(VOTE_PAGE)
    pick(page)
    tap(page, "[data-pk-next]")
    review = page.locator("[data-pk-step=review]")
    review.wait_for()
    assert page.evaluate("document.activeElement.textContent").startswith("ขั้นที่ 2")
    tap(page, "#pk-nid")
    page.keyboard.type(national_id(voter))
    page.keyboard.press("Enter")  # the keyboard's "next" key moves to the birth date (no tap)
    assert page.evaluate("document.activeElement.id") == "pk-birth"
    page.keyboard.type(birth_date_be())
    tap(page, "[data-pk-submit]")
    code = page.locator("[data-pk-receipt]")
    code.wait_for(timeout=20000)
    page.locator("[data-pk-step=done]").wait_for()
    return code.inner_text().strip()


def check_receipt(page, code: str) -> None:  # type: ignore[no-untyped-def]
    tap(page, "[data-pk-receipt-link]")
    page.wait_for_url("**/receipt/?code=*")
    status = page.locator("[data-pk-status] .pk-ok")
    status.wait_for(timeout=15000)
    assert code in status.inner_text()


def test_approval_ballot_from_process_page_to_checked_receipt(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        def pick(page) -> None:  # type: ignore[no-untyped-def]
            tap(page, "label.pk-choice:has(input[value=village-1])")
            tap(page, "label[for='village-1--road-north']")
            tap(page, "label[for='municipality--library']")
            screenshot(page, "vote-approval-choose")

        code = vote(page, stack, "pb-2570", 1, pick)
        assert page.taps == 7  # big button, village, 2 projects, next, ID field, send
        screenshot(page, "vote-approval-done")
        assert axe_violations(page) == [] and small_text(page) == [] and small_targets(page) == []
        item = stored_ballot(stack, code)
        stored = json.dumps(item)
        assert "road-north" in stored and "library" in stored
        assert national_id(1) not in stored  # only a keyed hash of the ID is kept
        check_receipt(page, code)
        screenshot(page, "receipt-checked")
        assert other_hosts(page) == set()


def test_approval_ballot_refuses_more_than_the_maximum(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        page.goto(stack.url(f"{MUNI}/pb-2570/vote/"))
        page.locator("label.pk-choice:has(input[value=village-1])").click()
        for slug in ("road-north", "lights-soi-3", "bins", "exercise-yard"):
            page.locator(f"label[for='village-1--{slug}']").click()
        assert page.locator("[data-pk-pot=village-1] input:checked, .pk-pot[data-pot=village-1] input:checked").count() == 3
        assert "ไม่เกิน 3 โครงการ" in page.locator("[data-pk-error]").inner_text()


def test_budget_ballot_bar_refuses_going_over_the_pot(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        page.goto(stack.url(f"{MUNI}/pb-budget/vote/"))
        page.locator("label.pk-choice:has(input[value=village-1])").click()
        pot = page.locator(".pk-pot[data-pot=village-1]")
        page.locator("label[for='village-1--bins']").click()  # 20,000 of 150,000
        page.locator("[data-pk-next]").click()  # below the 50% minimum share
        assert "อย่างน้อย 50%" in page.locator("[data-pk-error]").inner_text()
        page.locator("label[for='village-1--road-north']").click()  # 140,000: 10,000 left
        page.locator("label[for='village-1--exercise-yard']").click()  # 90,000: refused
        assert not page.locator("#village-1--exercise-yard").is_checked()
        assert "เกินงบประมาณ" in page.locator("[data-pk-error]").inner_text()
        assert "เหลือ 10,000 บาท" in pot.locator("[data-pk-left]").inner_text()
        fill = pot.locator("[data-pk-fill]").evaluate("e => e.getBoundingClientRect().width / e.parentNode.getBoundingClientRect().width")
        assert 0.9 < fill <= 1.0
        screenshot(page, "vote-budget-bar")
        assert axe_violations(page) == []


def test_budget_ballot_journey(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        def pick(page) -> None:  # type: ignore[no-untyped-def]
            tap(page, "label[for='municipality--ambulance']")  # 150,000 of 200,000

        code = vote(page, stack, "pb-budget", 2, pick)
        assert page.taps <= 6
        assert "ambulance" in json.dumps(stored_ballot(stack, code))
        check_receipt(page, code)


def test_points_ballot_journey(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        def pick(page) -> None:  # type: ignore[no-untyped-def]
            plus = page.locator("li:has(#municipality--library) [data-step='1']")
            for _ in range(6):  # the 6th is refused: at most 5 points per project
                plus.click()
            assert page.locator("#municipality--library").input_value() == "5"
            page.locator("li:has(#municipality--cctv) [data-step='1']").click()
            page.locator("#municipality--cctv").fill("9")
            page.locator("#municipality--cctv").dispatch_event("change")
            assert page.locator("#municipality--cctv").input_value() == "5"  # capped to 10 in all
            page.locator("li:has(#municipality--cctv) [data-step='-1']").click()
            assert "เหลือ 1 คะแนน" in page.locator(".pk-pot[data-pot=municipality] [data-pk-left]").inner_text()
            screenshot(page, "vote-points")
            assert small_targets(page) == []

        code = vote(page, stack, "pb-points", 3, pick)
        stored = json.dumps(stored_ballot(stack, code))
        assert "library" in stored and "cctv" in stored
        check_receipt(page, code)


def test_second_ballot_offers_to_replace_the_first(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        code = vote(page, stack, "pb-budget", 4, lambda p: p.locator("label[for='municipality--ambulance']").click())
        page.goto(stack.url(f"{MUNI}/pb-budget/vote/"))
        page.locator("label[for='municipality--library']").click()
        page.locator("label[for='municipality--cctv']").click()
        page.locator("[data-pk-next]").click()
        page.locator("#pk-nid").fill(national_id(4))
        page.locator("#pk-birth").fill(birth_date_be())
        page.locator("[data-pk-submit]").click()
        change = page.locator("[data-pk-change]")
        change.wait_for(timeout=15000)
        said = page.locator("[data-pk-status]").inner_text().strip()
        assert code in said and "(PUT)" not in said and "ส่งบัตรใหม่แทนบัตรเดิม" in said
        # the action the voter needs now is the primary one; the plain send is gone
        assert page.locator("[data-pk-submit]").is_hidden()
        assert "md-button--primary" in (change.get_attribute("class") or "")
        screenshot(page, "vote-already-voted")
        assert axe_violations(page) == [] and small_targets(page) == []
        change.click()
        page.locator("[data-pk-step=done]").wait_for(timeout=15000)
        assert page.locator("[data-pk-receipt]").inner_text().strip() == code
        current = stored_ballot(stack, code)["choices"]["M"]["municipality"]["M"]
        assert sorted(current) == ["cctv", "library"]  # the new choices replaced the first ones


def test_wrong_national_id_is_explained_next_to_the_field(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    with phone_page(browser) as page:
        page.goto(stack.url(f"{MUNI}/pb-2570/vote/"))
        page.locator("label[for='municipality--cctv']").click()
        page.locator("[data-pk-next]").click()
        page.locator("#pk-nid").fill("1234567890123")
        page.locator("#pk-birth").fill("31/2/2504")
        page.locator("[data-pk-submit]").click()
        assert "13 หลัก" in page.locator("#pk-nid-err").inner_text()
        assert page.locator("#pk-nid").get_attribute("aria-invalid") == "true"
        assert "วัน/เดือน/ปี" in page.locator("#pk-birth-err").inner_text()
        assert page.evaluate("document.activeElement.id") == "pk-nid"
        screenshot(page, "vote-review-errors")
        assert axe_violations(page) == [] and small_text(page) == [] and small_targets(page) == []


def test_ballot_page_reads_without_javascript(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(stack.url(f"{MUNI}/pb-budget/vote/"))
    text = page.locator("article").inner_text()
    assert "ซ่อมถนนลูกรังสายบ้านเหนือ" in text and "120,000 บาท" in text
    assert "ต้องเปิดการใช้งาน JavaScript" in text
    context.close()


def test_village_link_journey_takes_six_taps_and_the_village_is_remembered(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    """LINE messages and posters go out per village: `?village=1` preselects the village pot."""
    with phone_page(browser) as page:
        def pick(page) -> None:  # type: ignore[no-untyped-def]
            assert page.url.endswith("/vote/?village=1")  # carried by the big button
            assert page.locator("input[name=village][value=village-1]").is_checked()
            assert page.locator(".pk-pot[data-pot=village-2]").is_hidden()
            tap(page, "label[for='village-1--road-north']")
            tap(page, "label[for='municipality--library']")

        code = vote(page, stack, "pb-2570", 5, pick, link="?village=1")
        assert page.taps == 6  # big button, village project, whole-area project, next, ID field, send
        stored = json.dumps(stored_ballot(stack, code))
        assert "road-north" in stored and "library" in stored

        page.goto(stack.url(f"{MUNI}/pb-2570/"))  # a later visit, without the village in the link
        assert page.locator(".pk-hero .pk-action").get_attribute("href") == "vote/?village=1"
        page.goto(stack.url(f"{MUNI}/pb-2570/vote/"))
        assert page.locator("input[name=village][value=village-1]").is_checked()
        page.locator("label.pk-choice:has(input[value=village-2])").click()  # always changeable
        assert page.locator(".pk-pot[data-pot=village-2]").is_visible()
        assert page.locator(".pk-pot[data-pot=village-1]").is_hidden()
        page.goto(stack.url(f"{MUNI}/pb-2570/vote/"))
        assert page.locator("input[name=village][value=village-2]").is_checked()  # the new choice is kept
        assert small_targets(page) == [] and axe_violations(page) == []


def api_call(stack: Stack, method: str, path: str, body: dict[str, Any], token: str = "") -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    request = urllib.request.Request(stack.api + path, json.dumps(body).encode(), headers, method=method)
    with urllib.request.urlopen(request, timeout=120) as r:
        return json.loads(r.read())


def receipt_says(page, stack: Stack, code: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    page.goto(stack.url(f"{MUNI}/{RECEIPTS}/receipt/?code={code}"))
    said = page.locator("[data-pk-status] .pk-receipt-status")
    said.wait_for(timeout=15000)
    return said.get_attribute("data-status"), said.inner_text()


def test_receipt_page_shows_pending_counted_and_not_counted(browser, stack: Stack) -> None:  # type: ignore[no-untyped-def]
    from prachakhom.commands.demo import _functions_on_path, environment

    _functions_on_path()
    from chalicelib.bodies import BallotIn
    from chalicelib.context import Settings, build_service

    ballot = f"/api/municipalities/{MUNI}/processes/{RECEIPTS}/ballot"
    body = {"national_id": national_id(60), "birth_date": "1960-04-15", "choices": {"municipality": ["library"]}}
    early = api_call(stack, "POST", ballot, body)["receipt"]
    # a second API container on the same table whose cached phase still says "voting" when the vote closes
    stale = build_service(Settings.from_env({**environment(stack.config), "PRACHAKHOM_REBUILD": "off"}))
    stale.gate.phase_ttl = 3600.0
    stale.ballots.cast(MUNI, RECEIPTS, BallotIn.model_validate({**body, "national_id": national_id(61)}), "k61")
    with phone_page(browser) as page:
        assert receipt_says(page, stack, early) == ("pending", "บัตรของท่านถูกบันทึกแล้ว จะนับคะแนนเมื่อปิดลงคะแนน")
        closed = api_call(stack, "POST", f"/api/staff/municipalities/{MUNI}/processes/{RECEIPTS}/phase",
                          {"expected_phase": "voting"}, token=f"demo-{MUNI}")
        assert closed["phase"] == "results"
        time.sleep(0.01)
        late, _ = stale.ballots.cast(MUNI, RECEIPTS, BallotIn.model_validate({**body, "national_id": national_id(62)}),
                                    "k62")
        status, text = receipt_says(page, stack, early)
        assert status == "counted" and text == "บัตรของท่านถูกนับในผลการลงคะแนนแล้ว"
        status, text = receipt_says(page, stack, late.receipt)
        assert status == "not_counted" and "หลังเวลาปิดลงคะแนน" in text and "ไม่ถูกนับ" in text
        assert "จะนับคะแนนเมื่อปิดลงคะแนน" not in page.locator("[data-pk-status]").inner_text()
        screenshot(page, "receipt-not-counted")
        assert axe_violations(page) == [] and small_text(page) == []
