"""Demo staff accounts for the local stack: one per role in each demo municipality, and national staff.

Against moto's Cognito (the demo's moto server), `prepare_demo_staff` makes the user pool and its
app client if missing, one user per role for each demo municipality with a known password, and
grants their roles in the table; it returns the accounts, which the demo prints. The API then
verifies their tokens exactly as on AWS: only the pool's address differs.

The demo (`prachakhom/commands/demo.py: run`) calls it after `restore_table`, gives `chalice local`
`DemoStaff.environment()` (the pool to verify tokens against) and prints `DemoStaff.describe()`
with its URLs: the accounts by role, their password, and a sign-in request to copy.

moto keeps users in memory only, so every start makes new users (new `sub`s) while the table,
reloaded from `.demo/`, still holds the previous start's grants: those of a demo username are
taken away again, so each demo municipality's team lists exactly the current demo accounts.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prachakhom.messages import ALL_PLACES_TH, DEMO_ACCOUNT_TH, ROLE_TH
from prachakhom.staff import ALL_MUNICIPALITIES, Role

if TYPE_CHECKING:  # the API's modules, imported when called (as the demo does): the core stays free of them
    from chalicelib.auth import UserPool
    from chalicelib.cognito import Tokens
    from chalicelib.storage.staff import StaffDirectory

    from prachakhom.content import Content

DEMO_PASSWORD = "Prachakhom-2570"
POOL_NAME = "prachakhom-staff"
APP_CLIENT_NAME = "console"
MUNICIPAL_ROLES = (Role.ADMIN, Role.MODERATOR, Role.DATA_ENTRY, Role.REVIEWER)
NATIONAL_USERNAME = "national"
REGION = "ap-southeast-1"
CREDENTIALS = {"aws_access_key_id": "demo", "aws_secret_access_key": "demo"}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    name: str
    municipality: str
    """A municipality slug, or `*` for the national account."""
    role: Role
    sub: str


@dataclass(frozen=True)
class DemoStaff:
    pool: UserPool
    client_id: str
    accounts: tuple[DemoAccount, ...]

    def environment(self) -> dict[str, str]:
        """The API's settings for this pool (`chalicelib.auth.UserPool.from_env` reads them)."""
        return {"PRACHAKHOM_USER_POOL_ID": self.pool.pool_id,
                "PRACHAKHOM_USER_POOL_CLIENT_ID": self.client_id,
                "PRACHAKHOM_COGNITO_ENDPOINT": self.pool.endpoint or ""}

    def describe(self) -> str:
        """The accounts as the demo prints them: one line per role, then how to sign in."""
        password = " / ".join(sorted({a.password for a in self.accounts}))
        lines = [f"  staff accounts in moto's Cognito, username <role>.<municipality>, password {password}:"]
        roles = list(dict.fromkeys(a.role for a in self.accounts))
        width = max(len(role.value) for role in roles)
        for role in roles:
            usernames = ", ".join(a.username for a in self.accounts if a.role is role)
            where = f" ({ALL_PLACES_TH})" if role is Role.NATIONAL else ""
            lines.append(f"    {role.value:<{width}}  {usernames}  — {ROLE_TH[role.value]}{where}")
        first = self.accounts[0]
        lines += ["  sign in (Cognito's InitiateAuth, as on AWS): send the answer's AuthenticationResult.AccessToken",
                  "  as 'Authorization: Bearer <token>' (the staff routes still take the staff tokens above for now)",
                  "    " + self.sign_in_command(first.username, first.password)]
        return "\n".join(lines)

    def sign_in_command(self, username: str, password: str = DEMO_PASSWORD) -> str:
        """A `curl` that signs `username` in against the pool, as the console will (USER_PASSWORD_AUTH)."""
        body = json.dumps({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": self.client_id,
                           "AuthParameters": {"USERNAME": username, "PASSWORD": password}})
        endpoint = self.pool.endpoint or f"https://cognito-idp.{self.pool.region}.amazonaws.com"
        return shlex.join(["curl", "-s", endpoint.rstrip("/") + "/",
                           "-H", "Content-Type: application/x-amz-json-1.1",
                           "-H", "X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth", "-d", body])

    def sign_in(self, username: str, password: str = DEMO_PASSWORD) -> Tokens:
        """Tokens for a demo account (USER_PASSWORD_AUTH against moto), as the console will get them."""
        from prachakhom.commands.demo import _functions_on_path

        _functions_on_path()
        from chalicelib.cognito import cognito_client, sign_in

        client = cognito_client(self.pool.endpoint, self.pool.region, **CREDENTIALS)
        return sign_in(client, self.pool, self.client_id, username, password)


def demo_username(role: Role, municipality: str) -> str:
    return NATIONAL_USERNAME if role is Role.NATIONAL else f"{role.value}.{municipality}"


def demo_municipalities(content: Content) -> dict[str, str]:
    """Slug → Thai name of the municipalities marked `demo: true` (the fictional ones)."""
    return {slug: doc.municipality.name for slug, doc in content.municipalities.items() if doc.municipality.demo}


def prepare_demo_staff(moto_url: str, dynamodb: Any, table: str, municipalities: Mapping[str, str],
                       password: str = DEMO_PASSWORD) -> DemoStaff:
    """Make the pool, its app client and the demo accounts in moto's Cognito, and grant their roles."""
    from prachakhom.commands.demo import _functions_on_path

    _functions_on_path()
    from chalicelib.auth import UserPool
    from chalicelib.cognito import cognito_client, ensure_app_client, ensure_user, ensure_user_pool
    from chalicelib.storage.staff import DynamoStaffDirectory

    cognito = cognito_client(moto_url, REGION, **CREDENTIALS)
    pool_id = ensure_user_pool(cognito, POOL_NAME)
    client_id = ensure_app_client(cognito, pool_id, APP_CLIENT_NAME)
    directory = DynamoStaffDirectory(dynamodb, table)
    wanted = [(m, role) for m in municipalities for role in MUNICIPAL_ROLES] + [(ALL_MUNICIPALITIES, Role.NATIONAL)]
    accounts = []
    for municipality, role in wanted:
        username = demo_username(role, municipality)
        place = ALL_PLACES_TH if role is Role.NATIONAL else municipalities[municipality]
        name = DEMO_ACCOUNT_TH.format(role=ROLE_TH[role.value], place=place)
        sub = ensure_user(cognito, pool_id, username, name, password)
        directory.save_profile(sub, username, name)
        directory.set_roles(sub, municipality, {role})
        accounts.append(DemoAccount(username, password, name, municipality, role, sub))
    _forget_earlier_demo_grants(directory, accounts)
    return DemoStaff(UserPool(pool_id, frozenset({client_id}), moto_url), client_id, tuple(accounts))


def _forget_earlier_demo_grants(directory: StaffDirectory, accounts: list[DemoAccount]) -> None:
    """Take the roles of a previous demo start's users (same username, another `sub`) away."""
    current = {(a.username, a.sub) for a in accounts}
    for municipality in {a.municipality for a in accounts}:
        usernames = {a.username for a in accounts if a.municipality == municipality}
        for member in directory.team(municipality):
            if member.username in usernames and (member.username, member.sub) not in current:
                directory.set_roles(member.sub, municipality, set())
