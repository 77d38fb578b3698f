"""`prachakhom deploy` and `prachakhom destroy`: one stack in Bangkok or Singapore, in one command.

    prachakhom deploy --stage prod --region ap-southeast-7 [--domain … --certificate-arn …] [--alarm-email …]

1. **package** (`make package`'s step, `prachakhom.commands.deployment`), unless `--no-package` uses
   what is already in `--package-dir`;
2. **upload** the bundle and the template to the artifacts bucket `prachakhom-artifacts-<account>-<region>`
   (made once: private, encrypted). Both are named by their MD5, so an unchanged bundle keeps the
   functions' `CodeUri` and CloudFormation sees no change;
3. **create or update the stack** through a change set (`prachakhom.commands.stack`; the SAM transform
   runs on AWS's side), its changes listed, a change that would replace or remove the table, the user
   pool or the bucket executed only after a yes (`--yes` for scripts);
4. **the site's address**: without a custom domain the first pass uses a placeholder `SiteUrl`; the
   distribution's domain and id (outputs) are then passed back as `SiteUrl` and `DistributionId` in a
   second pass (the functions naming their own distribution would be a circular dependency);
5. **the content**: `--content` is pushed into the stack's content store (its table and content
   bucket, which every function reads: `prachakhom content push --all`, only what changed, nothing
   written if the store holds changes this folder has not seen);
6. **the sites**: the rebuild function is asked (asynchronously) to build and publish every
   municipality of `--content`; it uploads only what changed (`chalicelib.publish`);
7. prints the URLs, and says when the identity secret is not stored yet.

Re-running is safe: nothing changed → no change set executed, no file uploaded again.
Credentials and endpoints are boto3's own (profile, environment; `AWS_ENDPOINT_URL` for an emulator).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prachakhom.commands.build import DEFAULT_CONTENT
from prachakhom.commands.deployment import BUNDLE_NAME, REGIONS, ROOT, TEMPLATE_NAME, load_template

if TYPE_CHECKING:  # botocore, rich and the stack module load with the command, not with `prachakhom --help`
    from rich.console import Console

    from prachakhom.commands.stack import Applied, Change, CloudFormation

PLACEHOLDER_SITE_URL = "https://pending.invalid/"
"""SiteUrl of a first pass without a custom domain: the distribution's domain is known only after it."""
SECRET_NAME = "identity-secret"


def artifacts_bucket(account: str, region: str) -> str:
    return f"prachakhom-artifacts-{account}-{region}"


def stack_name(stage: str) -> str:
    return f"prachakhom-{stage}"


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def ensure_bucket(s3: Any, bucket: str, region: str) -> None:
    """The artifacts bucket, made once: private (every public access blocked), encrypted. It holds the
    code and the template only (no residents' data); boto3 reaches AWS over HTTPS."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
        return
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **extra)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})


def _put_once(s3: Any, bucket: str, key: str, body: bytes) -> bool:
    """Upload unless the key is there already (keys are content hashes); whether it was uploaded."""
    from botocore.exceptions import ClientError

    try:
        s3.head_object(Bucket=bucket, Key=key)
        return False
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
            raise
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return True


def uses_local_code(resource: Mapping[str, Any]) -> bool:
    """A SAM function whose `CodeUri` is a local file (`./deployment.zip`, as Chalice writes it)."""
    uri = resource.get("Properties", {}).get("CodeUri")
    return resource.get("Type") == "AWS::Serverless::Function" and isinstance(uri, str) and "://" not in uri


def point_code_at(template: dict[str, Any], code_uri: str) -> list[str]:
    """Set every function's local `CodeUri` to the uploaded bundle; the ids changed."""
    moved = []
    for logical_id, resource in template.get("Resources", {}).items():
        if uses_local_code(resource):
            resource["Properties"]["CodeUri"] = code_uri
            moved.append(logical_id)
    return moved


@dataclass(frozen=True)
class Uploaded:
    template_url: str
    parameters: tuple[str, ...]  # what the template declares
    bundle_uploaded: bool


def upload_artifacts(s3: Any, bucket: str, region: str, package_dir: Path, stage: str) -> Uploaded:
    """The bundle and the template (its CodeUri pointing at the bundle) into the artifacts bucket."""
    ensure_bucket(s3, bucket, region)
    template = load_template(package_dir / TEMPLATE_NAME)
    bundle = package_dir / BUNDLE_NAME
    uploaded = False
    if any(uses_local_code(r) for r in template.get("Resources", {}).values()):
        data = bundle.read_bytes()
        key = f"{stage}/{_md5(data)}.zip"
        uploaded = _put_once(s3, bucket, key, data)
        point_code_at(template, f"s3://{bucket}/{key}")
    import yaml

    body = yaml.safe_dump(template, allow_unicode=True, sort_keys=False).encode("utf-8")
    key = f"{stage}/{_md5(body)}.template.yaml"
    _put_once(s3, bucket, key, body)
    url = f"{s3.meta.endpoint_url.rstrip('/')}/{bucket}/{key}"
    return Uploaded(url, tuple(template.get("Parameters", {})), uploaded)


