"""Staff access: sign-in tokens (Amazon Cognito user pool JWTs) verified by the API itself, and,
until the staff routes move to them, the per-municipality bearer tokens (`StaffTokens`).

Why not Chalice's `CognitoUserPoolAuthorizer`: on AWS, API Gateway checks the token before the
function runs, but under `chalice local` and in Chalice's test client nothing checks it — any
string passes, a forged token too. So the function verifies every token itself, the same way in
tests, on the local stack and on AWS; only the address of the pool's keys differs (moto's server
locally: `<endpoint>/<pool id>/.well-known/jwks.json`, on AWS the issuer's own URL).

What is checked, in order, before anything else happens (AWS's "Verifying a JSON web token"):

1. shape: ASCII, at most 16 KB, three base64url parts — refused without a network call;
2. header: `alg` exactly RS256 (no `none`, no HS256 signed with the public key), a `kid`;
3. signature: RS256 against the pool's JWKS key with that `kid` (PyJWT's `PyJWKClient`: the key set
   is cached per container for an hour; an unknown `kid` refetches it at most once per 30 s, so a
   flood of forged tokens cannot hammer the endpoint; a rotated key is found on its first use);
4. claims: `iss` is this pool, `token_use` the kind asked for, the app client (`aud` in an ID
   token, `client_id` in an access token) one of ours, `exp`/`iat`/`nbf` with 30 s leeway.

Every refusal is an `AuthRefused` (401, the one error shape, Thai `msg`, reason in English in the
log, never the token); an unreachable key set is `AuthUnavailable` (503 + Retry-After). PyJWT and
cryptography are imported on first use: the resident API's cold start does not pay for them.
"""

from __future__ import annotations

import functools
import hmac
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from chalicelib.errors import Forbidden, ServiceUnavailable, Unauthorized
from prachakhom.messages import STAFF_ACTION_TH, message
from prachakhom.staff import Action, StaffMember

if TYPE_CHECKING:
    from jwt import PyJWK, PyJWKClient

log = logging.getLogger("prachakhom.auth")

TokenUse = Literal["id", "access"]
MAX_TOKEN_LENGTH = 16_384
LEEWAY_SECONDS = 30
JWKS_LIFESPAN_SECONDS = 3600
JWKS_REFETCH_COOLDOWN_SECONDS = 30
JWKS_TIMEOUT_SECONDS = 3
_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_POOL_ID = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d)_[0-9A-Za-z]+$")
_CLIENT_ID = re.compile(r"^[\w+]{1,128}$")
_LOC = ("header", "authorization")


class AuthRefused(Unauthorized):
    """No usable staff token: 401 in the one error shape; `reason` says why, for the log."""

    HEADERS: ClassVar[Mapping[str, str]] = {"WWW-Authenticate": 'Bearer realm="prachakhom-staff"'}

    def __init__(self, code: str, reason: str) -> None:
        super().__init__([{"loc": list(_LOC), "code": code, "msg": message(code)}])
        self.reason = reason
        if code != "sign_in_required":  # RFC 6750: an error code only when a token was sent
            self.headers["WWW-Authenticate"] += ', error="invalid_token"'


class AuthUnavailable(ServiceUnavailable):
    """The pool's key set could not be read: not the caller's fault, try again."""

    def __init__(self, reason: str) -> None:
        super().__init__([{"loc": list(_LOC), "code": "auth_unavailable", "msg": message("auth_unavailable")}])
        self.reason = reason


@dataclass(frozen=True)
class UserPool:
    """A Cognito user pool and the app clients whose tokens the API accepts."""

    pool_id: str
    client_ids: frozenset[str]
    endpoint: str | None = None
    """cognito-idp's address when not AWS's (moto's server locally); the keys are fetched there."""

    def __post_init__(self) -> None:
        if not _POOL_ID.match(self.pool_id):
            raise ValueError(f"{self.pool_id!r} is not a user pool id (<region>_<id>)")
        if not self.client_ids or not all(_CLIENT_ID.match(c) for c in self.client_ids):
            raise ValueError("at least one app client id is needed")

    @property
    def region(self) -> str:
        return self.pool_id.split("_", 1)[0]

    @property
    def issuer(self) -> str:
        """What the tokens' `iss` says, on AWS and in moto alike."""
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    @property
    def jwks_url(self) -> str:
        base = (self.endpoint or f"https://cognito-idp.{self.region}.amazonaws.com").rstrip("/")
        return f"{base}/{self.pool_id}/.well-known/jwks.json"

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> UserPool | None:
        """From `PRACHAKHOM_USER_POOL_ID`, `PRACHAKHOM_USER_POOL_CLIENT_ID` (comma-separated)
        and `PRACHAKHOM_COGNITO_ENDPOINT` (local only); None when no pool is configured."""
        pool_id = env.get("PRACHAKHOM_USER_POOL_ID", "").strip()
        if not pool_id:
            return None
        listed = env.get("PRACHAKHOM_USER_POOL_CLIENT_ID", "").split(",")
        clients = frozenset(c.strip() for c in listed if c.strip())
        return cls(pool_id, clients, env.get("PRACHAKHOM_COGNITO_ENDPOINT") or None)


