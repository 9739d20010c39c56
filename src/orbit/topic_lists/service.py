"""Saved topic lists of an organization: validation, uniqueness and org scoping. No HTTP.

Every query filters on `org_id`, so another organization's list is NotFound, worded like a
missing one. Services flush but never commit: the caller (request or CLI step) owns the transaction.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orbit.errors import Conflict, ValidationFailed
from orbit.metadata import scoping
from orbit.metadata.models import TopicList
from orbit.metadata.scoping import get_owned, list_owned
from orbit.topics.inventory import Inventory

MAX_PAGE = scoping.MAX_PAGE  # page bounds are checked in one place, list_owned
MAX_OFFSET = scoping.MAX_OFFSET

MAX_NAME = 255
MAX_DESCRIPTION = 2000
MAX_TOPICS = 250

Problem = dict[str, str]


@dataclass(frozen=True, slots=True)
class Page:
    items: list[TopicList]
    total: int  # lists of the organization, not only this page


def _now() -> datetime:
    return datetime.now(UTC)


def _problem(field: str, message: str) -> Problem:
    return {"field": field, "message": message}


def _clean_name(name: str, problems: list[Problem]) -> str:
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME:
        problems.append(_problem("name", f"name must be 1..{MAX_NAME} characters"))
    # Control characters make names that look equal but are not; PostgreSQL refuses NUL outright.
    elif any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        problems.append(_problem("name", "name must not contain control characters"))
    return name


def _check_description(description: str, problems: list[Problem]) -> None:
    if len(description) > MAX_DESCRIPTION:
        problems.append(_problem("description", f"description must be at most {MAX_DESCRIPTION} characters"))
    # JSON may carry NUL and lone surrogates; neither can be stored as PostgreSQL text or UTF-8.
    elif "\x00" in description or any("\ud800" <= c <= "\udfff" for c in description):
        problems.append(_problem("description", "description must not contain NUL or unpaired surrogates"))


def _check_topic_ids(inventory: Inventory, topic_ids: Sequence[int], problems: list[Problem]) -> list[int]:
    if not 1 <= len(topic_ids) <= MAX_TOPICS:
        # Per-item checks would add up to thousands of details for an oversized list.
        problems.append(_problem("topicIds", f"topicIds must hold 1..{MAX_TOPICS} topic ids"))
        return list(topic_ids)
    seen: set[int] = set()
    for i, tid in enumerate(topic_ids):
        if tid in seen:
            problems.append(_problem(f"topicIds[{i}]", f"topic {tid} is listed twice"))
        elif inventory.get(tid) is None:
            problems.append(_problem(f"topicIds[{i}]", f"topic {tid} does not exist"))
        seen.add(tid)
    return list(topic_ids)


def _raise_problems(problems: list[Problem]) -> None:
    if len(problems) == 1:
        raise ValidationFailed(problems[0]["message"], details=problems)
    if problems:
        raise ValidationFailed("the topic list is invalid", details=problems)


@contextmanager
def _unique_name(session: Session, name: str) -> Iterator[None]:
    """Run a write in a savepoint and flush it: a name clash becomes Conflict and leaves the
    caller's transaction usable (the unique constraint decides, so two racing requests cannot
    both win)."""
    try:
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"a topic list named {name!r} already exists") from exc


def create_topic_list(
    session: Session,
    *,
    org_id: str,
    inventory: Inventory,
    name: str,
    topic_ids: Sequence[int],
    description: str = "",
) -> TopicList:
    """Save a new list for `org_id` and return it (flushed, so it has its id).

    Raises ValidationFailed naming every bad field (`name`, `description`, `topicIds` or each
    unknown or repeated `topicIds[i]`), and Conflict when the organization has a list of that name.
    """
    problems: list[Problem] = []
    name = _clean_name(name, problems)
    _check_description(description, problems)
    ids = _check_topic_ids(inventory, topic_ids, problems)
    _raise_problems(problems)
    now = _now()
    row = TopicList(
        id=str(uuid.uuid4()), organization_id=org_id, name=name, description=description,
        topic_ids=ids, created_at=now, updated_at=now,
    )
    with _unique_name(session, name):
        session.add(row)
    return row


def list_topic_lists(session: Session, *, org_id: str, limit: int = 50, offset: int = 0) -> Page:
    """One page of the organization's lists, newest first, with the organization's total."""
    items, total = list_owned(session, TopicList, org_id=org_id, limit=limit, offset=offset)
    return Page(items, total)


def get_topic_list(session: Session, *, org_id: str, topic_list_id: str) -> TopicList:
    """The organization's list; NotFound when it is missing or belongs to another organization."""
    return get_owned(session, TopicList, org_id=org_id, obj_id=topic_list_id, what="topic list")


def update_topic_list(
    session: Session,
    *,
    org_id: str,
    topic_list_id: str,
    inventory: Inventory,
    name: str | None = None,
    description: str | None = None,
    topic_ids: Sequence[int] | None = None,
) -> TopicList:
    """Change the given fields (None keeps a field) and return the list.

    `updated_at` moves only when a value actually changes. Raises NotFound first (before looking
    at the values), then ValidationFailed as in `create_topic_list`, and Conflict on a rename into
    a name the organization already uses; on any error the list is left as it was.
    """
    row = get_topic_list(session, org_id=org_id, topic_list_id=topic_list_id)
    problems: list[Problem] = []
    new_name = row.name if name is None else _clean_name(name, problems)
    new_description = row.description if description is None else description
    _check_description(new_description, problems)
    new_ids = list(row.topic_ids) if topic_ids is None else _check_topic_ids(inventory, topic_ids, problems)
    _raise_problems(problems)
    if (new_name, new_description, new_ids) == (row.name, row.description, list(row.topic_ids)):
        return row
    # Assigned inside the savepoint, so a rolled-back rename also expires the new values.
    with _unique_name(session, new_name):
        row.name, row.description, row.topic_ids = new_name, new_description, new_ids
        row.updated_at = _now()
    return row


def delete_topic_list(session: Session, *, org_id: str, topic_list_id: str) -> None:
    """Delete the organization's list (flushed); NotFound as in `get_topic_list`."""
    row = get_topic_list(session, org_id=org_id, topic_list_id=topic_list_id)
    session.delete(row)
    session.flush()
