"""Writes a whole synthetic data set (topics, companies, persons, daily signals) as Parquet."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from orbit.datagen import files, identity, signals, taxonomy

Progress = Callable[[str, int, int], None]  # (step, done, total)


@dataclass(frozen=True, slots=True)
class GenerateReport:
    out: Path
    topics: int
    companies: int
    persons: int
    signal_rows: dict[str, int]


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write through a temporary name so a crash never leaves a half file under the real one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd", row_group_size=1_000_000)
    os.replace(tmp, path)


def date_range(end: date, days: int) -> list[date]:
    return [end - timedelta(days=days - 1 - i) for i in range(days)]


def generate(
    out: Path,
    *,
    seed: int,
    scale: float,
    days: int,
    end_date: date,
    topics_file: Path | None = None,
    progress: Progress | None = None,
) -> GenerateReport:
    """Generate every file of a data set into `out`; the same arguments give identical files.

    With `topics_file`, signals are drawn over that taxonomy instead of the built-in one
    (raises ValueError naming the bad row when the file is invalid).
    """
    step = progress or (lambda _s, _d, _t: None)
    dates = date_range(end_date, days)
    total = 4 + len(dates)
    step("topics", 0, total)
    topic_records = taxonomy.load_topics_file(topics_file) if topics_file else taxonomy.build_topics()
    topics = taxonomy.topics_table(topic_records)
    write_parquet(topics, out / files.TOPICS)
    step("companies", 1, total)
    companies = identity.build_companies(seed, scale)
    write_parquet(companies, out / files.COMPANIES)
    step("persons", 2, total)
    persons = identity.build_persons(seed, scale, companies)
    write_parquet(persons, out / files.PERSONS)
    step("interests", 3, total)
    interests = signals.build_interests(
        seed,
        persons.column("is_b2b").to_numpy(),
        np.array([t.topic_id for t in topic_records], dtype=np.uint32),
        np.array([t.type == "b2b" for t in topic_records]),
        # Topics of one industry and category (CRM, sales forecasting, sales dialers) co-occur.
        np.unique([f"{t.industry}\x1f{t.category}" for t in topic_records], return_inverse=True)[1],
    )
    rows: dict[str, int] = {}
    for i, day in enumerate(dates):
        step(f"signals {day.isoformat()}", 4 + i, total)
        table = signals.build_day(seed, interests, day)
        write_parquet(table, files.signal_file(out, day))
        rows[day.isoformat()] = table.num_rows
    manifest = {
        "seed": seed,
        "scale": scale,
        "days": days,
        "end_date": end_date.isoformat(),
        "topics": topics.num_rows,
        "companies": companies.num_rows,
        "persons": persons.num_rows,
        "signal_rows": rows,
    }
    (out / files.MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    step("done", total, total)
    return GenerateReport(out, topics.num_rows, companies.num_rows, persons.num_rows, rows)
