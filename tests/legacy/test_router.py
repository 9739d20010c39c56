"""G2 legacy materialization endpoints over HTTP: query, status, results, stats, export."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from orbit.legacy.service import encode_cursor
from orbit.runs.worker import Worker
from orbit.settings import RunsSettings
from tests.conftest import SMALL_END, Loaded, OrgKey, make_org
from tests.conftest import expect_error as _err
from tests.isolation import Call, assert_isolated

pytestmark = pytest.mark.warehouse
MISSING = "00000000-0000-4000-8000-000000000000"
QUERY = "/v1/intent/audiences/query"



def _audience(client: TestClient, org: OrgKey, popular: list[int], **config: Any) -> dict[str, Any]:
    body = {"name": "legacy", "config": {"topicIds": popular[:3], "minScore": 80, **config}}
    resp = client.post("/v1/intent/audiences", headers=org.headers, json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()["data"]  # type: ignore[no-any-return]


def _drain(client: TestClient, loaded: Loaded) -> None:
    worker = Worker(loaded.wh, loaded.sessions, client.app.state.catalog.current, RunsSettings())  # type: ignore[attr-defined]
    while worker.run_once():
        pass


def _all_pages(client: TestClient, org: OrgKey, method: str, url: str, body: dict[str, Any] | None = None,
               limit: int = 100) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every row following nextCursor, and each page's meta."""
    rows: list[dict[str, Any]] = []
    metas: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        if method == "POST":
            resp = client.post(url, headers=org.headers, json={**(body or {}), "limit": limit, "cursor": cursor})
        else:
            params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
            resp = client.get(url, headers=org.headers, params=params)
        assert resp.status_code == 200, resp.text
        meta = resp.json()["meta"]
        rows += resp.json()["data"]
        metas.append(meta)
        assert meta["count"] == len(resp.json()["data"]) and meta["status"] == "ready"
        if not meta["hasMore"]:
            assert meta["nextCursor"] is None
            return rows, metas
        cursor = meta["nextCursor"]


