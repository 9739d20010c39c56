"""Exports of completed runs: the CSV stream, stored export records, signed download links. No HTTP.

Functions that take a session flush, never commit. Nothing here holds a metadata session across
a warehouse query: the CSV stream captures plain values first, and `writer.py` writes stored
files between its own short transactions.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, Result, delete, func, select, update
from sqlalchemy.orm import Session

from orbit.accounts.service import Principal, PrincipalKind
from orbit.errors import Forbidden, NotFound, RunNotCompleted, WarehouseUnavailable
from orbit.exports import formats
from orbit.exports.formats import ExportSpec
from orbit.exports.spool import Spool
from orbit.exports.storage import CONTENT_TYPE, ExportStorage, LocalStorage, StoredFile, StoredObject
from orbit.metadata.models import Export, Run
from orbit.runs import accounts, changes
from orbit.runs import service as runs
from orbit.warehouse import accounts_sql, changes_sql, runs_sql
from orbit.warehouse.backend import Warehouse


class ExportStatus(StrEnum):
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


def _now() -> datetime:
    return datetime.now(UTC)


def _rowcount(result: Result[Any]) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def csv_file_name(audience_id: str, run_id: str) -> str:
    return f"audience-{audience_id}-run-{run_id}.csv"


def csv_header(extra: Sequence[str] = ()) -> bytes:
    """The header line: the dotted field names of `runs_sql.CSV_COLUMNS`, then `extra`, CRLF-terminated."""
    return (",".join([*(name for name, _ in runs_sql.CSV_COLUMNS), *extra]) + "\r\n").encode()


def get_completed_run(session: Session, *, org_id: str, audience_id: str, run_id: str) -> Run:
    """The organization's run; NotFound otherwise, RunNotCompleted (409) unless it is completed
    (queued and running included: an export needs the finished snapshot)."""
    run = runs.get_run(session, org_id=org_id, audience_id=audience_id, run_id=run_id)
    if run.status != runs.RunStatus.COMPLETED.value:
        raise RunNotCompleted(f"run {run.id} is {run.status}", details={"status": run.status})
    return run


def csv_bytes(wh: Warehouse, *, run_id: str, attempt: int, rows: int) -> Generator[bytes, None, None]:
    """The header, then the snapshot's rows in rank order, streamed from the warehouse.

    On chDB the engine is held while the rows stream: consume this at disk or engine speed and
    close it when stopping early (`contextlib.closing`); never hand it to a network client.
    """
    yield csv_header()
    yield from runs_sql.csv_stream(wh, run_id=run_id, attempt=attempt, rows=rows)


# --- the direct stream -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvStream:
    lines: Iterator[bytes]  # owns its warehouse stream and spool file; touches no metadata session
    headers: dict[str, str]
    close: Callable[[], None]  # call when the response ends, finished or not: stops the warehouse stream


def topic_facets(run: Run) -> runs_sql.TopicFacets:
    """The run's topics as the run named them when it ran (`Run.topics`), for the
    `matchedTopics` column set."""
    ids = sorted(int(t) for t in run.topics)
    named = [run.topics[str(t)] for t in ids]
    return runs_sql.TopicFacets(ids, [str(t.get("topicName", "")) for t in named], [str(t.get("type", "")) for t in named],
                                [str(t.get("industry", "")) for t in named], [str(t.get("category", "")) for t in named])


def open_csv(session: Session, wh: Warehouse, *, org_id: str, audience_id: str, run_id: str,
             row_cap: int, spool_dir: Path, matched_topics: bool = False) -> CsvStream:
    """The completed run as CSV: NotFound / RunNotCompleted are raised here, before any byte, and
    so is a warehouse that does not answer or has lost the run's rows (WarehouseQueryError,
    WarehouseUnavailable).

    The rows start streaming from the warehouse into a spool file under `spool_dir` at once, at
    engine speed; the client reads the header line right away and the rows as they come, at its
    own pace (memory: a few MB). A warehouse failure after that cuts the transfer short. Call
    `close` when the response ends: a client that left early otherwise still costs the engine
    the rest of the export. `matched_topics`: the `runs_sql.MATCHED_TOPIC_COLUMNS` too.
    """
    run = get_completed_run(session, org_id=org_id, audience_id=audience_id, run_id=run_id)
    present = runs_sql.kept_rows(wh, run_id=run.id, attempt=run.attempts)
    if present != run.kept_rows:
        raise WarehouseUnavailable(f"the rows of run {run.id} are not in the warehouse")
    topics = topic_facets(run) if matched_topics else None
    rows = Spool(runs_sql.csv_stream(wh, run_id=run.id, attempt=run.attempts, rows=run.kept_rows, topics=topics),
                 directory=spool_dir)
    headers = {
        "Content-Disposition": f'attachment; filename="{csv_file_name(run.audience_id, run.id)}"',
        "X-Export-Row-Cap": str(row_cap),
        "X-Export-Truncated": "true" if run.result_count > run.kept_rows else "false",
        "X-Export-Result-Count": str(run.result_count),
        "X-ClickHouse-Query-Id": run.query_id or "",
    }
    extra = [name for name, _ in runs_sql.MATCHED_TOPIC_COLUMNS] if matched_topics else []
    return CsvStream(itertools.chain([csv_header(extra)], rows), headers, rows.close)


def open_changes_csv(session: Session, wh: Warehouse, *, org_id: str, audience_id: str, run_id: str,
                     kind: changes.ChangeKind | None, min_score_change: int, spool_dir: Path) -> CsvStream:
    """What changed since the run's previous completed run, as CSV: the export's columns and
    escaping, then the change columns (`changes_sql.CSV_CHANGE_COLUMNS`); one kind, or all three
    (new, changed, dropped) when `kind` is None. Streamed like `open_csv`, and everything that can
    refuse it is raised before any byte: NotFound, RunNotCompleted (any state but completed),
    NoPreviousRun, PreviousRunGone, WarehouseUnavailable (the run's own rows are gone)."""
    run = get_completed_run(session, org_id=org_id, audience_id=audience_id, run_id=run_id)
    previous = changes.get_previous_run(session, wh, run=run)
    if runs_sql.kept_rows(wh, run_id=run.id, attempt=run.attempts) != run.kept_rows:
        raise WarehouseUnavailable(f"the rows of run {run.id} are not in the warehouse")
    kinds = (kind,) if kind is not None else (changes.ChangeKind.NEW, changes.ChangeKind.CHANGED,
                                                 changes.ChangeKind.DROPPED)
    source = changes_sql.csv_stream(wh, kinds, changes.ref(run), changes.ref(previous), min_change=min_score_change,
                                    cur_rows=run.kept_rows, prev_rows=previous.kept_rows)
    rows = Spool(source, directory=spool_dir)
    name = f"audience-{run.audience_id}-run-{run.id}-changes{'-' + kind.value if kind else ''}.csv"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Changes-Previous-Run-Id": previous.id,
        "X-Changes-Min-Score-Change": str(min_score_change),
    }
    header = csv_header([name for name, _ in changes_sql.CSV_CHANGE_COLUMNS])
    return CsvStream(itertools.chain([header], rows), headers, rows.close)


