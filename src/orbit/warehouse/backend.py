"""The warehouse interface and its one implementation over clickhouse-connect, for both engines:
a ClickHouse server (HTTP) and chDB in-process (clickhouse-connect's `chdb` client).

Parameter binding, Arrow results, inserts, settings, query ids, error mapping and streaming are
one code path (`ClickHouseWarehouse`), so the embedded engine that every test uses runs the code
that talks to a server. What differs is how a statement reaches its client (`_ServerLane`,
`_ChdbEngine`): a server takes concurrent requests with per-call settings; chDB has one engine per
process, served in arrival order with the session's settings switched when they change. One
measured exception: chDB streams through its own `send_query` (`_ChdbEngine.stream_direct`).
Results come back as Arrow tables, bytes or byte streams; driver errors become
`WarehouseUnavailable` (503) or `WarehouseQueryError`, never a raw driver message to clients.
"""

from __future__ import annotations

import io
import logging
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

import pyarrow as pa

from orbit.errors import WarehouseUnavailable
from orbit.warehouse.statement import Profile, Statement, quote_identifier

if TYPE_CHECKING:
    from chdb.state.sqlitelike import Connection
    from clickhouse_connect.driver.client import Client

log = logging.getLogger("orbit.warehouse")


_FORMATS = {"CSV": "CSV", "CSVWithNames": "CSVWithNames", "JSONEachRow": "JSONEachRow"}  # allowed output formats
_STREAM_PIECE = 1 << 20  # bytes per read of a streamed answer
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
        under `query_id` in system.query_log; chDB keeps no query log, so there the id is only in
        Orbit's own log line."""
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


def _bind(params: Mapping[str, object]) -> dict[str, object]:
    """Values as clickhouse-connect binds them to `{name:Type}` slots (it renders each in the
    engine's escaped text form, strings inside arrays quoted, so backslashes, tabs and newlines
    arrive unchanged). Dates go as ISO text, so no time zone is applied to them."""
    out: dict[str, object] = {}
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


def _failed(exc: Exception) -> WarehouseQueryError:
    """A driver error as ours: the engine's message (for logs), the driver's error as the cause."""
    return WarehouseQueryError(str(exc))


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


class _Lane(Protocol):
    """How a warehouse's statements reach their clickhouse-connect client."""

    def lease(self, database: str, timeout: int) -> AbstractContextManager[tuple[Client, dict[str, object]]]:
        """The client, ready for a statement on `database` limited to `timeout` seconds, and the
        settings to send with that statement; held until the block ends."""
        ...


class _ServerLane:
    """A ClickHouse server: requests run concurrently, each carrying its own settings."""

    def __init__(self, client: Client, session_settings: Mapping[str, object]) -> None:
        self.client = client
        self._session_settings = dict(session_settings)

    @contextmanager
    def lease(self, database: str, timeout: int) -> Iterator[tuple[Client, dict[str, object]]]:
        # The client was opened on `database`: HTTP sends it with every request.
        yield self.client, {**self._session_settings, "max_execution_time": timeout}


