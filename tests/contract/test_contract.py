"""Contract tests: every G2 and G3 answer of the API against JSON Schemas (Draft 2020-12).

The schemas under `schemas/` are written from the contract documents: ORBIT_API.md (G3 docs, G2
snapshot), DECISIONS.md (which wins: envelope, errors, superset rule, slots, results/stats/exports)
and the published TypeScript SDK's type declarations (the G2 shapes: every declared field is
required, `T | null` may be null, `T` may not). Where G2 and G3 share a path, the answer must
satisfy both schemas, and requests are sent in both notations (G2 flat / G3 dotted filters).

`OPERATIONS` is the contract's operation list: it must equal the app's OpenAPI operations, and
every operation is called at least once with a valid request. Runs are driven with
`Worker.run_once()` (no embedded workers, no sleeping), site analysis with an app of our own that
may fetch a page served on loopback.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from orbit.app import create_app
from orbit.runs.worker import Worker
from orbit.settings import RunsSettings
from orbit.site_analysis.analyzer import SiteAnalyzer
from tests.conftest import SMALL_END, Loaded, OrgKey, make_org
from tests.site_analysis.conftest import ABOUT, HOME, PRICING, analysis_settings
from tests.site_analysis.sites import LoopbackOnly, SiteServer, page

pytestmark = pytest.mark.warehouse

SCHEMA_DIR = Path(__file__).parent / "schemas"
SCHEMA_BASE = "https://orbit.contract/schemas/"
MISSING = "00000000-0000-4000-8000-000000000000"
DAY = SMALL_END.isoformat()

A = "/v1/intent/audiences"
AUD = "/v1/intent/audiences/{audience_id}"
RUN = "/v1/intent/audiences/{audience_id}/runs/{run_id}"
HOOKS = "/v1/intent/webhooks"
HOOK = HOOKS + "/{webhook_id}"
SUPS = "/v1/intent/suppression-lists"
SUP = SUPS + "/{suppression_list_id}"

# The contract: every operation of the app and the schemas its answers are checked against
# (`envelope` = the G3 `{data, meta}` envelope; `error` = the error envelope; `g2_*` = SDK shapes).
OPERATIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/v1/intent/topics"): ("envelope", "g2_topic_inventory", "g3_topic_inventory"),
    ("GET", "/v1/intent/topics/facets"): ("envelope", "g2_topic_facets"),
    ("GET", "/v1/intent/topics/search"): ("envelope", "g2_topic_search", "error"),
    ("GET", "/v1/intent/topics/movers"): ("envelope", "g2_topic_movers"),
    ("GET", "/v1/intent/topics/{topicId}/trend"): ("envelope", "g2_topic_trend"),
    ("POST", "/v1/intent/topics/compare"): ("envelope", "g2_topic_compare"),
    ("POST", "/v1/intent/topics/analyze"): ("envelope", "g2_site_topics", "g3_site_analysis"),
    ("GET", "/v1/intent/site-topics"): ("g3_site_analysis_list",),
    ("GET", "/v1/intent/site-topics/{analysis_id}"): ("g2_site_topics", "g3_site_analysis"),
    ("GET", "/v1/intent/account"): ("ops_account",),
    ("POST", f"{A}/query"): ("envelope", "g2_query", "g2_query_materializing", "error"),
    ("GET", f"{AUD}/status"): ("envelope", "g2_status"),
    ("GET", f"{AUD}/results"): ("envelope", "g2_results", "g2_results_materializing", "error"),
    ("GET", f"{AUD}/stats"): ("envelope", "g2_stats"),
    ("POST", f"{AUD}/export"): ("envelope", "g2_export", "error"),
    ("GET", f"{A}/filters"): ("g3_filter_catalog", "g2_audience_filters"),
    ("POST", f"{A}/validate"): ("g3_validate",),
    ("POST", f"{A}/preview"): ("g3_preview", "g3_preview_g3_rows", "g2_preview", "error"),
    ("GET", A): ("g3_audience_list", "g2_audience_list", "error"),
    ("POST", A): ("g3_audience", "g2_audience_created", "error"),
    ("GET", AUD): ("g3_audience", "g2_audience_detail", "error"),
    ("PATCH", AUD): ("g3_audience", "g2_audience_updated", "error"),
    ("DELETE", AUD): ("g3_deleted", "g2_audience_deleted"),
    ("GET", "/v1/intent/topic-lists"): ("g3_topic_list_list",),
    ("POST", "/v1/intent/topic-lists"): ("g3_topic_list", "error"),
    ("GET", "/v1/intent/topic-lists/{topic_list_id}"): ("g3_topic_list",),
    ("PATCH", "/v1/intent/topic-lists/{topic_list_id}"): ("g3_topic_list",),
    ("DELETE", "/v1/intent/topic-lists/{topic_list_id}"): ("g3_deleted",),
    ("POST", f"{AUD}/runs"): ("g3_run", "error"),
    ("GET", f"{AUD}/runs"): ("g3_run_list", "g2_audience_runs"),
    ("GET", RUN): ("g3_run",),
    ("DELETE", RUN): ("g3_run", "error"),
    ("GET", f"{RUN}/results"): ("g3_run_results", "g3_run_results_pending", "error"),
    ("GET", f"{RUN}/stats"): ("g3_run_stats", "g3_run_stats_pending"),
    ("GET", f"{RUN}/results/{{hashed_email}}/explain"): ("g3_run_explain", "error"),
    ("GET", f"{RUN}/export.csv"): ("g3_csv_headers", "error"),
    ("GET", f"{RUN}/changes"): ("g3_run_changes", "error"),
    ("GET", f"{RUN}/accounts"): ("g3_run_accounts", "error"),
    ("GET", f"{RUN}/accounts.csv"): ("g3_accounts_csv_headers", "error"),
    ("GET", f"{RUN}/changes.csv"): ("g3_changes_csv_headers", "error"),
    ("POST", f"{RUN}/exports"): ("g3_stored_export", "error"),
    ("GET", f"{RUN}/exports"): ("g3_stored_export_list",),
    ("GET", f"{RUN}/exports/{{export_id}}"): ("g3_stored_export",),
    ("GET", "/v1/intent/exports/{export_id}/download"): ("g3_download_headers",),
    ("GET", HOOKS): ("g3_webhook_list",),
    ("POST", HOOKS): ("g3_webhook_secret", "error"),
    ("GET", HOOK): ("g3_webhook",),
    ("PATCH", HOOK): ("g3_webhook", "error"),
    ("DELETE", HOOK): ("g3_deleted",),
    ("POST", f"{HOOK}/rotate-secret"): ("g3_webhook_secret",),
    ("POST", f"{HOOK}/ping"): ("g3_webhook_delivery",),
    ("GET", f"{HOOK}/deliveries"): ("g3_webhook_delivery_list",),
    ("GET", f"{HOOK}/deliveries/{{delivery_id}}"): ("g3_webhook_delivery",),
    ("POST", f"{HOOK}/deliveries/{{delivery_id}}/replay"): ("g3_webhook_delivery",),
    ("GET", SUPS): ("g3_suppression_list_list",),
    ("POST", SUPS): ("g3_suppression_list", "error"),
    ("GET", SUP): ("g3_suppression_list",),
    ("DELETE", SUP): ("g3_deleted", "error"),
    ("POST", f"{SUP}/items"): ("g3_suppression_upload", "error"),
    ("DELETE", f"{SUP}/items"): ("g3_suppression_list",),
    ("GET", "/metrics"): ("ops_metrics_headers",),
    ("GET", "/healthz"): ("ops_health",),
    ("GET", "/readyz"): ("ops_health",),
}
EXERCISED: set[tuple[str, str]] = set()  # operations answered with a 2xx in this session


# --- schemas ------------------------------------------------------------------------------------


@cache
def registry() -> Registry:
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        resources.append((doc["$id"], Resource.from_contents(doc, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    assert (SCHEMA_DIR / f"{name}.json").is_file(), f"no schema {name}.json"
    return Draft202012Validator({"$ref": f"{SCHEMA_BASE}{name}.json"}, registry=registry())


def _short(text: str, limit: int = 220) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def problems(name: str, instance: Any) -> list[str]:
    """Every violation as `schema: $.path[*].field: message`, rows folded into `[*]`."""
    out: list[str] = []
    for err in validator(name).iter_errors(instance):
        leaves = [err]
        # anyOf/oneOf: say which branch came closest instead of dumping the instance
        while leaves[0].context:
            leaves = sorted(leaves[0].context, key=lambda e: -len(e.absolute_path))[:1]
        path = re.sub(r"\[\d+\]", "[*]", err.json_path)
        line = f"{name}.json: {path}: {_short(leaves[0].message)}"
        if line not in out:
            out.append(line)
    return out


def assert_schemas(instance: Any, *names: str, where: str = "") -> None:
    found = [p for n in names for p in problems(n, instance)]
    if found:
        shown = "\n  ".join(found[:40]) + (f"\n  ... and {len(found) - 40} more" if len(found) > 40 else "")
        pytest.fail(f"{where} does not match the contract:\n  {shown}", pytrace=False)


# --- calling the API ------------------------------------------------------------------------------


def assert_rejects(instance: Any, name: str, why: str, change: Any) -> None:
    """The schema must refuse `instance` once `change(copy)` made it off-contract (no vacuous schema)."""
    broken = json.loads(json.dumps(instance))
    change(broken)
    assert problems(name, broken), f"{name}.json accepts an answer where {why}"


def call(
    client: TestClient, method: str, template: str, *, status: int, schemas: tuple[str, ...] = (),
    headers_schema: str | None = None, path: dict[str, Any] | None = None, **kw: Any,
) -> httpx.Response:
    """One request to an operation of OPERATIONS; checks the status, the request id and the schemas."""
    op = (method, template)
    assert op in OPERATIONS, f"{op} is not in the contract's operation list"
    for name in (*schemas, *([headers_schema] if headers_schema else [])):
        assert name in OPERATIONS[op] or name in ("envelope", "error"), f"{name} is not listed for {op}"
    url = template.format(**(path or {}))
    resp = client.request(method, url, **kw)
    where = f"{method} {url} (HTTP {resp.status_code})"
    if resp.status_code != status:
        pytest.fail(f"{method} {url}: expected HTTP {status}, got {resp.status_code}: {_short(resp.text, 600)}",
                    pytrace=False)
    if 200 <= status < 300:
        EXERCISED.add(op)
    request_id = resp.headers.get("x-request-id")
    assert request_id, f"{where}: no X-Request-Id header"
    if schemas:
        body = resp.json()
        assert_schemas(body, *schemas, where=where)
        if isinstance(body, dict) and isinstance(body.get("meta"), dict) and "request_id" in body["meta"]:
            assert body["meta"]["request_id"] == request_id, f"{where}: meta.request_id is not X-Request-Id"
    if headers_schema:
        assert_schemas({k.lower(): v for k, v in resp.headers.items()}, headers_schema, where=f"{where} headers")
    return resp


def error(resp: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The error envelope of DECISIONS with this status and code; returns `error`."""
    where = f"{resp.request.method} {resp.request.url.path} (HTTP {resp.status_code})"
    try:
        body = resp.json()
    except ValueError:
        pytest.fail(f"{where}: not JSON: {_short(resp.text)}", pytrace=False)
    assert_schemas(body, "error", where=where)
    got = (resp.status_code, body["error"]["code"])
    assert got == (status, code), f"{where}: expected {status} {code}, got {got}: {body['error']['message']}"
    assert body["meta"]["request_id"] == resp.headers.get("x-request-id")
    return body["error"]  # type: ignore[no-any-return]


