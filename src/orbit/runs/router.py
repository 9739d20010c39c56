"""Runs of a saved audience: queue, list, get, cancel, results and stats (authenticated)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response

from orbit.http.auth import NO_PLAN, CurrentPrincipal, RowReader
from orbit.http.deps import DbSession, WarehouseDep
from orbit.http.envelope import Envelope, envelope
from orbit.http.openapi import errors, merge
from orbit.runs import accounts, changes, explain, service
from orbit.runs.schemas import (
    AccountsRead,
    ChangesRead,
    ExplainRead,
    ResultsRead,
    RunCreate,
    RunRead,
    RunSummary,
    StatsRead,
    account_row,
    change_row,
    result_row,
    stats_body,
)
from orbit.topics.deps import CatalogDep

router = APIRouter(prefix="/v1/intent/audiences/{audience_id}/runs", tags=["Audience Builder"])
NO_AUDIENCE = errors(NOT_FOUND="the organization has no audience with this id")
NO_RUN = errors(NOT_FOUND="the organization has no such audience, or the audience no run with this id")
PENDING_RUN = errors("RUN_NOT_COMPLETED")
HASHED_EMAIL = "^[0-9a-fA-F]{64}$"
NO_PREVIOUS = errors("NO_PREVIOUS_RUN", "PREVIOUS_RUN_GONE")
Kind = Annotated[changes.ChangeKind, Query(description=changes.KIND_HELP)]
MinScoreChange = Annotated[int, Query(alias="minScoreChange", ge=changes.MIN_MIN_SCORE_CHANGE,
                                      le=changes.MAX_MIN_SCORE_CHANGE, description=changes.MIN_SCORE_HELP)]
QUEUED: dict[int | str, dict[str, object]] = {
    200: {"model": Envelope[RunRead], "description": "A repeated Idempotency-Key: the run it queued before"},
}


def _pending(model: object) -> dict[int | str, dict[str, object]]:
    return {202: {"model": model, "description": "The run is queued or running: no rows yet; poll again"}}


@router.post("", response_model=Envelope[RunRead], status_code=202, responses=merge(QUEUED, NO_AUDIENCE, errors(
    "RUN_IN_PROGRESS", "IDEMPOTENCY_CONFLICT")))
def queue_run(
    audience_id: str,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    session: DbSession,
    snap: CatalogDep,
    body: Annotated[RunCreate | None, Body()] = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1,
                                                  max_length=service.MAX_IDEMPOTENCY_KEY)] = None,
) -> Envelope[RunRead]:
    """Queue a manual run (202); the same Idempotency-Key returns the same run (200)."""
    ttl = timedelta(hours=request.app.state.settings.runs.idempotency_hours)
    queued = service.queue_run(
        session, org_id=principal.org_id, audience_id=audience_id, snap=snap, idempotency_key=idempotency_key, ttl=ttl
    )
    if not queued.created:
        response.status_code = 200
    return envelope(RunRead.of(queued.run))


@router.get("", response_model=Envelope[list[RunRead]], responses=NO_AUDIENCE)
def list_runs(
    audience_id: str,
    principal: CurrentPrincipal,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Envelope[list[RunRead]]:
    """The audience's runs, newest first."""
    page = service.list_runs(session, org_id=principal.org_id, audience_id=audience_id, limit=limit, offset=offset)
    exported = service.exported_run_ids(session, [r.id for r in page.items])
    items = [RunRead.of(r, has_export=r.id in exported) for r in page.items]
    return envelope(items, total=page.total, limit=limit, offset=offset, hasMore=offset + len(items) < page.total)


@router.get("/{run_id}", response_model=Envelope[RunRead], responses=NO_RUN)
def get_run(audience_id: str, run_id: str, principal: CurrentPrincipal, session: DbSession) -> Envelope[RunRead]:
    """One run."""
    run = service.get_run(session, org_id=principal.org_id, audience_id=audience_id, run_id=run_id)
    return envelope(RunRead.of(run, has_export=bool(service.exported_run_ids(session, [run.id]))))


@router.delete("/{run_id}", response_model=Envelope[RunRead], responses=merge(NO_RUN, errors("RUN_NOT_CANCELLABLE")))
def cancel_run(audience_id: str, run_id: str, principal: CurrentPrincipal, session: DbSession) -> Envelope[RunRead]:
    """Cancel a queued run (409 RUN_NOT_CANCELLABLE otherwise)."""
    return envelope(RunRead.of(service.cancel_run(session, org_id=principal.org_id, audience_id=audience_id, run_id=run_id)))


@router.get("/{run_id}/results", response_model=Envelope[ResultsRead],
            responses=merge(_pending(Envelope[ResultsRead]), NO_PLAN, NO_RUN, PENDING_RUN))
