"""The stack's data plane in moto, built from the transformed template, with the app driven against it.

moto's CloudFormation runs neither the SAM transform nor CloudFront, so the resources are created from
the template's own properties through each service's API (table, bucket, queue, log groups, user pool,
roles, functions, schedule), with every Ref/GetAtt/Sub resolved to what was created. Then each function's
part runs with its own environment (as the template gives it) and under its own role's credentials,
with moto's IAM checks on: the resident API casts a ballot, the staff API closes the vote and asks for a
rebuild, the rebuild publishes the site into the template's bucket, the scheduler moves a phase on.
moto checks actions, not resources or conditions (LeadingKeys): those are asserted in
tests/test_infra_template.py.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import enable_iam_authentication

from tests.api_fixtures import BASE, MUNI, PB, STAFF_TOKEN, api_for, ballot_body, national_id, write_content
from tests.infra_fixtures import REGION, packaged, resources, transformed

__all__ = ["packaged", "transformed"]  # fixtures
pytestmark = pytest.mark.slow

ACCOUNT = "123456789012"
STACK = "prachakhom-prod"
PARAMETERS = {"Stage": "prod", "SiteUrl": "https://sites.example.go.th/"}


class Stack:
    """Physical ids of the template's resources and a resolver of its intrinsic functions."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.template = template
        self.parameters = {name: p.get("Default") for name, p in template.get("Parameters", {}).items()}
        self.parameters.update(PARAMETERS)
        self.refs: dict[str, Any] = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws",
                                     "AWS::StackName": STACK, "AWS::URLSuffix": "amazonaws.com",
                                     "AWS::NoValue": None, **self.parameters}
        self.attrs: dict[tuple[str, str], Any] = {}

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self.resolve(v) for v in value) if v is not None]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.refs.get(arg, f"unsupported-{arg}")
            if key == "Fn::GetAtt":
                name, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.attrs.get((name, attr), f"unsupported-{name}-{attr}")
            if key == "Fn::Sub":
                text, local = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

                def sub(m: re.Match[str]) -> str:
                    name = m.group(1)
                    if name in local:
                        return str(local[name])
                    if "." in name and not name.startswith("AWS::"):
                        return str(self.resolve({"Fn::GetAtt": name.split(".", 1)}))
                    return str(self.resolve({"Ref": name}))

                return re.sub(r"\$\{([^}]+)\}", sub, text)
            if key == "Fn::Join":
                return arg[0].join(str(v) for v in self.resolve(arg[1]))
            if key == "Fn::Select":
                return self.resolve(arg[1])[int(arg[0])]
            if key == "Fn::Split":
                return self.resolve(arg[1]).split(arg[0])
            if key == "Fn::If":
                return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
            if key == "Fn::Equals":
                return self.resolve(arg[0]) == self.resolve(arg[1])
            if key == "Fn::Not":
                return not self.resolve(arg[0])
        return {k: self.resolve(v) for k, v in value.items()}


def _zip() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        zf.writestr("app.py", "def app(event, context):\n    return {}\n")
    return data.getvalue()


