"""Suppression lists of an organization: metadata, uploads and the list versions audiences apply.
No HTTP.

List metadata lives in the metadata store; items live in the warehouse under (list id, version).
An upload stages its entries under an upload id, writes a whole new version of the list, and
only then points the list at it with one compare-and-set (so a failed, refused or concurrent
upload leaves the list exactly as it was). Every lookup filters on the organization, so another
organization's list is NotFound, worded like a missing one.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from orbit.errors import Conflict, PayloadTooLarge, ValidationFailed
from orbit.metadata import db, scoping
from orbit.metadata.models import Audience, SuppressionList
from orbit.metadata.scoping import get_owned, list_owned
from orbit.suppression.parse import CsvParser, Entry, Tally, json_entries
from orbit.warehouse import suppression_sql
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.suppression_sql import KINDS, ListRef

log = logging.getLogger("orbit.suppression")

MAX_PAGE = scoping.MAX_PAGE
MAX_OFFSET = scoping.MAX_OFFSET
MAX_LISTS = 100  # per organization
BATCH = 200_000  # entries staged per warehouse insert (~20 MB of Python strings)


@dataclass(frozen=True, slots=True)
class Limits:
    """Upload bounds (settings.SuppressionSettings)."""

    max_entries: int = 1_000_000  # per request and per list
    max_upload_bytes: int = 256 << 20
    max_json_bytes: int = 1 << 20  # the request body limit: JSON is parsed whole


MAX_NAME = 255
MAX_DESCRIPTION = 2000


def _check_text(problems: list[dict[str, str]], name: str, description: str) -> str:
    """The trimmed name; problems for a bad name or description."""
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME:
        problems.append({"field": "name", "message": f"name must be 1..{MAX_NAME} characters"})
    elif any(unicodedata.category(c) in ("Cc", "Cs") for c in name):
        problems.append({"field": "name", "message": "name must not contain control characters"})
    if len(description) > MAX_DESCRIPTION:
        problems.append({"field": "description", "message": f"description must be at most {MAX_DESCRIPTION} characters"})
    elif "\x00" in description or any("\ud800" <= c <= "\udfff" for c in description):
        problems.append({"field": "description", "message": "description must not contain NUL or unpaired surrogates"})
    return name


def _now() -> datetime:
    return datetime.now(UTC)


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


# --- lists ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    items: list[SuppressionList]
    total: int


def create_list(session: Session, *, org_id: str, name: str, description: str = "") -> SuppressionList:
    """A new, empty list (flushed). ValidationFailed for a bad name or description; Conflict when
    the organization has a list of that name or already `MAX_LISTS` lists."""
    problems: list[dict[str, str]] = []
    name = _check_text(problems, name, description)
    if problems:
        raise ValidationFailed(problems[0]["message"] if len(problems) == 1 else "the suppression list is invalid",
                               details=problems)
    if list_lists(session, org_id=org_id, limit=1, offset=0).total >= MAX_LISTS:
        raise Conflict(f"an organization holds at most {MAX_LISTS} suppression lists; delete one first")
    now = _now()
    row = SuppressionList(id=str(uuid.uuid4()), organization_id=org_id, name=name, description=description,
                          version=0, next_version=0, item_count=0, kind_counts={}, created_at=now, updated_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"a suppression list named {name!r} already exists") from exc
    return row


def list_lists(session: Session, *, org_id: str, limit: int = 50, offset: int = 0) -> Page:
    """One page of the organization's lists, newest first, with the organization's total."""
    items, total = list_owned(session, SuppressionList, org_id=org_id, limit=limit, offset=offset)
    return Page(items, total)


def get_list(session: Session, *, org_id: str, list_id: str) -> SuppressionList:
    """The organization's list; NotFound when it is missing or another organization's."""
    return get_owned(session, SuppressionList, org_id=org_id, obj_id=list_id, what="suppression list")


def audiences_naming(session: Session, *, org_id: str, list_id: str) -> list[str]:
    """Ids of the organization's audiences whose config names the list."""
    rows = session.execute(select(Audience.id, Audience.config).where(Audience.organization_id == org_id))
    return sorted(r.id for r in rows if list_id in (r.config or {}).get("suppressionListIds", ()))


def delete_list(session: Session, wh: Warehouse, *, org_id: str, list_id: str) -> str:
    """Delete the list; its items leave the warehouse once this commits. Conflict naming the
    audiences that still apply it (take it out of their configs first): dropping it silently
    would put people who must not be contacted back into their runs."""
    row = get_list(session, org_id=org_id, list_id=list_id)
    naming = audiences_naming(session, org_id=org_id, list_id=list_id)
    if naming:
        raise Conflict(f"{len(naming)} audience(s) apply this suppression list; remove it from their "
                       "suppressionListIds first", details={"audienceIds": naming})
    session.delete(row)
    session.flush()
    db.after_commit(session, lambda: suppression_sql.drop_list(wh, list_id=list_id))
    return list_id


