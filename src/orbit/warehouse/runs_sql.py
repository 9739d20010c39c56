"""Run snapshots in the warehouse: materialize, count, page, stats, the CSV stream, delete.

Every statement on `run_results` takes a run id (and the attempt that metadata marked
completed); organization scoping happens in metadata before any of these is called.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from orbit.warehouse.audience_sql import AudienceSpec, matched_sql, people_filter_sql, selected_sql
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Params, Profile, Statement
from orbit.warehouse.suppression_sql import suppressed_sql

# Long statements (a run's snapshot INSERT, CSV segments) leave the CPU to interactive requests: on
# 2 cores, with both engine threads busy, a preview's p95 (served from memory, no engine at all)
# went from 26-35 ms idle to 149 ms during a 300,000-row run and 231 ms during three downloads.
# One thread at the lowest OS priority (a no-op without CAP_SYS_NICE): 57 and 66 ms, while the
# run and the downloads took as long as before (the INSERT ran on one thread anyway).
# benchmarks/contention.py measures it.
BATCH_SETTINGS = "max_threads = 1, os_thread_priority = 19"

# Snapshot columns copied from persons (p) and companies (c), in table order.
PROFILE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("hashed_email", "toString(p.hashed_email)"), ("first_name", "p.first_name"), ("last_name", "p.last_name"),
    ("business_email", "p.business_email"), ("personal_email", "p.personal_email"), ("phone", "p.phone"),
    ("linkedin_url", "p.linkedin_url"), ("headline", "p.headline"), ("job_title", "p.job_title"),
    ("seniority", "p.seniority"), ("department", "p.department"), ("age_range", "p.age_range"),
    ("gender", "p.gender"), ("city", "p.city"), ("state", "p.state"), ("zip", "p.zip"), ("country", "p.country"),
    ("is_b2b", "p.is_b2b"), ("is_b2c", "p.is_b2c"),
    ("company_name", "c.name"), ("company_domain", "c.domain"), ("company_industry", "c.industry"),
    ("company_industry_group", "c.industry_group"), ("company_size", "c.size_range"),
    ("company_employee_count", "c.employee_count"), ("company_revenue_range", "c.revenue_range"),
    ("company_city", "c.city"), ("company_state", "c.state"), ("company_country", "c.country"),
    ("company_linkedin_url", "c.linkedin_url"), ("company_naics", "c.naics"), ("company_sic", "c.sic"),
)
SNAPSHOT_COLUMNS = ("run_id", "attempt", "rank", "person_id", "score", "overlap", "topic_ids",
                    *(name for name, _ in PROFILE_COLUMNS))


@dataclass(frozen=True, slots=True)
class RunCounts:
    candidate_count: int  # people matching topics, scores and overlap, before ICP filters
    result_count: int  # after the filters; not capped
    kept_rows: int  # rows written, at most the cap
    suppressed_count: int = 0  # people matching topics and filters whom suppression lists left out


def counts_statement(spec: AudienceSpec) -> Statement:
    p = Params()
    matched = matched_sql(p, spec, with_topics=False)
    people = people_filter_sql(p, spec.predicates)
    filtered = f"person_id IN ({people})" if people else "1"
    suppressed = suppressed_sql(p, spec.suppression)
    if suppressed is None:
        return p.statement(f"SELECT count() AS candidates, countIf({filtered}) AS results, toUInt64(0) AS suppressed "
                           f"FROM ({matched})")
    return p.statement(
        f"SELECT count() AS candidates, countIf(filtered AND NOT gone) AS results, countIf(filtered AND gone) AS suppressed "
        f"FROM (SELECT {filtered} AS filtered, person_id IN ({suppressed}) AS gone FROM ({matched}))")


def materialize_statement(spec: AudienceSpec, *, run_id: str, attempt: int, cap: int) -> Statement:
    """One INSERT … SELECT: rank on narrow signals, keep the top `cap`, then join the profiles."""
    p = Params()
    top = (
        "SELECT person_id, best_score AS score, overlap, topics "
        f"FROM ({selected_sql(p, spec, with_topics=True)}) "
        f"ORDER BY score DESC, overlap DESC, person_id ASC LIMIT {p.add(cap, 'UInt32')}"
    )
    # Ranks are numbered on the narrow kept rows, before the joins (numbering after them made the
    # INSERT 2.4 s instead of 1.0 s), by sorting them once more as one array on the same key and
    # enumerating it: row_number() OVER (ORDER BY …) re-sorted them in a window step that took
    # ~0.2 s of a single core for 300,000 rows, the array ~0.05 s. Person ids are unique, so the
    # key is a total order and the ranks are the same.
    ranked = (
        "SELECT r.1 AS person_id, r.2 AS score, r.3 AS overlap, r.4 AS topics, toUInt32(n) AS rank FROM ("
        "SELECT arraySort(x -> (-toInt16(x.2), -toInt64(x.3), x.1), "
        f"groupArray((person_id, score, overlap, topics))) AS rows FROM ({top})) "
        "ARRAY JOIN rows AS r, arrayEnumerate(rows) AS n"
    )
    profile = ", ".join(expr for _, expr in PROFILE_COLUMNS)
    sql = (
        f"INSERT INTO run_results ({', '.join(SNAPSHOT_COLUMNS)}) "
        f"SELECT {p.add(run_id, 'String')}, {p.add(attempt, 'UInt16')}, "
        f"r.rank, r.person_id, r.score, r.overlap, r.topics, {profile} "
        # The ranked rows (<= cap, narrow) are the hash side; persons stream past them, and the
        # joined rows past companies. Left to itself the planner swapped the second join and
        # hashed the wide joined rows by company id: ~0.3 s more CPU for 300,000 rows.
        f"FROM persons AS p INNER JOIN ({ranked}) AS r ON r.person_id = p.person_id "
        "LEFT JOIN companies AS c ON c.company_id = p.company_id "
        f"SETTINGS join_algorithm = 'hash', query_plan_join_swap_table = 'false', {BATCH_SETTINGS}"
    )
    # One INSERT of <= 300,000 rows (~130 MB) stays below min_insert_block_size_rows/bytes, so a
    # run is one part in rank order. A run split over parts interleaves its ranks, and reading it
    # in rank order (every page, every CSV) then merges the parts row by row: 3x slower CSV.
    return p.statement(sql)


def write_snapshot(
    wh: Warehouse, parts: Iterable[pa.Table], counts: tuple[int, int], *, run_id: str, attempt: int, workdir: Path,
    suppressed: int = 0,
) -> RunCounts:
    """Write a snapshot hydrated outside the engine (`serving.query.snapshot_parts`: the columns
    of `RESULT_COLUMNS`, consecutive rank ranges in result order) as it is, with its
    `(candidates, results)` counts and the people `suppressed` by lists. Each range reaches the engine as a Parquet file in `workdir`
    (read by the engine itself, streamed to a server), removed after; the engine loads one while
    the next is hydrated and written. Raises WarehouseQueryError."""
    workdir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    loading: _Load | None = None
    try:
        for rows in parts:
            n = rows.num_rows
            table = rows.add_column(0, "run_id", pa.array([run_id] * n, pa.string()).dictionary_encode())
            table = table.add_column(1, "attempt", pa.array(np.full(n, attempt, np.uint16)))
            paths.append(workdir / f"run-{uuid.uuid4().hex}.parquet")
            # Uncompressed, no statistics: the file lives for one read (0.1 s less for 300,000 rows).
            pq.write_table(table.select(list(SNAPSHOT_COLUMNS)), paths[-1], compression="none",
                           write_statistics=False)
            if loading is not None:
                loading.wait()
            loading = _Load(wh, paths[-1])
        if loading is not None:
            loading.wait()
    finally:
        if loading is not None:
            loading.thread.join()  # on errors too: its file is removed below
        for path in paths:
            path.unlink(missing_ok=True)
    return RunCounts(counts[0], counts[1], kept_rows(wh, run_id=run_id, attempt=attempt), suppressed)


class _Load:
    """`wh.load_parquet` of one snapshot file into run_results in a thread of its own."""

    def __init__(self, wh: Warehouse, path: Path) -> None:
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(wh, path), name="snapshot-load", daemon=True)
        self.thread.start()

    def _run(self, wh: Warehouse, path: Path) -> None:
        try:
            wh.load_parquet("run_results", SNAPSHOT_COLUMNS, path)
        except BaseException as exc:  # handed to the writer thread by wait()
            self.error = exc

    def wait(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


DELETE_ATTEMPT = "DELETE FROM run_results WHERE run_id = {run_id:String} AND attempt = {attempt:UInt16}"
DELETE_RUNS = "DELETE FROM run_results WHERE run_id IN {run_ids:Array(String)}"
KEPT_ROWS = "SELECT count() AS n FROM run_results WHERE run_id = {run_id:String} AND attempt = {attempt:UInt16}"


def materialize(
    wh: Warehouse, spec: AudienceSpec, *, run_id: str, attempt: int, cap: int, query_id: str | None = None
) -> RunCounts:
    """Write the ranked snapshot of `run_id` for this attempt (its INSERT runs as `query_id`) and
    return its counts. Raises WarehouseQueryError on engine failures.

    Every claim numbers a new attempt, so nothing of this attempt exists yet: no DELETE first
    (a lightweight DELETE scans every part of `run_results`; it cost 0.3-1 s once the table held
    a few million rows). Rows of abandoned attempts are never read and the janitor drops them.
    """
    row = wh.query(counts_statement(spec), profile=Profile.INGEST).to_pylist()[0]
    wh.command(materialize_statement(spec, run_id=run_id, attempt=attempt, cap=cap), profile=Profile.INGEST,
               query_id=query_id)
    return RunCounts(int(row["candidates"]), int(row["results"]), kept_rows(wh, run_id=run_id, attempt=attempt),
                     int(row["suppressed"]))


def kept_rows(wh: Warehouse, *, run_id: str, attempt: int) -> int:
    """How many rows the snapshot of this attempt holds (a primary-key range count: ~1-5 ms)."""
    row = wh.query(Statement(KEPT_ROWS, {"run_id": run_id, "attempt": attempt}), profile=Profile.INGEST).to_pylist()[0]
    return int(row["n"])


def drop_attempt(wh: Warehouse, *, run_id: str, attempt: int) -> None:
    wh.command(Statement(DELETE_ATTEMPT, {"run_id": run_id, "attempt": attempt}), profile=Profile.INGEST)


def delete_runs(wh: Warehouse, run_ids: Sequence[str]) -> None:
    """Drop every attempt of these runs (their audience was deleted, or they were retried)."""
    if run_ids:
        wh.command(Statement(DELETE_RUNS, {"run_ids": list(run_ids)}), profile=Profile.INGEST)


RESULT_COLUMNS = ("rank", "person_id", "score", "overlap", "topic_ids", *(name for name, _ in PROFILE_COLUMNS))
PAGE = (
    f"SELECT {', '.join(RESULT_COLUMNS)} FROM run_results "
    "WHERE run_id = {run_id:String} AND attempt = {attempt:UInt16} "
    "AND rank > {offset:UInt32} AND rank <= {end:UInt32} ORDER BY rank"
)


def page(wh: Warehouse, *, run_id: str, attempt: int, limit: int, offset: int) -> list[dict[str, Any]]:
    """Rows `offset+1 .. offset+limit` in result order (ranks are dense from 1)."""
    stmt = Statement(PAGE, {"run_id": run_id, "attempt": attempt, "offset": offset, "end": offset + limit})
    rows: list[dict[str, Any]] = wh.query(stmt).to_pylist()
    return rows


# Fill rates: the public result fields and the snapshot column each is read from.
FILL_FIELDS: tuple[tuple[str, str], ...] = (
    ("hashedEmail", "hashed_email"), ("firstName", "first_name"), ("lastName", "last_name"),
    ("email", "if(personal_email != '', personal_email, business_email)"),
    ("businessEmail", "business_email"), ("personalEmail", "personal_email"), ("phone", "phone"),
    ("linkedinUrl", "linkedin_url"), ("headline", "headline"), ("jobTitle", "job_title"),
    ("seniority", "seniority"), ("department", "department"), ("ageRange", "age_range"), ("gender", "gender"),
    ("city", "city"), ("state", "state"), ("zip", "zip"), ("country", "country"),
    ("company.name", "company_name"), ("company.domain", "company_domain"), ("company.industry", "company_industry"),
    ("company.industryGroup", "company_industry_group"), ("company.size", "company_size"),
    ("company.revenueRange", "company_revenue_range"), ("company.city", "company_city"),
    ("company.state", "company_state"), ("company.country", "company_country"),
    ("company.linkedinUrl", "company_linkedin_url"), ("company.naics", "company_naics"), ("company.sic", "company_sic"),
)
STATS = (
    "SELECT count() AS total, "
    + ", ".join(f"countIf(({expr}) != '') AS f{i}" for i, (_, expr) in enumerate(FILL_FIELDS))
    + ", countIf(score BETWEEN 50 AND 69) AS b0, countIf(score BETWEEN 70 AND 89) AS b1, countIf(score >= 90) AS b2"
    ", avg(score) AS avg_score, avg(overlap) AS avg_overlap "
    "FROM run_results WHERE run_id = {run_id:String} AND attempt = {attempt:UInt16}"
)
HISTOGRAM_BUCKETS = ("50-69", "70-89", "90-99")


@dataclass(frozen=True, slots=True)
class SnapshotStats:
    total: int
    fill: dict[str, int]
    histogram: list[tuple[str, int]]
    avg_score: float | None
    avg_overlap: float | None


def stats(wh: Warehouse, *, run_id: str, attempt: int) -> SnapshotStats:
    row = wh.query(Statement(STATS, {"run_id": run_id, "attempt": attempt})).to_pylist()[0]
    total = int(row["total"])
    return SnapshotStats(
        total=total,
        fill={name: int(row[f"f{i}"]) for i, (name, _) in enumerate(FILL_FIELDS)},
        histogram=[(b, int(row[f"b{i}"])) for i, b in enumerate(HISTOGRAM_BUCKETS)],
        avg_score=float(row["avg_score"]) if total else None,
        avg_overlap=float(row["avg_overlap"]) if total else None,
    )


# CSV: columns in a fixed, documented order; lists are joined with '|'; every cell goes through
# `_csv_cell` (formula escaping, below).
CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank", "toString(rank)"), ("hashedEmail", "hashed_email"), ("firstName", "first_name"),
    ("lastName", "last_name"), ("fullName", "trimBoth(concat(first_name, ' ', last_name))"),
    ("email", "if(personal_email != '', personal_email, business_email)"),
    ("primaryContactEmail", "if(business_email != '', business_email, personal_email)"),
    ("businessEmail", "business_email"), ("personalEmail", "personal_email"), ("phone", "phone"),
    ("linkedinUrl", "linkedin_url"), ("headline", "headline"), ("jobTitle", "job_title"),
    ("seniority", "seniority"), ("department", "department"), ("ageRange", "age_range"), ("gender", "gender"),
    ("city", "city"), ("state", "state"), ("zip", "zip"), ("country", "country"),
    ("isB2b", "if(is_b2b = 1, 'y', 'n')"), ("isB2c", "if(is_b2c = 1, 'y', 'n')"),
    ("company.name", "company_name"), ("company.domain", "company_domain"), ("company.industry", "company_industry"),
    ("company.industryGroup", "company_industry_group"), ("company.size", "company_size"),
    ("company.employeeCount", "if(company_employee_count = 0, '', toString(company_employee_count))"),
    ("company.revenueRange", "company_revenue_range"), ("company.city", "company_city"),
    ("company.state", "company_state"), ("company.country", "company_country"),
    ("company.linkedinUrl", "company_linkedin_url"), ("company.naics", "company_naics"), ("company.sic", "company_sic"),
    ("intent.score", "toString(score)"), ("intent.topicOverlap", "toString(overlap)"),
    ("intent.matchedTopicIds", "arrayStringConcat(arrayMap(x -> toString(x), topic_ids), '|')"),
)


# The formula-injection rule (docs/exports.md, "Formula injection"): after NUL bytes are removed,
# a cell gets a leading apostrophe when it starts with
#   - = + - @ or their full-width forms ＝ ＋ － ＠, after any run (possibly empty) of
#     separators, control or format characters (\p{Z}: space, NBSP, U+3000; \p{Cc}: tab, CR, LF,
#     VT; \p{Cf}: BOM U+FEFF, zero-width space, bidi marks), which spreadsheets skip or trim;
#   - a tab, CR or LF, whatever follows;
#   - an apostrophe, so that dropping one leading ' from every cell that has one gives back
#     every value exactly.
# RE2 (ClickHouse `match`) reads the text as UTF-8, so \p{..} classes match whole code points.
CSV_FORMULA_PATTERN = r"^(?:'|[\t\r\n]|[\p{Z}\p{Cc}\p{Cf}]*[=+\-@＝＋－＠])"


def _sql_literal(constant: str) -> str:
    """A ClickHouse string literal of one of our own constants (never of user input)."""
    return "'" + constant.replace("\\", "\\\\").replace("'", "\\'") + "'"


# Cells that start with a printable ASCII character other than ' + - = @ (letters, digits, most
# punctuation) never match the pattern, nor do empty cells: only the rest (phones, leading spaces,
# controls, non-ASCII) reach RE2. A call of this one-class regex costs ~13 ns, one of the Unicode
# pattern ~60 ns, so that pattern on every cell made the export's query ~50% more CPU.
_CSV_PLAIN_START = r"^[!-&(-*,.-<>-?A-~]"


def _csv_cell(text: str) -> str:
    """The cell for the text column `text`: one SQL expression, so the engine escapes while it
    formats and no Python pass over the rows is needed."""
    formula = f"if(match({text}, {_sql_literal(CSV_FORMULA_PATTERN)}), concat('''', {text}), {text})"
    return f"if(match({text}, {_sql_literal(_CSV_PLAIN_START)}) OR empty({text}), {text}, {formula})"


csv_cell = _csv_cell  # for the other files the engine formats (warehouse/adfiles_sql.py)


# Each cell's text (NUL bytes removed) is computed once, in the subquery: inlined, ClickHouse
# recomputed it in every lazily evaluated branch. CPU of the query for 300,000 rows x 39 cells
# of generated people (2 shared cores, noisy): 1.4-1.8 s with the old one-class rule, 1.8-2.3 s
# now, ~2.7 s when every empty cell went through the Unicode pattern.
def csv_select(source: str, *, columns: Sequence[tuple[str, str]] = CSV_COLUMNS, extra: Sequence[str] = ()) -> str:
    """The export's CSV cells (`columns`, escaped) of the rows `source` names (a table with a
    WHERE, or a subquery, exposing the snapshot's columns), in `rank` order; then the `extra`
    cells, expressions of Orbit's own values (numbers, fixed words) left unescaped."""
    texts = ", ".join(f"replaceAll(toString({expr}), '\\0', '') AS c{i}" for i, (_, expr) in enumerate(columns))
    cells = [_csv_cell(f"c{i}") for i in range(len(columns))]
    extra_text = "".join(f", {expr} AS x{i}" for i, expr in enumerate(extra))
    return (
        f"SELECT {', '.join(cells + [f'x{i}' for i in range(len(extra))])} "
        f"FROM (SELECT rank, {texts}{extra_text} FROM {source}) ORDER BY rank "
        f"SETTINGS output_format_csv_crlf_end_of_line = 1, {BATCH_SETTINGS}"
    )


