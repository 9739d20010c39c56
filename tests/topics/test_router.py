"""Topic discovery over HTTP against the small data set: shapes, limits and errors."""

from __future__ import annotations

import re
import time

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from orbit.datagen import files
from tests.conftest import SMALL_DAYS, Loaded

pytestmark = pytest.mark.warehouse


def ok(resp: object) -> object:
    assert resp.status_code == 200, resp.text  # type: ignore[attr-defined]
    body = resp.json()  # type: ignore[attr-defined]
    assert set(body) == {"data", "meta"}
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", body["meta"]["timestamp"])
    assert body["meta"]["request_id"] == resp.headers["x-request-id"]  # type: ignore[attr-defined]
    return body


def error(resp: object, status: int, code: str) -> dict[str, object]:
    assert resp.status_code == status, resp.text  # type: ignore[attr-defined]
    body = resp.json()  # type: ignore[attr-defined]
    assert set(body) == {"error", "meta"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["meta"]["request_id"] == resp.headers["x-request-id"]  # type: ignore[attr-defined]
    return body["error"]  # type: ignore[no-any-return]


def _popular_topic(loaded: Loaded) -> int:
    day = sorted(files.signal_dates(loaded.root))[-1]
    table = pq.read_table(files.signal_file(loaded.root, day), columns=["topic_id"])
    counts = table.group_by("topic_id").aggregate([("topic_id", "count")]).sort_by([("topic_id_count", "descending")])
    return int(counts.column("topic_id")[0].as_py())


def test_browse_returns_the_whole_catalogue_with_sdk_meta(client: TestClient, loaded: Loaded) -> None:
    body = ok(client.get("/v1/intent/topics"))
    topics = body["data"]  # type: ignore[index]
    total = pq.read_metadata(loaded.root / files.TOPICS).num_rows
    assert len(topics) == total >= 10_000
    meta = body["meta"]  # type: ignore[index]
    assert meta["count"] == meta["total"] == total and meta["hasMore"] is False
    assert meta["filters"] == {"type": None, "industry": None, "category": None, "q": None}
    assert {"topicId", "topicName", "type", "industry", "category"} <= set(topics[0])


def test_browse_filters_and_pages(client: TestClient) -> None:
    facets = ok(client.get("/v1/intent/topics/facets"))["data"]  # type: ignore[index]
    industry = facets["industries"][0]["value"]
    body = ok(client.get("/v1/intent/topics", params={"type": "b2b", "industry": industry.upper(), "limit": 5, "offset": 2}))
    assert len(body["data"]) == 5  # type: ignore[index]
    assert all(t["type"] == "b2b" and t["industry"] == industry for t in body["data"])  # type: ignore[index]
    assert body["meta"]["offset"] == 2 and body["meta"]["hasMore"] is True  # type: ignore[index]
    both = ok(client.get("/v1/intent/topics", params={"type": "both", "limit": 1}))
    assert both["meta"]["total"] == facets["total"]  # type: ignore[index]


def test_browse_pages_the_g2_way_too(client: TestClient) -> None:
    by_offset = ok(client.get("/v1/intent/topics", params={"limit": 7, "offset": 14}))
    by_page = ok(client.get("/v1/intent/topics", params={"pageSize": 7, "page": 3}))
    assert by_page["data"] == by_offset["data"]  # type: ignore[index]
    for body in (by_offset, by_page):
        meta = body["meta"]  # type: ignore[index]
        assert (meta["page"], meta["pageSize"], meta["limit"], meta["offset"], meta["hasMore"]) == (3, 7, 7, 14, True)
    assert ok(client.get("/v1/intent/topics"))["meta"]["page"] == 1  # type: ignore[index]
    for bad in ({"page": 0}, {"pageSize": 0}, {"page": "x"}):
        err = error(client.get("/v1/intent/topics", params=bad), 400, "VALIDATION_ERROR")
        assert next(iter(bad)) in err["message"]  # type: ignore[operator]


def test_browse_q_matches_names(client: TestClient) -> None:
    body = ok(client.get("/v1/intent/topics", params={"q": "crm"}))
    assert body["data"]  # type: ignore[index]
    assert body["meta"]["filters"]["q"] == "crm"  # type: ignore[index]


def test_browse_is_cacheable_with_etag(client: TestClient) -> None:
    first = client.get("/v1/intent/topics", params={"limit": 3})
    assert "max-age" in first.headers["cache-control"]
    again = client.get("/v1/intent/topics", params={"limit": 3}, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_facets_count_every_topic(client: TestClient) -> None:
    data = ok(client.get("/v1/intent/topics/facets"))["data"]  # type: ignore[index]
    assert {f["value"] for f in data["types"]} == {"b2b", "b2c"}
    for key in ("types", "industries", "categories"):
        assert sum(f["count"] for f in data[key]) == data["total"]
        counts = [f["count"] for f in data[key]]
        assert counts == sorted(counts, reverse=True)


def test_search_ranks_prefix_before_word_matches(client: TestClient) -> None:
    data = ok(client.get("/v1/intent/topics/search", params={"q": "CRM", "type": "b2b", "limit": 10}))["data"]  # type: ignore[index]
    assert 1 <= len(data) <= 10
    assert data[0]["topicName"].lower().startswith("crm")
    assert all(t["type"] == "b2b" for t in data)


def test_search_limits(client: TestClient) -> None:
    assert len(ok(client.get("/v1/intent/topics/search", params={"q": "software", "limit": 50}))["data"]) == 50  # type: ignore[index]
    for bad, message in (("0", "limit: must be ≥ 1"), ("51", "limit: must be ≤ 50"), ("x", "limit: must be an integer")):
        err = error(client.get("/v1/intent/topics/search", params={"q": "crm", "limit": bad}), 400, "VALIDATION_ERROR")
        assert err["details"][0]["field"] == "limit"  # type: ignore[index]
        assert err["message"] == message  # the message names the field, the details keep the validator's words
    err = error(client.get("/v1/intent/topics/search"), 400, "VALIDATION_ERROR")
    assert err["details"][0]["field"] == "q"  # type: ignore[index]
    error(client.get("/v1/intent/topics/search", params={"q": "x" * 101}), 400, "VALIDATION_ERROR")
    error(client.get("/v1/intent/topics/search", params={"q": "   "}), 400, "VALIDATION_ERROR")
    error(client.get("/v1/intent/topics/search", params={"q": "crm", "type": "b2x"}), 400, "VALIDATION_ERROR")


def test_trend_has_one_point_per_loaded_day(client: TestClient, loaded: Loaded) -> None:
    topic_id = _popular_topic(loaded)
    data = ok(client.get(f"/v1/intent/topics/{topic_id}/trend"))["data"]  # type: ignore[index]
    assert len(data) == SMALL_DAYS
    assert [p["date"] for p in data] == sorted(p["date"] for p in data)
    p = data[-1]
    assert p["uniqueAudience"] > 0 and p["totalSignals"] >= p["uniqueAudience"]
    assert 0 < p["avgScore"] <= 99
    assert p["highAudience"] + p["mediumAudience"] + p["lowAudience"] <= p["uniqueAudience"]
    assert {"topicName", "type", "industry", "category"} <= set(p)
    assert len(ok(client.get(f"/v1/intent/topics/{topic_id}/trend", params={"days": 2}))["data"]) == 2  # type: ignore[arg-type]


def test_trend_matches_the_raw_signals(client: TestClient, loaded: Loaded) -> None:
    topic_id = _popular_topic(loaded)
    day = sorted(files.signal_dates(loaded.root))[-1]
    rows = pq.read_table(files.signal_file(loaded.root, day)).to_pylist()
    mine = [r for r in rows if r["topic_id"] == topic_id]
    point = ok(client.get(f"/v1/intent/topics/{topic_id}/trend"))["data"][-1]  # type: ignore[index]
    assert point["date"] == day.isoformat()
    assert point["uniqueAudience"] == len({r["person_id"] for r in mine})
    assert point["totalSignals"] == sum(r["signal_count"] for r in mine)
    assert point["highAudience"] == len({r["person_id"] for r in mine if r["score"] >= 90})
    assert point["avgScore"] == pytest.approx(sum(r["score"] for r in mine) / len(mine), abs=0.01)


def test_trend_errors(client: TestClient) -> None:
    error(client.get("/v1/intent/topics/999/trend"), 404, "NOT_FOUND")
    error(client.get("/v1/intent/topics/abc/trend"), 400, "VALIDATION_ERROR")
    error(client.get("/v1/intent/topics/0/trend"), 400, "VALIDATION_ERROR")
    error(client.get("/v1/intent/topics/99999999999/trend"), 400, "VALIDATION_ERROR")


def test_compare_returns_one_series_per_topic(client: TestClient, loaded: Loaded) -> None:
    ids = [t["topicId"] for t in ok(client.get("/v1/intent/topics", params={"limit": 3}))["data"]]  # type: ignore[index]
    data = ok(client.post("/v1/intent/topics/compare", json={"topicIds": ids}))["data"]  # type: ignore[index]
    assert [s["topicId"] for s in data] == ids
    assert all(len(s["data"]) == SMALL_DAYS for s in data)
    assert "topicName" not in data[0]["data"][0]


def test_compare_errors(client: TestClient) -> None:
    error(client.post("/v1/intent/topics/compare", json={"topicIds": []}), 400, "VALIDATION_ERROR")
    error(client.post("/v1/intent/topics/compare", json={"topicIds": list(range(1, 12))}), 400, "VALIDATION_ERROR")
    err = error(client.post("/v1/intent/topics/compare", json={"topicIds": [999]}), 400, "VALIDATION_ERROR")
    assert err["details"] == [{"field": "topicIds[0]", "message": "topic 999 does not exist"}]
    error(client.post("/v1/intent/topics/compare", json={"topicIds": ["a"]}), 400, "VALIDATION_ERROR")
    error(client.post("/v1/intent/topics/compare", json={}), 400, "VALIDATION_ERROR")
    error(client.post("/v1/intent/topics/compare", json={"topicIds": [1], "extra": 1}), 400, "VALIDATION_ERROR")
    error(
        client.post("/v1/intent/topics/compare", content=b"{not json", headers={"content-type": "application/json"}),
        400, "INVALID_JSON",
    )


def test_movers_up_and_down(client: TestClient) -> None:
    up = ok(client.get("/v1/intent/topics/movers"))
    down = ok(client.get("/v1/intent/topics/movers", params={"direction": "down", "limit": 5}))
    ups, downs = up["data"], down["data"]  # type: ignore[index]
    assert 0 < len(ups) <= 20 and 0 < len(downs) <= 5
    assert all(m["pctChange"] > 0 for m in ups) and all(m["pctChange"] < 0 for m in downs)
    assert [m["pctChange"] for m in ups] == sorted((m["pctChange"] for m in ups), reverse=True)
    assert [m["pctChange"] for m in downs] == sorted(m["pctChange"] for m in downs)
    m = ups[0]
    assert m["pctChange"] == pytest.approx((m["todayAudience"] - m["yesterdayAudience"]) / m["yesterdayAudience"] * 100, abs=0.01)
    assert up["meta"]["today"] > up["meta"]["yesterday"]  # type: ignore[index]


def test_movers_filters_and_errors(client: TestClient) -> None:
    b2c = ok(client.get("/v1/intent/topics/movers", params={"type": "b2c", "limit": 50}))["data"]  # type: ignore[index]
    assert all(m["type"] == "b2c" for m in b2c)
    error(client.get("/v1/intent/topics/movers", params={"direction": "sideways"}), 400, "VALIDATION_ERROR")
    error(client.get("/v1/intent/topics/movers", params={"limit": 51}), 400, "VALIDATION_ERROR")
    error(client.get("/v1/intent/topics/movers", params={"industry": ""}), 400, "VALIDATION_ERROR")


def test_unknown_path_and_wrong_method_use_the_envelope(client: TestClient) -> None:
    error(client.get("/v1/intent/nope"), 404, "NOT_FOUND")
    error(client.delete("/v1/intent/topics/search"), 405, "METHOD_NOT_ALLOWED")
    error(client.get("/v1/intent/topics/compare"), 405, "METHOD_NOT_ALLOWED")


def test_oversize_body_is_413(client: TestClient) -> None:
    body = b'{"topicIds": [' + b"1," * 600_000 + b"1]}"
    error(client.post("/v1/intent/topics/compare", content=body, headers={"content-type": "application/json"}), 413, "PAYLOAD_TOO_LARGE")


def test_request_id_is_echoed_or_minted(client: TestClient) -> None:
    mine = client.get("/v1/intent/topics/facets", headers={"X-Request-Id": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123" and mine.json()["meta"]["request_id"] == "abc-123"
    hostile = client.get("/v1/intent/topics/facets", headers={"X-Request-Id": "a b\"<script>"})
    assert hostile.headers["x-request-id"].startswith("req_")


def test_openapi_document(client: TestClient) -> None:
    doc = client.get("/openapi-intent.json").json()
    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["title"] == "Orbit API" and doc["info"]["version"] == "1.0.0"
    assert {"Topic Discovery", "Site Analysis", "Site Topics", "Audience Builder"} <= {t["name"] for t in doc["tags"]}
    for path in ("/v1/intent/topics", "/v1/intent/topics/facets", "/v1/intent/topics/search",
                 "/v1/intent/topics/{topicId}/trend", "/v1/intent/topics/compare", "/v1/intent/topics/movers"):
        assert path in doc["paths"]
    assert client.get("/docs").status_code == 200


def test_health_and_readiness(client: TestClient) -> None:
    assert ok(client.get("/healthz"))["data"] == {"status": "ok"}  # type: ignore[index]
    # Ready once the topic index is built in the background: 503 with Retry-After until then.
    deadline = time.monotonic() + 300
    while (resp := client.get("/readyz")).status_code == 503 and time.monotonic() < deadline:
        assert resp.headers["retry-after"] == "1"
        assert resp.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
        time.sleep(0.2)
    data = ok(resp)["data"]
    assert data["status"] == "ready"  # type: ignore[index]
    # The serving index is shown, not waited for: previews take SQL while it builds.
    assert data["servingIndex"]["state"] in ("ready", "building")  # type: ignore[index]
    assert data["servingIndex"]["dataDate"] == "2026-11-20"  # type: ignore[index]
