"""Response models of runs, results and stats (camelCase on the wire)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from orbit.apimodel import ApiModel
from orbit.audiences.schemas import MatchedTopicRead, iso
from orbit.metadata.models import Run
from orbit.runs import changes, explain
from orbit.warehouse.runs_sql import SnapshotStats


class RunCreate(ApiModel):
    run_type: Literal["manual"] = "manual"


class RunChangesRead(ApiModel):
    """What changed since the audience's previous completed run, counted when the run completed."""

    previous_run_id: str
    new: int
    dropped: int
    changed: int
    min_score_change: int


class RunRead(ApiModel):
    """The G3 run, plus the G2 run-list fields `cacheKey`, `totalCount` and `hasExport`, and
    `changes` (null unless the run completed after another completed run of its audience)."""

    id: str
    audience_id: str
    organization_id: str
    status: str
    run_type: str
    config_hash: str
    data_date: date
    result_key: str | None
    candidate_count: int
    result_count: int
    suppressed_count: int = Field(description=(
        "People who matched the audience's topics and filters but were left out by its suppression lists "
        "(`resultCount` does not count them)"))
    attempts: int
    next_attempt_at: str | None
    idempotency_key: str | None
    error_code: str | None
    error_message: str | None
    started_at: str | None
    completed_at: str | None
    cancelled_at: str | None
    ready_email_sent_at: None = None
    ready_email_export_id: None = None
    ready_email_error: None = None
    created_at: str
    updated_at: str
    cache_key: str
    total_count: int
    has_export: bool
    changes: RunChangesRead | None = None

    @classmethod
    def of(cls, r: Run, *, has_export: bool = False) -> RunRead:
        ch = changes.stored(r) if r.status == "completed" else None
        return cls(
            id=r.id, audience_id=r.audience_id, organization_id=r.organization_id, status=r.status,
            run_type=r.run_type, config_hash=r.config_hash, data_date=r.data_date,
            result_key=f"runs/{r.id}/results" if r.status == "completed" else None,
            candidate_count=r.candidate_count, result_count=r.result_count,
            suppressed_count=r.suppressed_count or 0, attempts=r.attempts,
            next_attempt_at=iso(r.next_attempt_at) if r.status == "queued" else None,
            idempotency_key=r.idempotency_key, error_code=r.error_code if r.status == "failed" else None,
            error_message=r.error_message if r.status == "failed" else None,
            started_at=iso(r.started_at), completed_at=iso(r.completed_at), cancelled_at=iso(r.cancelled_at),
            created_at=iso(r.created_at) or "", updated_at=iso(r.updated_at) or "",
            cache_key=f"{r.config_hash[:16]}:{r.data_date.isoformat()}", total_count=r.result_count,
            has_export=has_export,
            changes=None if ch is None else RunChangesRead(
                previous_run_id=ch.previous_run_id, new=ch.counts.new, dropped=ch.counts.dropped,
                changed=ch.counts.changed, min_score_change=ch.min_score_change),
        )


class RunSummary(ApiModel):
    id: str
    audience_id: str
    status: str
    run_type: str
    candidate_count: int
    result_count: int
    completed_at: str | None

    @classmethod
    def of(cls, r: Run) -> RunSummary:
        return cls(id=r.id, audience_id=r.audience_id, status=r.status, run_type=r.run_type,
                   candidate_count=r.candidate_count, result_count=r.result_count, completed_at=iso(r.completed_at))


class ResultCompany(ApiModel):
    name: str | None
    domain: str | None
    industry: str | None
    industry_group: str | None
    size: str | None
    employee_count: int | None
    revenue_range: str | None
    city: str | None
    state: str | None
    country: str | None
    linkedin_url: str | None
    naics: str | None
    sic: str | None


class ResultIntent(ApiModel):
    score: int
    topic_overlap: int
    matched_topics: list[MatchedTopicRead]


class ResultRow(ApiModel):
    """One unmasked person of a completed run (G3 row with the full company object)."""

    rank: int
    hashed_email: str
    first_name: str | None
    last_name: str | None
    full_name: str | None
    business_email: str | None
    personal_email: str | None
    email: str | None
    primary_contact_email: str | None
    phone: str | None
    linkedin_url: str | None
    headline: str | None
    job_title: str | None
    seniority: str | None
    department: str | None
    age_range: str | None
    gender: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None
    is_b2b: bool = Field(alias="isB2b")
    is_b2c: bool = Field(alias="isB2c")
    company: ResultCompany
    intent: ResultIntent


def _s(v: Any) -> str | None:
    return str(v) if v not in (None, "") else None


