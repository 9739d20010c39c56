"""The blocking client: executes the calls of `orbit_client._api` on an `httpx.Client`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx

from orbit_client import _csv
from orbit_client._api import Api
from orbit_client._core import Call, RetryPolicy, SyncBase, decode, error_from
from orbit_client._csv import Include
from orbit_client._settings import DEFAULT_TIMEOUT, client_headers, normalise_base_url
from orbit_client.errors import TransportError
from orbit_client.models import RunRead

T = TypeVar("T")


class Client(Api, SyncBase):
    """Orbit API client. Credentials: `api_key` (sent as X-API-Key) or `bearer_token`.

    Use as a context manager, or call `close()`. Every operation is a method (see docs/sdk.md);
    list operations also have `iter_*` iterators that follow the pages to the end.
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        api_key: str | None = None,
        bearer_token: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._http = httpx.Client(
            base_url=normalise_base_url(base_url), timeout=timeout, transport=transport,
            headers=client_headers(api_key=api_key, bearer_token=bearer_token, extra=headers),
        )
        self._sleep = time.sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # --- the executor ----------------------------------------------------------------------------

    @contextmanager
    def _send(self, call: Call[Any], *, stream: bool = False) -> Iterator[httpx.Response]:
        """The first answer that is not retried; an error answer raises `ApiError` (its body read)."""
        attempt = 0
        while True:
            try:
                response = self._http.send(call.build(self._http), stream=stream)
            except httpx.TransportError as exc:
                wait = self.retry.after_transport_error(attempt, call, exc)
                if wait is None:
                    raise TransportError(f"{call.method} {call.url}: {exc!r}") from exc
            else:
                wait = self.retry.after_status(attempt, response.status_code, response.headers)
                if wait is None:
                    try:
                        if response.status_code >= 300:
                            raise error_from(response.status_code, response.headers, response.read())
                        yield response
                    finally:
                        response.close()
                    return
                response.close()
            self._sleep(wait)
            attempt += 1

    def _execute(self, call: Call[T]) -> T:
        with self._send(call) as response:
            response.read()
            return decode(call, response)

    # --- what needs I/O of its own -------------------------------------------------------------------

    def wait_for_run(self, audience_id: str, run_id: str, *, timeout: float = 600.0, poll_interval: float = 1.0,
                     raise_on_failure: bool = True) -> RunRead:
        """Poll the run until it is completed (or failed/cancelled) and return it.

        Raises `WaitTimeoutError` after `timeout` seconds, `RunFailedError` when it failed or was
        cancelled (unless `raise_on_failure=False`)."""
        deadline = time.monotonic() + timeout
        interval = poll_interval
        while True:
            run = self.get_run(audience_id, run_id)
            if _csv.run_finished(run, raise_on_failure=raise_on_failure):
                return run
            left = deadline - time.monotonic()
            _csv.check_deadline(run, left, timeout)
            self._sleep(min(interval, left))
            interval = min(interval * 1.5, 10.0)

    def export_csv(self, audience_id: str, run_id: str, dest: str | Path, *, include: Include = None,
                   chunk_size: int = 1 << 16) -> _csv.CsvInfo:
        """Stream a completed run's CSV into the file `dest`, chunk by chunk (never whole in memory)."""
        return self._download(_csv.export_call(audience_id, run_id, include), dest, chunk_size)

    def changes_csv(self, audience_id: str, run_id: str, dest: str | Path, *, kind: str | None = None,
                    min_score_change: int | None = None, chunk_size: int = 1 << 16) -> _csv.CsvInfo:
        """Stream what changed since the previous run, as CSV, into the file `dest`."""
        return self._download(_csv.changes_call(audience_id, run_id, kind, min_score_change), dest, chunk_size)

    def accounts_csv(self, audience_id: str, run_id: str, dest: str | Path, *, sort: str | None = None,
                     chunk_size: int = 1 << 16) -> _csv.CsvInfo:
        """Stream the run's companies (account view) as CSV into the file `dest`."""
        return self._download(_csv.accounts_call(audience_id, run_id, sort), dest, chunk_size)

    def download_export(self, url: str, dest: str | Path, *, chunk_size: int = 1 << 16) -> _csv.CsvInfo:
        """Download a stored export through its signed `url` (from `create_export`/`get_export`)."""
        return self._download(_csv.download_call(url), dest, chunk_size)

    def iter_export_rows(self, audience_id: str, run_id: str, *, include: Include = None) -> Iterator[dict[str, str]]:
        """Each row of a completed run's CSV as a dict (header → cell), read as it streams."""
        with self._send(_csv.export_call(audience_id, run_id, include), stream=True) as response:
            yield from _csv.rows(response.iter_text())

    def iter_export_batches(self, audience_id: str, run_id: str, *, include: Include = None, batch_rows: int = 50_000) -> Iterator[Any]:
        """A completed run's CSV as `pyarrow.RecordBatch`es of string columns (`pip install
        orbit-client[arrow]`); memory holds one batch, never the file."""
        with self._send(_csv.export_call(audience_id, run_id, include), stream=True) as response:
            yield from _csv.arrow_batches(response.iter_text(), batch_rows)

    def iter_export_frames(self, audience_id: str, run_id: str, *, include: Include = None, batch_rows: int = 50_000) -> Iterator[Any]:
        """The CSV as `pandas.DataFrame`s of at most `batch_rows` rows (`orbit-client[pandas]`)."""
        for batch in self.iter_export_batches(audience_id, run_id, include=include, batch_rows=batch_rows):
            yield batch.to_pandas()

    def _download(self, call: Call[Any], dest: str | Path, chunk_size: int) -> _csv.CsvInfo:
        path = Path(dest)
        part = path.with_name(path.name + ".part")
        try:
            with self._send(call, stream=True) as response:
                written = 0
                with part.open("wb") as out:
                    for chunk in response.iter_bytes(chunk_size):
                        out.write(chunk)
                        written += len(chunk)
                info = _csv.info(response, path, written)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        part.replace(path)  # a broken download never leaves a file that looks complete
        return info
