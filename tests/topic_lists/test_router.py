"""Saved topic lists over HTTP (small data set) and their service on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from orbit.accounts import service as accounts
from orbit.errors import Conflict, NotFound, ValidationFailed
from orbit.topic_lists import service
from orbit.topics.inventory import Inventory
from orbit.warehouse.topics import TopicRow
from tests.conftest import Loaded
from tests.isolation import Call, assert_isolated

pytestmark = pytest.mark.warehouse

URL = "/v1/intent/topic-lists"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
FIELDS = {"id", "organizationId", "name", "description", "topicIds", "topics", "createdAt", "updatedAt"}


@dataclass(frozen=True)
class Org:
    id: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Catalogue:
    ids: list[int]  # 260 known ids, enough for the 250-topic limit
    names: dict[int, str]
    unknown: int  # an id the catalogue does not have


def _make_org(loaded: Loaded, label: str) -> Org:
    with loaded.sessions.begin() as s:
        org = accounts.create_organization(s, name=f"{label} {uuid.uuid4().hex[:8]}")
        new = accounts.create_api_key(s, org_ref=org.id)
        return Org(org.id, {"X-API-Key": new.secret})


@pytest.fixture(scope="module")
def orgs(loaded: Loaded) -> tuple[Org, Org]:
    return _make_org(loaded, "Lists Owner"), _make_org(loaded, "Lists Other")


@pytest.fixture(scope="module")
def catalogue(client: TestClient) -> Catalogue:
    topics = client.get("/v1/intent/topics").json()["data"]
    names = {t["topicId"]: t["topicName"] for t in topics}
    return Catalogue(sorted(names)[:260], names, max(names) + 1)


def ok(resp: Any, status: int = 200) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body: dict[str, Any] = resp.json()
    assert set(body) == {"data", "meta"}
    assert TIMESTAMP.match(body["meta"]["timestamp"])
    assert body["meta"]["request_id"] == resp.headers["x-request-id"]
    return body


def error(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error", "meta"} and body["error"]["code"] == code and body["error"]["message"]
    assert body["meta"]["request_id"] == resp.headers["x-request-id"]
    return body["error"]  # type: ignore[no-any-return]


def _create(client: TestClient, org: Org, name: str, topic_ids: list[int], **extra: Any) -> dict[str, Any]:
    body = ok(client.post(URL, headers=org.headers, json={"name": name, "topicIds": topic_ids, **extra}), 201)
    return body["data"]  # type: ignore[no-any-return]


def _name() -> str:
    return f"List {uuid.uuid4().hex[:8]}"


# --- happy paths -----------------------------------------------------------------------------


def test_create_returns_201_with_the_object(client: TestClient, orgs: tuple[Org, Org], catalogue: Catalogue) -> None:
    owner, _ = orgs
    name = _name()
    ids = [catalogue.ids[3], catalogue.ids[0]]
    data = _create(client, owner, f"  {name}  ", ids, description="Fintech buyers")
    assert set(data) == FIELDS
    assert data["organizationId"] == owner.id and data["name"] == name  # stripped
    assert data["description"] == "Fintech buyers" and data["topicIds"] == ids  # order kept
    assert data["topics"] == [{"topicId": t, "topicName": catalogue.names[t]} for t in ids]
    assert TIMESTAMP.match(data["createdAt"]) and data["createdAt"] == data["updatedAt"]
    uuid.UUID(data["id"])


def test_get_returns_the_saved_list(client: TestClient, orgs: tuple[Org, Org], catalogue: Catalogue) -> None:
    owner, _ = orgs
    created = _create(client, owner, _name(), catalogue.ids[:2])
    assert created["description"] == ""
    assert ok(client.get(f"{URL}/{created['id']}", headers=owner.headers))["data"] == created


def test_list_pages_newest_first(client: TestClient, loaded: Loaded, catalogue: Catalogue) -> None:
    org = _make_org(loaded, "Paging")
    made = [_create(client, org, f"List {i}", catalogue.ids[i : i + 1])["id"] for i in range(3)]
    body = ok(client.get(URL, headers=org.headers))
    assert [x["id"] for x in body["data"]] == made[::-1]
    assert {k: body["meta"][k] for k in ("total", "limit", "offset", "hasMore")} == {
        "total": 3, "limit": 50, "offset": 0, "hasMore": False,
    }
    first = ok(client.get(URL, headers=org.headers, params={"limit": 2}))
    assert [x["id"] for x in first["data"]] == [made[2], made[1]] and first["meta"]["hasMore"] is True
    rest = ok(client.get(URL, headers=org.headers, params={"limit": 2, "offset": 2}))
    assert [x["id"] for x in rest["data"]] == [made[0]]
    assert (rest["meta"]["total"], rest["meta"]["offset"], rest["meta"]["hasMore"]) == (3, 2, False)
    assert ok(client.get(URL, headers=org.headers, params={"offset": 9}))["data"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"offset": -1}, "offset"),
     ({"limit": "x"}, "limit"), ({"offset": 2**63}, "offset")],
)
def test_list_rejects_bad_paging(client: TestClient, orgs: tuple[Org, Org], params: dict[str, Any], field: str) -> None:
    err = error(client.get(URL, headers=orgs[0].headers, params=params), 400, "VALIDATION_ERROR")
    assert [d["field"] for d in err["details"]] == [field]


def test_patch_changes_the_given_fields(client: TestClient, orgs: tuple[Org, Org], catalogue: Catalogue) -> None:
    owner, _ = orgs
    created = _create(client, owner, _name(), catalogue.ids[:2], description="old")
    new_name, new_ids = _name(), [catalogue.ids[5]]
    data = ok(client.patch(f"{URL}/{created['id']}", headers=owner.headers,
                           json={"name": new_name, "topicIds": new_ids}))["data"]
    assert (data["name"], data["description"], data["topicIds"]) == (new_name, "old", new_ids)
    assert data["topics"] == [{"topicId": new_ids[0], "topicName": catalogue.names[new_ids[0]]}]
    assert data["createdAt"] == created["createdAt"] and data["updatedAt"] >= created["updatedAt"]
    data = ok(client.patch(f"{URL}/{created['id']}", headers=owner.headers, json={"description": ""}))["data"]
    assert (data["name"], data["description"]) == (new_name, "")
    assert ok(client.get(f"{URL}/{created['id']}", headers=owner.headers))["data"] == data


def test_patch_without_changes_keeps_the_list(client: TestClient, orgs: tuple[Org, Org], catalogue: Catalogue) -> None:
    owner, _ = orgs
    created = _create(client, owner, _name(), catalogue.ids[:2])
    same = {"name": created["name"], "topicIds": created["topicIds"]}
    for kwargs in ({"json": {}}, {}, {"json": same}):
        resp = client.patch(f"{URL}/{created['id']}", headers=owner.headers, **kwargs)
        assert ok(resp)["data"] == created  # updatedAt does not move either


def test_delete_then_the_list_is_gone(client: TestClient, orgs: tuple[Org, Org], catalogue: Catalogue) -> None:
    owner, _ = orgs
    created = _create(client, owner, _name(), catalogue.ids[:1])
    body = ok(client.delete(f"{URL}/{created['id']}", headers=owner.headers))
    assert body["data"] == {"id": created["id"], "deleted": True}
    error(client.get(f"{URL}/{created['id']}", headers=owner.headers), 404, "NOT_FOUND")
    error(client.delete(f"{URL}/{created['id']}", headers=owner.headers), 404, "NOT_FOUND")
    listed = ok(client.get(URL, headers=owner.headers, params={"limit": 100}))["data"]
    assert created["id"] not in {x["id"] for x in listed}
    # The name is free again.
    _create(client, owner, created["name"], catalogue.ids[:1])


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "json"),
    [("GET", "", None), ("POST", "", {"name": "x", "topicIds": [1]}), ("GET", "/abc", None),
     ("PATCH", "/abc", {}), ("DELETE", "/abc", None)],
)
def test_credentials_are_required(client: TestClient, method: str, path: str, json: Any) -> None:
    error(client.request(method, URL + path, json=json), 401, "UNAUTHORIZED")
    error(client.request(method, URL + path, json=json, headers={"X-API-Key": "sk_bogus"}), 401, "UNAUTHORIZED")


def test_duplicate_name_is_a_conflict(client: TestClient, orgs: tuple[Org, Org], catalogue: Catalogue) -> None:
    owner, other = orgs
    name = _name()
    _create(client, owner, name, catalogue.ids[:1])
    err = error(client.post(URL, headers=owner.headers, json={"name": f" {name} ", "topicIds": catalogue.ids[1:2]}),
                409, "CONFLICT")
    assert name in err["message"]
    # Unique per organization and case-sensitive.
    _create(client, owner, name.upper(), catalogue.ids[:1])
    _create(client, other, name, catalogue.ids[:1])


def test_rename_into_a_taken_name_is_a_conflict(client: TestClient, orgs: tuple[Org, Org], catalogue: Catalogue) -> None:
    owner, _ = orgs
    taken = _create(client, owner, _name(), catalogue.ids[:1])
    mine = _create(client, owner, _name(), catalogue.ids[1:2])
    resp = client.patch(f"{URL}/{mine['id']}", headers=owner.headers,
                        json={"name": taken["name"], "topicIds": catalogue.ids[2:4]})
    error(resp, 409, "CONFLICT")
    assert ok(client.get(f"{URL}/{mine['id']}", headers=owner.headers))["data"] == mine


def _bad_bodies(c: Catalogue) -> list[tuple[dict[str, Any], list[str]]]:
    ids = c.ids
    return [
        ({"name": "", "topicIds": ids[:1]}, ["name"]),
        ({"name": "   ", "topicIds": ids[:1]}, ["name"]),
        ({"name": "x" * 256, "topicIds": ids[:1]}, ["name"]),
        ({"name": "a\x00b", "topicIds": ids[:1]}, ["name"]),
        ({"name": "ok", "description": "d" * 2001, "topicIds": ids[:1]}, ["description"]),
        ({"name": "ok", "topicIds": []}, ["topicIds"]),
        ({"name": "ok", "topicIds": ids[:251]}, ["topicIds"]),
        ({"name": "ok", "topicIds": [ids[0], ids[1], ids[0]]}, ["topicIds[2]"]),
        ({"name": "ok", "topicIds": [ids[0], c.unknown]}, ["topicIds[1]"]),
        ({"name": "ok", "topicIds": [ids[0], "7"]}, ["topicIds[1]"]),
        ({"name": "ok", "topicIds": [1.5]}, ["topicIds[0]"]),
        ({"name": "ok", "topicIds": [True]}, ["topicIds[0]"]),
        ({"name": "ok", "topicIds": "1,2"}, ["topicIds"]),
        ({"name": 5, "topicIds": ids[:1]}, ["name"]),
        ({"topicIds": ids[:1]}, ["name"]),
        ({"name": "ok"}, ["topicIds"]),
        ({"name": "ok", "topicIds": ids[:1], "color": "red"}, ["color"]),
        ({"name": "", "topicIds": [c.unknown]}, ["name", "topicIds[0]"]),
    ]


def test_bad_create_bodies_name_the_field(client: TestClient, orgs: tuple[Org, Org], catalogue: Catalogue) -> None:
    owner, _ = orgs
    before = ok(client.get(URL, headers=owner.headers))["meta"]["total"]
    for body, fields in _bad_bodies(catalogue):
        err = error(client.post(URL, headers=owner.headers, json=body), 400, "VALIDATION_ERROR")
        assert [d["field"] for d in err["details"]] == fields, body
    assert ok(client.get(URL, headers=owner.headers))["meta"]["total"] == before


def test_unknown_and_repeated_topics_are_explained(client: TestClient, orgs: tuple[Org, Org], catalogue: Catalogue) -> None:
    body = {"name": "ok", "topicIds": [catalogue.ids[0], catalogue.unknown, catalogue.ids[0]]}
    err = error(client.post(URL, headers=orgs[0].headers, json=body), 400, "VALIDATION_ERROR")
    assert err["details"] == [
        {"field": "topicIds[1]", "message": f"topic {catalogue.unknown} does not exist"},
        {"field": "topicIds[2]", "message": f"topic {catalogue.ids[0]} is listed twice"},
    ]


def test_bad_patch_bodies_name_the_field(client: TestClient, orgs: tuple[Org, Org], catalogue: Catalogue) -> None:
    owner, _ = orgs
    created = _create(client, owner, _name(), catalogue.ids[:1])
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": " "}, "name"), ({"name": None}, "name"), ({"description": None}, "description"),
        ({"description": "d" * 2001}, "description"), ({"topicIds": []}, "topicIds"),
        ({"topicIds": None}, "topicIds"), ({"topicIds": [catalogue.unknown]}, "topicIds[0]"),
        ({"topicIds": ["1"]}, "topicIds[0]"), ({"color": "red"}, "color"),
    ]
    for body, field in cases:
        err = error(client.patch(f"{URL}/{created['id']}", headers=owner.headers, json=body), 400, "VALIDATION_ERROR")
        assert [d["field"] for d in err["details"]] == [field], body
    assert ok(client.get(f"{URL}/{created['id']}", headers=owner.headers))["data"] == created


@pytest.mark.parametrize("content", [b'{"name": "x", "topicIds": [1', b"not json", b"{'name': 'x'}"])
def test_malformed_json_is_invalid_json(client: TestClient, orgs: tuple[Org, Org], content: bytes) -> None:
    headers = {**orgs[0].headers, "Content-Type": "application/json"}
    error(client.post(URL, headers=headers, content=content), 400, "INVALID_JSON")
    error(client.patch(f"{URL}/{uuid.uuid4()}", headers=headers, content=content), 400, "INVALID_JSON")


def test_unpaired_surrogate_is_refused(client: TestClient, orgs: tuple[Org, Org], catalogue: Catalogue) -> None:
    headers = {**orgs[0].headers, "Content-Type": "application/json"}
    content = b'{"name": "ok", "description": "\\ud800", "topicIds": [%d]}' % catalogue.ids[0]
    err = error(client.post(URL, headers=headers, content=content), 400, "VALIDATION_ERROR")
    assert [d["field"] for d in err["details"]] == ["description"]


@pytest.mark.parametrize("missing", ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "1", "%20", "a" * 300])
def test_unknown_or_malformed_id_is_not_found(client: TestClient, orgs: tuple[Org, Org], missing: str) -> None:
    owner, _ = orgs
    for method, json in (("GET", None), ("PATCH", {"name": "x"}), ("DELETE", None)):
        err = error(client.request(method, f"{URL}/{missing}", headers=owner.headers, json=json), 404, "NOT_FOUND")
        assert re.fullmatch(r"topic list .+ does not exist", err["message"])


def test_another_organization_cannot_see_or_change_a_list(
    client: TestClient, orgs: tuple[Org, Org], catalogue: Catalogue
) -> None:
    owner, other = orgs
    created = _create(client, owner, _name(), catalogue.ids[:2])
    url = f"{URL}/{created['id']}"
    assert_isolated(
        client, owner=owner.headers, other=other.headers, read_url=url,
        calls=[Call("GET", url), Call("PATCH", url, json={"name": "stolen", "topicIds": catalogue.ids[2:3]}),
               Call("PATCH", url, json={}), Call("DELETE", url)],
        object_id=created["id"], missing_id=str(uuid.uuid4()),
    )
    assert ok(client.get(url, headers=owner.headers))["data"] == created
    listed = ok(client.get(URL, headers=other.headers, params={"limit": 100}))["data"]
    assert created["id"] not in {x["id"] for x in listed}
    assert all(x["organizationId"] == other.id for x in listed)


# --- service, on SQLite and PostgreSQL -------------------------------------------------------

INVENTORY = Inventory([
    TopicRow(1, "Payments", "b2b", "Finance", "Fintech", "", ("cards",)),
    TopicRow(2, "Cloud Storage", "b2b", "Technology", "Infrastructure", "", ("s3",)),
    TopicRow(3, "Running Shoes", "b2c", "Retail", "Sport", "", ()),
])


def test_service_create_rename_conflict_delete(session: Session) -> None:
    org = accounts.create_organization(session, name="Acme")
    other = accounts.create_organization(session, name="Globex")
    first = service.create_topic_list(session, org_id=org.id, inventory=INVENTORY, name=" Finance ", topic_ids=[1, 2])
    second = service.create_topic_list(session, org_id=org.id, inventory=INVENTORY, name="Cloud", topic_ids=[2])
    assert (first.name, first.topic_ids, first.description) == ("Finance", [1, 2], "")
    service.create_topic_list(session, org_id=other.id, inventory=INVENTORY, name="Finance", topic_ids=[3])

    with pytest.raises(Conflict):
        service.create_topic_list(session, org_id=org.id, inventory=INVENTORY, name="Finance", topic_ids=[3])
    with pytest.raises(Conflict):
        service.update_topic_list(session, org_id=org.id, topic_list_id=second.id, inventory=INVENTORY,
                                  name="Finance", topic_ids=[3])
    # The savepoint kept the transaction usable and the failed rename left nothing behind.
    again = service.get_topic_list(session, org_id=org.id, topic_list_id=second.id)
    assert (again.name, again.topic_ids) == ("Cloud", [2])

    stamp = again.updated_at
    renamed = service.update_topic_list(session, org_id=org.id, topic_list_id=second.id, inventory=INVENTORY,
                                        name="Cloud and Sport", topic_ids=[2, 3])
    assert (renamed.name, renamed.topic_ids) == ("Cloud and Sport", [2, 3]) and renamed.updated_at >= stamp
    page = service.list_topic_lists(session, org_id=org.id)
    assert page.total == 2 and [t.id for t in page.items] == [second.id, first.id]

    with pytest.raises(ValidationFailed) as bad:
        service.create_topic_list(session, org_id=org.id, inventory=INVENTORY, name="x\x00", topic_ids=[1, 9, 1])
    assert [d["field"] for d in bad.value.details] == ["name", "topicIds[1]", "topicIds[2]"]  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        service.get_topic_list(session, org_id=other.id, topic_list_id=first.id)
    with pytest.raises(NotFound):
        service.delete_topic_list(session, org_id=other.id, topic_list_id=first.id)

    service.delete_topic_list(session, org_id=org.id, topic_list_id=first.id)
    with pytest.raises(NotFound):
        service.get_topic_list(session, org_id=org.id, topic_list_id=first.id)
    assert [t.name for t in service.list_topic_lists(session, org_id=org.id).items] == ["Cloud and Sport"]
    assert service.list_topic_lists(session, org_id=other.id).total == 1
