"""The serving index: one day's signals and the people's filter attributes as numpy arrays.

Preview needs a count, six breakdowns and the top 50 of an audience within a click's time; the
warehouse answers in 100-350 ms at scale 1 (three statements, each scanning signals and joining
persons), while the same work over in-memory posting lists takes 5-60 ms. The index is built
from the warehouse, read-only once built, and answers exactly what the SQL in
`warehouse.audience_sql` answers (tests compare both on every filter type).

Layout:
- people sorted by person id; each filter column dictionary-coded (`Column`); FLAGS evaluated
  by the engine into boolean arrays; `company_row` points into the companies (-1: none);
- postings: for each topic of the day a slice of (person row, score), by score then person.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Codes = npt.NDArray[np.unsignedinteger]
LISTED_MAX = 1 << 16  # dictionaries up to this size are also kept as Python strings (`Column.listed`)
Rows = npt.NDArray[np.uint32]


@dataclass(frozen=True, slots=True)
class Column:
    """A dictionary-coded text column: `values[codes[row]]` is the row's value. Dictionaries stay
    Arrow arrays (compact, and filters run on them vectorised), not Python strings."""

    codes: Codes
    values: pa.StringArray
    lowered: pa.StringArray | None  # lowerUTF8 of each value as the engine computes it (text filters)
    empty: int  # the code of "" (-1: no row has it); run rows give it to people without a company
    # The values as Python strings when the dictionary is small (a page of sample rows looks them
    # up by code: 50 rows cost ~15 µs of pyarrow calls per column, held under the GIL, otherwise).
    listed: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.values)

    def value(self, code: int) -> str:
        return str(self.values[code].as_py())

    @property
    def nbytes(self) -> int:
        return int(self.codes.nbytes) + int(self.values.nbytes) + (int(self.lowered.nbytes) if self.lowered else 0)


def _smallest(codes: npt.NDArray[np.integer], size: int) -> Codes:
    dtype = np.uint8 if size <= 1 << 8 else np.uint16 if size <= 1 << 16 else np.uint32
    return codes.astype(dtype)


def column(values: pa.ChunkedArray | pa.Array, engine_lowered: dict[str, str] | None = None,
           *, filterable: bool = True) -> Column:
    """Dictionary-code a string column. Filterable columns get their lower-cased dictionary:
    ASCII-only lower-casing (ClickHouse `lower`) patched with `engine_lowered`, the values whose
    `lowerUTF8` differs from it (see warehouse.serving_sql.engine_lowered)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
    if pa.types.is_dictionary(values.type):
        values = values.cast(pa.string())
    encoded = pc.dictionary_encode(values)
    words = encoded.dictionary.cast(pa.string())
    lowered = None
    if filterable:
        lowered = pc.ascii_lower(words)
        if engine_lowered:
            lowered = pa.array([engine_lowered.get(w, low) for w, low in
                                zip(words.to_pylist(), lowered.to_pylist(), strict=True)], pa.string())
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    listed = tuple(words.to_pylist()) if len(words) <= LISTED_MAX else None
    return Column(_smallest(codes, len(words)), words, lowered, int(pc.index(words, "").as_py()), listed)


@dataclass(frozen=True, slots=True)
class Postings:
    """Every (topic, score, person row) of one day, grouped by topic, each group by score."""

    topic_ids: npt.NDArray[np.uint32]  # sorted
    starts: npt.NDArray[np.int64]  # group i is rows[starts[i]:starts[i + 1]]
    rows: Rows
    scores: npt.NDArray[np.uint8]

    def slice(self, topic_id: int, low: int, high: int) -> tuple[Rows, npt.NDArray[np.uint8]]:
        """(person rows, scores) of `topic_id` with a score in `low..high`."""
        i = int(np.searchsorted(self.topic_ids, topic_id))
        if i >= len(self.topic_ids) or int(self.topic_ids[i]) != topic_id:
            return self.rows[:0], self.scores[:0]
        a, b = int(self.starts[i]), int(self.starts[i + 1])
        scores = self.scores[a:b]
        lo = a + int(np.searchsorted(scores, low, side="left"))
        hi = a + int(np.searchsorted(scores, high, side="right"))
        return self.rows[lo:hi], self.scores[lo:hi]

    @property
    def nbytes(self) -> int:
        return int(self.topic_ids.nbytes + self.starts.nbytes + self.rows.nbytes + self.scores.nbytes)


@dataclass(frozen=True, slots=True)
class Companies:
    ids: npt.NDArray[np.uint32]  # sorted
    columns: dict[str, Column]  # every text column: filters, breakdowns and sample rows
    employee_count: npt.NDArray[np.uint32]

    @property
    def nbytes(self) -> int:
        return int(self.ids.nbytes + self.employee_count.nbytes) + sum(c.nbytes for c in self.columns.values())


@dataclass(frozen=True, slots=True)
class People:
    ids: npt.NDArray[np.uint32]  # sorted; a row number is the position here
    columns: dict[str, Column]
    flags: dict[str, npt.NDArray[np.bool_]]
    company_row: npt.NDArray[np.int32]  # -1: no company (or one missing from companies)
    company_ids: npt.NDArray[np.uint32]  # as stored, for sample rows
    b2b: npt.NDArray[np.uint8]
    b2c: npt.NDArray[np.uint8]
    # The wide text columns of sample rows (names, e-mails, ...), one row per person row: a
    # memory-mapped Arrow file, so only the pages of rows actually shown are read.
    profile: pa.Table

    @property
    def nbytes(self) -> int:
        """Bytes held in memory (the memory-mapped profile file is not counted)."""
        return (int(self.ids.nbytes + self.company_row.nbytes + self.company_ids.nbytes + self.b2b.nbytes
                    + self.b2c.nbytes)
                + sum(c.nbytes for c in self.columns.values()) + sum(int(f.nbytes) for f in self.flags.values()))


