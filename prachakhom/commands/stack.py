"""One CloudFormation stack, created or updated through change sets, watched until it settles, deleted.

What `sam deploy` does, with what a municipality's IT officer needs to see:

1. the stack's state decides the change set: none yet (or only reviewed) → CREATE; a first creation
   that failed and rolled back (`ROLLBACK_COMPLETE`: nothing left but retained resources) is deleted
   first; an operation under way is waited for; a stack stuck after a failed rollback stops the deploy
   with the command that frees it;
2. the change set is created (the SAM transform runs on AWS's side: `CAPABILITY_AUTO_EXPAND`, and the
   template names its roles' policies: `CAPABILITY_IAM`, `CAPABILITY_NAMED_IAM`) and waited for. One that
   "didn't contain changes" is deleted and nothing else happens: re-running a deploy is safe;
3. its changes are listed; one that would remove or replace a resource holding data (the table, the
   user pool, a bucket) is executed only when `confirm` says yes;
4. it is executed and the stack's events are shown as they come until the stack settles. A failure
   reports each resource that failed and why, and the state CloudFormation left (rolled back: the stack
   is as it was before).

The client is boto3's CloudFormation client, or anything answering the same calls (tests: moto's).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError
from rich.console import Console

CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
DONE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})
ROLLED_BACK = frozenset({"ROLLBACK_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"})
STUCK = frozenset({"ROLLBACK_FAILED", "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED", "CREATE_FAILED",
                   "UPDATE_FAILED", "IMPORT_ROLLBACK_FAILED"})
SETTLED = DONE | ROLLED_BACK | STUCK | {"DELETE_COMPLETE", "REVIEW_IN_PROGRESS"}
FAILED_RESOURCE = frozenset({"CREATE_FAILED", "UPDATE_FAILED", "DELETE_FAILED"})
DATA_TYPES = frozenset({"AWS::DynamoDB::Table", "AWS::Cognito::UserPool", "AWS::S3::Bucket"})
"""Resources whose removal or replacement loses what residents and staff stored."""


class StackError(Exception):
    """The stack could not be brought where it was asked; the message says why and what to do."""

    def __init__(self, message: str, status: str | None = None, reasons: Iterable[str] = ()) -> None:
        self.status, self.reasons = status, tuple(reasons)
        super().__init__("\n".join([message, *(f"  - {r}" for r in self.reasons)]))


def error_message(err: Exception) -> str:
    """The service's own words: a ClientError's message, or the `message` of a JSON body botocore
    could not parse (moto answers some CloudFormation errors in JSON), else the exception's text."""
    if isinstance(err, ClientError):
        return str(err.response.get("Error", {}).get("Message") or err)
    found = re.search(r'"message": "([^"]*)"', str(err))
    return found.group(1) if found else str(err)


@dataclass(frozen=True)
class Stack:
    name: str
    id: str
    status: str
    parameters: Mapping[str, str]
    outputs: Mapping[str, str]


@dataclass(frozen=True)
class Change:
    action: str  # Add | Modify | Remove
    logical_id: str
    resource_type: str
    replacement: str = ""  # True | False | Conditional (Modify only)

    @property
    def loses_data(self) -> bool:
        return self.resource_type in DATA_TYPES and (
            self.action == "Remove" or self.replacement in ("True", "Conditional"))


@dataclass(frozen=True)
class Applied:
    """What `apply` did: `executed` is False when nothing had changed."""

    stack: Stack
    changes: tuple[Change, ...] = ()
    executed: bool = False


