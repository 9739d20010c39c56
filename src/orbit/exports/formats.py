"""What a stored export holds: its format (Orbit's CSV or an ad platform's upload file), its
source (the run's rows or what changed since the previous run) and the platforms' limits. No
HTTP, no SQL: the files are produced in the warehouse (`warehouse/adfiles_sql.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

from orbit.errors import ValidationFailed
from orbit.runs.changes import DEFAULT_MIN_SCORE_CHANGE
from orbit.warehouse.adfiles_sql import Geo, Platform
from orbit.warehouse.changes_sql import ChangeKind


class ExportType(StrEnum):
    CSV = "csv"  # Orbit's own CSV (docs/exports.md)
    LINKEDIN = "linkedin"  # LinkedIn Matched Audiences, contact list
    GOOGLE_ADS = "google_ads"  # Google Ads Customer Match, contact info
    META = "meta"  # Meta Custom Audiences, customer list


class ExportSource(StrEnum):
    RESULTS = "results"  # the run's rows
    CHANGES = "changes"  # what changed since the run's previous completed run


PLATFORMS: dict[ExportType, Platform] = {
    ExportType.LINKEDIN: Platform.LINKEDIN, ExportType.GOOGLE_ADS: Platform.GOOGLE_ADS, ExportType.META: Platform.META,
}
# The words in file names (`audience-<a>-run-<r>[-changes-<kind>]-<word>.csv`).
FILE_WORDS: dict[ExportType, str] = {
    ExportType.LINKEDIN: "linkedin", ExportType.GOOGLE_ADS: "google-ads", ExportType.META: "meta",
}


@dataclass(frozen=True, slots=True)
class Limits:
    max_rows: int | None
    max_bytes: int | None


# LinkedIn's contact lists take at most 300,000 records and 20 MB (its Campaign Manager help,
# "Requirements for contact targeting lists"): rows past either are left out, best ranks kept.
# Google and Meta state no file limit that a run (300,000 rows by default) could reach.
LIMITS: dict[ExportType, Limits] = {
    ExportType.LINKEDIN: Limits(max_rows=300_000, max_bytes=20_000_000),
    ExportType.GOOGLE_ADS: Limits(None, None),
    ExportType.META: Limits(None, None),
}


@dataclass(frozen=True, slots=True)
class ExportSpec:
    """What to write; the default is today's CSV of the run's rows."""

    export_type: ExportType = ExportType.CSV
    source: ExportSource = ExportSource.RESULTS
    kind: ChangeKind | None = None  # changes only; None: all three kinds (CSV only)
    min_score_change: int | None = None  # changes only

    @property
    def platform(self) -> Platform | None:
        return PLATFORMS.get(self.export_type)

    def kinds(self) -> tuple[ChangeKind, ...]:
        return (self.kind,) if self.kind is not None else (ChangeKind.NEW, ChangeKind.CHANGED, ChangeKind.DROPPED)

    def file_suffix(self) -> str:
        """What follows `audience-<a>-run-<r>` in the download name."""
        changes = ""
        if self.source == ExportSource.CHANGES:
            changes = "-changes" + (f"-{self.kind.value}" if self.kind else "")
        word = FILE_WORDS.get(self.export_type)
        return changes + (f"-{word}" if word else "") + ".csv"


def spec_of(export_type: str, source: str, kind: str | None, min_score_change: int | None) -> ExportSpec:
    """The spec stored on an export row."""
    return ExportSpec(ExportType(export_type), ExportSource(source), ChangeKind(kind) if kind else None,
                      min_score_change)


def resolve(export_type: ExportType, source: ExportSource, kind: ChangeKind | None,
            min_score_change: int | None) -> ExportSpec:
    """The spec of a create request, with the changes' default threshold filled in; combinations
    that make no sense are a ValidationFailed (400) naming the field."""
    if source == ExportSource.RESULTS:
        if kind is not None:
            raise ValidationFailed.field("kind", "kind is only for source 'changes'")
        if min_score_change is not None:
            raise ValidationFailed.field("minScoreChange", "minScoreChange is only for source 'changes'")
        return ExportSpec(export_type, source)
    if kind is None and export_type != ExportType.CSV:
        raise ValidationFailed.field("kind", "an ad-platform file of changes holds one kind: new (people to add), "
                                             "dropped (people to remove) or changed")
    return ExportSpec(export_type, source, kind,
                      DEFAULT_MIN_SCORE_CHANGE if min_score_change is None else min_score_change)


def _table(name: str) -> Iterator[tuple[str, str]]:
    text = resources.files("orbit.exports").joinpath("data", name).read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("\t")
            yield key, value


@cache
def geo() -> Geo:
    """Country names → ISO 3166-1 alpha-2 and US state names → USPS codes, shipped with the
    package (`exports/data/*.tsv`, from Debian's iso-codes); read once."""
    countries = list(_table("countries.tsv"))
    states = list(_table("us_states.tsv"))
    return Geo(country_names=[k for k, _ in countries], country_codes=[v for _, v in countries],
               state_names=[k for k, _ in states], state_codes=[v for _, v in states])


class LineLimiter:
    """Passes CSV bytes on in whole CRLF-terminated rows, counting them, and stops before the row
    that would pass `limits` (then `truncated`). Only for files whose cells hold no line breaks:
    every ad-platform cell is a hash, a code or text with its whitespace collapsed. The header
    line goes first and counts towards the bytes, not the rows."""

    def __init__(self, header: bytes, chunks: Iterable[bytes], limits: Limits) -> None:
        self._header, self._chunks, self._limits = header, chunks, limits
        self.rows = 0
        self.bytes = 0
        self.truncated = False

    def __iter__(self) -> Iterator[bytes]:
        max_rows, max_bytes = self._limits.max_rows, self._limits.max_bytes
        self.bytes = len(self._header)
        yield self._header
        carry = b""
        for chunk in self._chunks:
            data = carry + chunk
            end = data.rfind(b"\r\n") + 2  # 1 when there is no complete row yet
            if end < 2:
                carry = data
                continue
            whole, carry = data[:end], data[end:]
            rows = whole.count(b"\r\n")
            over_rows = max_rows is not None and self.rows + rows > max_rows
            over_bytes = max_bytes is not None and self.bytes + len(whole) > max_bytes
            if over_rows or over_bytes:
                yield self._cut(whole, max_rows, max_bytes)
                self.truncated = True
                return
            self.rows += rows
            self.bytes += len(whole)
            yield whole
        if carry:  # the engine ends every row with CRLF: a tail without one is a cut-off stream
            raise ValueError("the CSV stream ended inside a row")

    def _cut(self, whole: bytes, max_rows: int | None, max_bytes: int | None) -> bytes:
        """The leading rows of `whole` that still fit (counted in)."""
        pos = 0
        while True:
            nxt = whole.find(b"\r\n", pos) + 2
            if nxt < 2:
                break
            if (max_rows is not None and self.rows + 1 > max_rows) or (
                    max_bytes is not None and self.bytes + (nxt - pos) > max_bytes):
                break
            self.rows += 1
            self.bytes += nxt - pos
            pos = nxt
        return whole[:pos]
