"""Staff tokens: verified by the API against the pool's JWKS (moto's Cognito), every bad token refused.

Tokens come from moto's Cognito (a real sign-in), or are made here: signed with moto's own private
key (so that only the claim under test is wrong), or with another key, or not signed at all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api_fixtures import moto_endpoint  # isort: skip  (puts functions/ on sys.path)
from chalicelib.auth import AuthRefused, AuthUnavailable, TokenVerifier, UserPool, bearer_token, verifier
from chalicelib.cognito import (
    SignInRefused,
    Tokens,
    cognito_client,
    ensure_app_client,
    ensure_user,
    ensure_user_pool,
    sign_in,
)
from chalicelib.errors import error_response

REGION = "ap-southeast-1"
PASSWORD = "Prachakhom-2570"


class Pool:
    """A moto user pool with one app client and one signed-in staff member."""

    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.pool_id = ensure_user_pool(client, name)
        self.client_id = ensure_app_client(client, self.pool_id, "console")
        self.pool = UserPool(self.pool_id, frozenset({self.client_id}), moto_endpoint())
        self.sub = ensure_user(client, self.pool_id, "somsri", "สมศรี ใจดี", PASSWORD)
        self.tokens: Tokens = sign_in(client, self.pool, self.client_id, "somsri", PASSWORD)


@pytest.fixture(scope="module")
def cognito() -> Any:
    return cognito_client(moto_endpoint(), REGION, aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def home(cognito) -> Pool:
    return Pool(cognito, f"staff-{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def other(cognito) -> Pool:
    return Pool(cognito, f"other-{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def access(home) -> TokenVerifier:
    return TokenVerifier(home.pool, "access")


@pytest.fixture(scope="module")
def id_verifier(home) -> TokenVerifier:
    return TokenVerifier(home.pool, "id")


def moto_private_key() -> Any:
    from moto.utilities.utils import load_resource

    return jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key


MOTO_KEY = moto_private_key()
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def claims(pool: Pool, token_use: str = "access", **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    values: dict[str, Any] = {"iss": pool.pool.issuer, "sub": pool.sub, "token_use": token_use, "iat": now,
                              "auth_time": now, "exp": now + 600, "jti": uuid.uuid4().hex}
    values["client_id" if token_use == "access" else "aud"] = pool.client_id
    values["username" if token_use == "access" else "cognito:username"] = "somsri"
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def signed(payload: dict[str, Any], key: Any = MOTO_KEY, kid: str = "dummy", alg: str = "RS256") -> str:
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_with(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{b64(signature)}"


def refused(verifier: TokenVerifier, token: str, code: str = "token_invalid") -> AuthRefused:
    with pytest.raises(AuthRefused) as err:
        verifier.verify(token)
    assert err.value.errors[0]["code"] == code and err.value.STATUS_CODE == 401
    return err.value


# --- accepted ------------------------------------------------------------------------------------


def test_real_access_token_accepted(home, access):
    token = access.verify(home.tokens.access_token)
    assert (token.sub, token.username, token.token_use, token.client_id) == (home.sub, "somsri", "access",
                                                                              home.client_id)
    assert token.expires_at > time.time()


def test_real_id_token_accepted_with_name(home, id_verifier):
    token = id_verifier.verify(home.tokens.id_token)
    assert (token.sub, token.username, token.token_use) == (home.sub, "somsri", "id")


def test_authorization_header(home, access):
    assert access.verify_authorization(f"Bearer {home.tokens.access_token}").sub == home.sub
    assert access.verify_authorization(f"  bearer   {home.tokens.access_token} ").sub == home.sub


def test_leeway_of_thirty_seconds(home, access):
    now = int(time.time())
    assert access.verify(signed(claims(home, exp=now - 10))).sub == home.sub
    refused(access, signed(claims(home, exp=now - 60)), "token_expired")


# --- refused -------------------------------------------------------------------------------------


def test_forged_signature_with_the_right_kid(home, access):
    refused(access, signed(claims(home), key=OTHER_KEY))


def test_tampered_payload(home, access):
    head, _, sig = home.tokens.access_token.split(".")
    forged = b64(json.dumps(claims(home, sub="someone-else")).encode())
    refused(access, f"{head}.{forged}.{sig}")


@pytest.mark.parametrize("signature", [b"", b"x"])
def test_alg_none(home, access, signature):
    refused(access, unsigned_with({"alg": "none", "kid": "dummy", "typ": "JWT"}, claims(home), signature))


def test_hs256_signed_with_the_public_key(home, access):
    """The classic confusion: HMAC keyed with the RSA public key a verifier would load for RS256."""
    public = MOTO_KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
    head = b64(json.dumps({"alg": "HS256", "kid": "dummy", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims(home)).encode())
    mac = hmac.new(public, f"{head}.{body}".encode(), hashlib.sha256).digest()
    refused(access, f"{head}.{body}.{b64(mac)}")
    with pytest.raises(AuthRefused):  # also when the header lies and says RS256
        access.verify(f"{b64(json.dumps({'alg': 'RS256', 'kid': 'dummy'}).encode())}.{body}.{b64(mac)}")


def test_expired(home, access):
    refused(access, signed(claims(home, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)), "token_expired")


@pytest.mark.parametrize("claim", [{"nbf": int(time.time()) + 3600}, {"iat": int(time.time()) + 3600}])
def test_not_yet_valid(home, access, claim):
    refused(access, signed(claims(home, **claim)))


def test_wrong_issuer(home, other, access):
    refused(access, signed(claims(home, iss=other.pool.issuer)))
    refused(access, signed(claims(home, iss="https://evil.example/" + home.pool_id)))
    refused(access, other.tokens.access_token)  # a real token of another pool (moto signs all with one key)


def test_wrong_audience(home, other, access, id_verifier):
    refused(access, signed(claims(home, client_id=other.client_id)))
    refused(id_verifier, signed(claims(home, "id", aud=other.client_id)))
    refused(id_verifier, signed(claims(home, "id", aud=[other.client_id, "x"])))
    refused(access, signed(claims(home, aud=home.client_id)))  # access tokens carry no aud


def test_access_and_id_tokens_not_interchangeable(home, access, id_verifier):
    refused(access, home.tokens.id_token)
    refused(id_verifier, home.tokens.access_token)
    refused(access, signed({**claims(home), "token_use": "id"}))  # right client_id, wrong token_use
    refused(id_verifier, signed({**claims(home, "id"), "token_use": "access"}))  # right aud, wrong token_use


@pytest.mark.parametrize("missing", ["sub", "exp", "iat", "iss", "token_use", "client_id"])
def test_required_claims(home, access, missing):
    refused(access, signed(claims(home, **{missing: None})))


@pytest.mark.parametrize("token", [
    "", "abc", "a.b", "a.b.c", "a.b.c.d", "...", "eyJhbGciOiJSUzI1NiJ9.e30.", "x" * 20_000,
    "eyJ.eyJ.ไทย", "ไทย.ไทย.ไทย", "a b.c.d", "%00.%00.%00",
    b64(b"[1,2]") + ".e30.AAAA",                                  # header is not an object
    b64(b'{"alg":"RS256","kid":5}') + ".e30.AAAA",                # kid not text
    b64(b'{"alg":"RS256"}') + ".e30.AAAA",                        # no kid
    b64('{"alg":"RS256","kid":"ไทย"}'.encode()) + ".e30.AAAA",   # non-ASCII kid: unknown key
    b64(b'{"alg":"RS256","kid":"dummy"}') + "." + b64(b"not json") + ".AAAA",
])
def test_garbage(access, token):
    refused(access, token)


@pytest.mark.parametrize(("header", "code"), [
    (None, "sign_in_required"), ("", "sign_in_required"), ("Bearer", "sign_in_required"),
    ("Bearer ", "sign_in_required"), ("Basic dXNlcjpwYXNz", "sign_in_required"),
    ("Token abc.def.ghi", "sign_in_required"), ("Bearer ไทย", "token_invalid"),
    ("Bearer a.b.c extra", "token_invalid"),
])
def test_bad_authorization_headers(access, header, code):
    with pytest.raises(AuthRefused) as err:
        access.verify_authorization(header)
    assert err.value.errors[0]["code"] == code


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["sub", "exp", "iat", "nbf", "iss", "token_use", "client_id", "aud",
                                        "username", "name"]),
                       st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                                 st.lists(st.text(max_size=5), max_size=2), st.floats(allow_nan=False)),
                       max_size=6))
def test_any_claims_refused_or_accepted_never_crash(home, access, changes):
    """Whatever a token signed with the pool's own key says, the answer is a token or a refusal."""
    try:
        token = signed(claims(home, **changes))
    except (TypeError, ValueError):  # jwt.encode itself refuses it
        return
    try:
        verified = access.verify(token)
    except AuthRefused:
        return
    assert verified.sub == claims(home, **changes)["sub"] and verified.client_id == home.client_id


