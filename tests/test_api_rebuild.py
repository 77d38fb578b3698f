"""Closing the vote rebuilds the municipality: snapshot, anonymised ballots per pot, pages, S3 sync."""

from __future__ import annotations

import json
import re

import pytest

from tests.api_fixtures import (
    BASE,
    STAFF_BASE,
    api_for,
    ballot_body,
    make_repository,
    make_service,
    moto_endpoint,
    national_id,
    write_content,
)

GREEDY = "  tally: {method: greedy}"
VOTES = (
    # 5 voters: road in village 1, market municipality-wide
    [{"village-1": ["road-village-1"], "municipality": ["market-all"]}] * 5
    # 6 voters: lights + well in village 1, park + cctv municipality-wide
    + [{"village-1": ["lights-village-1", "well-village-1"], "municipality": ["park-all", "cctv-all"]}] * 6
)
# greedy by votes, skipping what no longer fits:
#   village-1 (300,000): lights 6 votes 100,000 + well 6 votes 80,000; road 5 votes 250,000 no longer fits
#   municipality (400,000): park 6 150,000 + cctv 6 120,000; market 5 300,000 no longer fits
WINNERS = {"village-1": {"lights-village-1", "well-village-1"}, "municipality": {"park-all", "cctv-all"}}


@pytest.fixture
def closed(tmp_path):
    site, data = tmp_path / "site", tmp_path / "data"
    service = make_service(write_content(tmp_path, "voting", overrides=GREEDY), make_repository("dynamodb"),
                           rebuild="local", site_dir=site, data_dir=data)
    with api_for(service) as api:
        for n, choices in enumerate(VOTES):
            assert api.post(BASE + "/ballot", ballot_body(100 + n, choices), key=f"k{n}")[0] == 201
        status, result = api.staff(STAFF_BASE + "/phase", {"expected_phase": "voting"}, key="close")
        assert status == 200 and result["rebuild"] == "built"
        yield api, site, data


def test_close_writes_snapshot_and_anonymised_ballots(closed):
    api, _, data = closed
    folder = data / "ban-test" / "pb-2570"
    snapshot = json.loads((folder / "snapshot.json").read_text(encoding="utf-8"))
    assert snapshot["current_phase"] == "results" and snapshot["ballots_cast"] == 11
    assert sorted(p.name for p in (folder / "ballots").iterdir()) == ["municipality.pb", "village-1.pb",
                                                                     "village-2.pb"]
    text = (folder / "ballots" / "village-1.pb").read_text(encoding="utf-8")
    assert "num_votes;11" in text and "rule;greedy" in text
    for n in range(len(VOTES)):
        assert national_id(100 + n) not in text
    assert "num_votes;0" in (folder / "ballots" / "village-2.pb").read_text(encoding="utf-8")


def test_ballot_files_tally_to_the_right_winners(closed):
    from prachakhom.tally.greedy import tally_greedy
    from prachakhom.tally.pabulib import read_pabulib_file

    _, _, data = closed
    for pot, winners in WINNERS.items():
        election = read_pabulib_file(data / "ban-test" / "pb-2570" / "ballots" / f"{pot}.pb")
        outcome = tally_greedy(election.pot, election.profile)
        assert set(outcome.winners) == winners


def test_results_page_is_published(closed):
    _, site, _ = closed
    page = site / "ban-test" / "pb-2570" / "results" / "index.html"
    assert page.is_file() and "ผลการลงคะแนน" in page.read_text(encoding="utf-8")


def test_results_page_names_the_winners(closed):
    _, site, _ = closed
    html = (site / "ban-test" / "pb-2570" / "results" / "index.html").read_text(encoding="utf-8")
    won = set(re.findall(r'<tr[^>]* class="pk-won">\s*<td[^>]*><a href="\.\./proposals/([^/]+)/"', html))
    lost = set(re.findall(r'<tr[^>]* class="pk-lost">\s*<td[^>]*><a href="\.\./proposals/([^/]+)/"', html))
    assert won == WINNERS["village-1"] | WINNERS["municipality"]
    assert {"road-village-1", "market-all"} <= lost
    assert "งบประมาณคงเหลือไม่พอ" in html  # why the road (5 votes, 250,000) lost
    assert 'href="data/village-1.pb"' in html


def test_rebuild_function_syncs_the_bucket(tmp_path, monkeypatch):
    import boto3
    from app import app
    from chalice.test import Client
    from chalicelib import context

    s3 = boto3.client("s3", endpoint_url=moto_endpoint(), region_name="ap-southeast-1")
    bucket = f"sites-{tmp_path.name.lower().replace('_', '-')}"[:60]
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
    s3.put_object(Bucket=bucket, Key="ban-test/stale.html", Body=b"old")
    s3.put_object(Bucket=bucket, Key="other-town/index.html", Body=b"keep")
    content = write_content(tmp_path, "results", overrides=GREEDY)
    monkeypatch.setenv("PRACHAKHOM_SITE_BUCKET", bucket)
    monkeypatch.setenv("PRACHAKHOM_S3_ENDPOINT", moto_endpoint())
    monkeypatch.setenv("PRACHAKHOM_CONTENT", str(content))
    context.use(make_service(content, make_repository("memory")))
    try:
        with Client(app, stage_name="local") as client:
            response = client.lambda_.invoke("rebuild", {"municipality": "ban-test"})
    finally:
        context.use(None)
    assert response.payload["files"] > 10
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert "ban-test/pb-2570/results/index.html" in keys and "ban-test/index.html" in keys
    assert "ban-test/stale.html" not in keys and "other-town/index.html" in keys
    head = s3.head_object(Bucket=bucket, Key="ban-test/index.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    # the national index in the bucket: the municipality's summary, its province's page, the front page
    assert {"_index/summaries/chiang-mai/ban-test.json", "provinces/chiang-mai/index.html", "index.html"} <= keys
    page = s3.get_object(Bucket=bucket, Key="provinces/chiang-mai/index.html")["Body"].read().decode("utf-8")
    assert 'href="../../ban-test/"' in page
