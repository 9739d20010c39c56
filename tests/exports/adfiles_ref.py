"""The ad-platform files' rules in plain Python (docs/ad_platforms.md), written apart from the SQL
in `warehouse/adfiles_sql.py`, for the tests to compare against: one output row per input row
(a dict of the snapshot's text columns, as export.csv names them), or None when it is left out."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from orbit.exports.formats import geo
from tests.warehouse.csv_cells import escaped

HEADERS = {
    "linkedin": ["email", "firstname", "lastname", "jobtitle", "employeecompany", "country", "googleaid"],
    "google_ads": ["Email", "Email", "Phone", "First Name", "Last Name", "Country", "Zip"],
    "meta": ["email", "email", "phone", "fn", "ln", "ct", "st", "zip", "country"],
}
_WS = re.compile(r"[\s\u00ad\u0085\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff\x00-\x1f\x7f-\x9f]+")


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest() if value else ""


def squash(value: str) -> str:
    return _WS.sub(" ", value).strip(" ")


def no_ws(value: str) -> str:
    return _WS.sub("", value)


def letters(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch.isalpha())


def country(value: str) -> str:
    g = geo()
    table = dict(zip(g.country_names, g.country_codes, strict=True))
    return table.get(squash(value).lower(), "")


def email(value: str, *, gmail_dots: bool) -> str:
    e = no_ws(value).lower()
    if gmail_dots and re.search(r"@(gmail|googlemail)\.com$", e):
        local, _, domain = e.partition("@")
        e = local.replace(".", "") + "@" + domain
    return e if re.fullmatch(r"[^@]+@[^@]+\.[^@]+", e) else ""


def e164_digits(phone: str, cc: str) -> str:
    text = squash(phone)
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        out = digits
    elif text.startswith("00"):
        out = digits[2:]
    elif cc in ("US", "CA") and len(digits) == 10:
        out = "1" + digits
    elif cc in ("US", "CA") and len(digits) == 11 and digits.startswith("1"):
        out = digits
    else:
        out = ""
    return out if re.fullmatch(r"[1-9][0-9]{7,14}", out) else ""


def us_state(value: str) -> str:
    g = geo()
    table: dict[str, str] = {}
    for name, code in zip(g.state_names, g.state_codes, strict=True):
        for key in (name, code.lower(), name.replace(" ", "")):
            table.setdefault(key, code.lower())
    plain = letters(value)
    return table.get(squash(value).lower(), table.get(plain, plain))


def two(pe: str, be: str) -> tuple[str, str]:
    if not pe:
        return sha(be), ""
    return sha(pe), ("" if not be or be == pe else sha(be))


def row(platform: str, p: Mapping[str, str]) -> list[str] | None:
    """The file row of one person, escaped as the file holds it; None when left out."""
    v = {k: (p.get(k) or "").replace("\0", "") for k in (
        "firstName", "lastName", "businessEmail", "personalEmail", "phone", "jobTitle", "company.name",
        "city", "state", "zip", "country")}
    cc = country(v["country"])
    if platform == "linkedin":
        pe, be = email(v["personalEmail"], gmail_dots=False), email(v["businessEmail"], gmail_dots=False)
        fn, ln, co = squash(v["firstName"]), squash(v["lastName"]), squash(v["company.name"])
        if not (pe or be) and not (fn and ln and co):
            return None
        cells = [sha(be or pe), fn[:35], ln[:35], squash(v["jobTitle"])[:50], co[:50], cc, ""]
    elif platform == "google_ads":
        pe, be = email(v["personalEmail"], gmail_dots=True), email(v["businessEmail"], gmail_dots=True)
        ph = e164_digits(v["phone"], cc)
        fn, ln, z = no_ws(v["firstName"]).lower(), no_ws(v["lastName"]).lower(), squash(v["zip"])
        if not (pe or be) and not ph and not (fn and ln and cc and z):
            return None
        cells = [*two(pe, be), sha("+" + ph if ph else ""), sha(fn), sha(ln), cc, z]
    else:
        pe, be = email(v["personalEmail"], gmail_dots=False), email(v["businessEmail"], gmail_dots=False)
        ph = e164_digits(v["phone"], cc)
        fn, ln, ct = letters(v["firstName"]), letters(v["lastName"]), letters(v["city"])
        st = us_state(v["state"]) if cc == "US" else letters(v["state"])
        z = squash(v["zip"]).replace(" ", "").lower()
        if cc == "US":
            z = z[:5] if re.match(r"[0-9]{5}", z) else ""
        if not (pe or be) and not ph and not (fn and ln and (z or ct)):
            return None
        cells = [*two(pe, be), sha(ph), sha(fn), sha(ln), sha(ct), sha(st), sha(z), sha(cc.lower())]
    return [escaped(c) for c in cells]
