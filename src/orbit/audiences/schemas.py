"""Request and response models of the audience builder (camelCase on the wire)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, JsonValue, StrictInt

from orbit.apimodel import NOT_BLANK, ApiModel, Integral, wire
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


NAME_RULE: dict[str, JsonValue] = {"pattern": NOT_BLANK}  # the service trims the name: it must not be only spaces
SizeHint = Annotated[StrictInt, Field(ge=0), Integral]


class AudienceCreate(ApiModel):
    name: str = Field(min_length=1, max_length=255, json_schema_extra=NAME_RULE)
    status: StatusName = "draft"
    config: cfg.ConfigIn
    audience_size: SizeHint | None = Field(default=None, description="G2 size hint; ignored")


class AudienceUpdate(ApiModel):
    """PATCH body: every field optional; `config` replaces the whole config."""

    name: str | None = Field(default=None, min_length=1, max_length=255, json_schema_extra=NAME_RULE)
    status: StatusName | None = None
    config: cfg.ConfigIn | None = None
    audience_size: SizeHint | None = Field(default=None, description="G2 size hint; ignored")


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
    config: dict[str, Any] = Field(description="The config as the client wrote it (G2 flat or G3 dotted filters)")
    normalized_config: dict[str, Any] = Field(description="The canonical form runs use (dotted filter keys, defaults)")
    config_hash: str
    topics: list[TopicRef]
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, a: Audience, topics: list[tuple[int, str]]) -> AudienceRead:
        return cls(
            id=a.id, organization_id=a.organization_id, name=a.name, status=a.status,
            daily_refresh_enabled=a.status == "active", audience_size=a.audience_size,
            last_refreshed_at=iso(a.last_refreshed_at),
            config=cfg.without_unset_source(a.written_config if a.written_config is not None else a.config),
            normalized_config=cfg.without_unset_source(a.config), config_hash=a.config_hash,
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


class EmailHashes(ApiModel):
    """Hashes of the person's e-mail (lower-cased, trimmed); G2's `emailHashes`."""

    sha256: str | None
    sha1: str | None
    md5: str | None


class G2Contact(ApiModel):
    """The G2 flat person fields of the published SDK's row types (ORBIT_API.md §7.8.2), all
    present: the value where Orbit holds it, null where it does not (income, net worth, photo,
    address, household flags, revenue figures, normalized titles, sub-departments). Multi-valued
    fields are strings with values joined by ", ", as G2 sends them. `company` (the name in G2,
    an object in G3) is added by the row types."""

    intent_score: int
    topic_id: int | None
    topic_name: str | None
    matched_topic_ids: list[int]
    topic_overlap: int
    email: str | None
    first_name: str | None
    last_name: str | None
    age_range: str | None
    gender: str | None
    headline: str | None
    photo_url: str | None = None
    linkedin_url: str | None
    income_range: str | None = None
    net_worth: str | None = None
    has_children: str | None = None
    is_homeowner: str | None = None
    is_married: str | None = None
    is_b2b: Literal["y", "n"] | None = Field(alias="isB2b")
    is_b2c: Literal["y", "n"] | None = Field(alias="isB2c")
    address: str | None = None
    city: str | None
    state: str | None
    zip: str | None
    personal_country: str | None
    job_title: str | None
    job_title_normalized: str | None = None
    seniority: str | None
    department: str | None
    subdepartments: str | None = None
    job_functions: str | None = None
    company_domain: str | None
    company_industry: str | None
    company_size: str | None
    company_revenue: float | None = None
    company_revenue_range: str | None
    company_city: str | None
    company_state: str | None
    company_zip: str | None = None
    company_linkedin_url: str | None
    company_description: str | None = None
    company_naics: str | None
    company_sic: str | None
    phones: str | None
    direct_numbers: str | None = None
    mobile_phones: str | None = None
    personal_phones: str | None = None
    emails: str | None
    personal_email: str | None
    personal_emails: str | None
    business_email: str | None
    business_emails: str | None
    email_hashes: EmailHashes


def _s(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _initial(value: object) -> str | None:
    text = _s(value)
    return f"{text[0].upper()}." if text else None


def _yn(value: object) -> Literal["y", "n"] | None:
    return None if value is None else ("y" if value else "n")


def _hashes(email: str | None, sha256: str | None, *, masked: bool) -> EmailHashes:
    if masked or email is None:
        return EmailHashes(sha256=sha256, sha1=None, md5=None)
    key = email.strip().lower().encode()
    return EmailHashes(sha256=sha256, sha1=hashlib.sha1(key, usedforsecurity=False).hexdigest(),
                       md5=hashlib.md5(key, usedforsecurity=False).hexdigest())


def person_emails(p: Mapping[str, Any]) -> list[str]:
    """The person's e-mails, the one `hashedEmail` hashes first (personal, else business)."""
    return list(dict.fromkeys(e for e in (_s(p.get("personal_email")), _s(p.get("business_email"))) if e))


