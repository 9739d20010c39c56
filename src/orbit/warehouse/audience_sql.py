"""Audience spec → parameterized ClickHouse SQL. User values are bound slots, never SQL text;
identifiers come only from the allow-lists below.

Ranking happens on the narrow `signals` table first (person, best score, overlap); person and
company predicates are applied through the primary keys; wide profile columns are joined only
for the rows returned (joining them early was 3-5x slower on chDB).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Params, Statement
from orbit.warehouse.suppression_sql import ListRef, suppressed_sql

Level = Literal["person", "company"]
Operator = Literal["contains", "equals", "starts_with"]
Mode = Literal["any", "all"]

# Columns a filter may name, per level, with their ClickHouse types.
PERSON_COLUMNS: dict[str, str] = {
    "seniority": "String", "department": "String", "state": "String", "country": "String",
    "city": "String", "zip": "String", "age_range": "String", "gender": "String", "job_title": "String",
}
COMPANY_COLUMNS: dict[str, str] = {
    "industry": "String", "industry_group": "String", "size_range": "String", "revenue_range": "String",
    "name": "String", "domain": "String", "state": "String", "country": "String", "employee_count": "UInt32",
}
# Boolean person flags: fixed expressions over `persons`.
FLAGS: dict[str, str] = {
    "has_business_email": "business_email != ''",
    "has_personal_email": "personal_email != ''",
    "has_phone": "phone != ''",
    "has_linkedin": "linkedin_url != ''",
    "is_b2b": "is_b2b = 1",
    "is_b2c": "is_b2c = 1",
    "is_decision_maker": "seniority IN ('director', 'vp', 'c_suite', 'owner', 'partner')",
    "is_ceo": "lowerUTF8(job_title) IN ('ceo', 'chief executive officer')",
    "is_vp": "seniority = 'vp'",
    "is_finance": "department = 'finance'",
}


@dataclass(frozen=True, slots=True)
class ValuesIn:
    level: Level
    column: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Flag:
    name: str
    value: bool


@dataclass(frozen=True, slots=True)
class Terms:
    level: Level
    column: str
    terms: tuple[str, ...]  # lower-cased
    operator: Operator
    mode: Mode
    negate: bool = False


@dataclass(frozen=True, slots=True)
class Range:
    level: Level
    column: str
    low: int | None
    high: int | None


Predicate = ValuesIn | Flag | Terms | Range


@dataclass(frozen=True, slots=True)
class AudienceSpec:
    """A normalized audience, ready to compile. Topic ids and values are already validated."""

    data_date: date
    topic_ids: tuple[int, ...]
    min_score: int
    max_score: int
    min_overlap: int
    predicates: tuple[Predicate, ...] = ()
    # Suppression list versions whose people are left out (after every predicate); their
    # versions are part of the spec, so an upload never reuses an answer remembered before it.
    suppression: tuple[ListRef, ...] = ()


def _column(level: Level, column: str) -> str:
    allowed = PERSON_COLUMNS if level == "person" else COMPANY_COLUMNS
    if column not in allowed:
        raise ValueError(f"{level} column {column!r} is not in the catalogue")
    return column


def _terms_sql(p: Params, col: str, t: Terms) -> str:
    terms = p.add(list(t.terms), "Array(String)")
    text = f"lowerUTF8({col})"
    if t.operator == "contains":
        expr = (
            f"multiSearchAnyCaseInsensitiveUTF8({col}, {terms})"
            if t.mode == "any"
            else f"arrayAll(x -> position({text}, x) > 0, {terms})"
        )
    elif t.operator == "equals":
        expr = f"has({terms}, {text})" if t.mode == "any" else f"arrayAll(x -> {text} = x, {terms})"
    else:
        fn = "arrayExists" if t.mode == "any" else "arrayAll"
        expr = f"{fn}(x -> startsWith({text}, x), {terms})"
    return f"NOT ({expr})" if t.negate else expr


def predicate_sql(p: Params, pred: Predicate) -> str:
    if isinstance(pred, Flag):
        if pred.name not in FLAGS:
            raise ValueError(f"flag {pred.name!r} is not in the catalogue")
        return f"({FLAGS[pred.name]})" if pred.value else f"NOT ({FLAGS[pred.name]})"
    col = _column(pred.level, pred.column)
    if isinstance(pred, ValuesIn):
        return f"{col} IN {p.add(list(pred.values), 'Array(String)')}"
    if isinstance(pred, Terms):
        return _terms_sql(p, col, pred)
    ch_type = (PERSON_COLUMNS if pred.level == "person" else COMPANY_COLUMNS)[col]
    parts = []
    if pred.low is not None:
        parts.append(f"{col} >= {p.add(pred.low, ch_type)}")
    if pred.high is not None:
        parts.append(f"{col} <= {p.add(pred.high, ch_type)}")
    return " AND ".join(parts) or "1"


def people_filter_sql(p: Params, predicates: Sequence[Predicate]) -> str | None:
    """`SELECT person_id FROM persons WHERE …` for the ICP predicates, or None without any.

    AND across predicates; company predicates go through `company_id` (people without a company
    never match them).
    """
    person = [predicate_sql(p, x) for x in predicates if isinstance(x, Flag) or x.level == "person"]
    company = [predicate_sql(p, x) for x in predicates if not isinstance(x, Flag) and x.level == "company"]
    if company:
        person.append(f"company_id IN (SELECT company_id FROM companies WHERE {' AND '.join(company)})")
    if not person:
        return None
    return f"SELECT person_id FROM persons WHERE {' AND '.join(person)}"


def matched_sql(p: Params, spec: AudienceSpec, *, with_topics: bool) -> str:
    """People with at least `min_overlap` of the topics scored in range on the data date."""
    # Matched topics, strongest first (the first is the G2 "primary" topic).
    topics = (
        ", arrayMap(x -> x.1, arraySort(x -> (-toInt16(x.2), x.1), groupArray((topic_id, score)))) AS topics"
        if with_topics
        else ""
    )
    return (
        "SELECT person_id, max(score) AS best_score, uniqExact(topic_id) AS overlap" + topics + " "
        f"FROM signals WHERE data_date = {p.add(spec.data_date, 'Date')} "
        f"AND topic_id IN {p.add(list(spec.topic_ids), 'Array(UInt32)')} "
        f"AND score BETWEEN {p.add(spec.min_score, 'UInt8')} AND {p.add(spec.max_score, 'UInt8')} "
        f"GROUP BY person_id HAVING overlap >= {p.add(spec.min_overlap, 'UInt16')}"
    )


def selected_sql(p: Params, spec: AudienceSpec, *, with_topics: bool = False) -> str:
    matched = matched_sql(p, spec, with_topics=with_topics)
    people = people_filter_sql(p, spec.predicates)
    suppressed = suppressed_sql(p, spec.suppression)
    where = [f"person_id IN ({people})"] if people is not None else []
    if suppressed is not None:
        where.append(f"person_id NOT IN ({suppressed})")
    if not where:
        return matched
    return f"SELECT * FROM ({matched}) WHERE {' AND '.join(where)}"


# Breakdown dimensions: name -> (table alias, column). Counted in one pass with sumMap.
BREAKDOWNS: dict[str, tuple[str, str]] = {
    "industries": ("c", "industry"),
    "seniorities": ("p", "seniority"),
    "departments": ("p", "department"),
    "revenueRanges": ("c", "revenue_range"),
    "companySizes": ("c", "size_range"),
    "states": ("p", "state"),
}


def count_and_breakdowns_statement(spec: AudienceSpec) -> Statement:
    p = Params()
    maps = ", ".join(
        f"sumMap(map({alias}.{col}, toUInt64(1))) AS {name}" for name, (alias, col) in BREAKDOWNS.items()
    )
    sql = (
        f"SELECT count() AS total, {maps} "
        "FROM persons AS p LEFT JOIN companies AS c ON c.company_id = p.company_id "
        f"WHERE p.person_id IN (SELECT person_id FROM ({selected_sql(p, spec)}))"
    )
    return p.statement(sql)


@dataclass(frozen=True, slots=True)
class CountAndBreakdowns:
    total: int
    breakdowns: dict[str, list[tuple[str, int]]]  # name -> (value, people), most first


def count_and_breakdowns(wh: Warehouse, spec: AudienceSpec, *, top: int = 10) -> CountAndBreakdowns:
    """How many people match, and the `top` values of each breakdown (empty values skipped)."""
    row = wh.query(count_and_breakdowns_statement(spec)).to_pylist()[0]
    out: dict[str, list[tuple[str, int]]] = {}
    for name in BREAKDOWNS:
        pairs = [(str(k), int(v)) for k, v in (row[name] or []) if k]
        pairs.sort(key=lambda kv: (-kv[1], kv[0]))
        out[name] = pairs[:top]
    return CountAndBreakdowns(int(row["total"]), out)


def count_candidates_statement(spec: AudienceSpec) -> Statement:
    p = Params()
    return p.statement(f"SELECT count() AS n FROM ({matched_sql(p, spec, with_topics=False)})")


def top_rows_statement(spec: AudienceSpec, *, limit: int, offset: int = 0) -> Statement:
    """The ranked rows: score desc, overlap desc, person id asc (stable in every view)."""
    p = Params()
    sql = (
        "SELECT person_id, best_score AS score, overlap, topics "
        f"FROM ({selected_sql(p, spec, with_topics=True)}) "
        "ORDER BY score DESC, overlap DESC, person_id ASC "
        f"LIMIT {p.add(limit, 'UInt32')} OFFSET {p.add(offset, 'UInt32')}"
    )
    return p.statement(sql)


@dataclass(frozen=True, slots=True)
class RankedRow:
    person_id: int
    score: int
    overlap: int
    topics: tuple[int, ...]


def top_rows(wh: Warehouse, spec: AudienceSpec, *, limit: int, offset: int = 0) -> list[RankedRow]:
    rows = wh.query(top_rows_statement(spec, limit=limit, offset=offset)).to_pylist()
    return [RankedRow(int(r["person_id"]), int(r["score"]), int(r["overlap"]), tuple(r["topics"])) for r in rows]


PROFILES = """
SELECT p.person_id AS person_id, toString(p.hashed_email) AS hashed_email, p.first_name AS first_name,
       p.last_name AS last_name, p.business_email AS business_email, p.personal_email AS personal_email,
       p.phone AS phone, p.linkedin_url AS linkedin_url, p.headline AS headline, p.job_title AS job_title,
       p.seniority AS seniority, p.department AS department, p.age_range AS age_range, p.gender AS gender,
       p.city AS city, p.state AS state, p.zip AS zip, p.country AS country, p.is_b2b AS is_b2b,
       p.is_b2c AS is_b2c, p.company_id AS company_id,
       c.name AS company_name, c.domain AS company_domain, c.industry AS company_industry,
       c.industry_group AS company_industry_group, c.size_range AS company_size,
       c.employee_count AS company_employee_count, c.revenue_range AS company_revenue_range,
       c.city AS company_city, c.state AS company_state, c.country AS company_country,
       c.linkedin_url AS company_linkedin_url, c.naics AS company_naics, c.sic AS company_sic
FROM persons AS p LEFT JOIN companies AS c ON c.company_id = p.company_id
WHERE p.person_id IN {person_ids:Array(UInt32)}
"""


def profiles(wh: Warehouse, person_ids: Sequence[int]) -> dict[int, dict[str, object]]:
    """Wide profile columns of just these people, by person id."""
    if not person_ids:
        return {}
    rows = wh.query(Statement(PROFILES, {"person_ids": list(person_ids)})).to_pylist()
    return {int(r["person_id"]): r for r in rows}
