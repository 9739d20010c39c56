"""What changed between two run snapshots: counts, pages and the CSV stream of new, dropped and
changed people, computed in the engine from the two `run_results` snapshots.

A person is the same person in both when `person_id` is (the persons dimension's key; e-mail
hashes may change). Every statement takes both run ids and attempts; organization scoping and
the choice of the previous run happen in metadata before any of these is called.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from orbit.warehouse import runs_sql
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Params, Profile, Statement


class ChangeKind(StrEnum):
    NEW = "new"  # in the run, not in the previous one
    DROPPED = "dropped"  # in the previous run, not in this one
    CHANGED = "changed"  # in both, best score moved by at least the threshold, either way


@dataclass(frozen=True, slots=True)
class SnapshotRef:
    """The rows one run was completed with."""

    run_id: str
    attempt: int


@dataclass(frozen=True, slots=True)
class ChangeCounts:
    new: int
    dropped: int
    changed: int


def _rows(p: Params, ref: SnapshotRef) -> str:
    return f"run_results WHERE run_id = {p.add(ref.run_id, 'String')} AND attempt = {p.add(ref.attempt, 'UInt16')}"


# Both snapshots are read once (person id and score only: two narrow columns of <= 600,000 rows)
# and grouped by person; a FULL JOIN of the two took longer to plan and hashed both sides.
def counts_statement(cur: SnapshotRef, prev: SnapshotRef, *, min_change: int) -> Statement:
    p = Params()
    c_id, c_at = p.add(cur.run_id, "String"), p.add(cur.attempt, "UInt16")
    p_id, p_at = p.add(prev.run_id, "String"), p.add(prev.attempt, "UInt16")
    sql = (
        "SELECT countIf(in_cur AND NOT in_prev) AS new, countIf(in_prev AND NOT in_cur) AS dropped, "
        f"countIf(in_cur AND in_prev AND abs(cur_score - prev_score) >= {p.add(min_change, 'UInt8')}) AS changed "
        f"FROM (SELECT person_id, max(run_id = {c_id}) AS in_cur, max(run_id = {p_id}) AS in_prev, "
        f"toInt16(maxIf(score, run_id = {c_id})) AS cur_score, toInt16(maxIf(score, run_id = {p_id})) AS prev_score "
        f"FROM run_results WHERE (run_id = {c_id} AND attempt = {c_at}) OR (run_id = {p_id} AND attempt = {p_at}) "
        "GROUP BY person_id)"
    )
    return p.statement(sql)


def change_counts(wh: Warehouse, cur: SnapshotRef, prev: SnapshotRef, *, min_change: int,
                  profile: Profile = Profile.QUERY) -> ChangeCounts:
    """How many people are new, dropped and changed (|score − previous score| ≥ `min_change`)."""
    row = wh.query(counts_statement(cur, prev, min_change=min_change), profile=profile).to_pylist()[0]
    return ChangeCounts(int(row["new"]), int(row["dropped"]), int(row["changed"]))


def _kind_sql(p: Params, kind: ChangeKind, cur: SnapshotRef, prev: SnapshotRef, *, min_change: int,
              columns: tuple[str, ...], ranks: tuple[int, int] | None = None) -> str:
    """A subquery of the `kind` rows with `columns` plus `prev_rank`, `prev_score` (null for new
    people). Rows and ranks are the run's own, the previous run's for dropped people; `ranks`
    (offset, end] limits them to a rank range on the table's primary key."""
    base, other = (prev, cur) if kind == ChangeKind.DROPPED else (cur, prev)
    where = _rows(p, base)
    if ranks is not None:
        where += f" AND rank > {p.add(ranks[0], 'UInt32')} AND rank <= {p.add(ranks[1], 'UInt32')}"
    others = _rows(p, other)
    if kind == ChangeKind.NEW:
        return (f"SELECT {', '.join(columns)}, CAST(NULL AS Nullable(UInt32)) AS prev_rank, "
                f"CAST(NULL AS Nullable(UInt8)) AS prev_score "
                f"FROM {where} AND person_id NOT IN (SELECT person_id FROM {others})")
    if kind == ChangeKind.DROPPED:
        return (f"SELECT {', '.join(columns)}, rank AS prev_rank, score AS prev_score "
                f"FROM {where} AND person_id NOT IN (SELECT person_id FROM {others})")
    # The previous run's (person, rank, score) is the hash side: narrow, <= 300,000 rows.
    return (f"SELECT {', '.join(f'c.{c} AS {c}' for c in columns)}, o.rank AS prev_rank, o.score AS prev_score "
            f"FROM (SELECT {', '.join(columns)} FROM {where}) AS c "
            f"INNER JOIN (SELECT person_id, rank, score FROM {others}) AS o ON c.person_id = o.person_id "
            f"WHERE abs(toInt16(c.score) - toInt16(o.score)) >= {p.add(min_change, 'UInt8')}")


