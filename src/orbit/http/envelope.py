"""The `{data, meta}` success envelope and the request id every response carries."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import pydantic_core
from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

T = TypeVar("T")


def utc_timestamp() -> str:
    """ISO-8601 UTC with milliseconds, as in Orbit's examples (2026-05-05T09:15:00.000Z)."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


class ApiMeta(BaseModel):
    model_config = ConfigDict(extra="allow")

    timestamp: str
    request_id: str


class Envelope(BaseModel, Generic[T]):
    """`{data, meta}`; list endpoints add paging fields to `meta`."""

    data: T
    meta: ApiMeta


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = Field(default=None)


class ErrorEnvelope(BaseModel):
    error: ErrorBody
    meta: ApiMeta


def meta(**extra: object) -> ApiMeta:
    return ApiMeta(timestamp=utc_timestamp(), request_id=request_id_var.get(), **extra)


def envelope(data: T, **extra: object) -> Envelope[T]:
    return Envelope[T](data=data, meta=meta(**extra))


def rendered_wire(data: dict[str, Any], **extra: object) -> Response:
    """The envelope of a hot route's answer already in its JSON form (`apimodel.wire`): FastAPI
    would validate it again against the `response_model` (1-2 ms for a preview's 50 sample rows)
    before serializing; the bytes are the same (camelCase aliases, compact)."""
    body = pydantic_core.to_json({"data": data, "meta": meta(**extra).model_dump(mode="json", by_alias=True)})
    return Response(content=body, media_type="application/json")