_RUN_RANKS = ("run_results WHERE run_id = {run_id:String} AND attempt = {attempt:UInt16} "
              "AND rank > {offset:UInt32} AND rank <= {end:UInt32}")
CSV_CHUNK = csv_select(_RUN_RANKS)


def _topic_facet(facet: str) -> str:
    # The run's own topic names (stored on the run when it ran), aligned with matchedTopicIds.
    return (f"arrayStringConcat(arrayMap(x -> transform(x, {{topic_ids:Array(UInt32)}}, {{{facet}:Array(String)}}, ''), "
            "topic_ids), '|')")


# The optional `matchedTopics` column set (export.csv?include=matchedTopics): the facets of each
# matched topic, '|'-joined in the order of intent.matchedTopicIds. Topic names come from a
# taxonomy file, so they are escaped like every other text cell.
MATCHED_TOPIC_COLUMNS: tuple[tuple[str, str], ...] = (
    ("intent.matchedTopicNames", _topic_facet("topic_names")),
    ("intent.matchedTopicTypes", _topic_facet("topic_types")),
    ("intent.matchedTopicIndustries", _topic_facet("topic_industries")),
    ("intent.matchedTopicCategories", _topic_facet("topic_categories")),
)
CSV_CHUNK_MATCHED_TOPICS = csv_select(_RUN_RANKS, columns=(*CSV_COLUMNS, *MATCHED_TOPIC_COLUMNS))


