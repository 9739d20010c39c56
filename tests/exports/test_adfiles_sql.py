"""The ad-platform files in the engine: headers exactly as documented, normalisation and hashing
against SHA-256 values computed here (golden), the Python reference on hostile values, rows
without a key left out and counted, segments, changes."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping, Sequence

import pytest

from orbit.exports.formats import LIMITS, ExportType, Limits, LineLimiter, geo
from orbit.warehouse import adfiles_sql
from orbit.warehouse.adfiles_sql import Changes, Platform
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.changes_sql import ChangeKind, SnapshotRef
from orbit.warehouse.statement import Profile, Statement
from tests.exports import adfiles_ref as ref
from tests.warehouse.csv_cells import HOSTILE

pytestmark = pytest.mark.warehouse

# Snapshot column ← export.csv name (what adfiles_ref reads).
COLUMNS = {"first_name": "firstName", "last_name": "lastName", "business_email": "businessEmail",
           "personal_email": "personalEmail", "phone": "phone", "job_title": "jobTitle",
           "company_name": "company.name", "city": "city", "state": "state", "zip": "zip", "country": "country"}


def _h(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def insert(wh: Warehouse, run_id: str, people: Sequence[Mapping[str, str]], *, attempt: int = 1,
           first_person: int = 1) -> None:
    """One snapshot row per person, ranks 1.. in order; values travel hex-encoded."""
    cols = list(COLUMNS)
    values = {c: [p.get(COLUMNS[c], "").encode().hex() for p in people] for c in cols}
    texts = ", ".join(f"unhex(arrayElement({{{c}:Array(String)}}, n))" for c in cols)
    sql = (f"INSERT INTO run_results (run_id, attempt, rank, person_id, score, {', '.join(cols)}) "
           "SELECT {run_id:String}, {attempt:UInt16}, toUInt32(n), toUInt64(n - 1 + {first:UInt64}), 80, "
           f"{texts} FROM (SELECT number AS n FROM numbers(1, {{n:UInt32}}))")
    params = {**values, "run_id": run_id, "attempt": attempt, "first": first_person, "n": len(people)}
    wh.command(Statement(sql, params), profile=Profile.INGEST)


def file_rows(wh: Warehouse, platform: Platform, run_id: str, n: int, *, segment_rows: int = 150_000,
              changes: Changes | None = None) -> list[list[str]]:
    body = adfiles_sql.header(platform) + b"".join(adfiles_sql.file_stream(
        wh, platform, geo(), SnapshotRef(run_id, 1), cur_rows=n, changes=changes, segment_rows=segment_rows))
    assert body.count(b"\r\n") == len(list(csv.reader(io.StringIO(body.decode(), newline=""))))  # one row a line
    return list(csv.reader(io.StringIO(body.decode(), newline="")))


ALICE = {"firstName": "  Alice ", "lastName": "O'Brien-Smith", "personalEmail": " Alice.Smith@Gmail.com ",
         "businessEmail": "alice@acme.io", "phone": "+1-415-555-0100", "jobTitle": "VP  Sales",
         "company.name": "Acme Inc", "city": "San Francisco", "state": "CA", "zip": "94105-1234",
         "country": "united states"}
BOB = {"firstName": "Émile", "lastName": "Zola", "personalEmail": "", "businessEmail": "EMILE@Example.FR",
       "phone": "0033 1 23 45 67 89", "city": "Paris", "state": "Île-de-France", "zip": "75001",
       "country": "France"}
NOKEY = {"firstName": "Carl", "lastName": "", "personalEmail": "not-an-email", "phone": "555-0100",
         "country": "germany"}
NAMES_ONLY = {"firstName": "Dana", "lastName": "Lee", "company.name": "Lee & Co", "zip": "10001",
              "country": "USA", "city": "New York", "state": "New York"}


def test_headers_are_the_platforms_own() -> None:
    assert adfiles_sql.header(Platform.LINKEDIN) == b"email,firstname,lastname,jobtitle,employeecompany,country,googleaid\r\n"
    assert adfiles_sql.header(Platform.GOOGLE_ADS) == b"Email,Email,Phone,First Name,Last Name,Country,Zip\r\n"
    assert adfiles_sql.header(Platform.META) == b"email,email,phone,fn,ln,ct,st,zip,country\r\n"


def test_golden_values(fresh_wh: Warehouse) -> None:
    """Every cell against SHA-256 of the normalised value, written out by hand."""
    insert(fresh_wh, "r1", [ALICE, BOB, NOKEY, NAMES_ONLY])
    li = file_rows(fresh_wh, Platform.LINKEDIN, "r1", 4)
    assert li == [ref.HEADERS["linkedin"],
                  [_h("alice@acme.io"), "Alice", "O'Brien-Smith", "VP Sales", "Acme Inc", "US", ""],
                  [_h("emile@example.fr"), "Émile", "Zola", "", "", "FR", ""],
                  ["", "Dana", "Lee", "", "Lee & Co", "US", ""]]
    g = file_rows(fresh_wh, Platform.GOOGLE_ADS, "r1", 4)
    assert g == [ref.HEADERS["google_ads"],
                 [_h("alicesmith@gmail.com"), _h("alice@acme.io"), _h("+14155550100"), _h("alice"),
                  _h("o'brien-smith"), "US", "94105-1234"],
                 [_h("emile@example.fr"), "", _h("+33123456789"), _h("émile"), _h("zola"), "FR", "75001"],
                 ["", "", "", _h("dana"), _h("lee"), "US", "10001"]]
    m = file_rows(fresh_wh, Platform.META, "r1", 4)
    assert m == [ref.HEADERS["meta"],
                 [_h("alice.smith@gmail.com"), _h("alice@acme.io"), _h("14155550100"), _h("alice"),
                  _h("obriensmith"), _h("sanfrancisco"), _h("ca"), _h("94105"), _h("us")],
                 [_h("emile@example.fr"), "", _h("33123456789"), _h("émile"), _h("zola"), _h("paris"),
                  _h("îledefrance"), _h("75001"), _h("fr")],
                 ["", "", "", _h("dana"), _h("lee"), _h("newyork"), _h("ny"), _h("10001"), _h("us")]]
    for platform in Platform:
        counts = adfiles_sql.counts(fresh_wh, platform, geo(), SnapshotRef("r1", 1))
        assert (counts.rows, counts.usable) == (4, 3)


def _hostile_people() -> list[dict[str, str]]:
    """Every hostile value in every column, plus keys in some rows so most are kept."""
    people = []
    for i, value in enumerate(HOSTILE):
        p = dict.fromkeys(COLUMNS.values(), value)
        if i % 3 == 0:
            p["personalEmail"] = f"{value}x{i}@example.com"
        if i % 3 == 1:
            p["phone"], p["country"] = f"{value}+44 20 7946 {i:04d}", "United Kingdom"
        people.append(p)
    return people


@pytest.mark.parametrize("platform", list(Platform))
def test_hostile_values_match_the_python_reference(fresh_wh: Warehouse, platform: Platform) -> None:
    people = _hostile_people()
    insert(fresh_wh, "rh", people)
    expected = [r for r in (ref.row(platform.value, p) for p in people) if r is not None]
    got = file_rows(fresh_wh, platform, "rh", len(people), segment_rows=7)  # segments join seamlessly
    assert got[0] == ref.HEADERS[platform.value]
    assert got[1:] == expected
    assert adfiles_sql.counts(fresh_wh, platform, geo(), SnapshotRef("rh", 1)).usable == len(expected)


def test_changes_files_hold_the_kind(fresh_wh: Warehouse) -> None:
    """New people come from the run, dropped ones from the previous run."""
    insert(fresh_wh, "prev", [ALICE, BOB], first_person=1)
    insert(fresh_wh, "cur", [BOB, NAMES_ONLY], first_person=2)
    prev = SnapshotRef("prev", 1)
    new = file_rows(fresh_wh, Platform.META, "cur", 2, changes=Changes(ChangeKind.NEW, prev, 10, 2))
    assert new[1:] == [ref.row("meta", NAMES_ONLY)]
    dropped = file_rows(fresh_wh, Platform.META, "cur", 2, changes=Changes(ChangeKind.DROPPED, prev, 10, 2))
    assert dropped[1:] == [ref.row("meta", ALICE)]
    counts = adfiles_sql.counts(fresh_wh, Platform.LINKEDIN, geo(), SnapshotRef("cur", 1),
                                changes=Changes(ChangeKind.NEW, prev, 10, 2))
    assert (counts.rows, counts.usable) == (1, 1)


def test_limiter_cuts_at_whole_rows() -> None:
    header = b"a,b\r\n"
    chunks = [b'"1","x"\r\n"2",', b'"y"\r\n"3","z"\r\n', b'"4","w"\r\n']
    whole = LineLimiter(header, chunks, Limits(None, None))
    assert b"".join(whole) == header + b"".join(chunks) and (whole.rows, whole.truncated) == (4, False)
    by_rows = LineLimiter(header, chunks, Limits(max_rows=3, max_bytes=None))
    assert b"".join(by_rows) == header + b'"1","x"\r\n"2","y"\r\n"3","z"\r\n' and by_rows.truncated
    by_bytes = LineLimiter(header, chunks, Limits(max_rows=None, max_bytes=len(header) + 18))
    assert b"".join(by_bytes) == header + b'"1","x"\r\n"2","y"\r\n' and by_bytes.rows == 2 and by_bytes.truncated
    assert LIMITS[ExportType.LINKEDIN] == Limits(300_000, 20_000_000)
    with pytest.raises(ValueError):
        list(LineLimiter(header, [b'"1"'], Limits(None, None)))
