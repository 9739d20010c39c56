"""Owns the intent-topic inventory: the TopicRecord shape, its deterministic builder and user taxonomy loading."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from orbit.datagen import sources
from orbit.datagen.sources import TOPIC_TYPES, content_words, keywords

ID_MIN = 100_000
ID_MAX = 599_999
MAX_NAME_LEN = 200
_UINT32_MAX = 2**32 - 1


@dataclass(frozen=True, slots=True)
class TopicRecord:
    topic_id: int
    name: str
    type: str
    industry: str
    category: str
    description: str
    keywords: tuple[str, ...]


# Sources in order of precedence: a name (or a near-identical one) taken by an earlier source is
# skipped in later ones, so the hand-written catalogue wins over the extracts.
def _sources() -> list[Iterable[sources.Draft]]:
    return [
        sources.catalog_drafts(),
        sources.iab_drafts(),
        sources.naics_drafts(),
        sources.onet_drafts(),
        sources.shopify_drafts(),
        sources.icd_drafts(),
    ]


def name_key(name: str) -> str:
    """What makes two names the same topic: case, "&"/"and", punctuation, plurals and bracketed
    asides aside."""
    # "Chronic Kidney Disease (CKD)" is "Chronic Kidney Disease": a bracketed aside names nothing new.
    text = re.sub(r"\s*\([^)]*\)", "", name).casefold().replace("&", " and ")
    return sources.singular(" ".join(re.findall(r"[a-z0-9+#]+", text)))


def _topic_id(name: str, taken: set[int]) -> int:
    """Stable sparse id from the name alone, so an id means the same topic in every data set
    built from this inventory; probing keeps it unique without densifying the range."""
    span = ID_MAX - ID_MIN + 1
    digest = hashlib.blake2b(f"orbit-topic\x1f{name.casefold()}".encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "big") % span
    while ID_MIN + value in taken:
        value = (value + 7919) % span
    return ID_MIN + value


@lru_cache(maxsize=1)
def _build() -> tuple[TopicRecord, ...]:
    keys: set[str] = set()
    drafts: list[sources.Draft] = []
    for block in _sources():
        for d in block:
            for name in (d.name, *d.alt_names):
                key = name_key(name)
                if key and key not in keys and len(name) <= MAX_NAME_LEN:
                    keys.add(key)
                    drafts.append(d if name == d.name else replace(d, name=name))
                    break
    taken: set[int] = set()
    records: list[TopicRecord] = []
    # Ids are assigned in name order, so adding a topic never moves another's id.
    for d in sorted(drafts, key=lambda d: d.name.casefold()):
        tid = _topic_id(d.name, taken)
        taken.add(tid)
        records.append(TopicRecord(tid, d.name, d.type, d.industry, d.category, d.description, d.keywords))
    records.sort(key=lambda r: r.topic_id)
    return tuple(records)


def build_topics() -> list[TopicRecord]:
    """Orbit's topic inventory (see `orbit.datagen.sources`): deterministic, ids stable by name."""
    return list(_build())

