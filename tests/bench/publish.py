"""Benchmark: what one rebuild uploads to the site bucket — incremental publishing vs the old full sync.

    python tests/bench/publish.py [--municipality huai-dok-ueang] [--repeats 5]

One demo municipality is built, published into moto's S3, then rebuilt after each of a municipality's
usual changes (nothing at all — a rebuild asked twice; one proposal's text; a phase change) and
published again, in the same run by:

* the baseline: the publish every rebuild did before (every file uploaded again, source maps
  included, no Cache-Control; kept here as it was in `chalicelib.rebuild.sync_folder`);
* ours: `chalicelib.publish.publish_folder` (changed files only, no maps, headers, invalidation).

It prints files and bytes uploaded per rebuild, S3 requests, CloudFront invalidation paths, and the
median publish time over `--repeats` runs of each (moto in-process: the times show the work done
locally, not S3's latency, which makes the request count the figure that matters on AWS).
"""

from __future__ import annotations

import argparse
import mimetypes
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "functions"))

import boto3  # noqa: E402
from chalicelib.publish import publish_folder  # noqa: E402
from moto import mock_aws  # noqa: E402

REGION = "ap-southeast-7"
TODAY = date(2026, 11, 23)


class Counting:
    """An S3 client that counts requests and bytes uploaded."""

    def __init__(self, client: Any) -> None:
        self.client, self.requests, self.puts, self.put_bytes = client, 0, 0, 0

    def put_object(self, **kw: Any) -> Any:
        self.requests += 1
        if not kw["Key"].startswith("_publish/"):
            self.puts += 1
            self.put_bytes += len(kw["Body"])
        return self.client.put_object(**kw)

    def get_paginator(self, name: str) -> Any:
        outer = self

        class Pages:
            def paginate(self, **kw: Any) -> Any:
                for page in outer.client.get_paginator(name).paginate(**kw):
                    outer.requests += 1
                    yield page

        return Pages()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)

        def call(**kw: Any) -> Any:
            self.requests += 1
            return method(**kw)

        return call


def baseline_sync(s3: Any, bucket: str, folder: Path, prefix: str) -> None:
    """The publish before incremental publishing, verbatim: every file, every time."""
    keys = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        key = f"{prefix}/{path.relative_to(folder).as_posix()}"
        keys.add(key)
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
            ctype += "; charset=utf-8"
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=ctype)
    paginator = s3.get_paginator("list_objects_v2")
    stale = [o["Key"] for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}/")
             for o in page.get("Contents", []) if o["Key"] not in keys]
    for i in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in stale[i:i + 1000]]})


def build(content: Path, out: Path, municipality: str) -> Path:
    from site_generator.build import build_all

    shutil.rmtree(out, ignore_errors=True)
    return build_all(content_dir=content, output_dir=out, only=municipality, progress=False, today=TODAY,
                     site_url="https://sites.example.go.th/")[0]


def change_one_proposal(process: Path) -> None:
    proposal = sorted((process / "proposals").glob("*.md"))[0]
    text = proposal.read_text(encoding="utf-8")
    proposal.write_text(text.rstrip("\n") + "\n\nเพิ่มรายละเอียดหลังเวทีประชาคม\n", encoding="utf-8")


def change_phase(process: Path) -> None:
    path = process / "process.yaml"
    text = path.read_text(encoding="utf-8")
    phases = re.findall(r"key: (\w+)", text)
    current = re.search(r"current_phase: (\w+)", text)
    assert current, path
    following = phases[phases.index(current.group(1)) + 1]
    path.write_text(text.replace(current.group(0), f"current_phase: {following}"), encoding="utf-8")


CHANGES: list[tuple[str, Callable[[Path], None] | None]] = [
    ("first publish (empty bucket)", None),
    ("rebuild, nothing changed", None),
    ("one proposal's text changed", change_one_proposal),
    ("phase change", change_phase),
]


