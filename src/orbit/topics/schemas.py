"""Request and response models of topic discovery (camelCase on the wire)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StrictInt

from orbit.apimodel import ApiModel, Integral, TopicId
from orbit.topics import service
from orbit.warehouse.topics import TopicRow

TopicType = Literal["b2b", "b2c"]
TypeFilter = Literal["b2b", "b2c", "both"]


class TopicRead(ApiModel):
    topic_id: int
    topic_name: str
    type: TopicType
    industry: str
    category: str

    @classmethod
    def of(cls, t: TopicRow) -> TopicRead:
        return cls(topic_id=t.topic_id, topic_name=t.name, type=t.type, industry=t.industry, category=t.category)


class TopicDetail(TopicRead):
    """The catalogue record plus what site analysis matches on."""

    description: str
    keywords: list[str]

    @classmethod
    def of(cls, t: TopicRow) -> TopicDetail:
        return cls(
            topic_id=t.topic_id, topic_name=t.name, type=t.type, industry=t.industry,
            category=t.category, description=t.description, keywords=list(t.keywords),
        )


class FacetRead(ApiModel):
    value: str
    count: int


class FacetsRead(ApiModel):
    types: list[FacetRead]
    industries: list[FacetRead]
    categories: list[FacetRead]
    total: int


class ComparePoint(ApiModel):
    date: date
    unique_audience: int
    total_signals: int
    avg_score: float
    high_audience: int
    medium_audience: int
    low_audience: int

    @classmethod
    def of(cls, p: service.TrendPoint) -> ComparePoint:
        return cls(
            date=p.day, unique_audience=p.unique_audience, total_signals=p.total_signals,
            avg_score=p.avg_score, high_audience=p.high_audience,
            medium_audience=p.medium_audience, low_audience=p.low_audience,
        )


class TrendPoint(ComparePoint):
    topic_name: str
    type: TopicType
    industry: str
    category: str


def trend_points(t: service.TopicTrend) -> list[TrendPoint]:
    return [
        TrendPoint(
            **ComparePoint.of(p).model_dump(), topic_name=t.topic.name, type=t.topic.type,
            industry=t.topic.industry, category=t.topic.category,
        )
        for p in t.points
    ]


class CompareRequest(ApiModel):
    topic_ids: list[TopicId] = Field(min_length=1, max_length=10, json_schema_extra={"uniqueItems": True},
                                     description="Known topic ids, each once")
    days: Annotated[StrictInt, Field(ge=1, le=90), Integral] = service.DEFAULT_TREND_DAYS


class CompareSeries(ApiModel):
    topic_id: int
    topic_name: str
    data: list[ComparePoint]

    @classmethod
    def of(cls, t: service.TopicTrend) -> CompareSeries:
        return cls(topic_id=t.topic.topic_id, topic_name=t.topic.name, data=[ComparePoint.of(p) for p in t.points])


class MoverRead(ApiModel):
    topic_id: int
    topic_name: str
    type: TopicType
    industry: str
    today_audience: int
    yesterday_audience: int
    pct_change: float

    @classmethod
    def of(cls, m: service.Mover) -> MoverRead:
        return cls(
            topic_id=m.topic.topic_id, topic_name=m.topic.name, type=m.topic.type,
            industry=m.topic.industry, today_audience=m.today_audience,
            yesterday_audience=m.yesterday_audience, pct_change=m.pct_change,
        )
