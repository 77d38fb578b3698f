"""A large municipality (tests/large_city.py: a เทศบาลนคร, 40 communities, 2,000 proposals on the
ballot), measured in Debian's chromium on a phone viewport, the site served gzipped on 127.0.0.1:

1. first-visit weight of every page type: every file the page loads until the network is idle,
   gzipped as served (woff2 as they are), fonts included; target ≤ 120 KB each;
2. search: time from typing a phrase into the site search to its results on screen, the first query
   after the page loaded (cold: the index files come over the network) and the next ones (warm), and
   the bytes a query fetches; against a baseline built in the same run: the same proposals as plain
   pages with Material's own search over the index this kit used to ship (every page's text,
   segmented with pythainlp, fetched on every page view and indexed by lunr in the browser).
   Target: a phrase answers in under 100 ms.

    .venv/bin/python tests/bench/city.py [--proposals 2000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

from journey import COMPRESSIBLE, gzip_server  # noqa: E402

from site_generator.serve import start_static_server  # noqa: E402
from tests.conftest import CHROMIUM_ARGS, PHONE  # noqa: E402
from tests.large_city import MUNI, PAGES, PROCESS, build_large_city  # noqa: E402

PHRASES = ["ฟอกไต", "ผักตบชวา", "เห็ดนางฟ้า", "ทอดกฐิน", "รอยเชื่อมรั่ว", "หลังวัด", "ลูกรัง", "ขายวัว",
           "ลายตีนจก", "ที่นอนลม", "ปุ๋ยยูเรีย", "รำไม้พลอง", "ใต้ถุนบ้าน", "อ่านป้ายทะเบียน", "เปลือกผลไม้"]
TIMED_QUERY = """async ([phrase, timeout]) => {
  const box = document.querySelector('input.md-search__input');
  const meta = document.querySelector('.md-search-result__meta');
  const list = document.querySelector('.md-search-result__list');
  const before = meta.textContent + '|' + list.innerHTML;
  const start = performance.now();
  box.value = phrase;
  box.dispatchEvent(new KeyboardEvent('keyup', {bubbles: true}));
  while (meta.textContent + '|' + list.innerHTML === before) {
    if (performance.now() - start > timeout) return -1;
    await new Promise(r => setTimeout(r, 2));
  }
  return performance.now() - start;
}"""


def served_size(site_dir: Path, url: str) -> int:
    path = urlparse(url).path.lstrip("/")
    file = site_dir / path
    if file.is_dir() or not path or path.endswith("/"):
        file = file / "index.html"
    if not file.is_file():
        file = site_dir / path.split("/", 1)[0] / "404.html"
    data = file.read_bytes()
    return len(gzip.compress(data, 6)) if file.suffix in COMPRESSIBLE else len(data)


def first_visit(browser: Any, base: str, site_dir: Path, path: str) -> tuple[int, dict[str, int]]:
    context = browser.new_context(**PHONE, locale="th-TH")
    page = context.new_page()
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    context.close()
    sizes = {urlparse(u).path: served_size(site_dir, u) for u in dict.fromkeys(urls) if u.startswith(base)}
    return sum(sizes.values()), sizes


def timed_queries(browser: Any, base: str, path: str, site_dir: Path) -> tuple[list[float], list[float], list[int]]:
    """(cold times, warm times, bytes fetched per query) over PHRASES, in ms."""
    cold, warm, fetched = [], [], []
    for i, phrase in enumerate(PHRASES):
        context = browser.new_context(**PHONE, locale="th-TH")
        page = context.new_page()
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        page.locator("label.md-header__button[for='__search']").click()
        urls: list[str] = []
        page.on("request", lambda r, urls=urls: urls.append(r.url))
        cold.append(page.evaluate(TIMED_QUERY, [phrase, 60000]))
        page.wait_for_load_state("networkidle")
        fetched.append(sum(served_size(site_dir, u) for u in dict.fromkeys(urls)))
        other = PHRASES[(i + 5) % len(PHRASES)]
        warm.append(page.evaluate(TIMED_QUERY, [other, 60000]))
        context.close()
    return cold, warm, fetched


def baseline_site(root: Path, content: Path) -> Path:
    """The same proposals as plain MkDocs-Material pages with Material's search and the index this kit
    used to ship: every page's text segmented with pythainlp (zero-width spaces), lunr's trimmer off."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from pythainlp.tokenize import word_tokenize

    from prachakhom.content import load_content

    docs = root / "baseline" / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text("# หน้าแรก\n", encoding="utf-8")
    pdoc = load_content(content).municipalities[MUNI].processes[PROCESS]
    for slug, d in pdoc.proposals.items():
        (docs / f"{slug}.md").write_text(f"# {d.proposal.title}\n\n{d.proposal.summary}\n\n{d.body}\n", encoding="utf-8")
    config = root / "baseline" / "mkdocs.yml"
    config.write_text(
        "site_name: baseline\nsite_url: http://localhost/\ntheme:\n  name: material\n  language: th\n  font: false\n"
        "plugins:\n  - search:\n      lang: [en]\n      separator: '[\\s\\u200b\\-]+'\n      pipeline: []\n"
        "nav:\n  - index.md\n", encoding="utf-8")
    build(load_config(str(config)))
    index_path = root / "baseline" / "site" / "search" / "search_index.json"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    for doc in index["docs"]:
        for field in ("title", "text"):
            doc[field] = "\u200b".join(w for w in word_tokenize(doc[field], engine="newmm", keep_whitespace=False) if w)
    index_path.write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
    return root / "baseline" / "site"