def run(municipality: str, repeats: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    content = work / "content"
    shutil.copytree(REPO / "content", content)
    process = next((content / "municipalities" / municipality / "processes").iterdir())
    rows = []
    with mock_aws():
        raw = boto3.client("s3", region_name=REGION)
        cf = boto3.client("cloudfront", region_name="us-east-1")
        distribution = cf.create_distribution(DistributionConfig={
            "CallerReference": "bench", "Comment": "", "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "s", "DomainName": "b.s3.amazonaws.com",
                                                   "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "s", "ViewerProtocolPolicy": "redirect-to-https",
                                     "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}})["Distribution"]["Id"]
        for name in ("baseline", "ours"):
            raw.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        for label, change in CHANGES:
            if change is not None:
                change(process)
            site = build(content, work / "out" / "site", municipality)
            row: dict[str, Any] = {"change": label}
            for name in ("baseline", "ours"):
                times = []
                snapshot = save(raw, name)  # each repeat starts from the bucket as it was before this publish
                for i in range(repeats if label != CHANGES[0][0] else 1):
                    s3 = Counting(raw)
                    if i:
                        restore(raw, name, snapshot)
                    start = time.perf_counter()
                    if name == "baseline":
                        baseline_sync(s3, name, site, municipality)
                        paths = 0
                    else:
                        report = publish_folder(s3, name, site, municipality, cloudfront=cf,
                                                distribution_id=distribution)
                        paths = len(report.invalidated)
                    times.append(time.perf_counter() - start)
                row[name] = (s3.puts, s3.put_bytes, s3.requests, paths, statistics.median(times))
            rows.append(row)
    shutil.rmtree(work, ignore_errors=True)
    report_rows(municipality, rows)


def save(s3: Any, bucket: str) -> dict[str, tuple[bytes, dict[str, str]]]:
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            got = s3.get_object(Bucket=bucket, Key=o["Key"])
            out[o["Key"]] = (got["Body"].read(), {"ContentType": got.get("ContentType", ""),
                                                  "CacheControl": got.get("CacheControl", "")})
    return out


def restore(s3: Any, bucket: str, snapshot: dict[str, tuple[bytes, dict[str, str]]]) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            if o["Key"] not in snapshot:
                s3.delete_object(Bucket=bucket, Key=o["Key"])
    for key, (body, headers) in snapshot.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body, **{k: v for k, v in headers.items() if v})


def report_rows(municipality: str, rows: list[dict[str, Any]]) -> None:
    print(f"publishing {municipality} after each change (baseline = upload everything, as before)\n")
    print(f"{'change':34} {'files up':>17} {'MB up':>15} {'S3 requests':>13} {'inval.':>6} {'median ms':>15}")
    print(f"{'':34} {'base':>8} {'ours':>8} {'base':>7} {'ours':>7} {'base':>6} {'ours':>6} {'paths':>6} "
          f"{'base':>7} {'ours':>7}")
    for row in rows:
        b, o = row["baseline"], row["ours"]
        print(f"{row['change']:34} {b[0]:8d} {o[0]:8d} {b[1] / 1e6:7.2f} {o[1] / 1e6:7.3f} {b[2]:6d} {o[2]:6d} "
              f"{o[3]:6d} {b[4] * 1000:7.0f} {o[4] * 1000:7.0f}")
    later = rows[1:]
    base_bytes = sum(r["baseline"][1] for r in later)
    ours_bytes = sum(r["ours"][1] for r in later)
    base_files = sum(r["baseline"][0] for r in later)
    ours_files = sum(r["ours"][0] for r in later)
    print(f"\nover the {len(later)} rebuilds after the first: {base_files} → {ours_files} files, "
          f"{base_bytes / 1e6:.2f} → {ours_bytes / 1e6:.3f} MB "
          f"({base_bytes / max(ours_bytes, 1):.0f}× fewer bytes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--municipality", default="huai-dok-ueang")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    run(args.municipality, args.repeats)


if __name__ == "__main__":
    main()