def open_accounts_csv(session: Session, wh: Warehouse, *, org_id: str, audience_id: str, run_id: str,
                      sort: accounts_sql.Sort, spool_dir: Path) -> CsvStream:
    """The run's accounts as CSV (`accounts_sql.CSV_COLUMNS`, escaped like export.csv), streamed
    like `open_csv`; NotFound and RunNotCompleted before any byte."""
    run = get_completed_run(session, org_id=org_id, audience_id=audience_id, run_id=run_id)
    window = accounts.window_of(session, run)
    rows = Spool(accounts_sql.csv_stream(wh, run_id=run.id, attempt=run.attempts, spec=runs.spec_of(run),
                                         window=window, sort=sort), directory=spool_dir)
    headers = {
        "Content-Disposition": f'attachment; filename="audience-{run.audience_id}-run-{run.id}-accounts.csv"',
        "X-Accounts-Baseline-Days": str(window.previous_days),
    }
    return CsvStream(itertools.chain([accounts_sql.header()], rows), headers, rows.close)


# --- stored export records ---------------------------------------------------------------------


def spec_of(export: Export) -> ExportSpec:
    return formats.spec_of(export.export_type, export.source, export.change_kind, export.min_score_change)


def stored_file(export: Export) -> StoredFile:
    """Where the export's file is; its download name says the platform and source
    (`audience-<a>-run-<r>[-changes[-<kind>]][-linkedin|-google-ads|-meta].csv`)."""
    download = f"audience-{export.audience_id}-run-{export.run_id}{spec_of(export).file_suffix()}"
    return StoredFile(export_id=export.id, provider=export.storage_provider, bucket=export.bucket_name,
                      name=export.file_name, download_name=download)


