"""Suppression lists over HTTP (small data set): lists, uploads and their limits, isolation on every
path, and audiences that apply lists in previews and runs (index and SQL paths) against the
Python reference."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orbit.app import create_app
from orbit.settings import RunsSettings, Settings
from tests.audiences.reference import World, ranked
from tests.conftest import SMALL_END, Loaded, OrgKey, expect_error, make_org
from tests.isolation import Call, assert_isolated
from tests.runs.test_router import _drain

pytestmark = pytest.mark.warehouse
URL = "/v1/intent/suppression-lists"
MISSING = "00000000-0000-4000-8000-000000000000"
CSV = {"Content-Type": "text/csv"}


def _create(client: TestClient, org: OrgKey, name: str = "do not contact") -> dict[str, Any]:
    resp = client.post(URL, headers=org.headers, json={"name": name, "description": "from the CRM"})
    assert resp.status_code == 201, resp.text
    return resp.json()["data"]  # type: ignore[no-any-return]


def _upload(client: TestClient, org: OrgKey, list_id: str, body: str | bytes, *, mode: str = "append",
            status: int = 200) -> dict[str, Any]:
    resp = client.post(f"{URL}/{list_id}/items", headers={**org.headers, **CSV}, content=body, params={"mode": mode})
    assert resp.status_code == status, resp.text
    return resp.json()["data"] if status == 200 else resp.json()  # type: ignore[no-any-return]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_lifecycle_upload_counts_append_replace_clear(client: TestClient, loaded: Loaded) -> None:
    org = make_org(loaded)
    made = _create(client, org)
    assert (made["itemCount"], made["version"], made["uploadedAt"]) == (0, 0, None)
    assert made["kindCounts"] == {"sha256": 0, "sha1": 0, "md5": 0, "domain": 0}
    expect_error(client.post(URL, headers=org.headers, json={"name": " do not contact "}), 409, "CONFLICT")
    expect_error(client.post(URL, headers=org.headers, json={"name": ""}), 400, "VALIDATION_ERROR")
    body = ("first,email,last\n"
            "Ann,ann@acme.com,A\n"
            "Bob,BOB@acme.com ,B\n"
            "Ann again,  Ann@Acme.com,A\n"  # the same address: a duplicate
            "Eve,not-an-address,E\n"
            "\n"
            "Cy,cy@acme.com,C\n")
    up = _upload(client, org, made["id"], body)
    assert (up["total"], up["accepted"], up["rejected"], up["duplicates"], up["mode"]) == (5, 3, 1, 1, "append")
    assert up["errors"] == [{"line": 5, "reason": "not an e-mail address"}]
    assert "not-an-address" not in str(up) and "ann@acme.com" not in str(up)  # never echoed
    listed = up["suppressionList"]
    assert (listed["itemCount"], listed["kindCounts"]["sha256"], listed["version"]) == (3, 3, 1)
    # Appending hashes of other kinds; one already in the list (ann's SHA-256) is a duplicate.
    more = _upload(client, org, made["id"], f"sha256\n{_sha('ann@acme.com').upper()}\n{'ab' * 32}\n")
    assert (more["accepted"], more["duplicates"], more["suppressionList"]["itemCount"]) == (1, 1, 4)
    json_up = client.post(f"{URL}/{made['id']}/items", headers=org.headers,
                          json={"kind": "domain", "items": ["https://www.Acme.com/about", "acme.com", "nope"]})
    assert json_up.status_code == 200, json_up.text
    got = json_up.json()["data"]
    assert (got["accepted"], got["duplicates"], got["rejected"]) == (1, 1, 1)
    assert got["suppressionList"]["kindCounts"] == {"sha256": 4, "sha1": 0, "md5": 0, "domain": 1}
    replaced = _upload(client, org, made["id"], "md5\n0cc175b9c0f1b6a831c399e269772661\n", mode="replace")
    assert (replaced["accepted"], replaced["suppressionList"]["itemCount"]) == (1, 1)
    assert client.get(f"{URL}/{made['id']}", headers=org.headers).json()["data"]["kindCounts"]["md5"] == 1
    cleared = client.delete(f"{URL}/{made['id']}/items", headers=org.headers)
    assert cleared.status_code == 200 and cleared.json()["data"]["itemCount"] == 0
    page = client.get(URL, headers=org.headers, params={"limit": 1}).json()
    assert page["meta"]["total"] == 1 and [x["id"] for x in page["data"]] == [made["id"]]
    deleted = client.delete(f"{URL}/{made['id']}", headers=org.headers)
    assert deleted.json()["data"] == {"id": made["id"], "deleted": True}
    expect_error(client.get(f"{URL}/{made['id']}", headers=org.headers), 404, "NOT_FOUND")


@pytest.mark.parametrize(("body", "field"), [
    (b"", "header"), (b"name,phone\nAnn,1\n", "header"), (b"email,domain\na@b.co,b.co\n", "header"),
    (b"\xff\xfe\n", "header"),
])
def test_a_bad_header_is_a_400_and_adds_nothing(client: TestClient, loaded: Loaded, body: bytes, field: str) -> None:
    org = make_org(loaded)
    made = _create(client, org)
    error = expect_error(client.post(f"{URL}/{made['id']}/items", headers={**org.headers, **CSV}, content=body),
                         400, "VALIDATION_ERROR")
    assert error["details"][0]["field"] == field
    after = client.get(f"{URL}/{made['id']}", headers=org.headers).json()["data"]
    assert (after["itemCount"], after["version"]) == (0, 0)


def test_bad_json_bodies_are_400s(client: TestClient, loaded: Loaded) -> None:
    org = make_org(loaded)
    made = _create(client, org)
    path = f"{URL}/{made['id']}/items"
    expect_error(client.post(path, headers=org.headers, json={"kind": "phone", "items": []}), 400, "VALIDATION_ERROR")
    expect_error(client.post(path, headers=org.headers, json=["a"]), 400, "VALIDATION_ERROR")
    expect_error(client.post(path, headers={**org.headers, "Content-Type": "application/json"}, content=b"{"),
                 400, "INVALID_JSON")
    expect_error(client.post(path, headers=org.headers, params={"mode": "merge"}, json={"kind": "md5", "items": []}),
                 400, "VALIDATION_ERROR")
    assert client.get(f"{URL}/{made['id']}", headers=org.headers).json()["data"]["version"] == 0


@pytest.fixture(scope="module")
def small_limits(loaded: Loaded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app whose uploads hold at most 10 entries and 4 KiB of CSV; 1 KiB request bodies (JSON)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("small"), env="test", runs=RunsSettings(embedded_workers=0),
                        webhooks={"concurrency": 0}, serving={"enabled": False}, max_body_bytes=1024,
                        suppression={"max_entries": 10, "max_upload_bytes": 4096})
    with TestClient(create_app(settings, warehouse=loaded.wh, engine=loaded.engine)) as c:
        yield c


def test_limits_refuse_the_whole_upload(small_limits: TestClient, loaded: Loaded) -> None:
    org = make_org(loaded)
    made = _create(small_limits, org)
    path = f"{URL}/{made['id']}/items"
    ten = "md5\n" + "".join(f"{i:032x}\n" for i in range(10))
    assert _upload(small_limits, org, made["id"], ten)["accepted"] == 10
    eleven = "sha1\n" + "".join(f"{i:040x}\n" for i in range(11))  # one entry over the upload limit
    error = expect_error(small_limits.post(path, headers={**org.headers, **CSV}, content=eleven), 413,
                         "PAYLOAD_TOO_LARGE")
    assert "10 entries" in error["message"]
    # Within the upload limit, but the list would hold 11 entries.
    expect_error(small_limits.post(path, headers={**org.headers, **CSV}, content="md5\n" + "f" * 32 + "\n"),
                 413, "PAYLOAD_TOO_LARGE")
    expect_error(small_limits.post(path, headers={**org.headers, **CSV}, content="md5\n" + "x\n" * 3000), 413,
                 "PAYLOAD_TOO_LARGE")  # declared length over 4 KiB
    expect_error(small_limits.post(path, headers=org.headers, json={"kind": "md5", "items": ["x" * 40] * 40}),
                 413, "PAYLOAD_TOO_LARGE")
    # Nothing of the refused uploads was published: still the ten entries of version 1.
    after = small_limits.get(f"{URL}/{made['id']}", headers=org.headers).json()["data"]
    assert (after["itemCount"], after["version"], after["kindCounts"]["sha1"]) == (10, 1, 0)
    replaced = _upload(small_limits, org, made["id"], "md5\n" + "f" * 32 + "\n", mode="replace")
    assert replaced["suppressionList"]["itemCount"] == 1  # replace: the old entries do not count


def test_every_path_is_isolated(client: TestClient, loaded: Loaded, org_a: OrgKey, org_b: OrgKey,
                                popular: list[int]) -> None:
    made = _create(client, org_a, name="isolated")
    _upload(client, org_a, made["id"], "domain\nacme.com\n")
    path = f"{URL}/{made['id']}"
    assert_isolated(
        client, owner=org_a.headers, other=org_b.headers, read_url=path, object_id=made["id"], missing_id=MISSING,
        calls=[Call("GET", path), Call("DELETE", path), Call("DELETE", f"{path}/items"),
               Call("POST", f"{path}/items", json={"kind": "domain", "items": ["evil.com"]})],
    )
    assert made["id"] not in str(client.get(URL, headers=org_b.headers).json())
    # Another organization's list cannot be named by an audience either (400, like an unknown id).
    body = {"name": "x", "config": {"topicIds": popular[:1], "suppressionListIds": [made["id"]]}}
    error = expect_error(client.post("/v1/intent/audiences", headers=org_b.headers, json=body), 400,
                         "VALIDATION_ERROR")
    assert error["details"] == [{"field": "config.suppressionListIds[0]",
                                 "message": f"suppression list {made['id']} does not exist"}]


def _preview(client: TestClient, org: OrgKey, config: dict[str, Any]) -> dict[str, Any]:
    resp = client.post("/v1/intent/audiences/preview", headers=org.headers, json=config)
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("path", ["hydrated-from-index", "ranked-by-sql"])
def test_audiences_leave_out_the_lists_people(client: TestClient, loaded: Loaded, world: World, popular: list[int],
                                              path: str) -> None:
    org = make_org(loaded)
    config = {"topicIds": popular[:4], "minScore": 50, "filters": {"contact.hasBusinessEmail": True}}
    expected = [p for p, _, _ in ranked(world, {**config, "minTopicOverlap": 1, "maxScore": 99,
                                                "filters": {"contact.hasBusinessEmail": True}}, SMALL_END)]
    before = _preview(client, org, config)
    assert before["totalCount"] == len(expected) > 100
    # Three people by plain e-mail, two by MD5 of their business e-mail, and one company's domain.
    people = [world.persons[p] for p in expected]
    by_email, by_md5 = people[:3], people[10:12]
    company = world.companies[people[20]["company_id"]]
    made = _create(client, org)
    _upload(client, org, made["id"], "email\n" + "".join(
        f"{(p['personal_email'] or p['business_email']).upper()}\n" for p in by_email))
    _upload(client, org, made["id"], "md5\n" + "".join(
        hashlib.md5(p["business_email"].encode()).hexdigest() + "\n" for p in by_md5))
    _upload(client, org, made["id"], f"domain\nhttps://www.{company['domain']}/\n")
    gone = {p["person_id"] for p in by_email + by_md5} | {
        p["person_id"] for p in people if p["company_id"] == company["company_id"]}
    keep = [p for p in expected if p not in gone]
    after = _preview(client, org, {**config, "suppressionListIds": [made["id"]]})
    assert after["totalCount"] == len(keep) == len(expected) - len(gone)
    assert {r["hashedEmail"] for r in after["sample"]}.isdisjoint({world.persons[p]["hashed_email"] for p in gone})
    valid = client.post("/v1/intent/audiences/validate", headers=org.headers,
                        json={**config, "suppressionListIds": [made["id"], MISSING]}).json()["data"]
    assert valid["valid"] is False and valid["problems"][0]["field"] == "suppressionListIds[1]"
    # A saved audience that names the list: its run leaves the same people out and counts them.
    resp = client.post("/v1/intent/audiences", headers=org.headers,
                       json={"name": "suppressed", "config": {**config, "suppressionListIds": [made["id"]]}})
    assert resp.status_code == 201, resp.text
    audience = resp.json()["data"]
    assert audience["config"]["suppressionListIds"] == [made["id"]]
    base = f"/v1/intent/audiences/{audience['id']}/runs"
    run = client.post(base, headers=org.headers).json()["data"]
    assert _drain(client, loaded, via_index=path == "hydrated-from-index") >= 1
    done = client.get(f"{base}/{run['id']}", headers=org.headers).json()["data"]
    assert (done["status"], done["resultCount"], done["suppressedCount"]) == ("completed", len(keep), len(gone))
    page = client.get(f"{base}/{run['id']}/results", headers=org.headers, params={"limit": 1000}).json()["data"]
    assert [r["hashedEmail"] for r in page["results"]] == [world.persons[p]["hashed_email"] for p in keep]
    assert [r["rank"] for r in page["results"]] == list(range(1, len(keep) + 1))  # ranks stay contiguous
    # The list cannot go while the audience applies it.
    error = expect_error(client.delete(f"{URL}/{made['id']}", headers=org.headers), 409, "CONFLICT")
    assert error["details"] == {"audienceIds": [audience["id"]]}
