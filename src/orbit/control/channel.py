"""The wire of the control channel: where the socket and its token live, who may use them, and
how messages are framed (one JSON object per line). No ingest logic here.

Only the operator who runs `orbit serve` may use the channel: a Unix socket of mode 0600 in the
data directory, a random token in a 0600 file beside it that a client must present, and, on
Linux, the connecting process's uid (SO_PEERCRED) must be the server's. A client checks that the
socket and the token file belong to its own uid before it sends the token anywhere.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import stat
import struct
from dataclasses import dataclass
from datetime import date
from pathlib import Path

PROTOCOL = 1
MAX_LINE = 64 * 1024  # a request is a few hundred bytes; anything longer is refused unread
MAX_SOCKET_PATH = 107  # sun_path holds 108 bytes with the terminating NUL on Linux


class ChannelError(Exception):
    """The channel cannot be used safely, or the other side broke the protocol. The message is
    one line for the operator."""


def token_path(sock: Path) -> Path:
    return sock.with_name(sock.name + ".token")


def check_socket_path(path: Path) -> None:
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        raise ChannelError(
            f"the control socket path {path} is longer than {MAX_SOCKET_PATH} bytes; "
            "set ORBIT_INGEST__CONTROL_SOCKET to a shorter path"
        )


def check_directory(path: Path) -> None:
    """Refuse a folder any user may write to without the sticky bit: another user could replace
    the socket there (clients would refuse it, but loads would no longer reach the server)."""
    mode = os.stat(path).st_mode
    if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
        raise ChannelError(f"{path} is writable by every user; run 'chmod o-w {path}' to use the control channel")


def write_token(path: Path) -> str:
    """A fresh random token in `path`, readable by this uid only. Written under a new name and
    renamed over the old file, so a reader never sees half a token and a planted symlink is never
    followed."""
    token = secrets.token_urlsafe(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, token.encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return token


def read_token(path: Path) -> str:
    """The server's token. ChannelError when the file is missing or not this uid's alone."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise ChannelError(f"cannot read the control token {path}: {exc.strerror}") from exc
    try:
        st = os.fstat(fd)
        if st.st_uid != os.getuid():
            raise ChannelError(f"the control token {path} belongs to uid {st.st_uid}, not to you; refusing to use it")
        if st.st_mode & 0o077:
            raise ChannelError(
                f"the control token {path} is open to other users (mode {stat.S_IMODE(st.st_mode):o}); "
                "refusing to use it: restart orbit serve to write a new one"
            )
        token = os.read(fd, 1024).decode("ascii", "replace").strip()
    finally:
        os.close(fd)
    if not token:
        raise ChannelError(f"the control token {path} is empty")
    return token


def check_socket(path: Path) -> None:
    """Before a client sends its token: the socket must be a socket, and ours."""
    st = os.lstat(path)
    if not stat.S_ISSOCK(st.st_mode):
        raise ChannelError(f"{path} is not a socket; refusing to use it as the control channel")
    if st.st_uid != os.getuid():
        raise ChannelError(f"the control socket {path} belongs to uid {st.st_uid}, not to you; refusing to use it")


def peer(conn: socket.socket) -> tuple[int, int] | None:
    """(pid, uid) of the process at the other end, where the platform tells (Linux)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    raw = conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    pid, uid, _gid = struct.unpack("3i", raw)
    return pid, uid


class Line:
    """One end of a connection: JSON objects out and in, one per line."""

    def __init__(self, conn: socket.socket) -> None:
        self._conn = conn
        self._reader = conn.makefile("rb")

    def send(self, message: dict[str, object]) -> None:
        self._conn.sendall(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    def receive(self) -> dict[str, object] | None:
        """The next message; None when the other side has closed. ChannelError for a line that is
        too long or not a JSON object."""
        raw = self._reader.readline(MAX_LINE + 1)
        if not raw:
            return None
        if len(raw) > MAX_LINE:
            raise ChannelError(f"a message is longer than {MAX_LINE} bytes")
        try:
            message = json.loads(raw)
        except ValueError as exc:
            raise ChannelError("a message is not valid JSON") from exc
        if not isinstance(message, dict):
            raise ChannelError("a message is not a JSON object")
        return message

    def close(self) -> None:
        self._reader.close()


@dataclass(frozen=True, slots=True)
class LoadRequest:
    """What `orbit ingest` asks the server to load: the same arguments as the command."""

    directory: Path  # absolute: the server's working directory is not the client's
    kinds: tuple[str, ...]
    days: tuple[date, ...] | None  # None: every signals file in the directory

    def as_message(self) -> dict[str, object]:
        return {
            "directory": str(self.directory), "kinds": list(self.kinds),
            "days": None if self.days is None else [d.isoformat() for d in self.days],
        }

    @classmethod
    def of(cls, message: dict[str, object]) -> LoadRequest:
        """The request in `message`; ChannelError naming the field that is wrong."""
        directory, kinds, days = message.get("directory"), message.get("kinds"), message.get("days")
        if not isinstance(directory, str) or not directory or "\x00" in directory or not Path(directory).is_absolute():
            raise ChannelError("directory: expected an absolute path")
        if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
            raise ChannelError("kinds: expected a non-empty list of names")
        if days is None:
            return cls(Path(directory), tuple(kinds), None)
        if not isinstance(days, list) or not all(isinstance(d, str) for d in days):
            raise ChannelError("days: expected a list of YYYY-MM-DD dates or null")
        try:
            parsed = tuple(date.fromisoformat(d) for d in days)
        except ValueError as exc:
            raise ChannelError(f"days: {exc}") from exc
        return cls(Path(directory), tuple(kinds), parsed)
