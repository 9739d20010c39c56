"""The warehouse interface and its two backends: chDB in-process and a ClickHouse server.

Both run the same ClickHouse SQL. Results come back as Arrow tables, bytes or byte streams; driver
errors become `WarehouseUnavailable` (503) or `WarehouseQueryError`, never a raw driver message to
clients.
"""

from __future__ import annotations

import io
import logging
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Protocol, cast

import pyarrow as pa

from orbit.errors import WarehouseUnavailable
from orbit.warehouse.statement import Profile, Statement, quote_identifier

log = logging.getLogger("orbit.warehouse")


_FORMATS = {"CSV": "CSV", "CSVWithNames": "CSVWithNames", "JSONEachRow": "JSONEachRow"}  # allowed output formats
_STREAM_PIECE = 1 << 20  # bytes per read of a server's streamed answer
_EXCEPTION_TAG_HEADER = "X-ClickHouse-Exception-Tag"


class WarehouseQueryError(Exception):
    """A statement failed inside the engine (bad file, bad data, timeout). Message is for logs."""


class Warehouse(Protocol):
    """What the rest of Orbit may do with the warehouse."""

    database: str

    def query(self, stmt: Statement, *, profile: Profile = Profile.QUERY) -> pa.Table:
        """Run a SELECT and return its rows as an Arrow table."""
        ...

    def command(self, stmt: Statement, *, profile: Profile = Profile.DDL, query_id: str | None = None) -> None:
        """Run a statement that returns no rows (DDL, INSERT … SELECT, ALTER). A server records it
        under `query_id` in system.query_log; chDB only logs the id."""
        ...

    def query_bytes(self, stmt: Statement, *, fmt: str, profile: Profile = Profile.QUERY) -> bytes:
        """Run a SELECT and return its output in a ClickHouse format (e.g. CSV) as bytes."""
        ...

    def stream_bytes(self, stmt: Statement, *, fmt: str, profile: Profile = Profile.QUERY) -> Iterator[bytes]:
        """Run a SELECT and yield its output in a ClickHouse format piece by piece, as the engine
        produces it (one block, a few MB, at a time), so memory holds a piece, not the answer.

        The statement runs when the first piece is asked for; errors are raised from the iterator
        (WarehouseQueryError). chDB holds its one engine for this statement until the iterator is
        exhausted or closed: every other statement of the process waits meanwhile, so drain it
        at engine speed (never at a client's pace) and close it in a `finally`.
        """
        ...

    def load_parquet(self, table_name: str, columns: Sequence[str], path: Path) -> None:
        """Append the named columns of a local Parquet file to a table of our own schema."""
        ...

    def close(self) -> None: ...


def _bind(params: dict[str, object] | object) -> dict[str, object]:
    """Render values the way both engines parse them for `{name:Type}` slots."""
    out: dict[str, object] = {}
    assert isinstance(params, dict)
    for key, value in params.items():
        if isinstance(value, datetime):
            out[key] = value.strftime("%Y-%m-%d %H:%M:%S")
        elif isinstance(value, date):
            out[key] = value.isoformat()
        elif isinstance(value, (list, tuple)):
            out[key] = [v.isoformat() if isinstance(v, date) else v for v in value]
        else:
            out[key] = value
    return out


def _ch_literal(value: object) -> str:
    """A value in ClickHouse's text form, as chDB parses `{name:Type}` parameters (it formats
    Python lists with str(), which leaves strings unquoted)."""
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return "'" + value.isoformat() + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_ch_literal(v) for v in value) + "]"
    return str(value)