class _ChdbEngine:
    """The one chDB engine of this process (chDB allows one data path per process), reached
    through clickhouse-connect's chDB client.

    Every `ChdbWarehouse` on that path shares it. A fair lock serves statements one at a time in
    the order they come (a query on the handle while a stream is open would get an empty answer,
    and callers rely on the order). The database and the time limit are session state here,
    switched only when they change, so statements carry no per-call settings: the chDB client
    would apply those with a SET, a read of system.settings and a restore around each statement
    (4.8 ms instead of 1.4 ms for a small query), and it cannot stream a statement that has them.
    """

    def __init__(self, path: Path) -> None:
        import clickhouse_connect

        self.path = path
        self.lock = _FairLock()
        self.users = 0
        self._timeout: int | None = None
        self.client = clickhouse_connect.get_client(interface="chdb", path=str(path))
        # chDB's own connection to the same engine, for streams only (`stream_direct`), opened
        # on first use, with its own database and time limit.
        self._direct: Connection | None = None
        self._direct_state: tuple[str, int] | None = None

    @contextmanager
    def lease(self, database: str, timeout: int) -> Iterator[tuple[Client, dict[str, object]]]:
        with self.lock:
            if self._timeout != timeout:
                try:
                    self.client.set_client_setting("max_execution_time", timeout)
                except Exception as exc:  # the SET runs in the engine
                    raise _failed(exc) from exc
                self._timeout = timeout
            self.client.database = database  # the client switches (USE) when it differs
            try:
                yield self.client, {}
            except BaseException:
                self._flush()
                raise

    def _flush(self) -> None:
        """Run a throwaway statement after a failed one (lock held). chDB 4.4 keeps the output a
        statement had written when it failed (a CSV answer up to the row that threw, an Arrow
        header) and hands it out as the start of the next answer on the connection: a query
        after a failed 300,000-row one came back with 261 KB of the failed rows before its own."""
        try:
            self.client.raw_query("SELECT 1", fmt="TabSeparated")
            if self._direct is not None:
                self._direct.query("SELECT 1", "CSV")
        except Exception:  # the engine is in trouble anyway; the caller sees the first error
            log.warning("could not clear the engine's output after a failed statement", exc_info=True)

    def stream_direct(self, sql: str, params: Mapping[str, object], fmt: str, *, database: str,
                      timeout: int) -> Iterator[bytes]:
        """The output of one statement through chDB's own `send_query`, block by block (~0.85 MB
        of CSV each). The caller holds the lock (a lease) from the first piece to the last or
        until it closes the generator, which cancels the statement in the engine.

        clickhouse-connect's `raw_stream` on chDB was 11-20 % slower for a 150,000-row CSV
        (157 vs 142 ms, 191 vs 160 ms; benchmarks/warehouse_client.py): its file object copies
        every block three more times. Values are bound by clickhouse-connect all the same.
        """
        from clickhouse_connect.driver.binding import bind_query

        if self._direct is None:
            import chdb

            self._direct = chdb.connect(str(self.path))
        stream = None
        try:
            if self._direct_state != (database, timeout):
                self._direct_state = None
                self._direct.query(f"USE {quote_identifier(database)}", "CSV")
                self._direct.query(f"SET max_execution_time = {int(timeout)}", "CSV")
                self._direct_state = (database, timeout)
            final, bound = bind_query(sql, dict(params))
            stream = self._direct.send_query(
                final if isinstance(final, str) else final.decode(), fmt,
                params={k.removeprefix("param_"): v for k, v in bound.items()},
            )
            for piece in stream:
                yield bytes(piece.bytes())
            stream = None  # exhausted: nothing to cancel
        except Exception as exc:  # chDB raises one exception type for every engine error
            raise _failed(exc) from exc
        finally:
            if stream is not None:
                try:
                    stream.cancel()
                except Exception:  # the engine is closing the statement anyway; never mask the cause
                    log.warning("could not cancel a streamed statement", exc_info=True)

    def close(self) -> None:
        with self.lock:
            self.client.close()
            if self._direct is not None:
                self._direct.close()


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
        except Exception as exc:  # the embedded server's message, wrapped by the driver
            holder = chdb_holder(path)  # taken between our look and chDB's own
            if holder is None:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise WarehouseUnavailable(f"the embedded warehouse at {path} could not be opened: {first}") from exc
    raise WarehouseUnavailable(
        f"the embedded warehouse at {path} is in use by another process ({holder}); chDB allows one "
        "process: stop it first, or use a ClickHouse server (ORBIT_WAREHOUSE__BACKEND=clickhouse)"
    )


