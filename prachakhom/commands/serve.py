"""`prachakhom serve`: build the sites (unless `--no-build`) and serve them on localhost until Ctrl-C."""

from __future__ import annotations

import argparse
import time

from prachakhom.commands import build


def add_arguments(parser: argparse.ArgumentParser) -> None:
    build.add_arguments(parser)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-build", action="store_true", help="serve what is already built")


def main(args: argparse.Namespace) -> int:
    from site_generator.serve import start_static_server

    if not args.no_build and build.main(args) != 0:
        return 1
    server = start_static_server(args.output, args.host, args.port)
    print(f"Prachakhom sites: http://{args.host}:{server.server_address[1]}/  (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()
    return 0
