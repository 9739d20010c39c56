"""The ICP filter catalogue: every catalogue column's values with the number of people having
each, built from the warehouse at ingest (stage → swap), read by the audience builder."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Profile, Statement

# Catalogue sources: "<table>.<column>" for enumerable profile columns. Company columns count the
# people who work at companies with that value. Only these names ever reach SQL as identifiers.
PERSON_SOURCES = ("seniority", "department", "state", "country", "age_range", "gender")
COMPANY_SOURCES = ("industry", "industry_group", "size_range", "revenue_range", "state", "country")

_PERSON_PART = (
    "SELECT 'persons.{col}' AS source, {col} AS value, count() AS people "
    "FROM persons WHERE {col} != '' GROUP BY value"
)
_COMPANY_PART = (
    "SELECT 'companies.{col}' AS source, c.{col} AS value, count() AS people "
    "FROM persons AS p INNER JOIN companies AS c ON c.company_id = p.company_id "
    "WHERE c.{col} != '' GROUP BY value"
)
BUILD_CATALOG = (
    "INSERT INTO filter_catalog_stage (source, value, people, build_id, built_at) "
    "SELECT source, value, people, {build_id:String}, now() FROM ("
    + " UNION ALL ".join(
        [_PERSON_PART.format(col=c) for c in PERSON_SOURCES]
        + [_COMPANY_PART.format(col=c) for c in COMPANY_SOURCES]
    )
    + ")"
)
READ_CATALOG = "SELECT source, value, people, build_id, built_at FROM filter_catalog ORDER BY source, people DESC, value"
EMPLOYEE_RANGE = "SELECT min(employee_count) AS lo, max(employee_count) AS hi FROM companies WHERE employee_count > 0"


@dataclass(frozen=True, slots=True)
class CatalogValue:
    value: str
    people: int


@dataclass(frozen=True, slots=True)
class CatalogBuild:
    build_id: str | None
    built_at: datetime | None
    values: dict[str, list[CatalogValue]]  # source -> values, most people first
    employee_range: tuple[int, int] | None


def rebuild(wh: Warehouse) -> str:
    """Recompute the catalogue from persons and companies and swap it in; returns the build id."""
    build_id = uuid.uuid4().hex
    wh.command(Statement("DROP TABLE IF EXISTS filter_catalog_stage SYNC"), profile=Profile.INGEST)
    wh.command(Statement("CREATE TABLE filter_catalog_stage AS filter_catalog"), profile=Profile.INGEST)
    try:
        wh.command(Statement(BUILD_CATALOG, {"build_id": build_id}), profile=Profile.INGEST)
        wh.command(Statement("EXCHANGE TABLES filter_catalog AND filter_catalog_stage"), profile=Profile.INGEST)
    finally:
        wh.command(Statement("DROP TABLE IF EXISTS filter_catalog_stage SYNC"), profile=Profile.INGEST)
    return build_id


def read(wh: Warehouse) -> CatalogBuild:
    rows = wh.query(Statement(READ_CATALOG)).to_pylist()
    values: dict[str, list[CatalogValue]] = {}
    for r in rows:
        values.setdefault(r["source"], []).append(CatalogValue(r["value"], int(r["people"])))
    bounds = wh.query(Statement(EMPLOYEE_RANGE)).to_pylist()
    lo, hi = (bounds[0]["lo"], bounds[0]["hi"]) if bounds else (0, 0)
    built = rows[0]["built_at"] if rows else None
    if isinstance(built, int):  # chDB hands DateTime to Arrow as epoch seconds
        built = datetime.fromtimestamp(built, UTC)
    elif isinstance(built, datetime) and built.tzinfo is None:
        built = built.replace(tzinfo=UTC)
    return CatalogBuild(
        build_id=rows[0]["build_id"] if rows else None,
        built_at=built,
        values=values,
        employee_range=(int(lo), int(hi)) if hi else None,
    )
