"""The whole kit on one machine: moto (DynamoDB, S3) + `chalice local` + the static sites.

`prachakhom demo` (see `run`) does, in order:

1. start moto's server on 127.0.0.1 and reload the table saved in `<state>/dynamodb.json`;
2. push the content folder into the content store in moto (`prachakhom content push --all`: only
   what changed since the last start), which the API reads, as on AWS; make the staff user pool in
   moto's Cognito with one account per role for each demo municipality, plus a national one
   (`demo_staff.prepare_demo_staff`);
3. seed every process of the content (its phase, stored once) and export the snapshots;
4. build every municipality's site into `<state>/site` with those snapshots;
5. start the API in functions/ against moto (`prachakhom.commands.api_local`: chalice local's server with
   API Gateway's answers to unknown paths; rebuilds go to `<state>/site`);
6. serve `<state>/site` on 127.0.0.1, print the URLs and the staff accounts (how to sign in), and wait;
7. on Ctrl-C / SIGTERM: stop chalice, dump the table to `<state>/dynamodb.json`, stop moto.

The table is also dumped every few seconds, so a killed demo loses at most that much. The dump is
the table's items as DynamoDB JSON, restored with batch writes (moto's own recorder replays
requests, which would also replay ballots that the conditional writes refused).

Heavy imports (boto3, moto) happen inside the functions: the core stays free of them.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prachakhom.commands.demo_staff import DemoStaff
    from prachakhom.content import Content

ROOT = Path(__file__).resolve().parent.parent.parent
FUNCTIONS = ROOT / "functions"
TABLE = "prachakhom"
CONTENT_BUCKET = "prachakhom-content"
REGION = "ap-southeast-1"
DUMP_EVERY_SECONDS = 5.0


@dataclass(frozen=True)
class StackConfig:
    state_dir: Path = Path(".demo")
    content_dir: Path = ROOT / "content"
    host: str = "127.0.0.1"
    site_port: int = 8000
    api_port: int = 8010
    moto_port: int = 8011

    @property
    def site_dir(self) -> Path:
        return self.state_dir / "site"

    @property
    def data_dir(self) -> Path:
        return self.state_dir / "data"

    @property
    def dump_file(self) -> Path:
        return self.state_dir / "dynamodb.json"

    @property
    def moto_url(self) -> str:
        return f"http://{self.host}:{self.moto_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def site_url(self) -> str:
        return f"http://{self.host}:{self.site_port}/"


def _functions_on_path() -> None:
    if str(FUNCTIONS) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS))


def dynamodb(config: StackConfig) -> Any:
    import boto3

    return boto3.client("dynamodb", endpoint_url=config.moto_url, region_name=REGION,
                        aws_access_key_id="demo", aws_secret_access_key="demo")


def dump_table(client: Any, path: Path, table: str = TABLE) -> int:
    """Write every item (DynamoDB JSON) to `path` atomically; return how many."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**kwargs)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"table": table, "items": items}, ensure_ascii=False, default=_base64),
                   encoding="utf-8")
    tmp.replace(path)
    return len(items)


def restore_table(client: Any, path: Path, table: str = TABLE, out: Any = None) -> int:
    """Create the table and load the items saved by `dump_table` (if any).

    Ballots saved before ballots were keyed by their receipt code (`SK = BALLOT#<64 hex>`, with
    GSI1 keys) are skipped with a note: their receipts were random, so they cannot be re-keyed
    without the voters' IDs (a voter would get a second ballot). `make clean` starts afresh.
    """
    _functions_on_path()
    from chalicelib.storage.dynamodb import create_table

    create_table(client, table)
    if not path.is_file():
        return 0
    saved = json.loads(path.read_text(encoding="utf-8"))["items"]
    items = [_binary(item) for item in saved if not _old_ballot(item)]
    if len(items) < len(saved):
        print(f"note: skipped {len(saved) - len(items)} ballot(s) in {path} stored under the old key "
              "(ballot id, receipt index); the next save drops them — copy the file first to keep "
              "them, or `make clean` to start afresh", file=out or sys.stderr, flush=True)
    for i in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": item}} for item in items[i:i + 25]]
        while requests:
            left = client.batch_write_item(RequestItems={table: requests}).get("UnprocessedItems", {})
            requests = left.get(table, [])
    return len(items)


