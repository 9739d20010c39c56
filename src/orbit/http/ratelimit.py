"""Rate limits: token buckets per API key / bearer subject (anonymous callers: per client IP).

Buckets live in this process's memory (thread-safe), so each `orbit serve` process limits on
its own: N processes behind a balancer allow up to N times the configured rates. A bucket holds
`per_minute` tokens and refills at `per_minute / 60` per second; a request takes one token.

`rate_limit` is an app-wide dependency (it runs after authentication, so it knows the caller);
`RateLimitHeaders` copies its decision into `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` on every limited response, plus `Retry-After` on a 429.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orbit.accounts.service import Principal
from orbit.errors import RateLimited
from orbit.http.auth import PROBE_PATHS, optional_principal
from orbit.settings import RateLimitSettings

STATE_KEY = "rate_limit"
UNLIMITED_PATHS = PROBE_PATHS  # probes of the platform, not of clients
PRUNE_EVERY = 1024  # takes between sweeps of buckets that are full again


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int  # tokens per minute of this caller's bucket
    remaining: int  # whole tokens left after this request
    reset_s: int  # seconds until the bucket is full again
    retry_after_s: int  # seconds until one token is back (0 when allowed)

    def headers(self) -> list[tuple[bytes, bytes]]:
        out = [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_s).encode()),
        ]
        if not self.allowed:
            out.append((b"retry-after", str(self.retry_after_s).encode()))
        return out


class _Bucket:
    __slots__ = ("stamp", "tokens")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.tokens = tokens
        self.stamp = stamp


class TokenBuckets:
    """Named token buckets; `take` is atomic under one lock."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, int], _Bucket] = {}
        self._takes = 0

    def take(self, key: str, per_minute: int, *, peek: bool = False) -> Decision:
        """Take one token from `key`'s bucket of `per_minute` tokens (created full); with `peek`,
        only say whether one could be taken."""
        rate = per_minute / 60.0
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get((key, per_minute))
            if bucket is None:
                bucket = self._buckets[(key, per_minute)] = _Bucket(float(per_minute), now)
            else:
                bucket.tokens = min(float(per_minute), bucket.tokens + (now - bucket.stamp) * rate)
                bucket.stamp = now
            allowed = bucket.tokens >= 1.0
            if allowed and not peek:
                bucket.tokens -= 1.0
            tokens = bucket.tokens
            self._takes += 1
            if self._takes % PRUNE_EVERY == 0:
                self._prune(now)
        return Decision(
            allowed=allowed, limit=per_minute, remaining=int(tokens),
            reset_s=math.ceil((per_minute - tokens) / rate),
            retry_after_s=0 if allowed else max(1, math.ceil((1.0 - tokens) / rate)),
        )

    def _prune(self, now: float) -> None:
        """Drop buckets that have refilled completely: a new one would start the same."""
        full = [
            k for k, b in self._buckets.items() if b.tokens + (now - b.stamp) * (k[1] / 60.0) >= k[1]
        ]
        for k in full:
            del self._buckets[k]

    def __len__(self) -> int:
        return len(self._buckets)


class RateLimiter:
    """Chooses the bucket of a request: costly paths (site analysis) or everything else, each
    with its anonymous and authenticated rate."""

    def __init__(
        self,
        settings: RateLimitSettings,
        *,
        costly_paths: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.costly_paths = frozenset(costly_paths)
        self.buckets = TokenBuckets(clock=clock)

    def check(self, *, path: str, principal: Principal | None, client_ip: str | None) -> Decision:
        s = self.settings
        costly = path in self.costly_paths
        if principal is not None:
            identity = f"{principal.kind.value}:{principal.org_id}:{principal.subject}"
            per_minute = s.analyze_authenticated_per_minute if costly else s.authenticated_per_minute
        else:
            identity = f"ip:{client_ip or 'unknown'}"
            per_minute = s.analyze_anonymous_per_minute if costly else s.anonymous_per_minute
        return self.buckets.take(f"{'costly' if costly else 'default'}|{identity}", per_minute)


    def failed_auth(self, client_ip: str | None, *, record: bool) -> Decision:
        """The client's budget of failed authentications: `record` spends one (a failure just
        happened), otherwise only look (before trying credentials, so a flood costs no lookups)."""
        return self.buckets.take(f"authfail|ip:{client_ip or 'unknown'}", self.settings.failed_auth_per_minute,
                                 peek=not record)


async def rate_limit(request: Request, principal: Annotated[Principal | None, Depends(optional_principal)]) -> None:
    """Take a token for this request; RateLimited (429) when the caller's bucket is empty. Async: it is
    in-memory work, so it runs on the event loop instead of a thread-pool hop per request."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    path = request.url.path
    if limiter is None or path in PROBE_PATHS:
        return
    client = request.client.host if request.client is not None else None
    decision = limiter.check(path=path, principal=principal, client_ip=client)
    request.state.rate_limit = decision
    if not decision.allowed:
        raise RateLimited(
            f"rate limit exceeded: {decision.limit} requests per minute; retry in {decision.retry_after_s} s",
            details={"limit": decision.limit, "retryAfter": decision.retry_after_s},
        )


class RateLimitHeaders:
    """Pure ASGI middleware: adds the `rate_limit` decision's headers to the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                decision = (scope.get("state") or {}).get(STATE_KEY)
                if isinstance(decision, Decision):
                    message = {**message, "headers": [*message.get("headers", []), *decision.headers()]}
            await send(message)

        await self.app(scope, receive, with_headers)