# Breakdown columns are packed into one code per person while the product of their dictionary
# sizes stays below this: one gather and one bincount then count several columns at once.
PACKED_CODES = 1 << 16


@dataclass(frozen=True, slots=True)
class BreakdownGroup:
    """Breakdown columns packed per person row in mixed radix (first column most significant):
    counting an audience's values is one gather and one bincount for the whole group, instead of
    one (two, through the company) random gathers per column. A company column's last code
    (`len(column)`) stands for people without a company, who count for none of its values."""

    names: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]  # ("p" or "c", column) of each name
    dims: tuple[int, ...]
    codes: Codes
    labels: tuple[tuple[str, ...], ...]  # each column's values as Python strings, by code

    @property
    def nbytes(self) -> int:
        return int(self.codes.nbytes)


def breakdown_groups(people: People, companies: Companies,
                     wanted: dict[str, tuple[str, str]]) -> tuple[BreakdownGroup, ...]:
    """`wanted`: breakdown name -> ("p" or "c", column), as `audience_sql.BREAKDOWNS`."""
    has = people.company_row >= 0
    at = np.where(has, people.company_row, 0)
    parts: list[tuple[str, Column, int, npt.NDArray[np.int64]]] = []
    for name, (level, column_name) in wanted.items():
        if level == "p":
            col = people.columns[column_name]
            parts.append((name, col, len(col), col.codes.astype(np.int64)))
        else:
            col = companies.columns[column_name]
            codes = col.codes[at].astype(np.int64) if len(companies.ids) else np.zeros(len(has), np.int64)
            parts.append((name, col, len(col) + 1, np.where(has, codes, len(col))))
    grouped: list[list[tuple[str, Column, int, npt.NDArray[np.int64]]]] = []
    size = PACKED_CODES
    for part in parts:
        if not grouped or size * part[2] > PACKED_CODES:
            grouped.append([])
            size = 1
        grouped[-1].append(part)
        size *= part[2]
    out = []
    for group in grouped:
        dims = tuple(dim for _, _, dim, _ in group)
        packed = np.zeros(len(has), np.int64)
        for _, _, dim, codes in group:
            packed = packed * dim + codes
        out.append(BreakdownGroup(
            names=tuple(name for name, _, _, _ in group), sources=tuple(wanted[name] for name, _, _, _ in group),
            dims=dims, codes=_smallest(packed, int(np.prod(dims))),
            labels=tuple(tuple(col.values.to_pylist()) for _, col, _, _ in group)))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Base:
    """What does not change with the day: people and companies, built per catalogue version
    (every load of persons or companies rebuilds the filter catalogue and bumps it)."""

    catalog_version: int
    people: People
    companies: Companies
    profile_path: str | None  # the memory-mapped file behind people.profile
    build_seconds: float
    breakdowns: tuple[BreakdownGroup, ...]


@dataclass(frozen=True, slots=True)
class IndexKey:
    """What the index was built from: a change of any part makes it stale."""

    data_date: date
    ready_days: int
    newest_day_loaded_at: object
    catalog_version: int


class VerdictCache:
    """Verdict arrays of the filters seen (one per dictionary value or packed code), bounded by
    bytes: a company-name filter's verdicts are as long as the 300,000 names, and clients choose
    how many distinct filters they send. Past the bound everything is dropped (recomputing one
    costs a dictionary scan, well under a millisecond)."""

    def __init__(self, max_bytes: int = 64 << 20) -> None:
        self.max_bytes = max_bytes
        self._items: dict[Hashable, npt.NDArray[np.bool_]] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> npt.NDArray[np.bool_] | None:
        return self._items.get(key)

    def put(self, key: Hashable, value: npt.NDArray[np.bool_]) -> None:
        with self._lock:
            if self._bytes + value.nbytes > self.max_bytes:
                self._items.clear()
                self._bytes = 0
            if key not in self._items:
                self._bytes += value.nbytes
            self._items[key] = value

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True, slots=True)
class ServingIndex:
    key: IndexKey
    base: Base
    postings: Postings
    build_seconds: float = 0.0  # postings (the base may be reused from the previous day)
    dropped_signals: int = 0  # signals of people missing from persons
    answer_cache_entries: int = 512  # answers remembered (serving.query.remembered); 0: none
    # Caches that live as long as the index (its data never changes): one verdict per distinct
    # value for each filter seen, and remembered answers (serving.query.remembered).
    verdicts: VerdictCache = field(default_factory=lambda: VerdictCache())
    answers: OrderedDict[Hashable, object] = field(default_factory=OrderedDict)
    answers_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def people(self) -> People:
        return self.base.people

    @property
    def companies(self) -> Companies:
        return self.base.companies

    @property
    def data_date(self) -> date:
        return self.key.data_date

    @property
    def nbytes(self) -> int:
        """Bytes held in memory (arrays and dictionaries)."""
        return (self.people.nbytes + self.companies.nbytes + self.postings.nbytes
                + sum(g.nbytes for g in self.base.breakdowns))
