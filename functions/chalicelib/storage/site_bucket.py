"""The site bucket as a `site_generator.national.SiteShelf`: the rebuild function refreshes the national
index (a province's page, the front page, the per-municipality summaries beside them) in the bucket
the way a local build does in its output folder."""

from __future__ import annotations

import mimetypes
from typing import Any

from botocore.exceptions import ClientError

TEXT_TYPES = ("application/javascript", "application/json", "image/svg+xml")


def content_type(name: str) -> str:
    """What the browser is told a published file is (UTF-8 for text)."""
    ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype in TEXT_TYPES:
        ctype += "; charset=utf-8"
    return ctype


class BucketShelf:
    """Keys of the site bucket (`provinces/…/index.html`, `_index/…`)."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket

    def read(self, key: str) -> bytes | None:
        try:
            data: bytes = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as err:
            if err.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return None
            raise
        return data

    def write(self, key: str, data: bytes) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type(key))

    def delete(self, key: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=key)

    def list(self, prefix: str) -> list[str]:
        paginator = self.s3.get_paginator("list_objects_v2")
        return sorted(o["Key"] for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix)
                      for o in page.get("Contents", []))
