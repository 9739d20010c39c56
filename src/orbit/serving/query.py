"""Audience specs evaluated over a serving index: the same answers as `warehouse.audience_sql`.

Selection: each topic's postings in the score range are one contiguous slice; people are merged
across topics either by sorting (few postings) or in two byte arrays over all people (many),
then the ICP predicates narrow the candidates one predicate at a time. Text predicates are
decided once per distinct value (dictionary), so a filter costs one gather per candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from orbit.serving.index import BreakdownGroup, Column, Rows, ServingIndex
from orbit.warehouse.audience_sql import (
    AudienceSpec,
    CountAndBreakdowns,
    Flag,
    Predicate,
    Range,
    RankedRow,
    Terms,
    ValuesIn,
)

# Below this share of people with postings, merging topics by sorting beats the dense arrays.
SPARSE_SHARE = 1 / 32
# Up to this many rows (a preview's sample, a results page), ordering sorts only the people at or
# above the rows' lowest score.
PAGE_SORT = 4096


@dataclass(frozen=True, slots=True)
class Selection:
    """The people of an audience (rows in no particular order), with best score and overlap."""

    rows: npt.NDArray[np.uint32]
    best: npt.NDArray[np.uint8]
    overlap: npt.NDArray[np.uint8]
    slices: tuple[tuple[int, npt.NDArray[np.uint32], npt.NDArray[np.uint8]], ...]  # per topic in range
    matched: int  # people matching topics, scores and overlap, before the predicates
    suppressed: int = 0  # people passing every predicate whom suppression lists left out

    @property
    def total(self) -> int:
        return len(self.rows)


T = TypeVar("T")


def remembered(index: ServingIndex, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`'s answer for `key`, kept while this index lives (its data never changes), so
    a config asked again — a UI toggling a filter back, a G2 client paging, two clients on one
    audience — costs a dictionary lookup. The least recently used answers go first."""
    if index.answer_cache_entries <= 0:
        return compute()
    cache, lock = index.answers, index.answers_lock
    with lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]  # type: ignore[return-value]  # stored by a compute() of this key
    value = compute()
    with lock:
        cache[key] = value
        while len(cache) > index.answer_cache_entries:
            cache.popitem(last=False)
    return value


def supports(index: ServingIndex, spec: AudienceSpec) -> bool:
    """Whether the index answers this spec exactly (else the caller uses the SQL path)."""
    if spec.data_date != index.data_date:
        return False
    if index.dropped_signals and not spec.predicates:
        # Without filters the SQL ranks signal rows of people missing from persons too.
        return False
    for pred in spec.predicates:
        if isinstance(pred, Range) and (pred.level, pred.column) != ("company", "employee_count"):
            return False
        if isinstance(pred, ValuesIn | Terms) and _column(index, pred.level, pred.column) is None:
            return False
    return True


def _column(index: ServingIndex, level: str, name: str) -> Column | None:
    cols = index.people.columns if level == "person" else index.companies.columns
    return cols.get(name)


def _merge(index: ServingIndex, spec: AudienceSpec) -> Selection:
    n_people = len(index.people.ids)
    slices = []
    for topic_id in dict.fromkeys(spec.topic_ids):
        rows, scores = index.postings.slice(topic_id, spec.min_score, spec.max_score)
        if len(rows):
            slices.append((topic_id, rows, scores))
    need = max(spec.min_overlap, 1)
    empty = Selection(np.empty(0, np.uint32), np.empty(0, np.uint8), np.empty(0, np.uint8), tuple(slices), 0)
    if len(slices) < need:
        return empty
    if len(slices) == 1:
        _, rows, scores = slices[0]
        return Selection(rows, scores, np.ones(len(rows), np.uint8), tuple(slices), len(rows))
    total = sum(len(r) for _, r, _ in slices)
    if total < n_people * SPARSE_SHARE:
        all_rows = np.concatenate([r for _, r, _ in slices])
        all_scores = np.concatenate([s for _, _, s in slices])
        order = np.argsort(all_rows, kind="stable")
        all_rows, all_scores = all_rows[order], all_scores[order]
        starts = np.flatnonzero(np.r_[True, all_rows[1:] != all_rows[:-1]])
        rows = all_rows[starts]
        best = np.maximum.reduceat(all_scores, starts)
        overlap = np.diff(np.r_[starts, len(all_rows)]).astype(np.uint8)
    else:
        # One 16-bit cell per person: overlap in the high byte, best score in the low byte; a
        # person appears once per topic, so one gather and one scatter per topic are exact.
        cells = np.zeros(n_people, np.uint16)  # at most 250 topics: the overlap fits
        for _, r, s in slices:
            cell = cells[r]
            cell += 256
            cells[r] = np.maximum(cell, (cell & 0xFF00) | s)
        rows = np.flatnonzero(cells >= need << 8).astype(np.uint32)
        cell = cells[rows]
        best, overlap = (cell & 0xFF).astype(np.uint8), (cell >> 8).astype(np.uint8)
        return Selection(rows, best, overlap, tuple(slices), len(rows))
    keep = overlap >= need
    return Selection(rows[keep], best[keep], overlap[keep], tuple(slices), int(keep.sum()))


