"""Request and response models of the G2 legacy endpoints (camelCase on the wire)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StrictInt

from orbit.apimodel import ApiModel, Integral, TopicId
from orbit.audiences import config as cfg
from orbit.audiences.schemas import EmailHashes, G2Contact, all_email_hashes, g2_contact
from orbit.legacy.service import ExportOut, FieldStats, Materialization, Page, Person, Status

# `meta.nextCursor`: url-safe base64 (no padding) of the next offset; empty means the first page.
CURSOR_PATTERN = "^(?:[A-Za-z0-9_-]{4,16})?$"
Limit = Annotated[StrictInt, Field(ge=1, le=100), Integral]


class AudienceQuery(ApiModel):
    """`POST /audiences/query`: a saved audience (`audienceId`) or an ad-hoc config. The config
    fields carry the limits of an audience config (`ConfigIn`); with `audienceId` they are not used."""

    # A saved audience, or the topics of an ad-hoc config (whose topic ids must not repeat).
    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": ["audienceId"], "properties": {"audienceId": {"type": "string"}}},
        {"required": ["topicIds"], "properties": {"topicIds": {"type": "array", "uniqueItems": True}}},
    ]})

    audience_id: str | None = Field(default=None, max_length=64)
    topic_ids: list[TopicId] | None = Field(default=None, min_length=1, max_length=cfg.MAX_TOPICS)
    min_score: Annotated[StrictInt, Field(ge=0, le=100), Integral] | None = None
    max_score: Annotated[StrictInt, Field(ge=0, le=100), Integral] | None = None
    min_topic_overlap: Annotated[StrictInt, Field(ge=1, le=cfg.MAX_TOPICS), Integral] | None = None
    filters: dict[str, Any] | None = None
    data_date: date | None = Field(default=None, alias="date")
    limit: Limit = 50
    cursor: str | None = Field(default=None, pattern=CURSOR_PATTERN, description="`meta.nextCursor` of the page before")

    def raw_config(self) -> dict[str, Any]:
        """The config as the client wrote it (unset fields stay unset, so defaults apply)."""
        out: dict[str, Any] = self.model_dump(
            by_alias=True, exclude_unset=True, include={"topic_ids", "min_score", "max_score", "min_topic_overlap",
                                                        "filters"})
        return out


def _s(v: Any) -> str | None:
    return str(v) if v not in (None, "") else None


def _contact(p: Person) -> dict[str, Any]:
    return g2_contact(p.profile, score=p.score, overlap=p.overlap, topic_ids=p.topic_ids, topic_name=p.topic_name,
                      masked=False)


class ResultsPerson(G2Contact):
    """A G2 `/results` row (the SDK's AudienceResultsPerson): every field present, null where
    Orbit holds no value (see `G2Contact`)."""

    person_id: str | None
    company: str | None  # the company name (G2 is flat)
    company_country: str | None

    @classmethod
    def of(cls, p: Person) -> ResultsPerson:
        r = p.profile
        return cls(person_id=_s(r.get("hashed_email")), company=_s(r.get("company_name")),
                   company_country=_s(r.get("company_country")), **_contact(p))


class QueryPerson(G2Contact):
    """A G2 `/query` row (the SDK's AudienceQueryPerson): the results row without `personId`,
    with `country` (the company's) instead of `companyCountry`, plus `hem` and `allEmailHashes`."""

    hem: str | None
    company: str | None
    country: str | None
    all_email_hashes: EmailHashes

    @classmethod
    def of(cls, p: Person) -> QueryPerson:
        r = p.profile
        return cls(hem=_s(r.get("hashed_email")), company=_s(r.get("company_name")),
                   country=_s(r.get("company_country")), all_email_hashes=all_email_hashes(r), **_contact(p))


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
