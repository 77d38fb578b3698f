"""The `prachakhom` command: validate content, build sites, recompute tallies.

This module only parses arguments: each subcommand's options and work live in its own module of
`prachakhom.commands` (validate, build, serve, demo, poster, content, cost, deploy, backup) or of the core (tally). Heavy collaborators
(MkDocs, the site generator, boto3, moto) are imported inside the command that needs them, so
`prachakhom tally` and `prachakhom validate` stay quick.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from prachakhom import __version__
from prachakhom.commands import backup, build, content, cost, demo, deploy, poster, serve, validate


def _cmd_tally(args: argparse.Namespace) -> int:
    from prachakhom.tally.command import run

    return run(args)


def _add_tally(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from prachakhom.tally.command import add_arguments

    p = sub.add_parser("tally", help="recompute an outcome from a Pabulib .pb file")
    add_arguments(p)
    p.set_defaults(func=_cmd_tally)


def _add(sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, command: ModuleType, help: str) -> None:
    """A subcommand whose options (`add_arguments`) and work (`main`) live in `command`."""
    p = sub.add_parser(name, help=help)
    command.add_arguments(p)
    p.set_defaults(func=command.main)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prachakhom", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"prachakhom {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    _add(sub, "validate", validate, "check every content file and report all problems at once")

    _add(sub, "build", build, "build the static sites (all municipalities, or one)")
    _add(sub, "serve", serve, "build the sites and serve them on localhost (static pages only)")
    _add_tally(sub)
    _add(sub, "demo", demo, "run the whole kit locally: moto, chalice local and the sites")
    _add(sub, "poster", poster, "printable A4 poster (PDF and PNG) with a QR code to a process page")
    _add(sub, "content", content, "push content to a deployment's content store, or pull it back")
    _add(sub, "cost", cost, "expected monthly AWS cost from measured consumption and public prices")
    _add(sub, "deploy", deploy, "package, upload and create or update the AWS stack, then publish the sites")
    p = sub.add_parser("export", help="one municipality's content and data to one archive file (a backup)")
    backup.add_export_arguments(p)
    p.set_defaults(func=backup.main_export)
    p = sub.add_parser("import", help="load an export archive into an empty table and content store")
    backup.add_import_arguments(p)
    p.set_defaults(func=backup.main_import)
    p = sub.add_parser("destroy", help="delete the AWS stack (asks twice; keeps the table unless told)")
    deploy.add_destroy_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