def _text_matches(col: Column, pred: Terms) -> npt.NDArray[np.bool_]:
    """One verdict per distinct value, as the SQL of `audience_sql._terms_sql` decides it:
    vectorised over the engine-lowered dictionary."""
    assert col.lowered is not None
    words = col.lowered
    if pred.operator == "contains":
        hits = [pc.match_substring(words, t) for t in pred.terms]
    elif pred.operator == "equals":
        hits = [pc.equal(words, t) for t in pred.terms]
    else:
        hits = [pc.starts_with(words, t) for t in pred.terms]
    combine = pc.or_ if pred.mode == "any" else pc.and_
    verdict = hits[0]
    for hit in hits[1:]:
        verdict = combine(verdict, hit)
    out: npt.NDArray[np.bool_] = np.asarray(verdict.to_numpy(zero_copy_only=False), dtype=np.bool_)
    return ~out if pred.negate else out


def _value_verdicts(index: ServingIndex, pred: ValuesIn | Terms) -> npt.NDArray[np.bool_]:
    cache = index.verdicts
    found = cache.get(pred)
    if found is not None:
        return found
    col = _column(index, pred.level, pred.column)
    assert col is not None
    if isinstance(pred, ValuesIn):
        hits = pc.is_in(col.values, value_set=pa.array(pred.values, pa.string()))
        verdicts: npt.NDArray[np.bool_] = np.asarray(hits.to_numpy(zero_copy_only=False), dtype=np.bool_)
    else:
        verdicts = _text_matches(col, pred)
    cache.put(pred, verdicts)
    return verdicts


def _packed_verdicts(index: ServingIndex, pred: ValuesIn | Terms) -> tuple[BreakdownGroup, npt.NDArray[np.bool_]] | None:
    """For a company column packed in a breakdown group: the group and one verdict per packed
    code (people without a company fail, as below), so the filter is one gather per candidate
    instead of three (person -> company -> code)."""
    for group in index.base.breakdowns:
        for axis, source in enumerate(group.sources):
            if source != ("c", pred.column):
                continue
            key = ("packed", pred)
            table = index.verdicts.get(key)
            if table is None:
                values = np.append(_value_verdicts(index, pred), False)  # last code: no company
                shape = [1] * len(group.dims)
                shape[axis] = group.dims[axis]
                table = np.ascontiguousarray(np.broadcast_to(values.reshape(shape), group.dims)).ravel()
                index.verdicts.put(key, table)
            return group, table
    return None