@dataclass(frozen=True)
class VerifiedToken:
    """What a verified token says about its holder."""

    sub: str
    """The user's immutable id in the pool: the key of their grants (`STAFF#<sub>`)."""
    username: str
    token_use: TokenUse
    client_id: str
    expires_at: int
    name: str | None = None
    """The `name` attribute (ID tokens only)."""
    claims: Mapping[str, Any] = field(default_factory=dict, repr=False)


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    if authorization is None or not authorization.strip():
        raise AuthRefused("sign_in_required", "no Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthRefused("sign_in_required", "Authorization is not 'Bearer <token>'")
    return token.strip()


class TokenVerifier:
    """Verifies one pool's tokens of one kind; build it once per container (`verifier`)."""

    def __init__(self, pool: UserPool, token_use: TokenUse = "access", leeway: float = LEEWAY_SECONDS,
                 jwks: PyJWKClient | None = None) -> None:
        self.pool, self.token_use, self.leeway = pool, token_use, leeway
        self._jwks = jwks

    @property
    def jwks(self) -> PyJWKClient:
        if self._jwks is None:
            from jwt import PyJWKClient

            self._jwks = PyJWKClient(self.pool.jwks_url, cache_jwk_set=True, lifespan=JWKS_LIFESPAN_SECONDS,
                                     cooldown_duration=JWKS_REFETCH_COOLDOWN_SECONDS,
                                     timeout=JWKS_TIMEOUT_SECONDS)
        return self._jwks

    def verify_authorization(self, authorization: str | None) -> VerifiedToken:
        return self.verify(bearer_token(authorization))

    def verify(self, token: str) -> VerifiedToken:
        try:
            return self._verify(token)
        except AuthRefused as refused:
            log.info("staff token refused: %s", refused.reason)
            raise
        except AuthUnavailable as unavailable:
            log.error("staff token not checked: %s", unavailable.reason)
            raise

    def _verify(self, token: str) -> VerifiedToken:
        import jwt

        if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or not token.isascii() \
                or not _SHAPE.match(token):
            raise AuthRefused("token_invalid", "not a JWT (shape, length or characters)")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as err:
            raise AuthRefused("token_invalid", f"unreadable header: {err}") from None
        if header.get("alg") != "RS256":
            raise AuthRefused("token_invalid", f"algorithm {str(header.get('alg'))[:20]!r} is not RS256")
        kid = header.get("kid")
        if not isinstance(kid, str) or not 0 < len(kid) <= 128:
            raise AuthRefused("token_invalid", "no usable kid")
        key = self._key(kid)
        try:
            claims = jwt.decode(
                token, key, algorithms=["RS256"], issuer=self.pool.issuer, leeway=self.leeway,
                audience=sorted(self.pool.client_ids) if self.token_use == "id" else None,
                options={"require": ["exp", "iat", "iss", "sub", "token_use"], "enforce_minimum_key_length": True})
        except jwt.ExpiredSignatureError:
            raise AuthRefused("token_expired", "expired") from None
        except jwt.PyJWTError as err:
            raise AuthRefused("token_invalid", f"{type(err).__name__}: {err}") from None
        return self._read_claims(claims)

    def _key(self, kid: str) -> PyJWK:
        import jwt

        try:
            return self.jwks.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as err:
            raise AuthUnavailable(f"JWKS at {self.pool.jwks_url} unreachable: {err}") from None
        except jwt.PyJWKClientError:
            raise AuthRefused("token_invalid", f"no key {kid[:40]!r} in the pool's JWKS") from None
        except (jwt.PyJWKSetError, jwt.PyJWKError, ValueError) as err:  # ValueError: not JSON
            raise AuthUnavailable(f"JWKS at {self.pool.jwks_url} unusable: {err}") from None

    def _read_claims(self, claims: dict[str, Any]) -> VerifiedToken:
        if claims.get("token_use") != self.token_use:
            raise AuthRefused("token_invalid", f"token_use {str(claims.get('token_use'))[:20]!r}, "
                                               f"{self.token_use!r} expected")
        client_id = claims.get("aud") if self.token_use == "id" else claims.get("client_id")
        if not isinstance(client_id, str) or client_id not in self.pool.client_ids:
            raise AuthRefused("token_invalid", "not issued to one of our app clients")
        sub = claims.get("sub")
        username = claims.get("cognito:username" if self.token_use == "id" else "username", sub)
        if not isinstance(sub, str) or not 0 < len(sub) <= 128 or not isinstance(username, str):
            raise AuthRefused("token_invalid", "sub or username missing or not text")
        name = claims.get("name")
        return VerifiedToken(sub, username, self.token_use, client_id, int(claims["exp"]),
                             name if isinstance(name, str) else None, claims)


def require(member: StaffMember | None, municipality: str, action: Action) -> StaffMember:
    """`member`, if their grants allow `action` in `municipality` (`prachakhom.staff.may`); else 403.

    `member` is None for a valid token whose user holds no grant at all (no profile in the table).
    """
    if member is None or not member.may(municipality, action):
        raise Forbidden.one("forbidden", ("path", "municipality"), action=STAFF_ACTION_TH[action.value])
    return member


@functools.cache
def verifier(pool: UserPool, token_use: TokenUse = "access") -> TokenVerifier:
    """The container's verifier for `pool` (its key set cached with it)."""
    return TokenVerifier(pool, token_use)


class StaffTokens:
    def __init__(self, tokens: Mapping[str, str]) -> None:
        self._tokens = dict(tokens)

    def authorize(self, municipality: str, authorization: str | None) -> None:
        """Pass if the `Authorization: Bearer …` header holds this municipality's token, else 401."""
        expected = self._tokens.get(municipality)
        given = (authorization or "").removeprefix("Bearer ").strip()
        # bytes: compare_digest refuses str with non-ASCII characters (a header may carry any)
        if not expected or not given or not hmac.compare_digest(_bytes(expected), _bytes(given)):
            raise Unauthorized.one("unauthorized", ("header", "authorization"))


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")
