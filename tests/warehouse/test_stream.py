"""`Warehouse.stream_bytes`: the bytes of one query piece by piece, errors from the iterator, and an
engine that is free again as soon as a stream ends or is closed."""

from __future__ import annotations

import threading
import time

import pytest

from orbit.warehouse.backend import Warehouse, WarehouseQueryError, _FairLock, _until_server_error
from orbit.warehouse.statement import Statement

ROWS = Statement("SELECT number, toString(number * 7) FROM numbers({n:UInt32})", {"n": 300_000})


def _answers_within(wh: Warehouse, seconds: float) -> bool:
    """Whether another statement gets the engine within `seconds` (from another thread, so a
    held engine shows as a timeout instead of a hung test)."""
    done = threading.Event()

    def ask() -> None:
        wh.query(Statement("SELECT 1 AS one"))
        done.set()

    threading.Thread(target=ask, daemon=True).start()
    return done.wait(seconds)


@pytest.mark.warehouse
def test_a_stream_is_the_query_in_pieces(fresh_wh: Warehouse) -> None:
    pieces = list(fresh_wh.stream_bytes(ROWS, fmt="CSV"))
    assert len(pieces) > 1  # blocks, not one answer
    assert b"".join(pieces) == fresh_wh.query_bytes(ROWS, fmt="CSV")
    assert _answers_within(fresh_wh, 30)


@pytest.mark.warehouse
def test_closing_a_stream_frees_the_engine(fresh_wh: Warehouse) -> None:
    stream = fresh_wh.stream_bytes(ROWS, fmt="CSV")
    assert next(stream)
    assert not _answers_within(fresh_wh, 0.5)  # held while the stream is open...
    stream.close()
    assert _answers_within(fresh_wh, 30)  # ...and free once it is closed
    assert b"".join(fresh_wh.stream_bytes(ROWS, fmt="CSV")) == fresh_wh.query_bytes(ROWS, fmt="CSV")


@pytest.mark.warehouse
def test_an_engine_error_comes_from_the_iterator(fresh_wh: Warehouse) -> None:
    failing = Statement("SELECT throwIf(number = {at:UInt32}, 'boom') FROM numbers({n:UInt32})", {"at": 250_000, "n": 300_000})
    with pytest.raises(WarehouseQueryError, match="boom"):
        for _ in fresh_wh.stream_bytes(failing, fmt="CSV"):
            pass
    assert _answers_within(fresh_wh, 30)


def test_a_server_error_marker_ends_the_stream_even_split_across_pieces() -> None:
    tag = "x7Qk2"
    body = b"1,a\r\n2,b\r\n" + b"__exception__\r\n" + tag.encode() + b"\r\nCode: 395. boom\r\n" + tag.encode() + b"\r\n__exception__"
    for cut in range(1, len(body)):
        out: list[bytes] = []
        with pytest.raises(WarehouseQueryError, match="boom"):
            for piece in _until_server_error(iter([body[:cut], body[cut:]]), tag):
                out.append(piece)
        assert b"".join(out) == b"1,a\r\n2,b\r\n"


def test_a_server_body_without_the_marker_passes_unchanged() -> None:
    body = [b"__exception__ is data here,", b"1\r\n", b"", b"x" * 100]
    assert b"".join(_until_server_error(iter(body), "x7Qk2")) == b"".join(body)
    assert list(_until_server_error(iter(body), None)) == body


def test_the_engine_goes_to_waiting_statements_before_the_next_segment() -> None:
    """A holder that releases and asks again at once (an export between two segments) queues
    behind the statements already waiting, instead of winning the race again."""
    lock = _FairLock()
    order: list[str] = []

    def other() -> None:
        with lock:
            order.append("other")

    lock.acquire()
    waiting = threading.Thread(target=other, daemon=True)
    waiting.start()
    deadline = time.monotonic() + 30
    while lock.queued() < 1 and time.monotonic() < deadline:
        time.sleep(0)  # yield until the other thread has asked (a state, not a duration)
    lock.release()
    with lock:
        order.append("next segment")
    waiting.join(timeout=30)
    assert order == ["other", "next segment"]


def test_an_interrupted_wait_gives_its_turn_away() -> None:
    lock = _FairLock()
    lock.acquire()
    failed = threading.Thread(target=_interrupted_acquire, args=(lock,), daemon=True)
    failed.start()
    failed.join(timeout=30)
    lock.release()
    done = threading.Event()
    threading.Thread(target=lambda: (lock.acquire(), done.set(), lock.release()), daemon=True).start()
    assert done.wait(30)


def _interrupted_acquire(lock: _FairLock) -> None:
    """Ask for the lock and give up while waiting, as a KeyboardInterrupt would."""
    original = lock._cond.wait

    def interrupted(timeout: float | None = None) -> bool:
        raise KeyboardInterrupt

    lock._cond.wait = interrupted  # type: ignore[method-assign]
    try:
        lock.acquire()
    except KeyboardInterrupt:
        pass
    finally:
        lock._cond.wait = original  # type: ignore[method-assign]
