"""Settings from environment variables, and the wiring of the services (once per warm container).

Nothing is created at import: the first request reads the environment and wires the services over
a catalog of content (`make_catalog`), a repository (`make_repository`), a clock and a rebuilder
(`make_rebuilder`); a municipality's content is read from the content store on its first request. `wire` is the one function that takes a
catalog. Tests call `use(services)` to inject their own.

Environment::

    PRACHAKHOM_STORAGE            dynamodb (default) | memory
    PRACHAKHOM_TABLE              DynamoDB table name (default: prachakhom)
    PRACHAKHOM_DYNAMODB_ENDPOINT  e.g. http://127.0.0.1:8011 for the local stack (unset on AWS)
    PRACHAKHOM_IDENTITY_SECRET    HMAC key for voter hashes (required to vote)
    PRACHAKHOM_SSM_PREFIX         on AWS: SSM path of the identity secret and staff tokens (secret_store.py)
    PRACHAKHOM_STAFF_TOKENS       JSON {"<municipality>": "<token>"} (staff endpoints)
    PRACHAKHOM_CONTENT_STORE      folder (default) | dynamodb: where content is read (see make_catalog)
    PRACHAKHOM_CONTENT            the folder store's folder (default: content/ at the bundle's root,
                                  else the repo's)
    PRACHAKHOM_CONTENT_BUCKET     the DynamoDB store's bucket for large files (default: <table>-content)
    PRACHAKHOM_DATA_DIR           where snapshots and ballot files are exported (default: /tmp/prachakhom-data)
    PRACHAKHOM_REBUILD            local | lambda | off (default: off)
    PRACHAKHOM_SITE_DIR           local rebuilds go here (the folder the demo serves)
    PRACHAKHOM_SITE_URL           public base URL of the sites (default: http://127.0.0.1:8000/)
    PRACHAKHOM_SITE_BUCKET        on AWS: the bucket the rebuild function publishes to
    PRACHAKHOM_S3_ENDPOINT        S3 endpoint override (tests with moto)
    PRACHAKHOM_DISTRIBUTION_ID    on AWS: the CloudFront distribution whose changed pages a rebuild
                                  invalidates (empty: none; pages then expire within their minute)
    PRACHAKHOM_CLOUDFRONT_ENDPOINT  CloudFront endpoint override (tests with moto)
    PRACHAKHOM_REBUILD_FUNCTION   on AWS: name of the rebuild Lambda (invoked asynchronously)
    PRACHAKHOM_SITE_ORIGIN        CORS allowed origin (default: *)
    PRACHAKHOM_CLOSE_GRACE        seconds the rebuild waits after a vote closed before exporting
                                  ballots (default 30: longer than the API function's 15 s timeout)
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the services are imported on the first request, not at the API's cold start
    from chalicelib.auth import StaffTokens
    from chalicelib.effects import Effects, Rebuilder
    from chalicelib.rebuild import Sources
    from chalicelib.services.ballots import BallotService
    from chalicelib.services.comments import CommentService
    from chalicelib.services.gate import Clock, Gate
    from chalicelib.services.moderation import ModerationService
    from chalicelib.services.phases import PhaseService
    from chalicelib.services.proposals import ProposalService
    from chalicelib.services.supports import SupportService
    from chalicelib.storage.repository import Repository
    from prachakhom.content import MunicipalityCatalog
    from prachakhom.store import ContentStore

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
    content_store: str = "folder"
    content_bucket: str = "prachakhom-content"
    distribution_id: str | None = None
    cloudfront_endpoint: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        from chalicelib.secret_store import with_secrets

        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "ap-southeast-1"
        env = with_secrets(env, lambda: _boto_client("ssm", None, region))
        return cls(
            storage=env.get("PRACHAKHOM_STORAGE", "dynamodb"),
            table=env.get("PRACHAKHOM_TABLE", "prachakhom"),
            dynamodb_endpoint=env.get("PRACHAKHOM_DYNAMODB_ENDPOINT") or None,
            region=region,
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
            content_store=env.get("PRACHAKHOM_CONTENT_STORE") or "folder",
            content_bucket=env.get("PRACHAKHOM_CONTENT_BUCKET")
            or f"{env.get('PRACHAKHOM_TABLE', 'prachakhom')}-content",
            distribution_id=env.get("PRACHAKHOM_DISTRIBUTION_ID") or None,
            cloudfront_endpoint=env.get("PRACHAKHOM_CLOUDFRONT_ENDPOINT") or None,
        )


def default_content_dir() -> Path:
    """The bundle carries the content at its root (vendor/content); a checkout uses the repo's content/."""
    bundled = HERE.parent / "content"
    return bundled if bundled.is_dir() else HERE.parent.parent / "content"


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    """The API's feature services over one gate; what the routes and jobs call."""

    gate: Gate
    effects: Effects
    proposals: ProposalService
    comments: CommentService
    supports: SupportService
    ballots: BallotService
    phases: PhaseService
    moderation: ModerationService
    staff: StaffTokens

    @property
    def catalog(self) -> MunicipalityCatalog:
        return self.gate.catalog

    @property
    def repository(self) -> Repository:
        return self.gate.repository

    @property
    def clock(self) -> Clock:
        return self.gate.clock