def _keep(index: ServingIndex, pred: Predicate, rows: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    """Which of these people pass one predicate."""
    people = index.people
    if isinstance(pred, Flag):
        flags = people.flags[pred.name][rows]
        return flags if pred.value else ~flags
    if pred.level == "person":
        assert not isinstance(pred, Range)  # supports() sends person ranges to SQL
        col = _column(index, "person", pred.column)
        assert col is not None
        return _value_verdicts(index, pred)[col.codes[rows]]
    if not isinstance(pred, Range) and (packed := _packed_verdicts(index, pred)) is not None:
        group, table = packed
        return table[group.codes[rows]]
    company = people.company_row[rows]
    has = company >= 0
    out = np.zeros(len(rows), np.bool_)
    at = company[has]
    if isinstance(pred, Range):
        counts = index.companies.employee_count[at]
        ok = np.ones(len(at), np.bool_)
        if pred.low is not None:
            ok &= counts >= pred.low
        if pred.high is not None:
            ok &= counts <= pred.high
    else:
        col = _column(index, "company", pred.column)
        assert col is not None
        ok = _value_verdicts(index, pred)[col.codes[at]]
    out[has] = ok
    return out


def _cost(pred: Predicate) -> int:
    """Random gathers per candidate: a flag one, a person column two, a company column three."""
    return 0 if isinstance(pred, Flag) else 1 if pred.level == "person" else 2


def select(index: ServingIndex, spec: AudienceSpec,
           suppressed: npt.NDArray[np.bool_] | None = None) -> Selection:
    """The audience: topics, scores and overlap first, then every predicate (AND), then the
    people `suppressed` marks (one flag per person row: `serving.suppression.mask` of the
    spec's lists) left out and counted."""
    sel = _merge(index, spec)
    rows, best, overlap = sel.rows, sel.best, sel.overlap
    for pred in sorted(spec.predicates, key=_cost):  # AND: any order, the cheap gathers first
        if not len(rows):
            break
        keep = _keep(index, pred, rows)
        rows, best, overlap = rows[keep], best[keep], overlap[keep]
    if suppressed is None or not len(rows):
        return Selection(rows, best, overlap, sel.slices, sel.matched)
    keep = ~suppressed[rows]
    gone = len(rows) - int(np.count_nonzero(keep))
    return Selection(rows[keep], best[keep], overlap[keep], sel.slices, sel.matched, gone)


def count_and_breakdowns(index: ServingIndex, sel: Selection, *, top: int = 10) -> CountAndBreakdowns:
    """Count and the `top` values of each breakdown (empty values skipped), as the SQL path."""
    out: dict[str, list[tuple[str, int]]] = {}
    for group in index.base.breakdowns:
        counts = np.bincount(group.codes[sel.rows], minlength=int(np.prod(group.dims))).reshape(group.dims)
        for axis, (name, labels) in enumerate(zip(group.names, group.labels, strict=True)):
            others = tuple(a for a in range(len(group.dims)) if a != axis)
            of_values = counts.sum(axis=others)[:len(labels)].tolist()  # a company column's last: no company
            pairs = [(value, n) for value, n in zip(labels, of_values, strict=True) if n and value]
            pairs.sort(key=lambda kv: (-kv[1], kv[0]))
            out[name] = pairs[:top]
    return CountAndBreakdowns(sel.total, out)


def _ordered(sel: Selection, want: int) -> npt.NDArray[np.intp]:
    """Positions in `sel` of its first `want` people by score desc, overlap desc, person id asc
    (rows, and so positions, follow person ids). A stable sort of a 16-bit key is a radix sort;
    for a page, only the people at or above the page's lowest score are sorted."""
    candidates: npt.NDArray[np.intp] | None = None
    if want <= PAGE_SORT and want < sel.total:
        at_least = np.cumsum(np.bincount(sel.best, minlength=256)[::-1])  # [k]: people scoring >= 255 - k
        lowest = 255 - int(np.searchsorted(at_least, want))
        candidates = np.flatnonzero(sel.best >= lowest)
    best = sel.best if candidates is None else sel.best[candidates]
    overlap = sel.overlap if candidates is None else sel.overlap[candidates]
    key = ((255 - best).astype(np.uint16) << 8) | (255 - overlap)
    order = np.argsort(key, kind="stable")[:want]
    return order if candidates is None else candidates[order]


def top_rows(index: ServingIndex, sel: Selection, *, limit: int, offset: int = 0) -> list[RankedRow]:
    """Rows `offset..offset+limit` by score desc, overlap desc, person id asc, with each
    person's topics strongest first (ties by topic id)."""
    want = min(offset + limit, sel.total)
    if want <= offset:
        return []
    picked = _ordered(sel, want)[offset:want]
    rows = sel.rows[picked]
    topics: dict[int, list[tuple[int, int]]] = {int(r): [] for r in rows}
    shown = np.zeros(len(index.people.ids), np.bool_)
    shown[rows] = True
    for topic_id, r, s in sel.slices:
        hit = shown[r]
        for row, score in zip(r[hit].tolist(), s[hit].tolist(), strict=True):
            topics[row].append((-score, topic_id))
    out = []
    for i, row in zip(picked.tolist(), rows.tolist(), strict=True):
        ids = tuple(t for _, t in sorted(topics[row]))
        out.append(RankedRow(int(index.people.ids[row]), int(sel.best[i]), int(sel.overlap[i]), ids))
    return out


def _run_order(index: ServingIndex, sel: Selection, cap: int) -> tuple[npt.NDArray[np.intp], Rows, pa.ListArray]:
    """The first `cap` people of `sel` in result order: their positions in `sel`, their person
    rows, and each one's topics strongest first (ties by topic id), without a per-row Python step."""
    want = min(cap, sel.total)
    picked = _ordered(sel, want)
    rows = sel.rows[picked]
    rank_of = np.zeros(len(index.people.ids), np.uint32)  # 0: not kept
    rank_of[rows] = np.arange(1, want + 1, dtype=np.uint32)
    ranks, scores, topics = [np.empty(0, np.uint32)], [np.empty(0, np.uint8)], [np.empty(0, np.uint32)]
    for topic_id, r, s in sel.slices:
        at = rank_of[r]
        hit = at > 0
        ranks.append(at[hit])
        scores.append(s[hit])
        topics.append(np.full(int(hit.sum()), topic_id, np.uint32))
    rank, score, topic = np.concatenate(ranks), np.concatenate(scores), np.concatenate(topics)
    order = np.lexsort((topic, 255 - score.astype(np.int16), rank))  # by rank, then score desc, topic id
    offsets = np.concatenate([[0], np.cumsum(np.bincount(rank, minlength=want + 1)[1:])]).astype(np.int32)
    return picked, rows, pa.ListArray.from_arrays(pa.array(offsets), pa.array(topic[order]))


def snapshot(index: ServingIndex, sel: Selection, *, cap: int) -> pa.Table:
    """The rows a run keeps, hydrated: rank, person_id, score, overlap, topic_ids and the profile
    columns of `runs_sql.PROFILE_COLUMNS` (names and values as the SQL INSERT writes them, missing
    companies as its LEFT JOIN's defaults), in result order."""
    return next(iter(snapshot_parts(index, sel, cap=cap, part_rows=max(cap, 1))))


def snapshot_parts(index: ServingIndex, sel: Selection, *, cap: int, part_rows: int) -> Iterator[pa.Table]:
    """`snapshot` as consecutive rank ranges of `part_rows` rows (at least one table, maybe
    empty), each hydrated only when asked for: the caller hands one to the engine while the next
    is hydrated. Ranked once, so the parts are the slices of the whole snapshot."""
    picked, rows, topic_ids = _run_order(index, sel, cap)
    people = index.people
    for start in range(0, max(len(rows), 1), part_rows):
        end = min(start + part_rows, len(rows))
        part, at = picked[start:end], rows[start:end]
        columns: dict[str, pa.Array] = {
            "rank": pa.array(np.arange(start + 1, end + 1, dtype=np.uint32)),
            "person_id": pa.array(people.ids[at]),
            "score": pa.array(sel.best[part]),
            "overlap": pa.array(sel.overlap[part].astype(np.uint16)),
            "topic_ids": topic_ids.slice(start, end - start),
        }
        columns.update(_profile_columns(index, at))
        yield pa.table(columns)


def _profile_columns(index: ServingIndex, rows: npt.NDArray[np.integer]) -> dict[str, pa.Array]:
    """The profile columns of these person rows (`PROFILE_ORDER`, is_b2b, is_b2c, company_id and
    the `COMPANY_PROFILE` keys) as the SQL LEFT JOIN gives them: missing companies as "" and 0.
    Text columns stay dictionary-coded as in the index (nothing copied but the codes: a run's
    rows) unless their dictionary is larger than the rows. A page of sample rows: `_page_columns`."""
    people, companies = index.people, index.companies
    company = people.company_row[rows]
    has = company >= 0
    at = np.where(has, company, 0)
    columns: dict[str, pa.Array] = {}
    wide = _take_arrays(people.profile, rows)
    for name in PROFILE_ORDER:
        if name in wide:
            columns[name] = wide[name]
        else:
            col = people.columns[name]
            codes = pa.array(col.codes[rows])
            columns[name] = (pa.DictionaryArray.from_arrays(codes, col.values) if _keeps_codes(col, rows)
                             else col.values.take(codes))
    columns["is_b2b"], columns["is_b2c"] = pa.array(people.b2b[rows]), pa.array(people.b2c[rows])
    columns["company_id"] = pa.array(people.company_ids[rows])
    for key, source in COMPANY_PROFILE.items():
        if not len(companies.ids):
            columns[key] = pa.array(np.zeros(len(rows), np.uint32)) if source == "employee_count" else (
                pa.array([""] * len(rows), pa.string()))
        elif source == "employee_count":
            columns[key] = pa.array(np.where(has, companies.employee_count[at], 0).astype(np.uint32))
        elif not _keeps_codes(col := companies.columns[source], rows):
            columns[key] = pc.if_else(pa.array(~has), "", col.values.take(pa.array(col.codes[at])))
        else:  # people without a company get the dictionary's entry "" (added if it has none)
            values, empty = col.values, col.empty
            if empty < 0 and not has.all():
                values, empty = pa.concat_arrays([values, pa.array([""], pa.string())]), len(values)
            codes32 = np.where(has, col.codes[at].astype(np.int32), np.int32(empty))
            columns[key] = pa.DictionaryArray.from_arrays(pa.array(codes32), values)
    return columns


def _keeps_codes(col: Column, rows: npt.NDArray[np.integer]) -> bool:
    """Whether a column of these rows stays dictionary-coded: only when its
    dictionary is no larger than the rows (a file carries the whole dictionary: 300,000 company
    names for a 556-row run made its snapshot 0.14 s instead of 0.05 s)."""
    return len(col.values) <= len(rows)


def _take_arrays(table: pa.Table, rows: npt.NDArray[np.integer]) -> dict[str, pa.Array]:
    """Columns of these rows as Arrow arrays, gathered batch by batch (in row order, then put
    back in the order asked), so the memory-mapped file is never concatenated or converted."""
    order = np.argsort(rows, kind="stable")
    ordered = rows[order]
    batches = table.to_batches()
    ends = np.cumsum([b.num_rows for b in batches])
    which = np.searchsorted(ends, ordered, side="right")
    parts = []
    for b in np.unique(which).tolist():
        local = ordered[which == b] - (ends[b] - batches[b].num_rows)
        parts.append(batches[b].take(pa.array(local)))
    if not parts:  # no rows asked
        return {name: pa.array([], table.schema.field(name).type) for name in table.column_names}
    gathered = pa.Table.from_batches(parts).combine_chunks()
    back = pa.array(np.argsort(order, kind="stable"))  # position in `ordered` of each asked row
    return {name: gathered.column(name).chunk(0).take(back) for name in table.column_names}


def _values(col: Column, codes: npt.NDArray[np.integer]) -> list[str]:
    if col.listed is not None:
        listed = col.listed
        return [listed[c] for c in codes.tolist()]
    return col.values.take(pa.array(codes)).to_pylist()  # type: ignore[no-any-return]


def _page_columns(index: ServingIndex, rows: npt.NDArray[np.integer],
                  keys: Collection[str] | None) -> dict[str, list[Any]]:
    """`_profile_columns` of a page of rows as Python values (what a page renders), only `keys`
    (None: all): dictionary values by code, no Arrow call per small column."""
    people, companies = index.people, index.companies
    company = people.company_row[rows]
    has = company >= 0
    at = np.where(has, company, 0)
    profile = people.profile
    if keys is not None:
        profile = profile.select([name for name in profile.column_names if name in keys])
    wide = _take_arrays(profile, rows)
    out: dict[str, list[Any]] = {}
    for name in PROFILE_ORDER:
        if keys is not None and name not in keys:
            continue
        out[name] = wide[name].to_pylist() if name in wide else _values(people.columns[name], people.columns[name].codes[rows])
    out["is_b2b"], out["is_b2c"] = people.b2b[rows].tolist(), people.b2c[rows].tolist()
    out["company_id"] = people.company_ids[rows].tolist()
    present = has.tolist()
    for key, source in COMPANY_PROFILE.items():
        if keys is not None and key not in keys:
            continue
        if not len(companies.ids):
            out[key] = [0 if source == "employee_count" else ""] * len(rows)
        elif source == "employee_count":
            out[key] = np.where(has, companies.employee_count[at], 0).tolist()
        else:
            col = companies.columns[source]
            out[key] = [v if p else "" for v, p in zip(_values(col, col.codes[at]), present, strict=True)]
    return out


def profiles(index: ServingIndex, person_ids: Sequence[int],
             keys: Collection[str] | None = None) -> dict[int, dict[str, object]]:
    """The sample profile columns of these people, by person id: the keys and values
    `audience_sql.profiles` answers (companies missing give the LEFT JOIN's defaults); only
    `keys` when given (a masked sample shows a third fewer columns)."""
    if not person_ids:
        return {}
    ids = np.asarray(person_ids, dtype=np.uint32)
    columns = {"person_id": ids.tolist(), **_page_columns(index, np.searchsorted(index.people.ids, ids), keys)}
    names = list(columns)
    return {int(pid): dict(zip(names, record, strict=True))
            for pid, record in zip(ids.tolist(), zip(*columns.values(), strict=True), strict=True)}


# Keys of a sample profile in `audience_sql.PROFILES` order; company keys and their columns.
PROFILE_ORDER = (
    "hashed_email", "first_name", "last_name", "business_email", "personal_email", "phone", "linkedin_url",
    "headline", "job_title", "seniority", "department", "age_range", "gender", "city", "state", "zip", "country",
)
COMPANY_PROFILE = {
    "company_name": "name", "company_domain": "domain", "company_industry": "industry",
    "company_industry_group": "industry_group", "company_size": "size_range",
    "company_employee_count": "employee_count", "company_revenue_range": "revenue_range",
    "company_city": "city", "company_state": "state", "company_country": "country",
    "company_linkedin_url": "linkedin_url", "company_naics": "naics", "company_sic": "sic",
}
