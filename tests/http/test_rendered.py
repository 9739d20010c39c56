"""`rendered()` answers the bytes FastAPI's response_model path would: same JSON, same aliases."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orbit.audiences.schemas import PreviewRead
from orbit.http.envelope import Envelope, envelope, rendered
from tests.conftest import OrgKey

pytestmark = pytest.mark.warehouse


@pytest.mark.parametrize("shape", ["g3", "g2"])
def test_preview_bytes_equal_the_response_model_path(client: TestClient, org_a: OrgKey, popular: list[int],
                                                     shape: str) -> None:
    resp = client.post(f"/v1/intent/audiences/preview?shape={shape}", headers=org_a.headers,
                       json={"topicIds": popular[:3], "minScore": 50})
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/json"
    got: dict[str, Any] = resp.json()
    assert got["data"]["sample"], "not vacuous"
    # What FastAPI does with a returned model: validate against the response model, then dump.
    model = PreviewRead.model_validate(got["data"])
    via_fastapi = Envelope[PreviewRead].model_validate(envelope(model).model_dump()).model_dump(mode="json", by_alias=True)
    direct = json.loads(rendered(model).body)
    assert direct["data"] == via_fastapi["data"] == got["data"]
    assert set(direct["meta"]) == set(via_fastapi["meta"]) == set(got["meta"])
