"""Settings from environment variables and the lazily built service (once per warm container).

Nothing is created at import: the first request reads the environment, loads the content folder,
creates the boto3 client and the repository. Tests call `use(service)` to inject their own.

Environment::

    PRACHAKHOM_STORAGE            dynamodb (default) | memory
    PRACHAKHOM_TABLE              DynamoDB table name (default: prachakhom)
    PRACHAKHOM_DYNAMODB_ENDPOINT  e.g. http://127.0.0.1:8011 for the local stack (unset on AWS)
    PRACHAKHOM_IDENTITY_SECRET    HMAC key for voter hashes (required to vote)
    PRACHAKHOM_STAFF_TOKENS       JSON {"<municipality>": "<token>"} (staff endpoints)
    PRACHAKHOM_CONTENT            content folder (default: content/ at the bundle's root, else the repo's)
    PRACHAKHOM_DATA_DIR           where snapshots and ballot files are exported (default: /tmp/prachakhom-data)
    PRACHAKHOM_REBUILD            local | lambda | off (default: off)
    PRACHAKHOM_SITE_DIR           local rebuilds go here (the folder the demo serves)
    PRACHAKHOM_SITE_URL           public base URL of the sites (default: http://127.0.0.1:8000/)
    PRACHAKHOM_SITE_BUCKET        on AWS: the bucket the rebuild function publishes to
    PRACHAKHOM_S3_ENDPOINT        S3 endpoint override (tests with moto)
    PRACHAKHOM_REBUILD_FUNCTION   on AWS: name of the rebuild Lambda (invoked asynchronously)
    PRACHAKHOM_SITE_ORIGIN        CORS allowed origin (default: *)
    PRACHAKHOM_CLOSE_GRACE        seconds the rebuild waits after a vote closed before exporting
                                  ballots (default 30: longer than the API function's 15 s timeout)
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.service import Clock, ParticipationService, Rebuilder
    from chalicelib.storage.repository import Repository

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Settings:
    storage: str
    table: str
    dynamodb_endpoint: str | None
    region: str
    secret: bytes
    staff_tokens: dict[str, str]
    content_dir: Path
    data_dir: Path
    rebuild: str
    site_dir: Path | None
    site_url: str
    site_bucket: str | None
    s3_endpoint: str | None
    rebuild_function: str
    close_grace: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            storage=env.get("PRACHAKHOM_STORAGE", "dynamodb"),
            table=env.get("PRACHAKHOM_TABLE", "prachakhom"),
            dynamodb_endpoint=env.get("PRACHAKHOM_DYNAMODB_ENDPOINT") or None,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "ap-southeast-1",
            secret=env.get("PRACHAKHOM_IDENTITY_SECRET", "").encode("utf-8"),
            staff_tokens=json.loads(env.get("PRACHAKHOM_STAFF_TOKENS") or "{}"),
            content_dir=Path(env.get("PRACHAKHOM_CONTENT") or default_content_dir()),
            data_dir=Path(env.get("PRACHAKHOM_DATA_DIR") or "/tmp/prachakhom-data"),
            rebuild=env.get("PRACHAKHOM_REBUILD", "off"),
            site_dir=Path(env["PRACHAKHOM_SITE_DIR"]) if env.get("PRACHAKHOM_SITE_DIR") else None,
            site_url=env.get("PRACHAKHOM_SITE_URL", "http://127.0.0.1:8000/"),
            site_bucket=env.get("PRACHAKHOM_SITE_BUCKET") or None,
            s3_endpoint=env.get("PRACHAKHOM_S3_ENDPOINT") or None,
            rebuild_function=env.get("PRACHAKHOM_REBUILD_FUNCTION", "prachakhom-prod-rebuild"),
            close_grace=float(env.get("PRACHAKHOM_CLOSE_GRACE") or 30.0),
        )


def default_content_dir() -> Path:
    """The bundle carries the content at its root (vendor/content); a checkout uses the repo's content/."""
    bundled = HERE.parent / "content"
    return bundled if bundled.is_dir() else HERE.parent.parent / "content"


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


_lock = threading.Lock()
_service: ParticipationService | None = None


def use(service: ParticipationService | None) -> None:
    """Inject a service (tests, the local stack's seeding); None resets to lazy creation."""
    global _service
    _service = service


def service() -> ParticipationService:
    global _service
    if _service is None:
        with _lock:
            if _service is None:
                _service = build_service(Settings.from_env())
    return _service


@cache
def _boto_client(name: str, endpoint: str | None, region: str) -> Any:
    import boto3

    return boto3.client(name, endpoint_url=endpoint, region_name=region)


def build_service(settings: Settings, clock: Clock | None = None,
                  repository: Repository | None = None) -> ParticipationService:
    from chalicelib.service import ParticipationService
    from chalicelib.storage.memory import MemoryRepository
    from prachakhom.content import load_content

    if repository is None:
        if settings.storage == "memory":
            repository = MemoryRepository()
        else:
            from chalicelib.storage.dynamodb import DynamoRepository

            client = _boto_client("dynamodb", settings.dynamodb_endpoint, settings.region)
            repository = DynamoRepository(client, settings.table)
    content = cache(lambda: load_content(settings.content_dir))
    holder: list[ParticipationService] = []
    svc = ParticipationService(content, repository, settings.secret, clock or SystemClock(),
                               make_rebuilder(settings, lambda: holder[0]), settings.staff_tokens)
    holder.append(svc)
    return svc


def make_rebuilder(settings: Settings, get_service: Callable[[], ParticipationService]) -> Rebuilder:
    """`get_service` rather than the service: the service is built with its rebuilder."""
    from chalicelib.rebuild import LambdaRebuilder, LocalRebuilder, NoRebuilder

    if settings.rebuild == "local" and settings.site_dir is not None:
        return LocalRebuilder(get_service, settings.content_dir, settings.data_dir, settings.site_dir,
                              settings.site_url)
    if settings.rebuild == "lambda":
        return LambdaRebuilder(lambda: _boto_client("lambda", None, settings.region), settings.rebuild_function)
    return NoRebuilder()


def s3_client(settings: Settings) -> Any:
    return _boto_client("s3", settings.s3_endpoint, settings.region)
