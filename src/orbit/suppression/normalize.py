"""One suppression entry as written → the (kind, value) stored, or the reason it is refused. No I/O.

Hashes are kept as lower-case hex of their algorithm; plain e-mails are trimmed, lower-cased and
hashed with SHA-256 here, so the address itself is never stored or logged. Domains are reduced
to the host a company's `domain` holds (no scheme, `www.`, port or path).
"""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum


class Column(StrEnum):
    """What a CSV header or a JSON `kind` may name."""

    EMAIL = "email"
    SHA256 = "sha256"
    SHA1 = "sha1"
    MD5 = "md5"
    DOMAIN = "domain"


class Kind(StrEnum):
    """What is stored: e-mails become SHA-256."""

    SHA256 = "sha256"
    SHA1 = "sha1"
    MD5 = "md5"
    DOMAIN = "domain"


STORED: dict[Column, Kind] = {
    Column.EMAIL: Kind.SHA256, Column.SHA256: Kind.SHA256, Column.SHA1: Kind.SHA1, Column.MD5: Kind.MD5,
    Column.DOMAIN: Kind.DOMAIN,
}
HEX_LENGTH: dict[Column, int] = {Column.SHA256: 64, Column.SHA1: 40, Column.MD5: 32}
MAX_EMAIL = 254  # RFC 5321 path limit
MAX_DOMAIN = 253
MAX_ENTRY_CHARS = 2048  # longer lines are refused before any other work

_HEX = re.compile(r"[0-9a-f]+")
# Deliberately loose (what CRMs hold is not always RFC 5322): one @, no spaces, a dot in the host.
# The same text for Python's `re` and Arrow's RE2 (the bulk CSV path): explicit ASCII spaces,
# since the two engines' `\s` differ.
EMAIL_PATTERN = r'[^@ \t\n\r\f\v"<>,;]+@[^@ \t\n\r\f\v"<>,;]+\.[^@ \t\n\r\f\v"<>,;.]+'
_EMAIL = re.compile(EMAIL_PATTERN)
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def entry(column: Column, text: str) -> tuple[str | None, str]:
    """(stored value, "") for a good entry, (None, reason) for a refused one."""
    if len(text) > MAX_ENTRY_CHARS:
        return None, f"longer than {MAX_ENTRY_CHARS} characters"
    cleaned = text.strip().lower()
    if not cleaned:
        return None, "empty value"
    if column == Column.EMAIL:
        return email_hash(cleaned)
    if column == Column.DOMAIN:
        return domain(cleaned)
    want = HEX_LENGTH[column]
    if len(cleaned) != want or not _HEX.fullmatch(cleaned):
        return None, f"not a {column.value} hash ({want} hex digits)"
    return cleaned, ""


def email_hash(cleaned: str) -> tuple[str | None, str]:
    """SHA-256 hex of a trimmed, lower-cased e-mail address (the reason names no part of it)."""
    if len(cleaned) > MAX_EMAIL or not _EMAIL.fullmatch(cleaned):
        return None, "not an e-mail address"
    return hashlib.sha256(cleaned.encode("utf-8")).hexdigest(), ""


def domain(cleaned: str) -> tuple[str | None, str]:
    """The bare host of a lower-cased domain or URL: `https://www.Acme.com:443/x` → `acme.com`."""
    host = _SCHEME.sub("", cleaned)
    for cut in ("/", "?", "#"):
        host = host.split(cut, 1)[0]
    if "@" in host:
        return None, "not a domain (an e-mail address belongs in an email column)"
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    host = host.rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    # Internationalised names stay as written (lower-cased), as company domains are stored;
    # they are checked through their IDNA form.
    try:
        ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
    except UnicodeError:
        return None, "not a domain"
    labels = ascii_host.split(".")
    if (len(ascii_host) > MAX_DOMAIN or len(labels) < 2 or not all(_LABEL.fullmatch(x) for x in labels)
            or labels[-1].isdigit()):
        return None, "not a domain"
    return host, ""
