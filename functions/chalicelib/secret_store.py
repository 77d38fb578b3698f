"""Secrets read once per container from SSM Parameter Store, never from the template or the environment.

On AWS the API functions get `PRACHAKHOM_SSM_PREFIX` (e.g. `/prachakhom/prod/`); their first request
reads the SecureString parameters under it in one `GetParameters` call and uses them as if they were
environment variables. A value set in the environment wins (the demo and the tests set them there).

Parameter Store rather than Secrets Manager: standard parameters cost nothing, a Secrets Manager secret
US$0.40 a month, which is most of a small municipality's budget. CloudFormation cannot create a
SecureString, so the operator stores it once (infra/README.md); the identity secret must never change,
since every voter key and receipt code is derived from it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger("prachakhom.secrets")

PARAMETERS = {
    "identity-secret": "PRACHAKHOM_IDENTITY_SECRET",
    "staff-tokens": "PRACHAKHOM_STAFF_TOKENS",
}
"""Parameter name under the prefix → the setting it supplies. Only the identity secret is required."""
REQUIRED = ("identity-secret",)


def with_secrets(env: Mapping[str, str], ssm: Callable[[], Any]) -> dict[str, str]:
    """`env` plus the parameters under `env["PRACHAKHOM_SSM_PREFIX"]` (unchanged without a prefix).

    `ssm` makes the client only when a parameter is read. A required parameter that is missing is
    logged (with the name to create) and left unset: routes that need no secret keep working, and
    the ones that do refuse rather than hash with an empty key (`prachakhom.identity.keyed_hash`).
    """
    out = dict(env)
    prefix = env.get("PRACHAKHOM_SSM_PREFIX", "")
    wanted = {prefix + name: setting for name, setting in PARAMETERS.items() if not env.get(setting)}
    if not prefix or not wanted:
        return out
    response = ssm().get_parameters(Names=sorted(wanted), WithDecryption=True)
    for parameter in response.get("Parameters", []):
        out[wanted[parameter["Name"]]] = parameter["Value"]
    for name in REQUIRED:
        if prefix + name in response.get("InvalidParameters", []):
            log.error("SSM parameter %s%s is missing: store it as a SecureString (infra/README.md)", prefix, name)
    return out