@dataclass(frozen=True, slots=True)
class TopicFacets:
    """The run's topics as it names them: ids and, aligned, names, types, industries, categories."""

    ids: list[int]
    names: list[str]
    types: list[str]
    industries: list[str]
    categories: list[str]

    def params(self) -> dict[str, object]:
        return {"topic_ids": self.ids, "topic_names": self.names, "topic_types": self.types,
                "topic_industries": self.industries, "topic_categories": self.categories}


# Rows per streamed CSV statement. Each statement costs ~75-85 ms before its first row (planning
# 39 escaped cells, ~50 ms, then starting the read), and holds chDB's one engine while it streams
# (~0.35 s per 150,000 rows on one quiet core). 300,000 rows on a quiet machine: one statement
# 0.70 s, two 0.78 s, three 0.87 s, six 1.06 s. Two keep the export within ~12% of the engine's
# own speed while any other request waits for the engine at most one segment.
CSV_SEGMENT_ROWS = 150_000

# Rows per snapshot part written from the serving index: one export segment, so each CSV
# statement reads one part. A capped run is two parts; the engine loads the first (~0.25 s on one
# thread) while the second is hydrated and written (~0.25 s of Python), which a free second core
# takes off the run. In-process, interleaved with one part on a loaded machine (load 4-5, so that
# core was rarely free): 1.37 vs 1.51 s, 0.92x. Four parts of 75,000 gave 0.83x, but a range over
# two parts is merged row by row: a whole-run CSV statement 1.34 s instead of 1.10 s.
SNAPSHOT_PART_ROWS = CSV_SEGMENT_ROWS