kind_sql = _kind_sql  # for the ad-platform files of changes (warehouse/adfiles_sql.py)
_NARROW = ("rank", "person_id", "score")


def page_keys_statement(kind: ChangeKind, cur: SnapshotRef, prev: SnapshotRef, *, min_change: int,
                        limit: int, offset: int) -> Statement:
    p = Params()
    source = _kind_sql(p, kind, cur, prev, min_change=min_change, columns=_NARROW)
    return p.statement(f"SELECT rank, prev_rank, prev_score FROM ({source}) ORDER BY rank "
                       f"LIMIT {p.add(limit, 'UInt32')} OFFSET {p.add(offset, 'UInt32')}")


ROWS_BY_RANK = (
    f"SELECT {', '.join(runs_sql.RESULT_COLUMNS)} FROM run_results "
    "WHERE run_id = {run_id:String} AND attempt = {attempt:UInt16} AND rank IN {ranks:Array(UInt32)} ORDER BY rank"
)


def page(wh: Warehouse, kind: ChangeKind, cur: SnapshotRef, prev: SnapshotRef, *, min_change: int,
         limit: int, offset: int) -> list[dict[str, Any]]:
    """Rows `offset+1 .. offset+limit` of `kind` in rank order, each the snapshot row (the run's;
    the previous run's for dropped people) plus `prev_rank` and `prev_score` (None for new).

    Two statements: the page's ranks from the narrow columns, then those rows by primary key; one
    statement joined every wide row of the run before its LIMIT.
    """
    keys = wh.query(page_keys_statement(kind, cur, prev, min_change=min_change, limit=limit, offset=offset)).to_pylist()
    if not keys:
        return []
    base = prev if kind == ChangeKind.DROPPED else cur
    stmt = Statement(ROWS_BY_RANK, {"run_id": base.run_id, "attempt": base.attempt, "ranks": [k["rank"] for k in keys]})
    rows: list[dict[str, Any]] = wh.query(stmt).to_pylist()
    for row, key in zip(rows, keys, strict=True):
        row["prev_rank"], row["prev_score"] = key["prev_rank"], key["prev_score"]
    return rows


# The change cells after the export's columns, in this order (docs/runs.md): Orbit's own integers
# and words, so never escaped (a negative `change.scoreChange` stays a number in a spreadsheet).
CSV_CHANGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("change.kind", "{kind}"),
    ("change.previousRank", "if(isNull(prev_rank), '', toString(prev_rank))"),
    ("change.previousScore", "if(isNull(prev_score), '', toString(prev_score))"),
    ("change.scoreChange", "if(isNull(prev_score) OR {kind} = 'dropped', '', toString(toInt16(score) - toInt16(prev_score)))"),
)


def csv_statement(kind: ChangeKind, cur: SnapshotRef, prev: SnapshotRef, *, min_change: int,
                  ranks: tuple[int, int]) -> Statement:
    """One segment of the changes CSV: the `kind` rows whose rank (the run's; the previous run's
    for dropped) is in (offset, end], with the export's cells and the change cells."""
    p = Params()
    source = _kind_sql(p, kind, cur, prev, min_change=min_change, columns=runs_sql.RESULT_COLUMNS, ranks=ranks)
    kind_slot = p.add(kind.value, "String")
    extra = [expr.replace("{kind}", kind_slot) for _, expr in CSV_CHANGE_COLUMNS]
    return p.statement(runs_sql.csv_select(f"({source})", extra=extra))


def csv_stream(wh: Warehouse, kinds: tuple[ChangeKind, ...], cur: SnapshotRef, prev: SnapshotRef, *,
               min_change: int, cur_rows: int, prev_rows: int,
               segment_rows: int = runs_sql.CSV_SEGMENT_ROWS) -> Generator[bytes, None, None]:
    """The rows of each of `kinds` in turn, each in rank order, as RFC 4180 CSV bytes (no header).

    Like `runs_sql.csv_stream`: one streamed statement per `segment_rows` ranks of the run the
    rows come from, so the engine is held one segment at a time. Raises WarehouseQueryError.
    """
    for kind in kinds:
        rows = prev_rows if kind == ChangeKind.DROPPED else cur_rows
        for offset in range(0, rows, segment_rows):
            stmt = csv_statement(kind, cur, prev, min_change=min_change, ranks=(offset, offset + segment_rows))
            yield from wh.stream_bytes(stmt, fmt="CSV")
