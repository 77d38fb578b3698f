"""`prachakhom content push|pull`: a municipality's files (or the national templates) to and from a store.

Where content lives: the repository's `content/` folder is where it is written and reviewed; a
deployment serves it from its content store (DynamoDB + S3, `chalicelib.storage.content`), which
`content push` fills — one municipality, or the national templates, at a time — and `content pull`
copies back into a folder. `--store` picks the store: `dynamodb` (the deployment named by the
environment, as the API reads it) or a folder path.
"""

from __future__ import annotations

import argparse
import getpass
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prachakhom.store import TEMPLATES, FolderStore, municipality_scope

if TYPE_CHECKING:
    from prachakhom.store import ContentStore
    from prachakhom.transfer import Outcome

MANIFEST = ".prachakhom-store.json"

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_CONTENT = Path("content")  # as prachakhom.commands.build


def open_store(spec: str, content: Path, env: dict[str, str] | None = None) -> ContentStore:
    """`folder` → the `--content` folder; `dynamodb` → the deployment's store from the environment
    (table, bucket, endpoints: see `chalicelib.storage.content.content_store_from_env`); else a folder path."""
    if spec == "folder":
        return FolderStore(content)
    if spec == "dynamodb":
        store: ContentStore = deployment_store(dict(os.environ) if env is None else env)
        return store
    return FolderStore(Path(spec))


def deployment_store(env: dict[str, str], clients: Callable[[str, str | None, str], Any] | None = None) -> Any:
    """The DynamoDB content store named by `env` (`chalicelib.storage.content.content_store_from_env`;
    `clients(name, endpoint, region)` makes its boto3 clients, e.g. from the deploy's session)."""
    functions = str(ROOT / "functions")
    if functions not in sys.path:
        sys.path.insert(0, functions)
    from chalicelib.storage.content import content_store_from_env

    return content_store_from_env(env, clients)


def add_arguments(p: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    for name, text in (("push", "make the store's copy equal to the folder (validated first)"),
                       ("pull", "make the folder's copy equal to the store")):
        a = actions.add_parser(name, help=text)
        which = a.add_mutually_exclusive_group(required=True)
        which.add_argument("--municipality", nargs="+", metavar="SLUG", help="one or more municipalities")
        which.add_argument("--templates", action="store_true", help="the national templates")
        which.add_argument("--all", action="store_true",
                           help="the templates and every municipality (of the folder when pushing)")
        a.add_argument("--content", type=Path, default=DEFAULT_CONTENT, help="the folder (default: content)")
        a.add_argument("--store", default="dynamodb", help="dynamodb (default: the deployment) or a folder path")
        a.add_argument("--force", action="store_true",
                       help="replace changes made on the other side since the last sync (still audited)")
        a.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
        a.add_argument("--author", default=None, help="recorded in the audit log (default: user@host)")
        a.add_argument("--record", type=Path, default=None,
                       help=f"file of the versions last synced (default: <content>/{MANIFEST})")


def main(args: argparse.Namespace) -> int:
    return transfer_scopes(args.action, args.content, open_store(args.store, args.content),
                           scopes_of(args), force=args.force, dry_run=args.dry_run,
                           author=args.author, record=args.record)


def scopes_of(args: argparse.Namespace) -> list[str] | None:
    """The scopes named on the command line; None for --all (decided per direction)."""
    if args.all:
        return None
    if args.templates:
        return [TEMPLATES]
    return [municipality_scope(slug) for slug in args.municipality]


def transfer_scopes(action: str, content: Path, store: ContentStore, scopes: list[str] | None, *,
                    force: bool = False, dry_run: bool = False, author: str | None = None,
                    record: Path | None = None, out: Any = None) -> int:
    """Push or pull each scope; print what changed; 1 if any scope was refused (the others still go)."""
    from prachakhom.transfer import PUSH_AUTHOR_PREFIX, SyncRecord, pull, push

    out = out or sys.stdout
    folder = FolderStore(content)
    if scopes is None:
        source = folder if action == "push" else store
        scopes = [TEMPLATES, *(municipality_scope(slug) for slug in source.municipalities())]
    sync = SyncRecord(record or content / MANIFEST)
    who = author or f"{getpass.getuser()}@{socket.gethostname()}"
    who = who if who.startswith(PUSH_AUTHOR_PREFIX) or action == "pull" else PUSH_AUTHOR_PREFIX + who
    step: Callable[..., Outcome] = push if action == "push" else pull
    failed = 0
    for scope in scopes:
        outcome = (step(folder, store, scope, sync, who, force, dry_run) if action == "push"
                   else step(store, folder, scope, sync, who, force, dry_run))
        note = " (refused: nothing written)" if outcome.problems else " (dry run: nothing written)" if dry_run else ""
        print(f"{scope}: {outcome.plan.counts()}{note}", file=out, flush=True)
        for problem in outcome.problems:
            print(f"  {problem}", file=sys.stderr, flush=True)
        failed += bool(outcome.problems)
    where = "to" if action == "push" else "from"
    print(f"{action} {where} {store.identity}: {len(scopes) - failed} of {len(scopes)} done", file=out, flush=True)
    return 1 if failed else 0


# --- the local demo: the content folder pushed into moto's store at every start ------------------

def publish_demo_content(content: Path, env: dict[str, str], state_dir: Path, out: Any = None) -> int:
    """Push the templates and every municipality of `content` into the store the demo's API reads
    (DynamoDB + S3 in moto), as an operator would push to AWS; idempotent: unchanged files are not
    written again. Moto's S3 is not saved with the table, so the large files (`blobs/…`) are kept in
    `<state>/content-blobs/` and put back first. Returns 1 if a scope was refused (the store keeps
    what it had), else 0."""
    store = deployment_store(env)
    from chalicelib.storage.content import create_content_bucket

    create_content_bucket(store.s3, store.bucket, env.get("AWS_DEFAULT_REGION", "ap-southeast-1"))
    restore_blobs(store.s3, store.bucket, state_dir / "content-blobs")
    code = transfer_scopes("push", content, store, None, author="push:demo", record=state_dir / "content-pushed.json",
                           out=out)
    save_blobs(store.s3, store.bucket, state_dir / "content-blobs")
    return code


def save_blobs(s3: Any, bucket: str, folder: Path) -> int:
    """Copy the bucket's objects that `folder` lacks (they are immutable: named by their hash)."""
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            target = folder / obj["Key"]
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
                count += 1
    return count


def restore_blobs(s3: Any, bucket: str, folder: Path) -> int:
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    for path in files:
        s3.put_object(Bucket=bucket, Key=path.relative_to(folder).as_posix(), Body=path.read_bytes())
    return len(files)
