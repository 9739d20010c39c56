"""Schemathesis over the OpenAPI document: nothing a client can send answers 5xx."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.conftest import Loaded, make_org

pytestmark = pytest.mark.warehouse


def test_no_request_gets_a_server_error(client: TestClient, loaded: Loaded) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi-intent.json", client.app)
    key = make_org(loaded).key
    # Site analysis would fetch (refused) outside addresses; downloads need signed URLs.
    operations = [
        op.ok() for op in schema.get_all_operations()
        if "analyze" not in op.ok().path and "download" not in op.ok().path
    ]
    assert len(operations) > 25
    strategy = st.one_of([op.as_strategy() for op in operations])

    @given(case=strategy)
    @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def call(case: Any) -> None:
        case.call_and_validate(headers={"X-API-Key": key}, checks=[not_a_server_error, status_code_conformance, response_schema_conformance])

    call()
