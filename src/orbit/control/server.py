"""The listening end of the control channel, inside `orbit serve`: authenticates each connection
and runs the load it asks for, streaming progress back, or answers `orbit status`. Never raises into the API: a channel that
cannot be opened safely is logged and left closed.

A load runs in its connection's thread and goes on when the client goes away (Ctrl-C): stopping
it half-way would only leave leftovers, and a day is swapped in whole or not at all anyway.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import socket
import tempfile
import threading
from pathlib import Path

from orbit.control.channel import (
    PROTOCOL,
    ChannelError,
    Line,
    LoadRequest,
    check_directory,
    check_socket_path,
    peer,
    token_path,
    write_token,
)
from orbit.control.loader import Busy, Loader, LoadOutcome, Stopped
from orbit.errors import IngestError, OrbitError, WarehouseUnavailable
from orbit.warehouse.backend import WarehouseQueryError

log = logging.getLogger("orbit.control")

REQUEST_WAIT_S = 10.0  # a client that sends no request in this long is dropped
SEND_WAIT_S = 10.0  # a progress line not taken in this long: the client is treated as gone
MAX_CONNECTIONS = 8  # connections served at once; one load runs at a time anyway


def failed(reason: str, message: str) -> dict[str, object]:
    """The last message of a connection that did not load: `reason` is bad_input (the client
    exits 2, as `orbit ingest` does for bad input), busy, refused, stopped or error (exit 1)."""
    return {"event": "failed", "reason": reason, "message": message}


def done(outcome: LoadOutcome) -> dict[str, object]:
    return {
        "event": "done",
        "dimensions": outcome.report.dimensions,
        "days": {d.isoformat(): rows for d, rows in outcome.report.days.items()},
        "newest": outcome.newest.isoformat() if outcome.newest else None,
        "queued": outcome.queued,
        "seconds": round(outcome.seconds, 3),
    }


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def outcome_of_failure(exc: Exception) -> dict[str, object]:
    """The `failed` message of a load that raised: worded as `orbit ingest` words it."""
    if isinstance(exc, IngestError):
        return failed("bad_input", f"ingest failed: {exc.message}")
    if isinstance(exc, Stopped):
        return failed("stopped", str(exc))
    if isinstance(exc, WarehouseUnavailable):
        return failed("error", exc.message)
    if isinstance(exc, OrbitError):
        return failed("bad_input", exc.message)
    if isinstance(exc, WarehouseQueryError):
        return failed("error", f"warehouse query failed: {_first_line(str(exc))}")
    if isinstance(exc, OSError) and exc.strerror:
        return failed("error", f"{exc.strerror}{': ' + str(exc.filename) if exc.filename else ''}")
    return failed("error", f"the load failed in orbit serve: {type(exc).__name__} (its log has the traceback)")


def answers(path: Path) -> bool:
    """Whether a process listens on the socket at `path` now."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(2.0)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