def _bind_chdb(params: dict[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in _bind(params).items():
        out[key] = _ch_literal(value) if isinstance(value, (list, tuple)) else value
    return out


class _FairLock:
    """A lock granted in the order it was asked for. With threading.Lock a thread that releases
    and asks again at once (a CSV export going from one segment to the next) usually wins again,
    and a request already waiting could wait for the whole export."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next = 0  # the next ticket handed out
        self._serving = 0  # the ticket that holds the lock (or may take it)
        self._abandoned: set[int] = set()

    def acquire(self) -> None:
        with self._cond:
            ticket = self._next
            self._next += 1
            try:
                while self._serving != ticket:
                    self._cond.wait()
            except BaseException:  # interrupted while waiting: give the turn away, never keep it
                self._abandoned.add(ticket)
                self._advance()
                raise

    def release(self) -> None:
        with self._cond:
            self._serving += 1
            self._advance()

    def queued(self) -> int:
        """Threads waiting for the lock now."""
        with self._cond:
            return max(0, self._next - self._serving - 1 - len(self._abandoned))

    def _advance(self) -> None:
        while self._serving in self._abandoned:
            self._abandoned.discard(self._serving)
            self._serving += 1
        self._cond.notify_all()

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


class _ChdbEngine:
    """The one chDB engine of this process (chDB allows one data path per process).

    Every `ChdbWarehouse` on that path shares it; a lock serialises statements in the order they
    come, and the current database and time limit are switched only when they change.
    """

    def __init__(self, path: Path) -> None:
        from chdb import session as chdb_session

        self.path = path
        self.lock = _FairLock()
        self.users = 0
        self.database: str | None = None
        self.timeout: int | None = None
        self.session = chdb_session.Session(str(path))

    def _switch(self, database: str, timeout: int) -> None:
        """Point the session at `database` with `timeout`, only when they change (lock held)."""
        if self.database != database:
            self.session.query(f"USE {quote_identifier(database)}", "CSV")
            self.database = database
        if self.timeout != timeout:
            self.session.query(f"SET max_execution_time = {int(timeout)}", "CSV")
            self.timeout = timeout

    def run(self, sql: str, fmt: str, params: dict[str, object], *, database: str, timeout: int) -> object:
        with self.lock:
            try:
                self._switch(database, timeout)
                return self.session.query(sql, fmt, params=params)
            except Exception as exc:  # chDB raises one exception type for every engine error
                raise WarehouseQueryError(str(exc)) from exc

    def stream(self, sql: str, fmt: str, params: dict[str, object], *, database: str, timeout: int) -> Iterator[bytes]:
        """The output of one statement, block by block, with the lock held from the first piece
        until the last one or until the generator is closed.

        Any other statement on the session would cancel an open stream (chDB retires it), so the
        lock covers the whole stream; closing early cancels the query in the engine.
        """
        with self.lock:
            stream = None
            try:
                self._switch(database, timeout)
                stream = self.session.send_query(sql, fmt, params=params)
                for piece in stream:
                    yield bytes(piece.bytes())
                stream = None  # exhausted: nothing to cancel
            except Exception as exc:  # chDB raises one exception type for every engine error
                raise WarehouseQueryError(str(exc)) from exc
            finally:
                if stream is not None:
                    try:
                        stream.cancel()
                    except Exception:  # the engine is closing the query anyway; never mask the cause
                        log.warning("could not cancel a streamed statement", exc_info=True)


_engine: _ChdbEngine | None = None
_engine_lock = threading.Lock()


def chdb_holder(path: Path) -> str | None:
    """Who holds the embedded warehouse at `path` ("PID 123, started …"), or None when no
    process does. chDB, like clickhouse-server, keeps an exclusive flock on `<path>/status`
    while it runs and writes its PID there."""
    import fcntl

    status = path / "status"
    try:
        with status.open("r") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fields = dict(line.split(": ", 1) for line in fh.read().splitlines() if ": " in line)
                pid, started = fields.get("PID", "?"), fields.get("Started at")
                return f"PID {pid}" + (f", started {started}" if started else "")
            fcntl.flock(fh, fcntl.LOCK_UN)
    except OSError:
        return None
    return None


def _open_engine(path: Path) -> _ChdbEngine:
    """The engine on `path`; WarehouseUnavailable when another process holds it or it won't open.

    The holder is looked for first: chDB itself would also print its own error line to stdout.
    """
    holder = chdb_holder(path)
    if holder is None:
        try:
            return _ChdbEngine(path)
        except Exception as exc:  # chDB raises RuntimeError with the embedded server's message
            holder = chdb_holder(path)  # taken between our look and chDB's own
            if holder is None:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise WarehouseUnavailable(f"the embedded warehouse at {path} could not be opened: {first}") from exc
    raise WarehouseUnavailable(
        f"the embedded warehouse at {path} is in use by another process ({holder}); chDB allows one "
        "process: stop it first, or use a ClickHouse server (ORBIT_WAREHOUSE__BACKEND=clickhouse)"
    )


class ChdbWarehouse:
    """ClickHouse in-process (chDB), files under the data directory."""

    def __init__(self, path: Path, *, database: str, timeouts: dict[Profile, float]) -> None:
        global _engine
        path = path.resolve()
        path.mkdir(parents=True, exist_ok=True)
        with _engine_lock:
            if _engine is None:
                _engine = _open_engine(path)
            elif _engine.path != path:
                raise RuntimeError(
                    f"chDB is already open on {_engine.path}; one process holds one warehouse path"
                )
            _engine.users += 1
            self._engine = _engine
        self.database = database
        self._timeouts = timeouts
        self._closed = False
        self._engine.run(
            f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)} ENGINE = Atomic",
            "CSV", {}, database="default", timeout=60,
        )

    def _run(self, stmt: Statement, fmt: str, profile: Profile) -> object:
        return self._engine.run(
            stmt.sql, fmt, _bind_chdb(dict(stmt.params)),
            database=self.database, timeout=int(self._timeouts[profile]),
        )

    def query(self, stmt: Statement, *, profile: Profile = Profile.QUERY) -> pa.Table:
        started = time.perf_counter()
        result = self._run(stmt, "ArrowTable", profile)
        assert isinstance(result, pa.Table)
        log.debug("query %.1f ms, %d rows", (time.perf_counter() - started) * 1000, result.num_rows)
        return result

    def command(self, stmt: Statement, *, profile: Profile = Profile.DDL, query_id: str | None = None) -> None:
        started = time.perf_counter()
        self._run(stmt, "CSV", profile)
        if query_id is not None:
            log.info("query %s took %.1f ms", query_id, (time.perf_counter() - started) * 1000)

    def query_bytes(self, stmt: Statement, *, fmt: str, profile: Profile = Profile.QUERY) -> bytes:
        result = self._run(stmt, _FORMATS[fmt], profile)
        data = result.bytes()  # type: ignore[attr-defined]  # chDB's query result object
        return bytes(data)

    def stream_bytes(self, stmt: Statement, *, fmt: str, profile: Profile = Profile.QUERY) -> Iterator[bytes]:
        return self._engine.stream(
            stmt.sql, _FORMATS[fmt], _bind_chdb(dict(stmt.params)),
            database=self.database, timeout=int(self._timeouts[profile]),
        )

    def load_parquet(self, table_name: str, columns: Sequence[str], path: Path) -> None:
        # The engine reads the file itself, in parallel; nothing passes through Python.
        cols = ", ".join(quote_identifier(c) for c in columns)
        sql = (
            f"INSERT INTO {quote_identifier(table_name)} ({cols}) "
            f"SELECT {cols} FROM file({{path:String}}, Parquet)"
        )
        self.command(Statement(sql, {"path": str(path.resolve())}), profile=Profile.INGEST)

    def close(self) -> None:
        global _engine
        if self._closed:
            return
        self._closed = True
        with _engine_lock:
            self._engine.users -= 1
            if self._engine.users == 0 and _engine is self._engine:
                with self._engine.lock:
                    self._engine.session.close()
                _engine = None


class ClickHouseServerWarehouse:
    """A ClickHouse server or cluster through clickhouse-connect (HTTP)."""

    def __init__(
        self, url: str, *, database: str, timeouts: dict[Profile, float],
        session_settings: Mapping[str, object] | None = None,
    ) -> None:
        """`session_settings` go with every statement (a cluster's, orbit.warehouse.cluster)."""
        import clickhouse_connect

        self.database = database
        self._timeouts = timeouts
        self._session_settings = dict(session_settings or {})
        try:
            admin = clickhouse_connect.get_client(dsn=url)
            admin.command(f"CREATE DATABASE IF NOT EXISTS `{database}`")
            admin.close()
            self._client = clickhouse_connect.get_client(dsn=url, database=database)
        except Exception as exc:
            raise WarehouseUnavailable("the warehouse server is not reachable") from exc

    def _settings(self, profile: Profile) -> dict[str, object]:
        return {**self._session_settings, "max_execution_time": int(self._timeouts[profile])}

    def query(self, stmt: Statement, *, profile: Profile = Profile.QUERY) -> pa.Table:
        try:
            return self._client.query_arrow(
                stmt.sql, parameters=_bind(dict(stmt.params)), settings=self._settings(profile),
                use_strings=True,
            )
        except Exception as exc:
            raise WarehouseQueryError(str(exc)) from exc

    def query_bytes(self, stmt: Statement, *, fmt: str, profile: Profile = Profile.QUERY) -> bytes:
        try:
            return bytes(
                self._client.raw_query(
                    stmt.sql, parameters=_bind(dict(stmt.params)), fmt=_FORMATS[fmt],
                    settings=self._settings(profile),
                )
            )
        except Exception as exc:
            raise WarehouseQueryError(str(exc)) from exc

    def stream_bytes(self, stmt: Statement, *, fmt: str, profile: Profile = Profile.QUERY) -> Iterator[bytes]:
        # The server sends the body as it formats blocks. A failure after the first bytes cannot
        # change the status any more: ClickHouse then writes the error into the body between
        # markers carrying the response's X-ClickHouse-Exception-Tag, which we watch for.
        try:
            response = self._client.raw_stream(
                stmt.sql, parameters=_bind(dict(stmt.params)), fmt=_FORMATS[fmt], settings=self._settings(profile),
            )
        except Exception as exc:
            raise WarehouseQueryError(str(exc)) from exc
        tag = getattr(response, "headers", {}).get(_EXCEPTION_TAG_HEADER)
        body = cast(io.BufferedIOBase, response)  # urllib3's HTTPResponse
        try:
            yield from _until_server_error(iter(lambda: body.read(_STREAM_PIECE), b""), tag)
        except WarehouseQueryError:
            raise
        except Exception as exc:
            raise WarehouseQueryError(str(exc)) from exc
        finally:
            body.close()

    def command(self, stmt: Statement, *, profile: Profile = Profile.DDL, query_id: str | None = None) -> None:
        settings = self._settings(profile)
        if query_id is not None:
            settings["query_id"] = query_id
        try:
            self._client.command(stmt.sql, parameters=_bind(dict(stmt.params)), settings=settings)
        except Exception as exc:
            raise WarehouseQueryError(str(exc)) from exc

    def load_parquet(self, table_name: str, columns: Sequence[str], path: Path) -> None:
        # The server cannot see our files: stream them over in Arrow batches.
        import pyarrow.parquet as pq

        try:
            reader = pq.ParquetFile(path)
            for batch in reader.iter_batches(batch_size=1_000_000, columns=list(columns)):
                self._client.insert_arrow(
                    table_name, pa.Table.from_batches([batch]), settings=self._session_settings or None
                )
        except Exception as exc:
            raise WarehouseQueryError(str(exc)) from exc

    def close(self) -> None:
        self._client.close()


def _until_server_error(pieces: Iterator[bytes], tag: str | None) -> Iterator[bytes]:
    """Pass a server's streamed body through, raising WarehouseQueryError where the server
    marked a failure (`__exception__` CRLF tag). The last bytes of each piece are held back
    until the next one, so a marker split across pieces is still found before it is sent on."""
    if not tag:
        yield from pieces
        return
    marker = b"__exception__\r\n" + tag.encode()
    held = b""
    for piece in pieces:
        data = held + piece
        at = data.find(marker)
        if at >= 0:
            if at:
                yield data[:at]
            # The message follows the marker; the server ends the body after it.
            message = data[at + len(marker):]
            for rest in pieces:
                message += rest
                if len(message) > 65_536:
                    break
            text = message.split(tag.encode() + b"\r\n__exception__", 1)[0]
            raise WarehouseQueryError(text.decode("utf-8", "replace").strip()[:2000])
        keep = len(marker) - 1
        if len(data) > keep:
            yield data[:-keep]
            held = data[-keep:]
        else:
            held = data
    if held:
        yield held


def new_query_id() -> str:
    return uuid.uuid4().hex
