"""One delivery attempt on the wire: signed headers, no redirects, the address checked again
before connecting (DNS rebinding), a bounded excerpt of the answer. A receiver on loopback."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from orbit.webhooks import deliverer, service, signing, targets

SECRET = "whsec_test"
LOOPBACK = targets.Rules(allow_http=True, allow_loopback=True)


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/elsewhere")
                self.end_headers()
                return
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 5000 if self.path == "/big" else b"thanks\n\x00")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_address[1]}", seen
    finally:
        server.shutdown()


def _claimed(url: str) -> service.Claimed:
    return service.Claimed(delivery_id="d1", attempt=2, created_at=datetime.now(UTC), endpoint_id="e1", url=url,
                           event_id="ev1", event_type="run.completed", body=b'{"id":"ev1"}', secret_nonce="n",
                           previous_secret_nonce=None, previous_secret_expires_at=None)


def _to(address: str) -> targets.Resolver:
    return lambda host, port: [ipaddress.ip_address(address)]


def test_a_signed_post_to_the_checked_address(receiver: tuple[str, list[dict[str, Any]]]) -> None:
    base, seen = receiver
    out = deliverer.attempt(_claimed(f"{base}/hook"), secrets_in_use=[SECRET], rules=LOOPBACK,
                            resolver=_to("127.0.0.1"), timeout_s=5)
    assert (out.ok, out.status_code, out.error, out.excerpt) == (True, 200, None, "thanks")
    headers = seen[0]["headers"]
    assert headers["Host"] == base.removeprefix("http://")  # the name, though the address was dialled
    assert (headers["Orbit-Event"], headers["Orbit-Delivery"], headers["Orbit-Attempt"]) == ("run.completed", "d1", "2")
    assert signing.verify(headers["Orbit-Signature"], secret=SECRET, body=seen[0]["body"],
                          now=int(headers["Orbit-Signature"].split(",")[0][2:]))


def test_redirects_are_failures_and_not_followed(receiver: tuple[str, list[dict[str, Any]]]) -> None:
    base, seen = receiver
    out = deliverer.attempt(_claimed(f"{base}/redirect"), secrets_in_use=[SECRET], rules=LOOPBACK,
                            resolver=_to("127.0.0.1"), timeout_s=5)
    assert (out.ok, out.status_code, out.error) == (False, 302, "HTTP 302")
    assert [s["path"] for s in seen] == ["/redirect"]


def test_only_an_excerpt_of_the_answer_is_kept(receiver: tuple[str, list[dict[str, Any]]]) -> None:
    base, _seen = receiver
    out = deliverer.attempt(_claimed(f"{base}/big"), secrets_in_use=[SECRET], rules=LOOPBACK,
                            resolver=_to("127.0.0.1"), timeout_s=5)
    assert out.ok and out.excerpt is not None and len(out.excerpt) <= deliverer.EXCERPT_BYTES


def test_a_name_that_now_resolves_to_a_private_address_is_not_called(
        receiver: tuple[str, list[dict[str, Any]]]) -> None:
    base, seen = receiver
    out = deliverer.attempt(_claimed(f"{base}/hook"), secrets_in_use=[SECRET], rules=LOOPBACK,
                            resolver=_to("10.0.0.5"), timeout_s=5)
    assert (out.ok, out.status_code) == (False, None) and out.error is not None and "private" in out.error
    refused = deliverer.attempt(_claimed(f"{base}/hook"), secrets_in_use=[SECRET], rules=targets.Rules(),
                                resolver=_to("127.0.0.1"), timeout_s=5)  # production rules: https only
    assert refused.error == "refused: url must use https"
    assert seen == []


def test_a_closed_port_is_a_connect_failure() -> None:
    out = deliverer.attempt(_claimed("http://127.0.0.1:9/hook"), secrets_in_use=[SECRET], rules=LOOPBACK,
                            resolver=_to("127.0.0.1"), timeout_s=2)
    assert (out.ok, out.status_code, out.error) == (False, None, "could not connect")
