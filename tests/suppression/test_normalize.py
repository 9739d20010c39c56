"""Normalisation of suppression entries and the streamed CSV/JSON parsers (no stores)."""

from __future__ import annotations

import hashlib

import pytest

from orbit.errors import InvalidJson, ValidationFailed
from orbit.suppression.normalize import Column, entry
from orbit.suppression.parse import MAX_ERRORS, CsvParser, Entry, Tally, json_entries

SHA = hashlib.sha256(b"ann@acme.com").hexdigest()


@pytest.mark.parametrize(("column", "text", "want"), [
    (Column.EMAIL, "  Ann@ACME.com \t", SHA),
    (Column.SHA256, f" {SHA.upper()} ", SHA),
    (Column.SHA1, "86F7E437FAA5A7FCE15D1DDCB9EAEAEA377667B8", "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"),
    (Column.MD5, "0cc175b9c0f1b6a831c399e269772661", "0cc175b9c0f1b6a831c399e269772661"),
    (Column.DOMAIN, "https://www.Acme.com:443/pricing?x=1", "acme.com"),
    (Column.DOMAIN, "WWW.acme.co.uk.", "acme.co.uk"),
    (Column.DOMAIN, "sub.acme.io", "sub.acme.io"),
    (Column.DOMAIN, "Bücher.DE", "bücher.de"),
])
def test_good_entries_are_normalised(column: Column, text: str, want: str) -> None:
    assert entry(column, text) == (want, "")


@pytest.mark.parametrize(("column", "text"), [
    (Column.EMAIL, "not-an-email"), (Column.EMAIL, "a@b"), (Column.EMAIL, "two@at@acme.com"), (Column.EMAIL, ""),
    (Column.SHA256, SHA[:-1]), (Column.SHA256, "z" * 64), (Column.SHA1, SHA), (Column.MD5, "0cc175b9"),
    (Column.DOMAIN, "localhost"), (Column.DOMAIN, "ann@acme.com"), (Column.DOMAIN, "-bad-.com"),
    (Column.DOMAIN, "10.0.0.1"), (Column.DOMAIN, "acme .com"), (Column.EMAIL, "x" * 3000),
])
def test_bad_entries_are_refused_with_a_reason(column: Column, text: str) -> None:
    value, reason = entry(column, text)
    assert value is None and reason


def test_a_refused_email_is_not_echoed() -> None:
    _, reason = entry(Column.EMAIL, "secret person at example")
    assert "secret" not in reason


def _csv(body: bytes, pieces: int = 7) -> tuple[list[Entry], Tally]:
    tally = Tally()
    parser = CsvParser(tally)
    out: list[Entry] = []
    step = max(1, len(body) // pieces)
    for i in range(0, len(body), step):  # the body arrives in arbitrary pieces, cutting lines
        out.extend(parser.feed(body[i:i + step]))
    out.extend(parser.finish())
    return out, tally


def test_csv_picks_its_column_and_ignores_the_others() -> None:
    body = "\ufeffName,E-Mail Status,Email\r\nAnn,ok,ann@acme.com\r\n\r\nBob,\"x, y\",bad\r\n\"Cy\",ok,\"ANN@acme.com\"".encode()
    entries, tally = _csv(body)
    assert entries == [Entry("sha256", SHA), Entry("sha256", SHA)]
    assert (tally.total, tally.rejected) == (3, 1)
    assert tally.errors == [{"line": 4, "reason": "not an e-mail address"}]


def test_csv_lines_without_the_column_and_bad_utf8_are_refused() -> None:
    entries, tally = _csv(b"domain,name\nacme.com,Acme\n\xff\xfe\n")
    assert entries == [Entry("domain", "acme.com")]
    assert tally.errors == [{"line": 3, "reason": "not UTF-8 text"}]
    entries, tally = _csv(b"name,md5\nonly-name\n")
    assert entries == [] and tally.errors[0]["reason"] == "no md5 column on this line"


@pytest.mark.parametrize("body", [b"", b"\n\n", b"name,phone\nann,1\n", b"email,sha256\na@b.co,x\n", b"\xff\n"])
def test_csv_header_must_name_one_column(body: bytes) -> None:
    with pytest.raises(ValidationFailed) as info:
        _csv(body)
    assert info.value.details[0]["field"] == "header"  # type: ignore[index]


def test_errors_are_listed_up_to_the_bound_and_all_counted() -> None:
    entries, tally = _csv(b"sha1\n" + b"nope\n" * (MAX_ERRORS + 50))
    assert not entries and tally.rejected == MAX_ERRORS + 50 and len(tally.errors) == MAX_ERRORS


def test_json_body() -> None:
    tally = Tally()
    entries = list(json_entries(b'{"kind": "domain", "items": ["www.acme.com", 7, "nope"]}', tally))
    assert entries == [Entry("domain", "acme.com")]
    assert tally.errors == [{"line": 2, "reason": "not a string"}, {"line": 3, "reason": "not a domain"}]
    for bad in (b"[1]", b'{"kind": "phone", "items": []}', b'{"kind": "md5"}', b"{", b'{"kind":"md5","items":[],"x":1}'):
        with pytest.raises((ValidationFailed, InvalidJson)):
            list(json_entries(bad, Tally()))


@pytest.mark.parametrize("column", ["email", "sha256", "md5"])
def test_the_bulk_path_answers_what_the_line_path_answers(column: str) -> None:
    """One-column bodies without quotes are parsed with Arrow kernels; a quote anywhere in a piece
    sends it line by line. Both must give the same entries, counts and errors."""
    good = {"email": ["Ann@Acme.com", "  bob@x.io\t", "cy@b.co"], "sha256": [SHA, SHA.upper(), " " + SHA],
            "md5": ["0cc175b9c0f1b6a831c399e269772661", "0CC175B9C0F1B6A831C399E269772661"]}[column]
    bad = ["nope", "a@b", "x" * 3000, "@x.com", "ab cd@x.com", "0cc175b9", "z" * 64]
    lines = [column.upper()] + [v for pair in zip(good * 3, bad, strict=False) for v in pair] + ["", "\r", *good]
    body = "\r\n".join(lines).encode()
    fast, fast_tally = _csv(body, pieces=3)
    slow, slow_tally = _csv(body.replace(b"\r\n", b'\r\n""', 1), pieces=1)  # a quote: line by line
    assert fast == slow and len(fast) > len(good)
    assert (fast_tally.total, fast_tally.rejected) == (slow_tally.total, slow_tally.rejected)
    assert fast_tally.errors == slow_tally.errors and fast_tally.rejected > 3