_SCHEMA = pa.schema(
    [
        ("topic_id", pa.uint32()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("industry", pa.string()),
        ("category", pa.string()),
        ("description", pa.string()),
        ("keywords", pa.list_(pa.string())),
    ]
)


def topics_table(records: list[TopicRecord]) -> pa.Table:
    """Columns: topic_id uint32, name, type, industry, category, description strings, keywords list<string>."""
    return pa.table(
        {
            "topic_id": [r.topic_id for r in records],
            "name": [r.name for r in records],
            "type": [r.type for r in records],
            "industry": [r.industry for r in records],
            "category": [r.category for r in records],
            "description": [r.description for r in records],
            "keywords": [list(r.keywords) for r in records],
        },
        schema=_SCHEMA,
    )


# ---------------------------------------------------------------------------
# User-supplied taxonomies.
# ---------------------------------------------------------------------------

_REQUIRED_FIELDS = ("topic_id", "name", "type")


def _read_csv(path: Path) -> list[tuple[str, dict[str, Any]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [f for f in _REQUIRED_FIELDS if f not in header]
        if missing:
            raise ValueError(f"{path}: CSV header is missing column(s) {', '.join(missing)}; found {header}")
        rows: list[tuple[str, dict[str, Any]]] = []
        for row in reader:
            clean = {str(k).strip(): v for k, v in row.items() if k is not None}
            rows.append((f"line {reader.line_num}", clean))
        return rows


def _read_json(path: Path) -> list[tuple[str, dict[str, Any]]]:
    text = path.read_text(encoding="utf-8-sig")
    items: list[tuple[str, Any]] = []
    if text.lstrip().startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: invalid JSON: {exc}") from exc
        items = [(f"record {i}", obj) for i, obj in enumerate(data, start=1)]
    else:
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append((f"line {lineno}", json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: line {lineno}: invalid JSON: {exc}") from exc
    rows: list[tuple[str, dict[str, Any]]] = []
    for where, obj in items:
        if not isinstance(obj, dict):
            raise ValueError(f"{path}: {where}: expected a JSON object, got {type(obj).__name__}")
        rows.append((where, obj))
    return rows


def _read_parquet(path: Path) -> list[tuple[str, dict[str, Any]]]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    missing = [f for f in _REQUIRED_FIELDS if f not in table.column_names]
    if missing:
        raise ValueError(f"{path}: Parquet file is missing column(s) {', '.join(missing)}")
    return [(f"row {i}", row) for i, row in enumerate(table.to_pylist(), start=1)]


def _parse_id(value: Any, where: str) -> int:
    bad = ValueError(f"{where}: field 'topic_id' must be a positive integer, got {value!r}")
    if isinstance(value, bool):
        raise bad
    if isinstance(value, int):
        tid = value
    elif isinstance(value, float) and value.is_integer():
        tid = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        tid = int(value.strip())
    else:
        raise bad
    if not 1 <= tid <= _UINT32_MAX:
        raise ValueError(f"{where}: field 'topic_id' must be between 1 and {_UINT32_MAX}, got {tid}")
    return tid


def _parse_text(row: dict[str, Any], key: str, where: str, default: str) -> str:
    value = row.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValueError(f"{where}: field '{key}' must be a string, got {value!r}")
    return value.strip() or default


def _parse_keywords(value: Any, where: str, name: str) -> tuple[str, ...]:
    if value is None or value == "":
        items: list[str] = []
    elif isinstance(value, str):
        items = value.split("|")
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        items = list(value)
    else:
        raise ValueError(
            f"{where}: field 'keywords' must be a '|'-separated string or a list of strings, got {value!r}"
        )
    kws = keywords(items)
    if not kws:  # still matchable by name when the user gave no keywords
        kws = keywords([name, *content_words(name)])
    return kws


def _validate_rows(rows: list[tuple[str, dict[str, Any]]], source: str) -> list[TopicRecord]:
    if not rows:
        raise ValueError(f"{source}: no topics found")
    ids: dict[int, str] = {}
    names: dict[str, str] = {}
    records: list[TopicRecord] = []
    for where_, row in rows:
        where = f"{source}: {where_}"
        for key in _REQUIRED_FIELDS:
            if row.get(key) in (None, ""):
                raise ValueError(f"{where}: field '{key}' is missing or empty")
        tid = _parse_id(row["topic_id"], where)
        if tid in ids:
            raise ValueError(f"{where}: field 'topic_id' {tid} duplicates {ids[tid]}")
        ids[tid] = where_
        raw_name = row["name"]
        if not isinstance(raw_name, str) or not raw_name.strip():
            raise ValueError(f"{where}: field 'name' must be a non-empty string, got {raw_name!r}")
        name = re.sub(r"\s+", " ", raw_name).strip()
        if len(name) > MAX_NAME_LEN:
            raise ValueError(f"{where}: field 'name' is {len(name)} characters; the limit is {MAX_NAME_LEN}")
        if name.casefold() in names:
            raise ValueError(
                f"{where}: field 'name' {name!r} duplicates {names[name.casefold()]} (names are case-insensitive)"
            )
        names[name.casefold()] = where_
        raw_type = row["type"]
        topic_type = raw_type.strip().lower() if isinstance(raw_type, str) else ""
        if topic_type not in TOPIC_TYPES:
            raise ValueError(f"{where}: field 'type' must be 'b2b' or 'b2c', got {raw_type!r}")
        records.append(
            TopicRecord(
                topic_id=tid,
                name=name,
                type=topic_type,
                industry=_parse_text(row, "industry", where, "General"),
                category=_parse_text(row, "category", where, "General"),
                description=_parse_text(row, "description", where, f"Interest in {name}."),
                keywords=_parse_keywords(row.get("keywords"), where, name),
            )
        )
    return records


def load_topics_file(path: Path) -> list[TopicRecord]:
    """Load a user taxonomy from CSV, JSON (array or lines) or Parquet; raise ValueError naming the bad row/field.

    CSV header: topic_id,name,type,industry,category,description,keywords with keywords separated by '|'.
    Only topic_id, name and type are required; the other fields get neutral defaults.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ValueError(f"{path}: topics file not found")
    if suffix == ".csv":
        rows = _read_csv(path)
    elif suffix in (".json", ".jsonl", ".ndjson"):
        rows = _read_json(path)
    elif suffix in (".parquet", ".pq"):
        rows = _read_parquet(path)
    else:
        raise ValueError(
            f"{path}: unsupported topics file type {suffix!r}; use .csv, .json, .jsonl or .parquet"
        )
    return _validate_rows(rows, str(path))