def fail_call(client: TestClient, method: str, template: str, *, status: int, code: str,
              path: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    assert (method, template) in OPERATIONS
    resp = client.request(method, template.format(**(path or {})), **kw)
    return error(resp, status, code)


def drain(client: TestClient, loaded: Loaded) -> None:
    """Run every due run now (as tests/legacy does)."""
    worker = Worker(loaded.wh, loaded.sessions, client.app.state.catalog.current, RunsSettings())  # type: ignore[attr-defined]
    while worker.run_once():
        pass


# --- shared state (one organization, audiences in both notations, finished runs) -----------------


@dataclass
class Vocab:
    seniorities: list[str]
    industries: list[str]
    values: dict[str, list[str]]  # catalogue key -> values, most common first


@pytest.fixture(scope="module")
def vocab(client: TestClient, org_a: OrgKey) -> Vocab:
    catalog = client.get(f"{A}/filters", headers=org_a.headers).json()["data"]
    values: dict[str, list[str]] = {}
    for group in catalog["groups"]:
        for f in group["filters"]:
            if f.get("values"):
                values[f["key"]] = [v["value"] for v in sorted(f["values"], key=lambda v: -v["count"])]
    return Vocab(values["role.seniority"][:3], values["company.industries"][:3], values)


@pytest.fixture(scope="module")
def org(loaded: Loaded) -> OrgKey:
    return make_org(loaded)


@pytest.fixture(scope="module")
def g3_written(popular: list[int], vocab: Vocab) -> dict[str, Any]:
    """A config in G3 notation (dotted filter keys)."""
    return {"topicIds": popular[:4], "minScore": 50,
            "filters": {"role.seniority": {"values": vocab.seniorities}, "contact.hasBusinessEmail": True}}


@pytest.fixture(scope="module")
def g2_written(popular: list[int], vocab: Vocab) -> dict[str, Any]:
    """A config in G2 notation (flat filter keys, 1..100 scores)."""
    return {"topicIds": popular[:4], "minScore": 50, "maxScore": 100,
            "filters": {"companyIndustry": vocab.industries, "hasBusinessEmail": True}}


def _create(client: TestClient, org: OrgKey, name: str, config: dict[str, Any], **extra: Any) -> httpx.Response:
    return call(client, "POST", A, status=201, headers=org.headers, json={"name": name, "config": config, **extra})


@pytest.fixture(scope="module")
def g3_created(client: TestClient, org: OrgKey, g3_written: dict[str, Any]) -> httpx.Response:
    return _create(client, org, "contract g3", g3_written)


@pytest.fixture(scope="module")
def g2_created(client: TestClient, org: OrgKey, g2_written: dict[str, Any]) -> httpx.Response:
    return _create(client, org, "contract g2", g2_written)


@dataclass
class Done:
    """A G3 audience with one completed manual run."""

    audience: dict[str, Any]
    queued: httpx.Response  # the 202 of POST …/runs
    run_id: str

    @property
    def path(self) -> dict[str, str]:
        return {"audience_id": self.audience["id"], "run_id": self.run_id}


@pytest.fixture(scope="module")
def done(client: TestClient, loaded: Loaded, org: OrgKey, g3_created: httpx.Response) -> Done:
    audience = g3_created.json()["data"]
    queued = call(client, "POST", f"{AUD}/runs", status=202, path={"audience_id": audience["id"]},
                  headers=org.headers)
    drain(client, loaded)
    return Done(audience, queued, queued.json()["data"]["id"])


@dataclass
class G2Ready:
    """A G2-notation audience materialized through G2 `query` with `audienceId`."""

    audience: dict[str, Any]
    materializing: httpx.Response  # the 202 of the first query


@pytest.fixture(scope="module")
def g2_ready(client: TestClient, loaded: Loaded, org: OrgKey, g2_created: httpx.Response) -> G2Ready:
    audience = g2_created.json()["data"]
    first = call(client, "POST", f"{A}/query", status=202, headers=org.headers, json={"audienceId": audience["id"]})
    drain(client, loaded)
    return G2Ready(audience, first)


# --- the contract itself ----------------------------------------------------------------------------


def test_schemas_are_valid_draft_2020_12() -> None:
    names = sorted(p.stem for p in SCHEMA_DIR.glob("*.json"))
    for name in names:
        doc = json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(doc)
        assert doc["$id"] == f"{SCHEMA_BASE}{name}.json"
        assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    used = {n for names_ in OPERATIONS.values() for n in names_} | {"envelope", "error"}
    helpers = {"common", "g3_config", "g2_audience_config", "g2_preview_sample", "g3_preview_sample",
               "g3_result_row"}
    assert set(names) == used | helpers, "every schema file is used by an operation (or is a shared part)"


def test_operations_match_openapi(client: TestClient) -> None:
    """A new endpoint without a contract here fails the suite (and a removed one too)."""
    resp = client.get("/openapi-intent.json")
    assert resp.status_code == 200
    ops = {(m.upper(), p) for p, item in resp.json()["paths"].items() for m in item
           if m in ("get", "post", "put", "patch", "delete")}
    assert ops == set(OPERATIONS), (
        f"in the app, not in the contract: {sorted(ops - set(OPERATIONS))}; "
        f"in the contract, not in the app: {sorted(set(OPERATIONS) - ops)}")


# --- topic discovery (public; G2 shapes in the G3 envelope) -----------------------------------------


@pytest.mark.parametrize("params", [{}, {"type": "b2b", "q": "software", "limit": 5}], ids=["all", "filtered"])
def test_browse_topics(client: TestClient, params: dict[str, Any]) -> None:
    resp = call(client, "GET", "/v1/intent/topics", status=200, params=params,
                schemas=("envelope", "g2_topic_inventory", "g3_topic_inventory"))
    meta = resp.json()["meta"]
    assert meta["filters"] == {"type": params.get("type"), "industry": None, "category": None, "q": params.get("q")}
    assert meta["count"] == len(resp.json()["data"])


def test_topic_facets(client: TestClient) -> None:
    call(client, "GET", "/v1/intent/topics/facets", status=200, schemas=("envelope", "g2_topic_facets"))


def test_search_topics(client: TestClient) -> None:
    resp = call(client, "GET", "/v1/intent/topics/search", status=200, params={"q": "software", "limit": 10},
                schemas=("envelope", "g2_topic_search"))
    assert resp.json()["data"], "a search for 'software' finds topics"


def test_topic_trend(client: TestClient, popular: list[int]) -> None:
    resp = call(client, "GET", "/v1/intent/topics/{topicId}/trend", status=200, path={"topicId": popular[0]},
                schemas=("envelope", "g2_topic_trend"))
    assert resp.json()["data"]


def test_compare_topics(client: TestClient, popular: list[int]) -> None:
    resp = call(client, "POST", "/v1/intent/topics/compare", status=200, json={"topicIds": popular[:3]},
                schemas=("envelope", "g2_topic_compare"))
    assert [s["topicId"] for s in resp.json()["data"]] == popular[:3]


@pytest.mark.parametrize("direction", ["up", "down"])
def test_topic_movers(client: TestClient, direction: str) -> None:
    resp = call(client, "GET", "/v1/intent/topics/movers", status=200, params={"direction": direction, "limit": 5},
                schemas=("envelope", "g2_topic_movers"))
    assert resp.json()["data"]


# --- site analysis and site topics (an app of our own that may fetch loopback pages) --------------


@dataclass
class Site:
    client: TestClient
    server: SiteServer


@pytest.fixture(scope="module")
def site(loaded: Loaded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    server = SiteServer({"/": page(HOME), "/about.html": page(ABOUT), "/pricing.html": page(PRICING)})
    settings = analysis_settings(tmp_path_factory.mktemp("contract-site"))
    app = create_app(settings, warehouse=loaded.wh, engine=loaded.engine)
    try:
        with TestClient(app) as c:
            app.state.site_analyzer = SiteAnalyzer(settings.site_analysis,
                                                   cache_dir=settings.data_dir / "site_analysis",
                                                   transport=LoopbackOnly())
            yield Site(c, server)
    finally:
        server.stop()


def test_analyze_site_and_site_topics(site: Site, loaded: Loaded) -> None:
    org = make_org(loaded)
    url = site.server.url("/")
    analyze = "/v1/intent/topics/analyze"
    schemas = ("envelope", "g2_site_topics", "g3_site_analysis")
    anonymous = call(site.client, "POST", analyze, status=200, json={"url": url}, schemas=schemas)
    assert anonymous.json()["data"]["id"] is None and anonymous.json()["data"]["topics"]
    stored = call(site.client, "POST", analyze, status=200, json={"url": url}, headers=org.headers, schemas=schemas)
    analysis_id = stored.json()["data"]["id"]
    assert analysis_id
    listed = call(site.client, "GET", "/v1/intent/site-topics", status=200, headers=org.headers,
                  schemas=("g3_site_analysis_list",))
    assert [a["id"] for a in listed.json()["data"]] == [analysis_id]
    call(site.client, "GET", "/v1/intent/site-topics/{analysis_id}", status=200, path={"analysis_id": analysis_id},
         headers=org.headers, schemas=("envelope", "g2_site_topics", "g3_site_analysis"))
    fail_call(site.client, "GET", "/v1/intent/site-topics/{analysis_id}", path={"analysis_id": MISSING},
              headers=org.headers, status=404, code="NOT_FOUND")


# --- filters, validate -----------------------------------------------------------------------------


def test_audience_filters_are_the_catalogue_and_the_g2_lists(client: TestClient, org_a: OrgKey) -> None:
    call(client, "GET", f"{A}/filters", status=200, headers=org_a.headers,
         schemas=("g3_filter_catalog", "g2_audience_filters"))


@pytest.mark.parametrize("notation", ["g3", "g2"])
def test_validate(client: TestClient, org_a: OrgKey, notation: str, g3_written: dict[str, Any],
                  g2_written: dict[str, Any]) -> None:
    written = g3_written if notation == "g3" else g2_written
    resp = call(client, "POST", f"{A}/validate", status=200, headers=org_a.headers, json=written,
                schemas=("g3_validate",))
    assert resp.json()["data"]["normalizedConfig"]["maxScore"] == 99


# --- preview (shared by G2 and G3: the row shape follows the request's notation) -----------------


def _preview(client: TestClient, org: OrgKey, body: dict[str, Any], params: dict[str, str] | None,
             expect: str) -> dict[str, Any]:
    schemas = ("g3_preview", "g2_preview") if expect == "g2" else ("g3_preview", "g3_preview_g3_rows")
    resp = call(client, "POST", f"{A}/preview", status=200, headers=org.headers, json=body, params=params,
                schemas=schemas)
    data: dict[str, Any] = resp.json()["data"]
    assert data["sample"], "the preview has sample rows to check (pick a broader config)"
    body = resp.json()
    if expect == "g2":
        assert_rejects(body, "g2_preview", "a G2 row's companyDomain is a string",
                       lambda b: b["data"]["sample"][0].update(companyDomain="acme.example"))
        assert_rejects(body, "g2_preview", "a G2 row's company is an object",
                       lambda b: b["data"]["sample"][0].update(company={"name": "x"}))
    else:
        assert_rejects(body, "g3_preview_g3_rows", "a G3 row lacks a G2 flat field",
                       lambda b: b["data"]["sample"][0].pop("intentScore"))
    assert_rejects(body, "g3_preview", "a sample row shows an e-mail",
                   lambda b: b["data"]["sample"][0].update(email="a@b.example"))
    return data


@pytest.mark.parametrize(("case", "expect"), [
    ("g2 flat filters", "g2"),
    ("g2 maxScore 100, no filters", "g2"),
    ("g3 body with ?shape=g2", "g2"),
    ("g3 dotted filters", "g3"),
    ("no filters, no maxScore", "g3"),
    ("g2 flat filters with ?shape=g3", "g3"),
])
def test_preview_rows_follow_the_notation(client: TestClient, org_a: OrgKey, popular: list[int], case: str,
                                          expect: str, g3_written: dict[str, Any],
                                          g2_written: dict[str, Any]) -> None:
    bodies: dict[str, tuple[dict[str, Any], dict[str, str] | None]] = {
        "g2 flat filters": (g2_written, None),
        "g2 maxScore 100, no filters": ({"topicIds": popular[:4], "minScore": 50, "maxScore": 100}, None),
        "g3 body with ?shape=g2": (g3_written, {"shape": "g2"}),
        "g3 dotted filters": (g3_written, None),
        "no filters, no maxScore": ({"topicIds": popular[:4], "minScore": 50}, None),
        "g2 flat filters with ?shape=g3": (g2_written, {"shape": "g3"}),
    }
    body, params = bodies[case]
    _preview(client, org_a, body, params, expect)


def _g2_filter_value(key: str, vocab: Vocab) -> Any:
    lists = {"companyIndustry": "company.industries", "seniority": "role.seniority", "companySize": "company.sizes",
             "department": "role.departments", "companyRevenueRange": "company.revenueRanges",
             "ageRange": "demographics.ageRanges"}
    single = {"state": "geography.states", "gender": "demographics.genders"}
    if key in lists:
        return vocab.values[lists[key]][:3]
    if key in single:
        return vocab.values[single[key]][0]
    return {"isB2b": "y", "jobTitle": "a", "companyName": "a", "companyDomain": None}.get(key, True)


@pytest.mark.parametrize("key", ["companyIndustry", "seniority", "companySize", "department", "state",
                                 "companyRevenueRange", "ageRange", "gender", "isB2b", "jobTitle",
                                 "hasBusinessEmail", "hasPersonalEmail", "hasLinkedin", "hasPhone",
                                 "companyDomain", "companyName"])
def test_preview_recognises_every_g2_filter_key(client: TestClient, org_a: OrgKey, popular: list[int],
                                                vocab: Vocab, key: str) -> None:
    """Decision 1: any one G2 flat key makes the request G2 notation (G2 sample rows)."""
    topics = {"topicIds": popular[:10], "minScore": 50}
    value = _g2_filter_value(key, vocab)
    if key == "companyDomain":  # an exact domain: one of a G3 sample's companies
        sample = client.post(f"{A}/preview", headers=org_a.headers, json=topics).json()["data"]["sample"]
        value = next(r["company"]["domain"] for r in sample
                     if isinstance(r.get("company"), dict) and r["company"].get("domain"))
    _preview(client, org_a, {**topics, "filters": {key: value}}, None, "g2")


# --- audiences, in both notations ---------------------------------------------------------------


def _assert_echo(config: dict[str, Any], written: dict[str, Any]) -> None:
    """Decision 3: `config` is what the client wrote, in its notation; no nulls (sourceUrl absent)."""
    for key, value in written.items():
        assert config.get(key) == value, f"config.{key}: expected {value!r} as written, got {config.get(key)!r}"
    nulls = sorted(k for k, v in config.items() if v is None)
    assert not nulls, f"config has null keys {nulls} (absent when unset)"


def test_create_audience_in_g3_notation(g3_created: httpx.Response, g3_written: dict[str, Any]) -> None:
    assert_schemas(g3_created.json(), "g3_audience", "g2_audience_created", where="POST audiences (G3 notation)")
    assert_rejects(g3_created.json(), "g3_audience", "config.sourceUrl is null",
                   lambda b: b["data"]["config"].update(sourceUrl=None))
    assert_rejects(g3_created.json(), "g3_audience", "normalizedConfig has a G2 flat key",
                   lambda b: b["data"]["normalizedConfig"]["filters"].update(seniority=["vp"]))
    data = g3_created.json()["data"]
    _assert_echo(data["config"], g3_written)
    assert sorted(data["normalizedConfig"]["filters"]) == ["contact.hasBusinessEmail", "role.seniority"]
    assert data["status"] == "draft"


def test_create_audience_in_g2_notation(g2_created: httpx.Response, g2_written: dict[str, Any]) -> None:
    assert_schemas(g2_created.json(), "g3_audience", "g2_audience_created", where="POST audiences (G2 notation)")
    data = g2_created.json()["data"]
    _assert_echo(data["config"], g2_written)
    normalized = data["normalizedConfig"]
    assert sorted(normalized["filters"]) == ["company.industries", "contact.hasBusinessEmail"]
    assert normalized["maxScore"] == 99


@pytest.mark.parametrize("notation", ["g3", "g2"])
def test_get_audience(client: TestClient, org: OrgKey, notation: str, g3_created: httpx.Response,
                      g2_created: httpx.Response, g3_written: dict[str, Any], g2_written: dict[str, Any]) -> None:
    created, written = (g3_created, g3_written) if notation == "g3" else (g2_created, g2_written)
    resp = call(client, "GET", AUD, status=200, path={"audience_id": created.json()["data"]["id"]},
                headers=org.headers, schemas=("g3_audience", "g2_audience_detail"))
    _assert_echo(resp.json()["data"]["config"], written)


def test_list_audiences(client: TestClient, org: OrgKey, g3_created: httpx.Response,
                        g2_created: httpx.Response) -> None:
    resp = call(client, "GET", A, status=200, headers=org.headers, schemas=("g3_audience_list", "g2_audience_list"))
    ids = {a["id"] for a in resp.json()["data"]}
    assert {g3_created.json()["data"]["id"], g2_created.json()["data"]["id"]} <= ids


@pytest.mark.parametrize("notation", ["g3", "g2"])
def test_patch_audience(client: TestClient, loaded: Loaded, popular: list[int], notation: str,
                        g3_written: dict[str, Any], g2_written: dict[str, Any]) -> None:
    org = make_org(loaded)
    written = g3_written if notation == "g3" else g2_written
    audience = _create(client, org, "to patch", written).json()["data"]
    path = {"audience_id": audience["id"]}
    schemas = ("g3_audience", "g2_audience_updated")
    renamed = call(client, "PATCH", AUD, status=200, path=path, headers=org.headers, json={"name": "renamed"},
                   schemas=schemas)
    _assert_echo(renamed.json()["data"]["config"], written)
    other = {**written, "topicIds": popular[1:3]}
    reconfigured = call(client, "PATCH", AUD, status=200, path=path, headers=org.headers, json={"config": other},
                        schemas=schemas)
    _assert_echo(reconfigured.json()["data"]["config"], other)
    paused = call(client, "PATCH", AUD, status=200, path=path, headers=org.headers, json={"status": "paused"},
                  schemas=schemas)
    assert paused.json()["data"]["status"] == "paused"


def test_delete_audience(client: TestClient, loaded: Loaded, g2_written: dict[str, Any]) -> None:
    org = make_org(loaded)
    audience = _create(client, org, "to delete", g2_written).json()["data"]
    path = {"audience_id": audience["id"]}
    resp = call(client, "DELETE", AUD, status=200, path=path, headers=org.headers,
                schemas=("g3_deleted", "g2_audience_deleted"))
    assert resp.json()["data"]["id"] == audience["id"]
    fail_call(client, "GET", AUD, path=path, headers=org.headers, status=404, code="NOT_FOUND")


# --- runs, results, stats, exports (G3) ------------------------------------------------------------


def test_queue_run(done: Done) -> None:
    assert_schemas(done.queued.json(), "g3_run", where="POST …/runs (HTTP 202)")
    run = done.queued.json()["data"]
    assert (run["status"], run["runType"], run["dataDate"]) == ("queued", "manual", DAY)


def test_list_runs(client: TestClient, org: OrgKey, done: Done) -> None:
    resp = call(client, "GET", f"{AUD}/runs", status=200, path={"audience_id": done.audience["id"]},
                headers=org.headers, schemas=("g3_run_list", "g2_audience_runs"))
    assert done.run_id in [r["id"] for r in resp.json()["data"]]


def test_get_run(client: TestClient, org: OrgKey, done: Done) -> None:
    resp = call(client, "GET", RUN, status=200, path=done.path, headers=org.headers, schemas=("g3_run",))
    assert resp.json()["data"]["status"] == "completed"


def test_run_results(client: TestClient, org: OrgKey, done: Done) -> None:
    resp = call(client, "GET", f"{RUN}/results", status=200, path=done.path, headers=org.headers,
                params={"limit": 200}, schemas=("g3_run_results",))
    assert resp.json()["data"]["results"], "the run has rows to check"


def test_run_explain(client: TestClient, org: OrgKey, done: Done) -> None:
    rows = client.get(RUN.format(**done.path) + "/results", headers=org.headers).json()["data"]["results"]
    resp = call(client, "GET", f"{RUN}/results/{{hashed_email}}/explain", status=200,
                path={**done.path, "hashed_email": rows[0]["hashedEmail"]}, headers=org.headers,
                schemas=("g3_run_explain",))
    assert resp.json()["data"]["rank"] == rows[0]["rank"]


def test_run_stats(client: TestClient, org: OrgKey, done: Done) -> None:
    call(client, "GET", f"{RUN}/stats", status=200, path=done.path, headers=org.headers, schemas=("g3_run_stats",))


def test_export_csv(client: TestClient, org: OrgKey, done: Done) -> None:
    resp = call(client, "GET", f"{RUN}/export.csv", status=200, path=done.path, headers=org.headers,
                headers_schema="g3_csv_headers")
    lines = resp.text.splitlines()
    assert len(lines) - 1 == int(resp.headers["x-export-result-count"]) >= 1


def test_run_changes(client: TestClient, loaded: Loaded, org: OrgKey, done: Done) -> None:
    """The first run has nothing to compare with (409); a second run of the same audience has."""
    fail_call(client, "GET", f"{RUN}/changes", path=done.path, headers=org.headers, status=409,
              code="NO_PREVIOUS_RUN", params={"kind": "new"})
    queued = call(client, "POST", f"{AUD}/runs", status=202, path={"audience_id": done.audience["id"]},
                  headers=org.headers)
    drain(client, loaded)
    path = {**done.path, "run_id": queued.json()["data"]["id"]}
    for kind in ("new", "dropped", "changed"):
        call(client, "GET", f"{RUN}/changes", status=200, path=path, headers=org.headers,
             params={"kind": kind, "minScoreChange": 1}, schemas=("g3_run_changes",))
    resp = call(client, "GET", f"{RUN}/changes.csv", status=200, path=path, headers=org.headers,
                headers_schema="g3_changes_csv_headers")
    assert resp.headers["x-changes-previous-run-id"] == done.run_id


def test_run_accounts(client: TestClient, org: OrgKey, done: Done) -> None:
    resp = call(client, "GET", f"{RUN}/accounts", status=200, path=done.path, headers=org.headers,
                params={"limit": 20}, schemas=("g3_run_accounts",))
    assert resp.json()["data"]["accounts"], "the run has accounts to check"
    call(client, "GET", f"{RUN}/accounts.csv", status=200, path=done.path, headers=org.headers,
         headers_schema="g3_accounts_csv_headers")


def test_stored_exports(client: TestClient, org: OrgKey, done: Done) -> None:
    created = call(client, "POST", f"{RUN}/exports", status=201, path=done.path, headers=org.headers,
                   schemas=("g3_stored_export",))
    reused = call(client, "POST", f"{RUN}/exports", status=200, path=done.path, headers=org.headers,
                  schemas=("g3_stored_export",))
    export_id = created.json()["data"]["export"]["id"]
    assert reused.json()["data"]["export"]["id"] == export_id
    listed = call(client, "GET", f"{RUN}/exports", status=200, path=done.path, headers=org.headers,
                  schemas=("g3_stored_export_list",))
    assert [e["id"] for e in listed.json()["data"]] == [export_id]
    got = call(client, "GET", f"{RUN}/exports/{{export_id}}", status=200, path={**done.path, "export_id": export_id},
               headers=org.headers, schemas=("g3_stored_export",))
    url = urlsplit(got.json()["data"]["downloadUrl"])
    match = re.fullmatch(r"/v1/intent/exports/([^/]+)/download", url.path)
    assert match, f"a local export downloads through the API: {url.path}"
    params = dict(p.split("=", 1) for p in url.query.split("&") if p)
    call(client, "GET", "/v1/intent/exports/{export_id}/download", status=200, path={"export_id": match.group(1)},
         params=params, headers_schema="g3_download_headers")
    # Ad-platform upload files (docs/ad_platforms.md): the same answer, their own exportType.
    for platform in ("linkedin", "google_ads", "meta"):
        made = call(client, "POST", f"{RUN}/exports", status=201, path=done.path, headers=org.headers,
                    json={"exportType": platform}, schemas=("g3_stored_export",))
        assert made.json()["data"]["export"]["exportType"] == platform
    bad = call(client, "POST", f"{RUN}/exports", status=400, path=done.path, headers=org.headers,
               json={"exportType": "tiktok"}, schemas=("error",))
    error(bad, 400, "VALIDATION_ERROR")


def test_pending_and_finished_run_states(client: TestClient, loaded: Loaded, g3_written: dict[str, Any]) -> None:
    """202 while queued; 409 RUN_IN_PROGRESS / RUN_NOT_COMPLETED / RUN_NOT_CANCELLABLE; cancel."""
    org = make_org(loaded)
    audience = _create(client, org, "pending", g3_written).json()["data"]
    queued = call(client, "POST", f"{AUD}/runs", status=202, path={"audience_id": audience["id"]},
                  headers=org.headers, schemas=("g3_run",))
    path = {"audience_id": audience["id"], "run_id": queued.json()["data"]["id"]}
    call(client, "GET", f"{RUN}/results", status=202, path=path, headers=org.headers,
         schemas=("g3_run_results_pending",))
    call(client, "GET", f"{RUN}/stats", status=202, path=path, headers=org.headers,
         schemas=("g3_run_stats_pending",))
    fail_call(client, "GET", f"{RUN}/export.csv", path=path, headers=org.headers, status=409,
              code="RUN_NOT_COMPLETED")
    details = fail_call(client, "POST", f"{AUD}/runs", path=path, headers=org.headers, status=409,
                        code="RUN_IN_PROGRESS")["details"]
    assert details["runId"] == path["run_id"]
    cancelled = call(client, "DELETE", RUN, status=200, path=path, headers=org.headers, schemas=("g3_run",))
    assert cancelled.json()["data"]["status"] == "cancelled"
    fail_call(client, "DELETE", RUN, path=path, headers=org.headers, status=409, code="RUN_NOT_CANCELLABLE")
    fail_call(client, "GET", f"{RUN}/results", path=path, headers=org.headers, status=409, code="RUN_NOT_COMPLETED")


def test_idempotent_queue(client: TestClient, loaded: Loaded, g3_written: dict[str, Any]) -> None:
    org = make_org(loaded)
    first, second = (_create(client, org, f"idem {i}", g3_written).json()["data"] for i in (1, 2))
    key = {"Idempotency-Key": "contract-key-1", **org.headers}
    made = call(client, "POST", f"{AUD}/runs", status=202, path={"audience_id": first["id"]}, headers=key,
                schemas=("g3_run",))
    again = call(client, "POST", f"{AUD}/runs", status=200, path={"audience_id": first["id"]}, headers=key,
                 schemas=("g3_run",))
    assert again.json()["data"]["id"] == made.json()["data"]["id"]
    assert again.json()["data"]["idempotencyKey"] == "contract-key-1"
    fail_call(client, "POST", f"{AUD}/runs", path={"audience_id": second["id"]}, headers=key, status=409,
              code="IDEMPOTENCY_CONFLICT")
    call(client, "DELETE", RUN, status=200, path={"audience_id": first["id"], "run_id": made.json()["data"]["id"]},
         headers=org.headers, schemas=("g3_run",))


# --- G2 legacy materialization (thin adapters over runs) ------------------------------------------


def test_g2_query_with_audience_id_materializes(g2_ready: G2Ready) -> None:
    assert_schemas(g2_ready.materializing.json(), "envelope", "g2_query_materializing",
                   where="POST audiences/query (HTTP 202)")


def test_g2_query_with_audience_id_serves_rows(client: TestClient, org: OrgKey, g2_ready: G2Ready) -> None:
    resp = call(client, "POST", f"{A}/query", status=200, headers=org.headers,
                json={"audienceId": g2_ready.audience["id"], "limit": 100}, schemas=("envelope", "g2_query"))
    assert resp.json()["data"], "the materialization has rows to check"


@pytest.mark.parametrize("notation", ["g2", "g3"])
def test_g2_adhoc_query(client: TestClient, org: OrgKey, notation: str, g3_written: dict[str, Any],
                        g2_written: dict[str, Any]) -> None:
    body = {**(g2_written if notation == "g2" else g3_written), "limit": 100}
    resp = call(client, "POST", f"{A}/query", status=200, headers=org.headers, json=body,
                schemas=("envelope", "g2_query"))
    assert resp.json()["data"], "the query has rows to check"


def test_g2_status_ready(client: TestClient, org: OrgKey, g2_ready: G2Ready) -> None:
    resp = call(client, "GET", f"{AUD}/status", status=200, path={"audience_id": g2_ready.audience["id"]},
                headers=org.headers, schemas=("envelope", "g2_status"))
    assert resp.json()["data"]["status"] == "ready"


def test_g2_results(client: TestClient, org: OrgKey, g2_ready: G2Ready) -> None:
    resp = call(client, "GET", f"{AUD}/results", status=200, path={"audience_id": g2_ready.audience["id"]},
                headers=org.headers, params={"limit": 100}, schemas=("envelope", "g2_results"))
    assert resp.json()["data"], "the materialization has rows to check"
    body = resp.json()
    assert_rejects(body, "g2_results", "a row's email is null", lambda b: b["data"][0].update(email=None))
    assert_rejects(body, "g2_results", "a row lacks photoUrl", lambda b: b["data"][0].pop("photoUrl"))
    revenue_null = json.loads(json.dumps(body))
    revenue_null["data"][0]["companyRevenue"] = None
    assert not problems("g2_results", revenue_null), "companyRevenue may be null (decided)"


def test_g2_stats(client: TestClient, org: OrgKey, g2_ready: G2Ready) -> None:
    call(client, "GET", f"{AUD}/stats", status=200, path={"audience_id": g2_ready.audience["id"]},
         headers=org.headers, params={"date": DAY}, schemas=("envelope", "g2_stats"))


def test_g2_export(client: TestClient, org: OrgKey, g2_ready: G2Ready) -> None:
    resp = call(client, "POST", f"{AUD}/export", status=200, path={"audience_id": g2_ready.audience["id"]},
                headers=org.headers, schemas=("envelope", "g2_export"))
    assert resp.json()["data"]["dataDate"] == DAY


def test_g2_status_none_for_a_draft(client: TestClient, loaded: Loaded, g2_written: dict[str, Any]) -> None:
    org = make_org(loaded)
    audience = _create(client, org, "never run", g2_written).json()["data"]
    resp = call(client, "GET", f"{AUD}/status", status=200, path={"audience_id": audience["id"]},
                headers=org.headers, schemas=("envelope", "g2_status"))
    assert resp.json()["data"]["status"] == "none"


@pytest.mark.parametrize("how", ["created active", "activated by PATCH"])
def test_activation_materializes_at_once(client: TestClient, loaded: Loaded, g2_written: dict[str, Any],
                                         how: str) -> None:
    """Decision 4: an active audience is queued at once: `materializing` (never `none`), results
    202 `materializing` (not 404), then `ready` and rows once the worker ran."""
    org = make_org(loaded)
    if how == "created active":
        audience = _create(client, org, "active at once", g2_written, status="active").json()["data"]
    else:
        audience = _create(client, org, "activated", g2_written).json()["data"]
        call(client, "PATCH", AUD, status=200, path={"audience_id": audience["id"]}, headers=org.headers,
             json={"status": "active"}, schemas=("g3_audience", "g2_audience_updated"))
    path = {"audience_id": audience["id"]}
    status = call(client, "GET", f"{AUD}/status", status=200, path=path, headers=org.headers,
                  schemas=("envelope", "g2_status")).json()["data"]
    assert (status["status"], status["dataDate"]) == ("materializing", DAY), f"status of an active audience: {status}"
    assert status["runId"], "the queued run is named"
    call(client, "GET", f"{AUD}/results", status=202, path=path, headers=org.headers,
         schemas=("envelope", "g2_results_materializing"))
    drain(client, loaded)
    ready = call(client, "GET", f"{AUD}/status", status=200, path=path, headers=org.headers,
                 schemas=("envelope", "g2_status")).json()["data"]
    assert ready["status"] == "ready" and ready["runId"] == status["runId"]
    call(client, "GET", f"{AUD}/results", status=200, path=path, headers=org.headers,
         schemas=("envelope", "g2_results"))


# --- saved topic lists ----------------------------------------------------------------------------


def test_topic_lists(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    base = "/v1/intent/topic-lists"
    one = f"{base}/{{topic_list_id}}"
    created = call(client, "POST", base, status=201, headers=org.headers,
                   json={"name": "contract list", "description": "d", "topicIds": popular[:3]},
                   schemas=("g3_topic_list",))
    path = {"topic_list_id": created.json()["data"]["id"]}
    fail_call(client, "POST", base, headers=org.headers, json={"name": "contract list", "topicIds": popular[:1]},
              status=409, code="CONFLICT")
    call(client, "GET", base, status=200, headers=org.headers, schemas=("g3_topic_list_list",))
    call(client, "GET", one, status=200, path=path, headers=org.headers, schemas=("g3_topic_list",))
    call(client, "PATCH", one, status=200, path=path, headers=org.headers, json={"topicIds": popular[3:5]},
         schemas=("g3_topic_list",))
    call(client, "DELETE", one, status=200, path=path, headers=org.headers, schemas=("g3_deleted",))


# --- webhooks ---------------------------------------------------------------------------------------


def test_webhooks(client: TestClient, loaded: Loaded) -> None:
    org = make_org(loaded)
    body = {"url": "http://127.0.0.1:9/contract", "events": ["run.completed", "export.completed"]}
    created = call(client, "POST", HOOKS, status=201, headers=org.headers, json=body, schemas=("g3_webhook_secret",))
    path = {"webhook_id": created.json()["data"]["endpoint"]["id"]}
    fail_call(client, "POST", HOOKS, headers=org.headers, json={**body, "events": ["run.exploded"]},
              status=400, code="VALIDATION_ERROR")
    call(client, "GET", HOOKS, status=200, headers=org.headers, schemas=("g3_webhook_list",))
    call(client, "GET", HOOK, status=200, path=path, headers=org.headers, schemas=("g3_webhook",))
    call(client, "PATCH", HOOK, status=200, path=path, headers=org.headers, json={"enabled": False},
         schemas=("g3_webhook",))
    call(client, "POST", f"{HOOK}/rotate-secret", status=200, path=path, headers=org.headers,
         schemas=("g3_webhook_secret",))
    ping = call(client, "POST", f"{HOOK}/ping", status=202, path=path, headers=org.headers,
                schemas=("g3_webhook_delivery",))
    one = {**path, "delivery_id": ping.json()["data"]["id"]}
    call(client, "GET", f"{HOOK}/deliveries", status=200, path=path, headers=org.headers,
         schemas=("g3_webhook_delivery_list",))
    got = call(client, "GET", f"{HOOK}/deliveries/{{delivery_id}}", status=200, path=one, headers=org.headers,
               schemas=("g3_webhook_delivery",))
    assert got.json()["data"]["event"]["type"] == "webhook.ping"
    call(client, "POST", f"{HOOK}/deliveries/{{delivery_id}}/replay", status=202, path=one, headers=org.headers,
         schemas=("g3_webhook_delivery",))
    call(client, "DELETE", HOOK, status=200, path=path, headers=org.headers, schemas=("g3_deleted",))


# --- suppression lists ------------------------------------------------------------------------------


def test_suppression_lists(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    made = call(client, "POST", SUPS, status=201, headers=org.headers, json={"name": "contract"},
                schemas=("g3_suppression_list",))
    path = {"suppression_list_id": made.json()["data"]["id"]}
    fail_call(client, "POST", SUPS, headers=org.headers, json={"name": "contract"}, status=409, code="CONFLICT")
    csv = "email,name\nann@acme.com,Ann\nnot-an-address,Bob\n"
    up = call(client, "POST", f"{SUP}/items", status=200, path=path, headers={**org.headers, "Content-Type": "text/csv"},
              content=csv, schemas=("g3_suppression_upload",))
    assert (up.json()["data"]["accepted"], up.json()["data"]["rejected"]) == (1, 1)
    call(client, "POST", f"{SUP}/items", status=200, path=path, headers=org.headers,
         json={"kind": "domain", "items": ["acme.com"]}, schemas=("g3_suppression_upload",))
    fail_call(client, "POST", f"{SUP}/items", path=path, headers={**org.headers, "Content-Type": "text/csv"},
              content="phone\n1\n", status=400, code="VALIDATION_ERROR")
    call(client, "GET", SUPS, status=200, headers=org.headers, schemas=("g3_suppression_list_list",))
    call(client, "GET", SUP, status=200, path=path, headers=org.headers, schemas=("g3_suppression_list",))
    body = {"name": "suppressed", "config": {"topicIds": popular[:2], "suppressionListIds": [path["suppression_list_id"]]}}
    audience = call(client, "POST", A, status=201, headers=org.headers, json=body, schemas=("g3_audience",))
    fail_call(client, "DELETE", SUP, path=path, headers=org.headers, status=409, code="CONFLICT")
    call(client, "DELETE", AUD, status=200, path={"audience_id": audience.json()["data"]["id"]}, headers=org.headers,
         schemas=("g3_deleted",))
    call(client, "DELETE", f"{SUP}/items", status=200, path=path, headers=org.headers, schemas=("g3_suppression_list",))
    call(client, "DELETE", SUP, status=200, path=path, headers=org.headers, schemas=("g3_deleted",))


# --- account and operations -------------------------------------------------------------------------


def test_account(client: TestClient, org_a: OrgKey) -> None:
    resp = call(client, "GET", "/v1/intent/account", status=200, headers=org_a.headers, schemas=("ops_account",))
    assert resp.json()["data"]["organization"]["id"] == org_a.id


def test_healthz(client: TestClient) -> None:
    call(client, "GET", "/healthz", status=200, schemas=("ops_health",))


def test_readyz(client: TestClient) -> None:
    # The topic index is built in the background at startup: wait for that build (no sleeping).
    snap = client.app.state.catalog.current()  # type: ignore[attr-defined]
    client.app.state.site_analyzer.index(snap.inventory, str(snap.stamp.topics_version))  # type: ignore[attr-defined]
    resp = call(client, "GET", "/readyz", status=200, schemas=("ops_health",))
    assert resp.json()["data"]["status"] == "ready"


def test_metrics(client: TestClient) -> None:
    resp = call(client, "GET", "/metrics", status=200, headers_schema="ops_metrics_headers")
    assert "# HELP" in resp.text


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "template", "kw", "field"), [
    ("GET", "/v1/intent/topics/search", {"params": {"q": "crm", "limit": 999}}, "limit"),
    ("GET", A, {"params": {"limit": 0}}, "limit"),
    ("POST", f"{A}/preview", {"json": {"topicIds": []}}, "topicIds"),
    ("POST", A, {"json": {"name": "x", "config": {"topicIds": [1], "filters": {"bogus": True}}}}, "bogus"),
    ("POST", f"{A}/query", {"json": {"topicIds": [1], "limit": 101}}, "limit"),
], ids=["search-limit", "list-limit", "preview-topicIds", "create-unknown-filter", "query-limit"])
def test_validation_errors_name_the_field(client: TestClient, org_a: OrgKey, method: str, template: str,
                                          kw: dict[str, Any], field: str) -> None:
    """Decision 6: 400 VALIDATION_ERROR, details [{field, message}], and the message names the field."""
    err = fail_call(client, method, template, headers=org_a.headers, status=400, code="VALIDATION_ERROR", **kw)
    assert any(field in d["field"] for d in err["details"]), f"details name {field!r}: {err['details']}"
    assert field in err["message"], f"error.message names the field {field!r}: got {err['message']!r}"


def test_error_schema_refuses_framework_bodies() -> None:
    meta = {"timestamp": "2026-11-20T10:00:00.000Z", "request_id": "req_1"}
    assert problems("error", {"detail": "Not Found"})
    assert problems("error", {"error": {"code": "NOT_FOUND", "message": "no"}, "meta": meta}), "details is required"
    assert problems("error", {"error": {"code": "VALIDATION_ERROR", "message": "bad", "details": {}}, "meta": meta})
    assert not problems("error", {"error": {"code": "VALIDATION_ERROR", "message": "limit: too big",
                                            "details": [{"field": "limit", "message": "too big"}]}, "meta": meta})


def test_invalid_json(client: TestClient, org_a: OrgKey) -> None:
    fail_call(client, "POST", f"{A}/preview", headers={**org_a.headers, "Content-Type": "application/json"},
              content=b"{", status=400, code="INVALID_JSON")


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "sk_not_a_key"}], ids=["none", "bad-key"])
def test_credentials_are_required(client: TestClient, headers: dict[str, str]) -> None:
    fail_call(client, "GET", A, headers=headers, status=401, code="UNAUTHORIZED")
    fail_call(client, "POST", f"{A}/query", headers=headers, json={"audienceId": MISSING}, status=401,
              code="UNAUTHORIZED")


