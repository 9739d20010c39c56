"""`GET …/runs/{runId}/results/{hashedEmail}/explain` against a Python reference of the loaded
data: the matched topics and their scores, the 7-day trend, every filter checked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.audiences.reference import FLAGS, World
from tests.conftest import SMALL_END, Loaded, make_org
from tests.conftest import expect_error as _err
from tests.isolation import Call, assert_isolated
from tests.runs.test_router import MISSING, _audience, _drain

pytestmark = pytest.mark.warehouse
FILTERS = {"contact.hasBusinessEmail": True, "role.isCeo": False,
           "company.sizes": {"values": ["1 to 10", "11 to 25", "26 to 50", "51 to 100", "101 to 250", "251 to 500",
                                        "501 to 1000", "1001 to 5000"]}}


def _completed_run(client: TestClient, loaded: Loaded, popular: list[int], org: Any) -> tuple[dict[str, Any], str]:
    a = _audience(client, org, popular, filters=FILTERS, minScore=40, maxScore=90)
    base = f"/v1/intent/audiences/{a['id']}/runs"
    run = client.post(base, headers=org.headers).json()["data"]
    _drain(client, loaded)
    return a, f"{base}/{run['id']}"


def test_rows_explain_themselves(client: TestClient, loaded: Loaded, popular: list[int], world: World) -> None:
    org = make_org(loaded)
    a, url = _completed_run(client, loaded, popular, org)
    config = a["normalizedConfig"]
    topics, low, high = set(config["topicIds"]), config["minScore"], config["maxScore"]
    rows = client.get(f"{url}/results", headers=org.headers, params={"limit": 1000}).json()["data"]["results"]
    assert len(rows) > 3
    by_hash = {p["hashed_email"]: pid for pid, p in world.persons.items()}
    window = [d for d in sorted(world.signals) if SMALL_END - timedelta(days=6) <= d <= SMALL_END]
    assert len(window) >= 2  # not vacuous: the trend spans loaded days
    for row in [*rows[:3], rows[-1]]:
        resp = client.get(f"{url}/results/{row['hashedEmail'].upper()}/explain", headers=org.headers)
        assert resp.status_code == 200, resp.text
        e = resp.json()["data"]
        person = by_hash[row["hashedEmail"]]
        assert (e["hashedEmail"], e["rank"], e["score"], e["topicOverlap"]) == (
            row["hashedEmail"], row["rank"], row["intent"]["score"], row["intent"]["topicOverlap"])
        assert e["criteria"] == {"topicIds": config["topicIds"], "minScore": low, "maxScore": high,
                                 "minTopicOverlap": config["minTopicOverlap"]}
        on_day = {t: s for p, t, s in world.signals[SMALL_END] if p == person and t in topics}
        assert {t["topicId"]: t["score"] for t in e["topics"]} == on_day
        assert {t["topicId"] for t in e["topics"] if t["matched"]} == {
            m["topicId"] for m in row["intent"]["matchedTopics"]} == {t for t, s in on_day.items() if low <= s <= high}
        assert all(t["signalCount"] >= 1 and t["topicName"] for t in e["topics"])
        assert [t["matched"] for t in e["topics"]] == sorted((t["matched"] for t in e["topics"]), reverse=True)
        expected_trend = []
        for day in window:
            scores = [s for p, t, s in world.signals[day] if p == person and t in topics]
            expected_trend.append({"date": day.isoformat(), "bestScore": max(scores) if scores else None,
                                   "topics": len(scores)})
        assert e["trend"] == expected_trend
        profile = world.persons[person]
        company = world.companies.get(profile["company_id"], {})
        values = {"contact.hasBusinessEmail": "true", "role.isCeo": str(FLAGS["role.isCeo"](profile)).lower(),
                  "company.sizes": company["size_range"]}
        assert e["filters"] == [{"filter": key, "passed": True, "value": values[key]} for key in config["filters"]]
        assert list(config["filters"]) != [] and set(config["filters"]) == set(values)


def test_explain_errors_and_isolation(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    owner, other = make_org(loaded), make_org(loaded)
    a, url = _completed_run(client, loaded, popular, owner)
    row = client.get(f"{url}/results", headers=owner.headers).json()["data"]["results"][0]
    explain = f"{url}/results/{row['hashedEmail']}/explain"
    _err(client.get(f"{url}/results/{'0' * 64}/explain", headers=owner.headers), 404, "NOT_FOUND")
    for bad in ("abc", "g" * 64, "0" * 65):
        _err(client.get(f"{url}/results/{bad}/explain", headers=owner.headers), 400, "VALIDATION_ERROR")
    assert_isolated(client, owner=owner.headers, other=other.headers, read_url=url,
                    object_id=url.rsplit("/", 1)[1], missing_id=MISSING, calls=[Call("GET", explain)])
    queued = client.post(f"/v1/intent/audiences/{a['id']}/runs", headers=owner.headers).json()["data"]
    pending = f"/v1/intent/audiences/{a['id']}/runs/{queued['id']}/results/{row['hashedEmail']}/explain"
    err = _err(client.get(pending, headers=owner.headers), 409, "RUN_NOT_COMPLETED")
    assert err["details"] == {"status": "queued"}
    _drain(client, loaded)
