"""Atomic loads: stage → check → swap, so readers never see half a table or half a day.

A failed load drops its staging table and leaves the live tables exactly as they were; a killed
one leaves its staging tables, which `drop_stage_tables` removes. A day's signals and stats are
two swaps: the caller marks the day not ready in metadata around them (datasets.service).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orbit.warehouse.backend import Warehouse, WarehouseQueryError
from orbit.warehouse.statement import Profile, Statement, quote_identifier

DIMENSION_COLUMNS: dict[str, tuple[str, ...]] = {
    "topics": ("topic_id", "name", "type", "industry", "category", "description", "keywords"),
    "companies": (
        "company_id", "name", "domain", "industry", "industry_group", "size_range",
        "employee_count", "revenue_range", "city", "state", "country", "linkedin_url", "naics", "sic",
    ),
    "persons": (
        "person_id", "hashed_email", "business_email", "personal_email", "first_name",
        "last_name", "phone", "linkedin_url", "headline", "job_title", "seniority",
        "department", "age_range", "gender", "city", "state", "zip", "country", "is_b2b",
        "is_b2c", "company_id",
    ),
}
DIMENSION_KEYS = {"topics": "topic_id", "companies": "company_id", "persons": "person_id"}
SIGNAL_COLUMNS = ("data_date", "topic_id", "score", "person_id", "signal_count")

# Checks on a staged dimension: a problem query returns one row per problem found.
DIMENSION_CHECKS: dict[str, list[tuple[str, str]]] = {
    "topics": [
        ("topic_id", "SELECT count() - uniqExact(topic_id) FROM topics_stage"),
        ("topic_id", "SELECT countIf(topic_id = 0) FROM topics_stage"),
        ("name", "SELECT countIf(empty(trimBoth(name))) FROM topics_stage"),
        ("type", "SELECT countIf(type NOT IN ('b2b', 'b2c')) FROM topics_stage"),
    ],
    "companies": [
        ("company_id", "SELECT count() - uniqExact(company_id) FROM companies_stage"),
        ("company_id", "SELECT countIf(company_id = 0) FROM companies_stage"),
    ],
    "persons": [
        ("person_id", "SELECT count() - uniqExact(person_id) FROM persons_stage"),
        ("person_id", "SELECT countIf(person_id = 0) FROM persons_stage"),
        ("hashed_email", "SELECT countIf(NOT match(hashed_email, '^[0-9a-f]{64}$')) FROM persons_stage"),
    ],
}

SIGNAL_CHECKS: list[tuple[str, str]] = [
    ("data_date", "SELECT countIf(data_date != {day:Date}) FROM signals_stage"),
    ("score", "SELECT countIf(score > 99) FROM signals_stage"),
    (
        "topic_id",
        "SELECT count() FROM signals_stage WHERE topic_id NOT IN (SELECT topic_id FROM topics)",
    ),
    (
        "person_id",
        "SELECT count() FROM signals_stage WHERE person_id NOT IN (SELECT person_id FROM persons)",
    ),
]

# Daily topic stats: bands follow Orbit's score meaning (90+ high, 70-89 medium, 60-69 low).
BUILD_DAILY_STATS = """
INSERT INTO topic_daily_stats_stage
SELECT data_date, topic_id,
       uniqExact(person_id), sum(signal_count), avg(score),
       uniqExactIf(person_id, score >= 90),
       uniqExactIf(person_id, score BETWEEN 70 AND 89),
       uniqExactIf(person_id, score BETWEEN 60 AND 69)