def _base64(value: object) -> str:
    """Binary attributes (content files' bytes) as DynamoDB JSON writes them: base64."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot save {type(value).__name__}")


def _binary(item: dict[str, Any]) -> dict[str, Any]:
    return {k: {"B": base64.b64decode(v["B"])} if "B" in v else v for k, v in item.items()}


def _old_ballot(item: dict[str, Any]) -> bool:
    """A ballot item of the schema before receipt-keyed ballots (see `restore_table`)."""
    sk = item.get("SK", {}).get("S", "")
    return sk.startswith("BALLOT#") and ("GSI1PK" in item or "-" not in sk)


def environment(config: StackConfig, content: Content | None = None) -> dict[str, str]:
    """What `chalice local` (and the seeding) see: moto endpoint, secrets, folders."""
    config.state_dir.mkdir(parents=True, exist_ok=True)
    secret_file = config.state_dir / "identity-secret"
    if not secret_file.is_file():
        secret_file.write_text(secrets.token_hex(32), encoding="utf-8")
    from prachakhom.store import FolderStore

    tokens = os.environ.get("PRACHAKHOM_STAFF_TOKENS") or json.dumps(
        {slug: f"demo-{slug}" for slug in (content.municipalities if content is not None
                                           else FolderStore(config.content_dir).municipalities())})
    return {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo", "AWS_DEFAULT_REGION": REGION,
        "PRACHAKHOM_STORAGE": "dynamodb", "PRACHAKHOM_TABLE": TABLE,
        "PRACHAKHOM_DYNAMODB_ENDPOINT": config.moto_url, "PRACHAKHOM_S3_ENDPOINT": config.moto_url,
        "PRACHAKHOM_IDENTITY_SECRET": secret_file.read_text(encoding="utf-8").strip(),
        "PRACHAKHOM_STAFF_TOKENS": tokens,
        "PRACHAKHOM_CONTENT": str(config.content_dir.resolve()),
        "PRACHAKHOM_CONTENT_STORE": "dynamodb", "PRACHAKHOM_CONTENT_BUCKET": CONTENT_BUCKET,
        "PRACHAKHOM_DATA_DIR": str(config.data_dir.resolve()),
        "PRACHAKHOM_REBUILD": "local", "PRACHAKHOM_SITE_DIR": str(config.site_dir.resolve()),
        "PRACHAKHOM_SITE_URL": config.site_url, "PRACHAKHOM_API_URL": config.api_url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
    }


def seed_and_build(config: StackConfig, env: dict[str, str]) -> list[str]:
    """Store each process's phase (once), export snapshots, build every site."""
    _functions_on_path()
    from chalicelib.context import Settings, build_service
    from chalicelib.rebuild import export_municipality

    from site_generator.build import build_all

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        os.environ.setdefault(key, env[key])  # our own boto3 clients talk to moto: dummy credentials
    service = build_service(Settings.from_env(env))
    slugs = service.catalog.municipality_slugs()
    for slug in slugs:
        export_municipality(service, slug, config.data_dir)
    build_all(content_dir=config.content_dir, output_dir=config.site_dir, data_dir=config.data_dir,
              site_url=config.site_url, progress=False, api_url=config.api_url)
    return slugs


@contextmanager
def moto_server(config: StackConfig) -> Iterator[Any]:
    from prachakhom.commands.local_aws import start_moto

    server = start_moto(config.host, config.moto_port)  # DynamoDB serialized: atomic like AWS's
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def static_server(config: StackConfig) -> Iterator[ThreadingHTTPServer]:
    from site_generator.serve import start_static_server

    config.site_dir.mkdir(parents=True, exist_ok=True)
    httpd = start_static_server(config.site_dir, config.host, config.site_port)
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def chalice_local(config: StackConfig, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "prachakhom.commands.api_local", "--stage", "local",
               "--host", config.host, "--port", str(config.api_port)]
    log = open(config.state_dir / "chalice.log", "ab")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(command, cwd=FUNCTIONS, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"{config.api_url}/api/health", proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def wait_for(url: str, proc: subprocess.Popen[bytes] | None = None, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the local API exited with {proc.returncode}; see .demo/chalice.log")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def run(config: StackConfig, stop: threading.Event | None = None, out: Any = None) -> int:
    """Start everything, print the URLs, block until `stop` is set (or SIGINT/SIGTERM), then save."""
    from prachakhom.commands.demo_staff import demo_municipalities, prepare_demo_staff
    from prachakhom.content import load_content

    out = out or sys.stdout
    stop = stop or _stop_on_signals()
    content = load_content(config.content_dir)
    env = environment(config, content)
    with moto_server(config):
        client = dynamodb(config)
        restored = restore_table(client, config.dump_file, out=out)
        from prachakhom.commands.content import publish_demo_content

        publish_demo_content(config.content_dir, env, config.state_dir, out)  # the API reads the store
        staff = prepare_demo_staff(config.moto_url, client, TABLE, demo_municipalities(content))
        env.update(staff.environment())  # the API verifies the accounts' tokens against moto's pool
        slugs = seed_and_build(config, env)
        saver = threading.Thread(target=_keep_dumping, args=(client, config, stop), daemon=True)
        try:
            with static_server(config), chalice_local(config, env):
                saver.start()
                _print_urls(config, slugs, restored, json.loads(env["PRACHAKHOM_STAFF_TOKENS"]), staff, out)
                stop.wait()
        finally:
            stop.set()
            if saver.is_alive():
                saver.join()
            count = dump_table(client, config.dump_file)
            print(f"saved {count} items to {config.dump_file}", file=out, flush=True)
    return 0


def _keep_dumping(client: Any, config: StackConfig, stop: threading.Event) -> None:
    while not stop.wait(DUMP_EVERY_SECONDS):
        dump_table(client, config.dump_file)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def _print_urls(config: StackConfig, slugs: list[str], restored: int, tokens: dict[str, str], staff: DemoStaff,
                out: Any) -> None:
    lines = [
        f"Prachakhom demo is running ({restored} stored items reloaded from {config.dump_file})",
        f"  sites:     {config.site_url}",
        *[f"             {config.site_url}{slug}/" for slug in slugs],
        f"  API:       {config.api_url}/api/health",
        f"  DynamoDB:  {config.moto_url} (moto, table '{TABLE}')",
        "  staff tokens: " + ", ".join(f"{m}={t}" for m, t in tokens.items()),
        staff.describe(),
        "Press Ctrl-C to stop; everything is kept in " + str(config.state_dir),
    ]
    print("\n".join(lines), file=out, flush=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state-dir", type=Path, default=Path(".demo"), help="kept between runs (default .demo)")
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--site-port", type=int, default=8000)
    parser.add_argument("--api-port", type=int, default=8010)
    parser.add_argument("--moto-port", type=int, default=8011)


def main(args: argparse.Namespace) -> int:
    return run(StackConfig(args.state_dir, args.content, "127.0.0.1", args.site_port, args.api_port,
                           args.moto_port))
