"""Webhook events of runs, written in the transaction that completes or fails the run (outbox).
Only rows are written here; delivery happens later, off the run's path (orbit.webhooks)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orbit.metadata.models import Run
from orbit.runs.schemas import RunRead
from orbit.webhooks import service as webhooks
from orbit.webhooks.service import EventType


def _run(session: Session, run_id: str) -> Run:
    run = session.get(Run, run_id, populate_existing=True)  # the caller's copy predates the update
    assert run is not None
    return run


def run_completed(session: Session, *, run_id: str) -> None:
    """`run.completed` with the run as the API shows it, and `audience.changes_ready` when the
    audience has an earlier completed run to compare with (the newest one before this)."""
    run = _run(session, run_id)
    shown = RunRead.of(run).model_dump(mode="json", by_alias=True)
    webhooks.emit(session, org_id=run.organization_id, type_=EventType.RUN_COMPLETED, data=shown)
    # The run the changes were counted against (stored with them), else the newest before it.
    previous = session.get(Run, run.previous_run_id) if run.previous_run_id else session.scalars(
        select(Run).where(Run.audience_id == run.audience_id, Run.status == "completed", Run.id != run.id,
                          Run.completed_at <= run.completed_at)
        .order_by(Run.completed_at.desc(), Run.id.desc()).limit(1)
    ).first()
    if previous is not None:
        webhooks.emit(session, org_id=run.organization_id, type_=EventType.AUDIENCE_CHANGES_READY, data={
            "audienceId": run.audience_id, "runId": run.id, "previousRunId": previous.id,
            "dataDate": run.data_date.isoformat(), "previousDataDate": previous.data_date.isoformat(),
            "changes": shown.get("changes"),  # {previousRunId, new, dropped, changed, minScoreChange}
        })


def run_failed(session: Session, *, run_id: str) -> None:
    """`run.failed` with the run (its `errorCode` and `errorMessage`) once no retry is left."""
    run = _run(session, run_id)
    webhooks.emit(session, org_id=run.organization_id, type_=EventType.RUN_FAILED,
                  data=RunRead.of(run).model_dump(mode="json", by_alias=True))
