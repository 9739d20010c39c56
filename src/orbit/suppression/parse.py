"""Upload bodies → normalized entries, chunk by chunk. No I/O.

CSV: the first line is a header naming exactly one of the columns `email`, `sha256`, `sha1`,
`md5`, `domain` (case-insensitive; other columns are ignored, so a CRM export can be sent as it
is); every following non-blank line is one entry. JSON: `{"kind": <column>, "items": [...]}`,
parsed whole, so its size has a lower bound of its own. Bytes are split into lines as they
arrive: memory holds one chunk and the entries of one batch, never the body.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orbit.errors import InvalidJson, ValidationFailed
from orbit.suppression.normalize import EMAIL_PATTERN, HEX_LENGTH, MAX_EMAIL, STORED, Column, entry

MAX_ERRORS = 100  # refused lines listed in an answer (all are counted)
MAX_HEADER_BYTES = 64 * 1024
COLUMNS = tuple(c.value for c in Column)
_EMAIL_RE = f"^{EMAIL_PATTERN}$"


@dataclass(slots=True)
class Tally:
    """What an upload made of its lines so far."""

    total: int = 0  # entries read (blank lines are not entries)
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def refuse(self, line: int, reason: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"line": line, "reason": reason})


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str
    value: str


def _header(line: str) -> tuple[Column, int, int]:
    """(column, its position, number of columns) of a CSV header; ValidationFailed otherwise."""
    names = [n.strip().lower() for n in next(csv.reader([line.lstrip("\ufeff")]), [])]
    found = [(i, n) for i, n in enumerate(names) if n in COLUMNS]
    if not found:
        raise ValidationFailed.field(
            "header", f"the first line must be a header naming one of the columns {', '.join(COLUMNS)}")
    if len(found) > 1:
        raise ValidationFailed.field(
            "header", f"the header names {', '.join(n for _, n in found)}; upload one kind of entry per request")
    at, name = found[0]
    return Column(name), at, len(names)


class CsvParser:
    """Feed it the body's bytes in any pieces; it yields the normalized entries and tallies the
    refused lines (line numbers count the header as line 1)."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.column: Column | None = None
        self._at = 0
        self._width = 1
        self._rest = b""
        self._line = 0

    def feed(self, chunk: bytes) -> Iterator[Entry]:
        data = self._rest + chunk
        lines = data.split(b"\n")
        self._rest = lines.pop()
        if self.column is None and len(self._rest) > MAX_HEADER_BYTES and not lines:
            raise ValidationFailed.field("header", f"the header line is longer than {MAX_HEADER_BYTES} bytes")
        start = 0
        while self.column is None and start < len(lines):
            yield from self._one(lines[start])
            start += 1
        rest = lines[start:]
        bulk = self._bulk(rest) if rest and self._width == 1 and b'"' not in data else None
        if bulk is not None:
            yield from bulk
            return
        for raw in rest:
            yield from self._one(raw)

    def _bulk(self, lines: list[bytes]) -> list[Entry] | None:
        """The entries of many one-column lines at once (Arrow kernels instead of a Python step
        per line: 1M hashes in 6.6 s instead of 19.0 s on the shared, loaded test machine); None
        when a line needs the line-by-line path (domains, invalid UTF-8)."""
        column = self.column
        if column is None or column == Column.DOMAIN:
            return None
        try:
            texts = pa.array(lines, pa.binary()).cast(pa.string())
        except (pa.ArrowInvalid, UnicodeDecodeError):
            return None
        cleaned = pc.utf8_lower(pc.utf8_trim_whitespace(texts))
        length = pc.utf8_length(cleaned)
        present = np.asarray(pc.not_equal(length, 0).to_numpy(zero_copy_only=False), np.bool_)
        if column == Column.EMAIL:
            good = pc.and_(pc.less_equal(length, MAX_EMAIL), pc.match_substring_regex(cleaned, _EMAIL_RE))
        else:
            good = pc.and_(pc.equal(length, HEX_LENGTH[column]), pc.match_substring_regex(cleaned, "^[0-9a-f]+$"))
        ok = np.asarray(good.to_numpy(zero_copy_only=False), np.bool_) & present
        first = self._line + 1
        self._line += len(lines)
        self.tally.total += int(present.sum())
        for i in np.flatnonzero(present & ~ok).tolist():
            self.tally.refuse(first + i, entry(column, texts[i].as_py())[1])
        values: list[str] = cleaned.filter(pa.array(ok)).to_pylist()
        kind = STORED[column].value
        if column == Column.EMAIL:
            return [Entry(kind, hashlib.sha256(v.encode("utf-8")).hexdigest()) for v in values]
        return [Entry(kind, v) for v in values]

    def finish(self) -> Iterator[Entry]:
        if self._rest:
            rest, self._rest = self._rest, b""
            yield from self._one(rest)
        if self.column is None:
            raise ValidationFailed.field("header", "the body is empty: the first line must be a header naming "
                                         f"one of the columns {', '.join(COLUMNS)}")

    def _one(self, raw: bytes) -> Iterator[Entry]:
        self._line += 1
        try:
            text = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError:
            if self.column is None:
                raise ValidationFailed.field("header", "the body is not UTF-8 text") from None
            self.tally.total += 1
            self.tally.refuse(self._line, "not UTF-8 text")
            return
        if self.column is None:
            if text.strip():
                self.column, self._at, self._width = _header(text)
            else:
                self._line -= 1  # blank lines before the header are not counted
            return
        if not text.strip():
            return
        self.tally.total += 1
        if self._width == 1 and '"' not in text:
            cell = text  # the common case: one column, no quoting
        else:
            cells = next(csv.reader([text]), [])
            if self._at >= len(cells):
                self.tally.refuse(self._line, f"no {self.column.value} column on this line")
                return
            cell = cells[self._at]
        value, reason = entry(self.column, cell)
        if value is None:
            self.tally.refuse(self._line, reason)
            return
        yield Entry(STORED[self.column].value, value)


def json_entries(body: bytes, tally: Tally) -> Iterator[Entry]:
    """Entries of a JSON body `{"kind": ..., "items": [...]}` (item n is reported as line n,
    counting from 1); ValidationFailed for a body of another shape."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidJson("the request body is not valid JSON") from None
    if not isinstance(doc, dict) or set(doc) - {"kind", "items"}:
        raise ValidationFailed.field("body", 'expected {"kind": "...", "items": ["...", ...]}')
    kind, items = doc.get("kind"), doc.get("items")
    if kind not in COLUMNS:
        raise ValidationFailed.field("kind", f"kind must be one of {', '.join(COLUMNS)}")
    if not isinstance(items, list):
        raise ValidationFailed.field("items", "items must be a list of strings")
    column = Column(kind)
    for n, item in enumerate(items, start=1):
        tally.total += 1
        if not isinstance(item, str):
            tally.refuse(n, "not a string")
            continue
        value, reason = entry(column, item)
        if value is None:
            tally.refuse(n, reason)
        else:
            yield Entry(STORED[column].value, value)
