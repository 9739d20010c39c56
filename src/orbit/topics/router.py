"""Public topic-discovery endpoints (credentials optional)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from orbit.apimodel import NOT_BLANK
from orbit.http.auth import optional_principal as _optional_principal
from orbit.http.caching import etag_for, not_modified
from orbit.http.deps import WarehouseDep
from orbit.http.envelope import Envelope, envelope
from orbit.http.openapi import errors
from orbit.topics import service
from orbit.topics.deps import CatalogDep
from orbit.topics.schemas import (
    CompareRequest,
    CompareSeries,
    FacetRead,
    FacetsRead,
    MoverRead,
    TopicDetail,
    TopicRead,
    TypeFilter,
    trend_points,
)
from orbit.topics.schemas import TrendPoint as TrendPointRead

# Credentials are optional here; when sent they must be valid (and raise the rate limit).
router = APIRouter(prefix="/v1/intent/topics", tags=["Topic Discovery"], dependencies=[Depends(_optional_principal)])

Text100 = Annotated[str | None, Query(min_length=1, max_length=100)]
TypeQuery = Annotated[TypeFilter | None, Query(alias="type")]

# Conditional GETs (orbit.http.caching): the catalogue changes only when data is loaded.
_CACHE_HEADERS = {
    "ETag": {"description": "Version of this answer; send it back as If-None-Match", "schema": {"type": "string"}},
    "Cache-Control": {"description": "`public, max-age=<seconds>`", "schema": {"type": "string"}},
}
CACHED: dict[int | str, dict[str, object]] = {
    200: {"headers": _CACHE_HEADERS},
    304: {"description": "Not Modified: the copy named by If-None-Match is current (no body)", "headers": _CACHE_HEADERS},
}
IF_NONE_MATCH = {"parameters": [{
    "name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
    "description": "The ETag of a copy the client holds: 304 while it is current",
}]}


@router.get("", response_model=Envelope[list[TopicDetail]], responses=CACHED, openapi_extra=IF_NONE_MATCH)
def browse_topics(
    request: Request,
    response: Response,
    snap: CatalogDep,
    type_: TypeQuery = None,
    industry: Text100 = None,
    category: Text100 = None,
    q: Text100 = None,
    limit: Annotated[int, Query(ge=1, le=25_000)] = 25_000,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    page_size: Annotated[int | None, Query(alias="pageSize", ge=1, le=25_000,
                                           description="G2 paging: page size (replaces limit)")] = None,
    page_no: Annotated[int | None, Query(alias="page", ge=1, le=2**20,
                                         description="G2 paging: 1-based page number (replaces offset)")] = None,
) -> Envelope[list[TopicDetail]] | Response:
    """Browse the topic catalogue with optional type, industry, category and text filters.

    Paged by `limit`/`offset` or, as G2 clients do, by `page`/`pageSize`; `meta` carries both."""
    if page_size is not None:
        limit = page_size
    if page_no is not None:
        offset = (page_no - 1) * limit
    etag = etag_for(snap.version, request.url.query)
    if not_modified(request, response, etag=etag, max_age=request.app.state.settings.topics_cache_seconds):
        return Response(status_code=304, headers=dict(response.headers))
    page = service.browse(snap, type_=type_, industry=industry, category=category, q=q, limit=limit, offset=offset)
    return envelope(
        [TopicDetail.of(t) for t in page.items],
        count=len(page.items), total=page.total, limit=limit, offset=offset,
        page=offset // limit + 1, pageSize=limit, hasMore=offset + len(page.items) < page.total,
        filters={"type": type_, "industry": industry, "category": category, "q": q},
    )


@router.get("/facets", response_model=Envelope[FacetsRead], responses=CACHED, openapi_extra=IF_NONE_MATCH)
def topic_facets(request: Request, response: Response, snap: CatalogDep) -> Envelope[FacetsRead] | Response:
    """Types, industries and categories of the catalogue with topic counts."""
    etag = etag_for(snap.version, "facets")
    if not_modified(request, response, etag=etag, max_age=request.app.state.settings.topics_cache_seconds):
        return Response(status_code=304, headers=dict(response.headers))
    f = snap.inventory.facets
    return envelope(
        FacetsRead(
            types=[FacetRead(value=x.value, count=x.count) for x in f.types],
            industries=[FacetRead(value=x.value, count=x.count) for x in f.industries],
            categories=[FacetRead(value=x.value, count=x.count) for x in f.categories],
            total=f.total,
        )
    )


@router.get("/search", response_model=Envelope[list[TopicRead]])
def search_topics(
    request: Request,
    snap: CatalogDep,
    # Not only spaces: the service trims it (the pattern states it, the service says so by name).
    q: Annotated[str, Query(min_length=1, max_length=100, json_schema_extra={"pattern": NOT_BLANK})],
    type_: TypeQuery = None,
    industry: Text100 = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Envelope[list[TopicRead]]:
    """Find topics: exact and prefix name matches first, then word, keyword and meaning matches
    merged ("pay my staff" finds Payroll Software once the topic index is built)."""
    analyzer = request.app.state.site_analyzer
    version = str(snap.stamp.topics_version)
    index = analyzer.built() if analyzer.ready(version) else None
    found = service.search(snap, q=q, type_=type_, industry=industry, limit=limit,
                           neighbours=index.similar if index is not None else None)
    return envelope([TopicRead.of(t) for t in found])


@router.get("/movers", response_model=Envelope[list[MoverRead]])
def topic_movers(
    snap: CatalogDep,
    wh: WarehouseDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    direction: Annotated[str, Query(pattern="^(up|down)$")] = "up",
    type_: TypeQuery = None,
    industry: Text100 = None,
) -> Envelope[list[MoverRead]]:
    """Topics whose audience grew (or shrank) most from the previous data date to the newest."""
    found, today, yesterday = service.movers(wh, snap, direction=direction, type_=type_, industry=industry, limit=limit)
    return envelope([MoverRead.of(m) for m in found], today=today, yesterday=yesterday)


@router.get("/{topicId}/trend", response_model=Envelope[list[TrendPointRead]],
            responses=errors(NOT_FOUND="no topic has this id"))
def topic_trend(
    snap: CatalogDep,
    wh: WarehouseDep,
    topicId: Annotated[int, Path(gt=0, le=4_294_967_295)],  # noqa: N803 - the public path name
    days: Annotated[int, Query(ge=1, le=90)] = service.DEFAULT_TREND_DAYS,
) -> Envelope[list[TrendPointRead]]:
    """Daily audience, signals and score bands of one topic over the newest data dates."""
    return envelope(trend_points(service.trend(wh, snap, topic_id=topicId, days=days)))


@router.post("/compare", response_model=Envelope[list[CompareSeries]])
def compare_topics(body: CompareRequest, snap: CatalogDep, wh: WarehouseDep) -> Envelope[list[CompareSeries]]:
    """Daily trends of up to 10 topics side by side."""
    trends = service.compare(wh, snap, topic_ids=body.topic_ids, days=body.days)
    return envelope([CompareSeries.of(t) for t in trends])
