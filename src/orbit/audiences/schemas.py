"""Request and response models of the audience builder (camelCase on the wire)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from orbit.apimodel import ApiModel
from orbit.audiences import config as cfg
from orbit.audiences import service
from orbit.metadata.models import Audience

StatusName = Literal["draft", "active", "paused"]


def iso(ts: datetime | None) -> str | None:
    """ISO-8601 UTC with milliseconds, as in Orbit's examples."""
    if ts is None:
        return None
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


class PreviewRequest(cfg.ConfigIn):
    """An audience config plus, optionally, the data date to preview (default: the newest)."""

    data_date: date | None = Field(default=None, alias="dataDate")


class AudienceCreate(ApiModel):
    name: str = Field(min_length=1, max_length=255)
    status: StatusName = "draft"
    config: cfg.ConfigIn
    audience_size: int | None = Field(default=None, ge=0, description="G2 size hint; ignored")


class AudienceUpdate(ApiModel):
    """PATCH body: every field optional; `config` replaces the whole config."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    status: StatusName | None = None
    config: cfg.ConfigIn | None = None
    audience_size: int | None = Field(default=None, ge=0, description="G2 size hint; ignored")


class TopicRef(ApiModel):
    id: int
    name: str


class AudienceRead(ApiModel):
    id: str
    organization_id: str
    name: str
    status: StatusName
    access_type: Literal["paid"] = "paid"
    daily_refresh_enabled: bool
    audience_size: int
    last_refreshed_at: str | None
    config: dict[str, Any]
    config_hash: str
    topics: list[TopicRef]
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, a: Audience, topics: list[tuple[int, str]]) -> AudienceRead:
        return cls(
            id=a.id, organization_id=a.organization_id, name=a.name, status=a.status,
            daily_refresh_enabled=a.status == "active", audience_size=a.audience_size,
            last_refreshed_at=iso(a.last_refreshed_at), config=a.config, config_hash=a.config_hash,
            topics=[TopicRef(id=i, name=n) for i, n in topics],
            created_at=iso(a.created_at) or "", updated_at=iso(a.updated_at) or "",
        )


class DeletedRead(ApiModel):
    id: str
    deleted: bool = True


class Problem(ApiModel):
    field: str
    message: str


class ValidateRead(ApiModel):
    valid: bool
    config_hash: str | None
    normalized_config: dict[str, Any] | None
    applied_filters: list[str]
    strategy: str = cfg.STRATEGY
    problems: list[Problem]


class Bucket(ApiModel):
    value: str
    label: str
    count: int


class MatchedTopicRead(ApiModel):
    topic_id: int
    topic_name: str
    type: str
    industry: str
    category: str


class IntentRead(ApiModel):
    score: int
    topic_overlap: int
    matched_topics: list[MatchedTopicRead]


class SampleCompany(ApiModel):
    name: str | None
    domain: str | None
    industry: str | None


class SampleRow(ApiModel):
    """A masked person: names initialised, e-mail/phone/LinkedIn withheld, hashed e-mail kept.

    Carries the G3 nested fields and the G2 flat ones (`intentScore`, `topicId`, ...)."""

    hashed_email: str
    first_name: str | None
    last_name: str | None
    job_title: str | None
    seniority: str | None
    department: str | None
    company: SampleCompany
    intent: IntentRead
    intent_score: int
    topic_id: int | None
    topic_name: str | None
    matched_topic_ids: list[int]
    topic_overlap: int
    email: None = None
    phone: None = None
    linkedin_url: None = None
    company_domain: str | None
    company_industry: str | None
    company_size: str | None
    company_revenue_range: str | None
    state: str | None
    masked: bool = True


def _s(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _initial(value: object) -> str | None:
    text = _s(value)
    return f"{text[0].upper()}." if text else None


def sample_row(row: service.PersonRow) -> SampleRow:
    p = row.profile
    matched = [MatchedTopicRead(topic_id=m.topic_id, topic_name=m.topic_name, type=m.type,
                                industry=m.industry, category=m.category) for m in row.matched]
    return SampleRow(
        hashed_email=str(p.get("hashed_email", "")),
        first_name=_initial(p.get("first_name")), last_name=_initial(p.get("last_name")),
        job_title=_s(p.get("job_title")), seniority=_s(p.get("seniority")), department=_s(p.get("department")),
        company=SampleCompany(name=_s(p.get("company_name")), domain=_s(p.get("company_domain")),
                              industry=_s(p.get("company_industry"))),
        intent=IntentRead(score=row.rank_score, topic_overlap=row.overlap, matched_topics=matched),
        intent_score=row.rank_score,
        topic_id=matched[0].topic_id if matched else None,
        topic_name=matched[0].topic_name if matched else None,
        matched_topic_ids=[m.topic_id for m in matched], topic_overlap=row.overlap,
        company_domain=_s(p.get("company_domain")), company_industry=_s(p.get("company_industry")),
        company_size=_s(p.get("company_size")), company_revenue_range=_s(p.get("company_revenue_range")),
        state=_s(p.get("state")),
    )


class PreviewRead(ApiModel):
    config_hash: str
    data_date: date
    strategy: str = cfg.STRATEGY
    total_count: int
    breakdowns: dict[str, list[Bucket]]
    sample: list[SampleRow]
    applied_filters: list[str]
    normalized_config: dict[str, Any]
    preview_key: str

    @classmethod
    def of(cls, p: service.Preview) -> PreviewRead:
        return cls(
            config_hash=p.config.config_hash, data_date=p.data_date, total_count=p.total,
            breakdowns={k: [Bucket(value=v, label=cfg.label_for(v), count=n) for v, n in vals]
                        for k, vals in p.breakdowns.items()},
            sample=[sample_row(r) for r in p.sample], applied_filters=p.config.applied_filters,
            normalized_config=p.config.as_json(), preview_key=f"{p.config.config_hash[:16]}:{p.data_date.isoformat()}",
        )