class ControlServer:
    """Listens on the control socket in a thread; each connection is served in a thread of its own."""

    def __init__(self, path: Path, loader: Loader, *, owner_uid: int | None = None) -> None:
        """`owner_uid`: the one uid allowed to connect (default: this process's)."""
        self.path = path
        self._loader = loader
        self._owner_uid = os.getuid() if owner_uid is None else owner_uid
        self._token = ""
        self._listener: socket.socket | None = None
        self._identity: tuple[int, int] | None = None  # (device, inode) of our socket file
        self._thread: threading.Thread | None = None
        self._connections = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._closed = threading.Event()

    def start(self) -> bool:
        """Listen on `path`. False, with a warning in the log, when the channel cannot be opened
        safely or another server already answers there; the API runs either way."""
        try:
            check_socket_path(self.path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            check_directory(self.path.parent)
            if answers(self.path):
                raise ChannelError(f"another process already answers on {self.path}")
            self._listener = self._bind()
        except (ChannelError, OSError) as exc:
            log.warning("control channel not opened (%s): `orbit ingest` cannot hand loads to this server", exc)
            return False
        self._thread = threading.Thread(target=self._accept, name="orbit-control", daemon=True)
        self._thread.start()
        log.info("control channel on %s", self.path)
        return True

    def _bind(self) -> socket.socket:
        # Bound in a private folder, made 0600, then renamed into place: no other user can ever
        # connect, and a stale socket of a killed server is replaced in one step. The folder's
        # name is as long as `control.sock`, so the bound path is no longer than the final one.
        private = Path(tempfile.mkdtemp(prefix=".c", dir=self.path.parent))
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            bound = private / "s"
            check_socket_path(bound)
            listener.bind(str(bound))
            os.chmod(bound, 0o600)
            listener.listen(16)
            self._token = write_token(token_path(self.path))  # before the socket appears
            os.replace(bound, self.path)
            st = os.lstat(self.path)
            self._identity = (st.st_dev, st.st_ino)
        except BaseException:
            listener.close()
            raise
        finally:
            for leftover in private.iterdir():
                leftover.unlink()
            private.rmdir()
        return listener

    def _accept(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._closed.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                if self._closed.is_set():
                    return
                log.warning("control channel: accept failed", exc_info=True)
                self._closed.wait(0.5)
                continue
            if not self._connections.acquire(blocking=False):
                self._refuse(conn, failed("busy", f"more than {MAX_CONNECTIONS} connections at once"))
                continue
            threading.Thread(target=self._serve, args=(conn,), name="orbit-control-conn", daemon=True).start()

    @staticmethod
    def _refuse(conn: socket.socket, message: dict[str, object]) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(1.0)
            Line(conn).send(message)

    def _serve(self, conn: socket.socket) -> None:
        line = Line(conn)
        try:
            conn.settimeout(REQUEST_WAIT_S)
            who = peer(conn)
            if who is not None and who[1] != self._owner_uid:
                log.warning("control channel: refused PID %d of uid %d", who[0], who[1])
                line.send(failed("refused", f"this orbit serve takes loads from uid {self._owner_uid} only"))
                return
            line.send({"event": "hello", "protocol": PROTOCOL, "pid": os.getpid()})
            message = line.receive()
            if message is None:
                return
            token = message.get("token")
            if not isinstance(token, str) or not hmac.compare_digest(token.encode(), self._token.encode()):
                log.warning("control channel: refused a wrong token%s", f" from PID {who[0]}" if who else "")
                line.send(failed("refused", "wrong control token: it is not the one this orbit serve wrote"))
                return
            if message.get("protocol") != PROTOCOL:
                line.send(failed("refused", f"this orbit serve speaks control protocol {PROTOCOL}; "
                                            "use the orbit command of the same version"))
                return
            op = message.get("op")
            if op == "status":
                conn.settimeout(SEND_WAIT_S)
                self._status(line)
                return
            if op != "ingest":
                line.send(failed("bad_input", f"unknown operation {str(op)[:40]!r}"))
                return
            conn.settimeout(SEND_WAIT_S)
            self._ingest(line, LoadRequest.of(message), who)
        except ChannelError as exc:
            with contextlib.suppress(OSError):
                line.send(failed("bad_input", str(exc)))
        except OSError:
            pass  # the client went away before its load started
        finally:
            line.close()
            conn.close()
            self._connections.release()

    def _status(self, line: Line) -> None:
        try:
            st, loading = self._loader.status()
        except Exception as exc:
            answer = outcome_of_failure(exc)
            if answer["reason"] == "error":
                log.exception("reading the status for orbit status failed")
            line.send(answer)
            return
        line.send({"event": "status", "tables": {k: list(v) for k, v in st.tables.items()}, "stages": st.stages,
                   "ready": [d.isoformat() for d in st.ready], "unready": [d.isoformat() for d in st.unready],
                   "loading": loading})

    def _ingest(self, line: Line, request: LoadRequest, who: tuple[int, int] | None) -> None:
        client = f"orbit ingest, PID {who[0]}" if who else "orbit ingest"
        gone = False

        def send(message: dict[str, object]) -> None:
            nonlocal gone
            if gone:
                return
            try:
                line.send(message)
            except OSError:
                gone = True
                log.info("the client of the load of %s went away; the load goes on", request.directory)

        try:
            with self._loader.slot(who=client, directory=str(request.directory)):
                log.info("loading %s for %s", request.directory, client)
                send({"event": "started"})
                outcome = self._loader.load(
                    request, lambda what, n, total: send({"event": "progress", "step": what, "done": n, "total": total})
                )
        except Busy as exc:
            send(failed("busy", str(exc)))
            return
        except Exception as exc:
            answer = outcome_of_failure(exc)
            if answer["reason"] == "error":
                log.exception("the load of %s failed", request.directory)
            else:
                log.warning("the load of %s failed: %s", request.directory, answer["message"])
            send(answer)
            return
        log.info("loaded %s in %.1f s: %d days, newest %s, %d daily runs queued", request.directory,
                 outcome.seconds, len(outcome.report.days), outcome.newest, outcome.queued)
        send(done(outcome))

    def close(self) -> None:
        """Stop listening and remove the socket and token if they are still ours. A running load
        is stopped by `Loader.close`."""
        self._closed.set()
        listener = self._listener
        if listener is None:
            return
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            st = os.lstat(self.path)
            if (st.st_dev, st.st_ino) == self._identity:
                self.path.unlink()
                token_path(self.path).unlink(missing_ok=True)
        except OSError:
            pass  # already gone, or replaced by a newer server: leave it
