"""Secrets come from SSM Parameter Store at cold start (chalicelib/secret_store.py), here against moto."""

from __future__ import annotations

import json
import logging
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.api_fixtures import FUNCTIONS  # noqa: F401  (puts functions/ on the path)

PREFIX = "/prachakhom/prod/"
REGION = "ap-southeast-7"


class CountingSSM:
    """A moto SSM client that counts the calls made through it."""

    def __init__(self) -> None:
        self.client = boto3.client("ssm", region_name=REGION)
        self.calls: list[str] = []

    def get_parameters(self, **kwargs: Any) -> Any:
        self.calls.append("GetParameters")
        return self.client.get_parameters(**kwargs)


@pytest.fixture
def ssm():
    with mock_aws():
        yield CountingSSM()


def put(ssm: CountingSSM, name: str, value: str) -> None:
    ssm.client.put_parameter(Name=PREFIX + name, Value=value, Type="SecureString")


def test_secrets_are_read_in_one_call_and_decrypted(ssm):
    from chalicelib.secret_store import with_secrets

    put(ssm, "identity-secret", "s3cret-from-ssm")
    put(ssm, "staff-tokens", json.dumps({"nakhon-demo": "t0ken"}))
    env = with_secrets({"PRACHAKHOM_SSM_PREFIX": PREFIX}, lambda: ssm)
    assert env["PRACHAKHOM_IDENTITY_SECRET"] == "s3cret-from-ssm"  # decrypted, not the ciphertext
    assert json.loads(env["PRACHAKHOM_STAFF_TOKENS"]) == {"nakhon-demo": "t0ken"}
    assert ssm.calls == ["GetParameters"]


def test_settings_take_the_secret_from_ssm(ssm):
    from chalicelib import context

    put(ssm, "identity-secret", "s3cret-from-ssm")
    context._boto_client.cache_clear()
    settings = context.Settings.from_env({"PRACHAKHOM_SSM_PREFIX": PREFIX, "AWS_REGION": REGION})
    context._boto_client.cache_clear()
    assert settings.secret == b"s3cret-from-ssm"
    assert settings.staff_tokens == {}  # optional: not stored, not needed


def test_the_environment_wins_and_nothing_is_read_without_a_prefix(ssm):
    from chalicelib.secret_store import with_secrets

    put(ssm, "identity-secret", "from-ssm")
    env = {"PRACHAKHOM_SSM_PREFIX": PREFIX, "PRACHAKHOM_IDENTITY_SECRET": "from-env",
           "PRACHAKHOM_STAFF_TOKENS": "{}"}
    assert with_secrets(env, lambda: ssm)["PRACHAKHOM_IDENTITY_SECRET"] == "from-env"
    assert ssm.calls == []  # everything was set: no call at all
    assert with_secrets({"PRACHAKHOM_IDENTITY_SECRET": "x"}, lambda: pytest.fail("no prefix, no client")) == {
        "PRACHAKHOM_IDENTITY_SECRET": "x"}


def test_a_missing_identity_secret_is_logged_by_name_and_left_unset(ssm, caplog):
    from chalicelib.secret_store import with_secrets

    with caplog.at_level(logging.ERROR, logger="prachakhom.secrets"):
        env = with_secrets({"PRACHAKHOM_SSM_PREFIX": PREFIX}, lambda: ssm)
    assert "PRACHAKHOM_IDENTITY_SECRET" not in env
    assert f"{PREFIX}identity-secret" in caplog.text
    from prachakhom.identity import voter_key

    with pytest.raises(ValueError):  # a vote is refused rather than hashed with an empty key
        voter_key(env.get("PRACHAKHOM_IDENTITY_SECRET", "").encode(), "m", "p", "1101700203451")