def csv_stream(
    wh: Warehouse, *, run_id: str, attempt: int, rows: int, segment_rows: int = CSV_SEGMENT_ROWS,
    topics: TopicFacets | None = None,
) -> Iterator[bytes]:
    """The snapshot as RFC 4180 CSV bytes (no header), in rank order, as the engine formats it;
    with `topics`, the `MATCHED_TOPIC_COLUMNS` after the export's columns.

    One streamed statement per `segment_rows` ranks: memory holds a block (8,192 rows, ~5 MB),
    never a segment. On chDB the engine is held while a segment streams (see
    `Warehouse.stream_bytes`): drain this promptly, or close it. Raises WarehouseQueryError.
    """
    sql, more = (CSV_CHUNK, {}) if topics is None else (CSV_CHUNK_MATCHED_TOPICS, topics.params())
    for offset in range(0, rows, segment_rows):
        stmt = Statement(sql, {"run_id": run_id, "attempt": attempt, "offset": offset, "end": offset + segment_rows,
                               **more})
        yield from wh.stream_bytes(stmt, fmt="CSV")


SNAPSHOT_RUNS = "SELECT run_id, groupUniqArray(attempt) AS attempts FROM run_results GROUP BY run_id"
DELETE_OTHER_ATTEMPTS = "DELETE FROM run_results WHERE run_id = {run_id:String} AND attempt != {attempt:UInt16}"