def create_data_plane(template: dict[str, Any]) -> Stack:
    """Create every resource moto supports from the template's properties; return the ids."""
    stack = Stack(template)
    res = template["Resources"]
    for name, r in res.items():  # names first: roles name functions and functions name roles
        kind = r["Type"]
        if kind == "AWS::DynamoDB::Table":
            stack.refs[name] = f"{STACK}-{name}-1A2B3C"
            stack.attrs[(name, "Arn")] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{stack.refs[name]}"
        elif kind == "AWS::S3::Bucket":
            stack.refs[name] = f"{STACK}-{name.lower()}-1a2b3c"
            stack.attrs[(name, "Arn")] = f"arn:aws:s3:::{stack.refs[name]}"
        elif kind == "AWS::IAM::Role":
            stack.refs[name] = f"{STACK}-{name}"
            stack.attrs[(name, "Arn")] = f"arn:aws:iam::{ACCOUNT}:role/{stack.refs[name]}"
        elif kind == "AWS::Lambda::Function":
            stack.refs[name] = f"{STACK}-{name}"
            stack.attrs[(name, "Arn")] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{stack.refs[name]}"
        elif kind == "AWS::SQS::Queue":
            stack.refs[name] = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{STACK}-{name}"
            stack.attrs[(name, "Arn")] = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{STACK}-{name}"
    for name, r in res.items():
        if r["Type"] == "AWS::Logs::LogGroup":
            group = stack.resolve(r["Properties"]["LogGroupName"])
            stack.refs[name] = group
            stack.attrs[(name, "Arn")] = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*"

    logs = boto3.client("logs", region_name=REGION)
    for name, r in resources(template, "AWS::Logs::LogGroup").items():
        logs.create_log_group(logGroupName=stack.refs[name])
        logs.put_retention_policy(logGroupName=stack.refs[name],
                                  retentionInDays=int(stack.resolve(r["Properties"]["RetentionInDays"])))

    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for name, r in resources(template, "AWS::DynamoDB::Table").items():
        p = r["Properties"]
        dynamodb.create_table(TableName=stack.refs[name], AttributeDefinitions=p["AttributeDefinitions"],
                              KeySchema=p["KeySchema"], BillingMode=p["BillingMode"],
                              SSESpecification={"Enabled": p["SSESpecification"]["SSEEnabled"]},
                              DeletionProtectionEnabled=p["DeletionProtectionEnabled"])
        dynamodb.update_continuous_backups(TableName=stack.refs[name], PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]})

    s3 = boto3.client("s3", region_name=REGION)
    for name, r in resources(template, "AWS::S3::Bucket").items():
        p, bucket = r["Properties"], stack.refs[name]
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"])
        s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=p["OwnershipControls"])
        rules = [{"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                  "BucketKeyEnabled": rule["BucketKeyEnabled"]}  # CloudFormation's name is shorter
                 for rule in p["BucketEncryption"]["ServerSideEncryptionConfiguration"]]
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration=p["VersioningConfiguration"])
    for r in resources(template, "AWS::S3::BucketPolicy").values():
        p = stack.resolve(r["Properties"])
        document = p["PolicyDocument"]
        # moto applies a bucket policy's Deny ignoring its condition: the TLS-only Deny (aws:SecureTransport
        # false) would refuse every request, which on AWS it refuses only over plain HTTP
        kept = [s for s in document["Statement"] if "aws:SecureTransport" not in json.dumps(s.get("Condition", {}))]
        assert len(kept) == len(document["Statement"]) - 1
        s3.put_bucket_policy(Bucket=p["Bucket"], Policy=json.dumps({**document, "Statement": kept}))

    sqs = boto3.client("sqs", region_name=REGION)
    for name in resources(template, "AWS::SQS::Queue"):
        sqs.create_queue(QueueName=f"{STACK}-{name}")

    cognito = boto3.client("cognito-idp", region_name=REGION)
    for name, r in resources(template, "AWS::Cognito::UserPool").items():
        p = stack.resolve(r["Properties"])
        keys = ("AdminCreateUserConfig", "UsernameAttributes", "AutoVerifiedAttributes", "Policies", "Schema",
                "MfaConfiguration", "AccountRecoverySetting", "DeletionProtection")
        pool = cognito.create_user_pool(PoolName=p["UserPoolName"], **{k: p[k] for k in keys if k in p})
        stack.refs[name] = pool["UserPool"]["Id"]
    for name, r in resources(template, "AWS::Cognito::UserPoolClient").items():
        p = stack.resolve(r["Properties"])
        keys = ("GenerateSecret", "ExplicitAuthFlows", "PreventUserExistenceErrors", "EnableTokenRevocation")
        client = cognito.create_user_pool_client(UserPoolId=p["UserPoolId"], ClientName=p["ClientName"],
                                                 **{k: p[k] for k in keys})
        stack.refs[name] = client["UserPoolClient"]["ClientId"]

    iam = boto3.client("iam", region_name=REGION)
    for name, r in resources(template, "AWS::IAM::Role").items():
        p = stack.resolve(r["Properties"])
        iam.create_role(RoleName=stack.refs[name], AssumeRolePolicyDocument=json.dumps(p["AssumeRolePolicyDocument"]))
        for policy in p.get("Policies", []):
            iam.put_role_policy(RoleName=stack.refs[name], PolicyName=policy["PolicyName"],
                                PolicyDocument=json.dumps(policy["PolicyDocument"]))

    lam = boto3.client("lambda", region_name=REGION)
    code = _zip()
    for name, r in resources(template, "AWS::Lambda::Function").items():
        p = stack.resolve(r["Properties"])
        lam.create_function(FunctionName=stack.refs[name], Runtime=p["Runtime"], Role=p["Role"],
                            Handler=p["Handler"], Code={"ZipFile": code}, Timeout=p["Timeout"],
                            MemorySize=p["MemorySize"], Environment=p["Environment"],
                            **({"DeadLetterConfig": p["DeadLetterConfig"]} if "DeadLetterConfig" in p else {}))

    events = boto3.client("events", region_name=REGION)
    for name, r in resources(template, "AWS::Events::Rule").items():
        p = stack.resolve(r["Properties"])
        events.put_rule(Name=f"{STACK}-{name}", ScheduleExpression=p["ScheduleExpression"], State="ENABLED")
        events.put_targets(Rule=f"{STACK}-{name}", Targets=p["Targets"])
    return stack


