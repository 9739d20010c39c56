"""What changed since a run's previous completed run: which run that is, the counts stored when
a run completes, and pages of new, dropped and changed people. No HTTP; flushes nothing.

The previous run is fixed when a run completes (the audience's last completed run then; at most
one run per audience is in progress, so no other can complete meanwhile) and stored with the
counts, so a run's changes never move, like the rest of its snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orbit.errors import NoPreviousRun, PreviousRunGone
from orbit.metadata.models import Run
from orbit.runs.service import RunChanges, RunStatus
from orbit.warehouse import runs_sql
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.changes_sql import ChangeCounts, SnapshotRef, change_counts
from orbit.warehouse.changes_sql import ChangeKind as ChangeKind
from orbit.warehouse.changes_sql import page as change_page
from orbit.warehouse.statement import Profile

# The threshold of the counts stored on a run, and the endpoints' default (docs/runs.md).
DEFAULT_MIN_SCORE_CHANGE = 10
MIN_MIN_SCORE_CHANGE, MAX_MIN_SCORE_CHANGE = 1, 99  # scores are 1..99: a move of 99 is the largest
KIND_HELP = ("new: in this run, not in the previous one; dropped: in the previous run, not in this one; "
             "changed: in both, best score moved by at least minScoreChange")
MIN_SCORE_HELP = "The smallest move of a person's best score, up or down, that counts as changed"


def ref(run: Run) -> SnapshotRef:
    """The rows a completed run was completed with (its last attempt)."""
    return SnapshotRef(run.id, run.attempts)


def find_previous_run(session: Session, *, audience_id: str, run_id: str,
                      completed_before: datetime | None = None) -> Run | None:
    """The audience's completed run (other than `run_id`) that completed last, before
    `completed_before` when given; None when there is none."""
    query = select(Run).where(Run.audience_id == audience_id, Run.id != run_id,
                              Run.status == RunStatus.COMPLETED.value)
    if completed_before is not None:
        query = query.where(Run.completed_at < completed_before)
    return session.scalars(query.order_by(Run.completed_at.desc(), Run.id.desc()).limit(1)).first()


def count_changes(wh: Warehouse, *, run: Run, previous: SnapshotRef | None) -> RunChanges | None:
    """The counts to store when `run` (its current attempt's rows written) completes; None when
    the audience had no completed run before. Raises WarehouseQueryError."""
    if previous is None:
        return None
    counts = change_counts(wh, ref(run), previous, min_change=DEFAULT_MIN_SCORE_CHANGE, profile=Profile.INGEST)
    return RunChanges(previous.run_id, counts, DEFAULT_MIN_SCORE_CHANGE)


def stored(run: Run) -> RunChanges | None:
    """The counts stored on the run; None when it had no previous run (or completed before
    changes were counted)."""
    if run.previous_run_id is None or run.changes_new is None:
        return None
    return RunChanges(run.previous_run_id, ChangeCounts(run.changes_new, run.changes_dropped or 0,
                                                        run.changes_changed or 0), run.changes_min_score or 0)


def get_previous_run(session: Session, wh: Warehouse, *, run: Run) -> Run:
    """The completed run `run` is compared with, its snapshot rows checked present.

    NoPreviousRun (409) when `run` was its audience's first completed run; PreviousRunGone (410)
    when that run or its rows were deleted since. `run` must be completed.
    """
    if run.previous_run_id is not None:
        previous = session.get(Run, run.previous_run_id)
    else:  # none when it completed, or it completed before changes were recorded: look now
        previous = find_previous_run(session, audience_id=run.audience_id, run_id=run.id,
                                     completed_before=run.completed_at)
        if previous is None:
            raise NoPreviousRun(f"run {run.id} is the first completed run of its audience; "
                                "there is no previous run to compare it with")
    gone = PreviousRunGone(f"the previous run of run {run.id} has been deleted",
                           details={"previousRunId": run.previous_run_id})
    if previous is None or previous.status != RunStatus.COMPLETED.value:
        raise gone
    # A primary-key range count (a few ms): rows deleted with their run are hidden at once.
    if runs_sql.kept_rows(wh, run_id=previous.id, attempt=previous.attempts) != previous.kept_rows:
        raise gone
    return previous


@dataclass(frozen=True, slots=True)
class ChangesPage:
    previous: Run
    rows: list[dict[str, Any]]  # snapshot rows plus prev_rank, prev_score (None for new people)
    total: int  # rows of this kind


def changes_page(session: Session, wh: Warehouse, *, run: Run, kind: ChangeKind, min_score_change: int,
                 limit: int, offset: int) -> ChangesPage:
    """One page of the `kind` people of a completed run, in rank order (the previous run's rank
    for dropped people). Raises NoPreviousRun, PreviousRunGone, WarehouseQueryError."""
    previous = get_previous_run(session, wh, run=run)
    counts = stored(run)
    if counts is None or counts.previous_run_id != previous.id or counts.min_score_change != min_score_change:
        counts = RunChanges(previous.id, change_counts(wh, ref(run), ref(previous), min_change=min_score_change),
                            min_score_change)
    total = {ChangeKind.NEW: counts.counts.new, ChangeKind.DROPPED: counts.counts.dropped,
             ChangeKind.CHANGED: counts.counts.changed}[kind]
    rows = [] if offset >= total else change_page(
        wh, kind, ref(run), ref(previous), min_change=min_score_change, limit=limit, offset=offset)
    return ChangesPage(previous, rows, total)
