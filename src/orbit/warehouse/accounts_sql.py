"""The companies behind a run's people (account view): per company the run's people, their
seniorities and topics, and an account surge — how many of the company's people research the
audience's topics on the run's date against the days before.

Organization scoping happens in metadata before any of these is called.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from orbit.warehouse.audience_sql import AudienceSpec
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.runs_sql import csv_select
from orbit.warehouse.statement import Params

Sort = Literal["people", "surge"]
ORDER = {
    "people": "people DESC, surge_score DESC, best_score DESC, name, company_id",
    "surge": "surge_score DESC, people DESC, best_score DESC, name, company_id",
}


@dataclass(frozen=True, slots=True)
class Window:
    """The run's date and how many loaded days of the seven before it the baseline averages."""

    day: date
    low: date
    previous_days: int


def _ranked_sql(p: Params, *, run_id: str, attempt: int, spec: AudienceSpec, window: Window, sort: Sort) -> str:
    """Every account of the run, ranked: one row per company of the run's people (by the
    company the person belongs to now; people without one are left out)."""
    run, att = p.add(run_id, "String"), p.add(attempt, "UInt16")
    day, low = p.add(window.day, "Date"), p.add(window.low, "Date")
    topics = p.add(list(spec.topic_ids), "Array(UInt32)")
    lo, hi = p.add(spec.min_score, "UInt8"), p.add(spec.max_score, "UInt8")
    prev = p.add(window.previous_days, "UInt8")
    members = (
        "SELECT p.company_id AS company_id, count() AS people, max(r.score) AS best_score, "
        "round(avg(r.score), 2) AS avg_score, any(r.company_name) AS name, any(r.company_domain) AS domain, "
        "any(r.company_industry) AS industry, any(r.company_size) AS size, "
        "any(r.company_employee_count) AS employee_count, any(r.company_revenue_range) AS revenue_range, "
        "any(r.company_city) AS city, any(r.company_state) AS state, any(r.company_country) AS country, "
        "sumMap([toString(r.seniority)], [toUInt64(1)]) AS seniorities, "
        "sumMap(r.topic_ids, arrayMap(x -> toUInt64(1), r.topic_ids)) AS topics "
        "FROM run_results AS r INNER JOIN persons AS p ON p.person_id = r.person_id "
        f"WHERE r.run_id = {run} AND r.attempt = {att} AND p.company_id != 0 "
        "GROUP BY company_id"
    )
    # Distinct researchers per day, summed: uniqExact over (day, person) pairs.
    activity = (
        "SELECT e.company_id AS company_id, uniqExactIf(s.person_id, s.data_date = " + day + ") AS today, "
        "uniqExact((s.data_date, s.person_id)) - today AS previous "
        "FROM signals AS s INNER JOIN (SELECT person_id, company_id FROM persons "
        "WHERE company_id IN (SELECT company_id FROM members)) AS e ON e.person_id = s.person_id "
        f"WHERE s.data_date BETWEEN {low} AND {day} AND s.topic_id IN {topics} AND s.score BETWEEN {lo} AND {hi} "
        "GROUP BY company_id"
    )
    # 50: as many researchers as the average day before; 100: none before; 0 would be none today.
    surge = (f"if({prev} = 0, NULL, toUInt8(round(50 * (1 + (a.today - a.previous / {prev}) "
             f"/ greatest(a.today + a.previous / {prev}, 1)))))")
    return (
        f"WITH members AS ({members}), activity AS ({activity}) "
        f"SELECT row_number() OVER (ORDER BY {ORDER[sort]}) AS rank, * FROM ("
        "SELECT m.company_id AS company_id, m.people AS people, m.best_score AS best_score, m.avg_score AS avg_score, "
        "m.name AS name, m.domain AS domain, m.industry AS industry, m.size AS size, "
        "m.employee_count AS employee_count, m.revenue_range AS revenue_range, m.city AS city, m.state AS state, "
        "m.country AS country, m.seniorities.1 AS seniority_values, m.seniorities.2 AS seniority_counts, "
        "m.topics.1 AS topic_ids, m.topics.2 AS topic_counts, a.today AS researching_today, "
        f"if({prev} = 0, NULL, round(a.previous / {prev}, 2)) AS researching_before, {surge} AS surge_score "
        "FROM members AS m LEFT JOIN activity AS a ON a.company_id = m.company_id)"
    )


def page(wh: Warehouse, *, run_id: str, attempt: int, spec: AudienceSpec, window: Window, sort: Sort,
         limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    """One page of ranked accounts and how many there are."""
    p = Params()
    ranked = _ranked_sql(p, run_id=run_id, attempt=attempt, spec=spec, window=window, sort=sort)
    first, last = p.add(offset, "UInt32"), p.add(offset + limit, "UInt32")
    rows = wh.query(p.statement(
        f"SELECT * FROM (SELECT *, count() OVER () AS total FROM ({ranked})) "
        f"WHERE rank > {first} AND rank <= {last} ORDER BY rank"
    )).to_pylist()
    if rows:
        return rows, int(rows[0]["total"])
    return [], count(wh, run_id=run_id, attempt=attempt, spec=spec, window=window)


def count(wh: Warehouse, *, run_id: str, attempt: int, spec: AudienceSpec, window: Window) -> int:
    p = Params()
    ranked = _ranked_sql(p, run_id=run_id, attempt=attempt, spec=spec, window=window, sort="people")
    return int(wh.query(p.statement(f"SELECT count() AS n FROM ({ranked})")).to_pylist()[0]["n"])


def _pairs(keys: str, counts: str) -> str:
    return f"arrayStringConcat(arrayMap((k, v) -> concat(toString(k), ':', toString(v)), {keys}, {counts}), '|')"


# accounts.csv: columns in a fixed, documented order (docs/runs.md), escaped like export.csv.
CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank", "toString(rank)"), ("companyId", "toString(company_id)"), ("name", "name"), ("domain", "domain"),
    ("industry", "industry"), ("size", "size"),
    ("employeeCount", "if(employee_count = 0, '', toString(employee_count))"), ("revenueRange", "revenue_range"),
    ("city", "city"), ("state", "state"), ("country", "country"), ("people", "toString(people)"),
    ("bestScore", "toString(best_score)"), ("avgScore", "toString(avg_score)"),
    ("seniorities", _pairs("seniority_values", "seniority_counts")), ("topics", _pairs("topic_ids", "topic_counts")),
    ("researchingToday", "ifNull(toString(researching_today), '')"),
    ("researchingBefore", "ifNull(toString(researching_before), '')"),
    ("surgeScore", "ifNull(toString(surge_score), '')"),
)


def csv_stream(wh: Warehouse, *, run_id: str, attempt: int, spec: AudienceSpec, window: Window,
               sort: Sort) -> Iterator[bytes]:
    """Every account as CSV rows (no header), in rank order, escaped by the export's rule."""
    p = Params()
    ranked = _ranked_sql(p, run_id=run_id, attempt=attempt, spec=spec, window=window, sort=sort)
    yield from wh.stream_bytes(p.statement(csv_select(f"({ranked})", columns=CSV_COLUMNS)), fmt="CSV")


def header(extra: Sequence[str] = ()) -> bytes:
    return (",".join([*(name for name, _ in CSV_COLUMNS), *extra]) + "\r\n").encode()