@dataclass(frozen=True)
class Options:
    stage: str = "prod"
    region: str = REGIONS[0]
    stack: str = ""
    domain: str = ""
    certificate_arn: str = ""
    alarm_email: str | None = None  # None: keep the stack's

    @property
    def stack_name(self) -> str:
        return self.stack or stack_name(self.stage)


def first_parameters(options: Options, current: Mapping[str, str] | None) -> dict[str, str]:
    """What this deploy sets; every other parameter keeps the stack's value (or the default)."""
    params = {"Stage": options.stage}
    if options.domain:
        params.update(DomainName=options.domain, CertificateArn=options.certificate_arn,
                      SiteUrl=f"https://{options.domain}/")
    elif current is None or "SiteUrl" not in current:
        params["SiteUrl"] = PLACEHOLDER_SITE_URL
    elif current.get("DomainName"):  # a domain dropped: back to the distribution's own domain
        params.update(DomainName="", CertificateArn="", SiteUrl=PLACEHOLDER_SITE_URL)
    if options.alarm_email is not None:
        params["AlarmEmail"] = options.alarm_email
    return params


def second_parameters(options: Options, parameters: Mapping[str, str], outputs: Mapping[str, str]) -> dict[str, str]:
    """What the stack's outputs say its parameters must now be ({} when they already are)."""
    wanted: dict[str, str] = {}
    domain = outputs.get("SiteDistributionDomain", "")
    if not options.domain and domain and parameters.get("SiteUrl") != f"https://{domain}/":
        wanted["SiteUrl"] = f"https://{domain}/"
    distribution = outputs.get("SiteDistributionId", "")
    if distribution and parameters.get("DistributionId") != distribution:
        wanted["DistributionId"] = distribution
    return wanted


def rebuild_sites(lambda_client: Any, function_name: str, municipalities: Iterable[str]) -> list[str]:
    """Ask the rebuild function for each municipality's site (asynchronous: the failures go to its
    dead-letter queue and alarm); the municipalities asked for."""
    asked = []
    for municipality in municipalities:
        lambda_client.invoke(FunctionName=function_name, InvocationType="Event",
                             Payload=json.dumps({"municipality": municipality, "process": ""}).encode())
        asked.append(municipality)
    return asked


def ask_before_data_loss(console: Console, yes: bool, ask: Callable[[str], str] = input) -> Callable[[list[Change]], bool]:
    """The confirmation `CloudFormation.apply` calls: yes unless a change loses data; then `--yes` or a typed yes."""
    def confirm(changes: list[Change]) -> bool:
        losing = [c for c in changes if c.loses_data]
        if not losing:
            return True
        console.print("[red]These changes would replace or remove resources that hold residents' and staff's "
                      "data:[/red] " + ", ".join(f"{c.logical_id} ({c.resource_type})" for c in losing))
        if yes:
            return True
        if not sys.stdin.isatty() and ask is input:
            console.print("not confirmed (no terminal): run again with --yes if this is intended")
            return False
        return ask("Type 'yes' to go on: ").strip().lower() == "yes"
    return confirm


@dataclass(frozen=True)
class Deployed:
    stack: Applied
    passes: int
    bundle_uploaded: bool
    rebuilds: tuple[str, ...]
    content_refused: bool = False
    """The content push was refused (a conflict or invalid content): no rebuild was asked for."""


def push_content(session: Any, content: Path, table: str, bucket: str, console: Console) -> bool:
    """Step 5: the content folder into the stack's content store, which the functions read. False if
    the push was refused (the reasons are printed; nothing of a refused scope is written)."""
    from prachakhom.commands.content import deployment_store, transfer_scopes

    store = deployment_store({"PRACHAKHOM_TABLE": table, "PRACHAKHOM_CONTENT_BUCKET": bucket},
                             clients=lambda name, endpoint, region: session.client(name))
    return transfer_scopes("push", content, store, None, out=console.file) == 0


