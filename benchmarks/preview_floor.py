"""The in-memory floor of an audience preview (issue 12): hand-written numpy over posting lists.

`load()` reads one data day into memory once: the day's signals as one posting list per topic
(score desc, then person id), people and companies as dictionary-coded arrays indexed by id, and
the profile columns the preview returns for its 50 sample rows. `Floor.preview()` then answers what
POST /v1/intent/audiences/preview answers (totalCount, six breakdowns, the top 50 with matched
topics and profiles) without a query engine, so the serving path can be held against it.

It is a reference, not the serving code: it shares only `normalize` + `to_spec` (what a request
means) with Orbit, and re-implements the SQL of `orbit/warehouse/audience_sql.py` on its own:
score BETWEEN min and max, overlap = distinct topics in range, ICP predicates AND-ed, company
predicates only for people whose company exists, LEFT JOIN defaults ('' / 0) otherwise. Text is
lower-cased with Python's `str.lower`, which is `lowerUTF8` on ASCII (all the generated data holds)
but not on every other letter (`İ`); such data would need the engine's lower-casing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from orbit.audiences import config as cfg
from orbit.warehouse import audience_sql as sql
from orbit.warehouse import catalog
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Statement

SAMPLE_SIZE = 50
TOP_VALUES = 10  # per breakdown
Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.integer[Any]]
Posting = tuple[int, npt.NDArray[np.uint32], npt.NDArray[np.uint8]]  # topic, people, scores in range

# One row per (topic, person) and day; ordered so that a score range is one slice per topic.
SIGNALS = """
SELECT topic_id, score, person_id FROM signals WHERE data_date = {day:Date}
ORDER BY topic_id, score DESC, person_id
"""
# The floor counts rows as distinct topics; a duplicate (topic, person) would break that.
SIGNALS_UNIQUE = """
SELECT count() = uniqExact(topic_id, person_id) AS ok FROM signals WHERE data_date = {day:Date}
"""
PERSONS = """
SELECT person_id, toString(hashed_email) AS hashed_email, first_name, last_name, business_email,
       personal_email, phone, linkedin_url, headline, job_title, toString(seniority) AS seniority,
       toString(department) AS department, toString(age_range) AS age_range, toString(gender) AS gender,
       toString(city) AS city, toString(state) AS state, zip, toString(country) AS country,
       is_b2b, is_b2c, company_id
FROM persons ORDER BY person_id
"""
COMPANIES = """
SELECT company_id, name, domain, toString(industry) AS industry, toString(industry_group) AS industry_group,
       toString(size_range) AS size_range, employee_count, toString(revenue_range) AS revenue_range,
       toString(city) AS city, toString(state) AS state, toString(country) AS country, linkedin_url,
       toString(naics) AS naics, toString(sic) AS sic
FROM companies ORDER BY company_id
"""
TOPIC_IDS = "SELECT topic_id FROM topics"

# Profile fields of a sample row: (output name, table, column), named as audience_sql.PROFILES names them.
PROFILE_FIELDS: tuple[tuple[str, str, str], ...] = (
    *((c, "p", c) for c in (
        "person_id", "hashed_email", "first_name", "last_name", "business_email", "personal_email", "phone",
        "linkedin_url", "headline", "job_title", "seniority", "department", "age_range", "gender", "city",
        "state", "zip", "country", "is_b2b", "is_b2c", "company_id")),
    *((f"company_{c}", "c", c) for c in (
        "name", "domain", "industry", "industry_group")),
    ("company_size", "c", "size_range"),
    ("company_employee_count", "c", "employee_count"),
    *((f"company_{c}", "c", c) for c in (
        "revenue_range", "city", "state", "country", "linkedin_url", "naics", "sic")),
)
# Breakdown name -> (level, column), as the preview answers them.
BREAKDOWNS: dict[str, tuple[str, str]] = {
    "industries": ("company", "industry"),
    "seniorities": ("person", "seniority"),
    "departments": ("person", "department"),
    "revenueRanges": ("company", "revenue_range"),
    "companySizes": ("company", "size_range"),
    "states": ("person", "state"),
}
DECISION_MAKERS = ("director", "vp", "c_suite", "owner", "partner")
CEO_TITLES = ("ceo", "chief executive officer")


@dataclass(frozen=True, slots=True)
class Coded:
    """A string column as dictionary codes: `values[codes[row]]` is the row's value."""

    codes: npt.NDArray[np.unsignedinteger[Any]]  # the narrowest type: gathers over millions stay in cache
    values: list[str]
    lowered: list[str]  # lowerUTF8 of each value, for text terms and CEO titles

    def lut(self, keep: Callable[[str], bool], *, lowered: bool = False) -> Mask:
        """One boolean per dictionary value: predicates cost one pass over the distinct values."""
        source = self.lowered if lowered else self.values
        return np.fromiter((keep(v) for v in source), dtype=np.bool_, count=len(source))


