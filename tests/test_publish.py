"""Publishing into the site bucket (chalicelib.publish) against moto's S3 and CloudFront: only changed
files are uploaded, never source maps, with the distribution's Cache-Control and the right Content-Type;
removed files are deleted; only the changed pages are invalidated, in one batch, none when nothing
changed."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.api_fixtures import MUNI, moto_endpoint, write_content

REGION = "ap-southeast-1"


@pytest.fixture()
def s3() -> Any:
    return boto3.client("s3", endpoint_url=moto_endpoint(), region_name=REGION)


@pytest.fixture()
def bucket(s3: Any) -> str:
    name = f"sites-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


@pytest.fixture()
def cloudfront() -> tuple[Any, str]:
    """moto's CloudFront and a distribution in it."""
    cf = boto3.client("cloudfront", endpoint_url=moto_endpoint(), region_name="us-east-1")
    made = cf.create_distribution(DistributionConfig={
        "CallerReference": uuid.uuid4().hex, "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "site", "DomainName": "b.s3.amazonaws.com",
                                               "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}})
    return cf, made["Distribution"]["Id"]


def invalidations(cf: Any, distribution: str) -> list[list[str]]:
    listed = cf.list_invalidations(DistributionId=distribution)["InvalidationList"].get("Items", [])
    return [sorted(cf.get_invalidation(DistributionId=distribution, Id=i["Id"])["Invalidation"]
                   ["InvalidationBatch"]["Paths"]["Items"]) for i in listed]


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return root


SITE = {
    "index.html": "<h1>หน้าแรก</h1>",
    "pb/index.html": "<h1>โครงการ</h1>",
    "pb/proposals/a/index.html": "<p>a</p>",
    "pb/proposals/b/index.html": "<p>b</p>",
    "pb/vote/options/municipality-1.json": '{"options": []}',
    "search/search_index.json": "{}",
    "assets/stylesheets/main.8608ea7d.min.css": "body{}",
    "assets/stylesheets/main.8608ea7d.min.css.map": "{}" * 500,
    "assets/prachakhom.css": ".pk{}",
    "assets/fonts/sarabun.woff2": b"\x00woff2",
    "pb/results/data/municipality.pb": "META\nkey;value\n",
}


def keys(s3: Any, bucket: str, prefix: str = "") -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def test_headers_follow_the_distribution_behaviours():
    from chalicelib.publish import ASSET_CACHE, IMMUTABLE_CACHE, PAGE_CACHE, cache_control, content_type

    assert cache_control("ban/assets/javascripts/bundle.a5f9d56c.min.js") == IMMUTABLE_CACHE
    assert cache_control("assets/stylesheets/palette.fb2fffe2.min.css") == IMMUTABLE_CACHE
    assert cache_control("ban/assets/pk-vote.js") == ASSET_CACHE  # no hash in the name: may change
    assert cache_control("ban/pb/index.html") == PAGE_CACHE
    assert cache_control("ban/pb/vote/options/x-1.json") == PAGE_CACHE
    assert cache_control("ban/assetsx/a.0123456789.js") == PAGE_CACHE  # only an assets/ folder is an asset
    assert "immutable" in IMMUTABLE_CACHE and "max-age=31536000" in IMMUTABLE_CACHE
    assert "max-age=60" in PAGE_CACHE  # the page cache policy's default TTL
    assert content_type("a/index.html") == "text/html; charset=utf-8"
    assert content_type("x.js") == "text/javascript; charset=utf-8"
    assert content_type("x.json") == "application/json; charset=utf-8"
    assert content_type("x.svg") == "image/svg+xml; charset=utf-8"
    assert content_type("f.woff2") == "font/woff2"
    assert content_type("d/municipality.pb") == "text/plain; charset=utf-8"
    assert content_type("sitemap.xml.gz") == "application/gzip"


def test_second_publish_of_an_unchanged_site_uploads_nothing_and_invalidates_nothing(tmp_path, s3, bucket, cloudfront):
    from chalicelib.publish import IMMUTABLE_CACHE, PAGE_CACHE, publish_folder

    cf, distribution = cloudfront
    site = write_site(tmp_path / "site", SITE)
    first = publish_folder(s3, bucket, site, MUNI, cloudfront=cf, distribution_id=distribution)
    published = {f"{MUNI}/{k}" for k in SITE if not k.endswith(".map")}
    assert set(first.uploaded) == published and first.files == len(published)
    assert keys(s3, bucket, f"{MUNI}/") == published  # the source map never went up
    assert first.invalidated == [] and invalidations(cf, distribution) == []  # new files: nothing was cached
    page = s3.head_object(Bucket=bucket, Key=f"{MUNI}/pb/index.html")
    assert page["CacheControl"] == PAGE_CACHE and page["ContentType"] == "text/html; charset=utf-8"
    css = s3.head_object(Bucket=bucket, Key=f"{MUNI}/assets/stylesheets/main.8608ea7d.min.css")
    assert css["CacheControl"] == IMMUTABLE_CACHE and css["ContentType"] == "text/css; charset=utf-8"
    body = s3.get_object(Bucket=bucket, Key=f"{MUNI}/index.html")["Body"].read()
    assert body == SITE["index.html"].encode()

    again = publish_folder(s3, bucket, site, MUNI, cloudfront=cf, distribution_id=distribution)
    assert again.uploaded == [] and again.deleted == [] and again.bytes_uploaded == 0
    assert again.invalidated == [] and invalidations(cf, distribution) == []


def test_only_changed_files_go_up_removed_ones_are_deleted_and_changed_pages_invalidated(tmp_path, s3, bucket, cloudfront):
    from chalicelib.publish import publish_folder

    cf, distribution = cloudfront
    site = write_site(tmp_path / "site", SITE)
    publish_folder(s3, bucket, site, MUNI, cloudfront=cf, distribution_id=distribution)
    write_site(site, {"pb/proposals/a/index.html": "<p>a, แก้ไขแล้ว</p>", "assets/prachakhom.css": ".pk{color:red}",
                      "pb/proposals/c/index.html": "<p>c</p>",
                      "assets/stylesheets/main.1234abcd.min.css": "body{margin:0}"})
    (site / "pb/proposals/b/index.html").unlink()
    (site / "assets/stylesheets/main.8608ea7d.min.css").unlink()

    report = publish_folder(s3, bucket, site, MUNI, cloudfront=cf, distribution_id=distribution)
    m = f"{MUNI}/"
    assert set(report.uploaded) == {m + "pb/proposals/a/index.html", m + "assets/prachakhom.css",
                                    m + "pb/proposals/c/index.html", m + "assets/stylesheets/main.1234abcd.min.css"}
    assert report.deleted == [m + "assets/stylesheets/main.8608ea7d.min.css", m + "pb/proposals/b/index.html"]
    assert report.bytes_uploaded == sum(len(p.read_bytes()) for p in (
        site / "pb/proposals/a/index.html", site / "assets/prachakhom.css", site / "pb/proposals/c/index.html",
        site / "assets/stylesheets/main.1234abcd.min.css"))
    # what a viewer may hold: the changed page, the changed unversioned asset, the removed page — one batch
    expected = sorted([f"/{m}pb/proposals/a/index.html", f"/{m}assets/prachakhom.css", f"/{m}pb/proposals/b/index.html"])
    assert report.invalidated == expected
    assert invalidations(cf, distribution) == [expected]
    assert f"{m}pb/proposals/b/index.html" not in keys(s3, bucket, m)


def test_headers_of_an_older_publish_are_corrected_and_its_source_maps_removed(tmp_path, s3, bucket):
    """What the old publish left (every file, maps too, no Cache-Control): the same bytes are uploaded
    once more with their headers, the map is deleted; the next publish uploads nothing."""
    from chalicelib.publish import PAGE_CACHE, publish_folder

    site = write_site(tmp_path / "site", SITE)
    for rel, data in SITE.items():
        s3.put_object(Bucket=bucket, Key=f"{MUNI}/{rel}", Body=data.encode() if isinstance(data, str) else data,
                      ContentType="text/html")
    report = publish_folder(s3, bucket, site, MUNI)
    assert len(report.uploaded) == len(SITE) - 1
    assert report.deleted == [f"{MUNI}/assets/stylesheets/main.8608ea7d.min.css.map"]
    assert s3.head_object(Bucket=bucket, Key=f"{MUNI}/index.html")["CacheControl"] == PAGE_CACHE
    assert publish_folder(s3, bucket, site, MUNI).uploaded == []


def test_a_file_changed_in_the_bucket_behind_the_manifest_is_put_back(tmp_path, s3, bucket):
    from chalicelib.publish import publish_folder

    site = write_site(tmp_path / "site", SITE)
    publish_folder(s3, bucket, site, MUNI)
    s3.put_object(Bucket=bucket, Key=f"{MUNI}/pb/index.html", Body=b"tampered")
    report = publish_folder(s3, bucket, site, MUNI)
    assert report.uploaded == [f"{MUNI}/pb/index.html"]
    assert s3.get_object(Bucket=bucket, Key=f"{MUNI}/pb/index.html")["Body"].read() == SITE["pb/index.html"].encode()


def test_many_changed_pages_are_one_wildcard(tmp_path, s3, bucket, cloudfront):
    from chalicelib.publish import MAX_EXACT_PATHS, publish_folder

    cf, distribution = cloudfront
    pages = {f"pb/proposals/p{i}/index.html": f"<p>{i}</p>" for i in range(MAX_EXACT_PATHS + 1)}
    site = write_site(tmp_path / "site", pages)
    publish_folder(s3, bucket, site, MUNI, cloudfront=cf, distribution_id=distribution)
    write_site(site, {k: v + "!" for k, v in pages.items()})
    report = publish_folder(s3, bucket, site, MUNI, cloudfront=cf, distribution_id=distribution)
    assert len(report.uploaded) == MAX_EXACT_PATHS + 1
    assert report.invalidated == [f"/{MUNI}/*"] and invalidations(cf, distribution) == [[f"/{MUNI}/*"]]


def test_the_national_unit_never_touches_a_municipality(tmp_path, s3, bucket):
    from chalicelib.publish import publish_folder

    site = write_site(tmp_path / "site", {"index.html": "national", "assets/a.css": "x", f"{MUNI}/index.html": "m",
                                          "search/search_index.json": "{}"})
    s3.put_object(Bucket=bucket, Key="other-town/index.html", Body=b"built by its own rebuild")
    s3.put_object(Bucket=bucket, Key="search/old.json", Body=b"gone from the build")
    report = publish_folder(s3, bucket, site, "", only=["index.html", "assets", "search"])
    assert set(report.uploaded) == {"index.html", "assets/a.css", "search/search_index.json"}
    assert report.deleted == ["search/old.json"]
    assert {"other-town/index.html"} <= keys(s3, bucket) and f"{MUNI}/index.html" not in keys(s3, bucket)


def _build(content: Path, out: Path) -> Path:
    from site_generator.build import build_all

    shutil.rmtree(out, ignore_errors=True)
    return build_all(content_dir=content, output_dir=out, only=MUNI, site_url="https://sites.example.go.th/",
                     progress=False, today=date(2026, 2, 1))[0]


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".map")}


