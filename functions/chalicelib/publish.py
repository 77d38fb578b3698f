"""Publishing a built site into the site bucket: only what changed, with the headers CloudFront expects.

A rebuild used to upload every file again (91 files, 3.5 MB per municipality, 1.3 MB of it source
maps, no Cache-Control). `publish_folder` makes one *unit* of the bucket (a municipality's `<m>/`, or
the national pages at the root) equal to a built folder, and touches only what differs:

* **What changed** is decided by content: the MD5 of each built file against the ETag the bucket's
  listing returns (for a single-part upload to an SSE-S3 bucket the ETag *is* the MD5; anything else —
  a multipart or KMS ETag — never matches and is simply uploaded again). Headers are not in a listing,
  so a small manifest per unit (`_publish/<unit>.json`: key → MD5, Content-Type, Cache-Control) records
  what was written; a file whose headers should now differ is uploaded again too.
* **Never uploaded**: source maps (`*.map`); one left in the bucket by an older publish is deleted.
* **Cache-Control** follows the distribution's behaviours (infra/template.yaml): files under
  `assets/` whose name carries a content hash (Material's `main.8608ea7d.min.css`) are
  `max-age=31536000, immutable` (AssetCachePolicy lets an object ask for up to a year); other assets an
  hour; pages and everything else a minute (PageCachePolicy: default 60 s, at most 300 s).
* **Removed files** (in the bucket, under the unit, not in the build) are deleted.
* **Invalidation**: a CloudFront invalidation for the *changed or deleted* files that are not
  immutable — pages, JSON, unversioned assets — none when nothing changed, new files never (error
  caching is off, so nothing was cached for a missing key). The paths go in one batch; over
  `MAX_EXACT_PATHS` of them, one wildcard for the unit instead (CloudFront bills a wildcard as one
  path: US$0.005 a path after the first 1,000 a month). The distribution's `/x/` → `/x/index.html`
  rewrite runs before its cache lookup, so `/<key>` is the cached object's path.

Uploads run on a few threads (boto3 clients are thread-safe); every upload sends its Content-MD5, so
S3 refuses a body that arrived altered.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import mimetypes
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

log = logging.getLogger("prachakhom.publish")

MANIFEST_PREFIX = "_publish/"
"""Where each unit's manifest lives in the site bucket. It lists public files and their hashes only."""
MANIFEST_VERSION = 1
MAX_EXACT_PATHS = 5
"""More changed paths than this in one publish: one wildcard path for the unit instead (a path costs
US$0.005 after the first 1,000 of a month, a wildcard counts as one: a phase change rewrites ~15 pages)."""
UPLOAD_THREADS = 8

PAGE_CACHE = "public, max-age=60"
ASSET_CACHE = "public, max-age=3600"
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"

LEFT_OUT = ("*.map",)
"""Built files never published: source maps (no one debugs the pages' scripts from a phone)."""