def all_email_hashes(p: Mapping[str, Any]) -> EmailHashes:
    """Hashes of every e-mail of the person, each kind joined by ", " (G2's `allEmailHashes`)."""
    keys = [e.strip().lower().encode() for e in person_emails(p)]
    if not keys:
        return EmailHashes(sha256=None, sha1=None, md5=None)
    return EmailHashes(
        sha256=", ".join(hashlib.sha256(k).hexdigest() for k in keys),
        sha1=", ".join(hashlib.sha1(k, usedforsecurity=False).hexdigest() for k in keys),
        md5=", ".join(hashlib.md5(k, usedforsecurity=False).hexdigest() for k in keys),
    )


def g2_contact(
    p: Mapping[str, Any], *, score: int, overlap: int, topic_ids: Sequence[int], topic_name: str | None, masked: bool,
    hashes: bool = True,
) -> dict[str, Any]:
    """The `G2Contact` fields of a profile (snapshot or profile columns) with its intent. Masked
    (preview samples): names initialised; e-mails, phones, LinkedIn, headline, zip, company domain
    and company identifiers withheld; the SHA-256 of the e-mail kept."""
    business, personal = _s(p.get("business_email")), _s(p.get("personal_email"))
    email = personal or business
    emails = [] if masked else person_emails(p)  # a masked row shows none
    return {
        "intent_score": score, "topic_id": topic_ids[0] if topic_ids else None, "topic_name": topic_name,
        "matched_topic_ids": list(topic_ids), "topic_overlap": overlap,
        "email": None if masked else email,
        "first_name": _initial(p.get("first_name")) if masked else _s(p.get("first_name")),
        "last_name": _initial(p.get("last_name")) if masked else _s(p.get("last_name")),
        "age_range": _s(p.get("age_range")), "gender": _s(p.get("gender")),
        "headline": None if masked else _s(p.get("headline")),
        "linkedin_url": None if masked else _s(p.get("linkedin_url")),
        "is_b2b": _yn(p.get("is_b2b")), "is_b2c": _yn(p.get("is_b2c")),
        "city": _s(p.get("city")), "state": _s(p.get("state")), "zip": None if masked else _s(p.get("zip")),
        "personal_country": _s(p.get("country")),
        "job_title": _s(p.get("job_title")), "seniority": _s(p.get("seniority")), "department": _s(p.get("department")),
        "company_domain": None if masked else _s(p.get("company_domain")),
        "company_industry": _s(p.get("company_industry")), "company_size": _s(p.get("company_size")),
        "company_revenue_range": _s(p.get("company_revenue_range")),
        "company_city": _s(p.get("company_city")), "company_state": _s(p.get("company_state")),
        "company_linkedin_url": None if masked else _s(p.get("company_linkedin_url")),
        "company_naics": None if masked else _s(p.get("company_naics")),
        "company_sic": None if masked else _s(p.get("company_sic")),
        "phones": None if masked else _s(p.get("phone")),
        "emails": None if masked or not emails else ", ".join(emails),
        "personal_email": None if masked else personal, "personal_emails": None if masked else personal,
        "business_email": None if masked else business, "business_emails": None if masked else business,
        **({"email_hashes": _hashes(email, _s(p.get("hashed_email")), masked=masked)} if hashes else {}),
    }