def result_row(row: dict[str, Any], topics: dict[str, Any]) -> ResultRow:
    matched = []
    for tid in row["topic_ids"]:
        t = topics.get(str(tid))
        if t is not None:
            matched.append(MatchedTopicRead(topic_id=int(tid), topic_name=t["topicName"], type=t["type"],
                                            industry=t["industry"], category=t["category"]))
    first, last = _s(row["first_name"]), _s(row["last_name"])
    business, personal = _s(row["business_email"]), _s(row["personal_email"])
    return ResultRow(
        rank=row["rank"], hashed_email=row["hashed_email"], first_name=first, last_name=last,
        full_name=" ".join(x for x in (first, last) if x) or None,
        business_email=business, personal_email=personal, email=personal or business,
        primary_contact_email=business or personal, phone=_s(row["phone"]), linkedin_url=_s(row["linkedin_url"]),
        headline=_s(row["headline"]), job_title=_s(row["job_title"]), seniority=_s(row["seniority"]),
        department=_s(row["department"]), age_range=_s(row["age_range"]), gender=_s(row["gender"]),
        city=_s(row["city"]), state=_s(row["state"]), zip=_s(row["zip"]), country=_s(row["country"]),
        is_b2b=bool(row["is_b2b"]), is_b2c=bool(row["is_b2c"]),
        company=ResultCompany(
            name=_s(row["company_name"]), domain=_s(row["company_domain"]), industry=_s(row["company_industry"]),
            industry_group=_s(row["company_industry_group"]), size=_s(row["company_size"]),
            employee_count=row["company_employee_count"] or None, revenue_range=_s(row["company_revenue_range"]),
            city=_s(row["company_city"]), state=_s(row["company_state"]), country=_s(row["company_country"]),
            linkedin_url=_s(row["company_linkedin_url"]), naics=_s(row["company_naics"]), sic=_s(row["company_sic"]),
        ),
        intent=ResultIntent(score=row["score"], topic_overlap=row["overlap"], matched_topics=matched),
    )


class ResultsRead(ApiModel):
    run: RunSummary
    state: str
    results: list[ResultRow]
    total: int
    limit: int
    offset: int


class RowChange(ApiModel):
    kind: str  # new | dropped | changed
    previous_rank: int | None  # null for new people
    previous_score: int | None  # null for new people
    score_change: int | None  # score − previous score; null for new and dropped people


class ChangeRow(ResultRow):
    """A result row (the previous run's row for dropped people) and how it changed."""

    change: RowChange


def change_row(row: dict[str, Any], topics: dict[str, Any], kind: str) -> ChangeRow:
    base = result_row(row, topics)
    prev_score = row["prev_score"]
    score_change = row["score"] - prev_score if kind == "changed" and prev_score is not None else None
    return ChangeRow(**dict(base), change=RowChange(kind=kind, previous_rank=row["prev_rank"],
                                                    previous_score=prev_score, score_change=score_change))


class ChangesRead(ApiModel):
    """A page of one kind of change, in rank order (the previous run's rank for dropped people)."""

    run: RunSummary
    previous_run: RunSummary | None
    state: str
    kind: str
    min_score_change: int
    results: list[ChangeRow]
    total: int
    limit: int
    offset: int


class FillRate(ApiModel):
    count: int
    percent: float


class HistogramBucket(ApiModel):
    bucket: str
    count: int
    percent: float


class StatsBody(ApiModel):
    total: int
    fill_rates: dict[str, FillRate]
    score_histogram: list[HistogramBucket]
    averages: dict[str, float]


class StatsRead(ApiModel):
    run: RunSummary
    state: str
    stats: StatsBody | None = Field(default=None)


def _pct(n: int, total: int) -> float:
    return round(n * 100.0 / total, 2) if total else 0.0


def stats_body(s: SnapshotStats) -> StatsBody:
    averages = {}
    if s.avg_score is not None and s.avg_overlap is not None:
        averages = {"score": round(s.avg_score, 2), "topicOverlap": round(s.avg_overlap, 2)}
    return StatsBody(
        total=s.total,
        fill_rates={k: FillRate(count=v, percent=_pct(v, s.total)) for k, v in s.fill.items()},
        score_histogram=[HistogramBucket(bucket=b, count=n, percent=_pct(n, s.total)) for b, n in s.histogram],
        averages=averages,
    )


class ExplainTopic(ApiModel):
    topic_id: int
    topic_name: str | None  # as stored on the run (None: a topic the run no longer names)
    score: int
    signal_count: int
    matched: bool = Field(description="In the run's score range: one of the row's matched topics")


class ExplainDay(ApiModel):
    date: date
    best_score: int | None = Field(description="Best score on the audience's topics; null: no signal that day")
    topics: int = Field(description="Audience topics with a signal that day")


