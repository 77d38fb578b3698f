"""`prachakhom export` and `prachakhom import`: one municipality's whole state in one file, and back.

    prachakhom export --municipality ban-suan [--out ban-suan.prachakhom.gz] [--with-contacts]
    prachakhom import ban-suan.prachakhom.gz [--overwrite]

The archive is gzip'd JSON lines. Line 1 is the header: format and version, municipality, processes,
when, which kind of content store, the number of lines per kind and the SHA-256 of the body (every
line after the header, as written). Each body line is one record: the municipality's content
(`content_*`, through its content store), every item the API keeps for it (`state`, `proposal`,
`comment`, `report`, `support`, `ballot` with every version, `effect`: as stored, DynamoDB JSON,
binary as base64), its staff grants (`staff`) and its audit log (`audit`). Keyed hashes stay what
they are (receipts, voter and supporter hashes); there is no national ID, birth date or phone number
in the table outside the staff-only partition of proposers' contacts, which is exported only with
`--with-contacts` and then marked `"staff_only": true` (so are grants and audit entries, which only the
staff function may read): keep the file as you keep the table.

Export streams: one page of the table (or one content file) at a time is in memory; the body goes
to a temporary gzip member while it is hashed, then header and body become the file (renamed into
place: a failed export leaves no half file).

Import reads the file twice before writing anything: the checksum, the counts and every record's key
(each must belong to the header's municipality) — a damaged, truncated or foreign file is refused
with nothing written. Then the target must hold nothing of that municipality but what this archive
holds (a re-run after a partial import passes; anything else is refused unless `--overwrite`). Items
are written as they were (same keys, same bytes); writing one again is harmless, so an interrupted
import is finished by running it again.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import os
import shutil
import sys
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prachakhom import __version__
from prachakhom.store import AuditEntry, municipality_scope, scope_of

if TYPE_CHECKING:
    from chalicelib.storage.audit import AuditLog
    from chalicelib.storage.repository import Repository, StoredItem
    from chalicelib.storage.staff import StaffDirectory

    from prachakhom.store import ContentStore

FORMAT = "prachakhom-backup"
VERSION = 1
STAFF_ONLY = frozenset({"contact", "staff", "audit"})
"""Kinds only the staff function may read in the table (`PRIVATE#`, `STAFF#`/`TEAM#`, `AUDIT#`)."""
CONTENT_KINDS = frozenset({"content_file", "content_history", "content_item", "content_blob"})
ITEM_KINDS = {"STATE": "state", "PROPOSAL": "proposal", "COMMENT": "comment", "REPORT": "report",
              "SUPPORT": "support", "BALLOT": "ballot", "CONTACT": "contact", "EFFECT": "effect"}


class BadArchive(Exception):
    """The file is not a whole, intact archive of the municipality (nothing was written)."""


class TargetHoldsData(Exception):
    """The target already holds data of the municipality that this archive does not (nothing written)."""


@dataclass(frozen=True)
class Sources:
    """Where a municipality's state lives: its content store, the API's repository, staff and audit log."""

    content: ContentStore
    repository: Repository
    staff: StaffDirectory
    audit: AuditLog


# --- export ------------------------------------------------------------------------------------

def processes_of(content: ContentStore, municipality: str) -> list[str]:
    """The municipality's processes: the folders under `processes/` in its content."""
    prefix = f"{municipality_scope(municipality)}/processes/"
    return sorted({info.path[len(prefix):].split("/", 1)[0] for info in content.list_files(prefix.rstrip("/"))})


def item_kind(item: StoredItem) -> str:
    return ITEM_KINDS.get(item["SK"]["S"].split("#", 1)[0], "unknown")


