"""What the in-memory serving index reads from the warehouse (orbit.serving builds it).

Everything comes out as Arrow in the engine's own order; the flag expressions and lower-casing
are evaluated by the engine, so the index answers exactly what the SQL path would.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pyarrow as pa

from orbit.warehouse.audience_sql import COMPANY_COLUMNS, FLAGS, PERSON_COLUMNS
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Profile, Statement, quote_identifier

TABLES = {"person": "persons", "company": "companies"}

# Person profile columns kept in the serving index's profile file (the rest of a sample row comes
# from the attribute columns and the companies).
PERSON_PROFILE_COLUMNS: dict[str, str] = {
    "hashed_email": "toString(hashed_email)", "first_name": "first_name", "last_name": "last_name",
    "business_email": "business_email", "personal_email": "personal_email", "phone": "phone",
    "linkedin_url": "linkedin_url", "headline": "headline",
}
PEOPLE = (
    "SELECT person_id, company_id, is_b2b, is_b2c, "
    + ", ".join(PERSON_COLUMNS)
    + ", "
    + ", ".join(f"toUInt8({expr}) AS flag_{name}" for name, expr in FLAGS.items())
    + ", "
    + ", ".join(f"{expr} AS profile_{name}" for name, expr in PERSON_PROFILE_COLUMNS.items())
    + " FROM persons WHERE person_id BETWEEN {low:UInt32} AND {high:UInt32} ORDER BY person_id"
)
PERSON_ID_RANGE = "SELECT min(person_id) AS low, max(person_id) AS high, count() AS n FROM persons"
# Companies: filter columns and the profile columns of sample rows (aliases as in PROFILES).
COMPANIES = (
    "SELECT company_id, " + ", ".join(COMPANY_COLUMNS)
    + ", city AS profile_city, linkedin_url AS profile_linkedin_url, naics AS profile_naics, sic AS profile_sic"
    " FROM companies ORDER BY company_id"
)
SIZES = (
    "SELECT (SELECT count() FROM persons) AS persons, (SELECT count() FROM companies) AS companies, "
    "(SELECT count() FROM signals WHERE data_date = {day:Date}) AS signals"
)
TOPIC_COUNTS = (
    "SELECT topic_id, count() AS n FROM signals WHERE data_date = {day:Date} GROUP BY topic_id ORDER BY topic_id"
)
POSTINGS = (
    "SELECT topic_id, score, person_id FROM signals "
    "WHERE data_date = {day:Date} AND topic_id BETWEEN {low:UInt32} AND {high:UInt32} "
    "ORDER BY topic_id, score, person_id"
)
def sizes(wh: Warehouse, day: date) -> tuple[int, int, int]:
    """(persons, companies, signal rows on `day`): what an index of that day would hold."""
    row = wh.query(Statement(SIZES, {"day": day})).to_pylist()[0]
    return int(row["persons"]), int(row["companies"]), int(row["signals"])


def person_id_range(wh: Warehouse) -> tuple[int, int, int]:
    """(lowest id, highest id, people)."""
    row = wh.query(Statement(PERSON_ID_RANGE), profile=Profile.INGEST).to_pylist()[0]
    return int(row["low"] or 0), int(row["high"] or 0), int(row["n"])


def people_batches(wh: Warehouse, *, low: int, high: int, ids_per_batch: int) -> Iterator[pa.Table]:
    """Every person's filter attributes, flags and profile columns, by person id, in bounded reads."""
    while low <= high:
        last = min(high, low + ids_per_batch - 1)
        yield wh.query(Statement(PEOPLE, {"low": low, "high": last}), profile=Profile.INGEST)
        low = last + 1


def companies(wh: Warehouse) -> pa.Table:
    return wh.query(Statement(COMPANIES), profile=Profile.INGEST)


def engine_lowered(wh: Warehouse, level: str, column: str) -> dict[str, str]:
    """Values of a text column whose `lowerUTF8` differs from ASCII-only lower-casing (the rest
    lower-case the same in Python: `str.encode().lower()`)."""
    allowed = PERSON_COLUMNS if level == "person" else COMPANY_COLUMNS
    if column not in allowed or allowed[column] != "String":
        raise ValueError(f"{level} column {column!r} is not a text column of the catalogue")
    col = quote_identifier(column)
    sql = (
        f"SELECT DISTINCT {col} AS value, lowerUTF8({col}) AS lowered FROM {TABLES[level]} "
        f"WHERE lowerUTF8({col}) != lower({col})"
    )
    rows = wh.query(Statement(sql), profile=Profile.INGEST).to_pylist()
    return {str(r["value"]): str(r["lowered"]) for r in rows}


def topic_counts(wh: Warehouse, day: date) -> pa.Table:
    return wh.query(Statement(TOPIC_COUNTS, {"day": day}), profile=Profile.INGEST)


def postings(wh: Warehouse, day: date, *, low: int, high: int) -> pa.Table:
    """Signals of topics `low..high` on `day`, by topic, score and person (ascending)."""
    return wh.query(Statement(POSTINGS, {"day": day, "low": low, "high": high}), profile=Profile.INGEST)
