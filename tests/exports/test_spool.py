"""The spool between a warehouse stream and a client: every byte in order, the producer's error
after its bytes, a producer that finishes without waiting for the reader, and a reader that
leaves early stopping the producer."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from orbit.exports.spool import MEMORY, PIECE, Spool


def _blocks(n: int, size: int) -> list[bytes]:
    return [os.urandom(size) for _ in range(n)]


@pytest.mark.parametrize("memory", [MEMORY, 0, 3 * PIECE])  # in memory, all on disk, both
def test_every_byte_comes_through_in_order(tmp_path: Path, memory: int) -> None:
    blocks = _blocks(7, PIECE + 12_345)  # pieces and blocks do not line up
    got = list(Spool(iter(blocks), directory=tmp_path, memory=memory))
    assert b"".join(got) == b"".join(blocks)
    assert max(len(p) for p in got) <= PIECE + 12_345


def test_the_producer_error_follows_its_bytes(tmp_path: Path) -> None:
    def failing() -> Iterator[bytes]:
        yield b"first,"
        yield b"second"
        raise RuntimeError("engine gone")

    out = bytearray()
    with pytest.raises(RuntimeError, match="engine gone"):
        for piece in Spool(failing(), directory=tmp_path):
            out += piece
    assert bytes(out) == b"first,second"


def test_the_producer_does_not_wait_for_the_reader(tmp_path: Path) -> None:
    finished = threading.Event()

    def source() -> Iterator[bytes]:
        yield from _blocks(5, 100_000)
        finished.set()

    spool = Spool(source(), directory=tmp_path, memory=200_000)  # the rest spills to disk
    assert finished.wait(30)  # drained while nobody read
    assert os.listdir(tmp_path) == []  # the spill file is unlinked from the start
    assert len(b"".join(spool)) == 500_000


def test_a_reader_leaving_early_stops_the_producer(tmp_path: Path) -> None:
    gate, closed = threading.Event(), threading.Event()

    def source() -> Iterator[bytes]:
        try:
            yield b"a" * 10
            gate.wait(30)
            for _ in range(1000):
                yield b"b" * 10
        finally:
            closed.set()

    reader = iter(Spool(source(), directory=tmp_path))
    assert next(reader) == b"a" * 10
    reader.close()  # what a disconnecting client's response does
    gate.set()
    assert closed.wait(30)
