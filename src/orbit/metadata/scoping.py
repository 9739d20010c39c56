"""Organization scoping of metadata rows: the one lookup every org-owned object goes through."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orbit.errors import NotFound, ValidationFailed
from orbit.metadata.models import Base

T = TypeVar("T", bound=Base)
MAX_PAGE = 100
MAX_OFFSET = 2**31 - 1  # SQLite's OFFSET is a signed 64-bit int; stay far inside it


def find_owned(session: Session, model: type[T], *, org_id: str, obj_id: str) -> T | None:
    """The row with this id if it belongs to the organization; None for missing or foreign rows
    alike, so callers cannot tell another organization's object from a missing one."""
    table: Any = model
    return session.scalars(select(model).where(table.id == obj_id, table.organization_id == org_id)).first()


def get_owned(session: Session, model: type[T], *, org_id: str, obj_id: str, what: str) -> T:
    """`find_owned`, or NotFound ("<what> <id> does not exist") for missing and foreign rows alike."""
    row = find_owned(session, model, org_id=org_id, obj_id=obj_id)
    if row is None:
        raise NotFound(f"{what} {obj_id} does not exist")
    return row


def list_owned(
    session: Session, model: type[T], *, org_id: str, limit: int, offset: int, where: Sequence[Any] = ()
) -> tuple[list[T], int]:
    """One page of the organization's rows, newest first, and the organization's total.

    `id` breaks ties between rows created in the same microsecond, so pages never overlap.
    ValidationFailed for `limit` outside 1..`MAX_PAGE` or `offset` outside 0..`MAX_OFFSET`.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed.field("limit", f"limit must be 1..{MAX_PAGE}")
    if not 0 <= offset <= MAX_OFFSET:
        raise ValidationFailed.field("offset", f"offset must be 0..{MAX_OFFSET}")
    table: Any = model
    conditions = [table.organization_id == org_id, *where]
    total = int(session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)
    items = session.scalars(
        select(model).where(*conditions).order_by(table.created_at.desc(), table.id).limit(limit).offset(offset)
    )
    return list(items), total
