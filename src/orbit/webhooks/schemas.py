"""Request and response models of webhook endpoints and deliveries (camelCase on the wire).

Bodies check JSON types and lengths; URL and event rules are the service's, so every caller gets
the same answers.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, field_validator

from orbit.apimodel import ApiModel
from orbit.metadata.models import WebhookDelivery, WebhookEndpoint
from orbit.site_analysis.addresses import MAX_URL
from orbit.webhooks.service import MAX_DESCRIPTION, DeliveryDetail, EventType, iso

_EVENTS: dict[str, Any] = {
    "minItems": 1, "maxItems": len(EventType), "uniqueItems": True,
    "items": {"type": "string", "enum": [e.value for e in EventType]},
}


class WebhookCreate(ApiModel):
    url: str = Field(max_length=MAX_URL, description="https URL with a public address")
    events: list[str] = Field(json_schema_extra=_EVENTS)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    enabled: bool = True


class WebhookUpdate(ApiModel):
    """PATCH body: every field optional; an omitted field keeps its value (null is refused)."""

    url: str | None = Field(default=None, max_length=MAX_URL)
    events: list[str] | None = Field(default=None, json_schema_extra=_EVENTS)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    enabled: bool | None = None

    @field_validator("url", "events", "description", "enabled", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("omit the field to keep its value; null is not allowed")
        return value


class WebhookRead(ApiModel):
    id: str
    organization_id: str
    url: str
    description: str
    events: list[str]
    enabled: bool
    secret_rotated_at: str | None
    previous_secret_expires_at: str | None  # while set and in the future, deliveries carry two `v1`
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, e: WebhookEndpoint) -> WebhookRead:
        return cls(id=e.id, organization_id=e.organization_id, url=e.url, description=e.description,
                   events=list(e.events), enabled=e.is_enabled, secret_rotated_at=iso(e.secret_rotated_at),
                   previous_secret_expires_at=iso(e.previous_secret_expires_at),
                   created_at=iso(e.created_at) or "", updated_at=iso(e.updated_at) or "")


class WebhookWithSecret(ApiModel):
    """The endpoint and its signing secret: shown in this answer only, never again."""

    endpoint: WebhookRead
    secret: str


class WebhookDeleted(ApiModel):
    id: str
    deleted: Literal[True] = True


class DeliveryRead(ApiModel):
    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    status: str  # pending | delivering | succeeded | failed
    attempts: int
    last_response_code: int | None
    last_error: str | None
    last_response_excerpt: str | None  # at most 500 characters of the receiver's answer
    last_duration_ms: int | None
    last_attempt_at: str | None
    next_attempt_at: str | None
    delivered_at: str | None
    replay_of: str | None
    created_at: str

    @classmethod
    def of(cls, d: WebhookDelivery) -> DeliveryRead:
        return cls(id=d.id, endpoint_id=d.endpoint_id, event_id=d.event_id, event_type=d.event_type,
                   status=d.status, attempts=d.attempts, last_response_code=d.last_response_code,
                   last_error=d.last_error, last_response_excerpt=d.last_response_excerpt,
                   last_duration_ms=d.last_duration_ms, last_attempt_at=iso(d.last_attempt_at),
                   next_attempt_at=iso(d.next_attempt_at) if d.status == "pending" else None,
                   delivered_at=iso(d.delivered_at), replay_of=d.replay_of, created_at=iso(d.created_at) or "")


class DeliveryDetailRead(DeliveryRead):
    event: dict[str, Any]  # the event body as sent

    @classmethod
    def detail(cls, d: DeliveryDetail) -> DeliveryDetailRead:
        return cls(**DeliveryRead.of(d.delivery).model_dump(), event=json.loads(d.body))
