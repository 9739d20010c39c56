"""The organization's site-topic history: store, list and read analyses. No HTTP, no fetching.

Every query filters on `org_id`, so another organization's analysis is NotFound, worded like a
missing one. These functions flush but never commit: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from orbit.metadata import scoping
from orbit.metadata.models import SiteAnalysis
from orbit.metadata.scoping import get_owned, list_owned

MAX_PAGE = scoping.MAX_PAGE  # page bounds are checked in one place, list_owned
MAX_OFFSET = scoping.MAX_OFFSET


@dataclass(frozen=True, slots=True)
class TopicMatch:
    topic_id: int
    topic_name: str
    type: str
    industry: str
    category: str
    similarity: float  # 0..1
    matched_keyword: str
    evidence: str  # the passage of the site that matched, trimmed


@dataclass(frozen=True, slots=True)
class SiteTopics:
    """One analysis of a site: what `POST /topics/analyze` answers and the history keeps."""

    url: str  # as asked for (normalized)
    final_url: str  # the home page after redirects
    company: str | None
    summary: str | None
    keywords: list[str]
    topics: list[TopicMatch]
    content_hash: str  # sha256 of the normalized extracted text of every page read
    confidence: str  # "high", "medium" or "low": how near the best topic is to what the site says


@dataclass(frozen=True, slots=True)
class Page:
    items: list[SiteAnalysis]
    total: int  # analyses of the organization, not only this page


def _topic_json(t: TopicMatch) -> dict[str, object]:
    return {
        "topicId": t.topic_id, "topicName": t.topic_name, "type": t.type, "industry": t.industry,
        "category": t.category, "similarity": t.similarity, "matchedKeyword": t.matched_keyword, "evidence": t.evidence,
    }


def record_analysis(session: Session, *, org_id: str, result: SiteTopics, now: datetime | None = None) -> SiteAnalysis:
    """Add `result` to the organization's history and return the row (flushed, so it has its id)."""
    row = SiteAnalysis(
        id=str(uuid.uuid4()), organization_id=org_id, url=result.url[:2048], final_url=result.final_url[:2048],
        company=result.company[:255] if result.company else None, summary=result.summary,
        keywords=list(result.keywords), topics=[_topic_json(t) for t in result.topics],
        content_hash=result.content_hash, confidence=result.confidence, created_at=now or datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


def list_site_analyses(session: Session, *, org_id: str, limit: int = 20, offset: int = 0) -> Page:
    """One page of the organization's analyses, newest first, with the organization's total."""
    items, total = list_owned(session, SiteAnalysis, org_id=org_id, limit=limit, offset=offset)
    return Page(items, total)


def get_site_analysis(session: Session, *, org_id: str, analysis_id: str) -> SiteAnalysis:
    """The organization's analysis; NotFound when it is missing or belongs to another organization."""
    return get_owned(session, SiteAnalysis, org_id=org_id, obj_id=analysis_id, what="site analysis")