@dataclass(frozen=True, slots=True)
class SampleRow:
    person_id: int
    score: int
    overlap: int
    topics: tuple[int, ...]  # matched topics, strongest first, ties by topic id
    profile: dict[str, Any]  # empty for a person missing from `persons` (never after a checked ingest)


@dataclass(frozen=True, slots=True)
class FloorPreview:
    total: int
    breakdowns: dict[str, list[tuple[str, int]]]  # name -> (value, people), most first, ties by value
    sample: list[SampleRow]
    phases: dict[str, float] = field(default_factory=dict)  # ms per step, to show where the time goes


def _coded(column: pa.ChunkedArray) -> Coded:
    encoded = pc.dictionary_encode(column.combine_chunks())
    values = [str(v) for v in encoded.dictionary.to_pylist()]
    dtype = np.uint8 if len(values) <= 256 else np.uint16 if len(values) <= 65536 else np.uint32
    return Coded(encoded.indices.to_numpy(zero_copy_only=False).astype(dtype), values, [v.lower() for v in values])


def _by_id(ids: npt.NDArray[np.uint32]) -> npt.NDArray[np.int32]:
    """Row of each id (-1 where none): dense lookups instead of a join."""
    if len(np.unique(ids)) != len(ids):
        raise ValueError("ids are not unique; the floor assumes one row per id")
    rows = np.full(int(ids.max(initial=0)) + 1, -1, dtype=np.int32)
    rows[ids] = np.arange(len(ids), dtype=np.int32)
    return rows


def _numpy(table: pa.Table, name: str) -> npt.NDArray[Any]:
    return np.asarray(table.column(name).combine_chunks().to_numpy(zero_copy_only=False))


