"""Roles per municipality: the permission table, read as a matrix a person would write on paper."""

from __future__ import annotations

import pytest

from prachakhom.staff import (
    ALL_MUNICIPALITIES,
    PERMISSIONS,
    Action,
    Grant,
    Role,
    StaffMember,
    allowed_actions,
    may,
    may_grant,
    roles_in,
)

# Who may do what in the municipality they hold the role for ("x": allowed). Written out by hand
# from the issue (admin: everything, manages staff; national: templates, read-only elsewhere), so
# a change to PERMISSIONS that is not also a change here fails.
MATRIX = """
action               admin moderator data_entry reviewer national
view                   x       x          x         x        x
read_contacts          x       x          .         .        .
moderate               x       x          .         .        .
assign_review          x       x          .         .        .
review_feasibility     x       .          .         x        .
enter_proposals        x       .          x         .        .
check_in               x       .          x         .        .
enter_paper_ballots    x       .          x         .        .
reconcile              x       .          .         .        .
change_phase           x       .          .         .        .
edit_process           x       .          .         .        .
manage_voter_roll      x       .          .         .        .
track_projects         x       .          x         .        .
manage_staff           x       .          .         .        .
read_audit             x       .          .         .        .
publish_template       .       .          .         .        x
"""


def matrix() -> dict[tuple[Action, Role], bool]:
    header, *rows = [line.split() for line in MATRIX.strip().splitlines()]
    roles = [Role(r) for r in header[1:]]
    return {(Action(row[0]), role): mark == "x" for row in rows for role, mark in zip(roles, row[1:], strict=True)}


EXPECTED = matrix()
HOME, ELSEWHERE = "non-kha-hom", "tha-lamphu"


def grant(role: Role, municipality: str = HOME) -> Grant:
    return Grant(ALL_MUNICIPALITIES if role is Role.NATIONAL else municipality, role)


def test_matrix_covers_every_action_and_role():
    assert {a for a, _ in EXPECTED} == set(Action) == set(PERMISSIONS)
    assert {r for _, r in EXPECTED} == set(Role)


@pytest.mark.parametrize(("action", "role"), sorted(EXPECTED))
def test_role_may_act_at_home(action, role):
    municipality = ALL_MUNICIPALITIES if action is Action.PUBLISH_TEMPLATE else HOME
    assert may({grant(role)}, municipality, action) is EXPECTED[action, role]


@pytest.mark.parametrize(("action", "role"), sorted(EXPECTED))
def test_role_elsewhere_only_national_reads(action, role):
    """A role held in one municipality gives nothing in another; national staff read everywhere."""
    expected = role is Role.NATIONAL and action is Action.VIEW
    assert may({grant(role)}, ELSEWHERE, action) is expected


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.NATIONAL])
def test_templates_are_national(role):
    """Even a municipality's admin cannot publish a national template (asked for all municipalities)."""
    assert not may({grant(role)}, ALL_MUNICIPALITIES, Action.PUBLISH_TEMPLATE)


def test_national_changes_nothing_in_a_municipality():
    national = {grant(Role.NATIONAL)}
    assert allowed_actions(national, HOME) == {Action.VIEW}
    assert allowed_actions(national, ALL_MUNICIPALITIES) == {Action.VIEW, Action.PUBLISH_TEMPLATE}
    assert not may(national, ALL_MUNICIPALITIES, Action.MODERATE)


def test_roles_in_several_municipalities_and_combined():
    member = StaffMember("sub-1", "สมศรี", grants=frozenset({
        Grant(HOME, Role.MODERATOR), Grant(HOME, Role.REVIEWER), Grant(ELSEWHERE, Role.DATA_ENTRY)}))
    assert member.may(HOME, Action.MODERATE) and member.may(HOME, Action.REVIEW_FEASIBILITY)
    assert not member.may(HOME, Action.ENTER_PAPER_BALLOTS)
    assert member.may(ELSEWHERE, Action.ENTER_PAPER_BALLOTS) and not member.may(ELSEWHERE, Action.MODERATE)
    assert not member.may("huai-dok-ueang", Action.VIEW)
    assert roles_in(member.grants, HOME) == {Role.MODERATOR, Role.REVIEWER}
    assert member.municipalities() == {HOME, ELSEWHERE}


def test_no_grants_no_actions():
    assert allowed_actions((), HOME) == frozenset()
    assert not StaffMember("sub-2", "ใครสักคน").may(HOME, Action.VIEW)


@pytest.mark.parametrize(("municipality", "role"), [
    (HOME, Role.NATIONAL),                 # national is for all municipalities
    (ALL_MUNICIPALITIES, Role.ADMIN),      # an admin of everything does not exist
    ("Non Kha Hom", Role.ADMIN),           # not a slug
    ("", Role.MODERATOR),
])
def test_grant_refuses_wrong_scopes(municipality, role):
    with pytest.raises(ValueError):
        Grant(municipality, role)


def test_grant_accepts_role_names():
    assert Grant(HOME, "reviewer").role is Role.REVIEWER  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Grant(HOME, "superuser")  # type: ignore[arg-type]


@pytest.mark.parametrize(("holder", "target", "role", "expected"), [
    (grant(Role.ADMIN), HOME, Role.MODERATOR, True),
    (grant(Role.ADMIN), HOME, Role.ADMIN, True),
    (grant(Role.ADMIN), HOME, Role.NATIONAL, False),      # given by the central operator only
    (grant(Role.ADMIN), ELSEWHERE, Role.MODERATOR, False),
    (grant(Role.MODERATOR), HOME, Role.MODERATOR, False),
    (grant(Role.NATIONAL), HOME, Role.ADMIN, False),
    (grant(Role.ADMIN), ALL_MUNICIPALITIES, Role.ADMIN, False),
])
def test_who_may_grant(holder, target, role, expected):
    assert may_grant({holder}, target, role) is expected


def test_every_role_and_action_has_a_thai_name():
    from prachakhom.messages import ROLE_TH, STAFF_ACTION_TH, message

    assert set(ROLE_TH) == {r.value for r in Role}
    assert set(STAFF_ACTION_TH) == {a.value for a in Action}
    text = message("forbidden", action=STAFF_ACTION_TH["moderate"])
    assert "ไม่มีสิทธิ์ตรวจสอบข้อเสนอ" in text and "{" not in text
