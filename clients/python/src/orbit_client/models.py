"""Request and answer models of the Orbit API, generated from its OpenAPI document
(`GET /openapi-intent.json`) by scripts/gen_client_models.py. Do not edit: regenerate.

Fields are snake_case in Python and camelCase on the wire (aliases); models accept either name.
Answer models keep fields a newer server adds (`extra="allow"`); request models refuse unknown
fields, as the server does.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class OrbitModel(BaseModel):
    """The base of every answer model."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")


class OrbitRequest(BaseModel):
    """The base of every request body model."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

ChangeKind = Literal['new', 'dropped', 'changed']
DeliveryStatus = Literal['pending', 'delivering', 'succeeded', 'failed']
ExportSource = Literal['results', 'changes']
ExportType = Literal['csv', 'linkedin', 'google_ads', 'meta']


class AccountCount(OrbitModel):
    """AccountCount"""

    value: str
    count: int


class AccountRead(OrbitModel):
    """AccountRead"""

    organization: OrganizationRead
    principal: PrincipalRead


class AccountRow(OrbitModel):
    """AccountRow"""

    rank: int
    company_id: int = Field(alias='companyId')
    name: str | None
    domain: str | None
    industry: str | None
    size: str | None
    employee_count: int | None = Field(alias='employeeCount')
    revenue_range: str | None = Field(alias='revenueRange')
    city: str | None
    state: str | None
    country: str | None
    people: int = Field(description="The run's people at this company")
    best_score: int = Field(alias='bestScore')
    avg_score: float = Field(alias='avgScore')
    seniorities: list[AccountCount]
    topics: list[AccountTopic]
    surge: AccountSurge


class AccountSurge(OrbitModel):
    """AccountSurge"""

    score: int | None = Field(description="0..100: 50 = as many of the company's people research the audience's topics today as on the average loaded day of the 7 before, 100 = none did before; null: no day before is loaded")
    researching_today: int = Field(alias='researchingToday', description="The company's people with a signal on the audience's topics in its score range on the run's date (ICP filters not applied)")
    researching_before: float | None = Field(alias='researchingBefore', description='The same, averaged over the loaded days of the 7 before')


class AccountTopic(OrbitModel):
    """AccountTopic"""

    topic_id: int = Field(alias='topicId')
    topic_name: str | None = Field(alias='topicName')
    people: int


class AccountsRead(OrbitModel):
    """AccountsRead"""

    run: RunSummary
    state: str
    data_date: _dt.date = Field(alias='dataDate')
    baseline_days: int = Field(alias='baselineDays', description="Loaded days among the 7 before the run's date (the surge's baseline)")
    sort: str
    accounts: list[AccountRow]
    total: int
    limit: int
    offset: int


class AnalyzeRequest(OrbitRequest):
    """AnalyzeRequest"""

    url: str


class ApiMeta(OrbitModel):
    """ApiMeta"""

    timestamp: str
    request_id: str


class AudienceCreate(OrbitRequest):
    """AudienceCreate"""

    name: str
    status: Literal['draft', 'active', 'paused'] = Field(default='draft')
    config: ConfigIn
    audience_size: int | None = Field(default=None, alias='audienceSize', description='G2 size hint; ignored')


class AudienceQuery(OrbitRequest):
    """`POST /audiences/query`: a saved audience (`audienceId`) or an ad-hoc config. The config
    fields carry the limits of an audience config (`ConfigIn`); with `audienceId` they are not used."""

    audience_id: str | None = Field(default=None, alias='audienceId')
    topic_ids: list[int] | None = Field(default=None, alias='topicIds')
    min_score: int | None = Field(default=None, alias='minScore')
    max_score: int | None = Field(default=None, alias='maxScore')
    min_topic_overlap: int | None = Field(default=None, alias='minTopicOverlap')
    filters: dict[str, Any] | None = Field(default=None)
    date: _dt.date | None = Field(default=None)
    limit: int = Field(default=50)
    cursor: str | None = Field(default=None, description='`meta.nextCursor` of the page before')


class AudienceRead(OrbitModel):
    """AudienceRead"""

    id: str
    organization_id: str = Field(alias='organizationId')
    name: str
    status: Literal['draft', 'active', 'paused']
    access_type: Literal['paid'] = Field(default='paid', alias='accessType')
    daily_refresh_enabled: bool = Field(alias='dailyRefreshEnabled')
    audience_size: int = Field(alias='audienceSize')
    last_refreshed_at: str | None = Field(alias='lastRefreshedAt')
    config: dict[str, Any] = Field(description='The config as the client wrote it (G2 flat or G3 dotted filters)')
    normalized_config: dict[str, Any] = Field(alias='normalizedConfig', description='The canonical form runs use (dotted filter keys, defaults)')
    config_hash: str = Field(alias='configHash')
    topics: list[TopicRef]
    created_at: str = Field(alias='createdAt')
    updated_at: str = Field(alias='updatedAt')


class AudienceUpdate(OrbitRequest):
    """PATCH body: every field optional; `config` replaces the whole config."""

    name: str | None = Field(default=None)
    status: Literal['draft', 'active', 'paused'] | None = Field(default=None)
    config: ConfigIn | None = Field(default=None)
    audience_size: int | None = Field(default=None, alias='audienceSize', description='G2 size hint; ignored')


class Bucket(OrbitModel):
    """Bucket"""

    value: str
    label: str
    count: int


class ChangeRow(OrbitModel):
    """A result row (the previous run's row for dropped people) and how it changed."""

    rank: int
    hashed_email: str = Field(alias='hashedEmail')
    first_name: str | None = Field(alias='firstName')
    last_name: str | None = Field(alias='lastName')
    full_name: str | None = Field(alias='fullName')
    business_email: str | None = Field(alias='businessEmail')
    personal_email: str | None = Field(alias='personalEmail')
    email: str | None
    primary_contact_email: str | None = Field(alias='primaryContactEmail')
    phone: str | None
    linkedin_url: str | None = Field(alias='linkedinUrl')
    headline: str | None
    job_title: str | None = Field(alias='jobTitle')
    seniority: str | None
    department: str | None
    age_range: str | None = Field(alias='ageRange')
    gender: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None
    is_b2b: bool = Field(alias='isB2b')
    is_b2c: bool = Field(alias='isB2c')
    company: ResultCompany
    intent: ResultIntent
    change: RowChange


class ChangesRead(OrbitModel):
    """A page of one kind of change, in rank order (the previous run's rank for dropped people)."""

    run: RunSummary
    previous_run: RunSummary | None = Field(alias='previousRun')
    state: str
    kind: str
    min_score_change: int = Field(alias='minScoreChange')
    results: list[ChangeRow]
    total: int
    limit: int
    offset: int


class ComparePoint(OrbitModel):
    """ComparePoint"""

    date: _dt.date
    unique_audience: int = Field(alias='uniqueAudience')
    total_signals: int = Field(alias='totalSignals')
    avg_score: float = Field(alias='avgScore')
    high_audience: int = Field(alias='highAudience')
    medium_audience: int = Field(alias='mediumAudience')
    low_audience: int = Field(alias='lowAudience')


class CompareRequest(OrbitRequest):
    """CompareRequest"""

    topic_ids: list[int] = Field(alias='topicIds', description='Known topic ids, each once')
    days: int = Field(default=30)


class CompareSeries(OrbitModel):
    """CompareSeries"""

    topic_id: int = Field(alias='topicId')
    topic_name: str = Field(alias='topicName')
    data: list[ComparePoint]


class ConfigIn(OrbitRequest):
    """A config as clients send it (G3 and G2 ranges); `normalize()` checks the rest. Its rules
    that a JSON Schema can state are stated here too (`uniqueItems`, the `sourceUrl` scheme)."""

    topic_ids: list[int] = Field(alias='topicIds', description='Known topic ids, each once')
    min_score: int | None = Field(default=None, alias='minScore', description='Default 70; below 50 is raised to 50, 100 is lowered to 99')
    max_score: int | None = Field(default=None, alias='maxScore', description='Default 99; 100 is lowered to 99; not below minScore')
    min_topic_overlap: int | None = Field(default=None, alias='minTopicOverlap', description='Default 1; at most the number of topicIds')
    filters: dict[str, Any] | None = Field(default=None, description='ICP filters by key (see GET /v1/intent/audiences/filters): dotted (`"role.seniority": {"values": [...]}`), nested or G2 flat keys; unknown keys and values are refused')
    source_url: str | None = Field(default=None, alias='sourceUrl')
    suppression_list_ids: list[str] | None = Field(default=None, alias='suppressionListIds', description='Suppression lists of the organization (POST /v1/intent/suppression-lists) whose people previews, runs and exports leave out')


class DeletedRead(OrbitModel):
    """DeletedRead"""

    id: str
    deleted: bool = Field(default=True)


class DeliveryDetailRead(OrbitModel):
    """DeliveryDetailRead"""

    id: str
    endpoint_id: str = Field(alias='endpointId')
    event_id: str = Field(alias='eventId')
    event_type: str = Field(alias='eventType')
    status: str
    attempts: int
    last_response_code: int | None = Field(alias='lastResponseCode')
    last_error: str | None = Field(alias='lastError')
    last_response_excerpt: str | None = Field(alias='lastResponseExcerpt')
    last_duration_ms: int | None = Field(alias='lastDurationMs')
    last_attempt_at: str | None = Field(alias='lastAttemptAt')
    next_attempt_at: str | None = Field(alias='nextAttemptAt')
    delivered_at: str | None = Field(alias='deliveredAt')
    replay_of: str | None = Field(alias='replayOf')
    created_at: str = Field(alias='createdAt')
    event: dict[str, Any]


class DeliveryRead(OrbitModel):
    """DeliveryRead"""

    id: str
    endpoint_id: str = Field(alias='endpointId')
    event_id: str = Field(alias='eventId')
    event_type: str = Field(alias='eventType')
    status: str
    attempts: int
    last_response_code: int | None = Field(alias='lastResponseCode')
    last_error: str | None = Field(alias='lastError')
    last_response_excerpt: str | None = Field(alias='lastResponseExcerpt')
    last_duration_ms: int | None = Field(alias='lastDurationMs')
    last_attempt_at: str | None = Field(alias='lastAttemptAt')
    next_attempt_at: str | None = Field(alias='nextAttemptAt')
    delivered_at: str | None = Field(alias='deliveredAt')
    replay_of: str | None = Field(alias='replayOf')
    created_at: str = Field(alias='createdAt')


class EmailHashes(OrbitModel):
    """Hashes of the person's e-mail (lower-cased, trimmed); G2's `emailHashes`."""

    sha256: str | None
    sha1: str | None
    md5: str | None


class ErrorBody(OrbitModel):
    """ErrorBody"""

    code: str
    message: str
    details: Any | None = Field(default=None)


class ErrorEnvelope(OrbitModel):
    """ErrorEnvelope"""

    error: ErrorBody
    meta: ApiMeta


class ExplainCriteria(OrbitModel):
    """ExplainCriteria"""

    topic_ids: list[int] = Field(alias='topicIds')
    min_score: int = Field(alias='minScore')
    max_score: int = Field(alias='maxScore')
    min_topic_overlap: int = Field(alias='minTopicOverlap')


class ExplainDay(OrbitModel):
    """ExplainDay"""

    date: _dt.date
    best_score: int | None = Field(alias='bestScore', description="Best score on the audience's topics; null: no signal that day")
    topics: int = Field(description='Audience topics with a signal that day')


class ExplainFilter(OrbitModel):
    """ExplainFilter"""

    filter: str
    passed: bool | None = Field(description='null: the person is no longer in the loaded people')
    value: str | None = Field(description='The person\'s value now ("true"/"false" for flags)')


class ExplainRead(OrbitModel):
    """Why one person is in a run (`GET …/results/{hashedEmail}/explain`)."""

    run: RunSummary
    data_date: _dt.date = Field(alias='dataDate')
    hashed_email: str = Field(alias='hashedEmail')
    rank: int
    score: int
    topic_overlap: int = Field(alias='topicOverlap')
    criteria: ExplainCriteria
    topics: list[ExplainTopic] = Field(description="The person's signals on the audience's topics on the run's date, matched topics first, then strongest first")
    trend: list[ExplainDay] = Field(description="The loaded days of the 7 up to the run's date, oldest first")
    filters: list[ExplainFilter] = Field(description="Each ICP filter of the run's config, checked against the person's current profile")


class ExplainTopic(OrbitModel):
    """ExplainTopic"""

    topic_id: int = Field(alias='topicId')
    topic_name: str | None = Field(alias='topicName')
    score: int
    signal_count: int = Field(alias='signalCount')
    matched: bool = Field(description="In the run's score range: one of the row's matched topics")


class ExportCreate(OrbitRequest):
    """The optional body of `POST …/exports`; without one, the CSV of the run's rows."""

    export_type: ExportType = Field(default='csv', alias='exportType', description="csv: Orbit's CSV (docs/exports.md); linkedin, google_ads, meta: that platform's upload file (docs/ad_platforms.md)")
    source: ExportSource = Field(default='results', description="results: the run's rows; changes: what changed since the run's previous completed run")
    kind: ChangeKind | None = Field(default=None, description='new: in this run, not in the previous one; dropped: in the previous run, not in this one; changed: in both, best score moved by at least minScoreChange. Changes only; required for an ad-platform file, absent for csv: all three')
    min_score_change: int | None = Field(default=None, alias='minScoreChange', description="The smallest move of a person's best score, up or down, that counts as changed (changes only; default 10)")


class ExportDownloadRead(OrbitModel):
    """`{export, downloadUrl, downloadUrlExpiresAt, downloadUrlTtlSeconds}`; the URL is new on
    every call, and null while the export is not completed."""

    export: ExportRead
    download_url: str | None = Field(alias='downloadUrl')
    download_url_expires_at: str | None = Field(alias='downloadUrlExpiresAt')
    download_url_ttl_seconds: int | None = Field(alias='downloadUrlTtlSeconds')


class ExportRead(OrbitModel):
    """A stored export (ORBIT_API.md §7.10) and what its file holds. `fileId` repeats
    `fileName`: local files and S3 objects have no separate file id."""

    id: str
    organization_id: str = Field(alias='organizationId')
    audience_id: str = Field(alias='audienceId')
    run_id: str = Field(alias='runId')
    export_type: ExportType = Field(alias='exportType')
    status: str
    storage_provider: str = Field(alias='storageProvider')
    content_type: str = Field(alias='contentType')
    byte_size: int = Field(alias='byteSize')
    row_count: int = Field(alias='rowCount')
    bucket_name: str | None = Field(alias='bucketName')
    file_id: str = Field(alias='fileId')
    file_name: str = Field(alias='fileName')
    content_sha1: str | None = Field(alias='contentSha1')
    error_code: str | None = Field(alias='errorCode')
    error_message: str | None = Field(alias='errorMessage')
    requested_by: str | None = Field(alias='requestedBy')
    completed_at: str | None = Field(alias='completedAt')
    expires_at: str = Field(alias='expiresAt')
    created_at: str = Field(alias='createdAt')
    updated_at: str = Field(alias='updatedAt')
    source: ExportSource
    change_kind: ChangeKind | None = Field(alias='changeKind')
    min_score_change: int | None = Field(alias='minScoreChange')
    previous_run_id: str | None = Field(alias='previousRunId')
    skipped_row_count: int = Field(alias='skippedRowCount')
    truncated: bool


class FacetRead(OrbitModel):
    """FacetRead"""

    value: str
    count: int


class FacetsRead(OrbitModel):
    """FacetsRead"""

    types: list[FacetRead]
    industries: list[FacetRead]
    categories: list[FacetRead]
    total: int


class FieldStatsRead(OrbitModel):
    """FieldStatsRead"""

    total: int
    data_date: str = Field(alias='dataDate')
    fields: dict[str, float]


class FillRate(OrbitModel):
    """FillRate"""

    count: int
    percent: float


class G2SampleRow(OrbitModel):
    """A masked person in G2 notation (the SDK's AudiencePreviewSample): `company` is the name."""

    intent_score: int = Field(alias='intentScore')
    topic_id: int | None = Field(alias='topicId')
    topic_name: str | None = Field(alias='topicName')
    matched_topic_ids: list[int] = Field(alias='matchedTopicIds')
    topic_overlap: int = Field(alias='topicOverlap')
    email: str | None
    first_name: str | None = Field(alias='firstName')
    last_name: str | None = Field(alias='lastName')
    age_range: str | None = Field(alias='ageRange')
    gender: str | None
    headline: str | None
    photo_url: str | None = Field(default=None, alias='photoUrl')
    linkedin_url: str | None = Field(alias='linkedinUrl')
    income_range: str | None = Field(default=None, alias='incomeRange')
    net_worth: str | None = Field(default=None, alias='netWorth')
    has_children: str | None = Field(default=None, alias='hasChildren')
    is_homeowner: str | None = Field(default=None, alias='isHomeowner')
    is_married: str | None = Field(default=None, alias='isMarried')
    is_b2b: Literal['y', 'n'] | None = Field(alias='isB2b')
    is_b2c: Literal['y', 'n'] | None = Field(alias='isB2c')
    address: str | None = Field(default=None)
    city: str | None
    state: str | None
    zip: str | None
    personal_country: str | None = Field(alias='personalCountry')
    job_title: str | None = Field(alias='jobTitle')
    job_title_normalized: str | None = Field(default=None, alias='jobTitleNormalized')
    seniority: str | None
    department: str | None
    subdepartments: str | None = Field(default=None)
    job_functions: str | None = Field(default=None, alias='jobFunctions')
    company_domain: str | None = Field(alias='companyDomain')
    company_industry: str | None = Field(alias='companyIndustry')
    company_size: str | None = Field(alias='companySize')
    company_revenue: float | None = Field(default=None, alias='companyRevenue')
    company_revenue_range: str | None = Field(alias='companyRevenueRange')
    company_city: str | None = Field(alias='companyCity')
    company_state: str | None = Field(alias='companyState')
    company_zip: str | None = Field(default=None, alias='companyZip')
    company_linkedin_url: str | None = Field(alias='companyLinkedinUrl')
    company_description: str | None = Field(default=None, alias='companyDescription')
    company_naics: str | None = Field(alias='companyNaics')
    company_sic: str | None = Field(alias='companySic')
    phones: str | None
    direct_numbers: str | None = Field(default=None, alias='directNumbers')
    mobile_phones: str | None = Field(default=None, alias='mobilePhones')
    personal_phones: str | None = Field(default=None, alias='personalPhones')
    emails: str | None
    personal_email: str | None = Field(alias='personalEmail')
    personal_emails: str | None = Field(alias='personalEmails')
    business_email: str | None = Field(alias='businessEmail')
    business_emails: str | None = Field(alias='businessEmails')
    email_hashes: EmailHashes = Field(alias='emailHashes')
    hem: str
    hashed_email: str = Field(alias='hashedEmail')
    company: str | None
    masked: bool = Field(default=True)


class HistogramBucket(OrbitModel):
    """HistogramBucket"""

    bucket: str
    count: int
    percent: float


class IntentRead(OrbitModel):
    """IntentRead"""

    score: int
    topic_overlap: int = Field(alias='topicOverlap')
    matched_topics: list[MatchedTopicRead] = Field(alias='matchedTopics')


class KindCounts(OrbitModel):
    """Items per stored kind (plain e-mails are stored as sha256)."""

    sha256: int
    sha1: int
    md5: int
    domain: int


class LegacyExportRead(OrbitModel):
    """LegacyExportRead"""

    download_url: str | None = Field(alias='downloadUrl')
    file_name: str = Field(alias='fileName')
    rows: int
    data_date: str = Field(alias='dataDate')
    expires_in: str | None = Field(alias='expiresIn')
    cached: bool


class MatchedTopicRead(OrbitModel):
    """MatchedTopicRead"""

    topic_id: int = Field(alias='topicId')
    topic_name: str = Field(alias='topicName')
    type: str
    industry: str
    category: str


class MaterializationStatusRead(OrbitModel):
    """MaterializationStatusRead"""

    status: Literal['ready', 'materializing', 'failed', 'none']
    total_count: int = Field(alias='totalCount')
    data_date: str | None = Field(alias='dataDate')
    run_id: str | None = Field(alias='runId')


class MoverRead(OrbitModel):
    """MoverRead"""

    topic_id: int = Field(alias='topicId')
    topic_name: str = Field(alias='topicName')
    type: Literal['b2b', 'b2c']
    industry: str
    today_audience: int = Field(alias='todayAudience')
    yesterday_audience: int = Field(alias='yesterdayAudience')
    pct_change: float = Field(alias='pctChange')


class OrganizationRead(OrbitModel):
    """OrganizationRead"""

    id: str
    name: str
    is_active: bool = Field(alias='isActive')
    audience_slots: int = Field(alias='audienceSlots')


class PreviewRead(OrbitModel):
    """PreviewRead"""

    config_hash: str = Field(alias='configHash')
    data_date: _dt.date = Field(alias='dataDate')
    strategy: str = Field(default='serving_table_in')
    total_count: int = Field(alias='totalCount')
    breakdowns: dict[str, list[Bucket]]
    sample: list[SampleRow] | list[G2SampleRow]
    applied_filters: list[str] = Field(alias='appliedFilters')
    normalized_config: dict[str, Any] = Field(alias='normalizedConfig')
    preview_key: str = Field(alias='previewKey')


class PreviewRequest(OrbitRequest):
    """An audience config plus, optionally, the data date to preview (default: the newest)."""

    topic_ids: list[int] = Field(alias='topicIds', description='Known topic ids, each once')
    min_score: int | None = Field(default=None, alias='minScore', description='Default 70; below 50 is raised to 50, 100 is lowered to 99')
    max_score: int | None = Field(default=None, alias='maxScore', description='Default 99; 100 is lowered to 99; not below minScore')
    min_topic_overlap: int | None = Field(default=None, alias='minTopicOverlap', description='Default 1; at most the number of topicIds')
    filters: dict[str, Any] | None = Field(default=None, description='ICP filters by key (see GET /v1/intent/audiences/filters): dotted (`"role.seniority": {"values": [...]}`), nested or G2 flat keys; unknown keys and values are refused')
    source_url: str | None = Field(default=None, alias='sourceUrl')
    suppression_list_ids: list[str] | None = Field(default=None, alias='suppressionListIds', description='Suppression lists of the organization (POST /v1/intent/suppression-lists) whose people previews, runs and exports leave out')
    data_date: _dt.date | None = Field(default=None, alias='dataDate')


class PrincipalRead(OrbitModel):
    """PrincipalRead"""

    kind: str
    subject: str


class Problem(OrbitModel):
    """Problem"""

    field: str
    message: str


class QueryPerson(OrbitModel):
    """A G2 `/query` row (the SDK's AudienceQueryPerson): the results row without `personId`,
    with `country` (the company's) instead of `companyCountry`, plus `hem` and `allEmailHashes`."""

    intent_score: int = Field(alias='intentScore')
    topic_id: int | None = Field(alias='topicId')
    topic_name: str | None = Field(alias='topicName')
    matched_topic_ids: list[int] = Field(alias='matchedTopicIds')
    topic_overlap: int = Field(alias='topicOverlap')
    email: str | None
    first_name: str | None = Field(alias='firstName')
    last_name: str | None = Field(alias='lastName')
    age_range: str | None = Field(alias='ageRange')
    gender: str | None
    headline: str | None
    photo_url: str | None = Field(default=None, alias='photoUrl')
    linkedin_url: str | None = Field(alias='linkedinUrl')
    income_range: str | None = Field(default=None, alias='incomeRange')
    net_worth: str | None = Field(default=None, alias='netWorth')
    has_children: str | None = Field(default=None, alias='hasChildren')
    is_homeowner: str | None = Field(default=None, alias='isHomeowner')
    is_married: str | None = Field(default=None, alias='isMarried')
    is_b2b: Literal['y', 'n'] | None = Field(alias='isB2b')
    is_b2c: Literal['y', 'n'] | None = Field(alias='isB2c')
    address: str | None = Field(default=None)
    city: str | None
    state: str | None
    zip: str | None
    personal_country: str | None = Field(alias='personalCountry')
    job_title: str | None = Field(alias='jobTitle')
    job_title_normalized: str | None = Field(default=None, alias='jobTitleNormalized')
    seniority: str | None
    department: str | None
    subdepartments: str | None = Field(default=None)
    job_functions: str | None = Field(default=None, alias='jobFunctions')
    company_domain: str | None = Field(alias='companyDomain')
    company_industry: str | None = Field(alias='companyIndustry')
    company_size: str | None = Field(alias='companySize')
    company_revenue: float | None = Field(default=None, alias='companyRevenue')
    company_revenue_range: str | None = Field(alias='companyRevenueRange')
    company_city: str | None = Field(alias='companyCity')
    company_state: str | None = Field(alias='companyState')
    company_zip: str | None = Field(default=None, alias='companyZip')
    company_linkedin_url: str | None = Field(alias='companyLinkedinUrl')
    company_description: str | None = Field(default=None, alias='companyDescription')
    company_naics: str | None = Field(alias='companyNaics')
    company_sic: str | None = Field(alias='companySic')
    phones: str | None
    direct_numbers: str | None = Field(default=None, alias='directNumbers')
    mobile_phones: str | None = Field(default=None, alias='mobilePhones')
    personal_phones: str | None = Field(default=None, alias='personalPhones')
    emails: str | None
    personal_email: str | None = Field(alias='personalEmail')
    personal_emails: str | None = Field(alias='personalEmails')
    business_email: str | None = Field(alias='businessEmail')
    business_emails: str | None = Field(alias='businessEmails')
    email_hashes: EmailHashes = Field(alias='emailHashes')
    hem: str | None
    company: str | None
    country: str | None
    all_email_hashes: EmailHashes = Field(alias='allEmailHashes')


class ResultCompany(OrbitModel):
    """ResultCompany"""

    name: str | None
    domain: str | None
    industry: str | None
    industry_group: str | None = Field(alias='industryGroup')
    size: str | None
    employee_count: int | None = Field(alias='employeeCount')
    revenue_range: str | None = Field(alias='revenueRange')
    city: str | None
    state: str | None
    country: str | None
    linkedin_url: str | None = Field(alias='linkedinUrl')
    naics: str | None
    sic: str | None


class ResultIntent(OrbitModel):
    """ResultIntent"""

    score: int
    topic_overlap: int = Field(alias='topicOverlap')
    matched_topics: list[MatchedTopicRead] = Field(alias='matchedTopics')


class ResultRow(OrbitModel):
    """One unmasked person of a completed run (G3 row with the full company object)."""

    rank: int
    hashed_email: str = Field(alias='hashedEmail')
    first_name: str | None = Field(alias='firstName')
    last_name: str | None = Field(alias='lastName')
    full_name: str | None = Field(alias='fullName')
    business_email: str | None = Field(alias='businessEmail')
    personal_email: str | None = Field(alias='personalEmail')
    email: str | None
    primary_contact_email: str | None = Field(alias='primaryContactEmail')
    phone: str | None
    linkedin_url: str | None = Field(alias='linkedinUrl')
    headline: str | None
    job_title: str | None = Field(alias='jobTitle')
    seniority: str | None
    department: str | None
    age_range: str | None = Field(alias='ageRange')
    gender: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None
    is_b2b: bool = Field(alias='isB2b')
    is_b2c: bool = Field(alias='isB2c')
    company: ResultCompany
    intent: ResultIntent


class ResultsPerson(OrbitModel):
    """A G2 `/results` row (the SDK's AudienceResultsPerson): every field present, null where
    Orbit holds no value (see `G2Contact`)."""

    intent_score: int = Field(alias='intentScore')
    topic_id: int | None = Field(alias='topicId')
    topic_name: str | None = Field(alias='topicName')
    matched_topic_ids: list[int] = Field(alias='matchedTopicIds')
    topic_overlap: int = Field(alias='topicOverlap')
    email: str | None
    first_name: str | None = Field(alias='firstName')
    last_name: str | None = Field(alias='lastName')
    age_range: str | None = Field(alias='ageRange')
    gender: str | None
    headline: str | None
    photo_url: str | None = Field(default=None, alias='photoUrl')
    linkedin_url: str | None = Field(alias='linkedinUrl')
    income_range: str | None = Field(default=None, alias='incomeRange')
    net_worth: str | None = Field(default=None, alias='netWorth')
    has_children: str | None = Field(default=None, alias='hasChildren')
    is_homeowner: str | None = Field(default=None, alias='isHomeowner')
    is_married: str | None = Field(default=None, alias='isMarried')
    is_b2b: Literal['y', 'n'] | None = Field(alias='isB2b')
    is_b2c: Literal['y', 'n'] | None = Field(alias='isB2c')
    address: str | None = Field(default=None)
    city: str | None
    state: str | None
    zip: str | None
    personal_country: str | None = Field(alias='personalCountry')
    job_title: str | None = Field(alias='jobTitle')
    job_title_normalized: str | None = Field(default=None, alias='jobTitleNormalized')
    seniority: str | None
    department: str | None
    subdepartments: str | None = Field(default=None)
    job_functions: str | None = Field(default=None, alias='jobFunctions')
    company_domain: str | None = Field(alias='companyDomain')
    company_industry: str | None = Field(alias='companyIndustry')
    company_size: str | None = Field(alias='companySize')
    company_revenue: float | None = Field(default=None, alias='companyRevenue')
    company_revenue_range: str | None = Field(alias='companyRevenueRange')
    company_city: str | None = Field(alias='companyCity')
    company_state: str | None = Field(alias='companyState')
    company_zip: str | None = Field(default=None, alias='companyZip')
    company_linkedin_url: str | None = Field(alias='companyLinkedinUrl')
    company_description: str | None = Field(default=None, alias='companyDescription')
    company_naics: str | None = Field(alias='companyNaics')
    company_sic: str | None = Field(alias='companySic')
    phones: str | None
    direct_numbers: str | None = Field(default=None, alias='directNumbers')
    mobile_phones: str | None = Field(default=None, alias='mobilePhones')
    personal_phones: str | None = Field(default=None, alias='personalPhones')
    emails: str | None
    personal_email: str | None = Field(alias='personalEmail')
    personal_emails: str | None = Field(alias='personalEmails')
    business_email: str | None = Field(alias='businessEmail')
    business_emails: str | None = Field(alias='businessEmails')
    email_hashes: EmailHashes = Field(alias='emailHashes')
    person_id: str | None = Field(alias='personId')
    company: str | None
    company_country: str | None = Field(alias='companyCountry')


class ResultsRead(OrbitModel):
    """ResultsRead"""

    run: RunSummary
    state: str
    results: list[ResultRow]
    total: int
    limit: int
    offset: int


class RowChange(OrbitModel):
    """RowChange"""

    kind: str
    previous_rank: int | None = Field(alias='previousRank')
    previous_score: int | None = Field(alias='previousScore')
    score_change: int | None = Field(alias='scoreChange')


class RunChangesRead(OrbitModel):
    """What changed since the audience's previous completed run, counted when the run completed."""

    previous_run_id: str = Field(alias='previousRunId')
    new: int
    dropped: int
    changed: int
    min_score_change: int = Field(alias='minScoreChange')


class RunCreate(OrbitRequest):
    """RunCreate"""

    run_type: Literal['manual'] = Field(default='manual', alias='runType')


class RunRead(OrbitModel):
    """The G3 run, plus the G2 run-list fields `cacheKey`, `totalCount` and `hasExport`, and
    `changes` (null unless the run completed after another completed run of its audience)."""

    id: str
    audience_id: str = Field(alias='audienceId')
    organization_id: str = Field(alias='organizationId')
    status: str
    run_type: str = Field(alias='runType')
    config_hash: str = Field(alias='configHash')
    data_date: _dt.date = Field(alias='dataDate')
    result_key: str | None = Field(alias='resultKey')
    candidate_count: int = Field(alias='candidateCount')
    result_count: int = Field(alias='resultCount')
    suppressed_count: int = Field(alias='suppressedCount', description="People who matched the audience's topics and filters but were left out by its suppression lists (`resultCount` does not count them)")
    attempts: int
    next_attempt_at: str | None = Field(alias='nextAttemptAt')
    idempotency_key: str | None = Field(alias='idempotencyKey')
    error_code: str | None = Field(alias='errorCode')
    error_message: str | None = Field(alias='errorMessage')
    started_at: str | None = Field(alias='startedAt')
    completed_at: str | None = Field(alias='completedAt')
    cancelled_at: str | None = Field(alias='cancelledAt')
    ready_email_sent_at: None = Field(default=None, alias='readyEmailSentAt')
    ready_email_export_id: None = Field(default=None, alias='readyEmailExportId')
    ready_email_error: None = Field(default=None, alias='readyEmailError')
    created_at: str = Field(alias='createdAt')
    updated_at: str = Field(alias='updatedAt')
    cache_key: str = Field(alias='cacheKey')
    total_count: int = Field(alias='totalCount')
    has_export: bool = Field(alias='hasExport')
    changes: RunChangesRead | None = Field(default=None)


class RunSummary(OrbitModel):
    """RunSummary"""

    id: str
    audience_id: str = Field(alias='audienceId')
    status: str
    run_type: str = Field(alias='runType')
    candidate_count: int = Field(alias='candidateCount')
    result_count: int = Field(alias='resultCount')
    completed_at: str | None = Field(alias='completedAt')


class SampleCompany(OrbitModel):
    """SampleCompany"""

    name: str | None
    domain: str | None
    industry: str | None


class SampleRow(OrbitModel):
    """A masked person in G3 notation: names initialised, e-mail/phone/LinkedIn withheld, hashed
    e-mail kept. Carries the G3 nested fields and every G2 flat one except `company` (an object
    here); G2 clients get `G2SampleRow` (see `row_shape`)."""

    intent_score: int = Field(alias='intentScore')
    topic_id: int | None = Field(alias='topicId')
    topic_name: str | None = Field(alias='topicName')
    matched_topic_ids: list[int] = Field(alias='matchedTopicIds')
    topic_overlap: int = Field(alias='topicOverlap')
    email: str | None
    first_name: str | None = Field(alias='firstName')
    last_name: str | None = Field(alias='lastName')
    age_range: str | None = Field(alias='ageRange')
    gender: str | None
    headline: str | None
    photo_url: str | None = Field(default=None, alias='photoUrl')
    linkedin_url: str | None = Field(alias='linkedinUrl')
    income_range: str | None = Field(default=None, alias='incomeRange')
    net_worth: str | None = Field(default=None, alias='netWorth')
    has_children: str | None = Field(default=None, alias='hasChildren')
    is_homeowner: str | None = Field(default=None, alias='isHomeowner')
    is_married: str | None = Field(default=None, alias='isMarried')
    is_b2b: Literal['y', 'n'] | None = Field(alias='isB2b')
    is_b2c: Literal['y', 'n'] | None = Field(alias='isB2c')
    address: str | None = Field(default=None)
    city: str | None
    state: str | None
    zip: str | None
    personal_country: str | None = Field(alias='personalCountry')
    job_title: str | None = Field(alias='jobTitle')
    job_title_normalized: str | None = Field(default=None, alias='jobTitleNormalized')
    seniority: str | None
    department: str | None
    subdepartments: str | None = Field(default=None)
    job_functions: str | None = Field(default=None, alias='jobFunctions')
    company_domain: str | None = Field(alias='companyDomain')
    company_industry: str | None = Field(alias='companyIndustry')
    company_size: str | None = Field(alias='companySize')
    company_revenue: float | None = Field(default=None, alias='companyRevenue')
    company_revenue_range: str | None = Field(alias='companyRevenueRange')
    company_city: str | None = Field(alias='companyCity')
    company_state: str | None = Field(alias='companyState')
    company_zip: str | None = Field(default=None, alias='companyZip')
    company_linkedin_url: str | None = Field(alias='companyLinkedinUrl')
    company_description: str | None = Field(default=None, alias='companyDescription')
    company_naics: str | None = Field(alias='companyNaics')
    company_sic: str | None = Field(alias='companySic')
    phones: str | None
    direct_numbers: str | None = Field(default=None, alias='directNumbers')
    mobile_phones: str | None = Field(default=None, alias='mobilePhones')
    personal_phones: str | None = Field(default=None, alias='personalPhones')
    emails: str | None
    personal_email: str | None = Field(alias='personalEmail')
    personal_emails: str | None = Field(alias='personalEmails')
    business_email: str | None = Field(alias='businessEmail')
    business_emails: str | None = Field(alias='businessEmails')
    email_hashes: EmailHashes = Field(alias='emailHashes')
    hashed_email: str = Field(alias='hashedEmail')
    company: SampleCompany
    intent: IntentRead
    phone: None = Field(default=None)
    masked: bool = Field(default=True)


class SiteAnalysisRead(OrbitModel):
    """An analysis: the G2 `SiteTopics` fields plus its URLs, time and (when stored) its id."""

    id: str | None
    url: str
    final_url: str = Field(alias='finalUrl')
    company: str | None
    summary: str | None
    keywords: list[str]
    topics: list[SiteTopicMatchRead]
    confidence: str | None
    content_hash: str = Field(alias='contentHash')
    analyzed_at: str = Field(alias='analyzedAt')
    created_at: str | None = Field(alias='createdAt')


class SiteTopicMatchRead(OrbitModel):
    """SiteTopicMatchRead"""

    topic_id: int = Field(alias='topicId')
    topic_name: str = Field(alias='topicName')
    type: str
    industry: str
    category: str
    similarity: float
    matched_keyword: str = Field(alias='matchedKeyword')
    evidence: str | None = Field(default=None)


class StatsBody(OrbitModel):
    """StatsBody"""

    total: int
    fill_rates: dict[str, FillRate] = Field(alias='fillRates')
    score_histogram: list[HistogramBucket] = Field(alias='scoreHistogram')
    averages: dict[str, float]


class StatsRead(OrbitModel):
    """StatsRead"""

    run: RunSummary
    state: str
    stats: StatsBody | None = Field(default=None)


class SuppressionListCreate(OrbitRequest):
    """SuppressionListCreate"""

    name: str = Field(description='1..255 characters once trimmed, no control characters; unique in the organization')
    description: str = Field(default='')


class SuppressionListDeleted(OrbitModel):
    """SuppressionListDeleted"""

    id: str
    deleted: Literal[True] = Field(default=True)


class SuppressionListRead(OrbitModel):
    """SuppressionListRead"""

    id: str
    organization_id: str = Field(alias='organizationId')
    name: str
    description: str
    item_count: int = Field(alias='itemCount', description='Distinct entries in the list')
    kind_counts: KindCounts = Field(alias='kindCounts')
    version: int = Field(description='Published version; every upload or clear publishes a new one (0: never filled)')
    created_at: str = Field(alias='createdAt')
    updated_at: str = Field(alias='updatedAt')
    uploaded_at: str | None = Field(alias='uploadedAt', description='When items were last published (upload or clear)')


class TopicDetail(OrbitModel):
    """The catalogue record plus what site analysis matches on."""

    topic_id: int = Field(alias='topicId')
    topic_name: str = Field(alias='topicName')
    type: Literal['b2b', 'b2c']
    industry: str
    category: str
    description: str
    keywords: list[str]


class TopicListCreate(OrbitRequest):
    """TopicListCreate"""

    name: str = Field(description='1..255 characters once surrounding spaces are trimmed, no control characters; unique in the organization')
    description: str = Field(default='')
    topic_ids: list[int] = Field(alias='topicIds', description='Known topic ids, each once')


class TopicListDeleted(OrbitModel):
    """TopicListDeleted"""

    id: str
    deleted: Literal[True] = Field(default=True)


class TopicListRead(OrbitModel):
    """TopicListRead"""

    id: str
    organization_id: str = Field(alias='organizationId')
    name: str
    description: str
    topic_ids: list[int] = Field(alias='topicIds')
    topics: list[TopicRefRead]
    created_at: str = Field(alias='createdAt')
    updated_at: str = Field(alias='updatedAt')


class TopicListUpdate(OrbitRequest):
    """PATCH body: every field optional; an omitted field keeps its value."""

    name: str | None = Field(default=None, description='1..255 characters once surrounding spaces are trimmed, no control characters; unique in the organization')
    description: str | None = Field(default=None)
    topic_ids: list[int] | None = Field(default=None, alias='topicIds', description='Known topic ids, each once')


class TopicRead(OrbitModel):
    """TopicRead"""

    topic_id: int = Field(alias='topicId')
    topic_name: str = Field(alias='topicName')
    type: Literal['b2b', 'b2c']
    industry: str
    category: str


class TopicRef(OrbitModel):
    """TopicRef"""

    id: int
    name: str


class TopicRefRead(OrbitModel):
    """TopicRefRead"""

    topic_id: int = Field(alias='topicId')
    topic_name: str = Field(alias='topicName')


class TrendPoint(OrbitModel):
    """TrendPoint"""

    date: _dt.date
    unique_audience: int = Field(alias='uniqueAudience')
    total_signals: int = Field(alias='totalSignals')
    avg_score: float = Field(alias='avgScore')
    high_audience: int = Field(alias='highAudience')
    medium_audience: int = Field(alias='mediumAudience')
    low_audience: int = Field(alias='lowAudience')
    topic_name: str = Field(alias='topicName')
    type: Literal['b2b', 'b2c']
    industry: str
    category: str


class UploadError(OrbitModel):
    """UploadError"""

    line: int = Field(description='Line of the CSV body (the header is line 1), or position in `items` from 1')
    reason: str


class UploadRead(OrbitModel):
    """UploadRead"""

    suppression_list: SuppressionListRead = Field(alias='suppressionList', description='The list as published by this upload')
    mode: Literal['append', 'replace']
    total: int = Field(description='Entries read (blank lines are not entries)')
    accepted: int = Field(description='Entries new to the list')
    rejected: int = Field(description='Entries refused; the first 100 are in `errors`')
    duplicates: int = Field(description='Valid entries already in the list or repeated in this upload')
    errors: list[UploadError]


class ValidateRead(OrbitModel):
    """ValidateRead"""

    valid: bool
    config_hash: str | None = Field(alias='configHash')
    normalized_config: dict[str, Any] | None = Field(alias='normalizedConfig')
    applied_filters: list[str] = Field(alias='appliedFilters')
    strategy: str = Field(default='serving_table_in')
    problems: list[Problem]


class WebhookCreate(OrbitRequest):
    """WebhookCreate"""

    url: str = Field(description='https URL with a public address')
    events: list[Literal['run.completed', 'run.failed', 'export.completed', 'audience.changes_ready']]
    description: str = Field(default='')
    enabled: bool = Field(default=True)


class WebhookDeleted(OrbitModel):
    """WebhookDeleted"""

    id: str
    deleted: Literal[True] = Field(default=True)


class WebhookRead(OrbitModel):
    """WebhookRead"""

    id: str
    organization_id: str = Field(alias='organizationId')
    url: str
    description: str
    events: list[str]
    enabled: bool
    secret_rotated_at: str | None = Field(alias='secretRotatedAt')
    previous_secret_expires_at: str | None = Field(alias='previousSecretExpiresAt')
    created_at: str = Field(alias='createdAt')
    updated_at: str = Field(alias='updatedAt')


class WebhookUpdate(OrbitRequest):
    """PATCH body: every field optional; an omitted field keeps its value (null is refused)."""

    url: str | None = Field(default=None)
    events: list[str] | None = Field(default=None)
    description: str | None = Field(default=None)
    enabled: bool | None = Field(default=None)


class WebhookWithSecret(OrbitModel):
    """The endpoint and its signing secret: shown in this answer only, never again."""

    endpoint: WebhookRead
    secret: str


__all__ = [
    'AccountCount',
    'AccountRead',
    'AccountRow',
    'AccountSurge',
    'AccountTopic',
    'AccountsRead',
    'AnalyzeRequest',
    'ApiMeta',
    'AudienceCreate',
    'AudienceQuery',
    'AudienceRead',
    'AudienceUpdate',
    'Bucket',
    'ChangeKind',
    'ChangeRow',
    'ChangesRead',
    'ComparePoint',
    'CompareRequest',
    'CompareSeries',
    'ConfigIn',
    'DeletedRead',
    'DeliveryDetailRead',
    'DeliveryRead',
    'DeliveryStatus',
    'EmailHashes',
    'ErrorBody',
    'ErrorEnvelope',
    'ExplainCriteria',
    'ExplainDay',
    'ExplainFilter',
    'ExplainRead',
    'ExplainTopic',
    'ExportCreate',
    'ExportDownloadRead',
    'ExportRead',
    'ExportSource',
    'ExportType',
    'FacetRead',
    'FacetsRead',
    'FieldStatsRead',
    'FillRate',
    'G2SampleRow',
    'HistogramBucket',
    'IntentRead',
    'KindCounts',
    'LegacyExportRead',
    'MatchedTopicRead',
    'MaterializationStatusRead',
    'MoverRead',
    'OrbitModel',
    'OrbitRequest',
    'OrganizationRead',
    'PreviewRead',
    'PreviewRequest',
    'PrincipalRead',
    'Problem',
    'QueryPerson',
    'ResultCompany',
    'ResultIntent',
    'ResultRow',
    'ResultsPerson',
    'ResultsRead',
    'RowChange',
    'RunChangesRead',
    'RunCreate',
    'RunRead',
    'RunSummary',
    'SampleCompany',
    'SampleRow',
    'SiteAnalysisRead',
    'SiteTopicMatchRead',
    'StatsBody',
    'StatsRead',
    'SuppressionListCreate',
    'SuppressionListDeleted',
    'SuppressionListRead',
    'TopicDetail',
    'TopicListCreate',
    'TopicListDeleted',
    'TopicListRead',
    'TopicListUpdate',
    'TopicRead',
    'TopicRef',
    'TopicRefRead',
    'TrendPoint',
    'UploadError',
    'UploadRead',
    'ValidateRead',
    'WebhookCreate',
    'WebhookDeleted',
    'WebhookRead',
    'WebhookUpdate',
    'WebhookWithSecret',
]


for _model in list(globals().values()):  # resolve the forward references once, at import
    if isinstance(_model, type) and issubclass(_model, BaseModel) and _model.__module__ == __name__:
        _model.model_rebuild()
