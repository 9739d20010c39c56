"""Request and response models of the G2 legacy endpoints (camelCase on the wire)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from orbit.apimodel import ApiModel
from orbit.legacy.service import ExportOut, FieldStats, Materialization, Page, Person, Status


class AudienceQuery(ApiModel):
    """`POST /audiences/query`: a saved audience (`audienceId`) or an ad-hoc config."""

    audience_id: str | None = Field(default=None, max_length=64)
    topic_ids: list[int] | None = None
    min_score: int | None = None
    max_score: int | None = None
    min_topic_overlap: int | None = None
    filters: dict[str, Any] | None = None
    data_date: date | None = Field(default=None, alias="date")
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=64)

    def raw_config(self) -> dict[str, Any]:
        """The config as the client wrote it (unset fields stay unset, so defaults apply)."""
        out: dict[str, Any] = self.model_dump(
            by_alias=True, exclude_unset=True, include={"topic_ids", "min_score", "max_score", "min_topic_overlap",
                                                        "filters"})
        return out


def _s(v: Any) -> str | None:
    return str(v) if v not in (None, "") else None


def _yn(v: Any) -> Literal["y", "n"] | None:
    return None if v is None else ("y" if v else "n")


class ResultsPerson(ApiModel):
    """A G2 result row (ORBIT_API.md §7.8.2, the fields Orbit holds); empty values are null."""

    person_id: str | None
    intent_score: int
    topic_id: int | None
    topic_name: str | None
    matched_topic_ids: list[int]
    topic_overlap: int
    email: str | None
    first_name: str | None
    last_name: str | None
    job_title: str | None
    seniority: str | None
    department: str | None
    headline: str | None
    company: str | None  # the company name (G2 is flat)
    company_domain: str | None
    company_industry: str | None
    company_size: str | None
    company_revenue_range: str | None
    company_city: str | None
    company_state: str | None
    company_country: str | None
    company_linkedin_url: str | None
    company_naics: str | None
    company_sic: str | None
    city: str | None
    state: str | None
    zip: str | None
    personal_country: str | None
    linkedin_url: str | None
    age_range: str | None
    gender: str | None
    is_b2b: Literal["y", "n"] | None = Field(alias="isB2b")
    is_b2c: Literal["y", "n"] | None = Field(alias="isB2c")
    personal_email: str | None
    business_email: str | None
    phones: str | None

    @classmethod
    def of(cls, p: Person) -> ResultsPerson:
        r = p.profile
        business, personal = _s(r.get("business_email")), _s(r.get("personal_email"))
        return cls(
            person_id=_s(r.get("hashed_email")), intent_score=p.score,
            topic_id=p.topic_ids[0] if p.topic_ids else None, topic_name=p.topic_name,
            matched_topic_ids=list(p.topic_ids), topic_overlap=p.overlap, email=personal or business,
            first_name=_s(r.get("first_name")), last_name=_s(r.get("last_name")), job_title=_s(r.get("job_title")),
            seniority=_s(r.get("seniority")), department=_s(r.get("department")), headline=_s(r.get("headline")),
            company=_s(r.get("company_name")), company_domain=_s(r.get("company_domain")),
            company_industry=_s(r.get("company_industry")), company_size=_s(r.get("company_size")),
            company_revenue_range=_s(r.get("company_revenue_range")), company_city=_s(r.get("company_city")),
            company_state=_s(r.get("company_state")), company_country=_s(r.get("company_country")),
            company_linkedin_url=_s(r.get("company_linkedin_url")), company_naics=_s(r.get("company_naics")),
            company_sic=_s(r.get("company_sic")), city=_s(r.get("city")), state=_s(r.get("state")),
            zip=_s(r.get("zip")), personal_country=_s(r.get("country")), linkedin_url=_s(r.get("linkedin_url")),
            age_range=_s(r.get("age_range")), gender=_s(r.get("gender")), is_b2b=_yn(r.get("is_b2b")),
            is_b2c=_yn(r.get("is_b2c")), personal_email=personal, business_email=business, phones=_s(r.get("phone")),
        )


class MaterializationStatusRead(ApiModel):
    status: Literal["ready", "materializing", "failed", "none"]
    total_count: int
    data_date: str | None
    run_id: str | None

    @classmethod
    def of(cls, s: Status) -> MaterializationStatusRead:
        return cls(status=s.status.value, total_count=s.total, data_date=s.data_date.isoformat(), run_id=s.run_id)


class FieldStatsRead(ApiModel):
    total: int
    data_date: str
    fields: dict[str, float]  # field name -> percent of non-empty values

    @classmethod
    def of(cls, s: FieldStats) -> FieldStatsRead:
        return cls(total=s.total, data_date=s.data_date.isoformat(), fields=s.fields)


class LegacyExportRead(ApiModel):
    download_url: str | None
    file_name: str
    rows: int
    data_date: str
    expires_in: str | None  # e.g. "3600s"
    cached: bool

    @classmethod
    def of(cls, e: ExportOut) -> LegacyExportRead:
        ttl = e.link.ttl_seconds
        return cls(download_url=e.link.url, file_name=e.file_name, rows=e.rows, data_date=e.data_date.isoformat(),
                   expires_in=f"{ttl}s" if ttl is not None else None, cached=e.cached)


def page_meta(page: Page, *, with_cache_key: bool) -> dict[str, object]:
    """The G2 paging `meta` of a page (`materializing` results pages carry only status and date)."""
    day = page.data_date.isoformat()
    if not with_cache_key and page.status != Materialization.READY:
        return {"status": page.status.value, "dataDate": day}
    out: dict[str, object] = {"count": len(page.people), "totalCount": page.total, "nextCursor": page.next_cursor,
                              "hasMore": page.has_more, "status": page.status.value}
    if with_cache_key:
        out["cacheKey"] = page.cache_key
    out["dataDate"] = day
    return out