def test_not_found_and_method_not_allowed(client: TestClient, org_a: OrgKey) -> None:
    fail_call(client, "GET", AUD, path={"audience_id": MISSING}, headers=org_a.headers, status=404, code="NOT_FOUND")
    fail_call(client, "GET", f"{AUD}/status", path={"audience_id": MISSING}, headers=org_a.headers, status=404,
              code="NOT_FOUND")
    error(client.get("/v1/intent/no-such-path"), 404, "NOT_FOUND")
    error(client.delete("/v1/intent/topics/facets"), 405, "METHOD_NOT_ALLOWED")


def test_slots_full(client: TestClient, loaded: Loaded, g2_written: dict[str, Any]) -> None:
    org = make_org(loaded, slots=1)
    _create(client, org, "takes the slot", g2_written, status="active")
    fail_call(client, "POST", A, headers=org.headers, json={"name": "no slot", "config": g2_written, "status": "active"},
              status=403, code="SLOTS_FULL")
    draft = _create(client, org, "draft", g2_written).json()["data"]
    fail_call(client, "PATCH", AUD, path={"audience_id": draft["id"]}, headers=org.headers,
              json={"status": "active"}, status=403, code="SLOTS_FULL")


@dataclass
class NoPlan:
    """An organization with 0 audience slots, a draft audience and a completed manual run."""

    org: OrgKey
    audience: dict[str, Any]
    run_id: str | None


