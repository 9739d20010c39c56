"""`GET /metrics`: Prometheus text with requests by route template and the run queue."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.warehouse


def _value(text: str, series: str) -> float:
    m = re.search(rf"^{re.escape(series)} ([0-9.e+]+)$", text, re.M)
    assert m, f"{series} not in metrics"
    return float(m.group(1))


def test_requests_are_counted_by_route_template(client: TestClient) -> None:
    series = 'orbit_http_requests_total{method="GET",route="/v1/intent/topics/{topicId}/trend",status="404"}'
    before = client.get("/metrics").text
    start = _value(before, series) if series in before else 0.0
    for topic in (1, 2, 3):
        assert client.get(f"/v1/intent/topics/{topic}/trend").status_code == 404
    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    assert _value(resp.text, series) == start + 3
    assert "/v1/intent/topics/1/trend" not in resp.text  # raw paths never become labels
    assert 'orbit_http_request_duration_seconds_bucket{le="0.1",method="GET",route="/v1/intent/topics/{topicId}/trend"}' in resp.text
    for status in ("queued", "running", "completed", "failed", "cancelled"):
        assert f'orbit_runs{{status="{status}"}}' in resp.text
