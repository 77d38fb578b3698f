"""Serve the built sites on localhost (the demo), gzip-free and dependency-free.

A missing address gets the site's own Thai 404 page (templates/overrides/404.html: the
municipality's for an address inside its folder, else the national index's) with status 404, as
CloudFront's error response serves it on AWS, never Python's English error page."""

from __future__ import annotations

import functools
import http.server
import threading
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote, urlsplit


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, quietly; a missing address gets the site's Thai 404 page."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self._not_found_page() if code == HTTPStatus.NOT_FOUND else None
        if page is None:
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(code, message)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _not_found_page(self) -> Path | None:
        root = Path(self.directory)
        first = unquote(urlsplit(self.path).path).strip("/").split("/", 1)[0]
        for candidate in (root / first / "404.html" if first else None, root / "404.html"):
            if candidate is not None and candidate.is_file() and root.resolve() in candidate.resolve().parents:
                return candidate
        return None


def start_static_server(directory: Path, host: str = "127.0.0.1", port: int = 8000) -> http.server.ThreadingHTTPServer:
    """Serve `directory` in a background thread; call `.shutdown()` to stop."""
    handler = functools.partial(SiteHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    threading.Thread(target=server.serve_forever, name="static-site", daemon=True).start()
    return server
