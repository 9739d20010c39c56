"""Site analysis and site topics over HTTP, against sites served from 127.0.0.1."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from orbit.metadata.models import SiteAnalysis
from tests.conftest import Loaded, make_org
from tests.isolation import Call, assert_isolated
from tests.site_analysis.conftest import HOME, Api
from tests.site_analysis.sites import MIB, Route, free_port, page, redirect

pytestmark = pytest.mark.warehouse

ANALYZE = "/v1/intent/topics/analyze"
HISTORY = "/v1/intent/site-topics"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
FIELDS = {"id", "url", "finalUrl", "company", "summary", "keywords", "topics", "confidence", "contentHash",
          "analyzedAt", "createdAt"}
TOPIC_FIELDS = {"topicId", "topicName", "type", "industry", "category", "similarity", "matchedKeyword", "evidence"}


def ok(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    assert set(body) == {"data", "meta"} and body["meta"]["request_id"] == resp.headers["x-request-id"]
    return body


def error(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error", "meta"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def stored_rows(loaded: Loaded) -> int:
    with loaded.sessions() as s:
        return s.scalar(select(func.count()).select_from(SiteAnalysis)) or 0


def analyze(api: Api, path: str = "/", **kw: Any) -> Any:
    return api.client.post(ANALYZE, json={"url": api.site.url(path)}, **kw)


# --- analysis --------------------------------------------------------------------------------


def test_analyze_answers_company_summary_keywords_and_ranked_topics(api: Api) -> None:
    body = ok(analyze(api))
    data = body["data"]
    assert set(data) == FIELDS
    assert data["company"] == "Acme CRM"
    assert data["summary"].startswith("Acme CRM helps sales teams manage leads")
    assert data["url"] == data["finalUrl"] == api.site.url("/")
    assert data["id"] is None and data["createdAt"] is None and TIMESTAMP.match(data["analyzedAt"])
    assert re.fullmatch(r"[0-9a-f]{64}", data["contentHash"])
    assert "crm" in [k.lower() for k in data["keywords"]]
    topics = data["topics"]
    assert 1 <= len(topics) <= 20 and all(set(t) == TOPIC_FIELDS for t in topics)
    scores = [t["similarity"] for t in topics]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    names = [t["topicName"] for t in topics]
    assert "CRM Software" in names[:3]
    crm = topics[names.index("CRM Software")]
    # Explained by the page's own words for it: its name, abbreviation or a keyword.
    assert crm["matchedKeyword"].lower() in ("crm", "customer relationship management", "crm software")
    assert crm["type"] == "b2b" and crm["industry"] == "Sales"
    assert {"Sales Forecasting", "Lead Management Software"} & set(names[:10])
    assert data["confidence"] == "high"
    assert "crm" in crm["evidence"].lower()  # the passage of the page that matched
    # The home page and its same-site about and pricing pages were read; the partner link was not.
    assert {"/", "/about.html", "/pricing.html"} <= set(api.site.requests)


def test_same_content_gets_the_same_answer_from_the_cache(api: Api) -> None:
    first = ok(analyze(api))
    hits = api.analyzer.cache_hits
    second = ok(analyze(api))
    assert second["meta"]["cache"] == "hit" and api.analyzer.cache_hits == hits + 1
    assert {k: v for k, v in second["data"].items() if k != "analyzedAt"} == {
        k: v for k, v in first["data"].items() if k != "analyzedAt"
    }


def test_changed_content_is_analyzed_again(api: Api) -> None:
    api.site.routes["/changing"] = page(HOME)
    before = ok(analyze(api, "/changing"))
    api.site.routes["/changing"] = page(HOME.replace("Sales forecasting", "Sales forecasting and quota planning"))
    after = ok(analyze(api, "/changing"))
    assert after["meta"]["cache"] == "miss"
    assert after["data"]["contentHash"] != before["data"]["contentHash"]


def test_anonymous_analyses_are_not_stored(api: Api, loaded: Loaded) -> None:
    before = stored_rows(loaded)
    ok(analyze(api))
    assert stored_rows(loaded) == before


def test_analyses_with_credentials_are_kept_newest_first(api: Api, loaded: Loaded) -> None:
    org = make_org(loaded)
    api.site.routes["/second"] = page(HOME.replace("Acme CRM", "Beta CRM"))
    first = ok(analyze(api, headers=org.headers))["data"]
    second = ok(analyze(api, "/second", headers=org.headers))["data"]
    assert first["id"] and TIMESTAMP.match(first["createdAt"]) and first["analyzedAt"] == first["createdAt"]
    listed = ok(api.client.get(HISTORY, headers=org.headers))
    assert [x["id"] for x in listed["data"]] == [second["id"], first["id"]]
    assert {k: listed["meta"][k] for k in ("total", "limit", "offset", "hasMore")} == {
        "total": 2, "limit": 20, "offset": 0, "hasMore": False,
    }
    assert listed["data"][1] == first
    assert ok(api.client.get(f"{HISTORY}/{first['id']}", headers=org.headers))["data"] == first
    paged = ok(api.client.get(HISTORY, headers=org.headers, params={"limit": 1, "offset": 1}))
    assert [x["id"] for x in paged["data"]] == [first["id"]] and paged["meta"]["hasMore"] is False


def test_site_topics_need_credentials(api: Api) -> None:
    error(api.client.get(HISTORY), 401, "UNAUTHORIZED")
    error(api.client.get(f"{HISTORY}/{uuid.uuid4()}"), 401, "UNAUTHORIZED")


def test_another_organizations_analysis_is_not_found(api: Api, loaded: Loaded) -> None:
    owner, other = make_org(loaded), make_org(loaded)
    stored = ok(analyze(api, headers=owner.headers))["data"]
    assert_isolated(
        api.client, owner=owner.headers, other=other.headers, read_url=f"{HISTORY}/{stored['id']}",
        calls=[Call("GET", f"{HISTORY}/{stored['id']}")], object_id=stored["id"], missing_id=str(uuid.uuid4()),
    )
    assert ok(api.client.get(HISTORY, headers=other.headers))["data"] == []


def test_an_unknown_analysis_is_not_found(api: Api, loaded: Loaded) -> None:
    org = make_org(loaded)
    error(api.client.get(f"{HISTORY}/{uuid.uuid4()}", headers=org.headers), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "body",
    [{"url": "ftp://example.com/file"}, {"url": "http://a"}, {"url": "example.com/pricing"}, {"url": "x" * 2049},
     {"url": "https://user:pw@example.com/"}, {"url": 42}, {}],
)
def test_invalid_urls_are_validation_errors(api: Api, body: dict[str, Any]) -> None:
    err = error(api.client.post(ANALYZE, json=body), 400, "VALIDATION_ERROR")
    assert err["details"] and err["details"][0]["field"] == "url"


# --- sites that cannot be analyzed: 422 with a code, never a 500 or a hang ------------------------


@pytest.mark.parametrize(
    ("route", "code"),
    [
        (redirect("http://10.0.0.1/"), "SITE_BLOCKED"),
        (redirect("http://169.254.169.254/latest/meta-data/"), "SITE_BLOCKED"),
        (redirect("/hostile"), "SITE_TOO_MANY_REDIRECTS"),
        (Route(stream_bytes=20 * MIB), "SITE_TOO_LARGE"),
        (Route(body=b"%PDF-1.7", content_type="application/pdf"), "SITE_NOT_HTML"),
        (Route(body=b"gone", status=410, content_type="text/plain"), "SITE_UNREACHABLE"),
    ],
)
def test_hostile_sites_answer_422(api: Api, route: Route, code: str) -> None:
    api.site.routes["/hostile"] = route
    error(analyze(api, "/hostile"), 422, code)


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
                                 "http://[fe80::1]/", "http://0.0.0.0/", "http://[::ffff:10.0.0.1]/"])
def test_private_addresses_answer_422_without_a_connection(api: Api, url: str) -> None:
    seen = len(api.guard.seen)
    err = error(api.client.post(ANALYZE, json={"url": url}), 422, "SITE_BLOCKED")
    assert err["details"]["reason"] in ("private", "link-local", "unspecified")
    assert api.guard.seen[seen:] == []


def test_robots_txt_disallow_answers_422(api: Api) -> None:
    api.site.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /members\n", content_type="text/plain")
    api.site.routes["/members"] = page(HOME)
    try:
        error(analyze(api, "/members"), 422, "SITE_ROBOTS_DISALLOWED")
    finally:
        del api.site.routes["/robots.txt"]


def test_a_trickling_site_times_out_quickly(api: Api) -> None:
    api.site.routes["/slow"] = Route(trickle=True)
    started = time.monotonic()
    error(analyze(api, "/slow"), 422, "SITE_TIMEOUT")
    assert time.monotonic() - started < 3.0


def test_an_unreachable_site_answers_422(api: Api) -> None:
    error(api.client.post(ANALYZE, json={"url": f"http://127.0.0.1:{free_port()}/"}), 422, "SITE_UNREACHABLE")


def test_the_endpoints_are_documented(api: Api) -> None:
    doc = api.client.get("/openapi-intent.json").json()
    assert doc["paths"][ANALYZE]["post"]["tags"] == ["Site Analysis"]
    assert "422" in doc["paths"][ANALYZE]["post"]["responses"]
    assert doc["paths"][HISTORY]["get"]["tags"] == ["Site Topics"]
    assert doc["paths"][f"{HISTORY}/{{analysis_id}}"]["get"]["tags"] == ["Site Topics"]
