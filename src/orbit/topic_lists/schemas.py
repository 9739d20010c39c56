"""Request and response models of saved topic lists (camelCase on the wire).

The bodies check only JSON types; lengths, duplicates and topic existence are the service's
rules, so HTTP and any other caller get the same answers. The JSON Schema states those rules
(`json_schema_extra`), so the document says exactly what the service accepts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, PlainSerializer, field_validator

from orbit.apimodel import ApiModel, TopicId, trimmed_line
from orbit.metadata.models import TopicList
from orbit.topic_lists.service import MAX_DESCRIPTION, MAX_NAME, MAX_TOPICS
from orbit.topics.inventory import Inventory


def iso_millis(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and `Z` (2026-05-05T09:15:00.000Z), as the envelope's
    timestamp; pydantic's default would print microseconds."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


UtcMillis = Annotated[datetime, PlainSerializer(iso_millis, return_type=str)]


NAME_RULE: dict[str, Any] = {
    "minLength": 1, "pattern": trimmed_line(MAX_NAME),
    "description": f"1..{MAX_NAME} characters once surrounding spaces are trimmed, no control characters; "
    "unique in the organization",
}
DESCRIPTION_RULE: dict[str, Any] = {"maxLength": MAX_DESCRIPTION}
TOPICS_RULE: dict[str, Any] = {
    "minItems": 1, "maxItems": MAX_TOPICS, "uniqueItems": True, "description": "Known topic ids, each once",
}


def _keep_when_omitted(rule: dict[str, Any]) -> Any:
    """A PATCH field's schema: the create rule, without null (refused, see `_not_null`) and
    without a default (omitting the field keeps its value)."""

    def apply(schema: dict[str, Any]) -> None:
        for branch in schema.pop("anyOf", []):
            if branch.get("type") != "null":
                schema.update(branch)
        schema.update(rule)
        schema.pop("default", None)

    return apply


class TopicListCreate(ApiModel):
    name: str = Field(json_schema_extra=NAME_RULE)
    description: str = Field(default="", json_schema_extra=DESCRIPTION_RULE)
    # Strict: "7" or true is a client bug, not a topic id (7.0 is 7, as in JSON Schema).
    topic_ids: list[TopicId] = Field(json_schema_extra=TOPICS_RULE)


class TopicListUpdate(ApiModel):
    """PATCH body: every field optional; an omitted field keeps its value."""

    name: str | None = Field(default=None, json_schema_extra=_keep_when_omitted(NAME_RULE))
    description: str | None = Field(default=None, json_schema_extra=_keep_when_omitted(DESCRIPTION_RULE))
    topic_ids: list[TopicId] | None = Field(default=None, json_schema_extra=_keep_when_omitted(TOPICS_RULE))

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
