"""The serving index of a process: built in the background, never stale, within its budget."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from orbit.serving.holder import IndexHolder
from orbit.serving.index import ServingIndex
from orbit.settings import ServingSettings
from orbit.topics.service import Snapshot, TopicCatalog
from tests.conftest import Loaded

pytestmark = pytest.mark.warehouse


def _ready(holder: IndexHolder, snap: Snapshot, *, timeout: float = 120.0) -> ServingIndex:
    deadline = time.monotonic() + timeout
    while (index := holder.current(snap)) is None:
        assert holder.status(snap).state == "building", holder.status(snap)
        assert time.monotonic() < deadline, "not built in time"
        time.sleep(0.01)
    return index


def _until(done: Callable[[], bool], *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "not true in time"
        time.sleep(0.01)


def _settled(holder: IndexHolder, snap: Snapshot, *, timeout: float = 60.0) -> None:
    """Start a build and wait until it is no longer building (ready, failed or over budget)."""
    holder.current(snap)
    deadline = time.monotonic() + timeout
    while holder.status(snap).state == "building":
        assert time.monotonic() < deadline
        time.sleep(0.01)


@pytest.fixture
def snap(loaded: Loaded) -> Snapshot:
    return TopicCatalog(loaded.wh, loaded.sessions).current()


def test_built_in_the_background_then_swapped_for_new_data(loaded: Loaded, snap: Snapshot, tmp_path: Path) -> None:
    holder = IndexHolder(loaded.wh, ServingSettings(), directory=tmp_path)
    try:
        assert holder.current(snap) is None  # never waits: the caller takes the SQL path
        first = _ready(holder, snap)
        status = holder.status(snap).as_json()
        assert status["state"] == "ready" and status["dataDate"] == snap.dates[-1].isoformat()
        assert float(status["megabytes"]) > 0  # type: ignore[arg-type]
        _until(lambda: len(list(tmp_path.glob("profiles-*.arrow"))) == 1)

        # A new ready day (same people): stale at once, rebuilt with the same base.
        new_day = dataclasses.replace(snap, stamp=dataclasses.replace(snap.stamp, ready_days=snap.stamp.ready_days + 1))
        assert holder.current(new_day) is None
        second = _ready(holder, new_day)
        assert second is not first and second.base is first.base
        assert holder.current(snap) is None  # the old stamp no longer matches what is held

        # People re-loaded (new catalogue version): the base is rebuilt, the old file removed.
        reloaded = dataclasses.replace(new_day, stamp=dataclasses.replace(
            new_day.stamp, catalog_version=new_day.stamp.catalog_version + 1))
        third = _ready(holder, reloaded)
        assert third.base is not first.base
        # The builder removes the old file just after it publishes the new index: poll for it.
        _until(lambda: [str(f) for f in tmp_path.glob("profiles-*.arrow")] == [third.base.profile_path])
    finally:
        holder.close()
    assert list(tmp_path.glob("profiles-*")) == []


def test_over_budget_stays_on_sql(loaded: Loaded, snap: Snapshot, tmp_path: Path) -> None:
    holder = IndexHolder(loaded.wh, ServingSettings(memory_budget_mb=0), directory=tmp_path)
    try:
        _settled(holder, snap)
        status = holder.status(snap)
        assert status.state == "over_budget" and status.detail and "budget 0 MB" in status.detail
        assert holder.current(snap) is None
    finally:
        holder.close()


def test_disabled_and_empty(loaded: Loaded, snap: Snapshot, tmp_path: Path) -> None:
    off = IndexHolder(loaded.wh, ServingSettings(enabled=False), directory=tmp_path)
    assert off.current(snap) is None and off.status(snap).state == "disabled"
    off.close()
    holder = IndexHolder(loaded.wh, ServingSettings(), directory=tmp_path)
    empty = dataclasses.replace(snap, dates=[])
    assert holder.current(empty) is None and holder.status(empty).state == "empty"
    holder.close()


def test_leftover_files_of_dead_processes_are_removed(loaded: Loaded, snap: Snapshot, tmp_path: Path) -> None:
    stale = tmp_path / "profiles-999999999-1-deadbeef.arrow"
    stale.write_bytes(b"x")
    holder = IndexHolder(loaded.wh, ServingSettings(), directory=tmp_path)
    try:
        index = _ready(holder, snap)
        assert not stale.exists()
        assert index.base.profile_path is not None and Path(index.base.profile_path).exists()
    finally:
        holder.close()


def test_a_failed_build_is_reported_then_retried(loaded: Loaded, snap: Snapshot, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from orbit.serving import build as builder
    from orbit.serving import holder as holder_module

    real = builder.build
    calls: list[int] = []

    def failing_once(*args: object, **kwargs: object) -> ServingIndex:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("signals changed while the serving index was built")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builder, "build", failing_once)
    monkeypatch.setattr(holder_module, "RETRY_SECONDS", 0.0)
    holder = IndexHolder(loaded.wh, ServingSettings(), directory=tmp_path)
    try:
        _settled(holder, snap)
        assert holder.status(snap).state == "failed" and holder.status(snap).detail == "RuntimeError"
        deadline = time.monotonic() + 60
        while holder.current(snap) is None:  # a later request retries (the retry delay is 0 here)
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert len(calls) == 2 and holder.status(snap).state == "ready"
    finally:
        holder.close()
