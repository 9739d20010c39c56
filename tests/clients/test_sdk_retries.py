"""Retries, backoff and `Retry-After`, idempotency keys across retries, and error decoding, against a
tiny local HTTP server that answers from a script (it stands in for no store of ours)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from orbit_client import (
    AsyncClient,
    Client,
    RateLimitError,
    RetryPolicy,
    ServiceUnavailableError,
    TransportError,
)
from orbit_client._core import NO_RETRIES

RUN = {"id": "r1", "audienceId": "a1", "organizationId": "o1", "status": "queued", "runType": "manual",
       "configHash": "h", "dataDate": "2026-11-20", "resultKey": None, "candidateCount": 0, "resultCount": 0, "suppressedCount": 0,
       "attempts": 0, "nextAttemptAt": None, "idempotencyKey": None, "errorCode": None, "errorMessage": None,
       "startedAt": None, "completedAt": None, "cancelledAt": None, "createdAt": "x", "updatedAt": "x",
       "cacheKey": "c", "totalCount": 0, "hasExport": False}


class Script:
    """Answers in order: (status, headers, body); the last one repeats. Records each request."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str], Any]] = []
        self.seen: list[dict[str, Any]] = []
        self.times: list[float] = []


@pytest.fixture()
def stub() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            script.seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                "body": self.rfile.read(length) if length else b""})
            script.times.append(time.monotonic())
            i = min(len(script.seen) - 1, len(script.answers) - 1)
            status, headers, body = script.answers[i]
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            for k, v in {"Content-Type": "application/json", "X-Request-Id": f"req_{i}", **headers}.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PATCH = do_DELETE = _answer  # noqa: N815  # http.server's names

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", script
    finally:
        server.shutdown()
        server.server_close()


def _error(code: str, message: str = "busy") -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": None}, "meta": {"timestamp": "t", "request_id": "req_e"}}


def _ok(data: Any) -> dict[str, Any]:
    return {"data": data, "meta": {"timestamp": "t", "request_id": "req_ok"}}


def test_503_with_retry_after_then_200_waits_as_told(stub: tuple[str, Script]) -> None:
    base, script = stub
    script.answers = [(503, {"Retry-After": "1"}, _error("OVERLOADED")), (200, {}, _ok([]))]
    with Client(base, api_key="sk_test") as sdk:
        assert sdk.search_topics("crm") == []
    assert len(script.seen) == 2
    assert script.times[1] - script.times[0] >= 1.0  # Retry-After honoured
    assert script.seen[0]["headers"]["X-API-Key"] == "sk_test"


def test_429_retries_then_raises_with_code_and_retry_after(stub: tuple[str, Script]) -> None:
    base, script = stub
    script.answers = [(429, {"Retry-After": "0"}, _error("RATE_LIMITED", "slow down"))]
    with Client(base, retry=RetryPolicy(max_retries=2, backoff=0.01)) as sdk, pytest.raises(RateLimitError) as caught:
        sdk.get_account()
    assert len(script.seen) == 3  # the first try and two retries
    err = caught.value
    assert (err.status, err.code, err.message, err.request_id, err.retry_after) == (429, "RATE_LIMITED", "slow down", "req_e", 0.0)


def test_backoff_without_retry_after_grows_and_is_jittered() -> None:
    policy = RetryPolicy(backoff=1.0, max_backoff=8.0, max_retries=10)
    headers = httpx.Headers()
    waits = [[policy.after_status(n, 503, headers) for _ in range(200)] for n in range(5)]
    for n, sample in enumerate(waits):
        assert all(w is not None and 0 <= w <= min(8.0, 2**n) for w in sample)
        assert len({round(w or 0, 6) for w in sample}) > 50  # jitter: not one fixed delay
    assert max(w or 0 for w in waits[3]) > 4.0  # grows with the attempt
    assert policy.after_status(10, 503, headers) is None  # retries used up
    assert policy.after_status(0, 500, headers) is None  # only 429 and 503
    assert RetryPolicy(max_retry_after=5).after_status(0, 429, httpx.Headers({"Retry-After": "60"})) is None


def test_run_creation_reuses_its_idempotency_key_on_every_retry(stub: tuple[str, Script]) -> None:
    base, script = stub
    script.answers = [(503, {"Retry-After": "0"}, _error("SERVICE_UNAVAILABLE")),
                      (429, {"Retry-After": "0"}, _error("RATE_LIMITED")), (202, {}, _ok(RUN))]
    with Client(base) as sdk:
        run = sdk.create_run("a1")
        again = sdk.create_run("a1")
    assert run.id == "r1" and again.id == "r1"
    keys = [s["headers"].get("Idempotency-Key") for s in script.seen]
    assert keys[0] and keys[0] == keys[1] == keys[2]  # one request, one key, three attempts
    assert keys[3] and keys[3] != keys[0]  # a new call, a new key
    assert json.loads(script.seen[0]["body"]) == {"runType": "manual"}


def test_connection_errors_are_retried_for_safe_calls_only() -> None:
    calls: list[str] = []

    def broken(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) < 3:
            raise httpx.ReadError("connection reset", request=request)
        return httpx.Response(200, json=_ok([]))

    with Client("http://orbit.test", transport=httpx.MockTransport(broken), retry=RetryPolicy(backoff=0.01)) as sdk:
        assert sdk.search_topics("crm") == []  # GET: retried through two broken reads
    assert calls == ["GET", "GET", "GET"]
    calls.clear()
    with Client("http://orbit.test", transport=httpx.MockTransport(broken), retry=RetryPolicy(backoff=0.01)) as sdk, \
            pytest.raises(TransportError):
        sdk.create_audience("x", {"topicIds": [1]})  # POST without a key: the server may have acted
    assert calls == ["POST"]


def test_refused_connection_is_retried_then_raised() -> None:
    with Client("http://127.0.0.1:9", retry=RetryPolicy(max_retries=2, backoff=0.01)) as sdk, \
            pytest.raises(TransportError):
        sdk.get_account()


def test_non_envelope_error_body_still_gives_an_api_error(stub: tuple[str, Script]) -> None:
    base, script = stub
    script.answers = [(503, {"Content-Type": "text/plain"}, b"upstream down")]
    with Client(base, retry=NO_RETRIES) as sdk, pytest.raises(ServiceUnavailableError) as caught:
        sdk.get_account()
    assert caught.value.code == "HTTP_503" and "upstream down" in caught.value.message
    assert caught.value.request_id == "req_0"


def test_async_client_retries_the_same_way(stub: tuple[str, Script]) -> None:
    base, script = stub
    script.answers = [(503, {"Retry-After": "0"}, _error("OVERLOADED")), (202, {}, _ok(RUN))]

    async def go() -> str:
        async with AsyncClient(base) as sdk:
            return (await sdk.create_run("a1")).id

    assert asyncio.run(go()) == "r1"
    assert script.seen[0]["headers"]["Idempotency-Key"] == script.seen[1]["headers"]["Idempotency-Key"]


def test_bearer_token_is_sent_as_authorization(stub: tuple[str, Script]) -> None:
    base, script = stub
    script.answers = [(200, {}, _ok([]))]
    with Client(base, bearer_token="eyJ.test.jwt") as sdk:
        sdk.list_webhooks()
    headers = script.seen[0]["headers"]
    assert headers["Authorization"] == "Bearer eyJ.test.jwt" and "X-API-Key" not in headers
    with pytest.raises(ValueError):
        Client(base, api_key="sk_x", bearer_token="t")
