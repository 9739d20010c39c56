"""Reusable check that one organization can never see or change another's objects.

Every org-scoped endpoint's tests call `assert_isolated`: the other organization's request must
answer exactly as for an id that does not exist (404 NOT_FOUND, same message), and the owner's
object must be unchanged afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient


@dataclass(frozen=True)
class Call:
    method: str
    url: str  # contains the owner's object id
    json: Any = None


def _strip(body: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"error": body.get("error")}


def assert_isolated(
    client: TestClient,
    *,
    owner: Mapping[str, str],
    other: Mapping[str, str],
    read_url: str,
    calls: Sequence[Call],
    object_id: str,
    missing_id: str,
) -> None:
    """`other`'s calls on `object_id` look exactly like calls on `missing_id`, and change nothing."""
    before = client.get(read_url, headers=dict(owner))
    assert before.status_code == 200, before.text
    for call in calls:
        seen = client.request(call.method, call.url, headers=dict(other), json=call.json)
        absent = client.request(
            call.method, call.url.replace(object_id, missing_id), headers=dict(other), json=call.json
        )
        assert seen.status_code == 404, f"{call.method} {call.url} by another org: {seen.status_code} {seen.text}"
        assert seen.json()["error"]["code"] == "NOT_FOUND"
        expected = _strip(absent.json())
        got = _strip(seen.json())
        assert str(got).replace(object_id, missing_id) == str(expected), (
            f"{call.method} {call.url}: another org's object answers differently from a missing one"
        )
    after = client.get(read_url, headers=dict(owner))
    assert after.status_code == 200
    assert after.json()["data"] == before.json()["data"], "another organization changed the object"
