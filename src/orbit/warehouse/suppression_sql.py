"""Suppression list items in the warehouse: staging an upload, publishing a version, and the
people that a set of list versions leaves out. Organization scoping happens in metadata first:
every statement here takes list ids and versions that metadata handed out.

Matching (docs/suppression.md): a SHA-256, SHA-1 or MD5 entry suppresses every person one of
whose e-mail addresses (personal or business, trimmed and lower-cased) has that hash, and a
SHA-256 entry also the person whose `hashed_email` it is; a domain entry suppresses everyone
whose company's domain (lower-cased, without `www.`) equals it. Hashes of people's e-mails are
computed here, when lists are applied, so people loaded after an upload are matched too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Params, Profile, Statement

KINDS = ("sha256", "sha1", "md5", "domain")
STAGING_COLUMNS = ("upload_id", "kind", "value")


@dataclass(frozen=True, slots=True, order=True)
class ListRef:
    """One published version of a list, and the kinds of item it holds (only those are matched)."""

    list_id: str
    version: int
    kinds: tuple[str, ...]


def stage(wh: Warehouse, *, upload_id: str, kinds: Sequence[str], values: Sequence[str], workdir: Path) -> None:
    """Append normalized entries of an upload to its staging rows (one Parquet file, loaded by
    the engine, then removed). Raises WarehouseQueryError."""
    if not values:
        return
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"suppression-{uuid.uuid4().hex}.parquet"
    table = pa.table({
        "upload_id": pa.array([upload_id] * len(values), pa.string()).dictionary_encode(),
        "kind": pa.array(kinds, pa.string()).dictionary_encode(),
        "value": pa.array(values, pa.string()),
    })
    try:
        pq.write_table(table, path, compression="none", write_statistics=False)
        wh.load_parquet("suppression_staging", STAGING_COLUMNS, path)
    finally:
        path.unlink(missing_ok=True)


# Version `new` = distinct (kind, value) of the staged upload, plus version `base` when appending.
PUBLISH = (
    "INSERT INTO suppression_items (list_id, version, kind, value) "
    "SELECT {list_id:String}, {new:UInt32}, kind, value FROM ("
    "SELECT kind, value FROM suppression_staging WHERE upload_id = {upload_id:String} "
    "UNION ALL SELECT kind, value FROM suppression_items "
    "WHERE list_id = {list_id:String} AND version = {base:UInt32} AND {append:UInt8} = 1"
    ") GROUP BY kind, value"
)
KIND_COUNTS = (
    "SELECT kind, count() AS n FROM suppression_items "
    "WHERE list_id = {list_id:String} AND version = {version:UInt32} GROUP BY kind"
)
DROP_STAGING = "DELETE FROM suppression_staging WHERE upload_id = {upload_id:String}"
DROP_VERSION = "DELETE FROM suppression_items WHERE list_id = {list_id:String} AND version = {version:UInt32}"
# Versions older than the one just replaced: a reader that resolved the replaced version a moment
# ago (a run starting) still finds its items.
DROP_OLDER = (
    "DELETE FROM suppression_items WHERE list_id = {list_id:String} "
    "AND version < {published:UInt32} AND version != {replaced:UInt32}"
)
DROP_LIST = "DELETE FROM suppression_items WHERE list_id = {list_id:String}"


def publish(wh: Warehouse, *, list_id: str, upload_id: str, base: int, new: int, append: bool) -> dict[str, int]:
    """Write version `new` of the list (the staged upload, plus version `base` when appending),
    each entry once; returns its item count per kind. Nothing is visible until metadata points
    the list at `new`. Raises WarehouseQueryError."""
    wh.command(Statement(PUBLISH, {"list_id": list_id, "new": new, "upload_id": upload_id, "base": base,
                                   "append": int(append)}), profile=Profile.INGEST)
    return kind_counts(wh, list_id=list_id, version=new)


def kind_counts(wh: Warehouse, *, list_id: str, version: int) -> dict[str, int]:
    rows = wh.query(Statement(KIND_COUNTS, {"list_id": list_id, "version": version}), profile=Profile.INGEST)
    return {str(r["kind"]): int(r["n"]) for r in rows.to_pylist()}


def drop_staging(wh: Warehouse, *, upload_id: str) -> None:
    wh.command(Statement(DROP_STAGING, {"upload_id": upload_id}), profile=Profile.INGEST)


def drop_version(wh: Warehouse, *, list_id: str, version: int) -> None:
    """Remove a version no reader was ever pointed at (a refused or lost upload)."""
    wh.command(Statement(DROP_VERSION, {"list_id": list_id, "version": version}), profile=Profile.INGEST)


def drop_older(wh: Warehouse, *, list_id: str, published: int, replaced: int) -> None:
    wh.command(Statement(DROP_OLDER, {"list_id": list_id, "published": published, "replaced": replaced}),
               profile=Profile.INGEST)


def drop_list(wh: Warehouse, *, list_id: str) -> None:
    wh.command(Statement(DROP_LIST, {"list_id": list_id}), profile=Profile.INGEST)


def _items(p: Params, refs: Sequence[ListRef], kind: str) -> str:
    """`SELECT value` of one kind over these list versions: one primary-key range per list."""
    versions = " OR ".join(
        f"(list_id = {p.add(r.list_id, 'String')} AND version = {p.add(r.version, 'UInt32')})"
        for r in refs if kind in r.kinds)
    return f"SELECT value FROM suppression_items WHERE ({versions}) AND kind = {p.add(kind, 'String')}"


# The person's e-mails as the hashes were taken of them: trimmed and lower-cased.
_EMAILS = ("business_email", "personal_email")
_HASH = {"sha256": "SHA256", "sha1": "SHA1", "md5": "MD5"}
# Company domains as entries are normalized (lower case, no `www.`).
_COMPANY_DOMAIN = "replaceRegexpOne(lowerUTF8(trimBoth(domain)), '^www[.]', '')"


def suppressed_sql(p: Params, refs: Sequence[ListRef]) -> str | None:
    """`SELECT person_id FROM persons WHERE …` of the people these list versions leave out, or
    None when they hold nothing."""
    present = {kind for r in refs for kind in r.kinds}
    parts: list[str] = []
    for kind in ("sha256", "sha1", "md5"):
        if kind not in present:
            continue
        items = _items(p, refs, kind)
        fn = _HASH[kind]
        if kind == "sha256":
            parts.append(f"toString(hashed_email) IN ({items})")
        for column in _EMAILS:
            parts.append(f"({column} != '' AND lower(hex({fn}(lowerUTF8(trimBoth({column}))))) IN ({items}))")
    if "domain" in present:
        parts.append(f"company_id IN (SELECT company_id FROM companies WHERE {_COMPANY_DOMAIN} IN "
                     f"({_items(p, refs, 'domain')}))")
    if not parts:
        return None
    return f"SELECT person_id FROM persons WHERE {' OR '.join(parts)}"


def suppressed_people(wh: Warehouse, refs: Sequence[ListRef]) -> npt.NDArray[np.uint32]:
    """Person ids these list versions leave out, sorted."""
    p = Params()
    sql = suppressed_sql(p, refs)
    if sql is None:
        return np.empty(0, np.uint32)
    table = wh.query(p.statement(f"SELECT person_id FROM ({sql}) ORDER BY person_id"), profile=Profile.INGEST)
    ids: npt.NDArray[np.uint32] = table.column("person_id").to_numpy().astype(np.uint32)
    return ids
