"""Response models of stored exports (camelCase on the wire)."""

from __future__ import annotations

from typing import Literal

from orbit.apimodel import ApiModel
from orbit.audiences.schemas import iso
from orbit.exports.service import ExportLink
from orbit.metadata.models import Export


class ExportRead(ApiModel):
    """A stored export (ORBIT_API.md §7.10). `fileId` repeats `fileName`: local files and S3
    objects have no separate file id."""

    id: str
    organization_id: str
    audience_id: str
    run_id: str
    export_type: Literal["csv"] = "csv"
    status: str
    storage_provider: str
    content_type: str
    byte_size: int
    row_count: int
    bucket_name: str | None
    file_id: str
    file_name: str
    content_sha1: str | None
    error_code: str | None
    error_message: str | None
    requested_by: str | None
    completed_at: str | None
    expires_at: str
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, e: Export) -> ExportRead:
        return cls(
            id=e.id, organization_id=e.organization_id, audience_id=e.audience_id, run_id=e.run_id,
            status=e.status, storage_provider=e.storage_provider, content_type=e.content_type,
            byte_size=e.byte_size, row_count=e.row_count, bucket_name=e.bucket_name, file_id=e.file_name,
            file_name=e.file_name, content_sha1=e.content_sha1, error_code=e.error_code,
            error_message=e.error_message, requested_by=e.requested_by, completed_at=iso(e.completed_at),
            expires_at=iso(e.expires_at) or "", created_at=iso(e.created_at) or "", updated_at=iso(e.updated_at) or "",
        )


class ExportDownloadRead(ApiModel):
    """`{export, downloadUrl, downloadUrlExpiresAt, downloadUrlTtlSeconds}`; the URL is new on
    every call, and null while the export is not completed."""

    export: ExportRead
    download_url: str | None
    download_url_expires_at: str | None
    download_url_ttl_seconds: int | None

    @classmethod
    def of(cls, link: ExportLink) -> ExportDownloadRead:
        return cls(export=ExportRead.of(link.export), download_url=link.url,
                   download_url_expires_at=iso(link.expires_at), download_url_ttl_seconds=link.ttl_seconds)
