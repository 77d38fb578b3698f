"""The domain core knows nothing of HTTP, DynamoDB, templates or MkDocs."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import prachakhom
from tests.conftest import REPO

FORBIDDEN = ("boto3", "botocore", "chalice", "jinja2", "mkdocs", "material")


def core_modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.walk_packages(prachakhom.__path__, "prachakhom.") if not m.name.endswith("__main__")
    )


def test_core_imports_no_infrastructure() -> None:
    modules = core_modules()
    assert "prachakhom.content" in modules and "prachakhom.commands.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r}))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"core modules pulled in: {result.stdout.strip()}"