def clear_list(session: Session, wh: Warehouse, *, org_id: str, list_id: str) -> SuppressionList:
    """Publish an empty version of the list (runs and previews from now on suppress nobody by it)."""
    row = get_list(session, org_id=org_id, list_id=list_id)
    replaced = row.version
    # The same increment uploads use, so no two writers ever get one version number.
    session.execute(update(SuppressionList).where(SuppressionList.id == list_id)
                    .values(next_version=SuppressionList.next_version + 1)
                    .execution_options(synchronize_session=False))
    session.refresh(row)
    row.version, row.item_count, row.kind_counts = row.next_version, 0, {}
    row.updated_at = row.uploaded_at = _now()
    session.flush()
    published = row.version
    db.after_commit(session, lambda: suppression_sql.drop_older(wh, list_id=list_id, published=published,
                                                                 replaced=replaced))
    return row


# --- applying lists ----------------------------------------------------------------------------


def refs(session: Session, *, org_id: str, list_ids: Sequence[str], field_name: str = "suppressionListIds",
         strict: bool = True) -> tuple[ListRef, ...]:
    """The published versions of these lists of the organization, in sorted id order. Strict:
    ValidationFailed naming `field_name[i]` for each id that is not one of its lists; otherwise
    such ids are skipped (a run whose list was deleted after it was queued)."""
    if not list_ids:
        return ()
    rows = {r.id: r for r in session.scalars(select(SuppressionList).where(
        SuppressionList.organization_id == org_id, SuppressionList.id.in_(list(list_ids))))}
    problems = [{"field": f"{field_name}[{i}]", "message": f"suppression list {lid} does not exist"}
                for i, lid in enumerate(list_ids) if lid not in rows]
    if problems and strict:
        raise ValidationFailed(problems[0]["message"] if len(problems) == 1 else "unknown suppression lists",
                               details=problems)
    return tuple(sorted(
        ListRef(r.id, r.version, tuple(k for k in KINDS if (r.kind_counts or {}).get(k)))
        for r in rows.values()))


class ListLookup:
    """Resolves list ids for requests that hold no metadata session (preview, validate): one
    short read transaction, opened only when a config names lists."""

    def __init__(self, sessions: sessionmaker[Session], org_id: str) -> None:
        self.sessions, self.org_id = sessions, org_id

    def __call__(self, list_ids: Sequence[str], *, field_name: str = "suppressionListIds") -> tuple[ListRef, ...]:
        if not list_ids:
            return ()
        with self.sessions() as session:
            return refs(session, org_id=self.org_id, list_ids=list_ids, field_name=field_name)


# --- uploads -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UploadResult:
    suppression_list: SuppressionList
    total: int  # entries read
    accepted: int  # entries new to the list
    rejected: int  # entries refused (see errors)
    duplicates: int  # valid entries already in the list or repeated in the upload
    errors: list[dict[str, Any]]
    mode: str