def records(sources: Sources, municipality: str, processes: list[str], contacts: bool) -> Iterator[dict[str, Any]]:
    """The archive's body, one record at a time, in a fixed order (content, items, staff, audit)."""
    from chalicelib.storage.audit import audit_item
    from chalicelib.storage.dynamodb import item_to_json

    yield from sources.content.export_records(municipality_scope(municipality))
    for item in sources.repository.export_items(municipality, processes, contacts=contacts):
        kind = item_kind(item)
        yield {"kind": kind, "item": item_to_json(item), **({"staff_only": True} if kind in STAFF_ONLY else {})}
    for member in sources.staff.team(municipality):
        yield {"kind": "staff", "staff_only": True, "sub": member.sub, "username": member.username,
               "name": member.name, "roles": sorted(r.value for r in member.roles)}
    for entry in sources.audit.export(municipality):
        yield {"kind": "audit", "staff_only": True, "item": item_to_json(audit_item(entry))}


def _line(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def export_archive(sources: Sources, municipality: str, out: Path, *, contacts: bool = False,
                   store_kind: str = "dynamodb", clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                   ) -> dict[str, Any]:
    """Write the archive to `out`; return its header."""
    processes = processes_of(sources.content, municipality)
    counts: Counter[str] = Counter()
    digest = hashlib.sha256()
    out.parent.mkdir(parents=True, exist_ok=True)
    exported_at = clock()
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".export-") as tmp:
        body = Path(tmp) / "body.gz"
        with gzip.open(body, "wb", compresslevel=6) as sink:
            for record in records(sources, municipality, processes, contacts):
                line = _line(record)
                digest.update(line)
                sink.write(line)
                counts[record["kind"]] += 1
        header = {"format": FORMAT, "version": VERSION, "municipality": municipality, "processes": processes,
                  "exported_at": exported_at.isoformat(), "kit_version": __version__, "content_store": store_kind,
                  "counts": dict(sorted(counts.items())), "lines": sum(counts.values()),
                  "body_sha256": digest.hexdigest(), "contacts": contacts,
                  "staff_only": sorted(k for k in counts if k in STAFF_ONLY)}
        whole = Path(tmp) / "archive.gz"
        with open(whole, "wb") as target:
            target.write(gzip.compress(_line(header), mtime=0))  # member 1: the header
            with open(body, "rb") as source:
                shutil.copyfileobj(source, target)  # member 2: the body, as compressed
        os.replace(whole, out)
    return header


# --- reading and checking an archive -----------------------------------------------------------

@contextmanager
def _archive(path: Path) -> Iterator[tuple[dict[str, Any], Iterator[bytes]]]:
    """The header and an iterator over the body's lines (bytes, as hashed)."""
    if not path.is_file():
        raise BadArchive(f"{path}: no such file")
    with gzip.open(path, "rb") as handle:
        try:
            header = json.loads(handle.readline())
        except (OSError, EOFError, zlib.error, ValueError) as err:
            raise BadArchive(f"{path} is not a Prachakhom archive (or its start is damaged): {err}") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise BadArchive(f"{path} is not a Prachakhom archive (no '{FORMAT}' header)")
        if header.get("version") != VERSION:
            raise BadArchive(f"{path} is archive format version {header.get('version')}; this kit reads "
                             f"version {VERSION}: use the kit version that wrote it ({header.get('kit_version')})")
        yield header, iter(handle.readline, b"")


def _belongs(record: dict[str, Any], municipality: str, processes: set[str]) -> bool:
    """Whether the record is of `municipality` (its keys name it, and one of its processes)."""
    from chalicelib.storage.dynamodb import item_from_json

    kind = record.get("kind")
    scope = municipality_scope(municipality)
    if kind == "content_file":
        return scope_of(str(record["path"])) == scope
    if kind == "content_history":
        return scope_of(AuditEntry.from_json(record["entry"]).path) == scope
    if kind == "content_blob":
        return str(record["key"]).startswith(f"blobs/{scope}/")
    if kind == "staff":
        return all(isinstance(record[k], str) for k in ("sub", "username", "name")) and isinstance(record["roles"], list)
    item = item_from_json(record["item"])
    pk, sk = item["PK"]["S"], item["SK"]["S"]
    if kind == "content_item":
        return pk == f"CONTENT#{scope}" or (pk == "CONTENT" and sk == scope)
    if kind == "audit":
        return bool(pk == f"AUDIT#{municipality}")
    if kind == "effect":
        return bool(pk == "EFFECTS" and sk.startswith(f"EFFECT#{municipality}#"))
    if kind in ITEM_KINDS.values() and item_kind(item) == kind:
        prefix, _, rest = pk.partition("#")
        m, _, p = rest.partition("#")
        wanted = {"contact": "PRIVATE", "ballot": "BALLOTS"}.get(kind, "PROC")
        return prefix == wanted and m == municipality and p in processes
    return False


