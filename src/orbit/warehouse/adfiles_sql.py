"""Ad-platform upload files of a run's rows or of its changes, produced by the engine: each
platform's columns, normalisation and SHA-256 hashing in SQL, streamed as CSV like export.csv.

The rules and their sources are in docs/ad_platforms.md; `tests/exports/adfiles_ref.py` is the
same rules in Python. Every cell goes through export.csv's formula-injection escaping (hashes
and codes never need it). No cell holds a line break, so a file has one row per CRLF line.
Rows with no key the platform can match on are left out; `counts` says how many.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from enum import StrEnum

from orbit.warehouse import changes_sql, runs_sql
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.changes_sql import ChangeKind, SnapshotRef
from orbit.warehouse.statement import Params, Statement


class Platform(StrEnum):
    LINKEDIN = "linkedin"
    GOOGLE_ADS = "google_ads"
    META = "meta"


@dataclass(frozen=True, slots=True)
class Geo:
    """Lookup tables, bound as parameters: lower-case country names and codes → ISO 3166-1
    alpha-2 (upper case); lower-case US state names → USPS codes."""

    country_names: list[str]
    country_codes: list[str]
    state_names: list[str]
    state_codes: list[str]


# Snapshot columns the files read (besides rank, and person_id/score for changes).
SOURCE_COLUMNS = ("first_name", "last_name", "business_email", "personal_email", "phone", "job_title",
                  "company_name", "city", "state", "zip", "country")

_WS = r"[\s\p{Z}\p{Cc}\p{Cf}]+"  # whitespace, separators, controls, format characters
_NON_LETTERS = r"[^\p{L}]+"


def _q(constant: str) -> str:
    """A ClickHouse string literal of one of our own constants (never of user input)."""
    return "'" + constant.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _sha(expr: str) -> str:
    """Lower-case hex SHA-256 of a non-empty value; empty stays empty."""
    return f"if(empty({expr}), '', lower(hex(SHA256({expr}))))"


def _squash(expr: str) -> str:
    """Runs of whitespace/controls → one space, trimmed: plain text on one line."""
    return f"trimBoth(replaceRegexpAll({expr}, {_q(_WS)}, ' '))"


def _letters(expr: str) -> str:
    """Lower case, letters only (accented letters kept)."""
    return f"replaceRegexpAll(lowerUTF8({expr}), {_q(_NON_LETTERS)}, '')"


def _email(expr: str, *, gmail_dots: bool) -> str:
    """Whitespace removed, lower case; empty unless it looks like an address (one @, a dot in
    the domain). `gmail_dots`: dots before @gmail.com / @googlemail.com removed (Google)."""
    e = f"lowerUTF8(replaceRegexpAll({expr}, {_q(_WS)}, ''))"
    if gmail_dots:
        e = (f"if(match({e}, '@(gmail|googlemail)\\\\.com$'), "
             f"concat(replaceAll(substring({e}, 1, position({e}, '@') - 1), '.', ''), "
             f"substring({e}, position({e}, '@'))), {e})")
    return f"if(match({e}, '^[^@]+@[^@]+\\\\.[^@]+$'), {e}, '')"


# E.164 digits (no '+'): a number written with + or 00 already carries its country code; a
# national number is only completed for the North American plan (US, CA: 10 digits, or 11 with
# the leading 1). Anything else, or a result outside 8..15 digits, is unusable: empty.
_PHONE_DIGITS = (
    "multiIf(match(ph, '^\\\\+'), digits, match(ph, '^00'), substring(digits, 3), "
    "cc IN ('US', 'CA') AND length(digits) = 10, concat('1', digits), "
    "cc IN ('US', 'CA') AND length(digits) = 11 AND startsWith(digits, '1'), digits, '')"
)


def _normalised(p: Params, geo: Geo) -> str:
    """The per-row values every platform picks from, computed once (from the `s` subquery)."""
    names = p.add(geo.country_names, "Array(String)")
    codes = p.add(geo.country_codes, "Array(String)")
    states: dict[str, str] = {}
    for name, code in zip(geo.state_names, geo.state_codes, strict=True):
        for key in (name, code.lower(), name.replace(" ", "")):
            states.setdefault(key, code.lower())
    st_keys, st_vals = p.add(list(states), "Array(String)"), p.add(list(states.values()), "Array(String)")
    return ", ".join([
        "rank",
        f"transform(lowerUTF8({_squash('s_country')}), {names}, {codes}, '') AS cc",
        f"{_email('s_personal_email', gmail_dots=False)} AS pe",
        f"{_email('s_business_email', gmail_dots=False)} AS be",
        f"{_email('s_personal_email', gmail_dots=True)} AS pe_g",
        f"{_email('s_business_email', gmail_dots=True)} AS be_g",
        f"trimBoth(replaceRegexpAll(s_phone, {_q(_WS)}, ' ')) AS ph",
        "replaceRegexpAll(ph, '[^0-9]', '') AS digits",
        f"if(match({_PHONE_DIGITS} AS pd, '^[1-9][0-9]{{7,14}}$'), pd, '') AS e164",
        f"{_squash('s_first_name')} AS fn_text", f"{_squash('s_last_name')} AS ln_text",
        f"{_squash('s_job_title')} AS title_text", f"{_squash('s_company_name')} AS company_text",
        f"lowerUTF8(replaceRegexpAll(s_first_name, {_q(_WS)}, '')) AS fn_g",
        f"lowerUTF8(replaceRegexpAll(s_last_name, {_q(_WS)}, '')) AS ln_g",
        f"{_letters('s_first_name')} AS fn_m", f"{_letters('s_last_name')} AS ln_m", f"{_letters('s_city')} AS ct_m",
        f"{_letters('s_state')} AS st_l",
        f"if(cc = 'US', transform(lowerUTF8({_squash('s_state')}), {st_keys}, {st_vals}, "
        f"transform(st_l, {st_keys}, {st_vals}, st_l)), st_l) AS st_m",
        f"{_squash('s_zip')} AS zip_text",
        "lowerUTF8(replaceRegexpAll(zip_text, ' ', '')) AS zip_l",
        "if(cc = 'US', if(match(zip_l, '^[0-9]{5}'), substring(zip_l, 1, 5), ''), zip_l) AS zip_m",
    ])


def _two_emails(pe: str, be: str) -> tuple[str, str]:
    """Hashes of up to two addresses, personal first: (first, second); the second is the
    business address when both exist and differ."""
    first = f"if(empty({pe}), {_sha(be)}, {_sha(pe)})"
    second = f"if(empty({pe}) OR empty({be}) OR {pe} = {be}, '', {_sha(be)})"
    return first, second


# Each platform: (header, cells, usable). Cells and the usable-row condition are expressions of
# `_normalised`'s names.
def _platform_sql(platform: Platform) -> tuple[list[str], list[str], str]:
    if platform == Platform.LINKEDIN:
        # The contact-list template's headers, unchanged. Email: the business address (LinkedIn
        # is a professional network), else the personal one, SHA-256 hashed; names, title and
        # company in plain text within LinkedIn's field lengths (35, 35, 50, 50).
        email = _sha("if(empty(be), pe, be)")
        cells = [email, "substringUTF8(fn_text, 1, 35)", "substringUTF8(ln_text, 1, 35)",
                 "substringUTF8(title_text, 1, 50)", "substringUTF8(company_text, 1, 50)", "cc", "''"]
        usable = "(NOT (empty(pe) AND empty(be))) OR (NOT empty(fn_text) AND NOT empty(ln_text) AND NOT empty(company_text))"
        return ["email", "firstname", "lastname", "jobtitle", "employeecompany", "country", "googleaid"], cells, usable
    if platform == Platform.GOOGLE_ADS:
        # Customer Match: e-mail, phone (E.164 with +), first and last name hashed; country
        # (ISO-2) and zip in plain text. Two Email columns (Google allows repeated ones).
        e1, e2 = _two_emails("pe_g", "be_g")
        cells = [e1, e2, _sha("if(empty(e164), '', concat('+', e164))"), _sha("fn_g"), _sha("ln_g"), "cc", "zip_text"]
        usable = ("(NOT (empty(pe_g) AND empty(be_g))) OR (NOT empty(e164)) OR "
                  "(NOT empty(fn_g) AND NOT empty(ln_g) AND NOT empty(cc) AND NOT empty(zip_text))")
        return ["Email", "Email", "Phone", "First Name", "Last Name", "Country", "Zip"], cells, usable
    # Meta: every key normalised, then SHA-256; two email columns.
    e1, e2 = _two_emails("pe", "be")
    cells = [e1, e2, _sha("e164"), _sha("fn_m"), _sha("ln_m"), _sha("ct_m"), _sha("st_m"), _sha("zip_m"),
             _sha("lower(cc)")]
    usable = ("(NOT (empty(pe) AND empty(be))) OR (NOT empty(e164)) OR "
              "(NOT empty(fn_m) AND NOT empty(ln_m) AND NOT (empty(zip_m) AND empty(ct_m)))")
    return ["email", "email", "phone", "fn", "ln", "ct", "st", "zip", "country"], cells, usable


def header(platform: Platform) -> bytes:
    """The header line, CRLF-terminated, exactly as the platform names its columns."""
    return (",".join(_platform_sql(platform)[0]) + "\r\n").encode()


def _cleaned() -> str:
    # NUL bytes removed from every text read, as export.csv does.
    return ", ".join(f"replaceAll(toString({c}), '\\0', '') AS s_{c}" for c in SOURCE_COLUMNS)


def _select(p: Params, platform: Platform, geo: Geo, source: str) -> str:
    """The platform's escaped cells of the usable rows of `source` (rows exposing rank and the
    source columns), in rank order."""
    _, cells, usable = _platform_sql(platform)
    texts = ", ".join(f"{expr} AS c{i}" for i, expr in enumerate(cells))
    escaped = ", ".join(runs_sql.csv_cell(f"c{i}") for i in range(len(cells)))
    return (
        f"SELECT {escaped} FROM (SELECT rank, {texts} FROM (SELECT {_normalised(p, geo)} "
        f"FROM (SELECT rank, {_cleaned()} FROM {source})) WHERE {usable}) ORDER BY rank "
        f"SETTINGS output_format_csv_crlf_end_of_line = 1, {runs_sql.BATCH_SETTINGS}"
    )


def _run_source(p: Params, ref: SnapshotRef, ranks: tuple[int, int] | None) -> str:
    where = (f"run_results WHERE run_id = {p.add(ref.run_id, 'String')} "
             f"AND attempt = {p.add(ref.attempt, 'UInt16')}")
    if ranks is not None:
        where += f" AND rank > {p.add(ranks[0], 'UInt32')} AND rank <= {p.add(ranks[1], 'UInt32')}"
    return where


def _changes_source(p: Params, kind: ChangeKind, cur: SnapshotRef, prev: SnapshotRef, *, min_change: int,
                    ranks: tuple[int, int] | None) -> str:
    columns = ("rank", "person_id", "score", *SOURCE_COLUMNS)
    return f"({changes_sql.kind_sql(p, kind, cur, prev, min_change=min_change, columns=columns, ranks=ranks)})"


@dataclass(frozen=True, slots=True)
class Changes:
    """The changes a file is made of: one kind of `cur` against `prev`."""

    kind: ChangeKind
    prev: SnapshotRef
    min_change: int
    prev_rows: int


def file_statement(platform: Platform, geo: Geo, cur: SnapshotRef, *, ranks: tuple[int, int],
                   changes: Changes | None = None) -> Statement:
    """One segment of a file: the rows whose rank (the run's; the previous run's for dropped
    people) is in (offset, end]."""
    p = Params()
    if changes is None:
        source = _run_source(p, cur, ranks)
    else:
        source = _changes_source(p, changes.kind, cur, changes.prev, min_change=changes.min_change, ranks=ranks)
    return p.statement(_select(p, platform, geo, source))


def file_stream(wh: Warehouse, platform: Platform, geo: Geo, cur: SnapshotRef, *, cur_rows: int,
                changes: Changes | None = None, segment_rows: int = runs_sql.CSV_SEGMENT_ROWS,
                ) -> Generator[bytes, None, None]:
    """The file's rows (no header) as CSV bytes, in rank order: one streamed statement per
    `segment_rows` ranks, like `runs_sql.csv_stream` (drain it promptly, or close it).
    Raises WarehouseQueryError."""
    rows = cur_rows if changes is None or changes.kind != ChangeKind.DROPPED else changes.prev_rows
    for offset in range(0, rows, segment_rows):
        stmt = file_statement(platform, geo, cur, ranks=(offset, offset + segment_rows), changes=changes)
        yield from wh.stream_bytes(stmt, fmt="CSV")


@dataclass(frozen=True, slots=True)
class FileCounts:
    rows: int  # source rows (the run's, or the kind's changes)
    usable: int  # rows with a key the platform matches on: the file's rows, before its limits


def counts(wh: Warehouse, platform: Platform, geo: Geo, cur: SnapshotRef, *,
           changes: Changes | None = None) -> FileCounts:
    """How many source rows there are and how many of them the file keeps (one statement)."""
    p = Params()
    source = _run_source(p, cur, None) if changes is None else _changes_source(
        p, changes.kind, cur, changes.prev, min_change=changes.min_change, ranks=None)
    usable = _platform_sql(platform)[2]
    sql = (f"SELECT count() AS n, countIf({usable}) AS usable FROM (SELECT {_normalised(p, geo)} "
           f"FROM (SELECT rank, {_cleaned()} FROM {source})) SETTINGS {runs_sql.BATCH_SETTINGS}")
    row = wh.query(p.statement(sql)).to_pylist()[0]
    return FileCounts(int(row["n"]), int(row["usable"]))