@dataclass
class Upload:
    """One upload into one list: `feed` the body's bytes, then `finish` (or `abort`).

    Short metadata transactions of its own (`sessions`), none held while the body streams or the
    warehouse works: a 1M-line upload takes seconds, and SQLite's write lock must not wait on it.
    """

    wh: Warehouse
    sessions: sessionmaker[Session]
    org_id: str
    list_id: str
    json_body: bool
    append: bool
    limits: Limits
    workdir: Path
    upload_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    tally: Tally = field(default_factory=Tally)
    base: int = 0
    new: int = 0
    base_items: int = 0
    _bytes: int = 0
    _parser: CsvParser | None = None
    _json: bytearray = field(default_factory=bytearray)
    _kinds: list[str] = field(default_factory=list)
    _values: list[str] = field(default_factory=list)
    _staged: bool = False

    @classmethod
    def begin(cls, wh: Warehouse, sessions: sessionmaker[Session], *, org_id: str, list_id: str, json_body: bool,
              append: bool, limits: Limits, workdir: Path) -> Upload:
        """Reserve a version number for the upload; NotFound for another organization's list."""
        up = cls(wh, sessions, org_id, list_id, json_body, append, limits, workdir)
        with sessions.begin() as session:
            db.begin_write(session)
            row = get_list(session, org_id=org_id, list_id=list_id)
            session.execute(update(SuppressionList).where(SuppressionList.id == list_id)
                            .values(next_version=SuppressionList.next_version + 1)
                            .execution_options(synchronize_session=False))
            session.refresh(row)
            up.base, up.new, up.base_items = row.version, row.next_version, row.item_count
        up._parser = None if json_body else CsvParser(up.tally)
        return up

    def feed(self, chunk: bytes) -> None:
        """Parse a piece of the body and stage full batches. ValidationFailed for a bad header
        or JSON shape, PayloadTooLarge past a limit; `abort()` then."""
        self._bytes += len(chunk)
        if self._bytes > (self.limits.max_json_bytes if self.json_body else self.limits.max_upload_bytes):
            raise PayloadTooLarge(
                f"{'JSON' if self.json_body else 'CSV'} uploads are limited to "
                f"{self.limits.max_json_bytes if self.json_body else self.limits.max_upload_bytes} bytes"
                + ("; send larger lists as CSV" if self.json_body else ""))
        if self.json_body:
            self._json += chunk
            return
        assert self._parser is not None
        self._take(self._parser.feed(chunk))

    def _take(self, entries: Iterable[Entry]) -> None:
        for e in entries:
            self._kinds.append(e.kind)
            self._values.append(e.value)
            if len(self._values) >= BATCH:
                self._stage()
        if self.tally.total > self.limits.max_entries:
            raise PayloadTooLarge(f"an upload holds at most {self.limits.max_entries} entries")

    def _stage(self) -> None:
        kinds, values, self._kinds, self._values = self._kinds, self._values, [], []
        self._staged = True
        suppression_sql.stage(self.wh, upload_id=self.upload_id, kinds=kinds, values=values, workdir=self.workdir)

    def finish(self) -> UploadResult:
        """Publish the new version and answer the counts. PayloadTooLarge when the list would
        hold more than `max_entries`; Conflict when the list changed (another upload, a clear)
        or was deleted meanwhile; nothing is published then."""
        if self.json_body:
            self._take(json_entries(bytes(self._json), self.tally))
            self._json = bytearray()
        else:
            assert self._parser is not None
            self._take(self._parser.finish())
        self._stage()
        counts = suppression_sql.publish(self.wh, list_id=self.list_id, upload_id=self.upload_id, base=self.base,
                                         new=self.new, append=self.append)
        items = sum(counts.values())
        if items > self.limits.max_entries:
            raise PayloadTooLarge(f"the list would hold {items} entries; a list holds at most "
                                  f"{self.limits.max_entries}")
        with self.sessions.begin() as session:
            db.begin_write(session)
            now = _now()
            moved = _rowcount(session.execute(
                update(SuppressionList)
                .where(SuppressionList.id == self.list_id, SuppressionList.organization_id == self.org_id,
                       SuppressionList.version == self.base)
                .values(version=self.new, item_count=items, kind_counts=counts, updated_at=now, uploaded_at=now)
                .execution_options(synchronize_session=False)))
            if moved != 1:
                raise Conflict("the suppression list was changed or deleted while this upload ran; nothing was "
                               "added: upload again")
            row = get_list(session, org_id=self.org_id, list_id=self.list_id)
            session.refresh(row)
        self._cleanup(published=True)
        valid = self.tally.total - self.tally.rejected
        accepted = items - (self.base_items if self.append else 0)
        return UploadResult(row, self.tally.total, accepted, self.tally.rejected, valid - accepted,
                            self.tally.errors, "append" if self.append else "replace")

    def abort(self) -> None:
        """Drop what this upload wrote (its staging rows and unpublished version)."""
        self._cleanup(published=False)

    def _cleanup(self, *, published: bool) -> None:
        try:
            suppression_sql.drop_staging(self.wh, upload_id=self.upload_id)
            if published:
                suppression_sql.drop_older(self.wh, list_id=self.list_id, published=self.new, replaced=self.base)
            else:
                suppression_sql.drop_version(self.wh, list_id=self.list_id, version=self.new)
        except Exception:  # the rows are never read; a later publication of the list drops them
            log.exception("suppression upload %s: cleanup failed", self.upload_id)

    async def consume(self, body: AsyncIterator[bytes]) -> UploadResult:
        """Read the body as it arrives, parse and stage it in a worker thread piece by piece
        (about 1 MiB at a time), publish at the end; on any error nothing is published."""
        try:
            pending: list[bytes] = []
            size = 0
            async for piece in body:
                pending.append(piece)
                size += len(piece)
                if size >= 1 << 20:
                    await anyio.to_thread.run_sync(self.feed, b"".join(pending))
                    pending, size = [], 0
            if pending:
                await anyio.to_thread.run_sync(self.feed, b"".join(pending))
            return await anyio.to_thread.run_sync(self.finish)
        except BaseException:
            await anyio.to_thread.run_sync(self.abort)
            raise


async def begin_upload(wh: Warehouse, sessions: sessionmaker[Session], *, org_id: str, list_id: str,
                       json_body: bool, append: bool, limits: Limits, workdir: Path) -> Upload:
    """`Upload.begin` in a worker thread (it writes the metadata store)."""
    return await anyio.to_thread.run_sync(functools.partial(
        Upload.begin, wh, sessions, org_id=org_id, list_id=list_id, json_body=json_body, append=append,
        limits=limits, workdir=workdir))
