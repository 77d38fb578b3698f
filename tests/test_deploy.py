"""`prachakhom deploy` / `destroy` against moto's CloudFormation on loopback (a moto server, reached
through `AWS_ENDPOINT_URL` exactly as AWS would be).

moto's CloudFormation has no SAM transform, CloudFront or Cognito, so the stack here is the data plane
in plain CloudFormation with the real template's parameters and outputs (SiteUrl, DistributionId, the
distribution's domain and id as fixed outputs): what is tested is the deploy's own logic — change sets,
no-change re-runs, failures, confirmation, the second pass, artifacts, destroy. The real template is
tested offline by tests/test_infra_template.py and its data plane in moto by tests/test_infra_moto.py.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto.cloudformation.models import ChangeSet
from moto.server import ThreadedMotoServer
from rich.console import Console

from prachakhom.commands import deploy as deploy_cmd
from prachakhom.commands.deploy import Options, deploy, destroy, upload_artifacts
from prachakhom.commands.stack import Change, CloudFormation, StackError
from tests.api_fixtures import free_port

REGION = "ap-southeast-1"
DOMAIN = "d111111abcdef8.cloudfront.net"


def _settle_like_aws(change_set: Any, apply: Any) -> None:
    """moto executes a change set's resources but leaves the stack's parameters and outputs as they
    were (a created stack has none): set them as CloudFormation does, from the change set's template."""
    apply(change_set)
    stack = change_set.stack
    stack.template, stack.parameters = change_set.template, dict(change_set.parameters)
    stack._parse_template()
    stack.output_map = stack._create_output_map()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    with pytest.MonkeyPatch.context() as patch:
        original = ChangeSet.apply
        patch.setattr(ChangeSet, "apply", lambda self: _settle_like_aws(self, original))
        server.start()
        # "localhost": moto reads a TemplateURL's bucket from the path only for that host name
        yield f"http://localhost:{port}"
        server.stop()


@pytest.fixture
def session(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> boto3.Session:
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


def template(table_id: str = "Table", extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The data plane with the real template's parameters and the outputs the deploy reads."""
    return {
        "Parameters": {
            "Stage": {"Type": "String", "Default": "prod"},
            "SiteUrl": {"Type": "String", "AllowedPattern": "^https://[^/]+/$"},
            "DistributionId": {"Type": "String", "Default": ""},
        },
        "Resources": {
            table_id: {
                "Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
                "Properties": {"BillingMode": "PAY_PER_REQUEST",
                               "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"},
                                             {"AttributeName": "SK", "KeyType": "RANGE"}],
                               "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"},
                                                        {"AttributeName": "SK", "AttributeType": "S"}]}},
            "SiteBucket": {"Type": "AWS::S3::Bucket"},
            "RebuildDeadLetters": {"Type": "AWS::SQS::Queue"},
            **(extra or {}),
        },
        "Outputs": {
            "SiteDistributionDomain": {"Value": DOMAIN},
            "SiteDistributionId": {"Value": "E2EXAMPLE"},
            "TableName": {"Value": {"Ref": table_id}},
            "SiteBucketName": {"Value": {"Ref": "SiteBucket"}},
        },
    }


