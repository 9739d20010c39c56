"""Builds the FastAPI application from settings and the two stores."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from orbit import __version__
from orbit.accounts import router as accounts_router
from orbit.accounts.service import TokenVerifier
from orbit.audiences import router as audiences_router
from orbit.audiences.service import FilterCatalogCache
from orbit.control.loader import Loader
from orbit.control.server import ControlServer
from orbit.control.watch import FolderWatcher
from orbit.exports import router as exports_router
from orbit.exports.storage import open_storage
from orbit.http import errors, methods, openapi, ratelimit
from orbit.http.envelope import envelope
from orbit.http.inputs import reject_unstorable_text
from orbit.http.metrics import Metrics, MetricsMiddleware
from orbit.http.middleware import RequestContext
from orbit.http.overload import LoadShedder
from orbit.legacy import router as legacy_router
from orbit.metadata import db
from orbit.runs import router as runs_router
from orbit.runs import service as runs_service
from orbit.runs.worker import Background
from orbit.serving.holder import IndexHolder
from orbit.settings import Settings
from orbit.site_analysis import router as site_analysis_router
from orbit.site_analysis.analyzer import SiteAnalyzer
from orbit.suppression import router as suppression_router
from orbit.topic_lists import router as topic_lists_router
from orbit.topics import router as topics_router
from orbit.topics.service import TopicCatalog
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.factory import open_warehouse
from orbit.warehouse.statement import Statement
from orbit.webapp import router as webapp_router
from orbit.webhooks import router as webhooks_router
from orbit.webhooks import service as webhooks_service
from orbit.webhooks.deliverer import DeliveryThreads
from orbit.webhooks.keys import server_key

log = logging.getLogger("orbit.app")

DESCRIPTION = (
    "Orbit Audience Intent API — topic discovery, site analysis, curated ICP filters, saved "
    "audiences, materialization runs, stats and CSV export. Discovery endpoints are public; "
    "audience management accepts a Bearer JWT or X-API-Key."
)

TAGS = [
    {"name": "Topic Discovery", "description": "Browse, search and analyze available intent topics"},
    {"name": "Site Analysis", "description": "Analyze a website URL to find matching intent topics"},
    {"name": "Site Topics", "description": "Recent organization site-topic analyses"},
    {
        "name": "Audience Builder",
        "description": "Curated filters, preview, saved audiences, runs, stats, CSV export, and saved topic lists",
    },
    {"name": "Webhooks", "description": "Signed event deliveries to the organization's endpoints, with retries and replay"},
    {"name": "Operations", "description": "Health, readiness and metrics of this Orbit deployment"},
]

def _runs_by_status(sessions: sessionmaker[Session]) -> dict[str, float]:
    with sessions() as session:
        return runs_service.count_by_status(session)


def create_app(
    settings: Settings,
    *,
    warehouse: Warehouse | None = None,
    engine: Engine | None = None,
) -> FastAPI:
    """The Orbit API. Stores not passed in are opened at startup and closed at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_wh = warehouse is None
        own_engine = engine is None
        wh = warehouse or open_warehouse(settings)
        eng = engine or db.make_engine(settings.metadata_url)
        sessions: sessionmaker[Session] = db.make_sessions(eng)
        app.state.settings = settings
        app.state.warehouse = wh
        app.state.sessions = sessions
        app.state.catalog = TopicCatalog(wh, sessions)
        app.state.verifier = TokenVerifier(settings.auth)
        app.state.filter_catalog = FilterCatalogCache(wh)
        # Previews answered from memory once the newest day's index is built (in the background).
        app.state.serving = IndexHolder(wh, settings.serving, directory=settings.data_dir / "serving")
        app.state.export_storage = open_storage(settings)
        # Topic vectors of each inventory are cached on disk here; answers in memory.
        app.state.site_analyzer = SiteAnalyzer(settings.site_analysis, cache_dir=settings.site_analysis.vector_cache_dir)
        # The topic index (model, topic vectors) is built in the background: /readyz says when.
        snap = app.state.catalog.current()
        app.state.site_analyzer.prepare(snap.inventory, str(snap.stamp.topics_version))
        app.state.serving.current(snap)
        if settings.site_analysis.allow_loopback:
            log.warning("site analysis may fetch loopback addresses (ORBIT_SITE_ANALYSIS__ALLOW_LOOPBACK): tests only")
        app.state.rate_limiter = (
            ratelimit.RateLimiter(settings.rate_limit, costly_paths={site_analysis_router.ANALYZE_PATH})
            if settings.rate_limit.enabled else None
        )
        # Webhook secrets are derived from this key; nothing that signs is stored (docs/webhooks.md).
        app.state.webhooks = webhooks_service.Context.of(settings.webhooks, server_key(settings))
        if settings.webhooks.allow_loopback or settings.webhooks.allow_http:
            log.warning("webhooks may call http:// or loopback URLs (ORBIT_WEBHOOKS__ALLOW_*): development and tests only")
        metrics.watch("orbit_runs", lambda: _runs_by_status(sessions), "Runs by status", "status")
        background = None
        if settings.runs.embedded_workers > 0:
            # Runs on the serving index's day are ranked and hydrated from it (runs_sql.write_snapshot).
            background = Background(wh, sessions, app.state.catalog.current, settings.runs,
                                    workers=settings.runs.embedded_workers, index_of=app.state.serving.current,
                                    workdir=settings.data_dir / "serving")
            background.start()
        # Deliveries go out from their own threads: a slow endpoint never holds a run worker.
        deliveries = None
        if settings.webhooks.concurrency > 0:
            deliveries = DeliveryThreads(sessions, settings.webhooks, app.state.webhooks.server_key)
            deliveries.start()
        # Loads handed over by `orbit ingest` and dropped into the watched folder run here, one at
        # a time; when one ends, the snapshot of ready days (and the serving index) move on at once.
        loader = Loader(wh, sessions, after_load=lambda: app.state.serving.current(app.state.catalog.refresh()))
        control = ControlServer(settings.control_socket, loader) if settings.ingest.control else None
        if control is not None:
            control.start()
        watcher = None
        if settings.ingest.watch_dir is not None:
            watcher = FolderWatcher(settings.ingest.watch_dir, loader, every=settings.ingest.watch_seconds)
            watcher.start()
        try:
            yield
        finally:
            if control is not None:
                control.close()
            loader.close()  # a running load stops at its next file
            if watcher is not None:
                watcher.close()
            if background is not None:
                background.close()
            if deliveries is not None:
                deliveries.close()
            app.state.site_analyzer.close()
            app.state.serving.close()
            if own_wh:
                wh.close()
            if own_engine:
                eng.dispose()

    app = FastAPI(
        title="Orbit API",
        version="1.0.0",
        summary=f"Orbit {__version__}",
        description=DESCRIPTION,
        openapi_url="/openapi-intent.json",
        docs_url="/docs",
        redoc_url="/redoc",
        openapi_tags=TAGS,
        lifespan=lifespan,
        # Every route takes a token from its caller's bucket (see orbit.http.ratelimit).
        dependencies=[Depends(ratelimit.rate_limit), Depends(reject_unstorable_text)],
    )
    app.state.settings = settings
    metrics = Metrics()
    errors.install(app)
    methods.install(app)
    openapi.install(app)  # every operation's statuses, codes and headers (orbit.http.openapi)
    # Inner to outer: shedding sits inside the request context, so a 503 carries the request id.
    app.add_middleware(LoadShedder, settings=settings.overload)
    app.add_middleware(RequestContext, max_body_bytes=settings.max_body_bytes,
                       streamed=((suppression_router.ITEMS_PATH, settings.suppression.max_upload_bytes),))
    app.add_middleware(ratelimit.RateLimitHeaders)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.include_router(topics_router.router)
    app.include_router(site_analysis_router.analyze_router)
    app.include_router(site_analysis_router.history_router)
    app.include_router(accounts_router.router)
    app.include_router(legacy_router.router)  # G2 paths first: /audiences/query is not an audience id
    app.include_router(audiences_router.router)
    app.include_router(topic_lists_router.router)
    app.include_router(runs_router.router)
    app.include_router(exports_router.router)
    app.include_router(webhooks_router.router)
    app.include_router(suppression_router.router)
    webapp_router.install(app)  # the browser app at /app (docs/webapp.md)

    @app.get("/metrics", tags=["Operations"], response_class=PlainTextResponse, responses=openapi.errors(
        SERVICE_UNAVAILABLE="the metadata store could not be read for the runs-by-status gauge"))
    def prometheus_metrics() -> PlainTextResponse:
        """Prometheus metrics: requests by route and status, latencies, runs by status."""
        return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", tags=["Operations"])
    def healthz() -> dict[str, object]:
        """Liveness: the process answers."""
        return envelope({"status": "ok"}).model_dump()

    @app.get("/readyz", tags=["Operations"], responses=openapi.errors(
        SERVICE_UNAVAILABLE="a store is not reachable, or the topic index is still being built (`Retry-After`)"))
    def readyz() -> JSONResponse:
        """Readiness: both stores answer a trivial query and the topic index of the current
        inventory (site analysis, semantic topic search) is built."""
        try:
            app.state.warehouse.query(Statement("SELECT 1 AS ok"))
            with app.state.sessions() as session:
                session.execute(text("SELECT 1"))
            snap = app.state.catalog.current()
        except Exception:
            return errors.error_response(503, "SERVICE_UNAVAILABLE", "a store is not reachable")
        version = str(snap.stamp.topics_version)
        if not app.state.site_analyzer.ready(version):
            # A new inventory (an ingest loaded topics) starts its index here at the latest.
            app.state.site_analyzer.prepare(snap.inventory, version)
            return errors.error_response(503, "SERVICE_UNAVAILABLE", "the topic index is being built",
                                         headers={"Retry-After": "1"})
        # The serving index is an accelerator, not a condition of readiness: its state is shown.
        app.state.serving.current(snap)
        serving = app.state.serving.status(snap).as_json()
        return JSONResponse(envelope({"status": "ready", "servingIndex": serving}).model_dump(mode="json"))

    return app