FROM signals_stage
GROUP BY data_date, topic_id
"""


@dataclass(frozen=True, slots=True)
class LoadProblem(Exception):
    """A staged file failed a check; nothing was swapped in."""

    field: str
    message: str


def _drop(wh: Warehouse, table: str) -> None:
    # SYNC frees the disk now; Atomic databases otherwise keep dropped tables for 8 minutes.
    wh.command(Statement(f"DROP TABLE IF EXISTS {quote_identifier(table)} SYNC"), profile=Profile.INGEST)


def _stage(wh: Warehouse, table: str) -> str:
    stage = f"{table}_stage"
    _drop(wh, stage)
    wh.command(
        Statement(f"CREATE TABLE {quote_identifier(stage)} AS {quote_identifier(table)}"),
        profile=Profile.INGEST,
    )
    return stage


def _scalar(wh: Warehouse, stmt: Statement) -> int:
    table = wh.query(stmt, profile=Profile.INGEST)
    return int(table.column(0)[0].as_py())


def _fill(wh: Warehouse, stage: str, columns: tuple[str, ...], path: Path) -> int:
    try:
        wh.load_parquet(stage, columns, path)
    except WarehouseQueryError as exc:
        raise LoadProblem("file", f"{path.name} could not be read: {_first_line(exc)}") from exc
    rows = _scalar(wh, Statement(f"SELECT count() FROM {quote_identifier(stage)}"))
    if rows == 0:
        raise LoadProblem("file", f"{path.name} holds no rows")
    return rows


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:300]


def load_dimension(wh: Warehouse, kind: str, path: Path) -> int:
    """Replace the whole `kind` table with the file's rows; returns the row count.

    Raises LoadProblem (and leaves the live table untouched) when the file is unreadable,
    empty, or fails a check.
    """
    columns = DIMENSION_COLUMNS[kind]
    stage = _stage(wh, kind)
    try:
        rows = _fill(wh, stage, columns, path)
        for field, sql in DIMENSION_CHECKS[kind]:
            bad = _scalar(wh, Statement(sql))
            if bad:
                raise LoadProblem(field, f"{path.name}: {bad} rows have an invalid {field}")
        # EXCHANGE is atomic on Atomic databases: readers see the old or the new table.
        wh.command(
            Statement(f"EXCHANGE TABLES {quote_identifier(kind)} AND {quote_identifier(stage)}"),
            profile=Profile.INGEST,
        )
        return rows
    finally:
        _drop(wh, stage)


def stage_signals_day(wh: Warehouse, day: date, path: Path) -> int:
    """Stage one day of signals and its daily topic stats, checked; returns the signal row count.

    Nothing live changes. Raises LoadProblem (stages dropped) when the file is unreadable, empty,
    or holds rows of another day, unknown topics or people. Follow with `swap_signals_day`, and
    `drop_signals_stage` in any case.
    """
    stage = _stage(wh, "signals")
    _stage(wh, "topic_daily_stats")
    try:
        rows = _fill(wh, stage, SIGNAL_COLUMNS, path)
        for field, sql in SIGNAL_CHECKS:
            params = {"day": day} if "{day:Date}" in sql else {}
            bad = _scalar(wh, Statement(sql, params))
            if bad:
                raise LoadProblem(field, f"{path.name}: {bad} rows have an invalid {field}")
        wh.command(Statement(BUILD_DAILY_STATS), profile=Profile.INGEST)
        return rows
    except BaseException:
        drop_signals_stage(wh)
        raise


SWAP_SIGNALS_DAY = "ALTER TABLE signals REPLACE PARTITION {day:Date} FROM signals_stage"
SWAP_DAILY_STATS_DAY = "ALTER TABLE topic_daily_stats REPLACE PARTITION {day:Date} FROM topic_daily_stats_stage"


def swap_signals_day(wh: Warehouse, day: date) -> None:
    """Replace the day's signals, then its stats, with the staged ones.

    Each REPLACE PARTITION is atomic (never half a day, never two copies), but ClickHouse has no
    statement that swaps two tables' partitions together: between the two, or after a crash
    there, the day's signals and stats disagree. Call it only while the day is marked not ready.
    """
    wh.command(Statement(SWAP_SIGNALS_DAY, {"day": day}), profile=Profile.INGEST)
    wh.command(Statement(SWAP_DAILY_STATS_DAY, {"day": day}), profile=Profile.INGEST)


def drop_signals_stage(wh: Warehouse) -> None:
    _drop(wh, "signals_stage")
    _drop(wh, "topic_daily_stats_stage")


def drop_signals_day(wh: Warehouse, day: date) -> None:
    """Remove one day of signals and stats (a day whose load failed or was interrupted); a day
    that is not there is no error."""
    for table in ("signals", "topic_daily_stats"):
        wh.command(
            Statement(f"ALTER TABLE {quote_identifier(table)} DROP PARTITION {{day:Date}}", {"day": day}),
            profile=Profile.INGEST,
        )


# Every staging table a load (or the filter catalogue's rebuild, orbit.warehouse.catalog) creates.
STAGE_TABLES = (
    "topics_stage", "companies_stage", "persons_stage", "signals_stage", "topic_daily_stats_stage",
    "filter_catalog_stage",
)
EXISTING_STAGE_TABLES = (
    "SELECT name FROM system.tables WHERE database = {database:String} AND name IN {names:Array(String)} ORDER BY name"
)
LOADED_DATES = "SELECT DISTINCT data_date FROM topic_daily_stats ORDER BY data_date"
TABLE_SIZES = """
SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes
FROM system.parts
WHERE database = {database:String} AND active
GROUP BY table ORDER BY table
"""


def stage_tables(wh: Warehouse) -> list[str]:
    """Staging tables present now: while no load runs, leftovers of an interrupted one."""
    stmt = Statement(EXISTING_STAGE_TABLES, {"database": wh.database, "names": list(STAGE_TABLES)})
    return [r["name"] for r in wh.query(stmt, profile=Profile.INGEST).to_pylist()]


def drop_stage_tables(wh: Warehouse) -> list[str]:
    """Drop every staging table present; returns their names. Only while no load runs: a load
    in progress elsewhere (ClickHouse server backend) would lose its stage and fail."""
    found = stage_tables(wh)
    for table in found:
        _drop(wh, table)
    return found


def loaded_dates(wh: Warehouse) -> list[date]:
    return [r["data_date"] for r in wh.query(Statement(LOADED_DATES)).to_pylist()]


def table_sizes(wh: Warehouse) -> dict[str, tuple[int, int]]:
    """Rows and bytes on disk per table of our database."""
    rows = wh.query(Statement(TABLE_SIZES, {"database": wh.database})).to_pylist()
    return {r["table"]: (int(r["rows"]), int(r["bytes"])) for r in rows}