class ExplainFilter(ApiModel):
    filter: str
    passed: bool | None = Field(description="null: the person is no longer in the loaded people")
    value: str | None = Field(description="The person's value now (\"true\"/\"false\" for flags)")


class ExplainCriteria(ApiModel):
    topic_ids: list[int]
    min_score: int
    max_score: int
    min_topic_overlap: int


class ExplainRead(ApiModel):
    """Why one person is in a run (`GET …/results/{hashedEmail}/explain`)."""

    run: RunSummary
    data_date: date
    hashed_email: str
    rank: int
    score: int
    topic_overlap: int
    criteria: ExplainCriteria
    topics: list[ExplainTopic] = Field(description=(
        "The person's signals on the audience's topics on the run's date, matched topics first, "
        "then strongest first"))
    trend: list[ExplainDay] = Field(description="The loaded days of the 7 up to the run's date, oldest first")
    filters: list[ExplainFilter] = Field(description="Each ICP filter of the run's config, checked against "
                                                     "the person's current profile")

    @classmethod
    def of(cls, e: explain.Explanation) -> ExplainRead:
        run = e.run
        return cls(
            run=RunSummary.of(run), data_date=run.data_date, hashed_email=e.hashed_email, rank=e.row.rank,
            score=e.row.score, topic_overlap=e.row.overlap,
            criteria=ExplainCriteria(topic_ids=list(e.config.topic_ids), min_score=e.config.min_score,
                                     max_score=e.config.max_score, min_topic_overlap=e.config.min_topic_overlap),
            topics=[ExplainTopic(topic_id=t.topic_id, topic_name=(run.topics.get(str(t.topic_id)) or {}).get("topicName"),
                                 score=t.score, signal_count=t.signal_count, matched=t.matched) for t in e.topics],
            trend=[ExplainDay(date=d.day, best_score=d.best_score, topics=d.topics) for d in e.trend],
            filters=[ExplainFilter(filter=f.key, passed=f.check.passed, value=f.check.value) for f in e.filters],
        )


class AccountCount(ApiModel):
    value: str
    count: int


class AccountTopic(ApiModel):
    topic_id: int
    topic_name: str | None
    people: int


class AccountSurge(ApiModel):
    score: int | None = Field(description=(
        "0..100: 50 = as many of the company's people research the audience's topics today as on the "
        "average loaded day of the 7 before, 100 = none did before; null: no day before is loaded"))
    researching_today: int = Field(description="The company's people with a signal on the audience's topics "
                                               "in its score range on the run's date (ICP filters not applied)")
    researching_before: float | None = Field(description="The same, averaged over the loaded days of the 7 before")


class AccountRow(ApiModel):
    rank: int
    company_id: int
    name: str | None
    domain: str | None
    industry: str | None
    size: str | None
    employee_count: int | None
    revenue_range: str | None
    city: str | None
    state: str | None
    country: str | None
    people: int = Field(description="The run's people at this company")
    best_score: int
    avg_score: float
    seniorities: list[AccountCount]
    topics: list[AccountTopic]
    surge: AccountSurge


def account_row(r: dict[str, Any], topics: dict[str, Any]) -> AccountRow:
    seniorities = sorted(((str(k), int(n)) for k, n in zip(r["seniority_values"], r["seniority_counts"], strict=True)
                          if k), key=lambda kv: (-kv[1], kv[0]))
    by_topic = sorted(((int(k), int(n)) for k, n in zip(r["topic_ids"], r["topic_counts"], strict=True)),
                      key=lambda kv: (-kv[1], kv[0]))
    return AccountRow(
        rank=r["rank"], company_id=r["company_id"], name=_s(r["name"]), domain=_s(r["domain"]),
        industry=_s(r["industry"]), size=_s(r["size"]), employee_count=r["employee_count"] or None,
        revenue_range=_s(r["revenue_range"]), city=_s(r["city"]), state=_s(r["state"]), country=_s(r["country"]),
        people=r["people"], best_score=r["best_score"], avg_score=float(r["avg_score"]),
        seniorities=[AccountCount(value=k, count=n) for k, n in seniorities],
        topics=[AccountTopic(topic_id=t, topic_name=(topics.get(str(t)) or {}).get("topicName"), people=n)
                for t, n in by_topic],
        surge=AccountSurge(score=r["surge_score"], researching_today=r["researching_today"] or 0,
                           researching_before=r["researching_before"]),
    )


class AccountsRead(ApiModel):
    run: RunSummary
    state: str
    data_date: date
    baseline_days: int = Field(description="Loaded days among the 7 before the run's date (the surge's baseline)")
    sort: str
    accounts: list[AccountRow]
    total: int
    limit: int
    offset: int
