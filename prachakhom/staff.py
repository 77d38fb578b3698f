"""Staff roles per municipality and the one table of what each role may do.

Roles are kept in the table, not as Cognito groups: a user pool allows 10,000 groups and 7,850
municipalities times five roles do not fit. A staff member (a Cognito user, known by its `sub`)
holds any number of grants, each one role in one municipality, so one person may moderate in one
place and enter data in another. National staff hold their role for every municipality at once
(`ALL_MUNICIPALITIES`): they publish templates and read every municipality's staff views, and
change nothing there.

`may(grants, municipality, action)` is the only question the API asks; `PERMISSIONS` is the only
place the answer is written down.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

ALL_MUNICIPALITIES = "*"
"""The scope of a national grant (and the municipality argument of national actions)."""

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Role(StrEnum):
    ADMIN = "admin"
    """Everything in its municipality, including who else works there."""
    MODERATOR = "moderator"
    """Proposals and comments: approve, reject, undo, correct, merge, hide."""
    DATA_ENTRY = "data_entry"
    """What happens on paper: forum proposals, check-in, paper ballots, project progress."""
    REVIEWER = "reviewer"
    """Technical feasibility of proposals (cost, responsible division)."""
    NATIONAL = "national"
    """National templates; read-only in every municipality."""


class Action(StrEnum):
    """Everything a staff member can do, as the API and the console name it."""

    VIEW = "view"
    """Read-only staff views: queues, the process's settings, projects, the team."""
    READ_CONTACTS = "read_contacts"
    """Proposers' phone numbers and e-mail (PDPA: only who must call them back)."""
    MODERATE = "moderate"
    ASSIGN_REVIEW = "assign_review"
    REVIEW_FEASIBILITY = "review_feasibility"
    ENTER_PROPOSALS = "enter_proposals"
    """Proposals made at the village forum, typed in from paper."""
    CHECK_IN = "check_in"
    """Register who attends a forum or votes on paper."""
    ENTER_PAPER_BALLOTS = "enter_paper_ballots"
    RECONCILE = "reconcile"
    """Decide which ballot counts when a resident voted both on paper and online."""
    CHANGE_PHASE = "change_phase"
    EDIT_PROCESS = "edit_process"
    """Create a process from a template, budgets, dates, adopt a new template version."""
    MANAGE_VOTER_ROLL = "manage_voter_roll"
    TRACK_PROJECTS = "track_projects"
    MANAGE_STAFF = "manage_staff"
    READ_AUDIT = "read_audit"
    PUBLISH_TEMPLATE = "publish_template"


_ADMIN = frozenset({Role.ADMIN})

PERMISSIONS: Mapping[Action, frozenset[Role]] = {
    Action.VIEW: frozenset(Role),
    Action.READ_CONTACTS: frozenset({Role.ADMIN, Role.MODERATOR}),
    Action.MODERATE: frozenset({Role.ADMIN, Role.MODERATOR}),
    Action.ASSIGN_REVIEW: frozenset({Role.ADMIN, Role.MODERATOR}),
    Action.REVIEW_FEASIBILITY: frozenset({Role.ADMIN, Role.REVIEWER}),
    Action.ENTER_PROPOSALS: frozenset({Role.ADMIN, Role.DATA_ENTRY}),
    Action.CHECK_IN: frozenset({Role.ADMIN, Role.DATA_ENTRY}),
    Action.ENTER_PAPER_BALLOTS: frozenset({Role.ADMIN, Role.DATA_ENTRY}),
    Action.RECONCILE: _ADMIN,
    Action.CHANGE_PHASE: _ADMIN,
    Action.EDIT_PROCESS: _ADMIN,
    Action.MANAGE_VOTER_ROLL: _ADMIN,
    Action.TRACK_PROJECTS: frozenset({Role.ADMIN, Role.DATA_ENTRY}),
    Action.MANAGE_STAFF: _ADMIN,
    Action.READ_AUDIT: _ADMIN,
    Action.PUBLISH_TEMPLATE: frozenset({Role.NATIONAL}),
}
"""Staff action → the roles that may take it (in the municipality they hold the role for)."""

NATIONAL_ACTIONS = frozenset({Action.PUBLISH_TEMPLATE})
"""Actions on no one municipality: asked, and allowed, only for `ALL_MUNICIPALITIES`."""


@dataclass(frozen=True, order=True)
class Grant:
    """One role in one municipality (`ALL_MUNICIPALITIES` for the national role, and only for it)."""

    municipality: str
    role: Role

    def __post_init__(self) -> None:
        if not isinstance(self.role, Role):
            object.__setattr__(self, "role", Role(self.role))
        national = self.role is Role.NATIONAL
        if national != (self.municipality == ALL_MUNICIPALITIES):
            raise ValueError(f"role {self.role.value!r} cannot be granted for {self.municipality!r}: "
                             "the national role is for all municipalities ('*'), every other role for one")
        if not national and not SLUG.match(self.municipality):
            raise ValueError(f"{self.municipality!r} is not a municipality slug")

    def covers(self, municipality: str) -> bool:
        return self.municipality in (municipality, ALL_MUNICIPALITIES)


def may(grants: Iterable[Grant], municipality: str, action: Action) -> bool:
    """Whether someone holding `grants` may take `action` in `municipality`.

    National actions (publishing a template) are asked with `ALL_MUNICIPALITIES`: only a grant for
    all municipalities covers that.
    """
    if action in NATIONAL_ACTIONS and municipality != ALL_MUNICIPALITIES:
        return False
    allowed = PERMISSIONS[action]
    return any(g.role in allowed and g.covers(municipality) for g in grants)


def allowed_actions(grants: Iterable[Grant], municipality: str) -> frozenset[Action]:
    """What the console offers this staff member in `municipality`."""
    grants = tuple(grants)
    return frozenset(a for a in Action if may(grants, municipality, a))


def roles_in(grants: Iterable[Grant], municipality: str) -> frozenset[Role]:
    return frozenset(g.role for g in grants if g.covers(municipality))


def may_grant(grants: Iterable[Grant], municipality: str, role: Role) -> bool:
    """Whether someone holding `grants` may give or take `role` in `municipality`.

    A municipality's admins manage its staff; the national role is given by the central operator
    (outside the API), never by a municipality.
    """
    return role is not Role.NATIONAL and municipality != ALL_MUNICIPALITIES and may(
        grants, municipality, Action.MANAGE_STAFF)


@dataclass(frozen=True)
class StaffMember:
    """A signed-in person as the API sees them: who (for the audit log) and what they hold."""

    sub: str
    """The user pool's immutable id of the user (the token's `sub`)."""
    name: str
    """Display name, shown in the console and written in the audit log."""
    username: str = ""
    grants: frozenset[Grant] = field(default_factory=frozenset)

    def may(self, municipality: str, action: Action) -> bool:
        return may(self.grants, municipality, action)

    def municipalities(self) -> frozenset[str]:
        """Where this member holds a role (`*` for national staff)."""
        return frozenset(g.municipality for g in self.grants)
