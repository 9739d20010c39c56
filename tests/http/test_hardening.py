"""What a hostile probe found (issue 11): unstorable text, 500s without a request id, control
characters in logs, oversize chunked bodies and huge problem lists — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from sqlalchemy import Engine

from orbit.app import create_app
from orbit.http.middleware import RequestIdFilter
from orbit.http.overload import _Places
from orbit.metadata import db
from orbit.settings import RunsSettings, Settings
from tests.conftest import Loaded, OrgKey, make_org

pytestmark = pytest.mark.warehouse
BAD_TEXT = ["a\x00b", "\x00", "a\ud800", "\udfff", "x\ud83d"]  # NUL; lone high and low surrogates


def _app_client(loaded: Loaded, tmp_path: Any, engine: Engine | None = None) -> TestClient:
    settings = Settings(data_dir=tmp_path, env="test", runs=RunsSettings(embedded_workers=0),
                        rate_limit={"enabled": False})
    return TestClient(create_app(settings, warehouse=loaded.wh, engine=engine or loaded.engine),
                      raise_server_exceptions=False)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_client(request: pytest.FixtureRequest, loaded: Loaded,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, OrgKey]]:
    """An app on the shared warehouse with its metadata on SQLite, or on a fresh PostgreSQL database."""
    engine = loaded.engine
    if request.param == "postgresql":
        engine = db.make_engine(request.getfixturevalue("postgres_url"))
        db.migrate(engine)
    stores = Loaded(loaded.wh, engine, loaded.root)
    with _app_client(stores, tmp_path_factory.mktemp("app"), engine) as client:
        yield client, make_org(stores)
    if engine is not loaded.engine:
        engine.dispose()


def _send(client: TestClient, method: str, url: str, headers: dict[str, str], body: Any) -> Any:
    """JSON as a client writes it, lone surrogates as `\\ud800` escapes (what json.dumps does)."""
    return client.request(method, url, headers={**headers, "Content-Type": "application/json"},
                          content=json.dumps(body).encode())


def _expect_400(resp: Any, field: str | None = None) -> None:
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert body["error"]["code"] == "VALIDATION_ERROR" and resp.headers["x-request-id"] == body["meta"]["request_id"]
    if field is not None:
        assert [d["field"] for d in body["error"]["details"]] == [field]
        assert field in body["error"]["message"]


@pytest.mark.parametrize("bad", BAD_TEXT)
def test_unstorable_text_is_a_400_naming_the_field(store_client: tuple[TestClient, OrgKey], popular: list[int],
                                                   bad: str) -> None:
    client, org = store_client
    h = org.headers
    if "\x00" in bad:  # a URL can carry NUL (%00), not a lone surrogate
        _expect_400(client.get("/v1/intent/audiences/%00", headers=h), "audience_id")
        _expect_400(client.get("/v1/intent/topics/search", params={"q": bad}, headers=h), "q")
    terms = {"topicIds": popular[:2], "filters": {"jobTitle.include": {"values": [bad]}}}
    for method, url in (("POST", "/v1/intent/audiences/validate"), ("POST", "/v1/intent/audiences/preview"),
                        ("POST", "/v1/intent/audiences/query")):
        _expect_400(_send(client, method, url, h, terms), "filters.jobTitle.include.values[0]")
    _expect_400(_send(client, "POST", "/v1/intent/audiences", h, {"name": f"n{bad}", "config": terms}), "name")
    made = client.post("/v1/intent/audiences", headers=h, json={"name": "ok", "config": {"topicIds": popular[:2]}})
    assert made.status_code == 201, made.text
    audience = made.json()["data"]["id"]
    _expect_400(_send(client, "PATCH", f"/v1/intent/audiences/{audience}", h, {"config": terms}),
                "config.filters.jobTitle.include.values[0]")
    _expect_400(_send(client, "POST", "/v1/intent/topic-lists", h, {"name": bad, "topicIds": popular[:1]}), "name")
    # Nothing was written by the refused requests.
    assert client.get("/v1/intent/audiences", headers=h).json()["meta"]["total"] >= 1
    assert all(a["name"] == "ok" for a in client.get("/v1/intent/audiences", headers=h).json()["data"])


def _poison(case: Any, draw: Any) -> Any:
    """Put NUL or a lone surrogate into one string of a generated request (a URL cannot carry a
    lone surrogate: those go into JSON bodies only)."""
    targets: list[tuple[Any, Any, bool]] = []

    def collect(container: Any, in_url: bool) -> None:
        items = container.items() if isinstance(container, dict) else enumerate(container)
        for key, value in list(items):
            if isinstance(value, str):
                targets.append((container, key, in_url))
            elif isinstance(value, dict | list):
                collect(value, in_url)

    for part, in_url in ((case.path_parameters, True), (case.query, True), (case.body, False)):
        if isinstance(part, dict | list):
            collect(part, in_url)
    if targets:
        container, key, in_url = draw(st.sampled_from(targets))
        container[key] += draw(st.sampled_from([b for b in BAD_TEXT if "\x00" in b] if in_url else BAD_TEXT))
    return case


def test_fuzzed_requests_with_unstorable_text_never_fail_the_server(store_client: tuple[TestClient, OrgKey]) -> None:
    client, org = store_client
    schema = schemathesis.openapi.from_asgi("/openapi-intent.json", client.app)
    operations = [op.ok() for op in schema.get_all_operations()
                  if "analyze" not in op.ok().path and "download" not in op.ok().path]
    strategy = st.one_of([op.as_strategy() for op in operations])

    @given(data=st.data())
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def call(data: Any) -> None:
        case = _poison(data.draw(strategy), data.draw)
        case.call_and_validate(headers={"X-API-Key": org.key}, checks=[not_a_server_error])

    call()


def test_a_500_carries_the_request_id(loaded: Loaded, tmp_path: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(RequestIdFilter())  # as `orbit serve` installs it on its handlers
    with _app_client(loaded, tmp_path) as client:
        app: Any = client.app

        @app.get("/v1/intent/boom")
        def boom() -> None:
            raise RuntimeError("kaboom")

        with caplog.at_level(logging.INFO):
            resp = client.get("/v1/intent/boom", headers={"X-Request-Id": "probe-500"})
    assert resp.status_code == 500
    body = resp.json()
    assert body["error"]["code"] == "INTERNAL_ERROR" and "kaboom" not in resp.text
    assert resp.headers["x-request-id"] == body["meta"]["request_id"] == "probe-500"
    errors = [r for r in caplog.records if r.name == "orbit.http" and r.exc_info]
    assert errors and all(getattr(r, "request_id", None) == "probe-500" for r in errors), \
        "the traceback is logged inside the request's context"


def test_control_characters_never_reach_the_log_raw(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO, logger="orbit.access"):
        client.get("/v1/intent/topics/x%0d%0a2026-01-01 INFO forged line%00")
    lines = [r for r in caplog.records if r.name == "orbit.access"]
    assert lines
    assert "\n2026-01-01" not in caplog.text
    for record in lines:
        message = record.getMessage()
        assert "\r" not in message and "\n" not in message and "\x00" not in message
        assert "\\r\\n2026-01-01 INFO forged line\\x00" in message


def test_an_oversize_chunked_body_is_a_413(client: TestClient, loaded: Loaded) -> None:
    org = make_org(loaded)
    limit = client.app.state.settings.max_body_bytes  # type: ignore[attr-defined]

    def chunks() -> Iterator[bytes]:
        yield b'{"topicIds": [1], "filters": {"x": "'
        for _ in range(limit // 65536 + 2):
            yield b"y" * 65536
        yield b'"}}'

    resp = client.post("/v1/intent/audiences/preview", headers={**org.headers, "Content-Type": "application/json"},
                       content=chunks())
    assert resp.status_code == 413 and resp.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert resp.headers["x-request-id"] == resp.json()["meta"]["request_id"]
    small = client.post("/v1/intent/audiences/validate", headers={**org.headers, "Content-Type": "application/json"},
                        content=iter([b'{"topicIds": ', b"[1]}"]))
    assert small.status_code == 200, small.text  # a chunked body under the limit still arrives whole


def test_a_huge_problem_list_is_capped(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    keys = [f"k{i}" for i in range(60_000)]
    random.Random(11).shuffle(keys)
    filters = dict.fromkeys(keys, 1)  # ~700 KB: under the body limit
    body = {"topicIds": popular[:1], "filters": filters}
    resp = client.post("/v1/intent/audiences/preview", headers=org.headers, json=body)
    assert resp.status_code == 400 and len(resp.content) < 50_000
    details = resp.json()["error"]["details"]
    assert len(details) == 101 and details[-1]["message"] == "and 59900 more problems not listed"
    valid = client.post("/v1/intent/audiences/validate", headers=org.headers, json=body).json()["data"]
    assert valid["valid"] is False and len(valid["problems"]) == 101


def test_past_capacity_requests_are_shed_with_503_and_retry_after(loaded: Loaded, tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path, env="test", runs=RunsSettings(embedded_workers=0),
                        rate_limit={"enabled": False},
                        overload={"max_in_flight": 1, "queue_wait_ms": 0, "retry_after_s": 2})
    entered, gate = threading.Event(), threading.Event()
    app = create_app(settings, warehouse=loaded.wh, engine=loaded.engine)

    @app.get("/v1/intent/hold")
    def hold() -> dict[str, bool]:
        entered.set()
        return {"released": gate.wait(30)}

    with TestClient(app) as client:
        held: list[Any] = []
        worker = threading.Thread(target=lambda: held.append(client.get("/v1/intent/hold")))
        worker.start()
        assert entered.wait(30), "the held request never reached its route"
        shed = client.get("/v1/intent/topics/search", params={"q": "crm"})
        assert shed.status_code == 503 and shed.json()["error"]["code"] == "OVERLOADED", shed.text
        assert shed.headers["retry-after"] == "2" and shed.headers["x-request-id"] == shed.json()["meta"]["request_id"]
        assert client.get("/healthz").status_code == 200  # probes are never shed
        gate.set()
        worker.join(timeout=30)
        assert held[0].status_code == 200 and held[0].json() == {"released": True}
        assert client.get("/v1/intent/topics/search", params={"q": "crm"}).status_code == 200


def test_places_wait_a_bounded_time_and_queue() -> None:
    async def scenario() -> list[bool]:
        places = _Places(1)
        assert await places.take(0.0, 10)  # free: taken at once
        refused_now = await places.take(0.0, 10)  # none free, no wait allowed
        waiter = asyncio.ensure_future(places.take(5.0, 1))  # waits for a place
        await asyncio.sleep(0)
        queue_full = await places.take(5.0, 1)  # one waiter already: refused at once
        places.give()
        got_it = await waiter
        timed_out = await places.take(0.01, 10)
        return [refused_now, queue_full, got_it, timed_out]

    assert asyncio.run(scenario()) == [False, False, True, False]
