"""`prachakhom build`: the static sites (every municipality, or one) through the site generator."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

DEFAULT_CONTENT = Path("content")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `build` and `serve` share."""
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT)
    parser.add_argument("--output", type=Path, default=Path("build/site"), help="where the sites go")
    parser.add_argument("--municipality", help="rebuild only this municipality (its slug)")
    parser.add_argument("--data", type=Path, default=None, help="folder of stored data exported by the API")
    parser.add_argument("--site-url", default="http://localhost:8000/", help="public base URL of the sites")
    parser.add_argument("--strict", action="store_true", help="treat MkDocs warnings as errors")
    parser.add_argument("--api-url", default="",
                        help="base URL of the API the pages talk to (empty: read-only)")
    parser.add_argument(
        "--today", type=date.fromisoformat, default=None, help="build as if today were this date (YYYY-MM-DD)"
    )


def main(args: argparse.Namespace) -> int:
    """Build; on invalid content print every problem and return 1."""
    from prachakhom.errors import ContentError
    from site_generator.build import build_all  # MkDocs: only here

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
