"""Audience builder over HTTP: catalogue, validate, preview errors, CRUD, slots, isolation."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from orbit.accounts import service as accounts
from orbit.runs.worker import Worker
from orbit.settings import RunsSettings
from tests.conftest import SMALL_END, Loaded, OrgKey, make_org
from tests.conftest import expect_error as _err
from tests.isolation import Call, assert_isolated

pytestmark = pytest.mark.warehouse
MISSING = "00000000-0000-4000-8000-000000000000"



def _fields(err: dict[str, Any]) -> set[str]:
    return {d["field"] for d in err["details"]}


def test_every_endpoint_needs_credentials(client: TestClient) -> None:
    for method, path in [("GET", "/v1/intent/audiences/filters"), ("POST", "/v1/intent/audiences/validate"),
                         ("POST", "/v1/intent/audiences/preview"), ("GET", "/v1/intent/audiences"),
                         ("POST", "/v1/intent/audiences"), ("GET", f"/v1/intent/audiences/{MISSING}"),
                         ("PATCH", f"/v1/intent/audiences/{MISSING}"), ("DELETE", f"/v1/intent/audiences/{MISSING}")]:
        _err(client.request(method, path, json={}), 401, "UNAUTHORIZED")


def test_filter_catalogue(client: TestClient, org_a: OrgKey) -> None:
    data = client.get("/v1/intent/audiences/filters", headers=org_a.headers).json()["data"]
    assert data["version"]["status"] == "catalog" and data["version"]["catalogVersion"]
    assert data["version"]["buildDate"].endswith("Z")
    assert {g["key"] for g in data["groups"]} == {"company", "role", "jobTitle", "contact", "geography", "demographics"}
    defs = {f["key"]: f for g in data["groups"] for f in g["filters"]}
    assert {"company.industries", "role.seniority", "jobTitle.include", "contact.hasBusinessEmail",
            "geography.states", "demographics.ageRanges", "company.employeeCount"} <= set(defs)
    assert {f["type"] for f in defs.values()} == {"multi_select", "boolean", "text_terms", "number_range"}
    seniority = defs["role.seniority"]
    assert seniority["ui"]["control"] == "multi_select" and seniority["valueType"] == "enum"
    values = {v["value"]: v for v in seniority["values"]}
    assert {"director", "vp", "c_suite"} <= set(values) and values["c_suite"]["label"] == "C-Suite"
    assert all(v["count"] > 0 for v in seniority["values"])
    assert defs["jobTitle.include"]["operators"] == ["contains", "equals", "starts_with"]
    assert defs["company.employeeCount"]["range"]["max"] > 0
    summary = data["summary"]
    assert summary["filterCount"] == len(defs) and summary["defaultFieldLogic"] == "and"
    assert summary["valueCount"] == sum(len(f.get("values", [])) for f in defs.values())
    # The G2 flat lists ride along in the same data.
    assert "director" in data["seniority"] and "software development" in data["companyIndustry"]
    assert set(data) >= {"companySize", "department", "state", "companyRevenueRange", "ageRange", "gender"}


def test_validate_reports_every_problem(client: TestClient, org_a: OrgKey, popular: list[int]) -> None:
    body = {"topicIds": [popular[0], 7, popular[0]], "minScore": 90, "maxScore": 80, "minTopicOverlap": 5,
            "filters": {"bogus.key": True, "role.seniority": {"values": ["director", "admiral"]},
                        "contact.hasPhone": "yes", "jobTitle.include": {"values": ["cfo"], "operator": "regex"},
                        "company.employeeCount": {"min": 10, "max": 5}}}
    data = client.post("/v1/intent/audiences/validate", headers=org_a.headers, json=body).json()["data"]
    assert data["valid"] is False and data["configHash"] is None
    fields = {p["field"] for p in data["problems"]}
    assert {"topicIds[1]", "topicIds[2]", "maxScore", "minTopicOverlap", "filters.bogus.key",
            "filters.role.seniority.values[1]", "filters.contact.hasPhone", "filters.jobTitle.include.operator",
            "filters.company.employeeCount"} <= fields


def test_validate_normalizes_defaults_and_clamps(client: TestClient, org_a: OrgKey, popular: list[int]) -> None:
    data = client.post("/v1/intent/audiences/validate", headers=org_a.headers,
                       json={"topicIds": [popular[1], popular[0]], "minScore": 10, "maxScore": 100}).json()["data"]
    assert data["valid"] is True and len(data["configHash"]) == 64 and data["strategy"] == "serving_table_in"
    assert data["normalizedConfig"] == {"topicIds": sorted(popular[:2]), "minScore": 50, "maxScore": 99,
                                        "minTopicOverlap": 1, "filters": {}}  # sourceUrl left out when unset
    assert data["appliedFilters"] == []
    defaults = client.post("/v1/intent/audiences/validate", headers=org_a.headers, json={"topicIds": [popular[0]]}).json()["data"]
    assert defaults["normalizedConfig"]["minScore"] == 70


@pytest.mark.parametrize(("body", "field"), [
    ({}, "topicIds"),
    ({"topicIds": []}, "topicIds"),
    ({"topicIds": list(range(1, 252))}, "topicIds"),
    ({"topicIds": ["1"]}, "topicIds[0]"),
    ({"topicIds": [7]}, "topicIds[0]"),
    ({"topicIds": [1], "minScore": 101}, "minScore"),
    ({"topicIds": [1], "unknown": 1}, "unknown"),
])
def test_preview_rejects_bad_configs(client: TestClient, org_a: OrgKey, body: dict[str, Any], field: str) -> None:
    err = _err(client.post("/v1/intent/audiences/preview", headers=org_a.headers, json=body), 400, "VALIDATION_ERROR")
    assert field in _fields(err), err


def test_preview_shape_and_masking(client: TestClient, org_a: OrgKey, popular: list[int]) -> None:
    body = {"topicIds": popular[:3], "minScore": 50, "filters": {"contact.hasBusinessEmail": True}}
    data = client.post("/v1/intent/audiences/preview", headers=org_a.headers, json=body).json()["data"]
    assert data["dataDate"] == SMALL_END.isoformat() and data["totalCount"] > 50
    assert set(data["breakdowns"]) == {"industries", "seniorities", "departments", "revenueRanges", "companySizes", "states"}
    assert all(len(v) <= 10 for v in data["breakdowns"].values())
    assert len(data["sample"]) == 50 and data["appliedFilters"] == ["contact.hasBusinessEmail"]
    row = data["sample"][0]
    assert row["masked"] is True and row["email"] is None and row["phone"] is None and row["linkedinUrl"] is None
    assert len(row["hashedEmail"]) == 64
    assert row["firstName"] is None or (len(row["firstName"]) == 2 and row["firstName"].endswith("."))
    assert row["intentScore"] == row["intent"]["score"] and row["topicId"] == row["intent"]["matchedTopics"][0]["topicId"]
    scores = [(r["intent"]["score"], r["intent"]["topicOverlap"]) for r in data["sample"]]
    assert scores == sorted(scores, reverse=True)
    older = client.post("/v1/intent/audiences/preview", headers=org_a.headers, json={**body, "dataDate": "2026-11-18"}).json()["data"]
    assert older["dataDate"] == "2026-11-18" and older["configHash"] == data["configHash"]
    err = _err(client.post("/v1/intent/audiences/preview", headers=org_a.headers, json={**body, "dataDate": "2020-01-01"}),
               400, "VALIDATION_ERROR")
    assert _fields(err) == {"dataDate"}


def _create(client: TestClient, org: OrgKey, popular: list[int], **extra: Any) -> dict[str, Any]:
    body = {"name": "Finance leaders", "config": {"topicIds": popular[:3], "minTopicOverlap": 2,
                                                  "filters": {"role.seniority": {"values": ["vp", "c_suite"]}}}, **extra}
    resp = client.post("/v1/intent/audiences", headers=org.headers, json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()["data"]  # type: ignore[no-any-return]


def test_audience_crud(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    a = _create(client, org, popular)
    assert a["status"] == "draft" and a["accessType"] == "paid" and a["dailyRefreshEnabled"] is False
    assert a["audienceSize"] == 0 and a["lastRefreshedAt"] is None and a["organizationId"] == org.id
    # `config` is what the client wrote; `normalizedConfig` the canonical form with its defaults.
    assert a["config"] == {"topicIds": popular[:3], "minTopicOverlap": 2,
                           "filters": {"role.seniority": {"values": ["vp", "c_suite"]}}}
    assert a["normalizedConfig"]["topicIds"] == sorted(popular[:3]) and a["normalizedConfig"]["minScore"] == 70
    assert [t["id"] for t in a["topics"]] == sorted(popular[:3]) and all(t["name"] for t in a["topics"])
    got = client.get(f"/v1/intent/audiences/{a['id']}", headers=org.headers).json()["data"]
    assert got == a
    patched = client.patch(f"/v1/intent/audiences/{a['id']}", headers=org.headers,
                           json={"name": "Renamed", "config": {"topicIds": popular[:1]}}).json()["data"]
    assert patched["name"] == "Renamed" and patched["config"]["topicIds"] == popular[:1]
    assert patched["configHash"] != a["configHash"] and patched["updatedAt"] >= a["updatedAt"]
    active = client.patch(f"/v1/intent/audiences/{a['id']}", headers=org.headers, json={"status": "active"}).json()["data"]
    assert active["status"] == "active" and active["dailyRefreshEnabled"] is True
    assert active["config"] == patched["config"] == {"topicIds": popular[:1]}
    b = _create(client, org, popular, status="paused")
    listed = client.get("/v1/intent/audiences", headers=org.headers, params={"limit": 1})
    body = listed.json()
    assert [x["id"] for x in body["data"]] == [b["id"]] and body["meta"]["total"] == 2 and body["meta"]["hasMore"] is True
    only_active = client.get("/v1/intent/audiences", headers=org.headers, params={"status": "active"}).json()["data"]
    assert [x["id"] for x in only_active] == [a["id"]]
    deleted = client.delete(f"/v1/intent/audiences/{a['id']}", headers=org.headers).json()["data"]
    assert deleted == {"id": a["id"], "deleted": True}
    _err(client.get(f"/v1/intent/audiences/{a['id']}", headers=org.headers), 404, "NOT_FOUND")
    _err(client.get("/v1/intent/audiences", headers=org.headers, params={"status": "gone"}), 400, "VALIDATION_ERROR")
    _err(client.get("/v1/intent/audiences", headers=org.headers, params={"limit": 101}), 400, "VALIDATION_ERROR")


def test_bad_audience_bodies_change_nothing(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    for body, field in [({"name": "", "config": {"topicIds": [popular[0]]}}, "name"),
                        ({"name": "x" * 256, "config": {"topicIds": [popular[0]]}}, "name"),
                        ({"name": "x", "config": {"topicIds": [7]}}, "config.topicIds[0]"),
                        ({"name": "x", "config": {"topicIds": [popular[0]], "filters": {"nope": 1}}}, "config.filters.nope"),
                        ({"name": "x", "status": "archived", "config": {"topicIds": [popular[0]]}}, "status"),
                        ({"name": "x"}, "config")]:
        err = _err(client.post("/v1/intent/audiences", headers=org.headers, json=body), 400, "VALIDATION_ERROR")
        assert field in _fields(err), err
    assert client.get("/v1/intent/audiences", headers=org.headers).json()["meta"]["total"] == 0
    a = _create(client, org, popular)
    err = _err(client.patch(f"/v1/intent/audiences/{a['id']}", headers=org.headers,
                            json={"name": "ok", "config": {"topicIds": [popular[0]], "maxScore": 10}}), 400, "VALIDATION_ERROR")
    assert "config.maxScore" in _fields(err)
    assert client.get(f"/v1/intent/audiences/{a['id']}", headers=org.headers).json()["data"]["name"] == a["name"]


def test_slots_full_changes_nothing(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded, slots=1)
    first = _create(client, org, popular, status="active")
    _err(client.post("/v1/intent/audiences", headers=org.headers,
                     json={"name": "second", "status": "active", "config": {"topicIds": [popular[0]]}}), 403, "SLOTS_FULL")
    assert client.get("/v1/intent/audiences", headers=org.headers).json()["meta"]["total"] == 1
    draft = _create(client, org, popular)
    _err(client.patch(f"/v1/intent/audiences/{draft['id']}", headers=org.headers, json={"status": "active", "name": "n"}),
         403, "SLOTS_FULL")
    unchanged = client.get(f"/v1/intent/audiences/{draft['id']}", headers=org.headers).json()["data"]
    assert unchanged["status"] == "draft" and unchanged["name"] == draft["name"]
    client.patch(f"/v1/intent/audiences/{first['id']}", headers=org.headers, json={"status": "paused"})
    assert client.patch(f"/v1/intent/audiences/{draft['id']}", headers=org.headers, json={"status": "active"}).status_code == 200
    client.delete(f"/v1/intent/audiences/{draft['id']}", headers=org.headers)
    assert client.patch(f"/v1/intent/audiences/{first['id']}", headers=org.headers, json={"status": "active"}).status_code == 200


def test_another_organization_sees_nothing(client: TestClient, org_a: OrgKey, org_b: OrgKey, popular: list[int]) -> None:
    a = _create(client, org_a, popular)
    url = f"/v1/intent/audiences/{a['id']}"
    assert_isolated(client, owner=org_a.headers, other=org_b.headers, read_url=url, object_id=a["id"], missing_id=MISSING,
                    calls=[Call("GET", url), Call("PATCH", url, {"name": "stolen", "status": "active"}), Call("DELETE", url)])
    listed = client.get("/v1/intent/audiences", headers=org_b.headers).json()["data"]
    assert a["id"] not in {x["id"] for x in listed}


def test_g2_config_is_echoed_as_written(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    written = {"topicIds": popular[:2], "minScore": 60, "maxScore": 100,
               "filters": {"companyIndustry": ["software development"], "hasBusinessEmail": True}}
    made = client.post("/v1/intent/audiences", headers=org.headers, json={"name": "g2", "config": written})
    assert made.status_code == 201, made.text
    a = made.json()["data"]
    assert a["config"] == written and "sourceUrl" not in a["config"]  # G2 notation, as the client wrote it
    assert a["normalizedConfig"]["filters"] == {"company.industries": {"values": ["software development"]},
                                                "contact.hasBusinessEmail": True}
    assert a["normalizedConfig"]["maxScore"] == 99 and "sourceUrl" not in a["normalizedConfig"]
    for got in (client.get(f"/v1/intent/audiences/{a['id']}", headers=org.headers).json()["data"],
                client.get("/v1/intent/audiences", headers=org.headers).json()["data"][0]):
        assert got["config"] == written and got["normalizedConfig"] == a["normalizedConfig"]
    with_url = {**written, "sourceUrl": "https://example.com/"}
    patched = client.patch(f"/v1/intent/audiences/{a['id']}", headers=org.headers, json={"config": with_url})
    assert patched.json()["data"]["config"] == with_url
    assert patched.json()["data"]["normalizedConfig"]["sourceUrl"] == "https://example.com/"


def test_activation_queues_the_first_run_at_once(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    draft = _create(client, org, popular)
    assert client.get(f"/v1/intent/audiences/{draft['id']}/runs", headers=org.headers).json()["meta"]["total"] == 0
    client.patch(f"/v1/intent/audiences/{draft['id']}", headers=org.headers, json={"status": "active"})
    runs = client.get(f"/v1/intent/audiences/{draft['id']}/runs", headers=org.headers).json()["data"]
    assert [(r["status"], r["runType"], r["dataDate"]) for r in runs] == [("queued", "daily", SMALL_END.isoformat())]
    # Pausing and activating again while the run is queued queues nothing more.
    for status in ("paused", "active"):
        client.patch(f"/v1/intent/audiences/{draft['id']}", headers=org.headers, json={"status": status})
    assert client.get(f"/v1/intent/audiences/{draft['id']}/runs", headers=org.headers).json()["meta"]["total"] == 1
    created_active = _create(client, org, popular, status="active")
    runs = client.get(f"/v1/intent/audiences/{created_active['id']}/runs", headers=org.headers).json()["data"]
    assert [r["status"] for r in runs] == ["queued"]
    paused = _create(client, org, popular, status="paused")
    assert client.get(f"/v1/intent/audiences/{paused['id']}/runs", headers=org.headers).json()["meta"]["total"] == 0


def test_preview_rows_follow_the_request_notation(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    g3 = {"topicIds": popular[:3], "filters": {"contact.hasBusinessEmail": True}}
    g2 = {"topicIds": popular[:3], "filters": {"hasBusinessEmail": True}}
    url = "/v1/intent/audiences/preview"
    g3_rows = client.post(url, headers=org.headers, json=g3).json()["data"]["sample"]
    g2_body = client.post(url, headers=org.headers, json=g2).json()["data"]
    g2_rows = g2_body["sample"]
    assert g2_body["previewKey"] and len(g3_rows) == len(g2_rows) > 0
    for a, b in zip(g3_rows, g2_rows, strict=True):
        assert isinstance(a["company"], dict) and set(a["company"]) == {"name", "domain", "industry"}
        assert b["company"] == a["company"]["name"] and b["companyDomain"] is None  # G2 masks the domain
        assert b["hem"] == b["hashedEmail"] == a["hashedEmail"] == b["emailHashes"]["sha256"]
        assert b["emailHashes"] == {"sha256": b["hem"], "sha1": None, "md5": None} and b["masked"] is True
        assert b["email"] is None and b["businessEmail"] is None and b["linkedinUrl"] is None
        for key in ("headline", "incomeRange", "netWorth", "companyRevenue", "companyLinkedinUrl", "companyNaics",
                    "companySic", "directNumbers"):
            assert b[key] is None, key
        assert b["firstName"] is None or (len(b["firstName"]) == 2 and b["firstName"].endswith("."))
        # G3 rows carry every G2 flat field except `company`.
        assert set(b) - {"company", "hem"} <= set(a)
    # `maxScore` 100 is G2 notation too; `?shape=` decides when given.
    assert isinstance(client.post(url, headers=org.headers, json={"topicIds": popular[:3], "maxScore": 100})
                      .json()["data"]["sample"][0]["company"], (str, type(None)))
    forced = client.post(url, headers=org.headers, params={"shape": "g3"}, json=g2).json()["data"]["sample"]
    assert isinstance(forced[0]["company"], dict)
    forced = client.post(url, headers=org.headers, params={"shape": "g2"}, json=g3).json()["data"]["sample"]
    assert isinstance(forced[0]["company"], (str, type(None))) and "intent" not in forced[0]
    _err(client.post(url, headers=org.headers, params={"shape": "g4"}, json=g3), 400, "VALIDATION_ERROR")


def test_without_an_audience_plan_rows_are_forbidden(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded, slots=0)
    config = {"topicIds": popular[:3], "minScore": 80}
    preview = client.post("/v1/intent/audiences/preview", headers=org.headers, json=config)
    assert preview.status_code == 200 and preview.json()["data"]["sample"][0]["masked"] is True
    a = client.post("/v1/intent/audiences", headers=org.headers, json={"name": "no plan", "config": config}).json()["data"]
    base = f"/v1/intent/audiences/{a['id']}"
    run = client.post(f"{base}/runs", headers=org.headers)
    assert run.status_code == 202  # manual runs are allowed for any saved audience
    run_id = run.json()["data"]["id"]
    worker = Worker(loaded.wh, loaded.sessions, client.app.state.catalog.current, RunsSettings())  # type: ignore[attr-defined]
    while worker.run_once():
        pass
    assert client.get(f"{base}/runs/{run_id}/stats", headers=org.headers).status_code == 200
    for method, url, body in [
        ("GET", f"{base}/runs/{run_id}/results", None), ("GET", f"{base}/runs/{run_id}/export.csv", None),
        ("POST", f"{base}/runs/{run_id}/exports", None), ("GET", f"{base}/runs/{run_id}/exports/{MISSING}", None),
        ("POST", "/v1/intent/audiences/query", config), ("POST", "/v1/intent/audiences/query", {"audienceId": a["id"]}),
        ("GET", f"{base}/results", None), ("POST", f"{base}/export", None),
    ]:
        err = _err(client.request(method, url, headers=org.headers, json=body), 403, "FORBIDDEN")
        assert "audience plan" in err["message"], url
    # An admin giving the organization slots opens the rows.
    with loaded.sessions.begin() as s:
        accounts.set_audience_slots(s, ref=org.id, slots=1)
    assert client.get(f"{base}/runs/{run_id}/results", headers=org.headers).status_code == 200


def test_service_validation_messages_name_their_fields(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    err = _err(client.post("/v1/intent/audiences", headers=org.headers,
                           json={"name": "x", "config": {"topicIds": [7], "maxScore": 10}}), 400, "VALIDATION_ERROR")
    assert err["message"].startswith("the audience config is invalid: config.")
    assert all(d["field"] in err["message"] for d in err["details"][:3])
