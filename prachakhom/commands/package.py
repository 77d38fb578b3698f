"""`make package`'s first step: put the core, the site generator, the templates and the content into
`functions/vendor/`, where `chalice package` picks them up.

    python -m prachakhom.commands.package vendor
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
FUNCTIONS = ROOT / "functions"

VENDORED = ("prachakhom", "site_generator")
PLUGIN_DIST = "prachakhom_site_generator-0.dist-info"
"""MkDocs finds plugins through entry points: the bundle carries a minimal dist-info registering ours."""


def vendor(functions_dir: Path = FUNCTIONS, content_dir: Path = ROOT / "content") -> Path:
    """Copy the core, the site generator, the templates and the content into `<functions>/vendor/`.

    Chalice packages only app.py, chalicelib/, vendor/ and requirements.txt; vendor/'s contents land at
    the root of the bundle, so the core imports as `prachakhom`, the content sits in `content/` (found
    by `chalicelib.context.default_content_dir`) and `templates/` next to `site_generator/` (where
    `site_generator.pages.TEMPLATES_DIR` looks). The API never imports the generator: only the rebuild
    function does. vendor/ is git-ignored: run this before packaging.
    """
    import shutil

    target = functions_dir / "vendor"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in VENDORED:
        shutil.copytree(ROOT / package, target / package, ignore=ignore)
    shutil.copytree(ROOT / "templates", target / "templates", ignore=ignore)
    shutil.copytree(content_dir, target / "content", ignore=ignore)
    dist = target / PLUGIN_DIST
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: prachakhom-site-generator\nVersion: 0\n")
    (dist / "entry_points.txt").write_text(
        "[mkdocs.plugins]\nprachakhom = site_generator.plugin:PrachakhomPlugin\n")
    return target


if __name__ == "__main__":
    if sys.argv[1:] == ["vendor"]:
        print(f"vendored the core and the content into {vendor()}")
    else:
        print("usage: python -m prachakhom.commands.package vendor", file=sys.stderr)
        sys.exit(2)
