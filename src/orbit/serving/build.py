"""Build a serving index from the warehouse.

Two parts with different lives: the base (people, companies, the profile file) changes only
when persons or companies are re-loaded; the postings change with every day. A new day rebuilds
only the postings. Reads run on the INGEST profile in bounded pieces (postings ~4M rows, people
250k at a time), so a build never holds a whole table's Arrow result next to its arrays, and
other statements get the engine between the pieces.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from orbit.serving.index import (
    Base,
    Column,
    Companies,
    IndexKey,
    People,
    Postings,
    ServingIndex,
    breakdown_groups,
    column,
)
from orbit.warehouse import serving_sql
from orbit.warehouse.audience_sql import BREAKDOWNS, COMPANY_COLUMNS, FLAGS, PERSON_COLUMNS
from orbit.warehouse.backend import Warehouse

log = logging.getLogger("orbit.serving")

POSTINGS_PER_READ = 4_000_000
PEOPLE_PER_READ = 250_000
PROFILE_PREFIX = "profiles-"
# Bytes held in memory per item, for the estimate checked against the budget before a build.
BYTES_PER_SIGNAL = 5  # uint32 person row + uint8 score
BYTES_PER_PERSON = 4 + 4 + 4 + 2 + len(PERSON_COLUMNS) * 2 + len(FLAGS)  # ids, company row, codes, flags
BYTES_PER_COMPANY = 220  # codes plus the dictionaries of names, domains and URLs (measured)


def estimate_bytes(persons: int, companies: int, signals: int) -> int:
    """What an index of this size holds in memory (the profile file is memory-mapped, apart)."""
    return signals * BYTES_PER_SIGNAL + persons * BYTES_PER_PERSON + companies * BYTES_PER_COMPANY


def _lookup(sorted_ids: npt.NDArray[np.uint32], ids: npt.NDArray[np.integer]) -> npt.NDArray[np.int32]:
    """Position of each id in `sorted_ids`, -1 where it is absent."""
    if len(sorted_ids) == 0:
        return np.full(len(ids), -1, dtype=np.int32)
    top = int(sorted_ids[-1])
    if top <= 4 * len(sorted_ids) + 1024:  # dense ids (the usual case): one gather, no search
        table = np.full(top + 2, -1, dtype=np.int32)
        table[sorted_ids] = np.arange(len(sorted_ids), dtype=np.int32)
        found: npt.NDArray[np.int32] = table[np.minimum(ids, top + 1)]
        return found
    pos = np.searchsorted(sorted_ids, ids)
    pos[pos >= len(sorted_ids)] = 0
    found = sorted_ids[pos] == ids
    return np.where(found, pos, -1).astype(np.int32)


def _text(wh: Warehouse, values: pa.ChunkedArray, level: str, name: str, kind: str) -> Column:
    # Only filterable text columns are ever lower-cased (Terms); the engine decides non-ASCII.
    special = serving_sql.engine_lowered(wh, level, name) if kind == "String" else None
    return column(values, special)


def _companies(wh: Warehouse) -> Companies:
    table = serving_sql.companies(wh)
    ids = table.column("company_id").to_numpy().astype(np.uint32)
    columns = {name: _text(wh, table.column(name), "company", name, kind)
               for name, kind in COMPANY_COLUMNS.items() if kind == "String"}
    for name in table.column_names:
        if name.startswith("profile_"):
            columns[name.removeprefix("profile_")] = column(table.column(name), filterable=False)
    return Companies(ids, columns, table.column("employee_count").to_numpy().astype(np.uint32))


def _numpy(table: pa.Table, name: str, dtype: type[np.generic]) -> npt.NDArray:  # type: ignore[type-arg]
    return np.asarray(table.column(name).to_numpy(), dtype=dtype)


def build_base(wh: Warehouse, catalog_version: int, directory: Path | None) -> Base:
    """People and companies; the wide profile columns go to a file in `directory` (memory-mapped
    back), or stay in memory without one."""
    started = time.perf_counter()
    companies = _companies(wh)
    low, high, _ = serving_sql.person_id_range(wh)
    chunks: list[pa.Table] = []  # narrow attribute columns, concatenated at the end
    profile_parts: list[pa.Table] = []
    path: Path | None = None
    writer: pa.ipc.RecordBatchFileWriter | None = None
    tmp: Path | None = None
    try:
        for batch in serving_sql.people_batches(wh, low=low, high=high, ids_per_batch=PEOPLE_PER_READ):
            names = [n for n in batch.column_names if n.startswith("profile_")]
            # One record batch per read: the engine's ~3k-row batches would make every lookup
            # walk hundreds of them.
            profile = batch.select(names).rename_columns([n.removeprefix("profile_") for n in names]).combine_chunks()
            chunks.append(batch.drop_columns(names))  # the first, even empty, carries the columns
            if batch.num_rows == 0:
                continue
            if directory is None:
                profile_parts.append(profile)
                continue
            if writer is None:
                directory.mkdir(parents=True, exist_ok=True)
                path = directory / f"{PROFILE_PREFIX}{os.getpid()}-{catalog_version}-{uuid.uuid4().hex[:8]}.arrow"
                tmp = path.with_suffix(".tmp")
                writer = pa.ipc.new_file(str(tmp), profile.schema)
            writer.write_table(profile)
        if writer is not None:
            writer.close()
            writer = None
            assert tmp is not None and path is not None
            os.replace(tmp, path)
    finally:
        if writer is not None:
            writer.close()
        if tmp is not None and tmp.exists():
            tmp.unlink()
    if path is not None:
        profile_table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
    elif profile_parts:
        profile_table = pa.concat_tables(profile_parts)
    else:
        profile_table = pa.table({name: pa.array([], pa.string()) for name in serving_sql.PERSON_PROFILE_COLUMNS})
    narrow = pa.concat_tables(chunks)
    ids = _numpy(narrow, "person_id", np.uint32)
    if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
        raise ValueError("persons.person_id is not unique")
    company_ids = _numpy(narrow, "company_id", np.uint32)
    people = People(
        ids=ids,
        columns={name: _text(wh, narrow.column(name), "person", name, kind) for name, kind in PERSON_COLUMNS.items()},
        flags={name: _numpy(narrow, f"flag_{name}", np.bool_) for name in FLAGS},
        company_row=_lookup(companies.ids, company_ids), company_ids=company_ids,
        b2b=_numpy(narrow, "is_b2b", np.uint8), b2c=_numpy(narrow, "is_b2c", np.uint8),
        profile=profile_table,
    )
    if people.profile.num_rows != len(ids):
        raise RuntimeError("persons changed while the serving index was built")
    return Base(catalog_version, people, companies, str(path) if path else None, time.perf_counter() - started,
                breakdown_groups(people, companies, BREAKDOWNS))


def build_postings(wh: Warehouse, day: date, people: People) -> tuple[Postings, int]:
    """The day's postings and how many signals were dropped (people missing from persons)."""
    counts = serving_sql.topic_counts(wh, day)
    topic_ids = counts.column("topic_id").to_numpy().astype(np.uint32)
    sizes = counts.column("n").to_numpy().astype(np.int64)
    starts = np.zeros(len(topic_ids) + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    total = int(starts[-1])
    rows = np.empty(total, dtype=np.uint32)
    scores = np.empty(total, dtype=np.uint8)
    keep = np.ones(total, dtype=np.bool_)
    i = 0
    while i < len(topic_ids):
        j = i + 1  # topics i..j-1 in one read of about POSTINGS_PER_READ rows
        while j < len(topic_ids) and starts[j + 1] - starts[i] <= POSTINGS_PER_READ:
            j += 1
        part = serving_sql.postings(wh, day, low=int(topic_ids[i]), high=int(topic_ids[j - 1]))
        a, b = int(starts[i]), int(starts[j])
        if part.num_rows != b - a:
            raise RuntimeError(f"signals of {day} changed while the serving index was built")
        found = _lookup(people.ids, part.column("person_id").to_numpy())
        keep[a:b] = found >= 0
        rows[a:b] = found.astype(np.uint32)
        scores[a:b] = part.column("score").to_numpy()
        i = j
    dropped = int(total - np.count_nonzero(keep))
    if dropped:  # people missing from persons: counts never include them (supports() knows)
        sizes = np.add.reduceat(keep.astype(np.int64), starts[:-1])
        np.cumsum(sizes, out=starts[1:])
        rows, scores = rows[keep], scores[keep]
    return Postings(topic_ids, starts, rows, scores), dropped


def build(wh: Warehouse, key: IndexKey, *, base: Base | None = None, directory: Path | None = None,
          answer_cache_entries: int = 512) -> ServingIndex:
    """The index of `key`, reusing `base` when it is of the same catalogue version."""
    if base is None or base.catalog_version != key.catalog_version:
        base = build_base(wh, key.catalog_version, directory)
    started = time.perf_counter()
    postings, dropped = build_postings(wh, key.data_date, base.people)
    index = ServingIndex(key, base, postings, build_seconds=time.perf_counter() - started, dropped_signals=dropped,
                         answer_cache_entries=answer_cache_entries)
    log.info("serving index of %s: base %.1f s, postings %.1f s; %d people, %d signals, %.0f MB in memory",
             key.data_date, base.build_seconds, index.build_seconds, len(base.people.ids), len(postings.rows),
             index.nbytes / 1e6)
    return index


def remove_profile_files(directory: Path, *, keep: set[str]) -> None:
    """Delete profile files of this process not in `keep`, and those of processes that are gone
    (a mapping stays valid after its file is unlinked, so in-flight readers are unaffected)."""
    if not directory.is_dir():
        return
    for path in directory.glob(f"{PROFILE_PREFIX}*"):
        if str(path) in keep:
            continue
        pid_text = path.name.removeprefix(PROFILE_PREFIX).split("-", 1)[0]
        mine = pid_text == str(os.getpid())
        if mine or not (pid_text.isdigit() and _alive(int(pid_text))):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
