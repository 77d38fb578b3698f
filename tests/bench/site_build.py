"""Benchmark: our site build vs a bare `mkdocs build` of the same number of pages, and page weight.

    python tests/bench/site_build.py [--sizes 50 500 2000]

For each size it generates one synthetic municipality with that many proposals and, in the same
run, a bare MkDocs-Material site of as many plain Markdown pages (same theme, search plugin and a
one-entry nav, so neither pays for MkDocs' everything-in-the-nav default). It prints both build
times and their ratio (target ≤ 1.5× at 2,000), then the gzipped weight of a proposal page's first
load: HTML, CSS, JS, fonts and the search worker (target ≤ 120 KB), with the search index
(fetched in the background by the search worker) reported beside it.
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from prachakhom.content import load_content  # noqa: E402
from site_generator.build import build_site  # noqa: E402

TODAY = date(2026, 11, 23)
WORDS = ["ซ่อมถนนลูกรังสายบ้านนาที่เป็นหลุมเป็นบ่อในฤดูฝน", "รถจักรยานยนต์ของนักเรียนล้มบ่อยครั้ง", "ชาวบ้านขอให้เทศบาลลงหินคลุกและบดอัดให้แน่น", "พร้อมทำรางระบายน้ำสองข้างทาง", "ไฟส่องสว่างทางข้ามหน้าโรงเรียนไม่เพียงพอ", "ผู้สูงอายุเดินไปวัดตอนเช้ามืดลำบาก"]
CATEGORIES = ["roads", "water", "lighting", "environment", "health", "education", "livelihood", "culture", "safety"]


def synthetic_content(root: Path, proposals: int) -> Path:
    content = root / "content"
    shutil.copytree(REPO / "content" / "templates", content / "templates")
    mdir = content / "municipalities" / "bench-town"
    villages = [{"number": n, "name": f"บ้านทดสอบ{n}"} for n in range(1, 11)]
    (mdir / "processes" / "pb-2570" / "proposals").mkdir(parents=True)
    (mdir / "municipality.yaml").write_text(
        yaml.safe_dump(
            {"name": "เทศบาลตำบลทดสอบความเร็ว", "type": "เทศบาลตำบล", "dla_code": "5999999",
             "province": "ลำปาง", "district": "เมืองลำปาง", "villages": villages, "demo": True},
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    phases = [("preparation", 1, 10), ("proposals", 11, 20), ("review", 21, 25), ("voting", 26, 30)]
    dates = [{"key": k, "start": date(2026, 11, a), "end": date(2026, 11, b)} for k, a, b in phases]
    dates += [
        {"key": "results", "start": date(2026, 12, 1), "end": date(2026, 12, 31)},
        {"key": "implementation", "start": date(2027, 1, 1), "end": date(2027, 9, 30)},
    ]
    process = {
        "title": "งบประมาณแบบมีส่วนร่วม ปี 2570", "template": "pb-tambon", "template_version": 1,
        "summary": "ทดสอบความเร็ว", "fiscal_year": 2570, "phases": dates,
        "budget": {"total": 10_000_000, "villages": {n: 500_000 for n in range(1, 11)}, "municipality_wide": 5_000_000},
    }
    (mdir / "processes" / "pb-2570" / "process.yaml").write_text(
        yaml.safe_dump(process, allow_unicode=True), encoding="utf-8"
    )
    for i in range(proposals):
        meta = {
            "title": f"{WORDS[i % len(WORDS)]} {WORDS[(i * 7) % len(WORDS)]} ที่ {i}",
            "summary": " ".join(WORDS[(i + k) % len(WORDS)] for k in range(6)),
            "category": CATEGORIES[i % len(CATEGORIES)], "village": 1 + i % 10, "cost": 10_000 + 1_000 * i,
            "author": f"ผู้เสนอ {i}", "submitted_on": date(2026, 11, 12), "status": "published",
        }
        body = "\n\n".join(" ".join(WORDS[(i + k) % len(WORDS)] for k in range(p, p + 12)) for p in range(3))
        front = yaml.safe_dump(meta, allow_unicode=True)
        (mdir / "processes" / "pb-2570" / "proposals" / f"p{i:05d}.md").write_text(
            f"---\n{front}---\n{body}\n", encoding="utf-8"
        )
    return content


def bare_site(root: Path, pages: int) -> Path:
    docs = root / "bare" / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text("# หน้าแรก\n", encoding="utf-8")
    for i in range(pages):
        text = "\n\n".join(" ".join(WORDS[(i + k) % len(WORDS)] for k in range(p, p + 12)) for p in range(3))
        (docs / f"p{i:05d}.md").write_text(f"# ข้อเสนอ {i}\n\n{text}\n", encoding="utf-8")
    config = root / "bare" / "mkdocs.yml"
    config.write_text(
        "site_name: bare\nsite_url: http://localhost/\ntheme:\n  name: material\n  language: th\n  font: false\n"
        "plugins: [search]\nnav:\n  - index.md\n",
        encoding="utf-8",
    )
    return config


def time_ours(root: Path, proposals: int) -> float:
    """Content loading included; the font subsets come from the build cache, as in every rebuild."""
    folder = synthetic_content(root, proposals)
    start = time.perf_counter()
    content = load_content(folder)
    build_site(content, "bench-town", root / "out", REPO / "build" / ".work-bench", None, "http://localhost/", False, TODAY)
    return time.perf_counter() - start


def time_bare(root: Path, pages: int) -> float:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config_path = bare_site(root, pages)
    start = time.perf_counter()
    build(load_config(str(config_path)))
    return time.perf_counter() - start


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def first_load_weight(site: Path, page: Path) -> tuple[dict[str, int], int]:
    """Gzipped bytes of everything a first visit of `page` loads (our search worker and Material's
    empty index included), and the whole split search index beside it (fetched piecemeal, by queries)."""
    html = page.read_text(encoding="utf-8")
    weights = {"html": gz(page)}
    refs = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    refs += re.findall(r'<script[^>]+src="([^"]+)"', html)
    for ref in refs:
        target = (page.parent / ref.split("?")[0]).resolve()
        if target.is_file():
            weights[target.name] = gz(target)
            if target.suffix == ".css":
                for font in re.findall(r'url\("?([^")]+\.woff2)"?\)', target.read_text(encoding="utf-8")):
                    weights[Path(font).name] = gz(target.parent / font)
    for fetched in (site / "assets" / "pk-search-worker.js", site / "search" / "search_index.json"):
        weights[fetched.name] = gz(fetched)
    return weights, sum(gz(f) for f in (site / "search").glob("*.json"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 500, 2000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:  # warm-up: imports and the font cache, for both sides
        time_ours(Path(tmp) / "ours", 5)
        time_bare(Path(tmp), 5)
    print(f"{'pages':>6} {'ours (s)':>10} {'bare mkdocs (s)':>16} {'ratio':>7}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            ours = time_ours(root / "ours", size)
            bare = time_bare(root, size)
            print(f"{size:>6} {ours:>10.2f} {bare:>16.2f} {ours / bare:>6.2f}×", flush=True)
            if size == args.sizes[-1]:
                site = root / "ours" / "out" / "bench-town"
                weights, index = first_load_weight(site, next((site / "pb-2570" / "proposals").glob("p*/index.html")))
    print("\nproposal page, first load, gzipped:")
    for name, size in weights.items():
        print(f"  {name:<40} {size / 1024:>7.1f} KB")
    print(f"  {'total (target ≤ 120 KB)':<40} {sum(weights.values()) / 1024:>7.1f} KB")
    print(f"  {'split search index, all files (by queries)':<40} {index / 1024:>7.1f} KB")


if __name__ == "__main__":
    main()
