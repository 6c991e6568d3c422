"""A small HTTP server on 127.0.0.1 that serves bytes the tests make, and misbehaves on request.

Each path is a `Route`: the bytes to serve and how to serve them (honour Range requests or not,
cut the connection part-way on the first request, send an HTML error page, a 404, a redirect).
Every request is recorded with its headers, so a test can assert what the downloader asked for.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HTML_ERROR_PAGE = b"<!DOCTYPE html>\n<html><body><h1>Service unavailable</h1></body></html>\n"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/octet-stream"
    ranges: bool = True  # answer `Range: bytes=N-` with 206; False ignores it and sends 200
    cut_after: int | None = None  # first request only: close the connection after N body bytes
    redirect_to: str | None = None  # answer 302 with this Location
    served: int = 0  # how many requests this route answered


@dataclass
class Request:
    path: str
    headers: dict[str, str]


class LocalServer:
    """`server.add("/file", Route(...))` returns the URL; `server.requests` lists what came in."""

    def __init__(self):
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.01})  # fast shutdown

    def url(self, path: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def requests_for(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler_for(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            server.requests.append(Request(self.path, dict(self.headers.items())))
            route = server.routes.get(self.path)
            if route is None:
                self._send(404, b"not found", "text/plain")
                return
            route.served += 1
            if route.redirect_to:
                self.send_response(302)
                self.send_header("Location", route.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route.status != 200:
                self._send(route.status, b"error", "text/plain")
                return
            self._send_body(route)

        def _send_body(self, route: Route):
            body, status, extra = route.body, 200, {}
            match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
            if route.ranges and match:
                start = int(match.group(1))
                if start >= len(route.body):
                    self._send(416, b"", "text/plain")
                    return
                body, status = route.body[start:], 206
                extra["Content-Range"] = f"bytes {start}-{len(route.body) - 1}/{len(route.body)}"
            if route.ranges:
                extra["Accept-Ranges"] = "bytes"
            if route.cut_after is not None and route.served == 1:
                self._send(status, body, route.content_type, extra, stop_after=route.cut_after)
                self.close_connection = True
                return
            self._send(status, body, route.content_type, extra)

        def _send(self, status, body, content_type, extra=None, stop_after=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body if stop_after is None else body[:stop_after])
            self.wfile.flush()

        def log_message(self, format, *args):  # keep test output quiet
            pass

    return Handler
