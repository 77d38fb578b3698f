"""The staff user pool (Amazon Cognito): set it up, add a staff member, sign in.

On AWS the pool and its app client come from the deployment template; locally (`make demo`, tests)
`ensure_user_pool` and `ensure_app_client` make them in moto's Cognito, with the same settings.
The app client has no secret (the console is a page in a browser, which cannot keep one) and
allows `USER_PASSWORD_AUTH` (the console, through the API) and `ADMIN_USER_PASSWORD_AUTH` (tests,
tools holding AWS credentials). Nobody signs up: admins add staff (`AllowAdminCreateUserOnly`).
Roles are not in the pool but in the table (`storage/staff.py`): the pool only says who someone is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.auth import UserPool
from chalicelib.errors import ServiceUnavailable, Unauthorized
from prachakhom.messages import message

AUTH_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
PASSWORD_POLICY = {"MinimumLength": 12, "RequireUppercase": False, "RequireLowercase": False,
                   "RequireNumbers": False, "RequireSymbols": False, "TemporaryPasswordValidityDays": 7}
"""Long rather than cryptic (staff type it on a tablet at the village forum); as the stack's pool."""
_LOC = ("body", "password")


class SignInRefused(Unauthorized):
    """Wrong username or password, or an account that cannot sign in now (401, Thai `msg`)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__([{"loc": list(_LOC), "code": code, "msg": message(code)}])
        self.reason = reason


class SignInUnavailable(ServiceUnavailable):
    def __init__(self, reason: str) -> None:
        super().__init__([{"loc": [], "code": "auth_unavailable", "msg": message("auth_unavailable")}])
        self.reason = reason


@dataclass(frozen=True)
class Tokens:
    id_token: str
    access_token: str
    refresh_token: str
    expires_in: int


def cognito_client(endpoint: str | None, region: str, **credentials: str) -> Any:
    import boto3

    return boto3.client("cognito-idp", endpoint_url=endpoint, region_name=region, **credentials)


def ensure_user_pool(client: Any, name: str) -> str:
    """The id of the pool called `name`, created with the kit's settings if there is none."""
    for page in client.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if pool["Name"] == name:
                return str(pool["Id"])
    created = client.create_user_pool(
        PoolName=name, Policies={"PasswordPolicy": PASSWORD_POLICY},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        UsernameConfiguration={"CaseSensitive": False})
    return str(created["UserPool"]["Id"])


def ensure_app_client(client: Any, pool_id: str, name: str) -> str:
    """The id of the pool's app client called `name`, created (no secret) if there is none."""
    for page in client.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool_id, MaxResults=60):
        for app in page["UserPoolClients"]:
            if app["ClientName"] == name:
                return str(app["ClientId"])
    created = client.create_user_pool_client(
        UserPoolId=pool_id, ClientName=name, GenerateSecret=False, ExplicitAuthFlows=AUTH_FLOWS,
        PreventUserExistenceErrors="ENABLED", AccessTokenValidity=8, IdTokenValidity=8, RefreshTokenValidity=30,
        TokenValidityUnits={"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"})
    return str(created["UserPoolClient"]["ClientId"])


def ensure_user(client: Any, pool_id: str, username: str, name: str, password: str) -> str:
    """Create (or update) a staff user with a permanent password; return their `sub`."""
    attributes = [{"Name": "name", "Value": name}]
    try:
        client.admin_create_user(UserPoolId=pool_id, Username=username, UserAttributes=attributes,
                                 MessageAction="SUPPRESS", TemporaryPassword=password)
    except ClientError as err:
        if err.response["Error"]["Code"] != "UsernameExistsException":
            raise
        client.admin_update_user_attributes(UserPoolId=pool_id, Username=username, UserAttributes=attributes)
    client.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password, Permanent=True)
    user = client.admin_get_user(UserPoolId=pool_id, Username=username)
    return str(next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub"))


_REFUSALS = {
    "NotAuthorizedException": "sign_in_failed",
    "UserNotFoundException": "sign_in_failed",  # never say which of the two was wrong
    "PasswordResetRequiredException": "password_change_required",
    "UserNotConfirmedException": "account_disabled",
}
_BUSY = {"TooManyRequestsException", "LimitExceededException", "InternalErrorException",
         "TooManyFailedAttemptsException"}


def sign_in(client: Any, pool: UserPool, client_id: str, username: str, password: str, *,
            admin: bool = False) -> Tokens:
    """Tokens for `username`, or SignInRefused (401) / SignInUnavailable (503).

    `admin`: ADMIN_USER_PASSWORD_AUTH (needs AWS credentials allowed `cognito-idp:AdminInitiateAuth`),
    otherwise USER_PASSWORD_AUTH (what the console's sign-in uses).
    """
    if client_id not in pool.client_ids:
        raise ValueError(f"{client_id!r} is not one of the pool's accepted app clients")
    if not (isinstance(username, str) and 0 < len(username) <= 128 and isinstance(password, str)
            and 0 < len(password) <= 256):
        raise SignInRefused("sign_in_failed", "username or password empty or too long")
    parameters = {"USERNAME": username, "PASSWORD": password}
    try:
        if admin:
            answer = client.admin_initiate_auth(UserPoolId=pool.pool_id, ClientId=client_id,
                                                AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters=parameters)
        else:
            answer = client.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                          AuthParameters=parameters)
    except ClientError as err:
        code, text = err.response["Error"]["Code"], err.response["Error"].get("Message", "")
        if code in _BUSY:
            raise SignInUnavailable(f"{code}: {text}") from None
        if code not in _REFUSALS:
            raise
        refusal = "account_disabled" if "disabled" in text.lower() else _REFUSALS[code]
        raise SignInRefused(refusal, f"{code}: {text}") from None
    challenge = answer.get("ChallengeName")
    if challenge:
        refusal = "password_change_required" if challenge == "NEW_PASSWORD_REQUIRED" else "sign_in_failed"
        raise SignInRefused(refusal, f"challenge {challenge} (not handled yet)")
    result = answer["AuthenticationResult"]
    return Tokens(result["IdToken"], result["AccessToken"], result.get("RefreshToken", ""),
                  int(result.get("ExpiresIn", 0)))