def deploy(session: Any, package_dir: Path, options: Options, municipalities: Iterable[str],
           confirm: Callable[[list[Change]], bool], console: Console, cfn: CloudFormation | None = None,
           content: Path | None = None) -> Deployed:
    """Steps 2-6 of the module's note, with an already packaged `package_dir` (step 5 with `content`)."""
    from prachakhom.commands.stack import Applied, CloudFormation

    account = session.client("sts").get_caller_identity()["Account"]
    s3 = session.client("s3")
    uploaded = upload_artifacts(s3, artifacts_bucket(account, options.region), options.region, package_dir,
                                options.stage)
    console.print(f"bundle: {'uploaded' if uploaded.bundle_uploaded else 'unchanged'}")
    cfn = cfn or CloudFormation(session.client("cloudformation"), console)
    current = cfn.describe(options.stack_name)
    parameters = first_parameters(options, current.parameters if current else None)
    applied = cfn.apply(options.stack_name, uploaded.template_url, parameters, uploaded.parameters,
                        {"prachakhom:stage": options.stage}, confirm)
    passes = 1
    again = second_parameters(options, applied.stack.parameters, applied.stack.outputs)
    if again:
        console.print("setting the site's address and distribution: " + ", ".join(f"{k}={v}" for k, v in again.items()))
        second = cfn.apply(options.stack_name, uploaded.template_url, again, uploaded.parameters,
                           {"prachakhom:stage": options.stage}, confirm)
        applied = Applied(second.stack, applied.changes + second.changes, applied.executed or second.executed)
        passes = 2
    outputs = applied.stack.outputs
    table, bucket = outputs.get("TableName", ""), outputs.get("ContentBucketName", "")
    if content is not None and table and bucket and not push_content(session, content, table, bucket, console):
        console.print("[red]the content push was refused: no site rebuilt (pull first, or fix the content)[/red]")
        return Deployed(applied, passes, uploaded.bundle_uploaded, (), content_refused=True)
    rebuilds: list[str] = []
    if outputs.get("RebuildFunctionName"):
        rebuilds = rebuild_sites(session.client("lambda"), outputs["RebuildFunctionName"], municipalities)
        console.print(f"asked for {len(rebuilds)} site rebuild(s): they publish within minutes")
    return Deployed(applied, passes, uploaded.bundle_uploaded, tuple(rebuilds))


def secret_stored(session: Any, stage: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        session.client("ssm").get_parameter(Name=f"/prachakhom/{stage}/{SECRET_NAME}", WithDecryption=False)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return False
        raise
    return True


def report(console: Console, done: Deployed, session: Any, options: Options, municipalities: Iterable[str]) -> None:
    stack = done.stack.stack
    site = stack.parameters.get("SiteUrl", "")
    verb = "deployed" if done.stack.executed else "unchanged (nothing to deploy)"
    console.print(f"[green]stack {stack.name}: {verb}, {stack.status}[/green]")
    if site and site != PLACEHOLDER_SITE_URL:
        console.print(f"sites: {site}")
        for m in municipalities:
            console.print(f"  {site}{m}/")
        console.print(f"API: {site}api/")
    for key in ("TableName", "SiteBucketName", "ContentBucketName", "StaffUserPoolId"):
        if key in stack.outputs:
            console.print(f"{key}: {stack.outputs[key]}")
    if not secret_stored(session, options.stage):
        console.print(f"[yellow]the identity secret is not stored yet: votes are refused until it is.[/yellow]\n"
                      f"  aws ssm put-parameter --region {options.region} --type SecureString "
                      f"--name /prachakhom/{options.stage}/{SECRET_NAME} --value \"$(openssl rand -hex 32)\"")


def _municipalities(content: Path) -> list[str]:
    from prachakhom.content import load_content

    return sorted(load_content(content).municipalities)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stage", default="prod", help="stage (names the stack prachakhom-<stage>)")
    parser.add_argument("--region", default=REGIONS[0], choices=REGIONS,
                        help="Bangkok (ap-southeast-7, default) or Singapore (ap-southeast-1)")
    parser.add_argument("--stack-name", default="", help="default prachakhom-<stage>")
    parser.add_argument("--package-dir", type=Path, default=ROOT / "build" / "sam")
    parser.add_argument("--no-package", action="store_true", help="deploy what --package-dir holds already")
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT, help="whose sites to build")
    parser.add_argument("--domain", default="", help="custom domain of the sites (needs --certificate-arn)")
    parser.add_argument("--certificate-arn", default="", help="ACM certificate for --domain, in us-east-1")
    parser.add_argument("--alarm-email", default=None, help="who is e-mailed when the API or a rebuild fails")
    parser.add_argument("--yes", action="store_true",
                        help="go on even when a change replaces or removes the table, user pool or bucket")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import boto3
    from rich.console import Console

    from prachakhom.commands.deployment import package
    from prachakhom.commands.stack import StackError

    console = Console()
    if args.domain and not args.certificate_arn:
        console.print("[red]--domain needs --certificate-arn (an ACM certificate issued in us-east-1)[/red]")
        return 2
    options = Options(args.stage, args.region, args.stack_name, args.domain, args.certificate_arn, args.alarm_email)
    municipalities = _municipalities(args.content)
    if not args.no_package:
        console.print(f"packaging for {args.region} into {args.package_dir} …")
        package(args.package_dir, args.stage, args.region)
    elif not (args.package_dir / TEMPLATE_NAME).exists():
        console.print(f"[red]{args.package_dir / TEMPLATE_NAME} is missing: run `make package` first[/red]")
        return 2
    session = boto3.Session(region_name=args.region)
    try:
        done = deploy(session, args.package_dir, options, municipalities,
                      ask_before_data_loss(console, args.yes), console, content=args.content)
    except StackError as err:
        console.print(f"[red]{err}[/red]")
        return 1
    report(console, done, session, options, municipalities)
    return 1 if done.content_refused else 0


