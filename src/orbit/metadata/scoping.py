"""Organization scoping of metadata rows: the one lookup every org-owned object goes through."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from orbit.metadata.models import Base

T = TypeVar("T", bound=Base)


def find_owned(session: Session, model: type[T], *, org_id: str, obj_id: str) -> T | None:
    """The row with this id if it belongs to the organization; None for missing or foreign rows
    alike, so callers cannot tell another organization's object from a missing one."""
    table: Any = model
    return session.scalars(select(model).where(table.id == obj_id, table.organization_id == org_id)).first()
