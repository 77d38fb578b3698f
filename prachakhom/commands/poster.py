"""`prachakhom poster`: a printable A4 poster (PDF + PNG) with a QR code to a process page
(the page itself is made by `site_generator.poster`)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from prachakhom.commands.build import DEFAULT_CONTENT


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--municipality", required=True, help="municipality slug")
    parser.add_argument("--process", required=True, help="process slug")
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT)
    parser.add_argument("--site-url", default="http://localhost:8000/", help="public base URL of the sites")
    parser.add_argument("--village", type=int, default=None, metavar="N",
                        help="poster for หมู่ที่ N: the QR link carries ?village=N (preselected on the ballot page)")
    parser.add_argument("--output", type=Path, default=Path("build/posters"), help="folder for the PDF and PNG")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="as if today were (YYYY-MM-DD)")


def main(args: argparse.Namespace) -> int:
    """Write the poster and print where; exit 2 for a village the municipality does not have."""
    from prachakhom.errors import ContentError
    from site_generator.poster import make_poster  # jinja2 + playwright: only here

    try:
        poster = make_poster(args.content, args.municipality, args.process, args.site_url, args.output, args.today,
                             args.village)
    except ValueError as err:
        print(f"prachakhom poster: {err}", file=sys.stderr)
        return 2
    except ContentError as err:  # the municipality's content (only it is read) is missing or invalid
        print(err.report(), file=sys.stderr)
        return 1
    print(f"poster for {poster.url}:\n  {poster.pdf}\n  {poster.png}")
    return 0
