"""The `orbit ingest` / `orbit status` end of the control channel: finds the `orbit serve` of the
data directory, hands it a load and follows the load's progress to its end, or asks for the
status. No output of its own."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType

from orbit.control.channel import (
    PROTOCOL,
    ChannelError,
    Line,
    LoadRequest,
    check_socket,
    read_token,
    token_path,
)
from orbit.datasets.service import Progress, WarehouseStatus

GREETING_WAIT_S = 10.0  # a server that does not greet in this long is taken as hung


class HandOffFailed(Exception):
    """The server refused or failed the load. `reason` is bad_input, busy, refused, stopped or
    error (as in `orbit.control.server.failed`); `message` is one line for the operator."""

    def __init__(self, message: str, *, reason: str = "error") -> None:
        super().__init__(message)
        self.message, self.reason = message, reason


@dataclass(frozen=True, slots=True)
class Loaded:
    dimensions: dict[str, int]
    days: dict[date, int]
    newest: date | None
    queued: int
    seconds: float


class ServerChannel:
    """A greeted connection to the `orbit serve` of a data directory."""

    def __init__(self, sock: socket.socket, line: Line, *, token: str, pid: int) -> None:
        self._sock, self._line, self._token = sock, line, token
        self.pid = pid

    def load(self, request: LoadRequest, progress: Progress) -> Loaded:
        """Ask for the load and report its progress; returns when the server has loaded it (the
        days are ready, the daily runs queued). Raises HandOffFailed."""
        self._line.send({"op": "ingest", "protocol": PROTOCOL, "token": self._token, **request.as_message()})
        self._sock.settimeout(None)  # one file of a large day can take minutes between two lines
        while True:
            try:
                message = self._line.receive()
            except (ChannelError, OSError) as exc:
                raise HandOffFailed(f"the control channel broke during the load: {exc}") from exc
            if message is None:
                raise HandOffFailed(
                    f"orbit serve (PID {self.pid}) closed the control channel before the load finished "
                    "(did it stop?); its log says how far the load got"
                )
            event = message.get("event")
            if event == "progress":
                progress(str(message.get("step", "")), _int(message.get("done")), _int(message.get("total")))
            elif event == "failed":
                raise HandOffFailed(str(message.get("message", "the load failed")),
                                    reason=str(message.get("reason", "error")))
            elif event == "done":
                return _loaded(message)
            # `started` and events of newer servers need nothing here

    def status(self) -> tuple[WarehouseStatus, str | None]:
        """The warehouse as the server sees it, and the load it runs now (None: none)."""
        self._line.send({"op": "status", "protocol": PROTOCOL, "token": self._token})
        try:
            message = self._line.receive()
        except (ChannelError, OSError) as exc:
            raise HandOffFailed(f"the control channel broke: {exc}") from exc
        if message is None:
            raise HandOffFailed(f"orbit serve (PID {self.pid}) closed the control channel without an answer")
        if message.get("event") == "failed":
            raise HandOffFailed(str(message.get("message", "status failed")), reason=str(message.get("reason", "error")))
        try:
            tables, stages = message["tables"], message["stages"]
            ready, unready, loading = message["ready"], message["unready"], message.get("loading")
            if not (isinstance(tables, dict) and isinstance(stages, list) and isinstance(ready, list)
                    and isinstance(unready, list)):
                raise TypeError("tables, stages or days are of the wrong type")
            return WarehouseStatus(
                tables={str(k): (int(v[0]), int(v[1])) for k, v in tables.items()}, stages=[str(x) for x in stages],
                ready=[date.fromisoformat(str(d)) for d in ready], unready=[date.fromisoformat(str(d)) for d in unready],
            ), (str(loading) if loading is not None else None)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise HandOffFailed(f"orbit serve answered the status in a form this command does not read: {exc}") from exc

    def close(self) -> None:
        self._line.close()
        self._sock.close()

    def __enter__(self) -> ServerChannel:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _loaded(message: dict[str, object]) -> Loaded:
    dims, days, newest, seconds = message.get("dimensions"), message.get("days"), message.get("newest"), message.get("seconds")
    try:
        return Loaded(
            dimensions={str(k): int(v) for k, v in dims.items()} if isinstance(dims, dict) else {},
            days={date.fromisoformat(str(k)): int(v) for k, v in days.items()} if isinstance(days, dict) else {},
            newest=date.fromisoformat(newest) if isinstance(newest, str) else None,
            queued=_int(message.get("queued")),
            seconds=float(seconds) if isinstance(seconds, (int, float)) else 0.0,
        )
    except (TypeError, ValueError) as exc:
        raise HandOffFailed(f"orbit serve reported the load in a form this command does not read: {exc}") from exc


def connect(path: Path) -> ServerChannel | None:
    """The `orbit serve` listening on the control socket `path`, greeted; None when none listens
    (no socket, or one a killed server left): the caller then loads by itself. HandOffFailed when
    a server answers but may not be used (not ours, wrong token file, refused, no greeting)."""
    if not os.path.lexists(path):
        return None
    try:
        check_socket(path)
    except ChannelError as exc:
        raise HandOffFailed(str(exc), reason="refused") from exc
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(GREETING_WAIT_S)
    try:
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        return None
    except OSError as exc:
        sock.close()
        raise HandOffFailed(f"cannot connect to the control socket {path}: {exc.strerror or exc}") from exc
    line = Line(sock)
    try:
        # Read after connecting: a server writes its token before its socket appears.
        token = read_token(token_path(path))
        hello = line.receive()
    except ChannelError as exc:
        line.close()
        sock.close()
        raise HandOffFailed(str(exc), reason="refused") from exc
    except OSError as exc:  # TimeoutError included
        line.close()
        sock.close()
        raise HandOffFailed(f"orbit serve does not answer on {path} ({exc.strerror or 'timed out'})") from exc
    if hello is None or hello.get("event") != "hello":
        line.close()
        sock.close()
        if hello is not None and hello.get("event") == "failed":
            raise HandOffFailed(str(hello.get("message")), reason=str(hello.get("reason", "refused")))
        raise HandOffFailed(f"the process on {path} does not speak the control protocol")
    return ServerChannel(sock, line, token=token, pid=_int(hello.get("pid")))
