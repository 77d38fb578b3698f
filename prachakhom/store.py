"""The content store: where the content files live, read and written through one small interface.

The files are the same everywhere — `templates/<template>/v<N>.yaml`,
`municipalities/<slug>/municipality.yaml`, `municipalities/<slug>/processes/<slug>/…` — and so is
their validation (`prachakhom.content`). Where they live differs:

* `FolderStore` (here): a folder on disk — the repository's `content/`, tests, the local tooling.
* the DynamoDB store (`functions/chalicelib/storage/content.py`): a deployment — one item per file,
  large files (ballot files, photos) in an S3 bucket beside the table.

Both are run through one contract suite (`tests/test_content_store_contract.py`).

Rules every implementation keeps:

* A path is relative, POSIX, inside one *scope*: `templates` (every national template) or
  `municipalities/<slug>` (one municipality). A scope has a *version* that changes whenever any of
  its files does: the API reads it (cheaply) to know when to reload a municipality.
* A file's version is the SHA-256 of its bytes. A write names the version it replaces (`None`: the
  file must not exist yet); if the file has changed since, the write is refused with
  `VersionConflict`, which says who changed it, when, and from which version to which.
* Every write and delete leaves an audit entry (who, when, which file, hash before → after); the
  DynamoDB store writes it in the same transaction as the file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, cast

TEMPLATES = "templates"
MUNICIPALITIES = "municipalities"
MAX_PATH = 400
"""Longest path accepted (well under DynamoDB's 1,024-byte sort key, counting the key prefix)."""

Action = Literal["create", "update", "delete"]
_SEGMENT = re.compile(r"^[^/\\\x00-\x1f.][^/\\\x00-\x1f]*$")


class BadPath(ValueError):
    """A path that is not a content file's place: outside the two scopes, absolute, `..`, hidden."""


def check_path(path: str) -> str:
    """`path` if it names a file inside a scope; raise BadPath saying what a path looks like."""
    parts = path.split("/")
    ok = (
        len(path) <= MAX_PATH
        and all(_SEGMENT.match(part) for part in parts)
        and ((parts[0] == TEMPLATES and len(parts) >= 3) or (parts[0] == MUNICIPALITIES and len(parts) >= 3))
    )
    if not ok:
        raise BadPath(
            f"'{path}' is not a content file path: use templates/<template>/<file> or "
            "municipalities/<slug>/<file>, with '/' between parts, no '..', no part starting with '.'"
        )
    return path


def scope_of(path: str) -> str:
    """`templates` or `municipalities/<slug>`: the unit that carries a version."""
    parts = path.strip("/").split("/")
    if parts[0] == TEMPLATES:
        return TEMPLATES
    if parts[0] == MUNICIPALITIES and len(parts) >= 2 and parts[1]:
        return f"{MUNICIPALITIES}/{parts[1]}"
    raise BadPath(f"'{path}' is in no scope: start it with templates/ or municipalities/<slug>/")


def municipality_scope(slug: str) -> str:
    return f"{MUNICIPALITIES}/{slug}"


def folder_prefix(prefix: str) -> str:
    """A listing prefix as a folder: `municipalities/x` → `municipalities/x/` (so `x` never matches `xy`)."""
    scope_of(prefix)
    return prefix.strip("/") + "/"


def file_version(data: bytes) -> str:
    """A file's version: the SHA-256 of its bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class FileInfo:
    """A stored file without its bytes."""

    path: str
    version: str
    size: int
    updated_at: datetime | None = None
    updated_by: str | None = None


class ContentFile:
    """A stored file; its bytes are fetched on first use (a photo in S3 is not downloaded to be listed)."""

    __slots__ = ("path", "updated_at", "updated_by", "local", "_data", "_fetch", "_version")

    def __init__(self, path: str, data: bytes | None = None, *, version: str | None = None,
                 fetch: Callable[[], bytes] | None = None, updated_at: datetime | None = None,
                 updated_by: str | None = None, local: Path | None = None) -> None:
        if data is None and fetch is None:
            raise ValueError("a ContentFile needs its data or a way to fetch it")
        self.path = path
        self.updated_at, self.updated_by = updated_at, updated_by
        self.local = local
        """The file on this machine, when the store is a folder (else None)."""
        self._data, self._fetch, self._version = data, fetch, version

    @property
    def data(self) -> bytes:
        if self._data is None:
            assert self._fetch is not None
            self._data = self._fetch()
        return self._data

    @property
    def version(self) -> str:
        if self._version is None:
            self._version = file_version(self.data)
        return self._version

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def info(self) -> FileInfo:
        return FileInfo(self.path, self.version, len(self.data), self.updated_at, self.updated_by)


@dataclass(frozen=True)
class FileChange:
    """One file of a change set (`ContentStore.write_many`): new bytes, or None to delete it."""

    path: str
    data: bytes | None
    expected: str | None
    """The version replaced (None: a new file)."""


@dataclass(frozen=True)
class AuditEntry:
    """One change to one file: who, when, and the file's version (hash) before → after."""

    path: str
    action: Action
    before: str | None
    after: str | None
    by: str
    at: datetime

    def to_json(self) -> dict[str, str | None]:
        return {"path": self.path, "action": self.action, "before": self.before, "after": self.after,
                "by": self.by, "at": self.at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditEntry:
        action = {"create": "create", "update": "update", "delete": "delete"}[data["action"]]
        return cls(str(data["path"]), cast(Action, action), data.get("before"), data.get("after"),
                   str(data["by"]), datetime.fromisoformat(data["at"]))


ContentRecord = dict[str, Any]
"""One piece of a scope in a backup (`prachakhom export`), JSON-able (bytes as base64). A folder gives
`content_file` (path, data) and `content_history` (an audit entry); a deployment's store gives its
items as stored (`content_item`, DynamoDB JSON) and the large files of its bucket (`content_blob`)."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


class StoreUnavailable(Exception):
    """The store could not answer now (throttled, unreachable): try again later. The API answers 503
    with Retry-After; the catalog serves what it has cached."""


def _short(version: str | None) -> str:
    return version[:12] if version else "none"


class VersionConflict(Exception):
    """A write named a version the file no longer has (or expected a new file that exists)."""

    code = "content_changed"

    def __init__(self, path: str, expected: str | None, current: FileInfo | None) -> None:
        self.path, self.expected, self.current = path, expected, current
        super().__init__(self.describe())

    def describe(self) -> str:
        if self.current is None:
            return (f"{self.path} was deleted after you read it (you had version {_short(self.expected)}); "
                    "read the folder again before saving")
        who = self.current.updated_by or "someone"
        when = f" on {self.current.updated_at.isoformat(timespec='seconds')}" if self.current.updated_at else ""
        if self.expected is None:
            return (f"{self.path} already exists (version {_short(self.current.version)}, written by {who}{when}); "
                    "read it and save your change over that version")
        return (f"{self.path} was changed by {who}{when} after you read it: version {_short(self.expected)} → "
                f"{_short(self.current.version)}; read it again, make your change on the new version and save")


class ContentStore(Protocol):
    """Where content files are read and written (a folder, or a deployment's table and bucket)."""

    label: str
    """How reports name the store's root: problems read `<label>/municipalities/…`."""
    identity: str
    """Which store this is (`folder:/abs/path`, `dynamodb:<endpoint>/<table>`): keys pushed versions."""

    def read(self, path: str) -> ContentFile | None:
        """One file, or None if there is none at `path`."""

    def list_files(self, prefix: str) -> list[FileInfo]:
        """Every file under the folder `prefix` (inside one scope), sorted by path, without bytes."""

    def read_all(self, prefix: str) -> list[ContentFile]:
        """Every file under `prefix`, sorted by path; bytes fetched on first use (one query on DynamoDB)."""

    def write(self, path: str, data: bytes, expected: str | None, author: str) -> FileInfo:
        """Store `data` at `path` if the file is still at version `expected` (None: it must not exist).

        Raises VersionConflict otherwise, BadPath for a path outside the scopes. Leaves an audit entry.
        A write whose bytes are already there succeeds without a change (a retried write is harmless)."""

    def delete(self, path: str, expected: str, author: str) -> None:
        """Remove the file if it is still at version `expected` (else VersionConflict); audited.
        Deleting a file that is already gone succeeds without a change."""

    def write_many(self, changes: Sequence[FileChange], author: str) -> None:
        """Writes and deletes as `write` and `delete` do, each audited, in as few steps as the store
        allows (DynamoDB: one transaction per 40 files of a scope, each all or nothing)."""

    def version(self, scope: str) -> str | None:
        """The scope's version (changes with any of its files); None if the scope has no files."""

    def municipalities(self) -> list[str]:
        """The slug of every municipality with files, sorted."""

    def history(self, scope: str) -> list[AuditEntry]:
        """The scope's audit entries, oldest first."""

    def export_records(self, scope: str) -> Iterator[ContentRecord]:
        """Everything the store keeps of `scope` (files, history, counters), as it keeps it, a file
        at a time."""

    def import_records(self, records: Iterable[ContentRecord]) -> int:
        """Store records exported by a store of the same kind, as they were; replaces what has the
        same path or key (a re-run is harmless). ValueError for a record of another kind of store."""


def now_utc() -> datetime:
    return datetime.now(UTC)


class FolderStore:
    """Content files in a folder: the repository's `content/`, tests, local tooling.

    Writes go to a temporary file renamed over the target (readers never see half a file) under a
    lock (a thread lock, plus `flock` on `<root>/.lock` where the OS has it, for other processes).
    The audit log is `<root>/.audit.jsonl` (hidden files are never content: the loader skips them).
    """

    def __init__(self, root: Path, clock: Callable[[], datetime] = now_utc) -> None:
        self.root = Path(root)
        self.label = self.root.resolve().name or "content"
        self.identity = f"folder:{self.root.resolve()}"
        self._clock = clock
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FolderStore({str(self.root)!r})"

    # --- reading ---------------------------------------------------------------------------------
    def local_path(self, path: str) -> Path:
        return self.root / check_path(path)

    def read(self, path: str) -> ContentFile | None:
        file = self.local_path(path)
        try:
            data = file.read_bytes()
            stat = file.stat()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        return ContentFile(path, data, updated_at=_mtime(stat.st_mtime), local=file)

    def _walk(self, prefix: str) -> Iterator[tuple[str, Path]]:
        base = self.root / folder_prefix(prefix)
        for folder, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            rel = Path(folder).relative_to(self.root).as_posix()
            for name in sorted(files):
                if not name.startswith("."):
                    yield f"{rel}/{name}", Path(folder, name)

    def list_files(self, prefix: str) -> list[FileInfo]:
        infos = []
        for path, file in self._walk(prefix):
            data = file.read_bytes()
            infos.append(FileInfo(path, file_version(data), len(data), _mtime(file.stat().st_mtime)))
        return sorted(infos, key=lambda i: i.path)

    def read_all(self, prefix: str) -> list[ContentFile]:
        files = [ContentFile(path, fetch=file.read_bytes, local=file) for path, file in self._walk(prefix)]
        return sorted(files, key=lambda f: f.path)

    def version(self, scope: str) -> str | None:
        """A digest of every file's path, size, modification time and inode (a rename-over write
        gets a new inode): no file is read, so checking it every few seconds costs a directory walk."""
        digest = hashlib.sha256()
        count = 0
        for path, file in self._walk(scope):
            try:
                st = file.stat()
            except FileNotFoundError:
                continue
            digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\n".encode())
            count += 1
        return digest.hexdigest()[:32] if count else None

    def municipalities(self) -> list[str]:
        folder = self.root / MUNICIPALITIES
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))

    def history(self, scope: str) -> list[AuditEntry]:
        log = self.root / ".audit.jsonl"
        if not log.is_file():
            return []
        entries = [AuditEntry.from_json(json.loads(line)) for line in log.read_text(encoding="utf-8").splitlines()
                   if line.strip()]
        return [e for e in entries if scope_of(e.path) == scope]

    # --- backup and restore ----------------------------------------------------------------------
    def export_records(self, scope: str) -> Iterator[ContentRecord]:
        for path, file in self._walk(scope):
            yield {"kind": "content_file", "path": path, "data": b64(file.read_bytes())}
        for entry in self.history(scope):
            yield {"kind": "content_history", "entry": entry.to_json()}

    def import_records(self, records: Iterable[ContentRecord]) -> int:
        count = 0
        with self._locked():
            known = {json.dumps(e.to_json(), sort_keys=True) for e in self._all_history()}
            for record in records:
                if record["kind"] == "content_file":
                    file = self.local_path(record["path"])
                    file.parent.mkdir(parents=True, exist_ok=True)
                    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
                    tmp.write_bytes(unb64(record["data"]))
                    os.replace(tmp, file)
                elif record["kind"] == "content_history":
                    entry = AuditEntry.from_json(record["entry"])
                    line = json.dumps(entry.to_json(), sort_keys=True)
                    if line not in known:  # a re-run adds no entry twice
                        self._audit(entry)
                        known.add(line)
                else:
                    raise ValueError(f"a folder cannot hold a '{record['kind']}' record (it comes from a "
                                     "deployment's store: import the archive into one, or `content pull` after)")
                count += 1
        return count

    def _all_history(self) -> list[AuditEntry]:
        log = self.root / ".audit.jsonl"
        if not log.is_file():
            return []
        return [AuditEntry.from_json(json.loads(line)) for line in log.read_text(encoding="utf-8").splitlines()
                if line.strip()]

    # --- writing ---------------------------------------------------------------------------------
    def write(self, path: str, data: bytes, expected: str | None, author: str) -> FileInfo:
        file = self.local_path(path)
        version = file_version(data)
        with self._locked():
            current = self._current(path)
            if (current.version if current else None) != expected:
                if current is not None and current.version == version:
                    return current  # already what this write wants (a retry): nothing to change
                raise VersionConflict(path, expected, current)
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, file)
            at = self._clock()
            action: Action = "create" if expected is None else "update"
            self._audit(AuditEntry(path, action, expected, version, author, at))
        return FileInfo(path, version, len(data), at, author)

    def delete(self, path: str, expected: str, author: str) -> None:
        file = self.local_path(path)
        with self._locked():
            current = self._current(path)
            if current is None:
                return  # already gone (a retry): nothing to change
            if current.version != expected:
                raise VersionConflict(path, expected, current)
            file.unlink()
            self._audit(AuditEntry(path, "delete", expected, None, author, self._clock()))
            _remove_empty_parents(file.parent, self.root)

    def write_many(self, changes: Sequence[FileChange], author: str) -> None:
        for change in changes:
            if change.data is None:
                assert change.expected is not None
                self.delete(change.path, change.expected, author)
            else:
                self.write(change.path, change.data, change.expected, author)

    def _current(self, path: str) -> FileInfo | None:
        found = self.read(path)
        return found.info() if found is not None else None

    def _audit(self, entry: AuditEntry) -> None:
        with open(self.root / ".audit.jsonl", "a", encoding="utf-8") as log:
            log.write(json.dumps(entry.to_json(), ensure_ascii=False) + "\n")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            try:
                import fcntl
            except ImportError:  # not POSIX: the thread lock alone
                yield
                return
            self.root.mkdir(parents=True, exist_ok=True)
            with open(self.root / ".lock", "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                yield  # closing the file releases the flock


def _mtime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _remove_empty_parents(folder: Path, root: Path) -> None:
    """After a delete, drop folders left empty (a store has no empty folders)."""
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
