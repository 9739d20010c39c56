"""CSV downloads and run polling, shared by both clients: the calls, reading rows as text streams
in, Arrow batches, and when a waited-for run is done. No I/O of its own."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import httpx

from orbit_client._core import Call, query
from orbit_client.errors import RunFailedError, WaitTimeoutError
from orbit_client.models import RunRead

Include = Literal["matchedTopics"] | None  # export.csv: add the matched topics' names and ids
RUN = "/v1/intent/audiences/{a}/runs/{r}"
FINISHED = {"completed", "failed", "cancelled"}


@dataclass(frozen=True)
class CsvInfo:
    """What a CSV download wrote, with the headers the API sends along."""

    path: Path
    bytes: int
    row_cap: int | None  # X-Export-Row-Cap
    truncated: bool | None  # X-Export-Truncated: the run has more rows than the cap
    result_count: int | None  # X-Export-Result-Count
    request_id: str | None


def _raw(url: str, params: dict[str, Any] | None = None) -> Call[None]:
    return Call(method="GET", url=url, parse=lambda _: None, params=query(params or {}), json=None,
                headers={"Accept": "text/csv"})


def _run(audience_id: str, run_id: str) -> str:
    return RUN.format(a=quote(audience_id, safe=""), r=quote(run_id, safe=""))


def export_call(audience_id: str, run_id: str, include: str | None = None) -> Call[None]:
    return _raw(_run(audience_id, run_id) + "/export.csv", {"include": include})


def changes_call(audience_id: str, run_id: str, kind: str | None, min_score_change: int | None) -> Call[None]:
    return _raw(_run(audience_id, run_id) + "/changes.csv", {"kind": kind, "minScoreChange": min_score_change})


def accounts_call(audience_id: str, run_id: str, sort: str | None) -> Call[None]:
    return _raw(_run(audience_id, run_id) + "/accounts.csv", {"sort": sort})


def download_call(url: str) -> Call[None]:
    """A stored export's signed URL (absolute, or a path on the API)."""
    return _raw(url)


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def info(response: httpx.Response, path: Path, written: int) -> CsvInfo:
    h = response.headers
    truncated = h.get("x-export-truncated")
    return CsvInfo(path=path, bytes=written, row_cap=_int(h.get("x-export-row-cap")),
                   truncated=None if truncated is None else truncated == "true",
                   result_count=_int(h.get("x-export-result-count")), request_id=h.get("x-request-id"))


def lines(chunks: Iterable[str]) -> Iterator[str]:
    """Text chunks as lines that keep their ends, so `csv` joins quoted cells spanning lines."""
    rest = ""
    for chunk in chunks:
        rest += chunk
        parts = rest.split("\n")
        rest = parts.pop()
        for part in parts:
            yield part + "\n"
    if rest:
        yield rest


def rows(chunks: Iterable[str]) -> Iterator[dict[str, str]]:
    """CSV rows as dicts, parsed as the text arrives."""
    yield from csv.DictReader(lines(chunks))


async def arows(chunks: AsyncIterator[str]) -> AsyncIterator[dict[str, str]]:
    """`rows` for an async text stream: lines are parsed as they arrive."""
    header: list[str] | None = None
    pending: list[str] = []
    rest = ""
    async for chunk in chunks:
        rest += chunk
        parts = rest.split("\n")
        rest = parts.pop()
        pending.extend(part + "\n" for part in parts)
        for record in _complete_records(pending):
            if header is None:
                header = record
            else:
                yield dict(zip(header, record, strict=False))
    if rest:
        pending.append(rest)
    for record in csv.reader(pending):
        if header is None:
            header = record
        else:
            yield dict(zip(header, record, strict=False))


def _complete_records(pending: list[str]) -> Iterator[list[str]]:
    """The records whose lines are all in `pending` (a quoted cell may span lines); removes them."""
    taken = 0
    buffer: list[str] = []
    for i, line in enumerate(pending):
        buffer.append(line)
        if "".join(buffer).count('"') % 2 == 0:  # quotes balanced: the record ends here
            yield from csv.reader(buffer)
            buffer = []
            taken = i + 1
    del pending[:taken]


def arrow_batches(chunks: Iterable[str], batch_rows: int) -> Iterator[Any]:
    """Rows gathered into `pyarrow.RecordBatch`es of string columns, one batch in memory at a time."""
    try:
        import pyarrow as pa
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise ImportError("Arrow batches need pyarrow: pip install 'orbit-client[arrow]'") from exc
    reader = csv.reader(lines(chunks))
    header = next(reader, None)
    if header is None:
        return
    schema = pa.schema([(name, pa.string()) for name in header])
    columns: list[list[str]] = [[] for _ in header]
    count = 0
    for record in reader:
        for column, cell in zip(columns, record, strict=False):
            column.append(cell)
        count += 1
        if count == batch_rows:
            yield pa.RecordBatch.from_arrays([pa.array(c, pa.string()) for c in columns], schema=schema)
            columns, count = [[] for _ in header], 0
    if count:
        yield pa.RecordBatch.from_arrays([pa.array(c, pa.string()) for c in columns], schema=schema)


def run_finished(run: RunRead, *, raise_on_failure: bool) -> bool:
    """Whether a polled run is done; a failed or cancelled one raises unless asked not to."""
    if run.status not in FINISHED:
        return False
    if run.status != "completed" and raise_on_failure:
        raise RunFailedError(f"run {run.id} ended {run.status}", run=run)
    return True


def check_deadline(run: RunRead, left: float, timeout: float) -> None:
    if left <= 0:
        raise WaitTimeoutError(f"run {run.id} is still {run.status} after {timeout:g} s", run=run)