_TYPES = {
    ".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".mjs": "text/javascript",
    ".json": "application/json", ".webmanifest": "application/manifest+json", ".xml": "application/xml",
    ".txt": "text/plain", ".pb": "text/plain", ".csv": "text/csv", ".svg": "image/svg+xml",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp",
    ".gif": "image/gif", ".ico": "image/x-icon", ".woff2": "font/woff2", ".woff": "font/woff",
    ".ttf": "font/ttf", ".pdf": "application/pdf", ".gz": "application/gzip", ".zip": "application/zip",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
"""Content types of what the sites hold, spelled out: Lambda's image has no /etc/mime.types, so
`mimetypes` alone would answer differently there than on a laptop."""
_TEXT = ("text/", "application/json", "application/manifest+json", "application/xml", "image/svg+xml")
_FINGERPRINT = re.compile(r"[.-][0-9a-f]{8,}(?:\.min)?\.[A-Za-z0-9]+$")
"""A content hash in a file name: Material's `bundle.f1a8ff43.min.js`, `main.8608ea7d.min.css`."""


def content_type(name: str) -> str:
    """What the browser is told a published file is (UTF-8 for text: the pages are Thai)."""
    suffix = Path(name).suffix.lower()
    ctype = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if ctype.startswith(_TEXT):
        ctype += "; charset=utf-8"
    return ctype


def is_asset(key: str) -> bool:
    """Under an `assets/` folder: the distribution's `/assets/*` and `/*/assets/*` behaviours."""
    return key.startswith("assets/") or "/assets/" in key


def cache_control(key: str) -> str:
    """Cache-Control of a published key, matching the distribution's cache behaviour for its path."""
    if is_asset(key):
        return IMMUTABLE_CACHE if _FINGERPRINT.search(key.rsplit("/", 1)[-1]) else ASSET_CACHE
    return PAGE_CACHE


def left_out(name: str) -> bool:
    return any(Path(name).match(pattern) for pattern in LEFT_OUT)


@dataclass(frozen=True)
class Published:
    """One file as it should be in the bucket."""

    key: str
    path: Path
    md5: str
    size: int
    content_type: str
    cache_control: str

    def headers(self) -> dict[str, str]:
        return {"md5": self.md5, "type": self.content_type, "cache": self.cache_control}


@dataclass
class PublishReport:
    """What one publish did (`bytes_uploaded` counts bodies; `files` the unit's built files)."""

    unit: str
    files: int = 0
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    bytes_uploaded: int = 0
    invalidated: list[str] = field(default_factory=list)
    invalidation_id: str | None = None
    invalidation_error: str | None = None

    def summary(self) -> str:
        text = (f"{self.unit or '(national pages)'}: {len(self.uploaded)} of {self.files} files uploaded "
                f"({self.bytes_uploaded / 1e6:.2f} MB), {len(self.deleted)} deleted, "
                f"{len(self.invalidated)} paths invalidated")
        return text + (f" (invalidation failed: {self.invalidation_error})" if self.invalidation_error else "")


def manifest_key(unit: str) -> str:
    return f"{MANIFEST_PREFIX}{unit or '_root'}.json"


def plan_files(folder: Path, unit: str, only: Iterable[str] | None = None) -> dict[str, Published]:
    """Key → file for every file of `folder` (source maps left out), keys under `<unit>/`.

    `only` limits the walk to these top-level names of the folder (the national unit's own folders)."""
    prefix = f"{unit}/" if unit else ""
    roots = [folder / name for name in only] if only is not None else [folder]
    files: dict[str, Published] = {}
    for root in roots:
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            rel = path.relative_to(folder).as_posix()
            if left_out(rel):
                continue
            data = path.read_bytes()
            key = prefix + rel
            files[key] = Published(key, path, hashlib.md5(data, usedforsecurity=False).hexdigest(), len(data),
                                   content_type(rel), cache_control(rel))
    return files


def _listing(s3: Any, bucket: str, unit: str, scope: set[str] | None) -> dict[str, str]:
    """Key → MD5 (the ETag, unquoted) of what the bucket holds for the unit."""
    prefix = f"{unit}/" if unit else ""
    found: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            if key.startswith(MANIFEST_PREFIX) or (scope is not None and not _in_scope(key, scope)):
                continue
            found[key] = obj["ETag"].strip('"')
    return found


def _in_scope(key: str, scope: set[str]) -> bool:
    """Whether a root-level key belongs to the national unit: a file at the root, or under one of the
    top-level folders the national build writes."""
    head = key.split("/", 1)[0]
    return "/" not in key or head in scope


def _read_manifest(s3: Any, bucket: str, unit: str) -> dict[str, dict[str, str]]:
    try:
        body = s3.get_object(Bucket=bucket, Key=manifest_key(unit))["Body"].read()
    except ClientError as err:
        if err.response["Error"]["Code"] in ("NoSuchKey", "404", "AccessDenied"):
            return {}
        raise
    try:
        data = json.loads(body)
    except ValueError:
        return {}  # unreadable: every file is checked against the listing and uploaded with its headers
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def _upload(s3: Any, bucket: str, item: Published) -> int:
    data = item.path.read_bytes()
    s3.put_object(Bucket=bucket, Key=item.key, Body=data, ContentType=item.content_type,
                  CacheControl=item.cache_control,
                  ContentMD5=base64.b64encode(bytes.fromhex(item.md5)).decode("ascii"))
    return len(data)


def invalidation_paths(unit: str, keys: Iterable[str]) -> list[str]:
    """CloudFront paths for the changed keys: each one (percent-encoded) or, over `MAX_EXACT_PATHS`,
    the unit's wildcard. Immutable assets are never invalidated: a new version has a new name."""
    paths = sorted({"/" + quote(k, safe="/-_.~") for k in keys if cache_control(k) != IMMUTABLE_CACHE})
    if len(paths) > MAX_EXACT_PATHS:
        return [f"/{unit}/*" if unit else "/*"]
    return paths


def invalidate(cloudfront: Any, distribution_id: str, paths: list[str], reference: str) -> str:
    """One invalidation batch; the caller reference makes a retried request the same invalidation."""
    answer = cloudfront.create_invalidation(DistributionId=distribution_id, InvalidationBatch={
        "Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": reference})
    return str(answer["Invalidation"]["Id"])


def publish_folder(s3: Any, bucket: str, folder: Path, unit: str, *, cloudfront: Any = None,
                   distribution_id: str | None = None, only: Iterable[str] | None = None) -> PublishReport:
    """Make the unit (`<unit>/…`, or the root for "") of the bucket equal to `folder`.

    For the root unit, `only` names the top-level entries of `folder` that belong to it (the national
    pages' files and folders): keys elsewhere in the bucket — the municipalities' sites — are never
    deleted by it. Returns what was uploaded, deleted and invalidated."""
    only = list(only) if only is not None else None
    wanted = plan_files(folder, unit, only)
    scope = {name for name in only if (folder / name).is_dir()} if only is not None else None
    stored = _listing(s3, bucket, unit, scope)
    recorded = _read_manifest(s3, bucket, unit)
    report = PublishReport(unit=unit, files=len(wanted))
    changed = [item for key, item in sorted(wanted.items())
               if stored.get(key) != item.md5 or recorded.get(key) != item.headers()]
    with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
        report.bytes_uploaded = sum(pool.map(lambda item: _upload(s3, bucket, item), changed))
    report.uploaded = [item.key for item in changed]
    report.deleted = sorted(set(stored) - set(wanted))
    for i in range(0, len(report.deleted), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in report.deleted[i:i + 1000]],
                                                 "Quiet": True})
    manifest = {key: item.headers() for key, item in sorted(wanted.items())}
    if manifest != recorded:
        body = json.dumps({"version": MANIFEST_VERSION, "files": manifest}, sort_keys=True).encode("utf-8")
        s3.put_object(Bucket=bucket, Key=manifest_key(unit), Body=body, ContentType=content_type("m.json"),
                      CacheControl="no-store")
    # what a viewer may have cached: files that existed before and now differ or are gone
    touched = [k for k in report.uploaded if k in stored] + report.deleted
    report.invalidated = invalidation_paths(unit, touched)
    if report.invalidated and cloudfront is not None and distribution_id:
        digest = hashlib.sha256(json.dumps([unit, report.invalidated, manifest], sort_keys=True).encode()).hexdigest()
        try:
            report.invalidation_id = invalidate(cloudfront, distribution_id, report.invalidated, digest[:64])
        except ClientError as err:  # the pages still expire within a minute (PAGE_CACHE): reported, not fatal
            report.invalidation_error = err.response["Error"].get("Code", str(err))
            log.error("invalidation of %d paths failed: %s", len(report.invalidated), err)
    elif cloudfront is None or not distribution_id:
        report.invalidated = []  # no distribution to tell: the pages expire within a minute
    return report
