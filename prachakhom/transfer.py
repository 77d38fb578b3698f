"""Move one scope (a municipality, or the national templates) between a folder and a store.

`push` makes the store's files of the scope equal to the folder's; `pull` the folder's equal to the
store's. Both are plans first — every file compared by its version (SHA-256), every conflict found —
and writes only if there is none, so a refused push changes nothing.

What counts as a conflict — the other side changed a file since this folder last synced with that
store. The versions of the last sync are kept per store in a small JSON file (by default
`<folder>/.prachakhom-store.json`, git-ignored). Without a record, a push may replace what an
earlier push wrote (author `push:…`), never what staff wrote in the store; a pull never overwrites a
local file that differs. `force` overrides (it is still audited).

Two more rules for templates: a published template version is never changed (a change is a new
`v<N+1>.yaml`: processes keep the version they adopted), and nothing is pushed that does not validate
(a municipality against the templates already in the store).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from prachakhom.content import load_municipality, load_templates
from prachakhom.errors import ContentError, Problem
from prachakhom.store import TEMPLATES, ContentStore, FileChange, FileInfo, VersionConflict

PUSH_AUTHOR_PREFIX = "push:"

Kind = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class Change:
    kind: Kind
    path: str
    expected: str | None
    """The version the change replaces on the side written (None: a new file)."""
    data: bytes | None = None


@dataclass
class Plan:
    scope: str
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)
    result: dict[str, str] = field(default_factory=dict)
    """Path → version of every file of the scope once the plan is carried out (the source's)."""

    def counts(self) -> str:
        n = {k: sum(1 for c in self.changes if c.kind == k) for k in ("create", "update", "delete")}
        return (f"{n['create']} created, {n['update']} updated, {n['delete']} deleted, "
                f"{self.unchanged} unchanged")


class SyncRecord:
    """The versions each file had when this folder last synced with a store (per store identity)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, dict[str, str]] = (
            json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {})

    def versions(self, store: ContentStore, scope: str) -> dict[str, str]:
        known = self.data.get(store.identity, {})
        return {p: v for p, v in known.items() if p == scope or p.startswith(scope + "/")}

    def save(self, store: ContentStore, scope: str, versions: dict[str, str]) -> None:
        known = {p: v for p, v in self.data.get(store.identity, {}).items()
                 if not (p == scope or p.startswith(scope + "/"))}
        self.data[store.identity] = dict(sorted({**known, **versions}.items()))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, ensure_ascii=False), encoding="utf-8")
        tmp.replace(self.path)


def _who(info: FileInfo) -> str:
    when = f" on {info.updated_at.isoformat(timespec='seconds')}" if info.updated_at else ""
    return f"{info.updated_by or 'someone'}{when}"


def plan_push(folder: ContentStore, store: ContentStore, scope: str, synced: dict[str, str],
              force: bool = False) -> Plan:
    """What a push of `scope` would write to `store`, and what stops it."""
    plan = Plan(scope)
    local = {f.path: f for f in folder.read_all(scope)}
    remote = {i.path: i for i in store.list_files(scope)}
    plan.result = {path: file.version for path, file in local.items()}
    for path, file in local.items():
        there = remote.get(path)
        if there is not None and there.version == file.version:
            plan.unchanged += 1
            continue
        if there is None:
            if path in synced and not force:
                plan.conflicts.append(f"{path}: deleted in the store after your last sync; pull first "
                                      "(or push --force to bring it back)")
            plan.changes.append(Change("create", path, None, file.data))
            continue
        if scope == TEMPLATES and not force:
            plan.conflicts.append(f"{path}: this template version is published and processes use it; "
                                  "publish the change as a new version (the next v<N>.yaml) instead")
        problem = _remote_changed(path, there, synced)
        if problem and not force:
            plan.conflicts.append(problem)
        plan.changes.append(Change("update", path, there.version, file.data))
    for path, there in remote.items():
        if path in local:
            continue
        problem = _remote_changed(path, there, synced)
        if problem and not force:
            plan.conflicts.append(problem.replace("overwrite", "delete"))
        plan.changes.append(Change("delete", path, there.version))
    return plan


def _remote_changed(path: str, there: FileInfo, synced: dict[str, str]) -> str | None:
    """Why replacing the store's copy would lose someone's change, or None if it would not."""
    if path in synced:
        if synced[path] == there.version:
            return None
        return (f"{path}: changed in the store by {_who(there)} after your last sync; pull first, "
                "or push --force to overwrite it")
    if (there.updated_by or "").startswith(PUSH_AUTHOR_PREFIX):
        return None
    return (f"{path}: written in the store by {_who(there)}, not by a push; pull first, "
            "or push --force to overwrite it")


def plan_pull(store: ContentStore, folder: ContentStore, scope: str, synced: dict[str, str],
              force: bool = False) -> Plan:
    """What a pull of `scope` would write to `folder`, and what stops it."""
    plan = Plan(scope)
    remote = {f.path: f for f in store.read_all(scope)}
    local = {i.path: i for i in folder.list_files(scope)}
    plan.result = {path: file.version for path, file in remote.items()}
    for path, file in remote.items():
        here = local.get(path)
        if here is not None and here.version == file.version:
            plan.unchanged += 1
            continue
        if here is not None and synced.get(path) != here.version and not force:
            plan.conflicts.append(f"{path}: your copy has changes that are not in the store; push them "
                                  "first, or pull --force to replace your copy")
        plan.changes.append(Change("create" if here is None else "update", path,
                                   here.version if here else None, file.data))
    for path, here in local.items():
        if path in remote:
            continue
        if synced.get(path) != here.version and not force:
            plan.conflicts.append(f"{path}: only in your folder (never pushed, or changed since); push it, "
                                  "or pull --force to delete your copy")
        plan.changes.append(Change("delete", path, here.version))
    return plan


def apply(plan: Plan, target: ContentStore, author: str) -> None:
    """Write the planned changes (in few transactions on DynamoDB); a file changed meanwhile stops
    here with VersionConflict."""
    target.write_many([FileChange(c.path, None if c.kind == "delete" else c.data, c.expected)
                       for c in plan.changes], author)


def check_before_push(folder: ContentStore, store: ContentStore, scope: str) -> list[Problem]:
    """Validation of what would be pushed: templates on their own; a municipality against the
    templates the store already has (what the API will load it with)."""
    try:
        if scope == TEMPLATES:
            load_templates(folder)
            return []
        templates = load_templates(store)
        if not templates:
            return [Problem(f"{store.label}/{TEMPLATES}", "", "the store has no templates yet; push them first "
                            "(prachakhom content push --templates)")]
        load_municipality(folder, scope.split("/", 1)[1], templates)
    except ContentError as err:
        return err.problems
    return []


@dataclass
class Outcome:
    plan: Plan
    problems: list[str]
    written: bool


def transfer(source: ContentStore, target: ContentStore, scope: str, *, record: SyncRecord,
             remote: ContentStore, author: str, force: bool = False, dry_run: bool = False,
             planner: Callable[..., Plan] = plan_push) -> Outcome:
    """Plan, check, write and record one scope. `remote` is whichever side is the deployment's store
    (the record is kept per remote store)."""
    synced = record.versions(remote, scope)
    plan = planner(source, target, scope, synced, force)
    problems = list(plan.conflicts)
    if planner is plan_push:
        problems += [str(p) for p in check_before_push(source, target, scope)]
    if problems or dry_run:
        return Outcome(plan, problems, False)
    try:
        apply(plan, target, author)
    except VersionConflict as err:
        return Outcome(plan, [str(err)], False)
    record.save(remote, scope, plan.result)
    return Outcome(plan, [], True)


def push(folder: ContentStore, store: ContentStore, scope: str, record: SyncRecord, author: str,
         force: bool = False, dry_run: bool = False) -> Outcome:
    return transfer(folder, store, scope, record=record, remote=store, author=author, force=force,
                    dry_run=dry_run, planner=plan_push)


def pull(store: ContentStore, folder: ContentStore, scope: str, record: SyncRecord, author: str,
         force: bool = False, dry_run: bool = False) -> Outcome:
    return transfer(store, folder, scope, record=record, remote=store, author=author, force=force,
                    dry_run=dry_run, planner=plan_pull)
