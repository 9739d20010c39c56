"""The serving index answers exactly what the SQL path answers: count, breakdowns, ranked rows
(score, overlap, topic order), pages and profiles, for every filter type and random configs."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orbit.audiences import config as cfg
from orbit.audiences import service
from orbit.serving import build as builder
from orbit.serving import query, suppression
from orbit.serving.holder import key_of
from orbit.serving.index import IndexKey, ServingIndex
from orbit.topics.service import Snapshot, TopicCatalog
from orbit.warehouse import audience_sql, runs_sql, suppression_sql
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Params
from tests.audiences.reference import World
from tests.audiences.test_preview_reference import _cases, random_config
from tests.conftest import SMALL_END, Loaded

pytestmark = pytest.mark.warehouse


@pytest.fixture(scope="module")
def snap(loaded: Loaded) -> Snapshot:
    return TopicCatalog(loaded.wh, loaded.sessions).current()


@pytest.fixture(scope="module")
def vocab(loaded: Loaded, snap: Snapshot) -> cfg.Vocabulary:
    return service.vocabulary(snap, service.FilterCatalogCache(loaded.wh).current(snap))


@pytest.fixture(scope="module")
def index(loaded: Loaded, snap: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> ServingIndex:
    key = key_of(snap)
    assert key is not None and key.data_date == SMALL_END
    return builder.build(loaded.wh, key, directory=tmp_path_factory.mktemp("serving"))


def spec_of(body: dict[str, Any], vocab: cfg.Vocabulary, day: date = SMALL_END) -> audience_sql.AudienceSpec:
    normalized, problems = cfg.normalize(body, vocab)
    assert normalized is not None, problems
    return cfg.to_spec(normalized, day)


def assert_same(wh: Warehouse, index: ServingIndex, spec: audience_sql.AudienceSpec, *, limit: int = 50,
                offset: int = 0) -> int:
    sql = service.evaluate(wh, None, spec, limit=limit, offset=offset)
    mem = service.evaluate(wh, index, spec, limit=limit, offset=offset)
    assert (sql.served_from, mem.served_from) == ("warehouse", "index")
    assert mem.counted == sql.counted
    assert mem.rows == sql.rows
    assert mem.profiles == sql.profiles
    return sql.counted.total


def test_every_filter_type_matches_the_sql_path(loaded: Loaded, index: ServingIndex, vocab: cfg.Vocabulary,
                                                popular: list[int]) -> None:
    totals = [assert_same(loaded.wh, index, spec_of(case, vocab)) for case in _cases(popular)]
    assert sum(1 for t in totals if t > 0) >= len(totals) * 0.8, totals  # not vacuous
    assert any(t > 50 for t in totals)


def test_pages_beyond_the_sample_match(loaded: Loaded, index: ServingIndex, vocab: cfg.Vocabulary,
                                       popular: list[int]) -> None:
    spec = spec_of({"topicIds": popular[:8], "minScore": 50}, vocab)
    total = assert_same(loaded.wh, index, spec, limit=40, offset=0)
    assert total > 200
    for offset in (40, 137, total - 5, total, total + 10):
        assert_same(loaded.wh, index, spec, limit=40, offset=offset)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_configs_match_the_sql_path(loaded: Loaded, index: ServingIndex, vocab: cfg.Vocabulary,
                                           world: World, popular: list[int], data: st.DataObject) -> None:
    body = random_config(data, world, popular[:80], max_topics=12)
    assert_same(loaded.wh, index, spec_of(body, vocab))


def test_other_days_and_unknown_columns_take_the_sql_path(index: ServingIndex, vocab: cfg.Vocabulary,
                                                          snap: Snapshot, popular: list[int]) -> None:
    newest = spec_of({"topicIds": popular[:2]}, vocab)
    assert query.supports(index, newest)
    older = spec_of({"topicIds": popular[:2]}, vocab, day=snap.dates[0])
    assert not query.supports(index, older)
    person_range = audience_sql.AudienceSpec(SMALL_END, (popular[0],), 50, 99, 1,
                                             (audience_sql.Range("person", "zip", 1, 2),))
    assert not query.supports(index, person_range)


# --- hand-made data: non-ASCII text, missing companies, people missing from persons -----------------

DAY = date(2026, 1, 5)
TITLES = ["Directeur Général", "DIRECTEUR ÉTUDES", "İnşaat Müdürü", "straße manager", "VP Sales", "", "Ärztin"]
CITIES = ["München", "MÜNCHEN", "Zürich", "Austin", "İzmir", "", "ÅRHUS"]


def _write(tmp: Path, name: str, table: pa.Table) -> Path:
    path = tmp / f"{name}.parquet"
    pq.write_table(table, path)
    return path


@pytest.fixture
def handmade(fresh_wh: Warehouse, tmp_path: Path) -> Warehouse:
    n = 70
    persons = pa.table({
        "person_id": pa.array([i * 3 + 1 for i in range(n)], pa.uint32()),  # sparse ids
        "hashed_email": [f"{i:064x}" for i in range(n)],
        "business_email": [f"p{i}@x.com" if i % 3 else "" for i in range(n)],
        "personal_email": [f"p{i}@mail.com" if i % 4 else "" for i in range(n)],
        "first_name": [f"Zoë{i % 5}" for i in range(n)], "last_name": [f"Ölz{i}" for i in range(n)],
        "phone": ["+1 555" if i % 2 else "" for i in range(n)], "linkedin_url": ["" for _ in range(n)],
        "headline": ["" for _ in range(n)], "job_title": [TITLES[i % len(TITLES)] for i in range(n)],
        "seniority": [["vp", "director", "staff", ""][i % 4] for i in range(n)],
        "department": [["sales", "marketing", ""][i % 3] for i in range(n)],
        "age_range": ["25-34" for _ in range(n)], "gender": [["female", "male", ""][i % 3] for i in range(n)],
        "city": [CITIES[i % len(CITIES)] for i in range(n)], "state": [["BY", "ZH", "TX"][i % 3] for i in range(n)],
        "zip": [f"8{i:04d}" for i in range(n)], "country": ["germany" for _ in range(n)],
        "is_b2b": pa.array([i % 2 for i in range(n)], pa.uint8()), "is_b2c": pa.array([1 - i % 2 for i in range(n)], pa.uint8()),
        # company 0 and 999 do not exist
        "company_id": pa.array([[10, 20, 30, 0, 999][i % 5] for i in range(n)], pa.uint32()),
    })
    companies = pa.table({
        "company_id": pa.array([10, 20, 30], pa.uint32()), "name": ["Müller GmbH", "ACME", "Ünal A.Ş."],
        "domain": ["müller.de", "acme.com", "unal.com.tr"], "industry": ["retail", "software development", "retail"],
        "industry_group": ["", "tech", ""], "size_range": ["1 to 10", "51 to 100", "1 to 10"],
        "revenue_range": ["", "", "under 1 million"], "city": ["Köln", "", "İzmir"], "state": ["NW", "", ""],
        "country": ["germany", "united states", "türkiye"], "linkedin_url": ["", "", ""], "naics": ["", "", ""],
        "sic": ["", "", ""], "employee_count": pa.array([5, 80, 0], pa.uint32()),
    })
    signals = pa.table({
        "data_date": pa.array([DAY] * (n * 2 + 3), pa.date32()),
        "topic_id": pa.array([1] * n + [2] * n + [1, 2, 3], pa.uint32()),
        "score": pa.array([50 + (i * 7) % 50 for i in range(n)] + [99 - (i * 5) % 50 for i in range(n)] + [99, 99, 99], pa.uint8()),
        # the last three belong to a person missing from persons
        "person_id": pa.array([i * 3 + 1 for i in range(n)] * 2 + [5000, 5000, 5000], pa.uint32()),
        "signal_count": pa.array([1] * (n * 2 + 3), pa.uint16()),
    })
    for name, table in (("persons", persons), ("companies", companies), ("signals", signals)):
        fresh_wh.load_parquet(name, table.column_names, _write(tmp_path, name, table))
    return fresh_wh


def _terms(level: str, column: str, terms: list[str], operator: str, mode: str = "any", negate: bool = False) -> audience_sql.Terms:
    return audience_sql.Terms(level, column, tuple(t.lower() for t in terms), operator, mode, negate)  # type: ignore[arg-type]


def test_non_ascii_text_missing_companies_and_unknown_people(handmade: Warehouse, tmp_path: Path) -> None:
    index = builder.build(handmade, IndexKey(DAY, 1, None, 1), directory=tmp_path / "serving")
    assert index.dropped_signals == 3
    spec = audience_sql.AudienceSpec
    cases = [
        spec(DAY, (1, 2), 50, 99, 1, (_terms("person", "job_title", ["directeur"], "contains"),)),
        spec(DAY, (1, 2), 50, 99, 1, (_terms("person", "job_title", ["DIRECTEUR ÉTUDES", "ärztin"], "equals"),)),
        spec(DAY, (1, 2), 50, 99, 2, (_terms("person", "job_title", ["i̇nşaat", "straße"], "starts_with"),)),
        spec(DAY, (1, 2), 50, 99, 1, (_terms("person", "city", ["münchen"], "equals"),)),
        spec(DAY, (1, 2), 50, 99, 1, (_terms("person", "city", ["ü", "r"], "contains", "all"),)),
        spec(DAY, (1, 2), 50, 99, 1, (_terms("person", "job_title", ["manager"], "contains", negate=True),)),
        spec(DAY, (1, 2), 60, 90, 1, (_terms("company", "name", ["müller", "ş"], "contains"),)),
        spec(DAY, (1,), 50, 99, 1, (audience_sql.ValuesIn("company", "industry", ("retail",)),)),
        spec(DAY, (1, 2, 3), 50, 99, 1, (audience_sql.Range("company", "employee_count", None, 10),)),
        spec(DAY, (2,), 70, 99, 1, (audience_sql.Flag("has_phone", False), audience_sql.ValuesIn("person", "gender", ("",)))),
        spec(DAY, (1, 2), 50, 99, 1, (audience_sql.Flag("is_decision_maker", True),)),
    ]
    totals = []
    for case in cases:
        assert query.supports(index, case)
        totals.append(assert_same(handmade, index, case))
        assert assert_same_snapshot(handmade, index, case, tmp_path / "handover", cap=25) == min(totals[-1], 25)
    assert all(t > 0 for t in totals), totals
    # Without filters the SQL ranks the unknown person's signals too: the index declines.
    bare = spec(DAY, (1, 2, 3), 50, 99, 1)
    assert not query.supports(index, bare)
    assert service.evaluate(handmade, index, bare, limit=50).served_from == "warehouse"


def test_answers_are_remembered_for_the_life_of_the_index(loaded: Loaded, index: ServingIndex,
                                                          vocab: cfg.Vocabulary, popular: list[int]) -> None:
    spec = spec_of({"topicIds": popular[3:6], "minScore": 60}, vocab)
    first = service.evaluate(loaded.wh, index, spec, limit=50)
    assert service.evaluate(loaded.wh, index, spec, limit=50) is first  # no second evaluation
    assert service.evaluate(loaded.wh, index, spec, limit=10) is not first  # another page, another answer
    for i in range(index.answer_cache_entries):  # the least recently used answers are dropped
        query.remembered(index, ("filler", i), lambda i=i: i)
    assert query.remembered(index, (spec, 50, 0), lambda: "recomputed") == "recomputed"
    cold = dataclasses.replace(index, answer_cache_entries=0, answers=OrderedDict())
    assert service.evaluate(loaded.wh, cold, spec, limit=50) is not service.evaluate(loaded.wh, cold, spec, limit=50)


def test_an_empty_warehouse_builds_an_empty_index(fresh_wh: Warehouse, tmp_path: Path) -> None:
    index = builder.build(fresh_wh, IndexKey(DAY, 0, None, 0), directory=tmp_path)
    assert len(index.people.ids) == 0 and len(index.postings.rows) == 0
    spec = audience_sql.AudienceSpec(DAY, (1, 2), 50, 99, 1, (audience_sql.Flag("has_phone", True),))
    assert assert_same(fresh_wh, index, spec) == 0


# --- runs: the snapshot hydrated from the index equals the one ranked by SQL ---------------------

def _snapshot(wh: Warehouse, run_id: str, rows: int) -> list[dict[str, Any]]:
    return runs_sql.page(wh, run_id=run_id, attempt=1, limit=max(rows, 1), offset=0)


def assert_same_snapshot(wh: Warehouse, index: ServingIndex, spec: audience_sql.AudienceSpec, workdir: Path,
                         *, cap: int, part_rows: int | None = None) -> int:
    """Ranked by SQL, and ranked and hydrated from the index (in parts of `part_rows` ranks;
    default: one part): equal snapshots and counts."""
    tag = uuid.uuid4().hex[:12]
    by_sql = runs_sql.materialize(wh, spec, run_id=f"sql-{tag}", attempt=1, cap=cap)
    sel = query.select(index, spec, suppression.mask(index, wh, spec.suppression))
    parts = query.snapshot_parts(index, sel, cap=cap, part_rows=part_rows or max(cap, 1))
    hydrated = runs_sql.write_snapshot(wh, parts, (sel.matched, sel.total), run_id=f"hyd-{tag}", attempt=1,
                                       workdir=workdir, suppressed=sel.suppressed)
    if index.dropped_signals:  # the SQL counts people missing from persons among the candidates
        assert hydrated.candidate_count <= by_sql.candidate_count
        hydrated = dataclasses.replace(hydrated, candidate_count=by_sql.candidate_count)
    assert hydrated == by_sql
    assert _snapshot(wh, f"hyd-{tag}", by_sql.kept_rows) == _snapshot(wh, f"sql-{tag}", by_sql.kept_rows)
    assert list(workdir.iterdir()) == []  # the file handed to the engine is gone
    return by_sql.kept_rows


def test_runs_hydrated_from_the_index_equal_runs_ranked_by_sql(loaded: Loaded, index: ServingIndex, vocab: cfg.Vocabulary,
                                                        popular: list[int], tmp_path: Path) -> None:
    kept = [assert_same_snapshot(loaded.wh, index, spec_of(case, vocab), tmp_path, cap=cap)
            for case in _cases(popular)[:12] for cap in (7, 100_000)]
    assert sum(1 for k in kept if k > 7) >= 6, kept  # not vacuous: whole audiences, not only capped tops
    # Written in parts (one INSERT each, the next hydrated while one loads): the same rows.
    split = [assert_same_snapshot(loaded.wh, index, spec_of(case, vocab), tmp_path, cap=500, part_rows=40)
             for case in _cases(popular)[:6]]
    assert sum(1 for k in split if k > 80) >= 3, split  # not vacuous: three parts or more
    # Nothing matches: an empty snapshot, counted as such.
    none = spec_of({"topicIds": popular[:1], "minScore": 99, "filters": {"role.seniority": {"values": ["c_suite"]}},
                    "minTopicOverlap": 1}, vocab)
    assert assert_same_snapshot(loaded.wh, index, dataclasses.replace(none, topic_ids=()), tmp_path, cap=10) == 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), cap=st.integers(1, 2_000))
def test_random_runs_hydrated_from_the_index_equal_sql(loaded: Loaded, index: ServingIndex, vocab: cfg.Vocabulary,
                                                world: World, popular: list[int], tmp_path: Path,
                                                data: st.DataObject, cap: int) -> None:
    body = random_config(data, world, popular[:80], max_topics=12)
    assert_same_snapshot(loaded.wh, index, spec_of(body, vocab), tmp_path, cap=cap)


# --- suppression lists: the index's per-list masks leave out exactly whom the SQL leaves out -------

def _publish(wh: Warehouse, entries: list[tuple[str, str]], workdir: Path) -> suppression_sql.ListRef:
    list_id, upload = uuid.uuid4().hex, uuid.uuid4().hex
    suppression_sql.stage(wh, upload_id=upload, kinds=[k for k, _ in entries], values=[v for _, v in entries],
                          workdir=workdir)
    counts = suppression_sql.publish(wh, list_id=list_id, upload_id=upload, base=0, new=1, append=False)
    assert sum(counts.values()) == len(set(entries))
    return suppression_sql.ListRef(list_id, 1, tuple(k for k in suppression_sql.KINDS if counts.get(k)))


def _h(name: str, text: str) -> str:
    return hashlib.new(name, text.encode()).hexdigest()


def test_suppression_lists_leave_out_the_same_people_on_both_paths(handmade: Warehouse, tmp_path: Path) -> None:
    index = builder.build(handmade, IndexKey(DAY, 1, None, 1), directory=tmp_path / "serving")
    # Person i has id 3i+1, hashed_email = i as 64 hex digits, p{i}@x.com (business, i % 3 != 0),
    # p{i}@mail.com (personal, i % 4 != 0), company [10, 20, 30, none, none][i % 5].
    people = _publish(handmade, [
        ("sha256", f"{5:064x}"),  # person 5 by hashed_email
        ("sha256", _h("sha256", "p7@x.com")),  # person 7 by business e-mail
        ("md5", _h("md5", "p9@mail.com")),  # person 9 by personal e-mail
        ("sha1", _h("sha1", "p10@x.com")),  # person 10
        ("sha1", _h("sha1", "p12@x.com")),  # nobody: person 12 has no business e-mail
        ("md5", _h("md5", "nobody@x.com")),
    ], tmp_path)
    companies = _publish(handmade, [("domain", "acme.com"), ("domain", "müller.de")], tmp_path)  # companies 20, 10
    assert suppression_sql.suppressed_people(handmade, [people]).tolist() == [3 * i + 1 for i in (5, 7, 9, 10)]
    by_domain = sorted(3 * i + 1 for i in range(70) if i % 5 in (0, 1))
    assert suppression_sql.suppressed_people(handmade, [companies]).tolist() == by_domain
    spec = audience_sql.AudienceSpec
    cases = [
        spec(DAY, (1, 2), 50, 99, 1, (audience_sql.Flag("is_b2b", True),)),
        spec(DAY, (1, 2), 50, 99, 1, (audience_sql.Flag("is_b2b", False),)),
        spec(DAY, (1, 2), 60, 90, 1, (audience_sql.ValuesIn("person", "gender", ("female", "male", "")),)),
    ]
    for case in cases:
        plain = assert_same(handmade, index, case, limit=100)
        for lists in ((people,), (companies,), (people, companies)):
            suppressed = dataclasses.replace(case, suppression=lists)
            total = assert_same(handmade, index, suppressed, limit=100)
            kept = assert_same_snapshot(handmade, index, suppressed, tmp_path / "handover", cap=1000)
            counts = runs_sql.materialize(handmade, suppressed, run_id=uuid.uuid4().hex, attempt=1, cap=1000)
            assert (kept, counts.result_count + counts.suppressed_count) == (total, plain)
    # Not vacuous: the lists do leave people out of these audiences.
    both = dataclasses.replace(cases[2], suppression=(people, companies))
    assert service.evaluate(handmade, index, both, limit=1).counted.total < assert_same(handmade, index, cases[2])
    assert len(index.verdicts) >= 2  # one mask per list version, kept with the index


def test_an_empty_list_suppresses_nobody(loaded: Loaded, index: ServingIndex, vocab: cfg.Vocabulary,
                                          popular: list[int], tmp_path: Path) -> None:
    empty = suppression_sql.ListRef(uuid.uuid4().hex, 1, ())
    spec = spec_of({"topicIds": popular[:3]}, vocab)
    assert suppression_sql.suppressed_sql(Params(), [empty]) is None
    with_empty = dataclasses.replace(spec, suppression=(empty,))
    assert assert_same(loaded.wh, index, with_empty) == assert_same(loaded.wh, index, spec)
