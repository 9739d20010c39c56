"""Site analysis (public, credentials optional) and the organization's site topics (authenticated)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from orbit.http.auth import CurrentPrincipal, OptionalPrincipal
from orbit.http.deps import DbSession
from orbit.http.envelope import Envelope, envelope
from orbit.http.openapi import errors
from orbit.site_analysis import analyzer, service
from orbit.site_analysis.deps import AnalyzerDep, SessionsDep
from orbit.site_analysis.schemas import AnalyzeRequest, SiteAnalysisRead
from orbit.topics.deps import CatalogDep

ANALYZE_PATH = "/v1/intent/topics/analyze"

analyze_router = APIRouter(tags=["Site Analysis"])
history_router = APIRouter(prefix="/v1/intent/site-topics", tags=["Site Topics"])

# The request was valid but the site cannot be analyzed (docs/site_analysis.md).
_SITE_ERRORS = errors("SITE_BLOCKED", "SITE_UNREACHABLE", "SITE_TIMEOUT", "SITE_TOO_LARGE", "SITE_NOT_HTML",
                      "SITE_ROBOTS_DISALLOWED", "SITE_TOO_MANY_REDIRECTS")


@analyze_router.post(ANALYZE_PATH, response_model=Envelope[SiteAnalysisRead], responses=_SITE_ERRORS)
async def analyze_site(
    body: AnalyzeRequest, snap: CatalogDep, principal: OptionalPrincipal, site: AnalyzerDep, sessions: SessionsDep
) -> Envelope[SiteAnalysisRead]:
    """Fetch a website and match it to intent topics; with credentials it is kept in the site topics."""
    outcome = await analyzer.analyze_and_record(
        site, sessions, url=body.url, inventory=snap.inventory, version=str(snap.stamp.topics_version),
        org_id=principal.org_id if principal is not None else None,
    )
    data = SiteAnalysisRead.of_result(outcome.result, record=outcome.record, now=datetime.now(UTC))
    return envelope(data, cache="hit" if outcome.cached else "miss")


@history_router.get("", response_model=Envelope[list[SiteAnalysisRead]])
def list_site_topics(
    principal: CurrentPrincipal,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 20,
    offset: Annotated[int, Query(ge=0, le=service.MAX_OFFSET)] = 0,
) -> Envelope[list[SiteAnalysisRead]]:
    """The organization's past site analyses, newest first."""
    page = service.list_site_analyses(session, org_id=principal.org_id, limit=limit, offset=offset)
    return envelope(
        [SiteAnalysisRead.of_record(row) for row in page.items],
        total=page.total, limit=limit, offset=offset, hasMore=offset + len(page.items) < page.total,
    )


@history_router.get("/{analysis_id}", response_model=Envelope[SiteAnalysisRead],
                    responses=errors(NOT_FOUND="the organization has no analysis with this id"))
def get_site_topics(analysis_id: str, principal: CurrentPrincipal, session: DbSession) -> Envelope[SiteAnalysisRead]:
    """One stored site analysis of the organization."""
    row = service.get_site_analysis(session, org_id=principal.org_id, analysis_id=analysis_id)
    return envelope(SiteAnalysisRead.of_record(row))