def ms(values: list[float]) -> str:
    found = [v for v in values if v >= 0]
    return f"median {statistics.median(found):7.1f} ms  max {max(found):7.1f} ms" if found else "no answer"


def main() -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        site_dir = build_large_city(root, args.proposals)
        print(f"built {args.proposals:,} proposals in {time.perf_counter() - start:.1f} s")
        baseline_dir = baseline_site(root, root / "content")
        # weights: both sites served gzipped; search timing: plain files (no compression on this
        # machine's CPU in the measured time), the same server for both
        ours, theirs = gzip_server(site_dir), gzip_server(baseline_dir)
        base = f"http://127.0.0.1:{ours.server_address[1]}/"
        other = f"http://127.0.0.1:{theirs.server_address[1]}/"
        ours_plain, theirs_plain = start_static_server(site_dir, "127.0.0.1", 0), start_static_server(baseline_dir, "127.0.0.1", 0)
        plain = f"http://127.0.0.1:{ours_plain.server_address[1]}/"
        other_plain = f"http://127.0.0.1:{theirs_plain.server_address[1]}/"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            print(f"## First visit at {args.proposals:,} proposals, gzipped, fonts included (target ≤ 120 KB)")
            for name, path in PAGES.items():
                total, sizes = first_visit(browser, base, site_dir, path)
                top = ", ".join(f"{Path(k).name or k} {v / 1024:.1f}" for k, v in
                                sorted(sizes.items(), key=lambda kv: -kv[1])[:4])
                print(f"  {name:30s} {total / 1024:6.1f} KB  ({top}, …)")
            total, sizes = first_visit(browser, other, baseline_dir, "p01234/")
            index = sum(v for k, v in sizes.items() if "search" in k)
            print(f"  {'baseline: a proposal page':30s} {total / 1024:6.1f} KB  (Material's search worker"
                  f" and index: {index / 1024:.1f} KB)")
            print(f"## Search: typing a phrase → results on screen ({len(PHRASES)} phrases, target < 100 ms)")
            cold, warm, fetched = timed_queries(browser, plain, f"{MUNI}/{PROCESS}/", site_dir)
            b_cold, b_warm, b_fetched = timed_queries(browser, other_plain, "", baseline_dir)
            print(f"  ours      first query {ms(cold)}   next query {ms(warm)}   fetched per first query"
                  f" median {statistics.median(fetched) / 1024:.1f} KB")
            print(f"  baseline  first query {ms(b_cold)}   next query {ms(b_warm)}   fetched per first query"
                  f" median {statistics.median(b_fetched) / 1024:.1f} KB (its index came with the page)")
            ratio = statistics.median(b_warm) / statistics.median(warm)
            print(f"  next query: baseline / ours = {ratio:.1f}×")
            browser.close()
        for server in (ours, theirs, ours_plain, theirs_plain):
            server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
