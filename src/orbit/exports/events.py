"""The `export.completed` webhook event, written in the transaction that completes the export."""

from __future__ import annotations

from sqlalchemy.orm import Session

from orbit.exports.schemas import ExportRead
from orbit.metadata.models import Export
from orbit.webhooks import service as webhooks
from orbit.webhooks.service import EventType


def export_completed(session: Session, export: Export) -> None:
    """The stored export as `GET …/exports` lists it; no download URL (it would expire before the
    last retry, and is a credential): receivers GET the export for a fresh one."""
    webhooks.emit(session, org_id=export.organization_id, type_=EventType.EXPORT_COMPLETED,
                  data=ExportRead.of(export).model_dump(mode="json", by_alias=True))
