"""Response models of stored exports (camelCase on the wire)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from orbit.apimodel import ApiModel
from orbit.audiences.schemas import iso
from orbit.exports.formats import ExportSource, ExportType
from orbit.exports.service import ExportLink
from orbit.metadata.models import Export
from orbit.runs import changes
from orbit.warehouse.changes_sql import ChangeKind


class ExportCreate(ApiModel):
    """The optional body of `POST …/exports`; without one, the CSV of the run's rows."""

    export_type: ExportType = Field(ExportType.CSV, description=(
        "csv: Orbit's CSV (docs/exports.md); linkedin, google_ads, meta: that platform's upload file "
        "(docs/ad_platforms.md)"))
    source: ExportSource = Field(ExportSource.RESULTS, description=(
        "results: the run's rows; changes: what changed since the run's previous completed run"))
    kind: ChangeKind | None = Field(None, description=(
        changes.KIND_HELP + ". Changes only; required for an ad-platform file, absent for csv: all three"))
    min_score_change: Annotated[int | None, Field(ge=changes.MIN_MIN_SCORE_CHANGE, le=changes.MAX_MIN_SCORE_CHANGE,
                                                  description=changes.MIN_SCORE_HELP + " (changes only; default 10)")] = None


class ExportRead(ApiModel):
    """A stored export (ORBIT_API.md §7.10) and what its file holds. `fileId` repeats
    `fileName`: local files and S3 objects have no separate file id."""

    id: str
    organization_id: str
    audience_id: str
    run_id: str
    export_type: ExportType
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
    source: ExportSource
    change_kind: ChangeKind | None  # source changes: the kind; null: all three (csv)
    min_score_change: int | None
    previous_run_id: str | None  # source changes: the run compared with
    skipped_row_count: int  # ad-platform files: rows left out for having no key the platform matches on
    truncated: bool  # rows were left out over the platform's limits (LinkedIn: 300,000 rows, 20 MB)

    @classmethod
    def of(cls, e: Export) -> ExportRead:
        return cls(
            export_type=ExportType(e.export_type), source=ExportSource(e.source),
            change_kind=ChangeKind(e.change_kind) if e.change_kind else None, min_score_change=e.min_score_change,
            previous_run_id=e.previous_run_id, skipped_row_count=e.skipped_row_count, truncated=e.truncated,
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
