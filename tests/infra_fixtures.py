"""The packaged stack template (no bundle: seconds), its SAM-transformed CloudFormation, and helpers.

The SAM translator, cfn-lint's SAM support and checkov pin versions of pydantic and others that the
functions' constraints do not allow, so they live in their own virtualenv, `.venv-iac`, installed by
`make .venv-iac/.installed` from infra/requirements-iac.txt.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
IAC_BIN = ROOT / ".venv-iac" / "bin"
REGION = "ap-southeast-7"


def iac_tool(name: str) -> Path:
    tool = IAC_BIN / name
    if not tool.exists():
        pytest.fail(f"{tool} is missing: run `make .venv-iac/.installed` (infra/requirements-iac.txt)")
    return tool


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`<tmp>/sam.yaml` as `make package` writes it (an empty zip instead of the bundle), made by the
    command line on a "clean machine": no AWS profile, no region in the environment."""
    work = tmp_path_factory.mktemp("package")
    functions = work / "functions"
    shutil.copytree(ROOT / "functions", functions, ignore=shutil.ignore_patterns("vendor", "deployments", "__pycache__"))
    env = {"PATH": os.environ["PATH"], "HOME": str(work)}
    result = subprocess.run([sys.executable, "-m", "prachakhom.commands.deployment", "--template-only",
                             "--region", REGION, "--functions", str(functions), "--out", str(work / "sam")],
                            cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return work / "sam" / "sam.yaml"


@pytest.fixture(scope="module")
def sam(packaged: Path) -> dict[str, Any]:
    from prachakhom.commands.deployment import load_template

    return load_template(packaged)


@pytest.fixture(scope="module")
def transformed(packaged: Path) -> dict[str, Any]:
    """The CloudFormation the SAM transform makes of the packaged template (what AWS would deploy)."""
    target = packaged.with_name("transformed.json")
    result = subprocess.run([str(iac_tool("python")), str(ROOT / "tests" / "iac" / "transform.py"), str(packaged),
                             str(target), REGION], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    data: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    return data


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    """A role's statements; one under a condition (`Fn::If: [cond, statement, AWS::NoValue]`) counts."""
    out = []
    for policy in role["Properties"].get("Policies", []):
        for s in policy["PolicyDocument"]["Statement"]:
            if "Fn::If" in s:
                out += [branch for branch in s["Fn::If"][1:] if isinstance(branch, dict) and "Effect" in branch]
            else:
                out.append(s)
    return out


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