def environment(stack: Stack, function: str) -> dict[str, str]:
    props = stack.template["Resources"][function]["Properties"]
    return {k: str(v) for k, v in stack.resolve(props["Environment"]["Variables"]).items()}


ITEM_WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"}


def _moto_actions(actions: str | list[str]) -> list[str]:
    """The actions as moto names the calls: `lambda:Invoke` where IAM says `lambda:InvokeFunction`, and
    `dynamodb:TransactWriteItems` for a transaction, which IAM checks item by item (PutItem, UpdateItem,
    DeleteItem, ConditionCheckItem: there is no TransactWriteItems action in IAM)."""
    listed = [actions] if isinstance(actions, str) else list(actions)
    return (listed + ["lambda:Invoke"] * ("lambda:InvokeFunction" in listed)
            + ["dynamodb:TransactWriteItems"] * bool(ITEM_WRITES & set(listed)))


@contextmanager
def running_as(stack: Stack, function: str, extra: dict[str, str]) -> Iterator[dict[str, str]]:
    """The function's environment and its role's credentials in os.environ, moto's IAM checks on.

    moto matches only actions (a request's resource is `*` to it), so the role moto checks is the
    template's with each statement's Resource widened to `*` and its conditions dropped."""
    from chalicelib import context

    iam = boto3.client("iam", region_name=REGION)
    role = stack.template["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    moto_role = f"{stack.refs[role]}-actions"
    iam.create_role(RoleName=moto_role, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                "Action": "sts:AssumeRole"}]}))
    for policy in iam.list_role_policies(RoleName=stack.refs[role])["PolicyNames"]:
        document = iam.get_role_policy(RoleName=stack.refs[role], PolicyName=policy)["PolicyDocument"]
        widened = [{"Effect": s["Effect"], "Action": _moto_actions(s["Action"]), "Resource": "*"}
                   for s in document["Statement"]]
        iam.put_role_policy(RoleName=moto_role, PolicyName=policy, PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": widened}))
    creds = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{moto_role}", RoleSessionName=function)["Credentials"]
    env = {**environment(stack, function), "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
           "AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
           "AWS_SESSION_TOKEN": creds["SessionToken"], **extra}
    saved = dict(os.environ)
    os.environ.update(env)
    boto3.DEFAULT_SESSION = None  # it caches the credentials it found first
    context._boto_client.cache_clear()
    context.use(None)
    try:
        with enable_iam_authentication():
            yield env
    finally:
        os.environ.clear()
        os.environ.update(saved)
        boto3.DEFAULT_SESSION = None
        context._boto_client.cache_clear()
        context.use(None)


@pytest.fixture
def aws():
    with mock_aws(config={"lambda": {"use_docker": False}}):
        yield


def test_the_app_runs_on_the_stack_built_from_the_template(aws, transformed, tmp_path):
    from chalicelib import context, jobs

    stack = create_data_plane(transformed)
    table = stack.refs["Table"]
    bucket = stack.refs["SiteBucket"]
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    backups = dynamodb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert dynamodb.describe_table(TableName=table)["Table"]["DeletionProtectionEnabled"] is True
    s3 = boto3.client("s3", region_name=REGION)
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    schedule = boto3.client("events", region_name=REGION).list_rules()["Rules"]
    assert [r["ScheduleExpression"] for r in schedule] == ["rate(1 hour)"]

    # the operator stores the secrets once (infra/README.md); the template never holds them
    ssm = boto3.client("ssm", region_name=REGION)
    prefix = environment(stack, "APIHandler")["PRACHAKHOM_SSM_PREFIX"]
    ssm.put_parameter(Name=prefix + "identity-secret", Value="s" * 64, Type="SecureString")
    ssm.put_parameter(Name=prefix + "staff-tokens", Value=json.dumps({MUNI: STAFF_TOKEN}), Type="SecureString")
    # ... and pushes the content into the stack's content store (table + content bucket), where every
    # function reads it; the folder the functions would otherwise read does not exist
    from prachakhom.commands.content import deployment_store
    from prachakhom.store import FolderStore
    from prachakhom.transfer import SyncRecord, push

    store = deployment_store({"PRACHAKHOM_TABLE": table, "PRACHAKHOM_CONTENT_BUCKET": stack.refs["ContentBucket"],
                              "AWS_DEFAULT_REGION": REGION})
    folder = FolderStore(write_content(tmp_path, phase="voting"))
    for scope in ("templates", f"municipalities/{MUNI}"):
        assert push(folder, store, scope, SyncRecord(tmp_path / "record.json"), "push:operator").written
    local = {"PRACHAKHOM_CONTENT": str(tmp_path / "no-content-folder"), "PRACHAKHOM_DATA_DIR": str(tmp_path / "data"),
             "PRACHAKHOM_CLOSE_GRACE": "0"}

    with running_as(stack, "APIHandler", local) as env:
        assert env["PRACHAKHOM_TABLE"] == table
        assert env["PRACHAKHOM_CONTENT_BUCKET"] == stack.refs["ContentBucket"]
        service = context.service()  # secrets read from SSM under the resident API's role
        with api_for(service) as api:
            status, cast = api.post(BASE + "/ballot", ballot_body(1), key="first")
            assert status == 201, cast
            assert api.get(f"{BASE}/receipts/{cast['receipt']}")[1]["ok"] is True
            status, proposal = api.get(BASE + "/proposals/road-village-1")
            assert status == 200, proposal
        with pytest.raises(ClientError, match="AccessDenied|not authorized|Forbidden"):
            boto3.client("s3", region_name=REGION).put_object(Bucket=bucket, Key="x", Body=b"x")
        with pytest.raises(ClientError, match="AccessDenied|not authorized"):  # only staff and scheduler may
            boto3.client("lambda", region_name=REGION).invoke(FunctionName=env["PRACHAKHOM_REBUILD_FUNCTION"],
                                                              InvocationType="Event", Payload=b"{}")

    with running_as(stack, "StaffAPIHandler", local), api_for(context.service()) as api:  # entered in order
        status, moved = api.staff(f"/municipalities/{MUNI}/processes/{PB}/phase", {"expected_phase": "voting"},
                                  key="close-vote")
        assert status == 200, moved
        assert moved["rebuild"] == "queued"  # Rebuild invoked (asynchronously) by its real name

    with running_as(stack, "Rebuild", local) as env:
        assert env["PRACHAKHOM_SITE_BUCKET"] == bucket
        done = jobs.rebuild({"municipality": MUNI, "process": PB})
        assert done["files"] > 5
        with pytest.raises(ClientError, match="AccessDenied|not authorized|Forbidden"):  # reads the table, never writes
            boto3.client("dynamodb", region_name=REGION).put_item(
                TableName=table, Item={"PK": {"S": f"PROC#{MUNI}#{PB}"}, "SK": {"S": "STATE"}})
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"{MUNI}/")["Contents"]}
    assert f"{MUNI}/index.html" in keys and f"{MUNI}/{PB}/index.html" in keys
    home = s3.get_object(Bucket=bucket, Key=f"{MUNI}/index.html")
    assert home["ContentType"].startswith("text/html")
    assert b"https://sites.example.go.th/" in home["Body"].read()  # the SiteUrl parameter

    with running_as(stack, "AdvancePhases", local):
        moved_on = jobs.advance_phases().moved  # today is past the results phase of the test calendar
        assert (MUNI, PB, "results") in moved_on

    items = dynamodb.scan(TableName=table)["Items"]
    assert any(i["PK"]["S"].startswith("BALLOTS#") for i in items)
    assert any(i["PK"]["S"].startswith("CONTENT#") for i in items)  # the content the functions read
    # the voter's ID is nowhere in the table (content items' bodies are bytes: read as text)
    assert national_id(1) not in json.dumps(items, default=lambda b: b.decode("utf-8", "replace"))


def test_the_rebuild_exports_without_writing(tmp_path):
    """The rebuild's role may only read the table: exporting a process whose phase was never stored
    takes the phase from content and calendar and stores nothing (it used to store it)."""
    from chalicelib.rebuild import export_municipality
    from chalicelib.storage.memory import MemoryRepository

    class ReadOnly(MemoryRepository):
        def init_state(self, state: Any) -> Any:
            raise AssertionError("the rebuild wrote the table")

    from tests.api_fixtures import make_service

    repository = ReadOnly()
    services = make_service(write_content(tmp_path, phase="voting"), repository)
    export_municipality(services, MUNI, tmp_path / "data")
    assert repository.get_state(MUNI, PB) is None
    assert json.loads((tmp_path / "data" / MUNI / PB / "snapshot.json").read_text())["current_phase"]
