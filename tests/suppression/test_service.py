"""The suppression list service on SQLite and PostgreSQL metadata with a real chDB warehouse:
uploads are atomic (refused, concurrent or oversize uploads publish nothing) and lists are
scoped to their organization."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from orbit.accounts import service as accounts
from orbit.errors import Conflict, NotFound, PayloadTooLarge, ValidationFailed
from orbit.metadata import db
from orbit.suppression import service
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Statement
from orbit.warehouse.suppression_sql import ListRef

pytestmark = pytest.mark.warehouse


@pytest.fixture
def engine(metadata_url: str) -> Iterator[Engine]:
    eng = db.make_engine(metadata_url)
    db.migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return db.make_sessions(engine)


def _org(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as s:
        return accounts.create_organization(s, name=f"Suppression {uuid.uuid4().hex[:8]}").id


def _list(sessions: sessionmaker[Session], org: str, name: str = "dnc") -> str:
    with sessions.begin() as s:
        return service.create_list(s, org_id=org, name=name).id


def _upload(wh: Warehouse, sessions: sessionmaker[Session], org: str, list_id: str, body: bytes, tmp: Path, *,
            append: bool = True, limits: service.Limits | None = None) -> service.Upload:
    up = service.Upload.begin(wh, sessions, org_id=org, list_id=list_id, json_body=False, append=append,
                              limits=limits or service.Limits(), workdir=tmp)
    up.feed(body)
    return up


def _rows(wh: Warehouse, table: str) -> int:
    return int(wh.query(Statement(f"SELECT count() AS n FROM {table}")).to_pylist()[0]["n"])


def test_upload_publish_and_refs(fresh_wh: Warehouse, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    org, other = _org(sessions), _org(sessions)
    lid = _list(sessions, org)
    with sessions.begin() as s, pytest.raises(Conflict):
        service.create_list(s, org_id=org, name=" dnc ")
    done = _upload(fresh_wh, sessions, org, lid, b"md5\n" + b"a" * 32 + b"\n" + b"A" * 32 + b"\nzz\n", tmp_path).finish()
    assert (done.total, done.accepted, done.duplicates, done.rejected) == (3, 1, 1, 1)
    assert (done.suppression_list.version, done.suppression_list.item_count) == (1, 1)
    with sessions() as s:
        assert service.refs(s, org_id=org, list_ids=[lid]) == (ListRef(lid, 1, ("md5",)),)
        with pytest.raises(ValidationFailed) as info:
            service.refs(s, org_id=other, list_ids=[lid])  # another organization's list is unknown
        assert info.value.details == [{"field": "suppressionListIds[0]", "message": f"suppression list {lid} does not exist"}]
        assert service.refs(s, org_id=other, list_ids=[lid], strict=False) == ()
        with pytest.raises(NotFound):
            service.get_list(s, org_id=other, list_id=lid)
    assert _rows(fresh_wh, "suppression_staging") == 0  # staging rows go once published


def test_a_refused_upload_changes_nothing(fresh_wh: Warehouse, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    org = _org(sessions)
    lid = _list(sessions, org)
    _upload(fresh_wh, sessions, org, lid, b"domain\nacme.com\n", tmp_path).finish()
    small = service.Limits(max_entries=3)
    up = _upload(fresh_wh, sessions, org, lid, b"domain\n", tmp_path, limits=small)
    with pytest.raises(PayloadTooLarge):
        up.feed(b"a.com\nb.com\nc.com\nd.com\n")
    up.abort()
    over = _upload(fresh_wh, sessions, org, lid, b"domain\nb.com\nc.com\nd.com\n", tmp_path, limits=small)
    with pytest.raises(PayloadTooLarge):  # the list would hold 4
        over.finish()
    over.abort()
    with sessions() as s:
        row = service.get_list(s, org_id=org, list_id=lid)
        assert (row.version, row.item_count, row.kind_counts) == (1, 1, {"domain": 1})
    assert _rows(fresh_wh, "suppression_staging") == 0
    assert _rows(fresh_wh, "suppression_items") == 1  # only version 1's one item


def test_concurrent_uploads_one_wins_the_other_conflicts(fresh_wh: Warehouse, sessions: sessionmaker[Session],
                                                         tmp_path: Path) -> None:
    org = _org(sessions)
    lid = _list(sessions, org)
    first = _upload(fresh_wh, sessions, org, lid, b"sha1\n" + b"1" * 40 + b"\n", tmp_path)
    second = _upload(fresh_wh, sessions, org, lid, b"sha1\n" + b"2" * 40 + b"\n", tmp_path)
    assert first.new != second.new  # each upload writes a version of its own
    assert first.finish().suppression_list.item_count == 1
    with pytest.raises(Conflict):
        second.finish()
    second.abort()
    with sessions() as s:
        assert service.refs(s, org_id=org, list_ids=[lid])[0].version == first.new
    kept = fresh_wh.query(Statement("SELECT DISTINCT version AS v FROM suppression_items")).to_pylist()
    assert [r["v"] for r in kept] == [first.new]


def test_clear_and_delete(fresh_wh: Warehouse, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    org = _org(sessions)
    lid = _list(sessions, org)
    _upload(fresh_wh, sessions, org, lid, b"sha256\n" + b"f" * 64 + b"\n", tmp_path).finish()
    with sessions.begin() as s:
        cleared = service.clear_list(s, fresh_wh, org_id=org, list_id=lid)
        assert (cleared.item_count, cleared.version) == (0, 2)
    with sessions() as s:
        assert service.refs(s, org_id=org, list_ids=[lid]) == (ListRef(lid, 2, ()),)
    with sessions.begin() as s:
        service.delete_list(s, fresh_wh, org_id=org, list_id=lid)
    assert _rows(fresh_wh, "suppression_items") == 0  # dropped once the delete committed
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(service.SuppressionList)) == 0


def test_a_million_and_one_entries_are_refused(fresh_wh: Warehouse, sqlite_engine: Engine, tmp_path: Path) -> None:
    """The real limit (1,000,000 per upload), streamed in 1 MiB pieces: refused, nothing kept."""
    sessions = db.make_sessions(sqlite_engine)
    org = _org(sessions)
    lid = _list(sessions, org)
    up = service.Upload.begin(fresh_wh, sessions, org_id=org, list_id=lid, json_body=False, append=True,
                              limits=service.Limits(), workdir=tmp_path)
    lines = b"".join(b"%032x\n" % i for i in range(1_000_001))
    with pytest.raises(PayloadTooLarge):
        up.feed(b"md5\n")
        for i in range(0, len(lines), 1 << 20):
            up.feed(lines[i:i + (1 << 20)])
        up.finish()
    up.abort()
    with sessions() as s:
        assert service.get_list(s, org_id=org, list_id=lid).version == 0
    assert _rows(fresh_wh, "suppression_staging") == 0 and _rows(fresh_wh, "suppression_items") == 0