class Floor:
    """One data day in memory; `preview()` answers a request body. Single-threaded, read-only."""

    def __init__(self, data_date: date, vocab: cfg.Vocabulary, signals: pa.Table, persons: pa.Table,
                 companies: pa.Table) -> None:
        self.data_date = data_date
        self.vocab = vocab
        # Posting lists: one slice per topic, score desc, so a score range is a sub-slice.
        topic = _numpy(signals, "topic_id").astype(np.uint32)
        self.post_score: npt.NDArray[np.uint8] = _numpy(signals, "score").astype(np.uint8)
        self.post_person: npt.NDArray[np.uint32] = _numpy(signals, "person_id").astype(np.uint32)
        self._neg_score = (255 - self.post_score).astype(np.uint8)  # ascending within a topic
        starts = np.flatnonzero(np.r_[True, topic[1:] != topic[:-1]]) if len(topic) else np.empty(0, np.int64)
        ends = np.r_[starts[1:], len(topic)]
        self.postings: dict[int, tuple[int, int]] = {
            int(topic[s]): (int(s), int(e)) for s, e in zip(starts, ends, strict=True)}
        # People and companies by id.
        self.persons = persons.combine_chunks()  # `take` of 50 rows from one chunk
        self.companies = companies.combine_chunks()
        by_id = _by_id(_numpy(persons, "person_id").astype(np.uint32))
        # Dense per-person arrays are indexed by id: every id of the day's signals must fit.
        self.n_ids = max(len(by_id), int(self.post_person.max(initial=0)) + 1)
        self.row_of_person: npt.NDArray[np.int32] = np.full(self.n_ids, -1, dtype=np.int32)
        self.row_of_person[: len(by_id)] = by_id
        self.row_of_company = _by_id(_numpy(companies, "company_id").astype(np.uint32))
        company_id = _numpy(persons, "company_id").astype(np.int64)
        known = company_id < len(self.row_of_company)
        # Company row of each person row; -1 without one (the LEFT JOIN's defaults apply).
        self.company_of: npt.NDArray[np.int32] = np.where(
            known, self.row_of_company[np.where(known, company_id, 0)], -1).astype(np.int32)
        self.person_cols = {c: _coded(persons.column(c)) for c in sql.PERSON_COLUMNS}
        self.company_cols = {c: _coded(companies.column(c))
                             for c, t in sql.COMPANY_COLUMNS.items() if t == "String"}
        self.company_numbers = {c: _numpy(companies, c).astype(np.int64)
                                for c, t in sql.COMPANY_COLUMNS.items() if t != "String"}
        self.present = {c: pc.not_equal(persons.column(c), "").combine_chunks().to_numpy(zero_copy_only=False)
                        for c in ("business_email", "personal_email", "phone", "linkedin_url")}
        self.person_numbers = {c: _numpy(persons, c).astype(np.uint8) for c in ("is_b2b", "is_b2c")}

    # --- predicates, on the person rows of the candidates -----------------------------------------

    def _flag(self, name: str, rows: Ints) -> Mask:
        seniority = self.person_cols["seniority"]
        checks: dict[str, Callable[[], Mask]] = {
            "has_business_email": lambda: self.present["business_email"][rows],
            "has_personal_email": lambda: self.present["personal_email"][rows],
            "has_phone": lambda: self.present["phone"][rows],
            "has_linkedin": lambda: self.present["linkedin_url"][rows],
            "is_b2b": lambda: self.person_numbers["is_b2b"][rows] == 1,
            "is_b2c": lambda: self.person_numbers["is_b2c"][rows] == 1,
            "is_decision_maker": lambda: seniority.lut(lambda v: v in DECISION_MAKERS)[seniority.codes[rows]],
            "is_ceo": lambda: self.person_cols["job_title"].lut(lambda v: v in CEO_TITLES, lowered=True)[
                self.person_cols["job_title"].codes[rows]],
            "is_vp": lambda: seniority.lut(lambda v: v == "vp")[seniority.codes[rows]],
            "is_finance": lambda: self.person_cols["department"].lut(lambda v: v == "finance")[
                self.person_cols["department"].codes[rows]],
        }
        if name not in checks:
            raise ValueError(f"flag {name!r} is not known to the floor")
        return checks[name]()

    @staticmethod
    def _terms(t: sql.Terms) -> Callable[[str], bool]:
        """`t` on one lower-cased value, as audience_sql's terms SQL decides it."""
        terms = t.terms
        if t.operator == "contains":
            def hit(v: str) -> bool:
                return any(x in v for x in terms) if t.mode == "any" else all(x in v for x in terms)
        elif t.operator == "equals":
            def hit(v: str) -> bool:
                return v in terms if t.mode == "any" else all(v == x for x in terms)
        else:
            def hit(v: str) -> bool:
                return any(v.startswith(x) for x in terms) if t.mode == "any" else all(v.startswith(x) for x in terms)
        return (lambda v: not hit(v)) if t.negate else hit

    def _on(self, pred: sql.ValuesIn | sql.Terms | sql.Range, rows: Ints) -> Mask:
        """The predicate on a column of these person rows (or of their companies)."""
        if pred.level == "company":
            crow = self.company_of[rows]
            has = crow >= 0
            on = self._column(pred, "company", crow[has])
            out = np.zeros(len(rows), dtype=np.bool_)
            out[has] = on
            return out  # people without a company never match a company predicate
        return self._column(pred, "person", rows)

    def _column(self, pred: sql.ValuesIn | sql.Terms | sql.Range, level: str, rows: npt.NDArray[Any]) -> Mask:
        if isinstance(pred, sql.Range):
            numbers = self.company_numbers if level == "company" else {}
            if pred.column not in numbers:
                raise ValueError(f"no numeric {level} column {pred.column!r}")
            v = numbers[pred.column][rows]
            keep = np.ones(len(rows), dtype=np.bool_)
            if pred.low is not None:
                keep &= v >= pred.low
            if pred.high is not None:
                keep &= v <= pred.high
            return keep
        col = (self.company_cols if level == "company" else self.person_cols)[pred.column]
        if isinstance(pred, sql.ValuesIn):
            wanted = set(pred.values)
            lut = col.lut(lambda v: v in wanted)
        else:
            lut = col.lut(self._terms(pred), lowered=True)
        hits: Mask = lut[col.codes[rows]]
        return hits

    def _keep(self, predicates: tuple[sql.Predicate, ...], rows: Ints) -> Mask:
        keep = rows >= 0  # `person_id IN (SELECT person_id FROM persons WHERE …)`
        safe = np.where(keep, rows, 0)
        for pred in predicates:
            if isinstance(pred, sql.Flag):
                keep &= self._flag(pred.name, safe) == pred.value
            else:
                keep &= self._on(pred, safe)
        return keep

    # --- the preview ------------------------------------------------------------------------------

    def spec(self, body: Mapping[str, Any]) -> sql.AudienceSpec:
        normalized, problems = cfg.normalize(body, self.vocab)
        if normalized is None:
            raise ValueError(f"invalid config: {problems}")
        return cfg.to_spec(normalized, self.data_date)

    def preview(self, body: Mapping[str, Any]) -> FloorPreview:
        """What the preview endpoint answers for `body` on this data day (ValueError if invalid)."""
        clock = _Clock()
        spec = self.spec(body)
        clock.lap("normalize")
        # 1. Each topic's slice with score in range; best score and overlap per person, dense by id.
        lo, hi = 255 - spec.max_score, 255 - spec.min_score
        slices: list[Posting] = []
        for tid in spec.topic_ids:
            if tid not in self.postings:
                continue
            s, e = self.postings[tid]
            neg = self._neg_score[s:e]
            a, b = s + int(np.searchsorted(neg, lo, "left")), s + int(np.searchsorted(neg, hi, "right"))
            slices.append((tid, self.post_person[a:b], self.post_score[a:b]))
        best = np.zeros(self.n_ids, dtype=np.uint8)
        overlap = np.zeros(self.n_ids, dtype=np.uint8)  # at most MAX_TOPICS (250) topics
        for _, people, scores in slices:  # a person is in a topic's list once, so fancy writes are safe
            best[people] = np.maximum(best[people], scores)
            overlap[people] += 1
        candidates = np.flatnonzero(overlap >= spec.min_overlap)
        clock.lap("postings")
        # 2. ICP predicates on the candidates' rows.
        rows = self.row_of_person[candidates]
        if spec.predicates:
            keep = self._keep(spec.predicates, rows)
            candidates, rows = candidates[keep], rows[keep]
        clock.lap("filters")
        # 3. Count and breakdowns over the people that exist (the SQL counts `persons` rows).
        prow = rows[rows >= 0]
        total = len(prow)
        crow = self.company_of[prow]
        crow = crow[crow >= 0]  # no company: '' in every company breakdown, which is skipped
        breakdowns = {name: self._top_values(level, column, prow if level == "person" else crow)
                      for name, (level, column) in BREAKDOWNS.items()}
        clock.lap("breakdowns")
        if not total:
            return FloorPreview(0, breakdowns, [], clock.phases)
        # 4. Top 50: score desc, overlap desc, person id asc.
        top = self._top(candidates, best[candidates].astype(np.int64) * 256 + overlap[candidates])
        clock.lap("top50")
        # 5. Their matched topics, strongest first (ties by topic id), and their profiles.
        matched = self._matched(top, slices)
        clock.lap("topics")
        profiles = self._profiles(top)
        sample = [SampleRow(int(p), int(best[p]), int(overlap[p]), matched[int(p)], profiles.get(int(p), {}))
                  for p in top]
        clock.lap("profiles")
        return FloorPreview(total, breakdowns, sample, clock.phases)

    def _top_values(self, level: str, column: str, rows: npt.NDArray[Any]) -> list[tuple[str, int]]:
        col = (self.person_cols if level == "person" else self.company_cols)[column]
        counts = np.bincount(col.codes[rows], minlength=len(col.values))
        pairs = [(col.values[i], int(counts[i])) for i in np.flatnonzero(counts) if col.values[i]]
        pairs.sort(key=lambda kv: (-kv[1], kv[0]))
        return pairs[:TOP_VALUES]

    @staticmethod
    def _top(candidates: Ints, key: Ints) -> Ints:
        """The SAMPLE_SIZE best by (key desc, id asc) without sorting everyone: a histogram of the
        key finds the cut-off, then only the few at or above it are sorted."""
        if len(candidates) > SAMPLE_SIZE:
            counts = np.bincount(key)
            above = np.cumsum(counts[::-1])[::-1]  # above[k]: candidates with key >= k
            cut = int(np.flatnonzero(above >= SAMPLE_SIZE)[-1])
            strictly = np.flatnonzero(key > cut)
            tied = np.flatnonzero(key == cut)[: SAMPLE_SIZE - len(strictly)]  # candidates are id-sorted
            chosen = np.r_[strictly, tied]
            candidates, key = candidates[chosen], key[chosen]
        order = np.lexsort((candidates, -key))
        return candidates[order][:SAMPLE_SIZE]

    def _matched(self, top: Ints, slices: list[Posting]) -> dict[int, tuple[int, ...]]:
        mark = np.zeros(self.n_ids, dtype=np.bool_)
        mark[top] = True
        found: dict[int, list[tuple[int, int]]] = {int(p): [] for p in top}
        for tid, people, scores in slices:
            for i in np.flatnonzero(mark[people]):
                found[int(people[i])].append((-int(scores[i]), tid))
        return {p: tuple(t for _, t in sorted(pairs)) for p, pairs in found.items()}

    def _profiles(self, top: Ints) -> dict[int, dict[str, Any]]:
        rows = self.row_of_person[top]
        rows = rows[rows >= 0]
        people = self.persons.take(pa.array(rows)).to_pylist()
        crow = self.company_of[rows]
        companies = self.companies.take(pa.array(np.where(crow >= 0, crow, 0))).to_pylist()
        out: dict[int, dict[str, Any]] = {}
        for p, c, has in zip(people, companies, crow >= 0, strict=True):
            out[int(p["person_id"])] = {
                name: p[col] if table == "p" else (c[col] if has else _default(col)) for name, table, col in PROFILE_FIELDS}
        return out


def _default(column: str) -> object:
    """What ClickHouse's LEFT JOIN gives for a missing company's column."""
    return 0 if sql.COMPANY_COLUMNS.get(column) == "UInt32" else ""


class _Clock:
    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = (now - self._t) * 1000
        self._t = now


def load(wh: Warehouse, data_date: date) -> Floor:
    """Everything a preview on `data_date` reads, in memory; the warehouse can be closed after."""
    if not wh.query(Statement(SIGNALS_UNIQUE, {"day": data_date})).to_pylist()[0]["ok"]:
        raise ValueError(f"signals of {data_date} hold a (topic, person) twice; the floor assumes once")
    build = catalog.read(wh)
    vocab = cfg.Vocabulary(
        topic_ids=frozenset(int(r["topic_id"]) for r in wh.query(Statement(TOPIC_IDS)).to_pylist()),
        values={src: {v.value.lower(): v.value for v in vals} for src, vals in build.values.items()},
    )
    signals = wh.query(Statement(SIGNALS, {"day": data_date}))
    return Floor(data_date, vocab, signals, wh.query(Statement(PERSONS)), wh.query(Statement(COMPANIES)))
