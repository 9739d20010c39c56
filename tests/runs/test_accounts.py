"""`GET …/runs/{runId}/accounts` and `…/accounts.csv` against a Python reference of the loaded
data: companies of the run's people, their counts, topics and the account surge."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orbit.warehouse.accounts_sql import CSV_COLUMNS
from tests.audiences.reference import World
from tests.conftest import SMALL_END, Loaded, make_org
from tests.conftest import expect_error as _err
from tests.isolation import Call, assert_isolated
from tests.runs.test_router import MISSING, _audience, _drain
from tests.warehouse.csv_cells import escaped

pytestmark = pytest.mark.warehouse


def _reference(world: World, rows: list[dict[str, Any]], config: dict[str, Any]) -> dict[int, dict[str, Any]]:
    by_hash = {p["hashed_email"]: pid for pid, p in world.persons.items()}
    topics, low, high = set(config["topicIds"]), config["minScore"], config["maxScore"]
    before = [d for d in world.signals if SMALL_END - timedelta(days=7) <= d < SMALL_END]
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        company = world.persons[by_hash[row["hashedEmail"]]]["company_id"]
        if not company:
            continue
        acc = out.setdefault(company, {"people": 0, "scores": [], "seniorities": Counter(), "topics": Counter()})
        acc["people"] += 1
        acc["scores"].append(row["intent"]["score"])
        if row["seniority"]:
            acc["seniorities"][row["seniority"]] += 1
        acc["topics"].update(m["topicId"] for m in row["intent"]["matchedTopics"])
    researching: dict[Any, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for day in [SMALL_END, *before]:
        for person, topic, score in world.signals[day]:
            company = world.persons.get(person, {}).get("company_id")
            if company in out and topic in topics and low <= score <= high:
                researching[day][company].add(person)
    for company, acc in out.items():
        today = len(researching[SMALL_END][company])
        base = sum(len(researching[d][company]) for d in before) / len(before) if before else None
        acc["today"], acc["before"] = today, None if base is None else round(base, 2)
        acc["surge"] = None if base is None else round(50 * (1 + (today - base) / max(today + base, 1)))
    return out


def test_accounts_match_the_reference(client: TestClient, loaded: Loaded, popular: list[int], world: World) -> None:
    org = make_org(loaded)
    a = _audience(client, org, popular, filters={"contact.hasBusinessEmail": True}, minScore=40)
    base = f"/v1/intent/audiences/{a['id']}/runs"
    run = client.post(base, headers=org.headers).json()["data"]
    url = f"{base}/{run['id']}"
    pending = client.get(f"{url}/accounts", headers=org.headers)
    assert pending.status_code == 202 and pending.json()["data"]["accounts"] == []
    _drain(client, loaded)
    rows = client.get(f"{url}/results", headers=org.headers, params={"limit": 1000}).json()["data"]["results"]
    expected = _reference(world, rows, a["normalizedConfig"])
    assert len(expected) > 10
    got: list[dict[str, Any]] = []
    while True:
        page = client.get(f"{url}/accounts", headers=org.headers, params={"limit": 7, "offset": len(got)})
        assert page.status_code == 200, page.text
        data = page.json()["data"]
        assert data["total"] == len(expected) and data["baselineDays"] >= 1 and data["sort"] == "people"
        got += data["accounts"]
        if not data["accounts"]:
            break
    assert [g["rank"] for g in got] == list(range(1, len(expected) + 1))
    assert {g["companyId"] for g in got} == set(expected)
    for g in got:
        e = expected[g["companyId"]]
        assert g["people"] == e["people"] and g["bestScore"] == max(e["scores"])
        assert g["avgScore"] == pytest.approx(sum(e["scores"]) / len(e["scores"]), abs=0.01)
        assert {s["value"]: s["count"] for s in g["seniorities"]} == dict(e["seniorities"])
        assert {t["topicId"]: t["people"] for t in g["topics"]} == dict(e["topics"])
        assert all(t["topicName"] for t in g["topics"])
        assert g["surge"]["researchingToday"] == e["today"] >= g["people"]
        assert g["surge"]["researchingBefore"] == pytest.approx(e["before"], abs=0.01)
        assert g["surge"]["score"] == pytest.approx(e["surge"], abs=1)
    keys = [(-g["people"], -g["surge"]["score"], -g["bestScore"]) for g in got]
    assert keys == sorted(keys)
    by_surge = client.get(f"{url}/accounts", headers=org.headers, params={"sort": "surge", "limit": 1000}).json()["data"]
    surges = [(-g["surge"]["score"], -g["people"]) for g in by_surge["accounts"]]
    assert surges == sorted(surges) and len(surges) == len(expected)

    resp = client.get(f"{url}/accounts.csv", headers=org.headers)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-disposition"].endswith(f'-run-{run["id"]}-accounts.csv"')
    header, *cells = list(csv.reader(io.StringIO(resp.content.decode(), newline="")))
    assert header == [name for name, _ in CSV_COLUMNS] and len(cells) == len(got)
    col = {name: i for i, name in enumerate(header)}
    for row, g in zip(cells, got, strict=True):
        assert row[col["rank"]] == str(g["rank"]) and row[col["companyId"]] == str(g["companyId"])
        assert row[col["name"]] == escaped(g["name"] or "") and row[col["people"]] == str(g["people"])
        assert row[col["surgeScore"]] == str(g["surge"]["score"])
        assert dict(x.split(":") for x in row[col["topics"]].split("|")) == {
            str(t["topicId"]): str(t["people"]) for t in g["topics"]}


def test_accounts_errors_and_isolation(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    owner, other = make_org(loaded), make_org(loaded)
    a = _audience(client, owner, popular)
    base = f"/v1/intent/audiences/{a['id']}/runs"
    run = client.post(base, headers=owner.headers).json()["data"]
    _drain(client, loaded)
    url = f"{base}/{run['id']}"
    _err(client.get(f"{url}/accounts", headers=owner.headers, params={"sort": "size"}), 400, "VALIDATION_ERROR")
    _err(client.get(f"{url}/accounts", headers=owner.headers, params={"limit": 1001}), 400, "VALIDATION_ERROR")
    assert_isolated(client, owner=owner.headers, other=other.headers, read_url=url, object_id=run["id"],
                    missing_id=MISSING, calls=[Call("GET", f"{url}/accounts"), Call("GET", f"{url}/accounts.csv")])
    beyond = client.get(f"{url}/accounts", headers=owner.headers, params={"offset": 100_000}).json()["data"]
    assert beyond["accounts"] == [] and beyond["total"] > 0
