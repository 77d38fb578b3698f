"""The national index split by province and refreshed one municipality at a time: a municipality's
build reads no one else's content and rewrites only its province's page and the front page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from prachakhom.commands.cli import main
from site_generator.build import build_all
from site_generator.national import province_of
from tests.conftest import TODAY, ContentFactory, municipality_data, process_data, write_yaml


def add_municipality(factory: ContentFactory, slug: str, province: str, name: str, code: str) -> None:
    folder = factory.root / "municipalities" / slug
    write_yaml(folder / "municipality.yaml", {**municipality_data(), "name": name, "dla_code": code,
                                              "province": province, "district": "เมือง"})
    process = {**process_data(), "budget": {"total": 300000, "villages": {1: 100000, 2: 100000},
                                            "municipality_wide": 100000}}
    write_yaml(folder / "processes" / "pb-2570" / "process.yaml", process)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[ContentFactory, Path]:
    factory = ContentFactory(tmp_path_factory.mktemp("national"))  # thot-sop, ลำปาง
    add_municipality(factory, "ban-nuea", "เชียงใหม่", "เทศบาลตำบลบ้านเหนือ", "5100001")
    add_municipality(factory, "ban-tai", "เชียงใหม่", "อบต.<b>บ้านใต้</b>", "5100002")
    out = factory.root.parent / "site"
    build_all(factory.root, out, today=TODAY, progress=False)
    return factory, out


def page(out: Path, province: str) -> str:
    return (out / "provinces" / province_of(province).slug / "index.html").read_text(encoding="utf-8")


def test_front_page_lists_provinces_and_province_pages_their_municipalities(built) -> None:  # type: ignore[no-untyped-def]
    _, out = built
    front = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="provinces/chiang-mai/"' in front and 'href="provinces/lampang/"' in front
    assert re.search(r"จังหวัดเชียงใหม่</strong> <span class=\"pk-meta\">2 ท้องถิ่น · เปิดอยู่ 2 กระบวนการ", front)
    chiang_mai = page(out, "เชียงใหม่")
    assert 'href="../../ban-nuea/"' in chiang_mai and 'href="../../ban-tai/pb-2570/"' in chiang_mai
    assert "thot-sop" not in chiang_mai and "เหลืออีก" in chiang_mai and "อำเภอเมือง" in chiang_mai
    assert "<b>บ้านใต้</b>" not in chiang_mai and "&lt;b&gt;บ้านใต้&lt;/b&gt;" in chiang_mai  # escaped


def test_one_municipality_build_reads_only_it_and_rewrites_only_its_province(built) -> None:  # type: ignore[no-untyped-def]
    factory, out = built
    lampang = out / "provinces" / "lampang" / "index.html"
    before = lampang.stat().st_mtime_ns
    search = {p: p.read_bytes() for p in (out / "search").rglob("*") if p.is_file()}  # the whole build's
    (factory.root / "municipalities" / "thot-sop" / "municipality.yaml").write_text("name: [broken\n")
    process = factory.root / "municipalities" / "ban-nuea" / "processes" / "pb-2570" / "process.yaml"
    process.write_text(process.read_text(encoding="utf-8").replace("งบประมาณแบบมีส่วนร่วม ปี 2570",
                                                                    "งบประมาณปีใหม่"), encoding="utf-8")
    code = main(["build", "--content", str(factory.root), "--output", str(out), "--municipality", "ban-nuea",
                 "--today", TODAY.isoformat()])
    assert code == 0  # thot-sop is broken, but not read
    assert "งบประมาณปีใหม่" in page(out, "เชียงใหม่") and "อบต." in page(out, "เชียงใหม่")
    assert lampang.stat().st_mtime_ns == before
    # the national search index is the whole build's, untouched (this build would have described one
    # province); no sitemap either
    assert search and {p: p.read_bytes() for p in (out / "search").rglob("*") if p.is_file()} == search
    assert not (out / "sitemap.xml").exists()


def test_a_municipality_that_moves_province_leaves_its_old_page(tmp_path: Path) -> None:
    factory = ContentFactory(tmp_path)
    add_municipality(factory, "ban-nuea", "เชียงใหม่", "เทศบาลตำบลบ้านเหนือ", "5100001")
    out = tmp_path / "site"
    build_all(factory.root, out, today=TODAY, progress=False)
    factory.update_yaml(factory.root / "municipalities" / "ban-nuea" / "municipality.yaml",
                        lambda d: d.update(province="น่าน"))
    build_all(factory.root, out, only="ban-nuea", today=TODAY, progress=False)
    assert "ban-nuea" not in page(out, "เชียงใหม่") and "ban-nuea" in page(out, "น่าน")
    front = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="provinces/nan/"' in front and 'href="provinces/chiang-mai/"' not in front
    (factory.root / "municipalities" / "ban-nuea" / "municipality.yaml").unlink()
    for path in sorted((factory.root / "municipalities" / "ban-nuea").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (factory.root / "municipalities" / "ban-nuea").rmdir()
    build_all(factory.root, out, today=TODAY, progress=False)  # a whole build forgets who is gone
    assert 'href="provinces/nan/"' not in (out / "index.html").read_text(encoding="utf-8")
    assert "ban-nuea" not in page(out, "น่าน")


def test_province_names_map_to_stable_ascii_pages() -> None:
    assert province_of("เชียงใหม่").slug == "chiang-mai" and province_of("จังหวัดน่าน").slug == "nan"
    assert province_of("กรุงเทพมหานคร").slug == "bangkok"
    assert province_of("เมืองสมมุติ").slug == "เมืองสมมุติ"  # not a province: a readable Thai page name


def test_the_rebuild_refreshes_the_index_in_the_site_bucket(tmp_path: Path) -> None:
    """On AWS the rebuild function has one municipality's content (from the catalog) and the bucket:
    it writes that municipality's summary, its province's page and the front page there."""
    import uuid

    import boto3

    from prachakhom.content import load_content
    from site_generator.build import rebuild_municipality
    from tests.api_fixtures import moto_endpoint  # isort: skip
    from chalicelib.storage.site_bucket import BucketShelf

    factory = ContentFactory(tmp_path)
    add_municipality(factory, "ban-nuea", "เชียงใหม่", "เทศบาลตำบลบ้านเหนือ", "5100001")
    content = load_content(factory.root)
    s3 = boto3.client("s3", endpoint_url=moto_endpoint(), region_name="ap-southeast-1")
    bucket = f"site-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
    shelf = BucketShelf(s3, bucket)
    rebuild_municipality(content.municipalities["thot-sop"], tmp_path / "a", shelf, None, "https://x.invalid/",
                         TODAY)
    lampang = s3.head_object(Bucket=bucket, Key="provinces/lampang/index.html")
    assert lampang["ContentType"] == "text/html; charset=utf-8"
    rebuild_municipality(content.municipalities["ban-nuea"], tmp_path / "b", shelf, None, "https://x.invalid/",
                         TODAY)
    front = shelf.read("index.html").decode("utf-8")  # type: ignore[union-attr]
    assert 'href="provinces/lampang/"' in front and 'href="provinces/chiang-mai/"' in front
    assert 'href="../../ban-nuea/"' in shelf.read("provinces/chiang-mai/index.html").decode("utf-8")  # type: ignore[union-attr]
    assert s3.head_object(Bucket=bucket, Key="provinces/lampang/index.html")["ETag"] == lampang["ETag"]
    assert shelf.list("_index/summaries/") == ["_index/summaries/chiang-mai/ban-nuea.json",
                                               "_index/summaries/lampang/thot-sop.json"]
    assert not shelf.list("thot-sop/")  # the municipality's own site is synced by the rebuild, not here
