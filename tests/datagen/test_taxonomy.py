"""Properties of the built-in topic inventory and of user taxonomy loading."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orbit.datagen import sources, taxonomy
from orbit.datagen.taxonomy import TopicRecord, build_topics, load_topics_file, topics_table


@pytest.fixture(scope="module")
def topics() -> list[TopicRecord]:
    return build_topics()


def test_deterministic(topics: list[TopicRecord]) -> None:
    taxonomy._build.cache_clear()  # rebuild from scratch, not from the cache
    again = build_topics()
    assert again == topics


def test_ids_depend_on_the_name_alone(topics: list[TopicRecord]) -> None:
    # An id means the same topic in every data set built from this inventory: it is the hash
    # of the name, probed past collisions only.
    collisions = sum(1 for t in topics if t.topic_id != taxonomy._topic_id(t.name, set()))
    assert collisions < 0.01 * len(topics)
    crm = next(t for t in topics if t.name == "CRM Software")
    assert crm.topic_id == taxonomy._topic_id("CRM Software", set())


def test_returns_fresh_list(topics: list[TopicRecord]) -> None:
    first = build_topics()
    first.clear()
    assert len(build_topics()) == len(topics)


def test_size(topics: list[TopicRecord]) -> None:
    assert 10_000 <= len(topics) <= 20_000


def test_ids_unique_and_in_range(topics: list[TopicRecord]) -> None:
    ids = [t.topic_id for t in topics]
    assert len(set(ids)) == len(ids)
    assert all(taxonomy.ID_MIN <= i <= taxonomy.ID_MAX for i in ids)


def test_ids_sparse(topics: list[TopicRecord]) -> None:
    ids = sorted(t.topic_id for t in topics)
    # Spread over most of the range, not a dense block.
    assert ids[-1] - ids[0] > 0.9 * (taxonomy.ID_MAX - taxonomy.ID_MIN)
    gaps = [b - a for a, b in itertools.pairwise(ids)]
    assert sum(1 for g in gaps if g == 1) < 0.05 * len(gaps)


def test_names_unique_case_insensitive_and_by_form(topics: list[TopicRecord]) -> None:
    names = [t.name.casefold() for t in topics]
    assert not [n for n, c in Counter(names).items() if c > 1]
    # "Bed & Breakfasts" and "Bed and Breakfast" are one topic, not two.
    keys = [taxonomy.name_key(t.name) for t in topics]
    assert not [k for k, c in Counter(keys).items() if c > 1]


def test_no_mechanical_cross_products(topics: list[TopicRecord]) -> None:
    names = {t.name for t in topics}
    # "<topic> for <vertical>" combinations are gone: a few real "X for Y" subjects may remain.
    combos = [n for n in names if " for " in n and n.split(" for ")[0] in names]
    assert len(combos) < 0.002 * len(names), combos[:20]
    # No template stamps out names from other names ("<occupation> Recruiting", "<occupation>
    # Careers"): few names are another topic's name plus one word, and no word does it often.
    folded = {n.casefold() for n in names}
    stamped = Counter(n.split()[-1].casefold() for n in names
                      if len(n.split()) > 1 and n.rsplit(" ", 1)[0].casefold() in folded)
    assert sum(stamped.values()) < 0.08 * len(names), stamped.most_common(10)
    assert all(c < 0.005 * len(names) for c in stamped.values()), stamped.most_common(10)


def test_fields_non_empty(topics: list[TopicRecord]) -> None:
    for t in topics:
        assert t.name.strip() and t.name == t.name.strip(), t
        assert len(t.name) <= 200, t
        assert t.industry.strip() and t.category.strip(), t
        assert t.industry[0].isupper() and t.category[0].isupper(), t


def test_both_types_present(topics: list[TopicRecord]) -> None:
    counts = Counter(t.type for t in topics)
    assert set(counts) == {"b2b", "b2c"}
    assert counts["b2b"] > 2000 and counts["b2c"] > 2000


def test_industry_and_category_cardinality(topics: list[TopicRecord]) -> None:
    assert 15 <= len({t.industry for t in topics}) <= 45
    assert 8 <= len({t.category for t in topics}) <= 30


def test_descriptions(topics: list[TopicRecord]) -> None:
    for t in topics:
        d = t.description
        assert d.endswith("."), t
        assert d[0].isupper() or d[0].isdigit(), t
        assert "{" not in d and "}" not in d, t
        assert d.lower() != f"{t.name.lower()}.", t
        assert len(d) > len(t.name) + 20, t
    assert len({t.description for t in topics}) > 0.99 * len(topics)


def test_keywords(topics: list[TopicRecord]) -> None:
    for t in topics:
        assert 2 <= len(t.keywords) <= 15, t
        assert len(set(t.keywords)) == len(t.keywords), t
        for kw in t.keywords:
            assert kw and kw == kw.lower() and kw == kw.strip(), t


def test_every_source_contributes(topics: list[TopicRecord]) -> None:
    by_name = {t.name: t for t in topics}
    # The hand-written catalogue: software, services, practices, consumer subjects.
    for name in ("CRM Software", "Marketing Automation", "Data Warehousing", "Endpoint Security", "Payroll Services"):
        assert by_name[name].type == "b2b"
    assert by_name["Running Shoes"].type == "b2c"
    assert "crm" in by_name["CRM Software"].keywords
    categories = Counter(t.category for t in topics)
    assert categories["Industry"] > 900  # NAICS 2022
    assert categories["Occupation"] > 700  # O*NET 29.2
    assert categories["Health"] > 300  # ICD-10-CM (and the catalogue)
    assert categories["Product"] > 3000  # Shopify product taxonomy (and the catalogue)
    assert categories["Interest"] > 400  # IAB Content Taxonomy 3.x


def test_catalogue_lines_parse() -> None:
    # Every catalogue line has a header above it, three fields and a real description.
    drafts = list(sources.catalog_drafts())
    assert len(drafts) > 3000
    for d in drafts:
        assert 12 <= len(d.description.split()) <= 45, d
        assert d.type in ("b2b", "b2c")


def test_topics_table_schema(topics: list[TopicRecord]) -> None:
    table = topics_table(topics)
    assert table.num_rows == len(topics)
    assert table.schema.field("topic_id").type == pa.uint32()
    for col in ("name", "type", "industry", "category", "description"):
        assert table.schema.field(col).type == pa.string()
    assert table.schema.field("keywords").type == pa.list_(pa.string())
    assert table.column("keywords")[0].as_py() == list(topics[0].keywords)


# --- load_topics_file ---------------------------------------------------------


_ROWS = [
    {
        "topic_id": 200001,
        "name": "Widget Software",
        "type": "b2b",
        "industry": "Technology",
        "category": "Software",
        "description": "Tools for widgets.",
        "keywords": ["widgets", "widget tools"],
    },
    {
        "topic_id": 200002,
        "name": "Garden Gnomes",
        "type": "B2C",
        "industry": "Home and Garden",
        "category": "Product",
        "description": "Gnomes for gardens.",
        "keywords": ["gnomes"],
    },
]


def _write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    header = "topic_id,name,type,industry,category,description,keywords\n"
    lines = []
    for r in rows:
        kws = r["keywords"]
        kw_text = "|".join(kws) if isinstance(kws, list) else str(kws)
        lines.append(
            f'{r["topic_id"]},"{r["name"]}",{r["type"]},{r["industry"]},{r["category"]},"{r["description"]}",{kw_text}\n'
        )
    path.write_text(header + "".join(lines), encoding="utf-8")


def _check_loaded(records: list[TopicRecord]) -> None:
    assert [r.topic_id for r in records] == [200001, 200002]
    assert records[0].keywords == ("widgets", "widget tools")
    assert records[1].type == "b2c"


def test_load_csv(tmp_path: Path) -> None:
    path = tmp_path / "topics.csv"
    _write_csv(path, _ROWS)
    _check_loaded(load_topics_file(path))


def test_load_json_array(tmp_path: Path) -> None:
    path = tmp_path / "topics.json"
    path.write_text(json.dumps(_ROWS), encoding="utf-8")
    _check_loaded(load_topics_file(path))


def test_load_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "topics.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in _ROWS) + "\n", encoding="utf-8")
    _check_loaded(load_topics_file(path))


def test_load_parquet_round_trip(tmp_path: Path, topics: list[TopicRecord]) -> None:
    path = tmp_path / "topics.parquet"
    pq.write_table(topics_table(topics[:500]), path)
    assert load_topics_file(path) == topics[:500]


def test_load_minimal_fields_get_defaults(tmp_path: Path) -> None:
    path = tmp_path / "topics.json"
    path.write_text(
        json.dumps([{"topic_id": "42", "name": "Solar Carports", "type": "b2b"}]), encoding="utf-8"
    )
    (rec,) = load_topics_file(path)
    assert rec.topic_id == 42
    assert rec.keywords  # derived from the name
    assert rec.description.endswith(".")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"topic_id": -5}, "topic_id"),
        ({"topic_id": "abc"}, "topic_id"),
        ({"topic_id": 200002}, "duplicates"),
        ({"name": "garden gnomes"}, "duplicates"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"type": "b2x"}, "type"),
        ({"keywords": 5}, "keywords"),
    ],
)
def test_load_rejects_bad_rows(tmp_path: Path, change: dict[str, object], message: str) -> None:
    rows = [dict(_ROWS[0], **change), _ROWS[1]]
    rows = [rows[1], rows[0]]  # the bad row is second, so duplicates are detected on it
    path = tmp_path / "topics.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        load_topics_file(path)
    assert "record 2" in str(info.value)


def test_load_csv_names_line(tmp_path: Path) -> None:
    path = tmp_path / "topics.csv"
    _write_csv(path, [_ROWS[0], dict(_ROWS[1], type="enterprise")])
    with pytest.raises(ValueError, match=r"line 3: field 'type'"):
        load_topics_file(path)


def test_load_csv_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "topics.csv"
    path.write_text("topic_id,name\n1,Thing\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing column"):
        load_topics_file(path)


def test_load_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "topics.xml"
    path.write_text("<topics/>", encoding="utf-8")
    with pytest.raises(ValueError, match="unsupported"):
        load_topics_file(path)


def test_load_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "topics.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(ValueError, match="no topics"):
        load_topics_file(path)