def requester(principal: Principal) -> str | None:
    """`requestedBy`: the token's subject for a user; None for API keys."""
    return principal.subject if principal.kind == PrincipalKind.BEARER else None


def find_reusable(session: Session, storage: ExportStorage, *, run_id: str, now: datetime,
                  spec: ExportSpec | None = None, previous_run_id: str | None = None) -> Export | None:
    """The run's newest completed export of this spec (default: the CSV of its rows; changes:
    against this previous run) in this storage whose file is still kept; None if none."""
    spec = spec or ExportSpec()
    same = (Export.export_type == spec.export_type.value, Export.source == spec.source.value,
            Export.change_kind.is_(None) if spec.kind is None else Export.change_kind == spec.kind.value,
            Export.min_score_change.is_(None) if spec.min_score_change is None
            else Export.min_score_change == spec.min_score_change,
            Export.previous_run_id.is_(None) if previous_run_id is None else Export.previous_run_id == previous_run_id)
    return session.scalars(
        select(Export)
        .where(Export.run_id == run_id, Export.status == ExportStatus.COMPLETED.value, Export.expires_at > now,
               Export.storage_provider == storage.provider, Export.bucket_name.is_(None) if storage.bucket is None
               else Export.bucket_name == storage.bucket, *same)
        .order_by(Export.created_at.desc(), Export.id)
        .limit(1)
    ).first()


def start_export(session: Session, storage: ExportStorage, *, run: Run, requested_by: str | None,
                 retention: timedelta, now: datetime, spec: ExportSpec | None = None,
                 previous_run_id: str | None = None) -> Export:
    """Add a `processing` export of the completed run (flushed); its file is not written yet
    (`rowCount` is set when it is)."""
    spec = spec or ExportSpec()
    export_id = str(uuid.uuid4())
    export = Export(
        id=export_id, organization_id=run.organization_id, audience_id=run.audience_id, run_id=run.id,
        status=ExportStatus.PROCESSING.value, storage_provider=storage.provider, content_type=CONTENT_TYPE,
        byte_size=0, row_count=run.kept_rows, bucket_name=storage.bucket,
        file_name=storage.file_name(org_id=run.organization_id, run_id=run.id, export_id=export_id),
        requested_by=requested_by, expires_at=now + retention, created_at=now, updated_at=now,
        export_type=spec.export_type.value, source=spec.source.value,
        change_kind=spec.kind.value if spec.kind else None, min_score_change=spec.min_score_change,
        previous_run_id=previous_run_id, skipped_row_count=0, truncated=False,
    )
    session.add(export)
    session.flush()
    return export


@dataclass(frozen=True, slots=True)
class Written:
    """What a file holds: rows written, rows left out for having no usable key, and whether
    rows were left out over the platform's limits."""

    rows: int
    skipped: int = 0
    truncated: bool = False


def finish_export(session: Session, *, export_id: str, stored: StoredObject, now: datetime,
                  written: Written | None = None) -> Export:
    """Mark a `processing` export completed with its file's size and SHA-1 (and its row counts).

    NotFound when the row is gone (its audience was deleted meanwhile) or no longer processing.
    """
    done = _rowcount(session.execute(
        update(Export).where(Export.id == export_id, Export.status == ExportStatus.PROCESSING.value)
        .values(status=ExportStatus.COMPLETED.value, byte_size=stored.byte_size, content_sha1=stored.content_sha1,
                completed_at=now, updated_at=now,
                **({} if written is None else {"row_count": written.rows, "skipped_row_count": written.skipped,
                                               "truncated": written.truncated}))
        .execution_options(synchronize_session=False)
    ))
    export = session.get(Export, export_id, populate_existing=True)
    if done != 1 or export is None:
        raise NotFound(f"export {export_id} does not exist")
    return export


def fail_export(session: Session, *, export_id: str, code: str, message: str, now: datetime) -> None:
    """Mark a `processing` export failed (no-op when the row is gone)."""
    session.execute(
        update(Export).where(Export.id == export_id, Export.status == ExportStatus.PROCESSING.value)
        .values(status=ExportStatus.FAILED.value, error_code=code, error_message=message[:2000], updated_at=now)
        .execution_options(synchronize_session=False)
    )