@dataclass
class CloudFormation:
    client: Any
    console: Console = field(default_factory=Console)
    sleep: Callable[[float], None] = time.sleep
    poll_seconds: float = 5.0
    timeout: timedelta = timedelta(hours=2)
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    # --- reading ------------------------------------------------------------------------------------
    def describe(self, name: str) -> Stack | None:
        """The stack, or None if there is none of that name (deleted stacks are not listed by name)."""
        try:
            (found,) = self.client.describe_stacks(StackName=name)["Stacks"]
        except ClientError as err:
            if "does not exist" in str(err):
                return None
            raise
        return Stack(name, found["StackId"], found["StackStatus"],
                     {p["ParameterKey"]: p.get("ParameterValue", "") for p in found.get("Parameters", [])},
                     {o["OutputKey"]: o.get("OutputValue", "") for o in found.get("Outputs", [])})

    # --- create or update ---------------------------------------------------------------------------
    def apply(self, name: str, template_url: str, parameters: Mapping[str, str], template_parameters: Iterable[str],
              tags: Mapping[str, str], confirm: Callable[[list[Change]], bool] = lambda changes: True) -> Applied:
        """Create or update `name` from the template at `template_url`.

        `parameters` are set; every other parameter the template declares keeps the stack's current
        value (`UsePreviousValue`), or its default on a first creation."""
        current = self._ready(name)
        kind = "CREATE" if current is None or current.status == "REVIEW_IN_PROGRESS" else "UPDATE"
        keep = [] if kind == "CREATE" or current is None else [
            k for k in template_parameters if k not in parameters and k in current.parameters]
        change_set = f"prachakhom-{self.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"  # two passes in a second
        try:
            created = self.client.create_change_set(
                StackName=name, ChangeSetName=change_set, ChangeSetType=kind, TemplateURL=template_url,
                Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]
                + [{"ParameterKey": k, "UsePreviousValue": True} for k in keep],
                Capabilities=list(CAPABILITIES), Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
                Description="prachakhom deploy")
        except ClientError as err:
            if any(marker in str(err) for marker in NO_CHANGES):
                return Applied(self._require(name))
            raise
        described = self._wait_change_set(created["Id"])
        if described["Status"] == "FAILED":
            reason = described.get("StatusReason", "")
            self.client.delete_change_set(ChangeSetName=created["Id"])
            if any(marker in reason for marker in NO_CHANGES):
                self.console.print(f"[green]stack {name}: no changes[/green]")
                return Applied(self._require(name))
            raise StackError(f"CloudFormation refused the change set for {name}", kind, [reason])
        changes = self._changes(described)
        self._show_changes(name, kind, changes)
        if not confirm(changes):
            self.client.delete_change_set(ChangeSetName=created["Id"])
            raise StackError(f"not deployed: the changes to {name} were not confirmed (change set deleted)")
        started = self.now() - timedelta(seconds=5)  # the events' clock is AWS's, not ours
        try:
            self.client.execute_change_set(ChangeSetName=created["Id"])
        except (ClientError, BotoCoreError, ResponseParserError) as err:
            # AWS accepts the execution and fails later (events, below); an emulator may refuse at once
            message = error_message(err)
            raise StackError(f"CloudFormation refused to {kind.lower()} {name}: {message}. "
                             "Of the resources it was to add, these do not stand:", kind,
                             self._not_made(name, changes)) from err
        stack = self._wait(name, started)
        if stack.status not in DONE:
            raise StackError(self._failure(name, kind, stack.status), stack.status,
                             self._failed_reasons(name, started))
        return Applied(stack, tuple(changes), True)

    def _ready(self, name: str) -> Stack | None:
        """The stack in a state a change set may start from (see the module's note)."""
        current = self.describe(name)
        if current is not None and current.status not in SETTLED:
            self.console.print(f"stack {name} is {current.status}: waiting for it to settle")
            current = self._wait(name, self.now())
        if current is None:
            return None
        if current.status in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED"):
            self.console.print(f"[yellow]stack {name}: its first creation failed ({current.status}); "
                               "deleting what is left before creating it again[/yellow]")
            self.delete(name)
            return None
        if current.status in STUCK:
            raise StackError(
                f"stack {name} is {current.status}: CloudFormation could not roll back. Look at its events "
                "(aws cloudformation describe-stack-events), fix the cause, then run "
                f"`aws cloudformation continue-update-rollback --stack-name {name}` and deploy again",
                current.status)
        return current

    def _require(self, name: str) -> Stack:
        stack = self.describe(name)
        if stack is None:
            raise StackError(f"stack {name} disappeared while deploying")
        return stack

    def _wait_change_set(self, change_set_id: str) -> dict[str, Any]:
        deadline = self.now() + self.timeout
        while True:
            described: dict[str, Any] = self.client.describe_change_set(ChangeSetName=change_set_id)
            if described["Status"] in ("CREATE_COMPLETE", "FAILED"):
                return described
            if self.now() > deadline:
                raise StackError(f"change set {change_set_id} still {described['Status']} after {self.timeout}")
            self.sleep(self.poll_seconds)

    @staticmethod
    def _changes(described: Mapping[str, Any]) -> list[Change]:
        out = []
        for change in described.get("Changes", []):
            rc = change.get("ResourceChange", {})
            out.append(Change(rc.get("Action", "?"), rc.get("LogicalResourceId", "?"), rc.get("ResourceType", "?"),
                              str(rc.get("Replacement", "") or "")))
        return out

    def _show_changes(self, name: str, kind: str, changes: list[Change]) -> None:
        verb = "creating" if kind == "CREATE" else "updating"
        self.console.print(f"stack {name}: {verb}, {len(changes)} resource change(s)")
        for c in changes:
            note = " [red](replaced: its data would be lost)[/red]" if c.loses_data else (
                " (replaced)" if c.replacement == "True" else "")
            self.console.print(f"  {c.action:<7} {c.logical_id} [dim]{c.resource_type}[/dim]{note}")

    # --- waiting, with the events as they come ---------------------------------------------------------
    def _wait(self, name: str, since: datetime) -> Stack:
        seen: set[str] = set()
        deadline = self.now() + self.timeout
        with self.console.status(f"stack {name}: waiting for CloudFormation") as status:
            while True:
                for event in self._events(name, since, seen):
                    self._show_event(event)
                stack = self.describe(name)
                if stack is None:
                    return Stack(name, "", "DELETE_COMPLETE", {}, {})
                if stack.status in SETTLED:
                    return stack
                if self.now() > deadline:
                    raise StackError(f"stack {name} still {stack.status} after {self.timeout}", stack.status)
                status.update(f"stack {name}: {stack.status}")
                self.sleep(self.poll_seconds)

    def _events(self, name: str, since: datetime, seen: set[str]) -> list[dict[str, Any]]:
        """Events after `since` not shown yet, oldest first (the API lists newest first)."""
        fresh = []
        try:
            pages = self.client.get_paginator("describe_stack_events").paginate(StackName=name)
            for page in pages:
                older = False
                for event in page.get("StackEvents", []):
                    stamp = event["Timestamp"]
                    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
                    if stamp < since:
                        older = True
                        break
                    if event["EventId"] not in seen:
                        seen.add(event["EventId"])
                        fresh.append(event)
                if older:
                    break
        except ClientError as err:
            if "does not exist" in str(err):
                return []
            raise
        return fresh[::-1]

    def _show_event(self, event: Mapping[str, Any]) -> None:
        status = event.get("ResourceStatus", "")
        colour = "red" if "FAILED" in status or "ROLLBACK" in status else (
            "green" if status.endswith("_COMPLETE") else "default")
        reason = event.get("ResourceStatusReason") or ""
        self.console.print(f"  [{colour}]{status:<22}[/{colour}] {event.get('LogicalResourceId', '')} "
                           f"[dim]{event.get('ResourceType', '')}[/dim]" + (f" — {reason}" if reason else ""))

    def _failed_reasons(self, name: str, since: datetime) -> list[str]:
        reasons = []
        for event in self._events(name, since, set()):
            reason = event.get("ResourceStatusReason") or ""
            if event.get("ResourceStatus") in FAILED_RESOURCE and "cancelled" not in reason.lower():
                reasons.append(f"{event.get('LogicalResourceId')} ({event.get('ResourceType')}): {reason}")
        return reasons

    def _not_made(self, name: str, changes: list[Change]) -> list[str]:
        """The added resources the stack cannot describe after an execution refused at once. (moto
        re-reads its whole resource map on each lookup, so there every one is listed.)"""
        missing = []
        for change in changes:
            if change.action != "Add":
                continue
            try:
                self.client.describe_stack_resource(StackName=name, LogicalResourceId=change.logical_id)
            except (ClientError, BotoCoreError, ResponseParserError):
                missing.append(f"{change.logical_id} ({change.resource_type})")
        return missing

    @staticmethod
    def _failure(name: str, kind: str, status: str) -> str:
        if status == "UPDATE_ROLLBACK_COMPLETE":
            return (f"the update of {name} failed and was rolled back: the stack is as it was before this "
                    "deploy. The resources below failed:")
        if status == "ROLLBACK_COMPLETE":
            return (f"the creation of {name} failed and was rolled back (the next deploy deletes what is left "
                    "and tries again). The resources below failed:")
        return f"{kind.lower()} of {name} ended {status}. The resources below failed:"

    # --- deleting --------------------------------------------------------------------------------------
    def delete(self, name: str) -> None:
        """Delete the stack and wait; resources with `DeletionPolicy: Retain` stay (CloudFormation's rule)."""
        current = self.describe(name)
        if current is None:
            return
        started = self.now() - timedelta(seconds=5)
        self.client.delete_stack(StackName=current.id)
        # a deleted stack is described by its id, no longer by its name
        stack = self._wait(current.id, started)
        if stack.status != "DELETE_COMPLETE":
            raise StackError(f"stack {name} could not be deleted ({stack.status})", stack.status,
                             self._failed_reasons(current.id, started))
