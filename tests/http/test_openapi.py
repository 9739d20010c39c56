"""The OpenAPI document against the server (issue 11, "OpenAPI honesty").

For every operation, what a set of probes gets back (valid request, no credentials, a bad
credential, a bad parameter, a missing id, an oversize body, a deactivated organization, a used-up
rate limit) is documented: the status, and the error code among that status's `x-error-codes`.
A wrong method answers 405 with an `Allow` that lists every method of the path. The limits the
schema states are the server's: a value just inside is accepted, one just outside refused.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from orbit.accounts import service as accounts
from orbit.app import create_app
from orbit.http.errors import STATUS
from orbit.http.openapi import ERRORS
from orbit.legacy.schemas import CURSOR_PATTERN
from orbit.legacy.service import encode_cursor
from orbit.metadata.models import Run
from orbit.runs.worker import Worker
from orbit.settings import RunsSettings, Settings
from orbit.site_analysis.addresses import MAX_URL, MIN_URL, url_problem
from tests.conftest import Loaded, OrgKey, make_org

pytestmark = pytest.mark.warehouse

MISSING = "00000000-0000-4000-8000-000000000000"
MISSING_TOPIC = "4294967295"  # in the id range, in no catalogue
MISSING_IDS = {"topicId": MISSING_TOPIC, "hashed_email": "0" * 64}  # well-formed, in no data
PROBES = ("/healthz", "/readyz", "/metrics")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
AUD = "/v1/intent/audiences"
RUN = AUD + "/{audience_id}/runs/{run_id}"
HOOKS = "/v1/intent/webhooks"
SUP = "/v1/intent/suppression-lists"


@dataclass
class Things:
    """Real objects of one organization, so that each operation has a request that succeeds."""

    org: OrgKey
    ids: dict[str, str]  # path parameter → a real id
    topics: list[int]
    spare: dict[str, str] = field(default_factory=dict)  # ids the deleting operations may delete
    download: dict[str, str] = field(default_factory=dict)  # the signed URL's query


@dataclass(frozen=True)
class Sample:
    """A request of one operation that the server accepts, and how to spoil it."""

    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    ids: dict[str, str] = field(default_factory=dict)  # path ids other than `Things.ids`
    bad_params: dict[str, Any] | None = None  # a parameter the server refuses (400)
    bad_json: Any = None  # a body the server refuses (400)


def _samples() -> dict[tuple[str, str], Sample]:
    """Every operation of the document (test_every_operation_has_a_sample keeps it so)."""
    topics = "/v1/intent/topics"
    lists = "/v1/intent/topic-lists"
    return {
        ("GET", topics): Sample(params={"limit": 2}, bad_params={"limit": 0}),
        ("GET", f"{topics}/facets"): Sample(),
        ("GET", f"{topics}/search"): Sample(params={"q": "payroll"}, bad_params={"q": "   "}),
        ("GET", f"{topics}/movers"): Sample(bad_params={"direction": "sideways"}),
        ("GET", f"{topics}/{{topicId}}/trend"): Sample(params={"days": 2}, bad_params={"days": 91}),
        ("POST", f"{topics}/compare"): Sample(json={"topicIds": ["T0"]}, bad_json={"topicIds": ["T0", "T0"]}),
        # A URL the server refuses before fetching: no test reaches out to the network.
        ("POST", f"{topics}/analyze"): Sample(json={"url": "ftp://example.com/"}, bad_json={"url": 5}),
        ("GET", "/v1/intent/site-topics"): Sample(bad_params={"limit": 101}),
        ("GET", "/v1/intent/site-topics/{analysis_id}"): Sample(),
        ("GET", "/v1/intent/account"): Sample(),
        ("POST", f"{AUD}/query"): Sample(json={"audienceId": "A"}, bad_json={"topicIds": ["T0"], "cursor": "!"}),
        ("GET", f"{AUD}/{{audience_id}}/status"): Sample(bad_params={"date": "yesterday"}),
        ("GET", f"{AUD}/{{audience_id}}/results"): Sample(params={"limit": 3}, bad_params={"cursor": "+++"}),
        ("GET", f"{AUD}/{{audience_id}}/stats"): Sample(bad_params={"date": "2026-13-01"}),
        ("POST", f"{AUD}/{{audience_id}}/export"): Sample(bad_params={"date": "x"}),
        ("GET", f"{AUD}/filters"): Sample(),
        ("POST", f"{AUD}/validate"): Sample(json={"topicIds": ["T0"]}, bad_json={"topicIds": ["T0"], "minScore": 101}),
        ("POST", f"{AUD}/preview"): Sample(json={"topicIds": ["T0", "T1"]}, bad_json={"topicIds": []}),
        ("GET", AUD): Sample(bad_params={"status": "gone"}),
        ("POST", AUD): Sample(json={"name": "probe", "config": {"topicIds": ["T0"]}},
                              bad_json={"name": "  ", "config": {"topicIds": ["T0"]}}),
        ("GET", f"{AUD}/{{audience_id}}"): Sample(),
        ("PATCH", f"{AUD}/{{audience_id}}"): Sample(json={"name": "probed"}, bad_json={"name": ""}),
        ("DELETE", f"{AUD}/{{audience_id}}"): Sample(ids={"audience_id": "spare_audience"}),
        ("GET", lists): Sample(bad_params={"offset": -1}),
        ("POST", lists): Sample(json={"name": "NEW", "topicIds": ["T0"]}, bad_json={"name": "", "topicIds": ["T0"]}),
        ("GET", f"{lists}/{{topic_list_id}}"): Sample(),
        ("PATCH", f"{lists}/{{topic_list_id}}"): Sample(json={"description": "probed"}, bad_json={"topicIds": []}),
        ("DELETE", f"{lists}/{{topic_list_id}}"): Sample(ids={"topic_list_id": "spare_list"}),
        ("POST", f"{AUD}/{{audience_id}}/runs"): Sample(ids={"audience_id": "run_audience"},
                                                        bad_json={"runType": "daily"}),
        ("GET", f"{AUD}/{{audience_id}}/runs"): Sample(bad_params={"limit": 101}),
        ("GET", RUN): Sample(),
        ("DELETE", RUN): Sample(ids={"audience_id": "run_audience", "run_id": "queued_run"}),
        ("GET", f"{RUN}/results"): Sample(params={"limit": 2}, bad_params={"limit": 1001}),
        ("GET", f"{RUN}/stats"): Sample(),
        ("GET", f"{RUN}/results/{{hashed_email}}/explain"): Sample(),
        ("GET", f"{RUN}/export.csv"): Sample(),
        ("GET", f"{RUN}/changes"): Sample(params={"kind": "new"}, bad_params={"kind": "all"}),
        ("GET", f"{RUN}/changes.csv"): Sample(bad_params={"minScoreChange": 100}),
        ("GET", f"{RUN}/accounts"): Sample(params={"limit": 2}, bad_params={"sort": "size"}),
        ("GET", f"{RUN}/accounts.csv"): Sample(bad_params={"sort": "size"}),
        ("POST", f"{RUN}/exports"): Sample(),
        ("GET", f"{RUN}/exports"): Sample(bad_params={"limit": 0}),
        ("GET", f"{RUN}/exports/{{export_id}}"): Sample(),
        ("GET", "/v1/intent/exports/{export_id}/download"): Sample(),
        ("GET", HOOKS): Sample(bad_params={"limit": 0}),
        ("POST", HOOKS): Sample(json={"url": "http://127.0.0.1:9/hook", "events": ["run.completed"]},
                                bad_json={"url": "http://127.0.0.1:9/hook", "events": ["run.exploded"]}),
        ("GET", f"{HOOKS}/{{webhook_id}}"): Sample(),
        ("PATCH", f"{HOOKS}/{{webhook_id}}"): Sample(json={"description": "probed"}, bad_json={"events": []}),
        ("DELETE", f"{HOOKS}/{{webhook_id}}"): Sample(ids={"webhook_id": "spare_webhook"}),
        ("POST", f"{HOOKS}/{{webhook_id}}/rotate-secret"): Sample(),
        ("POST", f"{HOOKS}/{{webhook_id}}/ping"): Sample(),
        ("GET", f"{HOOKS}/{{webhook_id}}/deliveries"): Sample(bad_params={"status": "lost"}),
        ("GET", f"{HOOKS}/{{webhook_id}}/deliveries/{{delivery_id}}"): Sample(),
        ("POST", f"{HOOKS}/{{webhook_id}}/deliveries/{{delivery_id}}/replay"): Sample(),
        ("GET", SUP): Sample(bad_params={"limit": 0}),
        ("POST", SUP): Sample(json={"name": "NEW"}, bad_json={"name": ""}),
        ("GET", f"{SUP}/{{suppression_list_id}}"): Sample(),
        ("DELETE", f"{SUP}/{{suppression_list_id}}"): Sample(ids={"suppression_list_id": "spare_suppression"}),
        ("POST", f"{SUP}/{{suppression_list_id}}/items"): Sample(
            json={"kind": "md5", "items": ["0cc175b9c0f1b6a831c399e269772661"]}, bad_json={"kind": "phone", "items": []}),
        ("DELETE", f"{SUP}/{{suppression_list_id}}/items"): Sample(),
        ("GET", "/metrics"): Sample(),
        ("GET", "/healthz"): Sample(),
        ("GET", "/readyz"): Sample(),
    }


SAMPLES = _samples()


# --- the app, its document and the objects the probes use -----------------------------------------

def _app(loaded: Loaded, data_dir: Path, **settings: Any) -> TestClient:
    """Rate limits off unless asked for: the probes send many bad credentials from one address."""
    config = Settings(data_dir=data_dir, env="test", runs=RunsSettings(embedded_workers=0),
                      **{"rate_limit": {"enabled": False},
                         "webhooks": {"concurrency": 0, "allow_http": True, "allow_loopback": True}, **settings})
    return TestClient(create_app(config, warehouse=loaded.wh, engine=loaded.engine))


@pytest.fixture(scope="module")
def api(loaded: Loaded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with _app(loaded, tmp_path_factory.mktemp("openapi")) as client:
        yield client


@pytest.fixture(scope="module")
def doc(api: TestClient) -> dict[str, Any]:
    resp = api.get("/openapi-intent.json")
    assert resp.status_code == 200
    return resp.json()  # type: ignore[no-any-return]


def _ok(resp: Any, *statuses: int) -> dict[str, Any]:
    assert resp.status_code in (statuses or (200,)), resp.text
    return resp.json()["data"]  # type: ignore[no-any-return]


def _finish(api: TestClient, loaded: Loaded, run_id: str) -> None:
    worker = Worker(loaded.wh, loaded.sessions, api.app.state.catalog.current, RunsSettings(embedded_workers=0))
    for _ in range(100):
        with loaded.sessions() as s:
            run = s.get(Run, run_id)
            assert run is not None and run.status in ("queued", "running", "completed"), run
            if run.status == "completed":
                return
        assert worker.run_once()
    raise AssertionError(f"run {run_id} never completed")


@pytest.fixture(scope="module")
def things(api: TestClient, loaded: Loaded, popular: list[int]) -> Things:
    org = make_org(loaded)
    h = org.headers

    def audience(name: str) -> str:
        body = {"name": name, "config": {"topicIds": popular[:3], "minScore": 50}}
        return str(_ok(api.post(AUD, headers=h, json=body), 201)["id"])

    main, run_audience, spare = audience("main"), audience("runs"), audience("spare")
    run = _ok(api.post(f"{AUD}/{main}/runs", headers=h), 202)["id"]
    _finish(api, loaded, run)
    queued = _ok(api.post(f"{AUD}/{run_audience}/runs", headers=h), 202)["id"]
    made = _ok(api.post(f"{AUD}/{main}/runs/{run}/exports", headers=h), 201)
    row = _ok(api.get(f"{AUD}/{main}/runs/{run}/results", headers=h, params={"limit": 1}))["results"][0]
    lists = [_ok(api.post("/v1/intent/topic-lists", headers=h, json={"name": n, "topicIds": popular[:1]}), 201)["id"]
             for n in ("main", "spare")]
    hook_body = {"url": "http://127.0.0.1:9/hook", "events": ["run.completed"]}
    hooks = [_ok(api.post(HOOKS, headers=h, json=hook_body), 201)["endpoint"]["id"] for _ in range(2)]
    delivery = _ok(api.post(f"{HOOKS}/{hooks[0]}/ping", headers=h), 202)["id"]
    suppression = [_ok(api.post(SUP, headers=h, json={"name": n}), 201)["id"] for n in ("main", "spare")]
    url = urlsplit(made["downloadUrl"])
    return Things(
        org=org, topics=popular,
        ids={"audience_id": main, "run_id": run, "export_id": made["export"]["id"], "topic_list_id": lists[0],
             "analysis_id": MISSING, "topicId": str(popular[0]), "hashed_email": row["hashedEmail"],
             "webhook_id": hooks[0], "delivery_id": delivery, "suppression_list_id": suppression[0]},
        spare={"spare_audience": spare, "run_audience": run_audience, "queued_run": queued, "spare_list": lists[1],
               "spare_webhook": hooks[1], "spare_suppression": suppression[1]},
        download=dict(parse_qsl(url.query)),
    )


def _fill(value: Any, t: Things) -> Any:
    """Sample placeholders → real values: "T0" a topic id, "A" the main audience, "NEW" a new name."""
    if isinstance(value, dict):
        return {k: _fill(v, t) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, t) for v in value]
    if isinstance(value, str) and re.fullmatch(r"T\d", value):
        return t.topics[int(value[1])]
    if value == "A":
        return t.ids["audience_id"]
    if value == "NEW":
        return f"probe {uuid.uuid4().hex[:8]}"
    return value


def _path(template: str, t: Things, sample: Sample, **override: str) -> str:
    ids = {**t.ids, **{k: t.spare[v] for k, v in sample.ids.items()}, **override}
    return template.format(**ids)


def _params(template: str, t: Things, sample: Sample) -> dict[str, Any]:
    return {**sample.params, **(t.download if template.endswith("/download") else {})}


# --- what the document says ----------------------------------------------------------------------------

def _op(doc: dict[str, Any], method: str, template: str) -> dict[str, Any]:
    return doc["paths"][template][method.lower()]  # type: ignore[no-any-return]


def _reads_credentials(op: dict[str, Any]) -> bool:
    return bool(op.get("security"))


def _requires_credentials(op: dict[str, Any]) -> bool:
    return _reads_credentials(op) and {} not in op["security"]


def documented(doc: dict[str, Any], method: str, template: str, resp: Any, *, probe: str) -> None:
    """The answer's status is documented for the operation, and an error's code is one that
    status names; every answer carries its request id."""
    responses = _op(doc, method, template)["responses"]
    status = str(resp.status_code)
    where = f"{method} {template} ({probe})"
    assert status in responses, f"{where} answered {status}, documented {sorted(responses)}: {resp.text[:300]}"
    assert resp.headers.get("x-request-id"), where
    if resp.status_code >= 400:
        body = resp.json()
        assert body["error"]["code"] in responses[status]["x-error-codes"], f"{where}: {body}"
        assert body["meta"]["request_id"] == resp.headers["x-request-id"], where


def test_every_operation_has_a_sample(doc: dict[str, Any]) -> None:
    ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    assert ops == set(SAMPLES)
    assert len(ops) == 63


# --- probes, operation by operation -------------------------------------------------------------------

@pytest.mark.parametrize(("method", "template"), list(SAMPLES), ids=[f"{m} {p}" for m, p in SAMPLES])
def test_what_probes_get_is_documented(api: TestClient, doc: dict[str, Any], things: Things, method: str,
                                       template: str) -> None:
    sample, op, t = SAMPLES[(method, template)], _op(doc, method, template), things
    url, params, body = _path(template, t, sample), _params(template, t, sample), _fill(sample.json, t)

    def send(*, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        args: dict[str, Any] = {"params": params, "json": body, **kw}
        return api.request(method, args.pop("url", url), headers=headers, **args)

    bad_key = send(headers={"X-API-Key": "sk_" + "x" * 43})
    documented(doc, method, template, bad_key, probe="a bad credential")
    assert (bad_key.status_code == 401) == _reads_credentials(op)

    anonymous = send()
    documented(doc, method, template, anonymous, probe="no credentials")
    if _requires_credentials(op):
        assert anonymous.status_code == 401

    nul = send(headers=t.org.headers, params={**params, "probe": "a\x00b"})
    documented(doc, method, template, nul, probe="NUL in a query parameter")
    assert nul.status_code == 400

    if sample.bad_params is not None or sample.bad_json is not None:
        bad = send(headers=t.org.headers, params={**params, **(sample.bad_params or {})},
                   json=_fill(sample.bad_json, t) if sample.bad_json is not None else body)
        documented(doc, method, template, bad, probe="a bad parameter")
        assert bad.status_code == 400

    for name in re.findall(r"{(\w+)}", template):
        missing = send(headers=t.org.headers,
                       url=_path(template, t, sample, **{name: MISSING_IDS.get(name, MISSING)}))
        documented(doc, method, template, missing, probe=f"a missing {name}")
        # The signed download URL names its export: another id is a bad signature.
        assert missing.status_code == (403 if template.endswith("/download") else 404)

    if "requestBody" in op:
        limit = api.app.state.settings.max_body_bytes
        big = send(headers={**t.org.headers, "Content-Type": "application/json"}, json=None,
                   content=b" " * (limit + 1))
        documented(doc, method, template, big, probe="an oversize body")
        assert big.status_code == 413

    valid = send(headers=t.org.headers)
    documented(doc, method, template, valid, probe="a valid request")
    assert valid.status_code < 500 or template == "/readyz"  # 503 while the topic index is built


def test_a_deactivated_organization_is_documented(api: TestClient, doc: dict[str, Any], loaded: Loaded,
                                                  things: Things) -> None:
    gone = make_org(loaded)
    with loaded.sessions.begin() as s:
        accounts.set_active(s, ref=gone.id, active=False)
    for (method, template), sample in SAMPLES.items():
        resp = api.request(method, _path(template, things, sample), headers=gone.headers,
                           params=_params(template, things, sample), json=_fill(sample.json, things))
        documented(doc, method, template, resp, probe="a deactivated organization")
        assert (resp.status_code == 403) == _reads_credentials(_op(doc, method, template))


def test_rate_limits_are_documented(loaded: Loaded, doc: dict[str, Any], tmp_path: Path) -> None:
    limits = {"anonymous_per_minute": 1, "authenticated_per_minute": 1, "failed_auth_per_minute": 1}
    with _app(loaded, tmp_path, rate_limit=limits) as client:
        for url in ("/v1/intent/topics/facets", "/v1/intent/topics/facets"):
            resp = client.get(url)
        documented(doc, "GET", "/v1/intent/topics/facets", resp, probe="a used-up bucket")
        assert resp.status_code == 429 and int(resp.headers["retry-after"]) >= 1
        for _ in range(2):
            resp = client.get("/v1/intent/account", headers={"X-API-Key": "sk_nope"})
        documented(doc, "GET", "/v1/intent/account", resp, probe="failed authentications")
        assert resp.status_code == 429 and resp.headers["retry-after"]
        assert client.get("/healthz").status_code == client.get("/healthz").status_code == 200


# --- 405 -------------------------------------------------------------------------------------------------

def _matches(template: str, url: str) -> bool:
    return re.fullmatch(re.sub(r"{\w+}", "[^/]+", template), url) is not None


@pytest.mark.parametrize("template", sorted({p for _, p in SAMPLES}))
def test_a_wrong_method_lists_every_method_of_the_path(api: TestClient, doc: dict[str, Any], template: str) -> None:
    url = re.sub(r"{\w+}", "x1", template)
    # Every operation whose template matches this URL serves it (`/audiences/query` is also an audience id).
    served = {m.upper() for p, item in doc["paths"].items() if _matches(p, url) for m in item}
    for method in sorted(set(METHODS) - served):
        resp = api.request(method, url)
        assert resp.status_code == 405, (method, url, resp.text)
        assert resp.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
        assert resp.headers["allow"] == ", ".join(sorted(served)), (method, url)


# --- the document's promises, read as a whole ----------------------------------------------------------

def test_every_error_response_is_the_envelope_naming_its_codes(doc: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for status, resp in op["responses"].items():
                where = f"{method.upper()} {path} {status}"
                assert resp["headers"]["X-Request-Id"] == {"$ref": "#/components/headers/X-Request-Id"}, where
                if int(status) < 400:
                    continue
                assert resp["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
                assert resp["x-error-codes"], where
                for code in resp["x-error-codes"]:
                    assert ERRORS[code][0] == int(status) and f"`{code}`" in resp["description"], (where, code)
                if status in ("429", "503"):
                    assert "Retry-After" in resp["headers"], where
                if status == "422":
                    assert path == "/v1/intent/topics/analyze", where


def test_code_statuses_agree_with_the_status_table() -> None:
    assert {code: status for code, (status, _) in ERRORS.items()} == {
        code: status for code, status in STATUS.items() if code != "METHOD_NOT_ALLOWED"}


def _codes(op: dict[str, Any], status: int) -> list[str]:
    return op["responses"].get(str(status), {}).get("x-error-codes", [])  # type: ignore[no-any-return]


def test_statuses_follow_from_what_each_operation_takes(doc: dict[str, Any]) -> None:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            probe = path in PROBES
            assert "INTERNAL_ERROR" in _codes(op, 500), where
            assert "VALIDATION_ERROR" in _codes(op, 400), where  # every route checks its query for NUL
            assert ("OVERLOADED" in _codes(op, 503)) != probe, where
            assert ("RATE_LIMITED" in _codes(op, 429)) != probe, where
            assert ("UNAUTHORIZED" in _codes(op, 401)) != probe and _reads_credentials(op) != probe, where
            assert ("FORBIDDEN" in _codes(op, 403)) != probe, where
            if not probe:
                assert "SERVICE_UNAVAILABLE" in _codes(op, 503), where
            has_body = "requestBody" in op
            assert ("PAYLOAD_TOO_LARGE" in _codes(op, 413)) == has_body, where
            assert ("INVALID_JSON" in _codes(op, 400)) == has_body, where
            # Ids in the path, or a saved audience's id in the G2 query's body.
            assert ("NOT_FOUND" in _codes(op, 404)) == ("{" in path or path.endswith("/query")), where
    runs = _op(doc, "POST", AUD + "/{audience_id}/runs")
    assert _codes(runs, 409) == ["RUN_IN_PROGRESS", "IDEMPOTENCY_CONFLICT"] and "200" in runs["responses"]


def test_optional_credentials_are_shown_as_optional(doc: dict[str, Any]) -> None:
    optional = {p for p, item in doc["paths"].items() for op in item.values() if {} in op.get("security", [])}
    assert optional == {"/v1/intent/topics", "/v1/intent/topics/facets", "/v1/intent/topics/search",
                        "/v1/intent/topics/movers", "/v1/intent/topics/{topicId}/trend", "/v1/intent/topics/compare",
                        "/v1/intent/topics/analyze", "/v1/intent/exports/{export_id}/download"}
    for path in PROBES:
        assert "security" not in doc["paths"][path]["get"]


# --- limits: the schema's are the server's -----------------------------------------------------------

def _validator(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": doc["components"]})


def _param(doc: dict[str, Any], method: str, template: str, name: str) -> dict[str, Any]:
    found = [p for p in _op(doc, method, template).get("parameters", []) if p["name"] == name]
    assert len(found) == 1, name
    return found[0]  # type: ignore[no-any-return]


def test_cursors_are_refused_exactly_where_the_schema_says(api: TestClient, doc: dict[str, Any], things: Things) -> None:
    query = _validator(doc, {"$ref": "#/components/schemas/AudienceQuery"})
    param = _param(doc, "GET", f"{AUD}/{{audience_id}}/results", "cursor")["schema"]
    assert {"type": "string", "pattern": CURSOR_PATTERN} in param["anyOf"]
    longest = encode_cursor(2**31 - 1)  # the last offset a cursor can name
    inside = ["", encode_cursor(0), encode_cursor(50), longest]
    outside = ["abc", longest + "A", "bzo+", "bzow==", "b zow", "!!!!"]
    assert len(encode_cursor(0)) == 4 and len(longest) == 16
    results = f"{AUD}/{things.ids['audience_id']}/results"
    for cursor in inside + outside:
        body = {"topicIds": things.topics[:2], "cursor": cursor}
        adhoc = api.post(f"{AUD}/query", headers=things.org.headers, json=body)
        paged = api.get(results, headers=things.org.headers, params={"cursor": cursor})
        for resp in (adhoc, paged):
            assert (resp.status_code == 200) == (cursor in inside), (cursor, resp.text)
            if cursor in outside:
                assert [d["field"] for d in resp.json()["error"]["details"]] == ["cursor"]
        assert query.is_valid(body) == (cursor in inside) == (re.search(CURSOR_PATTERN, cursor) is not None)


def test_idempotency_keys_are_refused_exactly_where_the_schema_says(
    api: TestClient, doc: dict[str, Any], loaded: Loaded, popular: list[int]
) -> None:
    schema = _param(doc, "POST", f"{AUD}/{{audience_id}}/runs", "Idempotency-Key")["schema"]
    assert {"type": "string", "minLength": 1, "maxLength": 120} in schema["anyOf"]
    org = make_org(loaded)
    audience = _ok(api.post(AUD, headers=org.headers, json={"name": "keys", "config": {"topicIds": popular[:2]}}), 201)
    url = f"{AUD}/{audience['id']}/runs"
    for key, accepted in (("k", True), (uuid.uuid4().hex.ljust(120, "k"), True), ("", False),
                          (uuid.uuid4().hex.ljust(121, "k"), False)):
        resp = api.post(url, headers={**org.headers, "Idempotency-Key": key})
        assert (resp.status_code == 202) == accepted, (len(key), resp.text)
        assert _validator(doc, schema).is_valid(key) == accepted
        if accepted:  # free the audience for the next key
            _ok(api.delete(f"{url}/{resp.json()['data']['id']}", headers=org.headers))
        else:
            assert resp.json()["error"]["details"][0]["field"] == "Idempotency-Key"


NAMES = ["a", "", " ", "\t\n", "  a  ", "a b", "a" * 255, "a" * 256, " " + "a" * 255 + "\n", "\u3000" + "é" * 255,
         "a\tb", "a\x1fb", "\x1fa\x1f", "a\x7f", "a\x85", "\x85a", "a\u200bb", "a\x00b"]


def test_topic_list_names_are_refused_exactly_where_the_schema_says(
    api: TestClient, doc: dict[str, Any], loaded: Loaded, popular: list[int]
) -> None:
    update = _validator(doc, {"$ref": "#/components/schemas/TopicListUpdate"})
    create = _validator(doc, {"$ref": "#/components/schemas/TopicListCreate"})
    name = doc["components"]["schemas"]["TopicListCreate"]["properties"]["name"]
    assert name["minLength"] == 1 and name["pattern"]
    org = make_org(loaded)
    made = _ok(api.post("/v1/intent/topic-lists", headers=org.headers, json={"name": "x", "topicIds": popular[:1]}), 201)

    @given(st.one_of(st.sampled_from(NAMES), st.builds(
        lambda pad, core, n: pad + core * n + pad,
        st.sampled_from(["", " ", "\t", "\x1c", "\u2003"]), st.sampled_from(["a", "é", " ", "\x01", "\u200b"]),
        st.sampled_from([0, 1, 2, 253, 254, 255, 256]))))
    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def agree(value: str) -> None:
        resp = api.patch(f"/v1/intent/topic-lists/{made['id']}", headers=org.headers, json={"name": value})
        assert resp.status_code in (200, 400), resp.text
        assert update.is_valid({"name": value}) == (resp.status_code == 200), (repr(value), resp.text)
        assert create.is_valid({"name": value, "topicIds": popular[:1]}) == (resp.status_code == 200)

    agree()
    # Description and topics: just inside and just outside each limit.
    url = f"/v1/intent/topic-lists/{made['id']}"
    for body, accepted in (({"description": "d" * 2000}, True), ({"description": "d" * 2001}, False),
                           ({"topicIds": popular[:250]}, True), ({"topicIds": popular[:251]}, False),
                           ({"topicIds": popular[:1]}, True), ({"topicIds": []}, False),
                           ({"topicIds": [popular[0], popular[0]]}, False), ({"name": None}, False)):
        resp = api.patch(url, headers=org.headers, json=body)
        assert (resp.status_code == 200) == accepted == update.is_valid(body), (list(body), resp.text)


def test_audience_names_and_search_text_must_not_be_blank(api: TestClient, doc: dict[str, Any], things: Things) -> None:
    create = _validator(doc, {"$ref": "#/components/schemas/AudienceCreate"})
    for name, accepted in (("a", True), ("  a ", True), ("a" * 255, True), ("", False), ("   ", False),
                           ("\u3000\t", False), ("a" * 256, False)):
        body = {"name": name, "config": {"topicIds": things.topics[:1]}}
        resp = api.post(AUD, headers=things.org.headers, json=body)
        assert (resp.status_code == 201) == accepted == create.is_valid(body), (name, resp.text)
    q = _validator(doc, _param(doc, "GET", "/v1/intent/topics/search", "q")["schema"])
    for text, accepted in (("a", True), (" pay ", True), ("x" * 100, True), ("", False), ("  ", False),
                           ("x" * 101, False)):
        resp = api.get("/v1/intent/topics/search", params={"q": text})
        assert (resp.status_code == 200) == accepted == q.is_valid(text), (text, resp.text)


def test_site_urls_the_schema_refuses_are_refused(api: TestClient, doc: dict[str, Any]) -> None:
    """The pattern says what the URL rules say (scheme, no user name, no spaces); a URL it admits
    may still fail to parse (a port over 65535): the schema cannot say that."""
    schema = _validator(doc, {"$ref": "#/components/schemas/AnalyzeRequest"})
    rules = ["https://www.example.com/", " HTTP://Example.com\n", "http://example.com/@x", "http://bücher.de/",
             "https://example.com/?q=1#f", "http://[::1]:8080/x", "ftp://example.com/", "http://user:pw@example.com/",
             "http://example.com/a b", "http:/example.com", "http://example.com\\@evil.com", "http://a\x01b.com/",
             "mailto:someone@example.com", "http://x", "https://" + "a" * 2041]
    for url in [*rules, "http://example.com:99999/"]:
        accepted = MIN_URL <= len(url) <= MAX_URL and url_problem(url.strip()) is None
        assert not accepted or schema.is_valid({"url": url}), url
        if url in rules:
            assert schema.is_valid({"url": url}) == accepted, url
        if not accepted:  # refused before any fetch
            resp = api.post("/v1/intent/topics/analyze", json={"url": url})
            assert resp.status_code == 400 and resp.json()["error"]["details"][0]["field"] == "url", (url, resp.text)


def test_integral_numbers_are_integers_everywhere(api: TestClient, doc: dict[str, Any], things: Things) -> None:
    """JSON Schema's `integer` admits 93.0, so the server takes it as 93 (93.5, "93", true: 400)."""
    config = doc["components"]["schemas"]["ConfigIn"]["properties"]
    assert {"type": "integer", "minimum": 0, "maximum": 100} in config["minScore"]["anyOf"]
    h, topics = things.org.headers, things.topics
    preview = _validator(doc, {"$ref": "#/components/schemas/PreviewRequest"})
    hashes = set()
    for score, accepted in ((93, True), (93.0, True), (93.5, False), ("93", False), (True, False), (101.0, False)):
        body = {"topicIds": topics[:2], "minScore": score}
        resp = api.post(f"{AUD}/preview", headers=h, json=body)
        assert (resp.status_code == 200) == accepted == preview.is_valid(body), (score, resp.text)
        if accepted:
            hashes.add(resp.json()["data"]["configHash"])
    assert len(hashes) == 1
    ranged = {"topicIds": topics[:2], "filters": {"company.employeeCount": {"min": 10.0, "max": 5000.0}}}
    assert _ok(api.post(f"{AUD}/preview", headers=h, json=ranged))["normalizedConfig"]["filters"] == {
        "company.employeeCount": {"min": 10, "max": 5000}}
    made = _ok(api.post("/v1/intent/topic-lists", headers=h, json={"name": f"floats {uuid.uuid4().hex[:6]}",
                                                                    "topicIds": [float(topics[0])]}), 201)
    assert made["topicIds"] == [topics[0]]
    assert len(_ok(api.post("/v1/intent/topics/compare", json={"topicIds": [float(topics[0])], "days": 2.0}))) == 1
    queried = api.post(f"{AUD}/query", headers=h, json={"topicIds": topics[:2], "limit": 3.0, "minTopicOverlap": 1.0})
    assert queried.status_code == 200 and queried.json()["meta"]["count"] <= 3
    assert api.post(f"{AUD}/query", headers=h, json={"topicIds": topics[:2], "limit": "3"}).status_code == 400
    assert api.get(AUD, headers=h, params={"limit": "5.0"}).status_code == 200
