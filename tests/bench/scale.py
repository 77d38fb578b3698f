"""Scale benchmark: one municipality's work must cost the same with 10 or 7,850 municipalities.

    python tests/bench/scale.py [--sizes 10 100 1000 7850] [--runs 3] [--whole 1000]

For each size, synthetic content is generated into a temporary folder: copies of the three demo
municipalities with new slugs, names and DLA codes (files hard-linked, only municipality.yaml
written), spread over the 77 provinces with the largest province as large as Nakhon Ratchasima's
333 local governments at 7,850 (scaled down for smaller sizes), plus the national index's summaries
of every municipality, as a whole build would have left them. The municipality measured is a copy of
`non-kha-hom` (48 proposals) in that largest province.

Measured in fresh processes (median of `--runs`, the sizes taking turns so that the machine's load
hits them alike; time includes the interpreter and imports; memory is the process's peak RSS):

1. `prachakhom validate --municipality X`;
2. `prachakhom build --municipality X` (its site, its province's page and the front page);
3. the API's first request for X on a cold container: a fresh process imports the app, wires it
   over the content store (folder, as in tests; the DynamoDB store reads the same files from one
   query) and answers `GET /api/municipalities/X/processes/pb-2570`;
4. for reference, what one municipality used to cost: the whole-tree `prachakhom validate` (up to
   `--whole` municipalities: at 7,850 it is the 90 s the issue measured).

Ratios are against the same operation at the smallest size, measured in the same run (target at
7,850: ≤ 1.3× in time and memory). Last, the national index's weight at the largest size: the front
page and the largest province's page, gzipped, with the CSS, scripts and fonts a first visit loads
(target ≤ 120 KB each).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DEMO = ROOT / "content"
TODAY = date(2026, 11, 23)
THAILAND = 7850
LARGEST_PROVINCE = 333
"""Local governments of Nakhon Ratchasima, the province with the most."""
MEASURED_SOURCE = "non-kha-hom"
MEASURED = "bench-target"

CHILD = r"""
import contextlib, io, json, os, resource, sys, time
sys.path.insert(0, os.environ["BENCH_ROOT"])
what, args = sys.argv[1], sys.argv[2:]
if what == "cli":
    from prachakhom.commands.cli import main
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(args)
    ok = code == 0
else:
    sys.path.insert(0, os.path.join(os.environ["BENCH_ROOT"], "functions"))
    from app import app
    municipality, process = args
    path = "/api/municipalities/{municipality}/processes/{process}"
    event = {"requestContext": {"resourcePath": path, "httpMethod": "GET"}, "headers": {}, "body": None,
             "pathParameters": {"municipality": municipality, "process": process}, "queryStringParameters": None,
             "multiValueQueryStringParameters": None, "stageVariables": None, "isBase64Encoded": False}
    response = app(event, None)
    ok = response["statusCode"] == 200
