"""A spool between a fast producer and a slow reader: memory first, then disk. No warehouse, no HTTP.

`export.csv` streams from chDB, whose one engine serves every request of the process: while a
statement streams, all others wait. Draining the statement on a thread of its own holds the engine
for the engine's time (~1 s for 300,000 rows), however slowly the client reads; the reader follows.
Up to `memory` bytes of backlog stay in memory (a client that keeps up never touches the disk),
the rest goes to an unlinked temporary file.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO

log = logging.getLogger("orbit.exports")

PIECE = 1 << 21  # bytes a reader takes from the file at a time
MEMORY = 16 << 20  # backlog kept in memory before blocks go to disk


class Spool:
    """Starts draining `source` at once; iterating yields the bytes in order as they arrive, then
    raises the producer's error if it failed. Iterate it once. A spill file, if any, goes when
    both the producer and the reader are done."""

    def __init__(self, source: Iterator[bytes], *, directory: Path, memory: int = MEMORY) -> None:
        self._directory, self._memory = directory, memory
        self._cond = threading.Condition()
        # Blocks in order: bytes in memory, or (offset, length) in the spill file.
        self._pending: deque[bytes | tuple[int, int]] = deque()
        self._in_memory = 0
        self._file: IO[bytes] | None = None
        self._file_end = 0
        self._producing = True
        self._reading = True
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drain, args=(source,), name="orbit-spool", daemon=True)
        self._thread.start()

    def _drain(self, source: Iterator[bytes]) -> None:
        try:
            for block in source:
                if self._stop.is_set():  # the reader left: stop the query instead of finishing it
                    break
                with self._cond:
                    if self._in_memory + len(block) <= self._memory:
                        self._pending.append(block)
                        self._in_memory += len(block)
                        self._cond.notify_all()
                        continue
                    offset = self._file_end
                    self._file_end += len(block)
                    if self._file is None:
                        self._directory.mkdir(parents=True, exist_ok=True)
                        # Closed by whichever side finishes last (_close_if_done), not by a `with`.
                        self._file = tempfile.TemporaryFile(dir=self._directory)  # noqa: SIM115
                    fd = self._file.fileno()
                view = memoryview(block)
                while view:  # outside the lock: the reader goes on with earlier blocks meanwhile
                    n = os.pwrite(fd, view, offset)
                    view, offset = view[n:], offset + n
                with self._cond:
                    self._pending.append((offset - len(block), len(block)))
                    self._cond.notify_all()
        except BaseException as exc:  # handed to the reader, who raises it
            self._error = exc
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()  # releases the warehouse at once, not when the generator is collected
            with self._cond:
                self._producing = False
                self._cond.notify_all()
                self._close_if_done()

    def close(self) -> None:
        """Stop producing (the reader left): the source is closed after its current block, which
        releases the warehouse. Safe from any thread, at any time, more than once."""
        self._stop.set()

    def _close_if_done(self) -> None:
        # Under self._cond. Whichever side finishes last closes the file, so the producer never
        # writes to a closed (and possibly reused) descriptor.
        if not self._producing and not self._reading and self._file is not None:
            self._file.close()

    def __iter__(self) -> Iterator[bytes]:
        try:
            while True:
                with self._cond:
                    while not self._pending and self._producing:
                        self._cond.wait()
                    item = self._pending.popleft() if self._pending else None
                    if isinstance(item, bytes):
                        self._in_memory -= len(item)
                    error = self._error
                    fd = self._file.fileno() if self._file is not None else -1
                if item is None:
                    if error is not None:
                        raise error
                    return
                if isinstance(item, bytes):
                    yield item
                    continue
                offset, length = item
                while length:
                    piece = os.pread(fd, min(PIECE, length), offset)
                    if not piece:
                        raise OSError(f"spool file ended {length} bytes early")
                    offset, length = offset + len(piece), length - len(piece)
                    yield piece
        finally:
            self._stop.set()
            with self._cond:
                self._reading = False
                self._close_if_done()