# --- destroy -----------------------------------------------------------------------------------------

def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object version of a (versioned) bucket, so CloudFormation can delete it."""
    removed = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        keys = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            removed += len(keys)
    return removed


def destroy(session: Any, name: str, delete_data: bool, console: Console,
            cfn: CloudFormation | None = None) -> list[str]:
    """Empty the site bucket, delete the stack; the table and user pool stay (Retain) unless
    `delete_data`, then they are deleted too (deletion protection lifted first). What was kept."""
    from prachakhom.commands.stack import CloudFormation

    cfn = cfn or CloudFormation(session.client("cloudformation"), console)
    stack = cfn.describe(name)
    if stack is None:
        console.print(f"no stack {name}")
        return []
    s3 = session.client("s3")
    bucket = stack.outputs.get("SiteBucketName")
    if bucket:
        console.print(f"emptying {bucket}: {empty_bucket(s3, bucket)} object version(s)")
    cfn.delete(name)
    kept = []
    table, pool = stack.outputs.get("TableName"), stack.outputs.get("StaffUserPoolId")
    content_bucket = stack.outputs.get("ContentBucketName")
    if content_bucket:  # Retain, like the table: the municipalities' content
        if delete_data:
            console.print(f"emptying {content_bucket}: {empty_bucket(s3, content_bucket)} object version(s)")
            s3.delete_bucket(Bucket=content_bucket)
            console.print(f"content bucket {content_bucket} deleted")
        else:
            kept.append(f"content bucket {content_bucket}")
    if table:
        if delete_data:
            dynamodb = session.client("dynamodb")
            dynamodb.update_table(TableName=table, DeletionProtectionEnabled=False)
            dynamodb.delete_table(TableName=table)
            console.print(f"table {table} deleted")
        else:
            kept.append(f"table {table}")
    if pool:
        if delete_data:
            cognito = session.client("cognito-idp")
            cognito.update_user_pool(UserPoolId=pool, DeletionProtection="INACTIVE")
            cognito.delete_user_pool(UserPoolId=pool)
            console.print(f"user pool {pool} deleted")
        else:
            kept.append(f"user pool {pool}")
    return kept


def add_destroy_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--region", default=REGIONS[0], choices=REGIONS)
    parser.add_argument("--stack-name", default="", help="default prachakhom-<stage>")
    parser.add_argument("--delete-data", action="store_true",
                        help="also delete the table (every vote, proposal, comment) and the staff user pool")
    parser.set_defaults(func=destroy_main)


def destroy_main(args: argparse.Namespace, ask: Callable[[str], str] = input) -> int:
    import boto3
    from rich.console import Console

    from prachakhom.commands.stack import StackError

    console = Console()
    name = args.stack_name or stack_name(args.stage)
    what = "the stack, its table and its staff accounts" if args.delete_data else \
        "the stack (its sites, API and functions; the table and the staff accounts are kept)"
    console.print(f"This deletes {what} in {args.region}.")
    if ask(f"Delete {name}? Type 'yes': ").strip().lower() != "yes" or \
            ask("Type the stack's name to confirm: ").strip() != name:
        console.print("nothing deleted")
        return 1
    try:
        kept = destroy(boto3.Session(region_name=args.region), name, args.delete_data, console)
    except StackError as err:
        console.print(f"[red]{err}[/red]")
        return 1
    for item in kept:
        console.print(f"kept: {item} (delete it with --delete-data, or keep it for a later deploy)")
    return 0
