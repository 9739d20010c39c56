"""Request and response models of saved topic lists (camelCase on the wire).

The bodies check only JSON types; lengths, duplicates and topic existence are the service's
rules, so HTTP and any other caller get the same answers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import PlainSerializer, StrictInt, field_validator

from orbit.apimodel import ApiModel
from orbit.metadata.models import TopicList
from orbit.topics.inventory import Inventory


def iso_millis(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and `Z` (2026-05-05T09:15:00.000Z), as the envelope's
    timestamp; pydantic's default would print microseconds."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


UtcMillis = Annotated[datetime, PlainSerializer(iso_millis, return_type=str)]


class TopicListCreate(ApiModel):
    name: str
    description: str = ""
    # Strict: "7" or 7.0 is a client bug, not a topic id.
    topic_ids: list[StrictInt]


class TopicListUpdate(ApiModel):
    """PATCH body: every field optional; an omitted field keeps its value."""

    name: str | None = None
    description: str | None = None
    topic_ids: list[StrictInt] | None = None

    @field_validator("name", "description", "topic_ids", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Only an explicit null reaches this (defaults are not validated): omit the field instead,
        # so null never silently means "keep".
        if value is None:
            raise ValueError("omit the field to keep its value; null is not allowed")
        return value


class TopicRefRead(ApiModel):
    topic_id: int
    topic_name: str


class TopicListRead(ApiModel):
    id: str
    organization_id: str
    name: str
    description: str
    topic_ids: list[int]
    topics: list[TopicRefRead]
    created_at: UtcMillis
    updated_at: UtcMillis

    @classmethod
    def of(cls, row: TopicList, inventory: Inventory) -> TopicListRead:
        # Names come from the current catalogue: a topic dropped by a later ingest stays in
        # `topicIds` (the saved intent) but has no entry in `topics`.
        topics = [
            TopicRefRead(topic_id=t.topic_id, topic_name=t.name)
            for t in (inventory.get(tid) for tid in row.topic_ids)
            if t is not None
        ]
        return cls(
            id=row.id, organization_id=row.organization_id, name=row.name, description=row.description,
            topic_ids=list(row.topic_ids), topics=topics, created_at=row.created_at, updated_at=row.updated_at,
        )


class TopicListDeleted(ApiModel):
    id: str
    deleted: Literal[True] = True