@pytest.fixture(scope="module")
def no_plan(client: TestClient, loaded: Loaded, g2_written: dict[str, Any]) -> NoPlan:
    org = make_org(loaded, slots=0)
    audience = _create(client, org, "no plan", g2_written).json()["data"]
    queued = client.post(f"{A}/{audience['id']}/runs", headers=org.headers)
    run_id = queued.json()["data"]["id"] if queued.status_code == 202 else None
    drain(client, loaded)
    return NoPlan(org, audience, run_id)


@pytest.mark.parametrize("target", ["run results", "export.csv", "stored export", "g2 query audienceId",
                                    "g2 query ad hoc", "g2 results", "g2 export"])
def test_no_audience_plan_gets_no_people(client: TestClient, no_plan: NoPlan, g2_written: dict[str, Any],
                                         target: str) -> None:
    """Decision 7: with 0 slots, every path with unmasked people rows answers 403 FORBIDDEN."""
    aud = {"audience_id": no_plan.audience["id"]}
    run = {**aud, "run_id": no_plan.run_id or MISSING}
    h = no_plan.org.headers
    calls: dict[str, tuple[str, str, dict[str, Any]]] = {
        "run results": ("GET", f"{RUN}/results", {"path": run}),
        "export.csv": ("GET", f"{RUN}/export.csv", {"path": run}),
        "stored export": ("POST", f"{RUN}/exports", {"path": run}),
        "g2 query audienceId": ("POST", f"{A}/query", {"json": {"audienceId": aud["audience_id"]}}),
        "g2 query ad hoc": ("POST", f"{A}/query", {"json": g2_written}),
        "g2 results": ("GET", f"{AUD}/results", {"path": aud}),
        "g2 export": ("POST", f"{AUD}/export", {"path": aud}),
    }
    method, template, kw = calls[target]
    if template.startswith(RUN):
        assert no_plan.run_id, "a manual run could be queued for the audience of an organization with 0 slots"
    fail_call(client, method, template, headers=h, status=403, code="FORBIDDEN", **kw)


def test_no_audience_plan_still_previews_masked(client: TestClient, no_plan: NoPlan, g3_written: dict[str, Any],
                                                g2_written: dict[str, Any]) -> None:
    _preview(client, no_plan.org, g3_written, None, "g3")
    _preview(client, no_plan.org, g2_written, None, "g2")


# --- last: coverage ------------------------------------------------------------------------------


def test_every_operation_was_exercised(request: pytest.FixtureRequest) -> None:
    """Every operation of the contract got a 2xx answer to a valid request in this module (an
    operation whose own test failed before its 2xx shows up here too)."""
    if hasattr(request.config, "workerinput"):
        pytest.skip("the module's tests are split across pytest-xdist workers")
    module = sys.modules[__name__]
    ran = [i for i in request.session.items if getattr(i, "module", None) is module]
    tests = [n for n in dir(module) if n.startswith("test_") and n != "test_every_operation_was_exercised"]
    if {i.originalname for i in ran if isinstance(i, pytest.Function)} < set(tests):
        pytest.skip("meaningful only when the whole module runs")
    missing = sorted(set(OPERATIONS) - EXERCISED)
    assert not missing, f"operations never answered 2xx to a valid request: {missing}"