# --- the key set ---------------------------------------------------------------------------------


def test_unreachable_key_set_is_503_not_401(home):
    from tests.api_fixtures import free_port

    lost = UserPool(home.pool_id, home.pool.client_ids, f"http://127.0.0.1:{free_port()}")
    with pytest.raises(AuthUnavailable) as err:
        TokenVerifier(lost).verify(home.tokens.access_token)
    response = error_response(err.value)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.body["errors"][0]["code"] == "auth_unavailable"


class KeySet:
    """A JWKS endpoint on loopback whose keys the test changes, counting the fetches."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.keys, self.fetches = keys, 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                owner.fetches += 1
                body = json.dumps({"keys": owner.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


def public_jwk(key: Any, kid: str) -> dict[str, Any]:
    return {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "alg": "RS256",
            "use": "sig"}


@pytest.fixture
def key_set() -> Iterator[KeySet]:
    served = KeySet([public_jwk(MOTO_KEY, "dummy")])
    yield served
    served.server.shutdown()
    served.server.server_close()


def test_keys_cached_unknown_kid_refetches_at_most_once_per_cooldown(home, key_set, monkeypatch):
    from chalicelib import auth

    monkeypatch.setattr(auth, "JWKS_REFETCH_COOLDOWN_SECONDS", 0.5)
    pool = UserPool(home.pool_id, home.pool.client_ids, key_set.url)
    verifier = TokenVerifier(pool)
    for _ in range(3):
        verifier.verify(signed(claims(home)))
    assert key_set.fetches == 1  # cached per container

    rotated = signed(claims(home), key=OTHER_KEY, kid="rotated")
    time.sleep(0.6)  # PyJWT starts the cooldown at every fetch, the first one too
    for _ in range(5):  # a flood of unknown kids: one refetch, then refused from the cache
        refused(verifier, rotated)
    assert key_set.fetches == 2

    key_set.keys.append(public_jwk(OTHER_KEY, "rotated"))  # the pool rotates its keys
    refused(verifier, rotated)  # still cooling down: no fetch
    assert key_set.fetches == 2
    time.sleep(0.6)
    assert verifier.verify(rotated).sub == home.sub  # found on its first use after the cooldown
    assert key_set.fetches == 3


def test_one_verifier_per_container(home):
    assert verifier(home.pool) is verifier(home.pool)
    assert verifier(home.pool, "id") is not verifier(home.pool)


# --- the API's answer ----------------------------------------------------------------------------


def test_refusals_in_the_one_error_shape_through_a_route(home, access):
    """A route that asks for a staff token answers 401/503 in the one shape, Thai `msg`."""
    from chalice import Chalice
    from chalice.test import Client
    from chalicelib.http import api

    app = Chalice(app_name="auth-test")

    @app.route("/whoami")
    @api
    def whoami() -> dict[str, Any]:
        token = access.verify_authorization(app.current_request.headers.get("authorization"))
        return {"ok": True, "sub": token.sub}

    with Client(app) as client:
        def call(headers: dict[str, str]) -> tuple[int, Any, Any]:
            response = client.http.get("/whoami", headers=headers)
            return response.status_code, json.loads(response.body), response.headers

        assert call({"Authorization": f"Bearer {home.tokens.access_token}"})[:2] == (200, {"ok": True,
                                                                                          "sub": home.sub})
        for headers, code in (({}, "sign_in_required"),
                              ({"Authorization": f"Bearer {signed(claims(home), key=OTHER_KEY)}"}, "token_invalid"),
                              ({"Authorization": "Bearer " + signed(claims(home, exp=1))}, "token_expired")):
            status, body, response_headers = call(headers)
            assert status == 401
            assert body == {"ok": False, "errors": [{"loc": ["header", "authorization"], "code": code,
                                                     "msg": body["errors"][0]["msg"]}]}
            assert any("\u0e00" <= c <= "\u0e7f" for c in body["errors"][0]["msg"])  # Thai
            assert response_headers["WWW-Authenticate"].startswith("Bearer")


def test_refusal_reason_logged_never_the_token(home, access, caplog):
    forged = signed(claims(home), key=OTHER_KEY)
    with caplog.at_level("INFO", logger="prachakhom.auth"):
        refused(access, forged)
    assert "refused" in caplog.text and forged not in caplog.text and forged.split(".")[2] not in caplog.text


# --- configuration and sign-in -------------------------------------------------------------------


def test_user_pool_from_env():
    assert UserPool.from_env({}) is None
    pool = UserPool.from_env({"PRACHAKHOM_USER_POOL_ID": "ap-southeast-1_AbC123",
                              "PRACHAKHOM_USER_POOL_CLIENT_ID": "abc, def"})
    assert pool == UserPool("ap-southeast-1_AbC123", frozenset({"abc", "def"}))
    assert pool.issuer == "https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_AbC123"
    assert pool.jwks_url == pool.issuer + "/.well-known/jwks.json"  # on AWS: the issuer's own keys
    local = UserPool("ap-southeast-1_AbC123", frozenset({"abc"}), "http://127.0.0.1:9/")
    assert local.issuer == pool.issuer
    assert local.jwks_url == "http://127.0.0.1:9/ap-southeast-1_AbC123/.well-known/jwks.json"
    for bad in ("", "AbC123", "ap-southeast-1", "../../etc_passwd"):
        with pytest.raises(ValueError):
            UserPool(bad, frozenset({"abc"}))
    with pytest.raises(ValueError):
        UserPool("ap-southeast-1_AbC123", frozenset())


def test_sign_in_flows_and_refusals(home):
    admin = sign_in(home.client, home.pool, home.client_id, "somsri", PASSWORD, admin=True)
    assert TokenVerifier(home.pool).verify(admin.access_token).sub == home.sub
    for username, password in (("somsri", "wrong-Password-1"), ("nobody", PASSWORD), ("", PASSWORD),
                               ("somsri", "x" * 300)):
        with pytest.raises(SignInRefused) as err:
            sign_in(home.client, home.pool, home.client_id, username, password)
        assert err.value.errors[0]["code"] == "sign_in_failed" and err.value.STATUS_CODE == 401


def test_bearer_token():
    assert bearer_token("Bearer a.b.c") == "a.b.c"
    with pytest.raises(AuthRefused):
        bearer_token("a.b.c")


def test_require_a_permission():
    from chalicelib.auth import require
    from chalicelib.errors import Forbidden

    from prachakhom.staff import Action, Grant, Role, StaffMember

    member = StaffMember("sub-1", "สมศรี", grants=frozenset({Grant("non-kha-hom", Role.MODERATOR)}))
    assert require(member, "non-kha-hom", Action.MODERATE) is member
    for who, where, action in ((member, "tha-lamphu", Action.MODERATE), (member, "non-kha-hom", Action.CHANGE_PHASE),
                               (None, "non-kha-hom", Action.VIEW)):
        with pytest.raises(Forbidden) as err:
            require(who, where, action)
        response = error_response(err.value)
        assert response.status_code == 403
        assert response.body["errors"][0]["code"] == "forbidden" and "ไม่มีสิทธิ์" in response.body["errors"][0]["msg"]
