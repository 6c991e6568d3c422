"""A small HTTP server on 127.0.0.1 that serves bytes the tests make, and misbehaves on request.

Each path is a `Route`: the bytes to serve and how to serve them (honour Range requests or not,
cut the connection part-way, damage a byte, send an HTML error page, a 404, a redirect). Ranges
are `bytes=A-`, `bytes=A-B` and the suffix form `bytes=-N` (the last N bytes). Every request is
recorded with its headers, so a test can assert what the downloader asked for.
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
    ranges: bool = True  # answer a Range request with 206; False ignores it and sends 200
    suffix_ranges: bool = True  # False ignores `bytes=-N` (and sends 200), as some servers do
    cut_after: int | None = None  # first request only: close the connection after N body bytes
    cut_at: int | None = None  # once: close the connection before sending byte N of the file,
    cut_from: int = 1  # ... in a response to this request (1: the first) or a later one
    corrupt_at: int | None = None  # always send byte N of the file with its bits flipped
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
            whole = _damaged(route.body, route.corrupt_at)
            start, end, status, extra = 0, len(whole), 200, {}
            wanted = _byte_range(self.headers.get("Range", ""), len(whole), route)
            if wanted is not None:
                start, end = wanted
                if start >= end:
                    self._send(416, b"", "text/plain")
                    return
                status = 206
                extra["Content-Range"] = f"bytes {start}-{end - 1}/{len(whole)}"
            if route.ranges:
                extra["Accept-Ranges"] = "bytes"
            body = whole[start:end]
            stop_after = None
            if route.cut_after is not None and route.served == 1:
                stop_after = route.cut_after
            elif (route.cut_at is not None and route.served >= route.cut_from
                  and start < route.cut_at < end):
                stop_after, route.cut_at = route.cut_at - start, None  # once
            self._send(status, body, route.content_type, extra, stop_after=stop_after)
            if stop_after is not None:
                self.close_connection = True

        def _send(self, status, body, content_type, extra=None, stop_after=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            try:
                self.wfile.write(body if stop_after is None else body[:stop_after])
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up early, as a downloader probing for ranges does

        def log_message(self, format, *args):  # keep test output quiet
            pass

    return Handler


def _byte_range(header: str, size: int, route: Route) -> tuple[int, int] | None:
    """The bytes [start, end) a Range header asks for, or None to send the whole file."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header)
    if not route.ranges or not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:  # bytes=-N: the last N bytes
        return (max(size - int(last), 0), size) if route.suffix_ranges else None
    return int(first), size if not last else min(int(last) + 1, size)


def _damaged(body: bytes, offset: int | None) -> bytes:
    """`body` with the byte at `offset` inverted, or as it is."""
    if offset is None:
        return body
    return body[:offset] + bytes([body[offset] ^ 0xFF]) + body[offset + 1:]
