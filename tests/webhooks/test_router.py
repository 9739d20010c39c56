"""The webhooks API through the app: envelopes, the secret shown once, 4xx for bad input, and
organization isolation on every path. (The client's app runs no deliverer.)"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import OrgKey, expect_error
from tests.isolation import Call, assert_isolated

pytestmark = pytest.mark.warehouse
HOOKS = "/v1/intent/webhooks"
MISSING = "00000000-0000-4000-8000-000000000000"
URL = "http://127.0.0.1:9/orbit-hook"  # the test app allows http and loopback (tests/conftest.py)


def _create(client: TestClient, org: OrgKey, **body: Any) -> dict[str, Any]:
    resp = client.post(HOOKS, headers=org.headers, json={"url": URL, "events": ["run.completed"], **body})
    assert resp.status_code == 201, resp.text
    return resp.json()["data"]  # type: ignore[no-any-return]


def test_create_shows_the_secret_once(client: TestClient, org_a: OrgKey) -> None:
    made = _create(client, org_a, description="crm sync", events=["run.completed", "export.completed"])
    assert made["secret"].startswith("whsec_")
    endpoint = made["endpoint"]
    assert endpoint["url"] == URL and endpoint["enabled"] is True and endpoint["organizationId"] == org_a.id
    assert endpoint["events"] == ["run.completed", "export.completed"]
    got = client.get(f"{HOOKS}/{endpoint['id']}", headers=org_a.headers)
    assert got.status_code == 200 and made["secret"] not in got.text and "secret\"" not in got.text
    listed = client.get(HOOKS, headers=org_a.headers).json()
    assert endpoint["id"] in [e["id"] for e in listed["data"]] and made["secret"] not in str(listed)


def test_patch_rotate_ping_replay_delete(client: TestClient, org_a: OrgKey) -> None:
    made = _create(client, org_a)
    path = f"{HOOKS}/{made['endpoint']['id']}"
    patched = client.patch(path, headers=org_a.headers, json={"enabled": False, "events": ["run.failed"]})
    assert patched.status_code == 200
    assert (patched.json()["data"]["enabled"], patched.json()["data"]["events"]) == (False, ["run.failed"])
    rotated = client.post(f"{path}/rotate-secret", headers=org_a.headers).json()["data"]
    assert rotated["secret"] != made["secret"] and rotated["endpoint"]["previousSecretExpiresAt"]
    ping = client.post(f"{path}/ping", headers=org_a.headers)
    assert ping.status_code == 202
    delivery = ping.json()["data"]
    assert (delivery["eventType"], delivery["status"], delivery["attempts"]) == ("webhook.ping", "pending", 0)
    one = client.get(f"{path}/deliveries/{delivery['id']}", headers=org_a.headers).json()["data"]
    assert one["event"]["type"] == "webhook.ping" and one["event"]["data"] == {"endpointId": made["endpoint"]["id"]}
    replay = client.post(f"{path}/deliveries/{delivery['id']}/replay", headers=org_a.headers)
    assert replay.status_code == 202 and replay.json()["data"]["replayOf"] == delivery["id"]
    page = client.get(f"{path}/deliveries", headers=org_a.headers, params={"status": "pending"}).json()
    assert page["meta"]["total"] == 2 and {d["id"] for d in page["data"]} >= {delivery["id"]}
    assert client.delete(path, headers=org_a.headers).json()["data"] == {"id": made["endpoint"]["id"], "deleted": True}
    expect_error(client.get(path, headers=org_a.headers), 404, "NOT_FOUND")
    expect_error(client.get(f"{path}/deliveries", headers=org_a.headers), 404, "NOT_FOUND")


@pytest.mark.parametrize(("body", "field"), [
    ({"url": URL, "events": ["run.exploded"]}, "events[0]"),
    ({"url": URL, "events": []}, "events"),
    ({"url": URL, "events": ["run.failed", "run.failed"]}, "events"),
    ({"url": "http://10.0.0.7/hook", "events": ["run.failed"]}, "url"),  # private, even in tests
    ({"url": "http://169.254.169.254/latest", "events": ["run.failed"]}, "url"),
    ({"url": "ftp://127.0.0.1/hook", "events": ["run.failed"]}, "url"),
    ({"url": "not a url at all", "events": ["run.failed"]}, "url"),
    ({"url": URL, "events": "run.failed"}, "events"),
    ({"url": URL, "events": ["run.failed"], "secret": "mine"}, "secret"),
])
def test_bad_input_is_a_400_that_writes_nothing(client: TestClient, org_b: OrgKey, body: dict[str, Any],
                                                 field: str) -> None:
    before = client.get(HOOKS, headers=org_b.headers).json()["meta"]["total"]
    error = expect_error(client.post(HOOKS, headers=org_b.headers, json=body), 400, "VALIDATION_ERROR")
    assert field in [d["field"] for d in error["details"]]
    assert client.get(HOOKS, headers=org_b.headers).json()["meta"]["total"] == before


def test_patch_checks_like_create_and_refuses_null(client: TestClient, org_a: OrgKey) -> None:
    path = f"{HOOKS}/{_create(client, org_a)['endpoint']['id']}"
    expect_error(client.patch(path, headers=org_a.headers, json={"url": "http://192.168.0.1/x"}), 400,
                 "VALIDATION_ERROR")
    expect_error(client.patch(path, headers=org_a.headers, json={"url": None}), 400, "VALIDATION_ERROR")
    assert client.get(path, headers=org_a.headers).json()["data"]["url"] == URL


def test_another_organization_gets_404_everywhere(client: TestClient, org_a: OrgKey, org_b: OrgKey) -> None:
    hook = _create(client, org_a)["endpoint"]["id"]
    path = f"{HOOKS}/{hook}"
    delivery = client.post(f"{path}/ping", headers=org_a.headers).json()["data"]["id"]
    calls = [Call("GET", path), Call("PATCH", path, {"description": "x"}), Call("POST", f"{path}/rotate-secret"),
             Call("POST", f"{path}/ping"), Call("GET", f"{path}/deliveries"), Call("DELETE", path)]
    assert_isolated(client, owner=org_a.headers, other=org_b.headers, read_url=path, calls=calls,
                    object_id=hook, missing_id=MISSING)
    own = _create(client, org_b)["endpoint"]["id"]
    for call in (Call("GET", f"{path}/deliveries/{delivery}"), Call("POST", f"{path}/deliveries/{delivery}/replay")):
        assert_isolated(client, owner=org_a.headers, other=org_b.headers, read_url=f"{path}/deliveries/{delivery}",
                        calls=[call], object_id=delivery, missing_id=MISSING)
        # Through an endpoint of its own, another organization's delivery is missing too.
        expect_error(client.request(call.method, call.url.replace(hook, own), headers=org_b.headers), 404, "NOT_FOUND")
