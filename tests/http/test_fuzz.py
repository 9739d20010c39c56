"""Schemathesis over the OpenAPI document: nothing a client can send answers 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from orbit.app import create_app
from orbit.settings import RunsSettings, Settings
from tests.conftest import Loaded, make_org

pytestmark = pytest.mark.warehouse


def test_no_request_gets_a_server_error(loaded: Loaded, tmp_path: Path) -> None:
    # An app of its own: schemathesis runs the lifespan of the app it is given (once per process),
    # which on the shared `client` app replaced and then closed that app's serving index and catalog.
    app_settings = Settings(data_dir=tmp_path, env="test", runs=RunsSettings(embedded_workers=0),
                            rate_limit={"enabled": False})
    schema = schemathesis.openapi.from_asgi("/openapi-intent.json",
                                            create_app(app_settings, warehouse=loaded.wh, engine=loaded.engine))
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
