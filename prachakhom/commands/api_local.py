"""The API on this machine, served the way API Gateway serves it on AWS.

`chalice local`'s threaded server (each request on its own thread, `current_request` per thread), with
the kit's gateway responses: where API Gateway answers by itself — a path no route has — the local
server gives the same answer (`chalicelib.errors.GATEWAY_RESPONSES`: 404 in the one error shape),
never chalice local's `{"message": "Missing Authentication Token"}`. On AWS the stack template sets
those gateway responses (see infra/README.md).

Used by `prachakhom demo` (run as `python -m prachakhom.commands.api_local`, in the API's folder with
the demo's environment), and in-process by the tests and benchmarks that need real concurrency
(`serve_in_thread`).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
FUNCTIONS = ROOT / "functions"


def _functions_on_path() -> None:
    if str(FUNCTIONS) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS))


def make_server(app: Any, host: str, port: int, stage: str = "local") -> Any:
    """A `chalice.local.LocalDevServer` for `app` on host:port (port 0: a free one), unknown paths
    answered as the deployed API Gateway answers them."""
    from chalice.cli.factory import CLIFactory
    from chalice.local import (
        ChaliceRequestHandler,
        CustomLocalChalice,
        LocalChalice,
        LocalDevServer,
        LocalGateway,
        ThreadedHTTPServer,
    )

    _functions_on_path()
    from chalicelib.errors import gateway_response

    class Gateway(LocalGateway):
        def handle_request(self, method: str, path: str, headers: Any, body: Any) -> Any:
            try:
                self.event_converter._route_matcher.match_route(path)
            except ValueError:  # no route: API Gateway's own answer (MISSING_AUTHENTICATION_TOKEN)
                status, response_headers, payload = gateway_response("MISSING_AUTHENTICATION_TOKEN")
                return {"statusCode": status, "headers": dict(response_headers), "multiValueHeaders": {},
                        "body": payload}
            return super().handle_request(method, path, headers, body)

    class Handler(ChaliceRequestHandler):
        def __init__(self, request: Any, client_address: Any, server: Any, app_object: Any, config: Any) -> None:
            self.local_gateway = Gateway(app_object, config)
            super(ChaliceRequestHandler, self).__init__(request, client_address, server)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
            logging.getLogger("prachakhom.api.local").debug(format, *args)

    if not isinstance(app, LocalChalice):  # `current_request` per thread, as `chalice local` does
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    class Server(ThreadedHTTPServer):
        request_queue_size = 256  # a rush of residents connects at once (the default 5 resets them)

    config = CLIFactory(str(FUNCTIONS)).create_config_obj(chalice_stage_name=stage)
    return LocalDevServer(app, config, host, port, handler_cls=Handler, server_cls=Server)


def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> tuple[Any, str]:
    """Serve `app` on a daemon thread; (server, base URL). Stop with `server.shutdown()`."""
    server = make_server(app, host, port)
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    bound = server.server.server_address
    return server, f"http://{bound[0]}:{bound[1]}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--stage", default="local")


def main(args: argparse.Namespace) -> int:
    """Serve the API (functions/app.py, configured by the environment) until interrupted."""
    _functions_on_path()
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    from app import app

    server = make_server(app, args.host, args.port, args.stage)
    print(json.dumps({"serving": f"http://{args.host}:{server.server.server_address[1]}"}), flush=True)
    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    sys.exit(main(parser.parse_args()))