print(json.dumps({"ok": ok, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


# --- synthetic content ---------------------------------------------------------------------------

def province_sizes(total: int) -> list[int]:
    """How many local governments each of the 77 provinces gets: the largest scaled from 333 at
    7,850, the rest spread evenly (every province has at least one once there are 77)."""
    largest = max(1, round(LARGEST_PROVINCE * total / THAILAND))
    rest = total - largest
    others = min(76, rest)
    sizes = [largest] + [rest // others + (1 if i < rest % others else 0) for i in range(others)] if others else [total]
    return sizes


def generate(root: Path, total: int) -> tuple[Path, list[tuple[str, str, str, str, str]]]:
    """`total` municipalities under `root/content`; the measured one is first (in the largest
    province). Also returns (slug, copied from, name, province, district) of each."""
    from pythainlp.corpus import provinces

    content = root / "content"
    shutil.copytree(DEMO / "templates", content / "templates")
    names = sorted(p["name_th"] for p in provinces(details=True))
    names.remove("นครราชสีมา")
    names.insert(0, "นครราชสีมา")
    sources = ["non-kha-hom", "huai-dok-ueang", "tha-lamphu"]
    made = []
    for province_index, size in enumerate(province_sizes(total)):
        for i in range(size):
            n = len(made)
            source = MEASURED_SOURCE if n == 0 else sources[n % 3]
            slug = MEASURED if n == 0 else f"m{n:05d}"
            name, province, district = f"เทศบาลตำบลทดสอบ {n:05d}", names[province_index], f"ทดสอบ{i // 12 + 1}"
            _copy(DEMO / "municipalities" / source, content / "municipalities" / slug, n, name, province, district)
            made.append((slug, source, name, province, district))
    return content, made


def _copy(source: Path, target: Path, n: int, name: str, province: str, district: str) -> None:
    for folder, _, files in os.walk(source):
        rel = Path(folder).relative_to(source)
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            if rel == Path(".") and name == "municipality.yaml":
                continue
            os.link(Path(folder, name), target / rel / name)
    text = (source / "municipality.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^name: .*$", f"name: {name}", text, flags=re.M)
    text = re.sub(r"^dla_code: .*$", f"dla_code: '{9000000 + n:07d}'", text, flags=re.M)
    text = re.sub(r"^province: .*$", f"province: {province}", text, flags=re.M)
    text = re.sub(r"^district: .*$", f"district: {district}", text, flags=re.M)
    (target / "municipality.yaml").write_text(text, encoding="utf-8")


def seed_index(made: list[tuple[str, str, str, str, str]], site: Path) -> None:
    """The summaries a whole build would have left for every municipality (computed once per demo
    municipality, copied with each copy's slug, name and province) and the province totals."""
    from prachakhom.content import load_content
    from site_generator.national import (
        FolderShelf,
        MunicipalitySummary,
        province_of,
        province_summaries,
        record_summary,
        record_total,
        summarize,
    )
    from site_generator.views import municipality_views

    demo = load_content(DEMO)
    base = {slug: summarize(doc, municipality_views(doc, TODAY, None)) for slug, doc in demo.municipalities.items()}
    shelf = FolderShelf(site)
    touched = {}
    for slug, source, name, province, district in made:
        record_summary(shelf, MunicipalitySummary(slug, name, base[source].type, province, district, False,
                                                  base[source].processes))
        touched[province] = province_of(province)
    for page in touched.values():
        record_total(shelf, page, province_summaries(shelf, page), TODAY)


# --- measuring -----------------------------------------------------------------------------------

def run_child(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak MiB) of one fresh process."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=1800)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"{args[:2]} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["ok"]:
        raise RuntimeError(f"{args[:2]} did not succeed:\n{out.stderr[-3000:]}")
    return elapsed, result["rss_kb"] / 1024


def operations(content: Path, site: Path, whole: bool) -> dict[str, list[str]]:
    ops = {
        "validate --municipality": ["cli", "validate", "--content", str(content), "--municipality", MEASURED],
        "build --municipality": ["cli", "build", "--content", str(content), "--output", str(site),
                                 "--municipality", MEASURED, "--today", TODAY.isoformat()],
        "API first request (cold)": ["api", MEASURED, "pb-2570"],
    }
    if whole:
        ops["validate, whole tree (before)"] = ["cli", "validate", "--content", str(content)]
    return ops


def child_env(content: Path, data: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "BENCH_ROOT": str(ROOT), "HOME": os.environ.get("HOME", "/"),
        "PRACHAKHOM_STORAGE": "memory", "PRACHAKHOM_CONTENT_STORE": "folder", "PRACHAKHOM_CONTENT": str(content),
        "PRACHAKHOM_DATA_DIR": str(data), "PRACHAKHOM_IDENTITY_SECRET": "bench",
        "AWS_DEFAULT_REGION": "ap-southeast-1",
    }


# --- page weight ---------------------------------------------------------------------------------

def first_visit_kb(site: Path, page: Path) -> tuple[float, dict[str, int]]:
    """Gzipped bytes of a page and what its first visit loads from the site: stylesheets, scripts,
    and the fonts its font CSS names (woff2 is not compressed again)."""
    html = page.read_text(encoding="utf-8")
    files = {page.name: len(gzip.compress(page.read_bytes(), 6))}
    refs = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    refs += re.findall(r'<script[^>]+src="([^"]+)"', html)
    for ref in refs:
        path = (page.parent / ref.split("?")[0]).resolve()
        if not path.is_file() or site.resolve() not in path.parents:
            continue
        data = path.read_bytes()
        files[path.name] = len(gzip.compress(data, 6))
        if path.suffix == ".css":
            for font in re.findall(r'url\(["\']?([^"\')]+\.woff2)', data.decode("utf-8")):
                font_path = (path.parent / font).resolve()
                if font_path.is_file():
                    files[font_path.name] = font_path.stat().st_size
    return sum(files.values()) / 1024, files


# --- main ----------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, THAILAND])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--whole", type=int, default=1000,
                        help="measure the whole-tree validate up to this many municipalities")
    parser.add_argument("--keep", type=Path, default=None, help="generate here and keep it (else a temp dir)")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="prachakhom-scale-"))
    try:
        setups = {}
        for size in args.sizes:
            root = base / str(size)
            shutil.rmtree(root, ignore_errors=True)
            t = time.perf_counter()
            content, made = generate(root, size)
            seed_index(made, root / "site")
            setups[size] = (operations(content, root / "site", size <= args.whole), child_env(content, root / "data"))
            print(f"{size:>6,} municipalities generated in {time.perf_counter() - t:.1f} s", flush=True)
        # one run of every (operation, size) in turn, `runs` times: a change in the machine's load
        # hits every size alike instead of deciding a ratio
        samples: dict[int, dict[str, list[tuple[float, float]]]] = {size: {} for size in args.sizes}
        names = list(setups[args.sizes[0]][0])
        for run in range(args.runs):
            for name in names:
                for size in args.sizes:
                    ops, env = setups[size]
                    if name in ops:
                        sample = run_child(ops[name], env)
                        samples[size].setdefault(name, []).append(sample)
                        print(f"  run {run + 1}: {size:>6,} {name:<32} {sample[0]:7.2f} s {sample[1]:8.1f} MiB",
                              flush=True)
        results = {size: {name: (statistics.median(s[0] for s in got), statistics.median(s[1] for s in got))
                          for name, got in by_name.items()} for size, by_name in samples.items()}
        report(args.sizes, results)
        weigh(base / str(args.sizes[-1]) / "site", args.sizes[-1])
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    return 0


def report(sizes: list[int], results: dict[int, dict[str, tuple[float, float]]]) -> None:
    first = sizes[0]
    print(f"\nmedian of fresh processes; ratio = this size ÷ {first:,} municipalities (target ≤ 1.3× at 7,850)")
    print(f"{'operation':<32}" + "".join(f"{s:>10,}" for s in sizes) + "   ratio time   ratio memory")
    for name in results[first]:
        times = [results[s][name][0] if name in results[s] else None for s in sizes]
        rss = [results[s][name][1] if name in results[s] else None for s in sizes]
        last = sizes[-1] if name in results[sizes[-1]] else max(s for s in sizes if name in results[s])
        rt = results[last][name][0] / results[first][name][0]
        rm = results[last][name][1] / results[first][name][1]
        print(f"{name + ' (s)':<32}" + "".join(f"{t:>10.2f}" if t is not None else f"{'—':>10}" for t in times)
              + f"   {rt:>5.2f}× @{last:,}")
        print(f"{name + ' (MiB)':<32}" + "".join(f"{m:>10.1f}" if m is not None else f"{'—':>10}" for m in rss)
              + f"   {'':>13}{rm:>5.2f}× @{last:,}")


def weigh(site: Path, size: int) -> None:
    front, _ = first_visit_kb(site, site / "index.html")
    pages = sorted((site / "provinces").glob("*/index.html"), key=lambda p: p.stat().st_size)
    largest = pages[-1]
    kb, files = first_visit_kb(site, largest)
    count = largest.read_text(encoding="utf-8").count('class="pk-place"')
    print(f"\nnational index at {size:,} municipalities, first visit, gzipped, fonts included (target ≤ 120 KB):")
    print(f"  front page (77 provinces)                    {front:6.1f} KB")
    print(f"  largest province page ({count} municipalities)  {kb:6.1f} KB  "
          f"(page HTML {files[largest.name] / 1024:.1f} KB)")


if __name__ == "__main__":
    sys.exit(main())