def run_results(
    audience_id: str,
    run_id: str,
    response: Response,
    principal: RowReader,
    session: DbSession,
    wh: WarehouseDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Envelope[ResultsRead]:
    """People of a completed run in result order (202 while queued or running)."""
    run = service.get_run(session, org_id=principal.org_id, audience_id=audience_id, run_id=run_id)
    service.require_completed(run)
    if service.is_pending(run):
        response.status_code = 202
        return envelope(ResultsRead(run=RunSummary.of(run), state=run.status, results=[], total=0, limit=limit, offset=offset))
    rows = service.results_page(wh, run, limit=limit, offset=offset)
    return envelope(ResultsRead(run=RunSummary.of(run), state=run.status, results=[result_row(r, run.topics) for r in rows],
                                total=run.kept_rows, limit=limit, offset=offset))


@router.get("/{run_id}/results/{hashed_email}/explain", response_model=Envelope[ExplainRead],
            responses=merge(NO_PLAN, errors(NOT_FOUND="the organization has no such audience or run, or the run "
                                                      "holds no person with this hashed e-mail"), PENDING_RUN))
def explain_result(
    audience_id: str,
    run_id: str,
    hashed_email: Annotated[str, Path(pattern=HASHED_EMAIL, description="The row's `hashedEmail` (SHA-256, hex)")],
    principal: RowReader,
    session: DbSession,
    wh: WarehouseDep,
) -> Envelope[ExplainRead]:
    """Why this person is in the run: matched topics on the run's date, their best score over
    the 7 days up to it, and each ICP filter checked against their profile."""
    run = service.get_run(session, org_id=principal.org_id, audience_id=audience_id, run_id=run_id)
    return envelope(ExplainRead.of(explain.explain(wh, session, run, hashed_email=hashed_email)))


@router.get("/{run_id}/accounts", response_model=Envelope[AccountsRead],
            responses=merge(_pending(Envelope[AccountsRead]), NO_PLAN, NO_RUN, PENDING_RUN))
def run_accounts(
    audience_id: str,
    run_id: str,
    response: Response,
    principal: RowReader,
    session: DbSession,
    wh: WarehouseDep,
    sort: Annotated[Literal["people", "surge"], Query(description=(
        "people: most of the run's people first; surge: the strongest account surge first"))] = "people",
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Envelope[AccountsRead]:
    """The companies behind a completed run's people, ranked, with their account surge (202 while
    queued or running)."""
    run = service.get_run(session, org_id=principal.org_id, audience_id=audience_id, run_id=run_id)
    service.require_completed(run)
    if service.is_pending(run):
        response.status_code = 202
        return envelope(AccountsRead(run=RunSummary.of(run), state=run.status, data_date=run.data_date,
                                     baseline_days=0, sort=sort, accounts=[], total=0, limit=limit, offset=offset))
    got = accounts.page(wh, session, run, sort=sort, limit=limit, offset=offset)
    return envelope(AccountsRead(
        run=RunSummary.of(run), state=run.status, data_date=run.data_date, baseline_days=got.window.previous_days,
        sort=sort, accounts=[account_row(r, run.topics) for r in got.rows], total=got.total, limit=limit, offset=offset))


@router.get("/{run_id}/stats", response_model=Envelope[StatsRead],
            responses=merge(_pending(Envelope[StatsRead]), NO_RUN, PENDING_RUN))
def run_stats(
    audience_id: str, run_id: str, response: Response, principal: CurrentPrincipal, session: DbSession, wh: WarehouseDep
) -> Envelope[StatsRead]:
    """Fill rates of every result field, score histogram and averages of a completed run."""
    run = service.get_run(session, org_id=principal.org_id, audience_id=audience_id, run_id=run_id)
    service.require_completed(run)
    if service.is_pending(run):
        response.status_code = 202
        return envelope(StatsRead(run=RunSummary.of(run), state=run.status))
    return envelope(StatsRead(run=RunSummary.of(run), state=run.status, stats=stats_body(service.snapshot_stats(wh, run))))


@router.get("/{run_id}/changes", response_model=Envelope[ChangesRead],
            responses=merge(_pending(Envelope[ChangesRead]), NO_PLAN, NO_RUN, PENDING_RUN, NO_PREVIOUS))
def run_changes(
    audience_id: str,
    run_id: str,
    kind: Kind,
    response: Response,
    principal: RowReader,
    session: DbSession,
    wh: WarehouseDep,
    min_score_change: MinScoreChange = changes.DEFAULT_MIN_SCORE_CHANGE,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Envelope[ChangesRead]:
    """People new, dropped or changed since the audience's previous completed run (202 while queued or running)."""
    run = service.get_run(session, org_id=principal.org_id, audience_id=audience_id, run_id=run_id)
    service.require_completed(run)
    read = {"run": RunSummary.of(run), "state": run.status, "kind": kind.value, "min_score_change": min_score_change,
            "limit": limit, "offset": offset}
    if service.is_pending(run):
        response.status_code = 202
        return envelope(ChangesRead(**read, previous_run=None, results=[], total=0))
    page = changes.changes_page(session, wh, run=run, kind=kind, min_score_change=min_score_change,
                                limit=limit, offset=offset)
    topics = page.previous.topics if kind == changes.ChangeKind.DROPPED else run.topics
    return envelope(ChangesRead(**read, previous_run=RunSummary.of(page.previous), total=page.total,
                                results=[change_row(r, topics, kind.value) for r in page.rows]))