def get_export(session: Session, *, org_id: str, audience_id: str, run_id: str, export_id: str,
               now: datetime | None = None) -> Export:
    """The export of the organization's run; NotFound for other organizations' and for exports
    past `expiresAt` (their files are due for deletion)."""
    now = now or _now()
    run = runs.get_run(session, org_id=org_id, audience_id=audience_id, run_id=run_id)
    export = session.scalars(
        select(Export).where(Export.id == export_id, Export.run_id == run.id, Export.organization_id == org_id)
    ).first()
    if export is None or export.expires_at <= now:
        raise NotFound(f"export {export_id} does not exist")
    return export


@dataclass(frozen=True, slots=True)
class ExportPage:
    items: list[Export]
    total: int


def list_exports(session: Session, *, org_id: str, audience_id: str, run_id: str, limit: int, offset: int,
                 now: datetime | None = None) -> ExportPage:
    """The run's exports still kept, newest first. NotFound for another organization's run."""
    now = now or _now()
    run = runs.get_run(session, org_id=org_id, audience_id=audience_id, run_id=run_id)
    where = (Export.run_id == run.id, Export.organization_id == org_id, Export.expires_at > now)
    total = int(session.scalar(select(func.count()).select_from(Export).where(*where)) or 0)
    items = session.scalars(
        select(Export).where(*where).order_by(Export.created_at.desc(), Export.id).limit(limit).offset(offset)
    )
    return ExportPage(list(items), total)


@dataclass(frozen=True, slots=True)
class ExportLink:
    export: Export
    url: str | None  # None unless the export is completed
    expires_at: datetime | None
    ttl_seconds: int | None


def link(storage: ExportStorage, export: Export, *, ttl_seconds: int, base_url: str,
         now: datetime | None = None) -> ExportLink:
    """The export with a freshly signed download URL valid `ttl_seconds` (never past the file's
    own `expiresAt`); no URL for exports that are not completed, or whose file is in another
    storage than this process uses (`exports.storage` was changed since)."""
    now = now or _now()
    if export.status != ExportStatus.COMPLETED.value or export.storage_provider != storage.provider:
        return ExportLink(export, None, None, None)
    expires = min(int(now.timestamp()) + ttl_seconds, int(export.expires_at.timestamp()))
    url = storage.download_url(stored_file(export), expires=expires, now=now, base_url=base_url)
    return ExportLink(export, url, datetime.fromtimestamp(expires, UTC), expires - int(now.timestamp()))


# --- downloads of local files ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LocalDownload:
    path: Path
    download_name: str


def open_download(session: Session, storage: ExportStorage, *, export_id: str, expires: str, signature: str,
                  now: datetime | None = None) -> LocalDownload:
    """The local file behind a signed URL. Forbidden (403) for a bad or expired signature,
    checked before anything is looked up; NotFound when the export or its file is gone."""
    now = now or _now()
    if not isinstance(storage, LocalStorage) or not storage.signer.verify(export_id, expires, signature, now=now):
        raise Forbidden("the download link is invalid or has expired")
    export = session.get(Export, export_id)
    if (export is None or export.status != ExportStatus.COMPLETED.value or export.storage_provider != storage.provider
            or export.expires_at <= now):
        raise NotFound(f"export {export_id} does not exist")
    file = stored_file(export)
    path = storage.path_of(file)
    if not path.is_file():
        raise NotFound(f"export {export_id} does not exist")
    return LocalDownload(path, file.download_name)


# --- clean-up ----------------------------------------------------------------------------------


def delete_audience_exports(session: Session, *, audience_id: str) -> list[StoredFile]:
    """Delete the audience's export rows (flushed); returns their files, for
    `storage.delete_files` once the metadata change has committed. Call it before the runs are
    deleted: their foreign key would cascade the rows away and the file names with them."""
    exports = list(session.scalars(select(Export).where(Export.audience_id == audience_id)))
    files = [stored_file(e) for e in exports]
    if exports:
        session.execute(delete(Export).where(Export.audience_id == audience_id))
    return files


def delete_expired_exports(session: Session, *, now: datetime | None = None) -> list[StoredFile]:
    """Delete export rows past `expiresAt` (flushed) and return their files, for a janitor that
    then calls `storage.delete_files` after committing."""
    now = now or _now()
    exports = list(session.scalars(select(Export).where(Export.expires_at <= now)))
    if exports:
        session.execute(delete(Export).where(Export.id.in_([e.id for e in exports])))
    return [stored_file(e) for e in exports]
