"""A 300,000-row export streamed through the SDK with bounded memory, against a real `orbit serve`.

The cheapest way to a run of 300,000 rows: datagen at scale 0.2 for one day (400,000 people, 5.6M
signals), then the 100 topics with the most people at score >= 50 (ranked from the generated
Parquet file; ~360,000 candidates, capped at 300,000 rows). Measured on the shared 2-core machine:
see docs/sdk.md, "Streaming large exports"."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from orbit_client import Client
from tests.clients.conftest import new_key, orbit
from tests.e2e.test_runs import _serve, _stop
from tests.e2e.test_serve import _env

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse]
ROWS = 300_000
MEMORY_BUDGET = 16 * 1024 * 1024  # Python heap while streaming; the CSV itself is ~10x larger (168 MB)


def _popular_topics(signals: Path, n: int) -> list[int]:
    table = pq.read_table(signals, columns=["topic_id", "score", "person_id"])
    table = table.filter(pc.greater_equal(table["score"], 50))
    counts = table.group_by("topic_id").aggregate([("person_id", "count_distinct")])
    ranked = counts.sort_by([("person_id_count_distinct", "descending"), ("topic_id", "ascending")])
    return [int(t) for t in ranked["topic_id"].to_pylist()[:n]]


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, str, str, dict[str, float]]]:
    root = tmp_path_factory.mktemp("clients-big")
    env = {**_env(root / "data"), "ORBIT_RUNS__POLL_SECONDS": "0.2"}
    timings: dict[str, float] = {}
    started = time.monotonic()
    orbit(env, "datagen", "--out", str(root / "dataset"), "--scale", "0.2", "--days", "1", "--end-date", "2026-11-20",
          timeout=600)
    orbit(env, "ingest", str(root / "dataset"), timeout=600)
    timings["data"] = time.monotonic() - started
    topics = _popular_topics(root / "dataset/signals/2026-11-20.parquet", 100)
    key = new_key(env, "Big")
    proc, base = _serve(env)
    try:
        with Client(base, api_key=key, timeout=300) as sdk:
            audience = sdk.create_audience("300k", {"topicIds": topics, "minScore": 50})
            started = time.monotonic()
            run = sdk.create_run(audience.id)
            sdk.wait_for_run(audience.id, run.id, timeout=600, poll_interval=0.2)
            timings["run"] = time.monotonic() - started
            yield sdk, audience.id, run.id, timings
    finally:
        _stop(proc)


def test_the_run_holds_300k_rows(big: tuple[Client, str, str, dict[str, float]]) -> None:
    sdk, audience, run, _ = big
    done = sdk.get_run(audience, run)
    assert done.status == "completed" and done.result_count > ROWS  # capped: the export says truncated


def test_export_to_file_streams_with_bounded_memory(big: tuple[Client, str, str, dict[str, float]], tmp_path: Path) -> None:
    sdk, audience, run, timings = big
    tracemalloc.start()
    started = time.monotonic()
    try:
        info = sdk.export_csv(audience, run, tmp_path / "big.csv")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    seconds = time.monotonic() - started
    assert info.truncated is True and info.row_cap == ROWS and info.result_count and info.result_count > ROWS
    assert info.bytes == (tmp_path / "big.csv").stat().st_size > 8 * MEMORY_BUDGET
    with (tmp_path / "big.csv").open("rb") as f:
        assert sum(1 for _ in f) == ROWS + 1  # no cell holds a line break in generated data
    assert peak < MEMORY_BUDGET, peak
    print(f"\n300k export: {info.bytes / 1e6:.1f} MB in {seconds:.1f} s, peak Python heap {peak / 1e6:.1f} MB; "
          f"data {timings['data']:.0f} s, run {timings['run']:.1f} s")


def test_rows_stream_with_bounded_memory(big: tuple[Client, str, str, dict[str, float]]) -> None:
    sdk, audience, run, _ = big
    tracemalloc.start()
    try:
        count = sum(1 for _ in sdk.iter_export_rows(audience, run))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == ROWS and peak < MEMORY_BUDGET, peak
