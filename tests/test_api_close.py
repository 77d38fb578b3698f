"""A close that always finishes (issue 8): the ballot frozen during the vote, withdrawals by a stated
rule, the count checked before the phase moves, the staff preview, every countable set-up closes."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

import pytest

from tests.api_fixtures import (
    BASE,
    MUNI,
    PB,
    SECRET,
    STAFF_BASE,
    api_for,
    assert_error_shape,
    ballot_body,
    make_repository,
    make_service,
    national_id,
    write_content,
)

GREEDY = "  tally: {method: greedy}"
POOL = "pool-all"


def store_online_project(api, slug: str = POOL, status: str = "feasible", cost: int = 100_000) -> None:
    """An online proposal staff found feasible before the vote (stored as the API stores it)."""
    from chalicelib.storage.records import Feasibility, ProposalRecord

    services = api.service
    place = services.gate.place(MUNI, PB)
    services.gate.state(place)  # the phase stored, as a first request does
    record = ProposalRecord(MUNI, PB, slug, "สระว่ายน้ำชุมชน", "สรุป", "", "roads", None, cost, "ชาวบ้าน",
                            datetime(2026, 1, 20, tzinfo=UTC), "published")
    services.repository.add_proposal(record, None)
    if status == "feasible":
        services.repository.set_proposal_status(MUNI, PB, slug, {"published"}, "feasible",
                                                Feasibility(True, "ทำได้", None))


def phase_of(api) -> str:
    return api.service.repository.get_state(MUNI, PB).phase


def close(api, key: str = "close"):
    return api.staff(STAFF_BASE + "/phase", {"expected_phase": "voting"}, key=key)


@pytest.fixture(params=["memory", "dynamodb"])
def api(request, tmp_path):
    service = make_service(write_content(tmp_path, "voting", overrides=GREEDY), make_repository(request.param))
    with api_for(service) as a:
        yield a


def test_ballot_changing_decisions_refused_during_the_vote(api):
    store_online_project(api)
    for decision in ("infeasible", "feasible"):
        status, data = api.staff(f"{STAFF_BASE}/proposals/{POOL}/moderation",
                                 {"decision": decision, "answer": "ตรวจใหม่", "revised_cost": 1})
        assert status == 409
        assert_error_shape(data, "ballot_frozen")
        assert "ถอนโครงการ" in data["errors"][0]["msg"]
    assert api.service.repository.get_proposal(MUNI, PB, POOL).status == "feasible"


def test_withdrawal_outside_the_vote_refused(tmp_path):
    service = make_service(write_content(tmp_path, "review", overrides=GREEDY), make_repository("memory"))
    with api_for(service) as api:
        store_online_project(api)
        status, data = api.staff(f"{STAFF_BASE}/proposals/{POOL}/withdrawal", {"reason": "ขัดกฎหมายผังเมือง"})
        assert status == 409
        assert_error_shape(data, "withdraw_not_voting")


def test_failed_close_leaves_the_phase_and_a_retry_closes(api):
    """A stored ballot the count cannot take (a project the ballot does not know): the close is refused
    with the reason and nothing moves; once staff void it, the same request closes."""
    from chalicelib.storage.records import BallotRecord

    from prachakhom.ballot import receipt_code
    from prachakhom.identity import keyed_hash, voter_key

    assert api.post(BASE + "/ballot", ballot_body(1), key="a")[0] == 201
    key = voter_key(SECRET, MUNI, PB, national_id(7))
    api.service.repository.cast_ballot(BallotRecord(
        MUNI, PB, keyed_hash(SECRET, "ballot", key), {"municipality": {"ghost-all": 1}}, receipt_code(SECRET, key),
        datetime.now(UTC)))
    status, data = close(api)
    assert status == 409
    assert_error_shape(data, "close_failed")
    assert "ghost-all" in data["errors"][0]["msg"]
    assert phase_of(api) == "voting" and api.service.repository.get_state(MUNI, PB).vote_closed_at is None
    status, data = api.staff(STAFF_BASE + "/outcome", method="GET")
    assert status == 409
    assert_error_shape(data, "count_failed")
    assert api.staff(STAFF_BASE + "/ballots/void", {"national_id": national_id(7), "reason": "บัตรเสียจากระบบเดิม"})[0] == 200
    status, data = close(api)
    assert status == 200 and data["replay"] is False and phase_of(api) == "results"
    assert close(api)[1]["replay"] is True


def test_staff_preview_before_and_after_the_close(api):
    for n in range(3):
        assert api.post(BASE + "/ballot", ballot_body(n, {"municipality": ["market-all"]}), key=f"k{n}")[0] == 201
    assert api.staff(STAFF_BASE + "/outcome", method="GET", token="wrong")[0] == 401
    status, data = api.staff(STAFF_BASE + "/outcome", method="GET")
    assert status == 200 and data["published"] is False and data["phase"] == "voting"
    pots = {p["pot"]: p for p in data["pots"]}
    assert pots["municipality"]["ballots"] == 3 and pots["municipality"]["winners"] == ["market-all"]
    assert pots["village-1"]["winners"] == []  # nobody voted there: nothing funded
    assert close(api)[0] == 200
    status, after = api.staff(STAFF_BASE + "/outcome", method="GET")
    assert status == 200 and after["phase"] == "results" and after["pots"] == data["pots"]


@pytest.mark.browser
def test_withdrawn_project_votes_ignored_other_choices_counted_and_the_page_says_so(tmp_path, browser):
    site, data_dir = tmp_path / "site", tmp_path / "data"
    service = make_service(write_content(tmp_path, "voting", overrides=GREEDY), make_repository("dynamodb"),
                           rebuild="local", site_dir=site, data_dir=data_dir)
    with api_for(service) as api:
        store_online_project(api)
        for n in range(4):  # the pool would win; market is these voters' second choice
            assert api.post(BASE + "/ballot", ballot_body(n, {"municipality": [POOL, "market-all"]}), key=f"a{n}")[0] == 201
        for n in range(4, 7):
            assert api.post(BASE + "/ballot", ballot_body(n, {"municipality": ["park-all"]}), key=f"b{n}")[0] == 201
        status, data = api.staff(f"{STAFF_BASE}/proposals/{POOL}/withdrawal", {"reason": "พื้นที่ขัดกฎหมายผังเมือง"})
        assert status == 200 and data["proposal"]["status"] == "withdrawn"
        # a voter may still send the withdrawn project: refused, it is off the ballot
        status, _ = api.post(BASE + "/ballot", ballot_body(20, {"municipality": [POOL]}), key="late")
        assert status == 422
        status, result = close(api)
        assert status == 200 and result["rebuild"] == "built"
    pb = (data_dir / MUNI / PB / "ballots" / "municipality.pb").read_text(encoding="utf-8")
    assert POOL not in pb and "num_votes;7" in pb
    html = (site / MUNI / PB / "results" / "index.html").read_text(encoding="utf-8")
    assert "โครงการที่ถอนออกระหว่างการลงคะแนน" in html and "สระว่ายน้ำชุมชน" in html
    won = set(re.findall(r'<tr[^>]* class="pk-won">\s*<td[^>]*><a href="\.\./proposals/([^/]+)/"', html))
    assert "market-all" in won and POOL not in won  # the withdrawn pool's voters still elected the market
    results_page_in_chromium(browser, site)
    from chalicelib.storage.audit import DynamoAuditLog

    repo = service.repository
    [entry] = [e for e in DynamoAuditLog(repo.client, repo.table).export(MUNI) if e.action == "proposal.withdraw"]
    assert entry.after == {"status": "withdrawn", "reason": "พื้นที่ขัดกฎหมายผังเมือง"}


def results_page_in_chromium(browser, site) -> None:  # type: ignore[no-untyped-def]
    """The results page with its withdrawal note, on a phone: axe-clean, text and targets large enough."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from tests.browser_helpers import axe_violations, phone_page, screenshot, small_targets, small_text

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with phone_page(browser) as page:
            page.goto(f"http://127.0.0.1:{server.server_port}/{MUNI}/{PB}/results/")
            note = page.locator(".pk-notice")
            assert note.is_visible() and "ไม่ถูกนับ" in note.inner_text()
            note.scroll_into_view_if_needed()
            screenshot(page, "results-withdrawn-project")
            assert axe_violations(page) == [] and small_text(page) == [] and small_targets(page) == []
    finally:
        server.shutdown()


