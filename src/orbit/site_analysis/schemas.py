"""Request and response models of site analysis and site topics (camelCase on the wire)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field, PlainSerializer, field_validator

from orbit.apimodel import SPACE, ApiModel
from orbit.metadata.models import SiteAnalysis
from orbit.site_analysis.addresses import MAX_URL, MIN_URL, url_problem
from orbit.site_analysis.service import SiteTopics


def iso_millis(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and `Z`, like the envelope's timestamp."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


UtcMillis = Annotated[datetime, PlainSerializer(iso_millis, return_type=str)]


# What `url_problem` checks that a pattern can say: http(s), a host part without a user name or
# password, no space or control character once trimmed. (That the URL parses is checked too.)
URL_PATTERN = (f"^[{SPACE}]*[Hh][Tt][Tt][Pp][Ss]?://[^/?#@{SPACE}\\x00-\\x1f]+"
               f"(?:[/?#][^{SPACE}\\x00-\\x1f]*)?[{SPACE}]*$")


class AnalyzeRequest(ApiModel):
    url: str = Field(min_length=MIN_URL, max_length=MAX_URL, examples=["https://www.example.com/"],
                     json_schema_extra={"pattern": URL_PATTERN})

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        problem = url_problem(value.strip())
        if problem is not None:
            raise ValueError(problem)
        return value.strip()


class SiteTopicMatchRead(ApiModel):
    topic_id: int
    topic_name: str
    type: str
    industry: str
    category: str
    similarity: float = Field(ge=0, le=1)
    matched_keyword: str
    # The passage of the site that matched, trimmed (absent from analyses stored before it existed).
    evidence: str | None = None


class SiteAnalysisRead(ApiModel):
    """An analysis: the G2 `SiteTopics` fields plus its URLs, time and (when stored) its id."""

    id: str | None  # null for anonymous calls: nothing was stored
    url: str
    final_url: str
    company: str | None
    summary: str | None
    keywords: list[str]
    topics: list[SiteTopicMatchRead]
    # "high", "medium" or "low": how near the best topic is to anything the site says. "low"
    # means the topics are guesses (a page about something the inventory lacks, or one that
    # says little). Null for analyses stored before it was recorded.
    confidence: str | None
    content_hash: str
    analyzed_at: UtcMillis
    created_at: UtcMillis | None  # when it was stored in the organization's history

    @classmethod
    def of_result(cls, result: SiteTopics, *, record: SiteAnalysis | None, now: datetime) -> SiteAnalysisRead:
        if record is not None:
            return cls.of_record(record)
        return cls(
            id=None, url=result.url, final_url=result.final_url, company=result.company, summary=result.summary,
            keywords=list(result.keywords),
            topics=[
                SiteTopicMatchRead(
                    topic_id=t.topic_id, topic_name=t.topic_name, type=t.type, industry=t.industry,
                    category=t.category, similarity=t.similarity, matched_keyword=t.matched_keyword,
                    evidence=t.evidence,
                )
                for t in result.topics
            ],
            confidence=result.confidence, content_hash=result.content_hash, analyzed_at=now, created_at=None,
        )

    @classmethod
    def of_record(cls, row: SiteAnalysis) -> SiteAnalysisRead:
        topics: list[dict[str, Any]] = list(row.topics)
        return cls(
            id=row.id, url=row.url, final_url=row.final_url, company=row.company, summary=row.summary,
            keywords=list(row.keywords), topics=[SiteTopicMatchRead.model_validate(t) for t in topics],
            confidence=row.confidence, content_hash=row.content_hash, analyzed_at=row.created_at, created_at=row.created_at,
        )
