"""Webhooks against a real `orbit serve`: a receiver on loopback (allowed by the test settings)
checks every signature, fails the first attempts (retried with a fast backoff), gets a replay,
and, when it hangs, does not hold up runs."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.e2e.test_runs import _audience, _stop, _until
from tests.e2e.test_runs import _serve as serve_orbit
from tests.e2e.test_runs import data as data  # the data-set fixture, one per module

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse]


def verify(header: str, body: bytes, secret: str, tolerance: int = 300) -> bool:
    """The recipe of docs/webhooks.md, as a receiver would write it (no Orbit import)."""
    items = [part.split("=", 1) for part in header.split(",")]
    timestamp = next(v for k, v in items if k == "t")
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, v) for k, v in items if k == "v1")


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1: records what arrives; fails or holds when told to."""

    fail_first: int = 0
    hold: threading.Event | None = None  # set: answer; unset: keep the request open
    received: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self) -> tuple[ThreadingHTTPServer, str]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.in_flight += 1
                    seen = len(receiver.received)
                    receiver.received.append({"headers": dict(self.headers), "body": body})
                try:
                    if receiver.hold is not None:
                        receiver.hold.wait(60)
                    status = 500 if seen < receiver.fail_first else 200
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"nope" if status == 500 else b"ok")
                finally:
                    with receiver.lock:
                        receiver.in_flight -= 1

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}/hooks/orbit"

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.received if r["headers"].get("Orbit-Event") == event_type]


WEBHOOK_ENV = {"ORBIT_WEBHOOKS__ALLOW_HTTP": "true", "ORBIT_WEBHOOKS__ALLOW_LOOPBACK": "true",
               "ORBIT_WEBHOOKS__RETRY_BASE_SECONDS": "0.2", "ORBIT_WEBHOOKS__POLL_SECONDS": "0.2",
               "ORBIT_RUNS__POLL_SECONDS": "0.2"}


@pytest.fixture
def orbit(data: tuple[dict[str, str], str], request: pytest.FixtureRequest) -> Iterator[tuple[httpx.Client, str]]:
    env, key = data
    proc, base = serve_orbit({**env, **WEBHOOK_ENV, **getattr(request, "param", {})})
    try:
        with httpx.Client(base_url=base, timeout=30, headers={"X-API-Key": key}) as http:
            yield http, key
    finally:
        _stop(proc)


def _run(http: httpx.Client, audience: str) -> dict[str, Any]:
    queued = http.post(f"/v1/intent/audiences/{audience}/runs")
    assert queued.status_code == 202, queued.text
    path = f"/v1/intent/audiences/{audience}/runs/{queued.json()['data']['id']}"
    return _until(lambda: (r := http.get(path).json()["data"])["status"] == "completed" and r,  # type: ignore[no-any-return]
                  "the run never completed")


def test_signed_deliveries_are_retried_replayed_and_recorded(orbit: tuple[httpx.Client, str]) -> None:
    http, key = orbit
    receiver = Receiver(fail_first=2)
    server, url = receiver.serve()
    try:
        made = http.post("/v1/intent/webhooks", json={
            "url": url, "events": ["run.completed", "audience.changes_ready", "export.completed"]})
        assert made.status_code == 201, made.text
        secret, hook = made.json()["data"]["secret"], made.json()["data"]["endpoint"]["id"]
        audience = _audience(http, key)
        run = _run(http, audience)

        # Two 500s, then the third attempt is accepted.
        done = _until(lambda: (d := http.get(f"/v1/intent/webhooks/{hook}/deliveries").json()["data"])
                      and d[0]["status"] == "succeeded" and d, "run.completed was never delivered", timeout=60)
        assert (done[0]["eventType"], done[0]["attempts"], done[0]["lastResponseCode"]) == ("run.completed", 3, 200)
        attempts = receiver.of_type("run.completed")
        assert len(attempts) == 3
        for a in attempts:
            assert verify(a["headers"]["Orbit-Signature"], a["body"], secret)
            assert not verify(a["headers"]["Orbit-Signature"], a["body"] + b" ", secret)
        assert {a["headers"]["Orbit-Delivery"] for a in attempts} == {done[0]["id"]}
        assert [a["headers"]["Orbit-Attempt"] for a in attempts] == ["1", "2", "3"]
        event = json.loads(attempts[-1]["body"])
        assert event["type"] == "run.completed" and event["data"] == {**run, "updatedAt": event["data"]["updatedAt"]}
        assert event["organizationId"] == run["organizationId"] and event["id"] == done[0]["eventId"]

        # A replay is a new delivery of the same event, signed afresh.
        replay = http.post(f"/v1/intent/webhooks/{hook}/deliveries/{done[0]['id']}/replay")
        assert replay.status_code == 202
        _until(lambda: len(receiver.of_type("run.completed")) == 4, "the replay never arrived")
        again = receiver.of_type("run.completed")[-1]
        assert again["body"] == attempts[-1]["body"] and again["headers"]["Orbit-Delivery"] == replay.json()["data"]["id"]
        assert verify(again["headers"]["Orbit-Signature"], again["body"], secret)

        # A second run has a previous one to compare with; an export completes.
        second = _run(http, audience)
        changes = _until(lambda: receiver.of_type("audience.changes_ready"), "no audience.changes_ready", timeout=60)
        # A second run of the same day changes nobody; the counts come with the event.
        assert json.loads(changes[0]["body"])["data"] == {
            "audienceId": audience, "runId": second["id"], "previousRunId": run["id"],
            "dataDate": second["dataDate"], "previousDataDate": run["dataDate"],
            "changes": {"previousRunId": run["id"], "new": 0, "dropped": 0, "changed": 0, "minScoreChange": 10}}
        export = http.post(f"/v1/intent/audiences/{audience}/runs/{second['id']}/exports")
        assert export.status_code == 201, export.text
        exported = _until(lambda: receiver.of_type("export.completed"), "no export.completed", timeout=60)
        assert json.loads(exported[0]["body"])["data"] == export.json()["data"]["export"]
        assert all(verify(r["headers"]["Orbit-Signature"], r["body"], secret) for r in receiver.received)
    finally:
        server.shutdown()


@pytest.mark.parametrize("orbit", [{"ORBIT_WEBHOOKS__CONCURRENCY": "1", "ORBIT_WEBHOOKS__TIMEOUT_S": "60"}],
                         indirect=True)
def test_a_hanging_receiver_does_not_delay_runs(orbit: tuple[httpx.Client, str]) -> None:
    http, key = orbit
    receiver = Receiver(hold=threading.Event())
    server, url = receiver.serve()
    try:
        made = http.post("/v1/intent/webhooks", json={"url": url, "events": ["run.completed"]})
        assert made.status_code == 201, made.text
        first = _run(http, _audience(http, key))
        _until(lambda: receiver.in_flight == 1, "the first delivery never reached the receiver")
        # The only deliverer thread is stuck in that request; runs go on regardless.
        started = time.monotonic()
        second = _run(http, _audience(http, key))
        assert receiver.in_flight == 1 and time.monotonic() - started < 30
        assert second["status"] == "completed"
        receiver.hold.set()  # type: ignore[union-attr]
        _until(lambda: len(receiver.of_type("run.completed")) == 2, "the held deliveries never finished")
        ids = {json.loads(r["body"])["data"]["id"] for r in receiver.of_type("run.completed")}
        assert ids == {first["id"], second["id"]}
    finally:
        receiver.hold.set()  # type: ignore[union-attr]
        server.shutdown()