def _countable() -> list[tuple[str, str, str]]:
    from prachakhom.counting import TALLY_METHODS, UTILITIES, count_refusal

    return [(k, m, u) for k, m, u in itertools.product(("approval", "budget", "points"), TALLY_METHODS, UTILITIES)
            if count_refusal(k, m, u) is None]


BALLOT_YAML = {
    "approval": "{kind: approval, max_projects: 3}",
    "budget": "{kind: budget}",
    "points": "{kind: points, total_points: 5, max_points_per_project: 3}",
}


def test_the_close_succeeds_for_every_combination_validate_accepts(tmp_path):
    """Every ballot kind × method × utility the content validation accepts closes and is counted,
    with zero-vote projects and an empty village pot among them."""
    combos = _countable()
    assert len(combos) >= 10
    for i, (kind, method, utility) in enumerate(combos):
        overrides = f"  ballot: {BALLOT_YAML[kind]}\n  tally: {{method: {method}, utility: {utility}}}"
        content = write_content(tmp_path / str(i), "voting", overrides=overrides)
        with api_for(make_service(content, make_repository("memory"))) as api:
            choices = [{"village-1": ["road-village-1"], "municipality": ["market-all"]},
                       {"municipality": ["park-all", "cctv-all"]}, {"municipality": ["park-all"]}]
            for n, c in enumerate(choices):
                if kind == "points":
                    c = {pot: {s: 2 for s in slugs} for pot, slugs in c.items()}
                assert api.post(BASE + "/ballot", ballot_body(n, c), key=f"v{n}")[0] == 201, (kind, method, utility)
            status, data = close(api)
            assert status == 200, (kind, method, utility, data)
            status, preview = api.staff(STAFF_BASE + "/outcome", method="GET")
            assert status == 200, (kind, method, utility, preview)
            pots = {p["pot"]: p for p in preview["pots"]}
            assert pots["village-2"]["winners"] == []
            assert "lights-village-1" not in pots["village-1"]["winners"]  # no vote, never funded
