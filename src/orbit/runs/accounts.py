"""The account view of a run: the companies behind its people, ranked, with an account surge
(today's researchers at the company against the average day of the seven before). What a
sales team works from when it sells to accounts rather than to people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from orbit.datasets import service as datasets
from orbit.metadata.models import Run
from orbit.runs import service
from orbit.warehouse import accounts_sql
from orbit.warehouse.backend import Warehouse

BASELINE_DAYS = 7  # the days before the run's date that the surge compares with


def window_of(session: Session, run: Run) -> accounts_sql.Window:
    low = run.data_date - timedelta(days=BASELINE_DAYS)
    before = [d for d in datasets.ready_dates(session) if low <= d < run.data_date]
    return accounts_sql.Window(run.data_date, low, len(before))


@dataclass(frozen=True, slots=True)
class AccountsPage:
    rows: list[dict[str, Any]]
    total: int
    window: accounts_sql.Window


def page(wh: Warehouse, session: Session, run: Run, *, sort: accounts_sql.Sort, limit: int, offset: int) -> AccountsPage:
    """One page of a completed run's accounts (the caller checked the run's state)."""
    window = window_of(session, run)
    rows, total = accounts_sql.page(wh, run_id=run.id, attempt=run.attempts, spec=service.spec_of(run),
                                    window=window, sort=sort, limit=limit, offset=offset)
    return AccountsPage(rows, total, window)
