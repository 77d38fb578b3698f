"""The `prachakhom` command: validate content, build sites, recompute tallies.

Heavy collaborators (MkDocs, the site generator) are imported inside the subcommand that
needs them, so `prachakhom tally` stays quick and the core stays free of MkDocs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from prachakhom import __version__

DEFAULT_CONTENT = Path("content")


def _cmd_validate(args: argparse.Namespace) -> int:
    from prachakhom.content import load_content
    from prachakhom.errors import ContentError

    try:
        content = load_content(args.content)
    except ContentError as err:
        print(err.report(), file=sys.stderr)
        return 1
    print(
        f"ok: {len(content.templates)} templates, {len(content.municipalities)} municipalities, "
        f"{sum(len(m.processes) for m in content.municipalities.values())} processes"
    )
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from prachakhom.errors import ContentError
    from site_generator.build import build_all

    try:
        build_all(
            content_dir=args.content,
            output_dir=args.output,
            only=args.municipality,
            data_dir=args.data,
            site_url=args.site_url,
            strict=args.strict,
            today=args.today,
            api_url=args.api_url,
        )
    except ContentError as err:
        print(err.report(), file=sys.stderr)
        return 1
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import time

    from site_generator.serve import start_static_server

    if not args.no_build and _cmd_build(args) != 0:
        return 1
    server = start_static_server(args.output, args.host, args.port)
    print(f"Prachakhom sites: http://{args.host}:{server.server_address[1]}/  (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()
    return 0


def _cmd_tally(args: argparse.Namespace) -> int:
    from prachakhom.tally.command import run

    return run(args)


def _add_tally(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from prachakhom.tally.command import add_arguments

    p = sub.add_parser("tally", help="recompute an outcome from a Pabulib .pb file")
    add_arguments(p)
    p.set_defaults(func=_cmd_tally)


def _add_build_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--content", type=Path, default=DEFAULT_CONTENT)
    p.add_argument("--output", type=Path, default=Path("build/site"), help="where the sites go")
    p.add_argument("--municipality", help="rebuild only this municipality (its slug)")
    p.add_argument("--data", type=Path, default=None, help="folder of stored data exported by the API")
    p.add_argument("--site-url", default="http://localhost:8000/", help="public base URL of the sites")
    p.add_argument("--strict", action="store_true", help="treat MkDocs warnings as errors")
    p.add_argument("--api-url", default="", help="base URL of the API the pages talk to (empty: read-only)")
    p.add_argument(
        "--today", type=date.fromisoformat, default=None, help="build as if today were this date (YYYY-MM-DD)"
    )


def _add_demo(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    def run(args: argparse.Namespace) -> int:
        from prachakhom.commands.demo import main as run_stack

        return run_stack(args)

    from prachakhom.commands.demo import add_arguments

    p = sub.add_parser("demo", help="run the whole kit locally: moto, chalice local and the sites")
    add_arguments(p)
    p.set_defaults(func=run)


def _add_poster(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    def run(args: argparse.Namespace) -> int:
        from site_generator.poster import main as make_poster  # jinja2 + playwright: only here

        return make_poster(args)

    p = sub.add_parser("poster", help="printable A4 poster (PDF and PNG) with a QR code to a process page")
    p.add_argument("--municipality", required=True, help="municipality slug")
    p.add_argument("--process", required=True, help="process slug")
    p.add_argument("--content", type=Path, default=DEFAULT_CONTENT)
    p.add_argument("--site-url", default="http://localhost:8000/", help="public base URL of the sites")
    p.add_argument("--village", type=int, default=None, metavar="N",
                   help="poster for หมู่ที่ N: the QR link carries ?village=N (preselected on the ballot page)")
    p.add_argument("--output", type=Path, default=Path("build/posters"), help="folder for the PDF and PNG")
    p.add_argument("--today", type=date.fromisoformat, default=None, help="as if today were (YYYY-MM-DD)")
    p.set_defaults(func=run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prachakhom", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"prachakhom {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check every content file and report all problems at once")
    p.add_argument("--content", type=Path, default=DEFAULT_CONTENT, help="content folder (default: content)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("build", help="build the static sites (all municipalities, or one)")
    _add_build_options(p)
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser("serve", help="build the sites and serve them on localhost (static pages only)")
    _add_build_options(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--no-build", action="store_true", help="serve what is already built")
    p.set_defaults(func=_cmd_serve)

    _add_tally(sub)
    _add_demo(sub)
    _add_poster(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