_lock = threading.Lock()
_services: Services | None = None


def use(services: Services | None) -> None:
    """Inject the services (tests, the local stack's seeding); None resets to lazy creation."""
    global _services
    _services = services


def service() -> Services:
    """The services of this warm container, wired from the environment on first use."""
    global _services
    if _services is None:
        with _lock:
            if _services is None:
                _services = build_service(Settings.from_env())
    return _services


def build_service(settings: Settings, clock: Clock | None = None, repository: Repository | None = None,
                  rebuilder: Rebuilder | None = None) -> Services:
    """The services from `settings`; tests inject a clock, a repository or a rebuilder."""
    return wire(settings, make_catalog(settings), repository or make_repository(settings),
                clock or SystemClock(), rebuilder)


def wire(settings: Settings, catalog: MunicipalityCatalog, repository: Repository, clock: Clock,
         rebuilder: Rebuilder | None = None) -> Services:
    """The services over `catalog` (where each municipality's content comes from), `repository`
    (stored data) and `clock`. The rebuilder reads the same three: no service needs another's."""
    from chalicelib.auth import StaffTokens
    from chalicelib.effects import Effects
    from chalicelib.services.ballots import BallotProjects, BallotService
    from chalicelib.services.comments import CommentService
    from chalicelib.services.gate import Gate
    from chalicelib.services.moderation import ModerationService
    from chalicelib.services.phases import PhaseService
    from chalicelib.services.proposals import ProposalService
    from chalicelib.services.supports import SupportService

    gate = Gate(catalog, repository, clock, settings.secret)
    effects = Effects(repository, rebuilder or make_rebuilder(settings, gate), clock)
    projects = BallotProjects(repository)
    proposals = ProposalService(gate)
    return Services(
        gate=gate, effects=effects, proposals=proposals, comments=CommentService(gate, proposals),
        supports=SupportService(gate, proposals, settings.secret),
        ballots=BallotService(gate, projects, settings.secret), phases=PhaseService(gate, effects),
        moderation=ModerationService(gate, effects, projects), staff=StaffTokens(settings.staff_tokens),
    )


def make_catalog(settings: Settings) -> MunicipalityCatalog:
    """Where the API and the rebuild find a municipality's content: a catalog over the content store
    (`prachakhom.catalog.StoreCatalog`) that loads one municipality on its first request, keeps it in
    this container and reloads it when its version changes (read at most every few seconds)."""
    from prachakhom.catalog import StoreCatalog

    return StoreCatalog(make_content_store(settings))


def make_content_store(settings: Settings) -> ContentStore:
    """`PRACHAKHOM_CONTENT_STORE`: the deployment's table and content bucket (dynamodb: AWS and the
    demo), or the content folder (folder: tests, a checkout)."""
    if settings.content_store == "dynamodb":
        from chalicelib.storage.content import DynamoContentStore

        return DynamoContentStore(_boto_client("dynamodb", settings.dynamodb_endpoint, settings.region),
                                  settings.table, _boto_client("s3", settings.s3_endpoint, settings.region),
                                  settings.content_bucket)
    if settings.content_store != "folder":
        raise ValueError(f"PRACHAKHOM_CONTENT_STORE is '{settings.content_store}': use folder or dynamodb")
    from prachakhom.store import FolderStore

    return FolderStore(settings.content_dir)


def make_repository(settings: Settings) -> Repository:
    """`PRACHAKHOM_STORAGE`: the DynamoDB table (a boto3 client made here, once) or memory."""
    if settings.storage == "memory":
        from chalicelib.storage.memory import MemoryRepository

        return MemoryRepository()
    from chalicelib.storage.dynamodb import DynamoRepository

    return DynamoRepository(_boto_client("dynamodb", settings.dynamodb_endpoint, settings.region), settings.table)


@cache
def _boto_client(name: str, endpoint: str | None, region: str) -> Any:
    """One client per service per warm container; DynamoDB's with the fault model's retries and
    timeouts (`storage/faults.client_config`)."""
    import boto3

    if name == "dynamodb":
        from chalicelib.storage.faults import client_config

        return boto3.client(name, endpoint_url=endpoint, region_name=region, config=client_config())
    return boto3.client(name, endpoint_url=endpoint, region_name=region)


def make_rebuilder(settings: Settings, sources: Sources) -> Rebuilder:
    """`PRACHAKHOM_REBUILD`: in the request (local), the rebuild Lambda (lambda), or none (off)."""
    from chalicelib.rebuild import LambdaRebuilder, LocalRebuilder, NoRebuilder

    if settings.rebuild == "local" and settings.site_dir is not None:
        return LocalRebuilder(sources, settings.data_dir, settings.site_dir, settings.site_url)
    if settings.rebuild == "lambda":
        return LambdaRebuilder(lambda: _boto_client("lambda", None, settings.region), settings.rebuild_function)
    return NoRebuilder()


def s3_client(settings: Settings) -> Any:
    return _boto_client("s3", settings.s3_endpoint, settings.region)


def cloudfront_client(settings: Settings) -> Any:
    """CloudFront's client (a global service: the region only signs the request), or None when no
    distribution is configured."""
    if not settings.distribution_id:
        return None
    return _boto_client("cloudfront", settings.cloudfront_endpoint, settings.region)