def packaged(folder: Path, body: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sam.yaml").write_text(yaml.safe_dump(body), encoding="utf-8")
    with zipfile.ZipFile(folder / "deployment.zip", "w") as z:
        z.writestr("app.py", "print('hello')\n")
    return folder


def pending(cfn: Any, name: str) -> list[str]:
    """The stack's change sets left waiting (AWS drops executed ones; moto lists them as EXECUTE_COMPLETE,
    and lists every stack's)."""
    return [c["ChangeSetName"] for c in cfn.list_change_sets(StackName=name)["Summaries"]
            if c["StackName"] == name and c.get("ExecutionStatus") != "EXECUTE_COMPLETE"]


def run(session: boto3.Session, folder: Path, name: str, answer: str = "yes", yes: bool = False) -> deploy_cmd.Deployed:
    console = Console(quiet=True)
    cfn = CloudFormation(session.client("cloudformation"), console, sleep=lambda s: None, poll_seconds=0)
    confirm = deploy_cmd.ask_before_data_loss(console, yes, ask=lambda prompt: answer)
    return deploy(session, folder, Options(stage="prod", region=REGION, stack=name), ["ban-test"], confirm, console, cfn)


def test_create_sets_the_site_address_then_a_rerun_changes_nothing(session: boto3.Session, tmp_path: Path) -> None:
    folder = packaged(tmp_path / "sam", template())
    first = run(session, folder, "prachakhom-create")
    stack = first.stack.stack
    assert first.stack.executed and first.passes == 2
    assert stack.status == "UPDATE_COMPLETE"
    # first pass with the placeholder, second with what the outputs said
    assert stack.parameters["SiteUrl"] == f"https://{DOMAIN}/"
    assert stack.parameters["DistributionId"] == "E2EXAMPLE"
    assert {c.logical_id for c in first.stack.changes} >= {"Table", "SiteBucket", "RebuildDeadLetters"}
    table = stack.outputs["TableName"]
    assert session.client("dynamodb").describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"

    cfn = session.client("cloudformation")
    events = len(cfn.describe_stack_events(StackName="prachakhom-create")["StackEvents"])
    again = run(session, folder, "prachakhom-create")
    assert not again.stack.executed and again.passes == 1 and again.stack.changes == ()
    assert again.stack.stack.parameters == stack.parameters
    assert len(cfn.describe_stack_events(StackName="prachakhom-create")["StackEvents"]) == events
    assert pending(cfn, "prachakhom-create") == []  # the empty change set deleted, none left to execute
    assert session.client("dynamodb").describe_table(TableName=table)["Table"]["TableName"] == table


def test_a_failed_create_names_the_failing_resource(session: boto3.Session, tmp_path: Path) -> None:
    broken = template(extra={"Rebuild": {"Type": "AWS::Lambda::Function", "Properties": {
        "Role": "arn:aws:iam::123456789012:role/no-such-role", "Runtime": "python3.12", "Handler": "app.handler",
        "Code": {"ZipFile": "def handler(event, context): return 1"}}}})
    folder = packaged(tmp_path / "sam", broken)
    with pytest.raises(StackError) as raised:
        run(session, folder, "prachakhom-broken")
    err = raised.value
    assert err.status == "CREATE"
    # the cause, in the service's words, and the failing resource among those that do not stand
    assert "The role defined for the function cannot be assumed by Lambda" in str(err)
    assert "Rebuild (AWS::Lambda::Function)" in err.reasons
    assert "  - Rebuild (AWS::Lambda::Function)" in str(err).splitlines()


def test_a_change_that_would_replace_the_table_is_refused_without_confirm(session: boto3.Session,
                                                                            tmp_path: Path) -> None:
    run(session, packaged(tmp_path / "v1", template()), "prachakhom-replace")
    cfn = session.client("cloudformation")
    before = cfn.get_template(StackName="prachakhom-replace")["TemplateBody"]
    table = cfn.describe_stacks(StackName="prachakhom-replace")["Stacks"][0]["Outputs"]
    # the table under a new logical id: CloudFormation would make a new, empty table and drop the old one
    renamed = packaged(tmp_path / "v2", template(table_id="VotesTable"))
    with pytest.raises(StackError, match="not confirmed"):
        run(session, renamed, "prachakhom-replace", answer="no")
    assert cfn.get_template(StackName="prachakhom-replace")["TemplateBody"] == before
    assert cfn.describe_stacks(StackName="prachakhom-replace")["Stacks"][0]["Outputs"] == table
    assert pending(cfn, "prachakhom-replace") == []

    done = run(session, renamed, "prachakhom-replace", answer="yes")  # typed yes: it goes on
    assert done.stack.executed
    assert {(c.action, c.logical_id) for c in done.stack.changes} >= {("Remove", "Table"), ("Add", "VotesTable")}


def test_what_counts_as_losing_data() -> None:
    assert Change("Modify", "Table", "AWS::DynamoDB::Table", "True").loses_data
    assert Change("Modify", "StaffUserPool", "AWS::Cognito::UserPool", "Conditional").loses_data
    assert Change("Remove", "SiteBucket", "AWS::S3::Bucket").loses_data
    assert not Change("Modify", "Table", "AWS::DynamoDB::Table", "False").loses_data
    assert not Change("Remove", "Rebuild", "AWS::Lambda::Function").loses_data
    refuse = deploy_cmd.ask_before_data_loss(Console(quiet=True), yes=False, ask=lambda prompt: "no")
    assert refuse([Change("Modify", "APIHandler", "AWS::Lambda::Function", "True")])  # no data: no question
    assert not refuse([Change("Modify", "Table", "AWS::DynamoDB::Table", "True")])


def test_artifacts_uploaded_once_and_functions_pointed_at_them(session: boto3.Session, tmp_path: Path) -> None:
    body = template(extra={"APIHandler": {"Type": "AWS::Serverless::Function",
                                          "Properties": {"CodeUri": "./deployment.zip", "Handler": "app.app"}}})
    folder = packaged(tmp_path / "sam", body)
    s3 = session.client("s3")
    first = upload_artifacts(s3, "prachakhom-artifacts-test", REGION, folder, "prod")
    assert first.bundle_uploaded and set(first.parameters) == {"Stage", "SiteUrl", "DistributionId"}
    key = first.template_url.split("/prachakhom-artifacts-test/", 1)[1]
    uploaded = yaml.safe_load(s3.get_object(Bucket="prachakhom-artifacts-test", Key=key)["Body"].read())
    uri = uploaded["Resources"]["APIHandler"]["Properties"]["CodeUri"]
    assert uri.startswith("s3://prachakhom-artifacts-test/prod/") and uri.endswith(".zip")
    bundle = s3.get_object(Bucket="prachakhom-artifacts-test", Key=uri.split("/", 3)[3])["Body"].read()
    assert bundle == (folder / "deployment.zip").read_bytes()
    blocks = s3.get_public_access_block(Bucket="prachakhom-artifacts-test")["PublicAccessBlockConfiguration"]
    assert all(blocks.values())
    again = upload_artifacts(s3, "prachakhom-artifacts-test", REGION, folder, "prod")
    assert not again.bundle_uploaded and again.template_url == first.template_url


def test_destroy_empties_the_bucket_and_keeps_the_table_unless_told(session: boto3.Session, tmp_path: Path) -> None:
    folder = packaged(tmp_path / "sam", template())
    for name in ("prachakhom-keep", "prachakhom-gone"):
        outputs = run(session, folder, name).stack.stack.outputs
        session.client("s3").put_object(Bucket=outputs["SiteBucketName"], Key="ban-test/index.html", Body=b"<p>")
        console = Console(quiet=True)
        cfn = CloudFormation(session.client("cloudformation"), console, sleep=lambda s: None, poll_seconds=0)
        kept = destroy(session, name, delete_data=name.endswith("gone"), console=console, cfn=cfn)
        assert cfn.describe(name) is None
        pages = session.client("dynamodb").get_paginator("list_tables").paginate()
        tables = [name for page in pages for name in page["TableNames"]]  # the shared moto holds other tests' too
        if name.endswith("keep"):
            assert kept == [f"table {outputs['TableName']}"] and outputs["TableName"] in tables
        else:
            assert kept == [] and outputs["TableName"] not in tables
        assert outputs["SiteBucketName"] not in [b["Name"] for b in session.client("s3").list_buckets()["Buckets"]]


def test_destroy_asks_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[str] = []
    monkeypatch.setattr(deploy_cmd, "destroy", lambda *a, **k: called.append("destroy") or [])
    args = type("Args", (), {"stack_name": "", "stage": "prod", "region": REGION, "delete_data": False})()
    answers = iter(["yes", "prachakhom-test"])  # right first answer, wrong stack name
    assert deploy_cmd.destroy_main(args, ask=lambda prompt: next(answers)) == 1 and called == []
    answers = iter(["yes", "prachakhom-prod"])
    assert deploy_cmd.destroy_main(args, ask=lambda prompt: next(answers)) == 0 and called == ["destroy"]


def test_first_and_second_parameters() -> None:
    opts = Options(stage="prod")
    assert deploy_cmd.first_parameters(opts, None) == {"Stage": "prod", "SiteUrl": deploy_cmd.PLACEHOLDER_SITE_URL}
    # an existing stack keeps its SiteUrl (UsePreviousValue)
    assert deploy_cmd.first_parameters(opts, {"SiteUrl": f"https://{DOMAIN}/"}) == {"Stage": "prod"}
    custom = Options(domain="pb.example.go.th", certificate_arn="arn:aws:acm:us-east-1:1:certificate/x")
    assert deploy_cmd.first_parameters(custom, None)["SiteUrl"] == "https://pb.example.go.th/"
    outputs = {"SiteDistributionDomain": DOMAIN, "SiteDistributionId": "E2"}
    assert deploy_cmd.second_parameters(opts, {"SiteUrl": "https://pending.invalid/"}, outputs) == {
        "SiteUrl": f"https://{DOMAIN}/", "DistributionId": "E2"}
    assert deploy_cmd.second_parameters(custom, {"SiteUrl": "https://pb.example.go.th/", "DistributionId": "E2"},
                                        outputs) == {}
    assert json.dumps(deploy_cmd.first_parameters(Options(alarm_email="it@x.go.th"), None)).count("it@x.go.th") == 1


def test_deploy_pushes_the_content_the_functions_read(session: boto3.Session, tmp_path: Path) -> None:
    """Step 5: the content folder goes into the stack's content store (table + content bucket) before
    any rebuild is asked for; a re-run pushes nothing; destroy keeps the content bucket like the table."""
    from tests.api_fixtures import MUNI, write_content

    body = template(extra={"ContentBucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"}})
    body["Outputs"]["ContentBucketName"] = {"Value": {"Ref": "ContentBucket"}}
    folder, content = packaged(tmp_path / "sam", body), write_content(tmp_path / "content")
    console = Console(quiet=True)
    cfn = CloudFormation(session.client("cloudformation"), console, sleep=lambda s: None, poll_seconds=0)
    confirm = deploy_cmd.ask_before_data_loss(console, True)
    done = deploy(session, folder, Options(stage="prod", region=REGION, stack="prachakhom-content"), [MUNI],
                  confirm, console, cfn, content=content)
    assert not done.content_refused
    outputs = done.stack.stack.outputs
    items = session.client("dynamodb").scan(TableName=outputs["TableName"])["Items"]
    files = {i["SK"]["S"] for i in items if i["PK"]["S"] == f"CONTENT#municipalities/{MUNI}"}
    assert f"FILE#municipalities/{MUNI}/municipality.yaml" in files
    assert any(i["PK"]["S"] == "CONTENT#templates" for i in items)

    again = deploy(session, folder, Options(stage="prod", region=REGION, stack="prachakhom-content"), [MUNI],
                   confirm, console, cfn, content=content)
    assert not again.content_refused
    assert len(session.client("dynamodb").scan(TableName=outputs["TableName"])["Items"]) == len(items)  # no audit entry

    kept = destroy(session, "prachakhom-content", delete_data=False, console=console, cfn=cfn)
    assert f"content bucket {outputs['ContentBucketName']}" in kept
    assert outputs["ContentBucketName"] in [b["Name"] for b in session.client("s3").list_buckets()["Buckets"]]
