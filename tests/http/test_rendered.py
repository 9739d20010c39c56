"""`rendered_wire()` answers what FastAPI's response_model path would: same JSON, same aliases,
and a body that validates against the response model (the sample rows are built unvalidated)."""

from __future__ import annotations

from typing import Any

import pydantic_core
import pytest
from fastapi.testclient import TestClient

from orbit.audiences.schemas import PreviewRead
from orbit.http.envelope import Envelope, envelope
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
    assert via_fastapi["data"] == got["data"]
    # Byte for byte, key order included, as the model would write it.
    assert model.model_dump_json(by_alias=True).encode() == pydantic_core.to_json(got["data"])
    assert set(via_fastapi["meta"]) == set(got["meta"])


def test_wire_refuses_missing_and_unknown_fields() -> None:
    from orbit.apimodel import wire
    from orbit.audiences.schemas import SampleCompany

    assert wire(SampleCompany, {"name": "Acme", "domain": None, "industry": "x"}) == {
        "name": "Acme", "domain": None, "industry": "x"}
    with pytest.raises(TypeError, match="required"):
        wire(SampleCompany, {"name": "Acme", "domain": None})
    with pytest.raises(TypeError, match="no field"):
        wire(SampleCompany, {"name": "Acme", "domain": None, "industry": "x", "size": 1})
