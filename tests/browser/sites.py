"""Other sites' pages, served from other origins: a shop that embeds the widget, a stranger."""

from __future__ import annotations

import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Site:
    """A web server on a free port that serves the pages tests give it.

    One server has two origins: http://127.0.0.1:<port>, which the service is told to trust, and
    http://localhost:<port>, which it is not.
    """

    def __init__(self) -> None:
        self._pages: dict[str, bytes] = {}
        self._numbers = itertools.count()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self._pages))
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def origin(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"

    def serve(self, html: str, host: str = "127.0.0.1") -> str:
        """Publish a page; its URL on the given host."""
        path = f"/page-{next(self._numbers)}.html"
        self._pages[path] = html.encode()
        return self.origin(host) + path

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(pages: dict[str, bytes]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body or b"not found")

        def log_message(self, *args):
            pass

    return Handler