class SampleRow(G2Contact):
    """A masked person in G3 notation: names initialised, e-mail/phone/LinkedIn withheld, hashed
    e-mail kept. Carries the G3 nested fields and every G2 flat one except `company` (an object
    here); G2 clients get `G2SampleRow` (see `row_shape`)."""

    hashed_email: str
    company: SampleCompany
    intent: IntentRead
    phone: None = None
    masked: bool = True


class G2SampleRow(G2Contact):
    """A masked person in G2 notation (the SDK's AudiencePreviewSample): `company` is the name."""

    hem: str
    hashed_email: str
    company: str | None
    masked: bool = True


RowShape = Literal["g2", "g3"]


def row_shape(raw: Mapping[str, Any], requested: RowShape | None) -> RowShape:
    """Which sample rows a preview answers with: the one asked for, else G2 rows for a request
    written in G2 notation (G2 flat filter keys, or `maxScore` 100 — G3's maximum is 99), else G3."""
    if requested is not None:
        return requested
    return "g2" if cfg.is_g2_notation(raw) else "g3"


def sample_row(row: service.PersonRow) -> dict[str, Any]:
    """A `SampleRow` in its JSON form (`wire`: built without validation, as previews are hot)."""
    p = row.profile
    matched = [wire(MatchedTopicRead, {"topic_id": m.topic_id, "topic_name": m.topic_name, "type": m.type,
                                       "industry": m.industry, "category": m.category}) for m in row.matched]
    return wire(SampleRow, {
        "hashed_email": str(p.get("hashed_email", "")),
        "company": wire(SampleCompany, {"name": _s(p.get("company_name")), "domain": _s(p.get("company_domain")),
                                        "industry": _s(p.get("company_industry"))}),
        "intent": wire(IntentRead, {"score": row.rank_score, "topic_overlap": row.overlap, "matched_topics": matched}),
        **_wire_contact(p, row),
    })


def g2_sample_row(row: service.PersonRow) -> dict[str, Any]:
    """A `G2SampleRow` in its JSON form (see `sample_row`)."""
    p = row.profile
    hashed = str(p.get("hashed_email", ""))
    return wire(G2SampleRow, {"hem": hashed, "hashed_email": hashed, "company": _s(p.get("company_name")),
                              **_wire_contact(p, row)})


def _wire_contact(p: Mapping[str, Any], row: service.PersonRow) -> dict[str, Any]:
    contact = g2_contact(p, score=row.rank_score, overlap=row.overlap, topic_ids=[m.topic_id for m in row.matched],
                         topic_name=row.matched[0].topic_name if row.matched else None, masked=True, hashes=False)
    contact["email_hashes"] = wire(EmailHashes, {"sha256": _s(p.get("hashed_email")), "sha1": None, "md5": None})
    return contact


class PreviewRead(ApiModel):
    config_hash: str
    data_date: date
    strategy: str = cfg.STRATEGY
    total_count: int
    breakdowns: dict[str, list[Bucket]]
    sample: list[SampleRow] | list[G2SampleRow]
    applied_filters: list[str]
    normalized_config: dict[str, Any]
    preview_key: str

    @classmethod
    def wire(cls, p: service.Preview, shape: RowShape = "g3") -> dict[str, Any]:
        """The answer in its JSON form: everything but the sample validated as usual, the sample
        rows built by `wire` (tests validate whole answers against this model)."""
        out = cls(
            config_hash=p.config.config_hash, data_date=p.data_date, total_count=p.total,
            breakdowns={k: [Bucket(value=v, label=cfg.label_for(v), count=n) for v, n in vals]
                        for k, vals in p.breakdowns.items()},
            sample=[], applied_filters=p.config.applied_filters,
            normalized_config=p.config.public_json(), preview_key=f"{p.config.config_hash[:16]}:{p.data_date.isoformat()}",
        ).model_dump(mode="json", by_alias=True)
        out["sample"] = [g2_sample_row(r) for r in p.sample] if shape == "g2" else [sample_row(r) for r in p.sample]
        return out