def snapshot_runs(wh: Warehouse) -> dict[str, set[int]]:
    """Every run id that has rows, with the attempts present."""
    return {r["run_id"]: set(r["attempts"]) for r in wh.query(Statement(SNAPSHOT_RUNS)).to_pylist()}


def keep_only_attempt(wh: Warehouse, *, run_id: str, attempt: int) -> None:
    wh.command(Statement(DELETE_OTHER_ATTEMPTS, {"run_id": run_id, "attempt": attempt}), profile=Profile.INGEST)


APPLY_DELETED_MASK = "ALTER TABLE run_results APPLY DELETED MASK"
HIDDEN_ROWS = (
    "SELECT (SELECT count() FROM system.parts WHERE database = currentDatabase() AND table = 'run_results' "
    "AND active AND has_lightweight_delete) AS parts, (SELECT count() FROM system.mutations "
    "WHERE database = currentDatabase() AND table = 'run_results' AND NOT is_done) AS running"
)


def reclaimable(wh: Warehouse) -> bool:
    """Whether snapshot parts hold deleted rows and no mutation is already rewriting them (runs
    and audiences deleted through the API leave such rows; the janitor then reclaims them)."""
    row = wh.query(Statement(HIDDEN_ROWS), profile=Profile.INGEST).to_pylist()[0]
    return int(row["parts"]) > 0 and int(row["running"]) == 0


def reclaim(wh: Warehouse) -> None:
    """Free the space of deleted snapshot rows. DELETE only hides rows; merges would drop them,
    but large snapshots are no longer merged (warehouse step 4), so this rewrites the parts that
    hold hidden rows, in the background (a mutation: the call returns at once)."""
    wh.command(Statement(APPLY_DELETED_MASK), profile=Profile.INGEST)
