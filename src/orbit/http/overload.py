"""Load shedding: a bound on the requests a process serves at once.

Under open-loop load a server without one queues everything: latency climbs to tens of seconds
for every caller and throughput falls. Here each request takes a place (and, for warehouse-heavy
work, a heavy place) before the app sees it; one that cannot get its places within
`queue_wait_ms` — or finds `max_queue` requests already waiting — is answered 503 `OVERLOADED`
with `Retry-After` at once, so the accepted ones stay fast. Probes (/healthz, /readyz, /metrics)
and the docs are never shed. Pure ASGI, per process, on the event loop (no locks needed).
"""

from __future__ import annotations

import asyncio
import json
import re

from starlette.types import ASGIApp, Receive, Scope, Send

from orbit.http.auth import PROBE_PATHS
from orbit.http.envelope import meta
from orbit.settings import OverloadSettings

# Work that holds the warehouse or the model (CPU) for tens to hundreds of milliseconds per
# request; search included: eight at once starved the event loop on two cores (docs/benchmarks.md).
HEAVY = re.compile(r"^/v1/intent/(?:audiences/(?:preview|query)|topics/(?:analyze|search))$")
EXEMPT_PREFIXES = ("/docs", "/redoc", "/openapi")


class _Places:
    """A counting semaphore with a bounded, timed wait."""

    def __init__(self, size: int) -> None:
        self.free = asyncio.Semaphore(size)
        self.waiting = 0

    async def take(self, timeout_s: float, max_queue: int) -> bool:
        if not self.free.locked():
            await self.free.acquire()
            return True
        if self.waiting >= max_queue or timeout_s <= 0:
            return False
        self.waiting += 1
        try:
            await asyncio.wait_for(self.free.acquire(), timeout_s)
            return True
        except TimeoutError:
            return False
        finally:
            self.waiting -= 1

    def give(self) -> None:
        self.free.release()


class LoadShedder:
    def __init__(self, app: ASGIApp, *, settings: OverloadSettings) -> None:
        self.app = app
        self.settings = settings
        self._all: _Places | None = None
        self._heavy: _Places | None = None
        self.shed = 0  # requests refused since start (for tests and metrics)

    def _places(self) -> tuple[_Places, _Places]:
        # Created on first use, inside the server's event loop.
        if self._all is None or self._heavy is None:
            self._all = _Places(self.settings.max_in_flight)
            self._heavy = _Places(self.settings.heavy_in_flight)
        return self._all, self._heavy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if (not self.settings.enabled or scope["type"] != "http" or path in PROBE_PATHS
                or path.startswith(EXEMPT_PREFIXES)):
            await self.app(scope, receive, send)
            return
        every, heavy = self._places()
        wait_s = self.settings.queue_wait_ms / 1000
        loop = asyncio.get_running_loop()
        started = loop.time()
        if not await every.take(wait_s, self.settings.max_queue):
            await self._refuse(send)
            return
        try:
            if HEAVY.match(path):
                left = wait_s - (loop.time() - started)
                if not await heavy.take(left, self.settings.max_queue):
                    await self._refuse(send)
                    return
                try:
                    await self.app(scope, receive, send)
                finally:
                    heavy.give()
            else:
                await self.app(scope, receive, send)
        finally:
            every.give()

    async def _refuse(self, send: Send) -> None:
        self.shed += 1
        body = json.dumps({
            "error": {"code": "OVERLOADED", "message": "the server is at capacity; retry shortly", "details": None},
            "meta": meta().model_dump(),
        }).encode()
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(self.settings.retry_after_s).encode()),
        ]})
        await send({"type": "http.response.body", "body": body})
