"""Who is acting on a staff route, and whether the permission table lets them (`prachakhom.staff.may`).

With a user pool configured (`PRACHAKHOM_USER_POOL_ID`), a bearer token that is a JWT is verified
against the pool (`chalicelib.auth`), the member's grants are read from the staff directory and
`require` answers 403 in Thai if their roles do not allow the action here. Until the staff console
signs people in, the per-municipality staff token (`PRACHAKHOM_STAFF_TOKENS`) still works: it acts
as that municipality's admin and is written in the audit log as `token:<municipality>`.
"""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.auth import StaffTokens, VerifiedToken, require
from chalicelib.storage.staff import StaffDirectory
from prachakhom.audit import Actor
from prachakhom.staff import Action

Verify = Callable[[str | None], VerifiedToken]
"""Verifies an `Authorization` header (`TokenVerifier.verify_authorization`)."""


class StaffAccess:
    def __init__(self, tokens: StaffTokens, verify: Verify | None = None,
                 directory: StaffDirectory | None = None) -> None:
        self.tokens = tokens
        self.verify = verify
        self.directory = directory

    def actor(self, municipality: str, action: Action, authorization: str | None) -> Actor:
        """The acting staff member, once allowed to do `action` in `municipality` (else 401/403)."""
        token = (authorization or "").removeprefix("Bearer ").strip()
        if self.verify is not None and self.directory is not None and token.count(".") == 2:
            verified = self.verify(authorization)
            member = require(self.directory.member(verified.sub), municipality, action)
            return Actor(member.sub, member.name or verified.username)
        self.tokens.authorize(municipality, authorization)
        return Actor(f"token:{municipality}", f"staff token of {municipality}")
