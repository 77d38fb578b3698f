"""Demo staff accounts against moto's Cognito: sign in, the API's verifier accepts them, roles in the table."""

from __future__ import annotations

import json
import shlex
import urllib.request
import uuid

import pytest

from tests.api_fixtures import ROOT, dynamodb_client, moto_endpoint  # isort: skip  (puts functions/ on sys.path)
from chalicelib.auth import TokenVerifier, UserPool
from chalicelib.cognito import SignInRefused
from chalicelib.storage.dynamodb import create_table
from chalicelib.storage.staff import DynamoStaffDirectory

from prachakhom.commands.demo_staff import DEMO_PASSWORD, demo_municipalities, prepare_demo_staff
from prachakhom.messages import ROLE_TH
from prachakhom.staff import ALL_MUNICIPALITIES, Action, Grant, Role

PLACES = {"non-kha-hom": "องค์การบริหารส่วนตำบลโนนข่าหอม", "tha-lamphu": "เทศบาลเมืองท่าลำพู"}


@pytest.fixture(scope="module")
def demo():
    client = dynamodb_client()
    table = f"t-{uuid.uuid4().hex[:12]}"
    create_table(client, table)
    staff = prepare_demo_staff(moto_endpoint(), client, table, PLACES)
    return staff, DynamoStaffDirectory(client, table), client, table


def test_one_account_per_role_and_municipality_plus_national(demo):
    staff, *_ = demo
    assert sorted((a.municipality, a.role) for a in staff.accounts) == sorted(
        [(m, r) for m in PLACES for r in (Role.ADMIN, Role.MODERATOR, Role.DATA_ENTRY, Role.REVIEWER)]
        + [(ALL_MUNICIPALITIES, Role.NATIONAL)])
    assert len({a.sub for a in staff.accounts}) == len(staff.accounts)
    text = staff.describe()
    assert DEMO_PASSWORD in text and "ผู้ตรวจสอบข้อเสนอและความคิดเห็น" in text
    assert all(a.username in text for a in staff.accounts)


def signed_in_by_printed_command(text: str) -> dict:
    """Run the `curl` line `describe` printed (its URL, headers and body) with urllib; Cognito's answer."""
    (line,) = [line.strip() for line in text.splitlines() if line.strip().startswith("curl ")]
    words = shlex.split(line)
    url = next(w for w in words[1:] if w.startswith("http"))
    headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
    body = words[words.index("-d") + 1].encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=10) as answer:
        return json.loads(answer.read())


def test_describe_prints_one_line_per_role_and_a_sign_in_that_works(demo):
    staff, *_ = demo
    text = staff.describe()
    assert DEMO_PASSWORD in text
    for role in Role:
        (line,) = [line for line in text.splitlines() if line.strip().startswith(role.value + " ")]
        assert ROLE_TH[role.value] in line
        listed = [word.rstrip(",") for word in line.split("—")[0].split()[1:]]
        assert listed == [a.username for a in staff.accounts if a.role is role]
    tokens = signed_in_by_printed_command(text)["AuthenticationResult"]
    first = staff.accounts[0]
    token = TokenVerifier(staff.pool).verify(tokens["AccessToken"])
    assert (token.sub, token.username) == (first.sub, first.username)
    assert "Bearer" in text


def test_accounts_sign_in_and_hold_their_roles(demo):
    staff, directory, *_ = demo
    pool = UserPool.from_env(staff.environment())
    assert pool == staff.pool and pool.endpoint == moto_endpoint()
    verifier = TokenVerifier(pool)
    expected = {Role.ADMIN: Action.MANAGE_STAFF, Role.MODERATOR: Action.MODERATE,
                Role.DATA_ENTRY: Action.ENTER_PAPER_BALLOTS, Role.REVIEWER: Action.REVIEW_FEASIBILITY}
    for account in staff.accounts:
        token = verifier.verify(staff.sign_in(account.username).access_token)
        assert (token.sub, token.username) == (account.sub, account.username)
        member = directory.member(token.sub)
        assert member.grants == {Grant(account.municipality, account.role)}
        assert member.name == account.name and "บัญชีทดลอง" in member.name
        if account.role is Role.NATIONAL:
            assert member.may("non-kha-hom", Action.VIEW) and not member.may("non-kha-hom", Action.MODERATE)
            assert member.may(ALL_MUNICIPALITIES, Action.PUBLISH_TEMPLATE)
        else:
            assert member.may(account.municipality, expected[account.role])
            other = next(m for m in PLACES if m != account.municipality)
            assert not member.may(other, Action.VIEW)
    with pytest.raises(SignInRefused):
        staff.sign_in("admin.non-kha-hom", "not-the-password-1A")


def test_second_start_keeps_the_pool_and_drops_earlier_users_grants(demo):
    staff, directory, client, table = demo
    stale = "sub-of-an-earlier-start"  # moto forgot the user; the table (.demo/) still has its grant
    directory.save_profile(stale, "moderator.non-kha-hom", "ผู้ตรวจสอบ รุ่นก่อน")
    directory.set_roles(stale, "non-kha-hom", {Role.MODERATOR})
    directory.save_profile("sub-real-person", "somsri", "สมศรี")  # not a demo account: kept
    directory.set_roles("sub-real-person", "non-kha-hom", {Role.REVIEWER})

    again = prepare_demo_staff(moto_endpoint(), client, table, PLACES)
    assert (again.pool, again.client_id) == (staff.pool, staff.client_id)
    assert {a.sub for a in again.accounts} == {a.sub for a in staff.accounts}
    team = directory.team("non-kha-hom")
    assert stale not in {t.sub for t in team} and directory.member(stale).grants == frozenset()
    assert sorted(t.username for t in team) == sorted(
        ["admin.non-kha-hom", "moderator.non-kha-hom", "data_entry.non-kha-hom", "reviewer.non-kha-hom", "somsri"])


def test_demo_municipalities_are_the_fictional_ones():
    from prachakhom.content import load_content

    found = demo_municipalities(load_content(ROOT / "content"))
    assert set(found) == {"huai-dok-ueang", "non-kha-hom", "tha-lamphu"}
    assert found["non-kha-hom"] == PLACES["non-kha-hom"]
