"""Why one person is in a run: their row in the snapshot, their signals on the audience's topics
around the run's date, and each ICP filter checked against their current profile.

Organization scoping happens in metadata before any of these is called (a run id is only given
for a run the caller owns).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from orbit.warehouse.audience_sql import Flag, Predicate, predicate_sql
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Params, Statement

RESULT_ROW = (
    "SELECT rank, person_id, score, overlap, topic_ids FROM run_results "
    "WHERE run_id = {run_id:String} AND attempt = {attempt:UInt16} AND hashed_email = {hashed:String} "
    "ORDER BY rank LIMIT 1"
)
PERSON_EXISTS = "SELECT 1 FROM persons WHERE person_id = {person:UInt32} LIMIT 1"
# signals is ordered by (topic_id, score, person_id): each topic's rows of each day are read once.
SIGNALS = (
    "SELECT data_date, topic_id, score, signal_count FROM signals "
    "WHERE data_date BETWEEN {low:Date} AND {high:Date} AND topic_id IN {topics:Array(UInt32)} "
    "AND person_id = {person:UInt32} ORDER BY data_date, topic_id"
)


@dataclass(frozen=True, slots=True)
class ResultOf:
    rank: int
    person_id: int
    score: int
    overlap: int
    topic_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Signal:
    data_date: date
    topic_id: int
    score: int
    signal_count: int


@dataclass(frozen=True, slots=True)
class Check:
    passed: bool | None  # None: the person is no longer in persons
    value: str | None  # the person's value of the filtered column ("true"/"false": the flag holds)


def result_of(wh: Warehouse, *, run_id: str, attempt: int, hashed_email: str) -> ResultOf | None:
    """The person's row in the run's snapshot, or None when the run does not hold them."""
    rows = wh.query(Statement(RESULT_ROW, {"run_id": run_id, "attempt": attempt, "hashed": hashed_email})).to_pylist()
    if not rows:
        return None
    r = rows[0]
    return ResultOf(int(r["rank"]), int(r["person_id"]), int(r["score"]), int(r["overlap"]),
                    tuple(int(t) for t in r["topic_ids"]))


def signals_of(wh: Warehouse, *, person_id: int, topic_ids: Sequence[int], low: date, high: date) -> list[Signal]:
    """The person's signals on these topics from `low` to `high` (every score)."""
    rows = wh.query(Statement(SIGNALS, {"low": low, "high": high, "topics": list(topic_ids),
                                        "person": person_id})).to_pylist()
    return [Signal(r["data_date"], int(r["topic_id"]), int(r["score"]), int(r["signal_count"])) for r in rows]


def _checks_statement(group: Sequence[tuple[int, Predicate]], person_id: int, *, company: bool) -> Statement:
    p = Params()
    person = p.add(person_id, "UInt32")
    cols = []
    for i, pred in group:
        cols.append(f"({predicate_sql(p, pred)}) AS ok{i}")
        if not isinstance(pred, Flag):
            cols.append(f"toString({pred.column}) AS v{i}")
    where = (f"company_id = (SELECT company_id FROM persons WHERE person_id = {person})" if company
             else f"person_id = {person}")
    return p.statement(f"SELECT {', '.join(cols)} FROM {'companies' if company else 'persons'} WHERE {where} LIMIT 1")


def checks(wh: Warehouse, *, person_id: int, predicates: Sequence[Predicate]) -> list[Check]:
    """Each predicate checked against the person's current profile (persons, and companies
    through `company_id`), in order, as the audience SQL checks them: a person without a
    company row fails every company filter."""
    person = [(i, x) for i, x in enumerate(predicates) if isinstance(x, Flag) or x.level == "person"]
    company = [(i, x) for i, x in enumerate(predicates) if not isinstance(x, Flag) and x.level == "company"]
    out = [Check(None, None)] * len(predicates)
    if not wh.query(Statement(PERSON_EXISTS, {"person": person_id})).num_rows:
        return out  # no longer in persons: nothing to check against
    for group, is_company in ((person, False), (company, True)):
        if not group:
            continue
        rows = wh.query(_checks_statement(group, person_id, company=is_company)).to_pylist()
        for i, pred in group:
            if not rows:
                out[i] = Check(False, None)
                continue
            ok = bool(rows[0][f"ok{i}"])
            value = (str(ok == pred.value).lower() if isinstance(pred, Flag) else rows[0][f"v{i}"])
            out[i] = Check(ok, value)
    return out
