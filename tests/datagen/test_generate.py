"""The synthetic data set: deterministic, sized by scale, realistic in its values."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orbit.datagen import files, generate, vocab
from tests.conftest import SEED, SMALL_DAYS, SMALL_END


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.parquet"))
    }


def test_same_seed_gives_identical_files(tmp_path: Path, small_dataset: Path) -> None:
    again = tmp_path / "again"
    generate.generate(again, seed=SEED, scale=0.002, days=SMALL_DAYS, end_date=SMALL_END)
    assert _digests(again) == _digests(small_dataset)
    assert len(_digests(again)) == 3 + SMALL_DAYS


def test_other_seed_gives_other_signals(tmp_path: Path, small_dataset: Path) -> None:
    other = tmp_path / "other"
    generate.generate(other, seed=SEED + 1, scale=0.002, days=1, end_date=SMALL_END)
    a = pq.read_table(files.signal_file(other, SMALL_END))
    b = pq.read_table(files.signal_file(small_dataset, SMALL_END))
    assert not a.equals(b)


def test_a_day_does_not_depend_on_how_many_days_are_generated(tmp_path: Path, small_dataset: Path) -> None:
    one = tmp_path / "one"
    generate.generate(one, seed=SEED, scale=0.002, days=1, end_date=SMALL_END)
    assert pq.read_table(files.signal_file(one, SMALL_END)).equals(pq.read_table(files.signal_file(small_dataset, SMALL_END)))


def test_sizes_follow_the_scale(small_dataset: Path) -> None:
    assert pq.read_metadata(small_dataset / files.COMPANIES).num_rows == 600
    assert pq.read_metadata(small_dataset / files.PERSONS).num_rows == 4_000
    days = files.signal_dates(small_dataset)
    assert days == [date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19), SMALL_END]
    rows = [pq.read_metadata(files.signal_file(small_dataset, d)).num_rows for d in days]
    # ~30M rows a day at scale 1 -> ~60k at 0.002, within generous bounds.
    assert all(40_000 < r < 90_000 for r in rows), rows


def test_one_row_per_person_and_topic_a_day(small_dataset: Path) -> None:
    t = pq.read_table(files.signal_file(small_dataset, SMALL_END))
    keys = t.column("person_id").to_numpy().astype(np.uint64) << np.uint64(32) | t.column("topic_id").to_numpy().astype(np.uint64)
    assert len(np.unique(keys)) == t.num_rows
    scores = t.column("score").to_numpy()
    assert scores.max() <= 99 and (scores >= 90).any() and (scores < 60).any()


def test_values_use_the_filter_vocabulary(small_dataset: Path) -> None:
    persons = pq.read_table(small_dataset / files.PERSONS)
    companies = pq.read_table(small_dataset / files.COMPANIES)
    def used(table: object, col: str) -> set[str]:
        return set(table.column(col).to_pylist()) - {""}  # type: ignore[attr-defined]
    assert used(persons, "seniority") <= set(vocab.SENIORITIES)
    assert {"director", "vp", "c_suite"} <= used(persons, "seniority")
    assert used(persons, "department") <= set(vocab.DEPARTMENTS)
    assert used(persons, "age_range") <= set(vocab.AGE_RANGES)
    assert used(persons, "gender") == {"male", "female"}
    assert used(companies, "revenue_range") <= set(vocab.REVENUE_RANGES)
    assert "10 million to 25 million" in used(companies, "revenue_range")
    assert used(companies, "size_range") <= set(vocab.SIZE_RANGES)
    assert "software development" in used(companies, "industry")
    assert all(len(h) == 64 for h in persons.column("hashed_email").to_pylist())


def test_fill_rates_vary_like_real_profiles(small_dataset: Path) -> None:
    persons = pq.read_table(small_dataset / files.PERSONS)
    rates = {
        col: 1 - pc.sum(pc.equal(persons.column(col), "")).as_py() / persons.num_rows
        for col in ("hashed_email", "business_email", "personal_email", "phone", "linkedin_url", "job_title", "first_name")
    }
    assert rates["hashed_email"] == 1.0
    assert 0.25 < rates["phone"] < 0.45
    assert 0.35 < rates["linkedin_url"] < 0.55
    assert 0.6 < rates["job_title"] < 0.8
    assert len({round(r, 1) for r in rates.values()}) >= 4


def test_some_topics_surge_between_days(small_dataset: Path) -> None:
    days = files.signal_dates(small_dataset)
    def audience(d: date) -> dict[int, int]:
        t = pq.read_table(files.signal_file(small_dataset, d), columns=["topic_id"])
        ids, counts = np.unique(t.column("topic_id").to_numpy(), return_counts=True)
        return dict(zip(ids.tolist(), counts.tolist(), strict=True))
    first, last = audience(days[0]), audience(days[-1])
    big = [t for t, n in first.items() if n >= 50]
    changes = [abs(last.get(t, 0) - first[t]) / first[t] for t in big]
    assert max(changes) > 0.5  # a surge or a fade
    assert np.median(changes) < 0.5  # most topics are steady
