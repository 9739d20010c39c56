"""Request and response models of suppression lists (camelCase on the wire)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from orbit.apimodel import ApiModel, trimmed_line
from orbit.metadata.models import SuppressionList
from orbit.suppression.service import MAX_DESCRIPTION, MAX_NAME, UploadResult
from orbit.topic_lists.schemas import UtcMillis
from orbit.warehouse.suppression_sql import KINDS


class SuppressionListCreate(ApiModel):
    name: str = Field(json_schema_extra={
        "minLength": 1, "pattern": trimmed_line(MAX_NAME),
        "description": f"1..{MAX_NAME} characters once trimmed, no control characters; unique in the organization"})
    description: str = Field(default="", json_schema_extra={"maxLength": MAX_DESCRIPTION})


class KindCounts(ApiModel):
    """Items per stored kind (plain e-mails are stored as sha256)."""

    sha256: int
    sha1: int
    md5: int
    domain: int


class SuppressionListRead(ApiModel):
    id: str
    organization_id: str
    name: str
    description: str
    item_count: int = Field(description="Distinct entries in the list")
    kind_counts: KindCounts
    version: int = Field(description="Published version; every upload or clear publishes a new one (0: never filled)")
    created_at: UtcMillis
    updated_at: UtcMillis
    uploaded_at: UtcMillis | None = Field(description="When items were last published (upload or clear)")

    @classmethod
    def of(cls, row: SuppressionList) -> SuppressionListRead:
        counts = row.kind_counts or {}
        return cls(
            id=row.id, organization_id=row.organization_id, name=row.name, description=row.description,
            item_count=row.item_count, kind_counts=KindCounts(**{k: int(counts.get(k, 0)) for k in KINDS}),
            version=row.version, created_at=row.created_at, updated_at=row.updated_at, uploaded_at=row.uploaded_at,
        )


class UploadError(ApiModel):
    line: int = Field(description="Line of the CSV body (the header is line 1), or position in `items` from 1")
    reason: str


class UploadRead(ApiModel):
    suppression_list: SuppressionListRead = Field(description="The list as published by this upload")
    mode: Literal["append", "replace"]
    total: int = Field(description="Entries read (blank lines are not entries)")
    accepted: int = Field(description="Entries new to the list")
    rejected: int = Field(description="Entries refused; the first 100 are in `errors`")
    duplicates: int = Field(description="Valid entries already in the list or repeated in this upload")
    errors: list[UploadError]

    @classmethod
    def of(cls, result: UploadResult) -> UploadRead:
        mode: Literal["append", "replace"] = "append" if result.mode == "append" else "replace"
        return cls(suppression_list=SuppressionListRead.of(result.suppression_list), mode=mode, total=result.total, accepted=result.accepted, rejected=result.rejected,
                   duplicates=result.duplicates, errors=[UploadError(**e) for e in result.errors])


class SuppressionListDeleted(ApiModel):
    id: str
    deleted: Literal[True] = True


def upload_body_schema() -> dict[str, Any]:
    """The request body of an upload as OpenAPI states it (read from the stream, not parsed by FastAPI)."""
    return {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string", "description": (
                "A header line naming one of the columns email, sha256, sha1, md5, domain (other columns are "
                "ignored), then one entry per line")}},
            "application/json": {"schema": {
                "type": "object", "required": ["kind", "items"], "additionalProperties": False,
                "properties": {
                    "kind": {"type": "string", "enum": ["email", "sha256", "sha1", "md5", "domain"]},
                    "items": {"type": "array", "items": {"type": "string"}},
                }}},
        },
    }
