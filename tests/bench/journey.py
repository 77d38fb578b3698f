"""The resident's journey, measured (figures for the README).

    .venv/bin/python tests/bench/journey.py            # needs chromium and `npm ci --prefix tests/js`

Against the local stack running the demo content (moto + chalice local + the sites, on 127.0.0.1):

1. taps and time from opening the LINE link (the process page) to the receipt on the screen, scripted
   in Debian's chromium on a phone viewport, for the two-pot journey (village + whole area) with the
   village in the link (`?village=3`, as LINE groups and posters per village send it) and without; once unthrottled and once over an emulated weak mobile
   connection (1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip);
2. first-visit weight of the process page and the ballot page, every file gzipped (as served),
   fonts included;
3. Lighthouse (mobile, its default simulated throttling) performance and accessibility for every page
   type, with the sites served gzipped by a small static server on 127.0.0.1.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from prachakhom.commands.demo import StackConfig, run  # noqa: E402
from site_generator.serve import SiteHandler  # noqa: E402
from tests.api_fixtures import free_port  # noqa: E402
from tests.browser_helpers import _Out, birth_date_be, national_id  # noqa: E402
from tests.conftest import CHROMIUM_ARGS, CONTENT, PHONE  # noqa: E402

MUNI, PROCESS = "non-kha-hom", "pb-2570"
WEAK = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 // 8, "uploadThroughput": 750_000 // 8}
SEARCH_DATA = re.compile(r"search_index\.json|pk-search-worker")
"""The site search's worker and Material's (empty) index, fetched with the page; the index's own files
(`search/s-*.json`, `d-*.json`) come only with a query."""
COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".csv", ".pb")
PAGE_TYPES = {
    "national index": "",
    "municipality home": f"{MUNI}/",
    "process": f"{MUNI}/{PROCESS}/",
    "proposals": f"{MUNI}/{PROCESS}/proposals/",
    "proposal": f"{MUNI}/{PROCESS}/proposals/ambulance-ban-don-han/",
    "ballot": f"{MUNI}/{PROCESS}/vote/",
    "receipt check": f"{MUNI}/{PROCESS}/receipt/",
    "proposal form": "huai-dok-ueang/pb-2570/propose/",
    "results": "tha-lamphu/pb-2569/results/",
    "project": "tha-lamphu/pb-2569/projects/bus-shelter-khuan-yang/",
}


class GzipHandler(SiteHandler):
    """Static files, gzipped when the client accepts it (as S3 + CloudFront would serve them)."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the stdlib redirects to the trailing slash
            path = path / "index.html"
        if not (path.is_file() and path.suffix in COMPRESSIBLE and "gzip" in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600")
        self.end_headers()
        return io.BytesIO(body)


def gzip_server(directory: Path) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(GzipHandler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def journey(browser, site: str, voter: int, weak: bool, link_village: bool) -> tuple[int, float, str]:  # type: ignore[no-untyped-def]
    """The scripted two-pot journey (a project in the voter's village, หมู่ที่ 3, and one in the whole
    area): returns (taps, seconds, receipt code). LINE messages and posters go out per village, so the
    realistic link carries `?village=3` and the ballot page opens with the village chosen; without it
    the voter picks the village first (one tap more)."""
    context = browser.new_context(**PHONE, locale="th-TH")
    page = context.new_page()
    if weak:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", WEAK)
    taps = 0

    def tap(selector: str) -> None:
        nonlocal taps
        page.locator(selector).first.click()
        taps += 1

    start = time.perf_counter()
    page.goto(f"{site}{MUNI}/{PROCESS}/" + ("?village=3" if link_village else ""))  # the LINE link
    tap(".pk-hero .pk-action")
    page.wait_for_url(re.compile(r"/vote/(\?.*)?$"))
    if not link_village:
        tap("label.pk-choice:has(input[value=village-3])")
    tap("label[for^='village-3--']")
    tap("label[for^='municipality--']")  # one project in the municipality-wide pot
    tap("[data-pk-next]")
    tap("#pk-nid")
    page.keyboard.type(national_id(voter))
    page.keyboard.press("Enter")  # keyboard "next": to the birth date
    page.keyboard.type(birth_date_be())
    tap("[data-pk-submit]")
    page.locator("[data-pk-step=done] [data-pk-receipt]").wait_for(timeout=60000)
    seconds = time.perf_counter() - start
    code = page.locator("[data-pk-receipt]").inner_text().strip()
    context.close()
    return taps, seconds, code


def first_visit_weight(browser, site: str, path: str, site_dir: Path) -> tuple[int, dict[str, int]]:  # type: ignore[no-untyped-def]
    """Bytes of every same-site file a first visit loads, each gzipped (woff2/png as they are)."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.goto(site + path)
    page.wait_for_load_state("networkidle")
    context.close()
    sizes: dict[str, int] = {}
    for url in dict.fromkeys(urls):
        parsed = urlparse(url)
        if not url.startswith(site):
            sizes[url] = 0  # API calls: none on these pages' first load
            continue
        file = site_dir / parsed.path.lstrip("/")
        if file.is_dir() or parsed.path.endswith("/"):
            file = file / "index.html"
        data = file.read_bytes()
        sizes[parsed.path] = len(gzip.compress(data, 6)) if file.suffix in COMPRESSIBLE else len(data)
    return sum(sizes.values()), sizes


def lighthouse(url: str) -> dict[str, float]:
    env = {**os.environ, "CHROME_PATH": "/usr/bin/chromium"}
    flags = "--headless=new " + " ".join(CHROMIUM_ARGS)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        subprocess.run(
            ["npx", "--prefix", str(ROOT / "tests" / "js"), "--no-install", "lighthouse", url,
             f"--chrome-flags={flags}", "--only-categories=performance,accessibility", "--form-factor=mobile",
             "--output=json", f"--output-path={out}", "--quiet"],
            check=True, env=env, cwd=ROOT, timeout=180)
        report = json.loads(out.read_text(encoding="utf-8"))
    cats = report["categories"]
    audits = report["audits"]
    return {"performance": round(cats["performance"]["score"] * 100), "accessibility": round(cats["accessibility"]["score"] * 100),
            "lcp_s": round(audits["largest-contentful-paint"]["numericValue"] / 1000, 2),
            "tbt_ms": round(audits["total-blocking-time"]["numericValue"])}


def main() -> int:
    from playwright.sync_api import sync_playwright

    state = Path(tempfile.mkdtemp(prefix="pk-bench-"))
    config = StackConfig(state, CONTENT, "127.0.0.1", free_port(), free_port(), free_port())
    stop, out = threading.Event(), _Out()
    thread = threading.Thread(target=run, args=(config, stop, out), daemon=True)
    thread.start()
    if not out.started.wait(180):
        print(out.getvalue(), file=sys.stderr)
        return 1
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            print("## Journey: LINE link (process page) → receipt on screen")
            print("   two pots: a project in the village (หมู่ที่ 3) and one in the whole area")
            runs = [(False, True), (True, True), (False, False), (True, False)] * 2
            for i, (weak, village) in enumerate(runs):
                taps, seconds, code = journey(browser, config.site_url, 900 + i, weak, village)
                label = ("weak mobile (1.6 Mbit/s, 150 ms)" if weak else "unthrottled") + (
                    ", link with ?village=3" if village else ", link without the village")
                print(f"  {label:62s} taps {taps}  time {seconds:5.2f} s  receipt {code}")
            print("## First visit, gzipped, fonts included")
            for name in ("process", "ballot"):
                total, sizes = first_visit_weight(browser, config.site_url, PAGE_TYPES[name], config.site_dir)
                search = sum(v for k, v in sizes.items() if SEARCH_DATA.search(k))
                parts = ", ".join(f"{Path(k).name or k} {v / 1024:.1f}" for k, v in sorted(sizes.items(), key=lambda kv: -kv[1]))
                print(f"  {name:8s} page {(total - search) / 1024:6.1f} KB; with the search worker and its setup"
                      f" {total / 1024:6.1f} KB  ({parts})")
            browser.close()
        server = gzip_server(config.site_dir)
        site = f"http://127.0.0.1:{server.server_address[1]}/"
        print("## Lighthouse (mobile, simulated throttling), served gzipped")
        for name, path in PAGE_TYPES.items():
            scores = lighthouse(site + path)
            print(f"  {name:18s} performance {scores['performance']:3d}  accessibility {scores['accessibility']:3d}"
                  f"  LCP {scores['lcp_s']:.2f} s  TBT {scores['tbt_ms']} ms")
        server.shutdown()
    finally:
        stop.set()
        thread.join(60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
