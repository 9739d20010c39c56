"""Small websites served from 127.0.0.1 for site-analysis tests, hostile ones included.

A `SiteServer` maps paths to `Route`s (a page, a redirect, a huge or trickling body, ...). It
runs `http.server` in a daemon thread; `stop()` ends trickling responses at once.
"""

from __future__ import annotations

import gzip
import ipaddress
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

MIB = 1024 * 1024
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    # Special behaviours (one at a time).
    stream_bytes: int = 0  # send this many bytes in 64 KiB chunks, without Content-Length
    trickle: bool = False  # one byte every 0.5 s until the client leaves or the server stops
    declare_length: int | None = None  # a Content-Length header without sending that much


def page(html: str, **kw: object) -> Route:
    return Route(body=html.encode(), **kw)  # type: ignore[arg-type]


def redirect(location: str, status: int = 302) -> Route:
    return Route(status=status, headers={"Location": location})


def gzip_bomb(size: int) -> Route:
    return Route(body=gzip.compress(b"<p>" + b"a" * size), headers={"Content-Encoding": "gzip"})


class SiteServer:
    """One origin on 127.0.0.1:<port> with mutable routes; counts what it sent."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[str] = []
        self.hosts: list[str] = []  # the Host header of each request
        self.sent: dict[str, int] = {}
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                server.requests.append(self.path)
                server.hosts.append(self.headers.get("Host", ""))
                route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    self._send(Route(body=b"not found", status=404, content_type="text/plain"))
                else:
                    self._send(route)

            def _count(self, n: int) -> None:
                server.sent[self.path] = server.sent.get(self.path, 0) + n

            def _send(self, route: Route) -> None:
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                for k, v in route.headers.items():
                    self.send_header(k, v)
                try:
                    if route.stream_bytes or route.trickle:
                        self.send_header("Connection", "close")
                        self.end_headers()
                        self._stream(route)
                    else:
                        length = route.declare_length if route.declare_length is not None else len(route.body)
                        self.send_header("Content-Length", str(length))
                        self.end_headers()
                        self.wfile.write(route.body)
                        self._count(len(route.body))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading: what these routes are for
                self.close_connection = route.stream_bytes > 0 or route.trickle

            def _stream(self, route: Route) -> None:
                if route.trickle:
                    self.wfile.write(b"<html><body><p>")
                    while not server.stopping.wait(0.5):
                        self.wfile.write(b"a")
                        self.wfile.flush()
                        self._count(1)
                    return
                chunk = b"<p>" + b"a" * (64 * 1024 - 3)
                left = route.stream_bytes
                while left > 0 and not server.stopping.is_set():
                    part = chunk[: min(len(chunk), left)]
                    self.wfile.write(part)
                    self._count(len(part))
                    left -= len(part)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoopbackOnly(httpx.AsyncBaseTransport):
    """Passes requests to 127.0.0.0/8 through; any other address fails the test unsent."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.seen: list[tuple[str, str]] = []  # (host of the URL dialled, Host header)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.url.host, request.headers.get("host", "")))
        target = ipaddress.ip_address(request.url.host)  # the fetcher always dials an address
        assert target in LOOPBACK, f"attempted a connection to {target}"
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