def test_saved_audience_materializes_then_serves_rows(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    a = _audience(client, org, popular)
    day = SMALL_END.isoformat()
    base = f"/v1/intent/audiences/{a['id']}"
    status = client.get(f"{base}/status", headers=org.headers)
    assert status.status_code == 200
    assert status.json()["data"] == {"status": "none", "totalCount": 0, "dataDate": day, "runId": None}
    _err(client.get(f"{base}/results", headers=org.headers), 404, "NOT_FOUND")
    _err(client.get(f"{base}/stats", headers=org.headers), 404, "NOT_FOUND")
    _err(client.post(f"{base}/export", headers=org.headers), 404, "NOT_FOUND")

    queued = client.post(QUERY, headers=org.headers, json={"audienceId": a["id"]})
    assert queued.status_code == 202, queued.text
    key = f"{a['configHash'][:16]}:{day}"
    assert queued.json()["data"] == []
    assert queued.json()["meta"] | {"timestamp": None, "request_id": None} == {
        "count": 0, "totalCount": 0, "nextCursor": None, "hasMore": False, "status": "materializing",
        "cacheKey": key, "dataDate": day, "timestamp": None, "request_id": None}
    again = client.post(QUERY, headers=org.headers, json={"audienceId": a["id"]})  # run in progress: still 202
    assert again.status_code == 202 and again.json()["meta"]["status"] == "materializing"
    pending = client.get(f"{base}/status", headers=org.headers).json()["data"]
    assert pending["status"] == "materializing" and pending["runId"]
    waiting = client.get(f"{base}/results", headers=org.headers)
    assert waiting.status_code == 202 and waiting.json()["data"] == []
    assert {k: waiting.json()["meta"][k] for k in ("status", "dataDate")} == {"status": "materializing", "dataDate": day}
    _err(client.get(f"{base}/stats", headers=org.headers), 404, "NOT_FOUND")

    _drain(client, loaded)
    ready = client.get(f"{base}/status", headers=org.headers, params={"date": day}).json()["data"]
    assert ready["status"] == "ready" and ready["runId"] == pending["runId"] and ready["totalCount"] > 0
    run_id = ready["runId"]
    g3 = client.get(f"{base}/runs/{run_id}/results", headers=org.headers, params={"limit": 1000}).json()["data"]
    assert g3["total"] == ready["totalCount"] <= 1000

    rows, metas = _all_pages(client, org, "POST", QUERY, {"audienceId": a["id"], "date": day}, limit=37)
    assert [r["hem"] for r in rows] == [r["hashedEmail"] for r in g3["results"]]
    assert len({r["hem"] for r in rows}) == len(rows)
    assert all(m["totalCount"] == len(rows) and m["cacheKey"] == key and m["dataDate"] == day for m in metas)
    first, g3_first = rows[0], g3["results"][0]
    assert first["intentScore"] == g3_first["intent"]["score"]
    assert first["topicOverlap"] == g3_first["intent"]["topicOverlap"]
    assert first["matchedTopicIds"] and first["topicId"] == first["matchedTopicIds"][0]
    assert first["topicName"] and set(first["matchedTopicIds"]) <= set(a["config"]["topicIds"])
    assert first["company"] == g3_first["company"]["name"] and first["email"] == g3_first["email"]
    assert first["isB2b"] in ("y", "n") and first["phones"] == g3_first["phone"]
    assert first["country"] == g3_first["company"]["country"] and "companyCountry" not in first
    assert "" not in first.values()
    for row in rows:  # the e-mail hashes a G2 client reads (row.emailHashes.sha256)
        email = row["email"].strip().lower().encode()
        assert row["emailHashes"] == {"sha256": row["hem"], "sha1": hashlib.sha1(email).hexdigest(),
                                      "md5": hashlib.md5(email).hexdigest()}
        assert hashlib.sha256(email).hexdigest() == row["hem"]
        assert row["hem"] in row["allEmailHashes"]["sha256"].split(", ")
        assert row["emails"].split(", ")[0] == row["email"]
        # Fields Orbit does not hold are present and null, never missing.
        assert all(row[k] is None for k in ("incomeRange", "netWorth", "photoUrl", "address", "companyRevenue"))

    results, _ = _all_pages(client, org, "GET", f"{base}/results", limit=50)
    assert [r["personId"] for r in results] == [r["hem"] for r in rows]
    shared = set(results[0]) & set(rows[0])
    assert [{k: r[k] for k in shared} for r in results] == [{k: r[k] for k in shared} for r in rows]
    assert all(r["companyCountry"] == q["country"] for r, q in zip(results, rows, strict=True))

    stats = client.get(f"{base}/stats", headers=org.headers)
    assert stats.status_code == 200
    body = stats.json()["data"]
    g3_stats = client.get(f"{base}/runs/{run_id}/stats", headers=org.headers).json()["data"]["stats"]
    assert body["total"] == len(rows) and body["dataDate"] == day
    assert body["fields"] == {k: v["percent"] for k, v in g3_stats["fillRates"].items()}


def test_export_is_reused_and_downloads(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    a = _audience(client, org, popular, minScore=90)
    base = f"/v1/intent/audiences/{a['id']}"
    assert client.post(QUERY, headers=org.headers, json={"audienceId": a["id"]}).status_code == 202
    _drain(client, loaded)
    made = client.post(f"{base}/export", headers=org.headers)
    assert made.status_code == 200, made.text
    data = made.json()["data"]
    status = client.get(f"{base}/status", headers=org.headers).json()["data"]
    assert data["cached"] is False and data["rows"] == status["totalCount"]
    assert data["dataDate"] == SMALL_END.isoformat() and data["expiresIn"] == "3600s"
    assert data["fileName"].endswith(".csv")
    url = urlsplit(data["downloadUrl"])
    got = client.get(f"{url.path}?{url.query}")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert len(got.content.decode().strip().splitlines()) == data["rows"] + 1
    again = client.post(f"{base}/export", headers=org.headers, params={"date": SMALL_END.isoformat()})
    assert again.status_code == 200 and again.json()["data"]["cached"] is True
    assert again.json()["data"]["fileName"] == data["fileName"]


def test_adhoc_query_with_g2_flat_filters(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    config = {"topicIds": popular[:4], "minScore": 60, "maxScore": 100,
              "filters": {"seniority": ["director"], "hasBusinessEmail": True}}
    preview = client.post("/v1/intent/audiences/preview", headers=org.headers, json=config)
    assert preview.status_code == 200, preview.text
    total = preview.json()["data"]["totalCount"]
    assert total > 0
    first = client.post(QUERY, headers=org.headers, json={**config, "limit": 5})
    assert first.status_code == 200, first.text
    meta = first.json()["meta"]
    assert (meta["totalCount"], meta["count"], meta["status"]) == (total, min(5, total), "ready")
    assert meta["dataDate"] == SMALL_END.isoformat() and len(meta["cacheKey"]) == 16 + 1 + 10
    rows, _ = _all_pages(client, org, "POST", QUERY, config, limit=25)
    assert len(rows) == total == len({r["hem"] for r in rows})
    assert all(r["seniority"] == "director" and r["businessEmail"] for r in rows)
    assert all(r["topicName"] and r["topicId"] in config["topicIds"] for r in rows)  # type: ignore[operator]
    scores = [(r["intentScore"], r["topicOverlap"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    _err(client.post(QUERY, headers=org.headers, json={**config, "date": "1999-01-01"}), 400, "VALIDATION_ERROR")
    _err(client.post(QUERY, headers=org.headers, json={"minScore": 70}), 400, "VALIDATION_ERROR")
    _err(client.post(QUERY, headers=org.headers, json={**config, "limit": 101}), 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("cursor", ["not base64!", "eDo1", encode_cursor(-1), "bzo=", "bzoxMjM0NTY3ODkwMTIz"])
def test_bad_cursor_is_a_validation_error(client: TestClient, loaded: Loaded, popular: list[int], cursor: str) -> None:
    org = make_org(loaded)
    err = _err(client.post(QUERY, headers=org.headers, json={"topicIds": popular[:2], "cursor": cursor}),
               400, "VALIDATION_ERROR")
    assert [d["field"] for d in err["details"]] == ["cursor"]
    a = _audience(client, org, popular)
    _err(client.get(f"/v1/intent/audiences/{a['id']}/results", headers=org.headers, params={"cursor": cursor}),
         400, "VALIDATION_ERROR")


def test_another_organization_gets_not_found(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    owner, other = make_org(loaded), make_org(loaded)
    a = _audience(client, owner, popular, minScore=90)
    assert client.post(QUERY, headers=owner.headers, json={"audienceId": a["id"]}).status_code == 202
    _drain(client, loaded)
    base = f"/v1/intent/audiences/{a['id']}"
    assert_isolated(client, owner=owner.headers, other=other.headers, read_url=f"{base}/status", object_id=a["id"],
                    missing_id=MISSING, calls=[Call("GET", f"{base}/status"), Call("GET", f"{base}/results"),
                                               Call("GET", f"{base}/stats"), Call("POST", f"{base}/export")])
    for body in ({"audienceId": a["id"]}, {"audienceId": MISSING}):
        _err(client.post(QUERY, headers=other.headers, json=body), 404, "NOT_FOUND")
    status = client.get(f"{base}/status", headers=owner.headers).json()["data"]
    assert status["status"] == "ready"  # nothing was queued by the other organization
    assert client.get(f"{base}/runs", headers=owner.headers).json()["meta"]["total"] == 1


def test_credentials_are_required(client: TestClient) -> None:
    assert client.post(QUERY, json={"audienceId": MISSING}).status_code == 401
    assert client.get(f"/v1/intent/audiences/{MISSING}/status").status_code == 401
