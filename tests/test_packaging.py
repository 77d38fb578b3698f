"""`chalice package` makes a bundle that carries the core, the content and the pinned dependencies.

The bundle is unpacked into a fresh folder and imported by a Python that sees only that folder and
what the Lambda runtime provides (boto3 and its dependencies); then one route is called, and the
rebuild function's work (export + build one municipality's site) runs from the bundle alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.api_fixtures import FUNCTIONS, ROOT

pytestmark = pytest.mark.slow
LAMBDA_RUNTIME = ("boto3", "botocore", "jmespath", "dateutil", "urllib3", "s3transfer", "six")

CALL_ROUTE = """
import json, sys
from pathlib import Path
from app import app
muni = sorted(p.name for p in Path("content/municipalities").iterdir())[0]
proc = sorted(p.name for p in Path("content/municipalities", muni, "processes").iterdir())[0]
path = "/api/municipalities/{municipality}/processes/{process}"
event = {"requestContext": {"resourcePath": path, "httpMethod": "GET"}, "headers": {}, "body": None,
         "pathParameters": {"municipality": muni, "process": proc}, "queryStringParameters": None,
         "multiValueQueryStringParameters": None, "stageVariables": None, "isBase64Encoded": False}
response = app(event, None)
import pydantic, prachakhom
print(json.dumps({"status": response["statusCode"], "body": json.loads(response["body"]),
                  "pydantic": pydantic.__file__, "core": prachakhom.__file__}))
"""


REBUILD = """
import json, os, sys, tempfile
from pathlib import Path
from chalicelib import context
from chalicelib.rebuild import build_municipality, export_municipality
muni = sorted(p.name for p in Path("content/municipalities").iterdir())[0]
work = Path(tempfile.mkdtemp(dir=os.environ["TMPDIR"]))
svc = context.service()
export_municipality(svc, muni, work / "data")
built = build_municipality(Path("content"), work / "site", work / "data", muni, "https://example.invalid/")
import mkdocs, material, site_generator, pythainlp
print(json.dumps({"muni": muni, "built": str(built), "pages": len(list(built.rglob("index.html"))),
                  "home": (built / "index.html").read_text(encoding="utf-8")[:20000],
                  "from": [m.__file__ for m in (mkdocs, material, site_generator, pythainlp)]}))
"""


def bundle_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


MAX_UNZIPPED = 180e6
"""Lambda allows 250 MB unzipped (function and layers); the pruned bundle keeps 70 MB of that free."""


def test_package_imports_and_serves(tmp_path):
    project = tmp_path / "functions"
    shutil.copytree(FUNCTIONS, project, ignore=shutil.ignore_patterns("vendor", "deployments", "__pycache__"))
    sys.path.insert(0, str(ROOT))
    from prachakhom.commands.deployment import package

    made = package(tmp_path / "out", "prod", "ap-southeast-7", functions_dir=project)
    bundle = tmp_path / "bundle"
    with zipfile.ZipFile(made.bundle) as zf:
        names = set(zf.namelist())
        zf.extractall(bundle)
    assert {"app.py", "chalicelib/services/ballots.py", "prachakhom/ballot.py", "pydantic/__init__.py",
            "yaml/__init__.py", "site_generator/plugin.py", "templates/pages/proposal.html.j2",
            "mkdocs/__init__.py", "material/__init__.py", "pythainlp/__init__.py", "fontTools/__init__.py",
            "fontpkg_sarabun/__init__.py", "prachakhom_site_generator-0.dist-info/entry_points.txt",
            "pythainlp/corpus/words_th.txt", "material/templates/.icons/material/account-group.svg"} <= names
    assert not any(n.startswith("tests/") for n in names)
    assert not any(n.endswith(".map") or n.startswith("material/templates/.icons/fontawesome/") for n in names)
    size = bundle_size(bundle)
    assert made.size is not None and made.size.unzipped == size
    print(f"bundle: {size / 1e6:.1f} MB unzipped ({made.size.pruned_bytes / 1e6:.1f} MB pruned), "
          f"{made.bundle.stat().st_size / 1e6:.1f} MB zipped")
    assert size <= MAX_UNZIPPED, f"{size / 1e6:.1f} MB unzipped"
    template = yaml.safe_load(made.template.read_text())
    assert {"APIHandler", "StaffAPIHandler", "Rebuild", "AdvancePhases", "Table"} <= set(template["Resources"])

    runtime = tmp_path / "runtime"
    runtime.mkdir()
    import boto3

    site = Path(boto3.__file__).parent.parent
    for name in LAMBDA_RUNTIME:
        source = site / name
        if source.exists():
            (runtime / name).symlink_to(source)
    clean_env = {"PATH": os.environ["PATH"], "PYTHONPATH": f"{bundle}{os.pathsep}{runtime}",
                 "PRACHAKHOM_STORAGE": "memory", "AWS_DEFAULT_REGION": "ap-southeast-1"}
    result = subprocess.run([sys.executable, "-S", "-c", CALL_ROUTE], cwd=bundle, env=clean_env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["status"] == 200, out
    assert out["body"]["ok"] is True and out["body"]["phase"]["key"]
    assert out["pydantic"].startswith(str(bundle)) and out["core"].startswith(str(bundle))

    rebuild_env = {**clean_env, "TMPDIR": str(tmp_path), "HOME": str(tmp_path),
                   "PYTHAINLP_DATA": str(tmp_path / "pythainlp-data"), "PRACHAKHOM_IDENTITY_SECRET": "x"}
    result = subprocess.run([sys.executable, "-S", "-c", REBUILD], cwd=bundle, env=rebuild_env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    built = json.loads(result.stdout.strip().splitlines()[-1])
    assert built["pages"] > 5 and "<html" in built["home"]
    assert all(path.startswith(str(bundle)) for path in built["from"]), built["from"]
