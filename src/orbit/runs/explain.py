"""Why a person is in a run: the topics that matched on the run's date (score and signal count),
their best score over the seven days up to it, and each ICP filter of the run's config checked
against their profile. Answers a sales rep's "why is this person on my list?"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from orbit.audiences import config as cfg
from orbit.datasets import service as datasets
from orbit.errors import NotFound, RunNotCompleted
from orbit.metadata.models import Run
from orbit.runs.service import RunStatus
from orbit.warehouse import explain_sql
from orbit.warehouse.backend import Warehouse

TREND_DAYS = 7  # the run's date and the six days before it


@dataclass(frozen=True, slots=True)
class TopicOnDay:
    topic_id: int
    score: int
    signal_count: int
    matched: bool  # in the run's score range (the topics the row lists)


@dataclass(frozen=True, slots=True)
class TrendDay:
    day: date
    best_score: int | None  # None: no signal on the audience's topics that day
    topics: int


@dataclass(frozen=True, slots=True)
class FilterCheck:
    key: str  # the config's filter key, e.g. company.sizes
    check: explain_sql.Check


@dataclass(frozen=True, slots=True)
class Explanation:
    run: Run
    hashed_email: str
    row: explain_sql.ResultOf
    config: cfg.NormalizedConfig
    topics: list[TopicOnDay]
    trend: list[TrendDay]
    filters: list[FilterCheck]


def explain(wh: Warehouse, session: Session, run: Run, *, hashed_email: str) -> Explanation:
    """The explanation of one row of a completed run (the caller scoped the run to its
    organization). RunNotCompleted unless completed; NotFound when the run does not hold the
    person."""
    if run.status != RunStatus.COMPLETED.value:
        raise RunNotCompleted(f"run {run.id} is {run.status}: only a completed run's rows can be explained",
                              details={"status": run.status})
    hashed = hashed_email.lower()
    row = explain_sql.result_of(wh, run_id=run.id, attempt=run.attempts, hashed_email=hashed)
    if row is None:
        raise NotFound(f"run {run.id} holds no person with this hashed e-mail")
    config = cfg.from_stored(run.config)
    spec = cfg.to_spec(config, run.data_date)
    low = run.data_date - timedelta(days=TREND_DAYS - 1)
    days = [d for d in datasets.ready_dates(session) if low <= d <= run.data_date]
    signals = explain_sql.signals_of(wh, person_id=row.person_id, topic_ids=spec.topic_ids, low=low,
                                     high=run.data_date)
    on_day = [s for s in signals if s.data_date == run.data_date]
    topics = sorted((TopicOnDay(s.topic_id, s.score, s.signal_count, s.topic_id in row.topic_ids) for s in on_day),
                    key=lambda t: (not t.matched, -t.score, t.topic_id))
    trend = []
    for day in days:
        scores = [s.score for s in signals if s.data_date == day]
        trend.append(TrendDay(day, max(scores) if scores else None, len(scores)))
    checks = explain_sql.checks(wh, person_id=row.person_id, predicates=spec.predicates)
    filters = [FilterCheck(key, check) for key, check in zip(config.filters, checks, strict=True)]
    return Explanation(run, hashed, row, config, topics, trend, filters)
