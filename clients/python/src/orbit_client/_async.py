"""The asyncio client: executes the calls of `orbit_client._api` on an `httpx.AsyncClient`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx

from orbit_client import _csv
from orbit_client._api import Api
from orbit_client._core import AsyncBase, Call, RetryPolicy, decode, error_from
from orbit_client._csv import Include
from orbit_client._settings import DEFAULT_TIMEOUT, client_headers, normalise_base_url
from orbit_client.errors import TransportError
from orbit_client.models import RunRead

T = TypeVar("T")


class AsyncClient(Api, AsyncBase):
    """The asyncio twin of `Client`: the same methods, awaited; `iter_*` are async iterators."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        api_key: str | None = None,
        bearer_token: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._http = httpx.AsyncClient(
            base_url=normalise_base_url(base_url), timeout=timeout, transport=transport,
            headers=client_headers(api_key=api_key, bearer_token=bearer_token, extra=headers),
        )
        self._sleep = asyncio.sleep

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    @asynccontextmanager
    async def _send(self, call: Call[Any], *, stream: bool = False) -> AsyncIterator[httpx.Response]:
        """The first answer that is not retried; an error answer raises `ApiError` (its body read)."""
        attempt = 0
        while True:
            try:
                response = await self._http.send(call.build(self._http), stream=stream)
            except httpx.TransportError as exc:
                wait = self.retry.after_transport_error(attempt, call, exc)
                if wait is None:
                    raise TransportError(f"{call.method} {call.url}: {exc!r}") from exc
            else:
                wait = self.retry.after_status(attempt, response.status_code, response.headers)
                if wait is None:
                    try:
                        if response.status_code >= 300:
                            raise error_from(response.status_code, response.headers, await response.aread())
                        yield response
                    finally:
                        await response.aclose()
                    return
                await response.aclose()
            await self._sleep(wait)
            attempt += 1

    async def _execute(self, call: Call[T]) -> T:
        async with self._send(call) as response:
            await response.aread()
            return decode(call, response)

    async def wait_for_run(self, audience_id: str, run_id: str, *, timeout: float = 600.0,
                           poll_interval: float = 1.0, raise_on_failure: bool = True) -> RunRead:
        """Poll the run until it is completed (or failed/cancelled) and return it (see `Client`)."""
        deadline = time.monotonic() + timeout
        interval = poll_interval
        while True:
            run = await self.get_run(audience_id, run_id)
            if _csv.run_finished(run, raise_on_failure=raise_on_failure):
                return run
            left = deadline - time.monotonic()
            _csv.check_deadline(run, left, timeout)
            await self._sleep(min(interval, left))
            interval = min(interval * 1.5, 10.0)

    async def export_csv(self, audience_id: str, run_id: str, dest: str | Path, *,
                         include: Include = None, chunk_size: int = 1 << 16) -> _csv.CsvInfo:
        """Stream a completed run's CSV into the file `dest`, chunk by chunk."""
        return await self._download(_csv.export_call(audience_id, run_id, include), dest, chunk_size)

    async def changes_csv(self, audience_id: str, run_id: str, dest: str | Path, *, kind: str | None = None,
                          min_score_change: int | None = None, chunk_size: int = 1 << 16) -> _csv.CsvInfo:
        """Stream what changed since the previous run, as CSV, into the file `dest`."""
        return await self._download(_csv.changes_call(audience_id, run_id, kind, min_score_change), dest, chunk_size)

    async def accounts_csv(self, audience_id: str, run_id: str, dest: str | Path, *, sort: str | None = None,
                           chunk_size: int = 1 << 16) -> _csv.CsvInfo:
        """Stream the run's companies (account view) as CSV into the file `dest`."""
        return await self._download(_csv.accounts_call(audience_id, run_id, sort), dest, chunk_size)

    async def download_export(self, url: str, dest: str | Path, *, chunk_size: int = 1 << 16) -> _csv.CsvInfo:
        """Download a stored export through its signed `url`."""
        return await self._download(_csv.download_call(url), dest, chunk_size)

    async def iter_export_rows(self, audience_id: str, run_id: str, *, include: Include = None) -> AsyncIterator[dict[str, str]]:
        """Each row of a completed run's CSV as a dict, parsed as it streams."""
        async with self._send(_csv.export_call(audience_id, run_id, include), stream=True) as response:
            async for row in _csv.arows(response.aiter_text()):
                yield row

    async def _download(self, call: Call[Any], dest: str | Path, chunk_size: int) -> _csv.CsvInfo:
        path = Path(dest)
        part = path.with_name(path.name + ".part")
        try:
            async with self._send(call, stream=True) as response:
                written = 0
                with part.open("wb") as out:
                    async for chunk in response.aiter_bytes(chunk_size):
                        out.write(chunk)
                        written += len(chunk)
                info = _csv.info(response, path, written)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        part.replace(path)  # a broken download never leaves a file that looks complete
        return info
