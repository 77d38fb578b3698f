"""What `make package` makes: the Lambda bundle and the stack's template, ready for `sam deploy`.

    python -m prachakhom.commands.deployment --stage prod --region ap-southeast-7 --out build/sam

1. `vendor`: the core, the site generator, the templates and the content into functions/vendor/;
2. Chalice packages the app (through its library, with the region given here: the `chalice package`
   command stops with "No region configured" on a machine without an AWS profile) and merges
   infra/template.yaml into the SAM template it generates;
3. every /api/staff/ route of the REST API is pointed at StaffAPIHandler (the same code as APIHandler
   under a role that may read proposers' contacts): a rewrite, because the merge can only add or
   replace keys and the routes are the app's, not the template's;
4. the bundle is pruned of what the code never opens (`PRUNED`): 234 MB unzipped before, 130 MB after.

`package(..., bundle=False)` skips the dependency download and writes an empty zip: the template
alone, in seconds, for the offline template tests.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
FUNCTIONS = ROOT / "functions"
MERGE_TEMPLATE = ROOT / "infra" / "template.yaml"
REGIONS = ("ap-southeast-7", "ap-southeast-1")
"""Bangkok and Singapore: where the template's rule lets the stack (and residents' data) live."""
STAFF_PREFIX = "/api/staff/"
STAFF_FUNCTION = "StaffAPIHandler"
TEMPLATE_NAME = "sam.yaml"
BUNDLE_NAME = "deployment.zip"

KEEP_THAI_CORPUS = ("words_th.txt", "stopwords_th.txt", "default_db.json", "corpus_license.md",
                    "thailand_provinces_th.csv")
"""pythainlp's corpus files a build opens: `word_tokenize(engine="newmm")` reads the word list, the
search index the stop words, the national index the province names (measured by tracing `open`
during a build of every demo site)."""
KEEP_BABEL_LOCALES = ("root.dat", "th.dat", "th_TH.dat", "en.dat", "en_US.dat")

PRUNED: tuple[tuple[str, str], ...] = (
    ("pythainlp/corpus/*", "pythainlp's corpora (64 MB); word segmentation needs only its word list"),
    ("babel/locale-data/*.dat", "Babel's 800 locales (29 MB); the sites are Thai (Material's own strings)"),
    ("material/templates/.icons/fontawesome/*", "icon sets the theme never includes (2.4 MB)"),
    ("material/templates/.icons/simple/*", "icon sets the theme never includes (4.3 MB)"),
    ("material/templates/.icons/octicons/*", "icon sets the theme never includes (0.4 MB)"),
    ("*.map", "source maps: no one debugs the bundle's scripts, and the sites would publish them"),
    ("numpy/*/tests/*", "numpy's own test suite"),
    ("numpy/tests/*", "numpy's own test suite"),
)


def pruned(name: str) -> bool:
    """Whether a bundle entry is left out (see `PRUNED`); code (.py) is never left out."""
    if name.endswith("/") or name.endswith(".py"):
        return False
    base = name.rsplit("/", 1)[-1]
    if name.startswith("pythainlp/corpus/") and base in KEEP_THAI_CORPUS:
        return False
    if name.startswith("babel/locale-data/") and base in KEEP_BABEL_LOCALES:
        return False
    return any(fnmatch.fnmatchcase(name, pattern) for pattern, _ in PRUNED)


@dataclass(frozen=True)
class BundleSize:
    files: int
    unzipped: int
    zipped: int
    pruned_files: int
    pruned_bytes: int


def prune_bundle(path: Path) -> BundleSize:
    """Rewrite the zip without the entries `pruned` names (Python's zipfile cannot delete in place)."""
    tmp = path.with_suffix(".pruning")
    kept = dropped = dropped_bytes = size = 0
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as dst:
        for info in src.infolist():
            if pruned(info.filename):
                dropped += 1
                dropped_bytes += info.file_size
                continue
            kept += 1
            size += info.file_size
            dst.writestr(info, src.read(info), compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    tmp.replace(path)
    return BundleSize(kept, size, path.stat().st_size, dropped, dropped_bytes)


def route_staff(template: dict[str, Any]) -> list[str]:
    """Point every method of every /api/staff/ path at StaffAPIHandler; return the paths moved."""
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    moved = []
    for path, methods in paths.items():
        if not path.startswith(STAFF_PREFIX):
            continue
        for method in methods.values():
            integration = method.get("x-amazon-apigateway-integration", {})
            if integration.get("type") == "aws_proxy":
                integration["uri"] = {"Fn::Sub": (
                    "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                    f"${{{STAFF_FUNCTION}.Arn}}/invocations")}
        moved.append(path)
    return moved


class _PlainDumper(yaml.SafeDumper):
    """Writes a value used twice (the API functions' shared environment) twice, not as a YAML alias."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def load_template(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class Packaged:
    template: Path
    bundle: Path
    size: BundleSize | None  # None for a template-only package (empty zip)


def package(out_dir: Path, stage: str = "prod", region: str = REGIONS[0], bundle: bool = True,
            functions_dir: Path = FUNCTIONS) -> Packaged:
    """Write `<out>/sam.yaml` and `<out>/deployment.zip` (pruned; empty when not `bundle`)."""
    from botocore.session import Session
    from chalice.awsclient import TypedAWSClient
    from chalice.cli.factory import CLIFactory
    from chalice.deploy.packager import LambdaDeploymentPackager
    from chalice.package import PackageOptions

    from prachakhom.commands.package import vendor

    vendor(functions_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    factory = CLIFactory(project_dir=str(functions_dir))
    config = factory.create_config_obj(stage)
    session = Session()
    session.set_config_variable("region", region)
    options = PackageOptions(TypedAWSClient(session=session))
    packager = factory.create_app_packager(config, options, "cloudformation", "yaml", str(MERGE_TEMPLATE))
    if bundle:
        packager.package_app(config, str(out_dir), stage)
    else:
        empty = out_dir / "empty.zip"
        zipfile.ZipFile(empty, "w").close()
        with mock.patch.object(LambdaDeploymentPackager, "create_deployment_package",
                               return_value=str(empty)):
            packager.package_app(config, str(out_dir), stage)
        empty.unlink()
    template_path = out_dir / TEMPLATE_NAME
    template = load_template(template_path)
    route_staff(template)
    template_path.write_text(yaml.dump(template, Dumper=_PlainDumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    zipped = out_dir / BUNDLE_NAME
    return Packaged(template_path, zipped, prune_bundle(zipped) if bundle else None)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m prachakhom.commands.deployment", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--region", default=os.environ.get("PRACHAKHOM_REGION", REGIONS[0]), choices=REGIONS,
                        help="AWS region of the stack (Bangkok ap-southeast-7 or Singapore ap-southeast-1)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "sam")
    parser.add_argument("--template-only", action="store_true", help="skip the bundle (an empty zip)")
    parser.add_argument("--functions", type=Path, default=FUNCTIONS, help="the Chalice project (default functions/)")
    args = parser.parse_args(argv)
    made = package(args.out, args.stage, args.region, bundle=not args.template_only, functions_dir=args.functions)
    print(f"template: {made.template}")
    if made.size is not None:
        size = made.size
        print(f"bundle: {made.bundle}: {size.files} files, {size.unzipped / 1e6:.1f} MB unzipped "
              f"({size.pruned_files} files, {size.pruned_bytes / 1e6:.1f} MB pruned), "
              f"{size.zipped / 1e6:.1f} MB zipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
