"""The domain core knows nothing of HTTP, DynamoDB, templates or MkDocs.

Two checks of every module of `prachakhom` except `prachakhom.commands` (the commands that join the
layers):

- statically, with `ast`: every import anywhere in the file — module level, inside functions, under
  `if TYPE_CHECKING:`, `importlib.import_module("…")`, `__import__("…")` — names none of the
  forbidden packages (an import not run at import time is still a dependency);
- at run time: importing every core module pulls none of them into `sys.modules`.

The static checker is itself tested on planted modules, so a regression in it cannot pass silently.
"""

from __future__ import annotations

import ast
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import prachakhom
from tests.conftest import REPO

FORBIDDEN = ("boto3", "botocore", "moto", "chalice", "chalicelib", "jinja2", "markupsafe", "mkdocs", "material",
             "site_generator")
COMMANDS = "prachakhom.commands"
"""The only part of `prachakhom` allowed to join the layers; the core must not import it either."""
IMPORTERS = {"import_module", "__import__"}


def core_files(root: Path) -> dict[str, Path]:
    """Module name → file, for every module of the package at `root/prachakhom` outside the commands."""
    files = {}
    for path in sorted((root / "prachakhom").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        if name != COMMANDS and not name.startswith(COMMANDS + "."):
            files[name] = path
    return files


def imported_names(module: str, source: str) -> list[tuple[int, str]]:
    """(line, module name) for every import in `source`, wherever it sits; a dynamic import whose
    package cannot be read from the code is reported as `<dynamic>`."""
    package = module.removesuffix(".__init__") if module.endswith(".__init__") else module.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, _absolute(package, node.module, node.level)))
        elif isinstance(node, ast.Call) and _callee(node.func) in IMPORTERS and node.args:
            found.append((node.lineno, _literal_module(node.args[0])))
    return found


def _absolute(package: str, name: str | None, level: int) -> str:
    if level == 0:
        return name or ""
    base = package.split(".")[: len(package.split(".")) - (level - 1)]
    return ".".join([*base, *([name] if name else [])])


def _callee(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _literal_module(arg: ast.expr) -> str:
    """`"a.b"` → `a.b`; `f"a.b.{x}"` → `a.b.` (the package is known); anything else → `<dynamic>`."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr) and arg.values:
        head = arg.values[0]
        if isinstance(head, ast.Constant) and isinstance(head.value, str) and "." in head.value:
            return head.value
    return "<dynamic>"


def violations(root: Path) -> list[str]:
    """`file:line: name` for every forbidden (or unreadable) import of the core under `root`."""
    bad = []
    for name, path in core_files(root).items():
        module = name + ".__init__" if path.name == "__init__.py" else name
        for line, imported in imported_names(module, path.read_text(encoding="utf-8")):
            top = imported.split(".")[0]
            if (top in FORBIDDEN or imported == "<dynamic>" or imported == COMMANDS
                    or imported.startswith(COMMANDS + ".")):
                bad.append(f"{path.relative_to(root)}:{line}: {imported}")
    return bad


def test_core_imports_nothing_forbidden_anywhere_in_its_code() -> None:
    files = core_files(REPO)
    assert {"prachakhom", "prachakhom.content", "prachakhom.ballot", "prachakhom.tally.equal_shares"} <= set(files)
    assert not any(n.startswith(COMMANDS) for n in files)
    assert violations(REPO) == []


PLANTED = {
    "module level": "import boto3\n",
    "from import": "from jinja2 import Environment\n",
    "dotted": "import botocore.exceptions\n",
    "inside a function": "def f():\n    import moto\n    return moto\n",
    "inside a method": "class A:\n    def f(self):\n        from mkdocs.config import base\n        return base\n",
    "type checking only": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from chalicelib.records import X\n",
    "import_module literal": "import importlib\ndef f():\n    return importlib.import_module('site_generator.views')\n",
    "import_module bare": "from importlib import import_module\nm = import_module('material')\n",
    "import_module f-string": "import importlib\ndef f(x):\n    return importlib.import_module(f'markupsafe.{x}')\n",
    "__import__": "def f():\n    return __import__('chalice')\n",
    "dynamic name": "import importlib\ndef f(x):\n    return importlib.import_module(x)\n",
    "the commands": "from prachakhom.commands import demo\n",
    "relative into the commands": "from ..commands import demo\n",
}
"""Planted as `prachakhom/tally/planted.py`; each must be caught, once."""


@pytest.fixture(scope="module")
def core_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("core")
    shutil.copytree(REPO / "prachakhom", root / "prachakhom", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def caught(root: Path, planted: Path, source: str) -> list[str]:
    planted.parent.mkdir(exist_ok=True)
    planted.write_text("\"\"\"A module that must not pass.\"\"\"\n" + source, encoding="utf-8")
    try:
        return violations(root)
    finally:
        planted.unlink()


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_a_planted_forbidden_import_is_caught(core_copy: Path, case: str) -> None:
    found = caught(core_copy, core_copy / "prachakhom" / "tally" / "planted.py", PLANTED[case])
    assert len(found) == 1 and found[0].startswith("prachakhom/tally/planted.py:"), found
    assert violations(core_copy) == []


def test_a_relative_import_from_a_package_init_is_resolved(core_copy: Path) -> None:
    init = core_copy / "prachakhom" / "planted" / "__init__.py"
    assert caught(core_copy, init, "from ..commands import demo\n") == ["prachakhom/planted/__init__.py:2: prachakhom.commands"]
    assert caught(core_copy, init, "from . import boto3\n") == []  # prachakhom.planted.boto3: ours, not boto3


def test_the_commands_may_join_the_layers_and_clean_code_passes(core_copy: Path) -> None:
    allowed = core_copy / "prachakhom" / "commands" / "planted.py"
    allowed.write_text("import boto3\nfrom site_generator.build import build_all\n", encoding="utf-8")
    clean = core_copy / "prachakhom" / "clean.py"
    clean.write_text("import importlib\nfrom . import models\nm = importlib.import_module('prachakhom.tally')\n"
                     "def f(n):\n    return importlib.import_module(f'prachakhom.tally.{n}')\n", encoding="utf-8")
    try:
        assert violations(core_copy) == []
    finally:
        allowed.unlink()
        clean.unlink()


def core_modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.walk_packages(prachakhom.__path__, "prachakhom.")
        if not m.name.endswith("__main__") and not m.name.startswith(COMMANDS)
    )


def test_core_imports_no_infrastructure() -> None:
    modules = core_modules()
    assert "prachakhom.content" in modules and "prachakhom.tally.equal_shares" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r}))\n"
        f"bad += sorted(m for m in sys.modules if m.startswith({COMMANDS!r}))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"core modules pulled in: {result.stdout.strip()}"