def check_archive(path: Path, municipality: str | None = None) -> dict[str, Any]:
    """Read the whole file: header, checksum, counts, every record parsed and of the municipality.
    Returns the header; BadArchive says what is wrong."""
    digest = hashlib.sha256()
    counts: Counter[str] = Counter()
    number = 1
    try:
        with _archive(path) as (header, lines):
            m = str(header.get("municipality", ""))
            if municipality is not None and municipality != m:
                raise BadArchive(f"{path} holds municipality '{m}', not '{municipality}'")
            processes = set(header.get("processes", []))
            for number, line in enumerate(lines, start=2):
                digest.update(line)
                record = json.loads(line)
                counts[record.get("kind", "?")] += 1
                if not _belongs(record, m, processes):
                    raise BadArchive(f"{path}, line {number}: a '{record.get('kind')}' record that is not of "
                                     f"municipality '{m}'; the file was changed: use an intact copy")
    except (OSError, EOFError, zlib.error) as err:
        raise BadArchive(f"{path} is truncated or damaged after line {number} ({err}); nothing was written: "
                         "use an intact copy of the archive") from None
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise BadArchive(f"{path}, line {number}: not a record ({err}); nothing was written") from None
    if digest.hexdigest() != header.get("body_sha256") or dict(counts) != header.get("counts"):
        raise BadArchive(f"{path} does not match its checksum (SHA-256 or line counts differ from the header): "
                         "the file is damaged or incomplete; nothing was written: use an intact copy")
    return header


