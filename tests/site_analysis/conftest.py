"""An Orbit app that may fetch loopback sites (the test-only setting), and a small local site."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from orbit.app import create_app
from orbit.settings import RateLimitSettings, RunsSettings, Settings, SiteAnalysisSettings
from orbit.site_analysis.analyzer import SiteAnalyzer
from tests.conftest import Loaded
from tests.site_analysis.sites import LoopbackOnly, SiteServer, page

HOME = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Acme CRM | The CRM for growing sales teams</title>
<meta name="description" content="Acme CRM helps sales teams manage leads, track their sales pipeline and forecast revenue.">
<meta property="og:site_name" content="Acme CRM">
</head><body>
<nav><a href="/about.html">About us</a> <a href="/pricing.html">Pricing</a> <a href="https://elsewhere.example/">Partner</a></nav>
<h1>The CRM built for teams that sell</h1>
<p>Acme brings contacts, deals and emails into one customer relationship management workspace.</p>
<h2>Visual sales pipeline</h2><p>Drag deals between stages and see which opportunities need attention.</p>
<h2>Lead management</h2><p>Capture leads from web forms and route every lead to the right rep in seconds.</p>
<h2>Sales forecasting</h2><p>Forecast the quarter with weighted pipeline and improve forecast accuracy.</p>
</body></html>"""
ABOUT = """<html><head><title>About Acme CRM</title></head><body><h1>About Acme</h1>
<p>Acme was founded by sales leaders who wanted a CRM that gives time back to sellers.</p></body></html>"""
PRICING = """<html><head><title>Pricing</title></head><body><h1>Simple pricing</h1>
<p>Every plan includes contact management, email tracking and sales reports.</p></body></html>"""


@dataclass
class Api:
    client: TestClient
    app: FastAPI
    guard: LoopbackOnly  # every connection the analyzer makes goes through it
    site: SiteServer

    @property
    def analyzer(self) -> SiteAnalyzer:
        analyzer: SiteAnalyzer = self.app.state.site_analyzer
        return analyzer


def analysis_settings(data_dir: Path, **rate: int) -> Settings:
    limits = {"analyze_anonymous_per_minute": 10_000, "analyze_authenticated_per_minute": 10_000,
              "anonymous_per_minute": 10_000, "authenticated_per_minute": 10_000, **rate}
    return Settings(
        data_dir=data_dir, env="test", runs=RunsSettings(embedded_workers=0),
        site_analysis=SiteAnalysisSettings(
            allow_loopback=True, connect_timeout_s=1.0, read_timeout_s=1.0, page_deadline_s=1.5,
            analysis_deadline_s=3.0,
        ),
        rate_limit=RateLimitSettings(**limits),
    )


@pytest.fixture(scope="module")
def api(loaded: Loaded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    site = SiteServer({"/": page(HOME), "/about.html": page(ABOUT), "/pricing.html": page(PRICING)})
    settings = analysis_settings(tmp_path_factory.mktemp("site-data"))
    app = create_app(settings, warehouse=loaded.wh, engine=loaded.engine)
    with TestClient(app) as client:
        guard = LoopbackOnly()
        app.state.site_analyzer = SiteAnalyzer(
            settings.site_analysis, cache_dir=settings.data_dir / "site_analysis", transport=guard
        )
        yield Api(client, app, guard, site)
    site.stop()
