"""Prometheus metrics: request counts and latencies per route, and the run queue by status.

One registry per app (tests build many apps in one process); `GET /metrics` serves it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "orbit_http_requests_total", "HTTP requests by method, route template and status",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "orbit_http_request_duration_seconds", "HTTP request latency by method and route template",
            ["method", "route"], buckets=BUCKETS, registry=self.registry,
        )

    def watch(self, name: str, read: Callable[[], dict[str, float]], help_text: str, label: str) -> None:
        """Register a gauge family read at scrape time (e.g. runs by status from metadata)."""
        self.registry.register(_Gauges(name, help_text, label, read))


class _Gauges(Collector):
    def __init__(self, name: str, help_text: str, label: str, read: Callable[[], dict[str, float]]) -> None:
        self.name, self.help_text, self.label, self.read = name, help_text, label, read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(self.name, self.help_text, labels=[self.label])
        for key, value in sorted(self.read().items()):
            family.add_metric([key], value)
        yield family


class MetricsMiddleware:
    """Counts and times every HTTP request under its route template (never the raw path, so ids
    do not explode the label space)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status["code"])).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