@pytest.mark.slow
def test_one_changed_proposal_uploads_and_invalidates_only_the_pages_it_shows_on(tmp_path, s3, bucket, cloudfront):
    """A real site: after one proposal's text changes, exactly the files whose bytes changed go up (its
    page and the pages listing it, never an asset, never another proposal's page: the build is
    deterministic), and exactly the changed pages are invalidated."""
    from chalicelib.publish import publish_folder

    cf, distribution = cloudfront
    content = write_content(tmp_path)
    site = _build(content, tmp_path / "out" / "site")
    first = publish_folder(s3, bucket, site, MUNI, cloudfront=cf, distribution_id=distribution)
    assert first.files > 40 and not any(k.endswith(".map") for k in first.uploaded)
    before = _digests(site)

    proposal = content / "municipalities" / MUNI / "processes" / "pb-2570" / "proposals" / "park-all.md"
    proposal.write_text(proposal.read_text(encoding="utf-8").replace("รายละเอียด", "รายละเอียดใหม่"), encoding="utf-8")
    site = _build(content, tmp_path / "out" / "site")
    after = _digests(site)
    differ = {f"{MUNI}/{k}" for k in after if before.get(k) != after[k]}
    report = publish_folder(s3, bucket, site, MUNI, cloudfront=cf, distribution_id=distribution)
    assert set(report.uploaded) == differ and report.deleted == []
    assert f"{MUNI}/pb-2570/proposals/park-all/index.html" in differ
    assert not any("/assets/" in k for k in differ)
    assert not any("/proposals/" in k and "park-all" not in k and k.endswith("/index.html")
                   and k.count("/") > 3 for k in differ)
    assert len(differ) < first.files / 4
    assert report.invalidated == sorted(f"/{k}" for k in differ)
    assert invalidations(cf, distribution) == [report.invalidated]