def _records(path: Path, kinds: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
    wanted = set(kinds) if kinds is not None else None
    with _archive(path) as (_, lines):
        for line in lines:
            record = json.loads(line)
            if wanted is None or record["kind"] in wanted:
                yield record


# --- import ------------------------------------------------------------------------------------

def _fingerprint(record: dict[str, Any]) -> bytes:
    return hashlib.sha256(_line(record)).digest()


def foreign_data(sources: Sources, header: dict[str, Any], path: Path) -> int:
    """How many records of the municipality the target holds that the archive does not hold
    identically (0: empty, or a partial import of this very archive)."""
    m = header["municipality"]
    contacts = bool(header.get("contacts"))
    held = {_fingerprint(r) for r in records(sources, m, list(header["processes"]), contacts)}
    if not held:
        return 0
    for record in _records(path):
        held.discard(_fingerprint(record))
        if not held:
            return 0
    return len(held)


def import_archive(sources: Sources, path: Path, *, overwrite: bool = False,
                   municipality: str | None = None) -> dict[str, Any]:
    """Load the archive into `sources`; return its header. BadArchive / TargetHoldsData: nothing written."""
    from chalicelib.storage.audit import entry_from_item
    from chalicelib.storage.dynamodb import item_from_json
    from chalicelib.storage.repository import AlreadyExists

    from prachakhom.staff import Role

    header = check_archive(path, municipality)
    m = header["municipality"]
    if not overwrite:
        foreign = foreign_data(sources, header, path)
        if foreign:
            raise TargetHoldsData(f"the target already holds {foreign} record(s) of '{m}' that this archive "
                                  "does not: nothing was written. Import into an empty table and content store "
                                  "(before `content push` of that municipality), or pass --overwrite to write the "
                                  "archive over what is there")
    try:  # the first record of another kind of store raises before anything is written
        sources.content.import_records(_records(path, CONTENT_KINDS))
    except ValueError as err:
        raise BadArchive(f"{path}: its content was exported from a {header.get('content_store')} store: {err}"
                         ) from None
    sources.repository.import_items(item_from_json(r["item"]) for r in _records(path, set(ITEM_KINDS.values())))
    for r in _records(path, {"staff"}):
        if sources.staff.member(r["sub"]) is None:  # a person on several teams keeps the profile the target has
            sources.staff.save_profile(r["sub"], r["username"], r["name"])
        sources.staff.set_roles(r["sub"], m, [Role(x) for x in r["roles"]])
    for r in _records(path, {"audit"}):
        with contextlib.suppress(AlreadyExists):  # written by an interrupted run: entries are never overwritten
            sources.audit.append(entry_from_item(item_from_json(r["item"])))
    return header


# --- the commands ------------------------------------------------------------------------------

def sources_from_env(env: dict[str, str], store: str, content: Path) -> Sources:
    """The deployment named by the environment (`PRACHAKHOM_TABLE`, `PRACHAKHOM_DYNAMODB_ENDPOINT`,
    `PRACHAKHOM_CONTENT_BUCKET`…, as the API and `content push` read them); content from `store`."""
    from prachakhom.commands.content import deployment_store, open_store

    deployment = deployment_store(env)  # puts functions/ on the path
    from chalicelib.storage.audit import DynamoAuditLog
    from chalicelib.storage.dynamodb import DynamoRepository
    from chalicelib.storage.staff import DynamoStaffDirectory

    client, table = deployment.client, deployment.table
    content_store = deployment if store == "dynamodb" else open_store(store, content, env)
    return Sources(content_store, DynamoRepository(client, table), DynamoStaffDirectory(client, table),
                   DynamoAuditLog(client, table))


def add_export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--municipality", required=True, metavar="SLUG")
    p.add_argument("--out", type=Path, default=None, help="the archive (default: <slug>-<UTC time>.prachakhom.gz)")
    p.add_argument("--with-contacts", action="store_true",
                   help="also the proposers' contacts (staff-only personal data: keep the file as the table)")
    _common(p)


def add_import_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("archive", type=Path)
    p.add_argument("--municipality", default=None, metavar="SLUG", help="refuse an archive of another one")
    p.add_argument("--overwrite", action="store_true",
                   help="write over data the target already holds of the municipality (else refused)")
    _common(p)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", default="dynamodb",
                   help="content store: dynamodb (default: the deployment's) or a content folder path")
    p.add_argument("--content", type=Path, default=Path("content"), help=argparse.SUPPRESS)


def main_export(args: argparse.Namespace) -> int:
    sources = sources_from_env(dict(os.environ), args.store, args.content)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or Path(f"{args.municipality}-{stamp}.prachakhom.gz")
    if sources.content.version(municipality_scope(args.municipality)) is None:
        print(f"'{args.municipality}' has no content in {sources.content.identity}: is the slug right, "
              "and the environment the deployment's?", file=sys.stderr)
        return 1
    header = export_archive(sources, args.municipality, out, contacts=args.with_contacts,
                            store_kind="dynamodb" if args.store == "dynamodb" else "folder")
    counts = ", ".join(f"{n} {k}" for k, n in header["counts"].items())
    print(f"{out}: {header['lines']} records of {args.municipality} ({counts}); SHA-256 of the body "
          f"{header['body_sha256'][:16]}…", flush=True)
    if header["staff_only"]:
        print(f"holds staff-only data ({', '.join(header['staff_only'])}): keep it as you keep the table",
              flush=True)
    return 0


def main_import(args: argparse.Namespace) -> int:
    sources = sources_from_env(dict(os.environ), args.store, args.content)
    try:
        header = import_archive(sources, args.archive, overwrite=args.overwrite, municipality=args.municipality)
    except (BadArchive, TargetHoldsData) as err:
        print(f"refused: {err}", file=sys.stderr)
        return 1
    print(f"{args.archive}: {header['lines']} records of {header['municipality']} (exported "
          f"{header['exported_at']}) imported into {sources.content.identity}", flush=True)
    return 0