class ClickHouseWarehouse:
    """Orbit's statements on a clickhouse-connect client, whichever engine is behind it.

    `engine_reads_files`: `load_parquet` lets the engine read the file itself (it is local to
    the engine) instead of sending its rows over in Arrow batches.
    """

    def __init__(
        self, lane: _Lane, *, database: str, timeouts: Mapping[Profile, float], engine_reads_files: bool
    ) -> None:
        self.database = database
        self._lane = lane
        self._timeouts = dict(timeouts)
        self._engine_reads_files = engine_reads_files

    def _lease(self, profile: Profile) -> AbstractContextManager[tuple[Client, dict[str, object]]]:
        return self._lane.lease(self.database, int(self._timeouts[profile]))

    def query(self, stmt: Statement, *, profile: Profile = Profile.QUERY) -> pa.Table:
        started = time.perf_counter()
        with self._lease(profile) as (client, settings):
            try:
                result = client.query_arrow(
                    stmt.sql, parameters=_bind(stmt.params), settings=settings, use_strings=True
                )
            except Exception as exc:
                raise _failed(exc) from exc
        log.debug("query %.1f ms, %d rows", (time.perf_counter() - started) * 1000, result.num_rows)
        return result

    def query_bytes(self, stmt: Statement, *, fmt: str, profile: Profile = Profile.QUERY) -> bytes:
        with self._lease(profile) as (client, settings):
            try:
                return bytes(
                    client.raw_query(stmt.sql, parameters=_bind(stmt.params), fmt=_FORMATS[fmt], settings=settings)
                )
            except Exception as exc:
                raise _failed(exc) from exc

    def stream_bytes(self, stmt: Statement, *, fmt: str, profile: Profile = Profile.QUERY) -> Iterator[bytes]:
        # A server sends the body as it formats blocks. A failure after the first bytes cannot
        # change the status any more: ClickHouse then writes the error into the body between
        # markers carrying the response's X-ClickHouse-Exception-Tag, which we watch for. chDB's
        # client raises such a failure from read() instead (and has no tag).
        with self._lease(profile) as (client, settings):
            try:
                response = client.raw_stream(
                    stmt.sql, parameters=_bind(stmt.params), fmt=_FORMATS[fmt], settings=settings
                )
            except Exception as exc:
                raise _failed(exc) from exc
            tag = getattr(response, "headers", {}).get(_EXCEPTION_TAG_HEADER)
            body = cast(io.BufferedIOBase, response)  # urllib3's HTTPResponse, or chDB's stream file
            try:
                yield from _until_server_error(iter(lambda: body.read(_STREAM_PIECE), b""), tag)
            except WarehouseQueryError:
                raise
            except Exception as exc:
                raise _failed(exc) from exc
            finally:
                body.close()  # chDB: cancels an unfinished statement and frees the handle

    def command(self, stmt: Statement, *, profile: Profile = Profile.DDL, query_id: str | None = None) -> None:
        started = time.perf_counter()
        with self._lease(profile) as (client, settings):
            if query_id is not None:
                # A server records the statement under this id; chDB's client drops it (an
                # HTTP-only setting there) and the engine keeps no query log.
                settings = {**settings, "query_id": query_id}
            try:
                client.command(stmt.sql, parameters=_bind(stmt.params), settings=settings)
            except Exception as exc:
                raise _failed(exc) from exc
        if query_id is not None:
            log.info("query %s took %.1f ms", query_id, (time.perf_counter() - started) * 1000)

    def load_parquet(self, table_name: str, columns: Sequence[str], path: Path) -> None:
        if self._engine_reads_files:
            # The engine reads the file itself, in parallel; nothing passes through Python.
            cols = ", ".join(quote_identifier(c) for c in columns)
            sql = (
                f"INSERT INTO {quote_identifier(table_name)} ({cols}) "
                f"SELECT {cols} FROM file({{path:String}}, Parquet)"
            )
            self.command(Statement(sql, {"path": str(path.resolve())}), profile=Profile.INGEST)
            return
        # The server cannot see our files: send them over in Arrow batches.
        import pyarrow.parquet as pq

        with self._lease(Profile.INGEST) as (client, settings):
            try:
                reader = pq.ParquetFile(path)
                for batch in reader.iter_batches(batch_size=1_000_000, columns=list(columns)):
                    client.insert_arrow(table_name, pa.Table.from_batches([batch]), settings=settings)
            except Exception as exc:
                raise _failed(exc) from exc

    def close(self) -> None:
        """Give the client back (the subclasses own it)."""


class ChdbWarehouse(ClickHouseWarehouse):
    """ClickHouse in-process (chDB), files under the data directory."""

    def __init__(
        self, path: Path, *, database: str, timeouts: Mapping[Profile, float], engine_reads_files: bool = True
    ) -> None:
        """`engine_reads_files=False` loads Parquet as a server backend does (tests use it)."""
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
        super().__init__(self._engine, database=database, timeouts=timeouts, engine_reads_files=engine_reads_files)
        self._closed = False
        with self._engine.lease("default", 60) as (client, _):
            try:
                client.command(f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)} ENGINE = Atomic")
            except Exception as exc:
                raise _failed(exc) from exc

    def stream_bytes(self, stmt: Statement, *, fmt: str, profile: Profile = Profile.QUERY) -> Iterator[bytes]:
        # chDB's own send_query: faster than the client's raw_stream (`_ChdbEngine.stream_direct`).
        with self._lease(profile):
            yield from self._engine.stream_direct(
                stmt.sql, _bind(stmt.params), _FORMATS[fmt], database=self.database, timeout=int(self._timeouts[profile])
            )

    def close(self) -> None:
        global _engine
        if self._closed:
            return
        self._closed = True
        with _engine_lock:
            self._engine.users -= 1
            if self._engine.users == 0 and _engine is self._engine:
                self._engine.close()
                _engine = None


class ClickHouseServerWarehouse(ClickHouseWarehouse):
    """A ClickHouse server or cluster through clickhouse-connect (HTTP)."""

    def __init__(
        self, url: str, *, database: str, timeouts: Mapping[Profile, float],
        session_settings: Mapping[str, object] | None = None,
    ) -> None:
        """`session_settings` go with every statement (a cluster's, orbit.warehouse.cluster)."""
        import clickhouse_connect

        try:
            admin = clickhouse_connect.get_client(dsn=url)
            admin.command(f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)}")
            admin.close()
            client = clickhouse_connect.get_client(dsn=url, database=database)
        except Exception as exc:
            raise WarehouseUnavailable("the warehouse server is not reachable") from exc
        self._client = client
        super().__init__(
            _ServerLane(client, session_settings or {}), database=database, timeouts=timeouts, engine_reads_files=False
        )

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
