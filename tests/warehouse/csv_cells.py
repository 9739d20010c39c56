"""The CSV formula-escaping rule of docs/exports.md written in Python from the documentation (not
from the SQL), hostile values for snapshot rows, and the cells a row of them must give."""

from __future__ import annotations

import unicodedata

from orbit.warehouse.backend import Warehouse
from orbit.warehouse.runs_sql import CSV_COLUMNS
from orbit.warehouse.statement import Profile, Statement

# Skipped before a formula character: separators (space, NBSP, U+3000), controls, format characters.
INVISIBLE = ("Zs", "Zl", "Zp", "Cc", "Cf")
FORMULA = frozenset("=+-@＝＋－＠")

# Each one is written into every text column of one snapshot row.
HOSTILE = (
    "=1+1", "+1-415-555-0100", "-2", "@SUM(A1:A9)", "=cmd|' /C calc'!A0",
    "\t=1", "\tplain", "\r=1", "\rplain", "\n=1", "\nplain",
    "＝1+1", "＋1", "－1", "＠SUM(A1)",
    "\ufeff=1+1", "\ufeff＋1", " =1+1", "   @x", "\u00a0=1", "\u3000-1", "\u200b=1", "\u2028+1",
    "\u200e\u200f@x", " \t =1", "\x0b=1", "\x0c+1", "\x7f=1", "\x85=1",
    "'", "'quoted", "''twice", "'=1", " 'not", "\ufeff'x",
    "\x00=1", "a\x00b", "\x00'x", "\x00", "=\x00x",
    "", " ", "plain", "x=1", "1+1", "a-b", "mail@example.com", "Émile", "\ufeffhello", " leading space",
    "\u00a0plain", "mid\nline", "mid\r\nline", 'quote"inside', "comma,inside", "tab\tinside", "ß@",
)

# The rule on a few values, spelled out: the Python model below must agree with it.
EXAMPLES = {
    "=1+1": "'=1+1", "+1-415": "'+1-415", "\tx": "'\tx", "\nx": "'\nx", "＝1": "'＝1", "＠x": "'＠x",
    "\ufeff=1": "'\ufeff=1", "  =1": "'  =1", "\u00a0－1": "'\u00a0－1", "'x": "''x", "\x00=1": "'=1",
    "a\x00b": "ab", " 'x": " 'x", "x=1": "x=1", " x": " x", "Émile": "Émile", "": "",
}


def escaped(value: str) -> str:
    """The cell Orbit writes for a text `value`."""
    text = value.replace("\x00", "")
    skipped = 0
    while skipped < len(text) and unicodedata.category(text[skipped]) in INVISIBLE:
        skipped += 1
    formula = text[:1] in ("'", "\t", "\r", "\n") or text[skipped : skipped + 1] in FORMULA
    return "'" + text if formula else text


def unescaped(cell: str) -> str:
    """The documented de-escaping: drop one leading apostrophe from every cell that has one."""
    return cell[1:] if cell.startswith("'") else cell


# Snapshot columns that hold text; the hostile value goes into each of them.
TEXT_COLUMNS = (
    "hashed_email", "first_name", "last_name", "business_email", "personal_email", "phone", "linkedin_url",
    "headline", "job_title", "seniority", "department", "age_range", "gender", "city", "state", "zip",
    "country", "company_name", "company_domain", "company_industry", "company_industry_group", "company_size",
    "company_revenue_range", "company_city", "company_state", "company_country", "company_linkedin_url",
    "company_naics", "company_sic",
)
def expected_row(value: str, *, rank: int) -> list[str]:
    """The CSV cells of a row whose text columns all hold `value` and whose others are as `make_hostile` sets them."""
    computed = {
        "rank": str(rank), "isB2b": "y", "isB2c": "n", "company.employeeCount": "",
        "intent.score": "77", "intent.topicOverlap": "2", "intent.matchedTopicIds": "5|9",
        "fullName": f"{value} {value}".strip(" "),  # trimBoth: spaces only
    }
    return [escaped(computed.get(name, value)) for name, _ in CSV_COLUMNS]


def make_hostile(wh: Warehouse, *, run_id: str, attempt: int) -> None:
    """Overwrite every row of a snapshot: row `rank` gets HOSTILE[(rank - 1) % len(HOSTILE)] in
    each text column and FIXED in the others. Values travel hex-encoded, so no driver escaping
    can change them on the way in."""
    value = "unhex(arrayElement({values:Array(String)}, toUInt32((rank - 1) % {n:UInt32}) + 1))"
    sets = [f"{c} = {value}" for c in TEXT_COLUMNS]
    sets += ["score = 77", "overlap = 2", "topic_ids = [5, 9]", "is_b2b = 1", "is_b2c = 0", "company_employee_count = 0"]
    sql = (f"ALTER TABLE run_results UPDATE {', '.join(sets)} "
           "WHERE run_id = {run_id:String} AND attempt = {attempt:UInt16} SETTINGS mutations_sync = 2")
    params = {"values": [v.encode().hex() for v in HOSTILE], "n": len(HOSTILE), "run_id": run_id, "attempt": attempt}
    wh.command(Statement(sql, params), profile=Profile.INGEST)


def hostile_for(rank: int) -> str:
    return HOSTILE[(rank - 1) % len(HOSTILE)]
