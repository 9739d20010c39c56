"""The half of both clients that does no I/O: what one operation sends (`Call`), how an answer
becomes a model or an exception, when to retry, and how pages follow each other. `Client` and
`AsyncClient` only execute these, so every operation is written once (`orbit_client._api`)."""

from __future__ import annotations

import functools
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from orbit_client.errors import ApiError, error_class

if TYPE_CHECKING:
    pass

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
P = ParamSpec("P")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

# (method, path template) → SDK method name, filled by `endpoint` (tests compare it with the
# service's OpenAPI document, so no operation can be left without a method).
OPERATIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Req(Generic[T]):
    """What an operation's method says about one request; `endpoint` adds the method and path."""

    parse: Callable[[Any], T]
    path: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = None  # a non-JSON body (a CSV upload); `json` is then None


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request, ready to send as often as retries need (the same Idempotency-Key each time)."""

    method: str
    url: str
    parse: Callable[[Any], T]
    params: list[tuple[str, str | int | float | bool | None]]
    json: Any
    headers: dict[str, str]
    content: bytes | None = None

    @property
    def idempotent(self) -> bool:
        """Whether a broken connection may be retried: safe methods, and writes with a key."""
        return self.method in IDEMPOTENT_METHODS or "Idempotency-Key" in self.headers

    def build(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        # No `params` at all when there are none: httpx would drop a query already in the URL (a
        # stored export's signed download URL).
        if self.content is not None:
            return http.build_request(self.method, self.url, params=self.params or None, content=self.content,
                                      headers=self.headers)
        return http.build_request(self.method, self.url, params=self.params or None, json=self.json,
                                  headers=self.headers)


def query_value(value: Any) -> str:
    """A query parameter as the API reads it: booleans lowercase, dates ISO."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def query(params: Mapping[str, Any]) -> list[tuple[str, str | int | float | bool | None]]:
    """Omit None; repeat a list's values."""
    out: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in params.items():
        if value is None:
            continue
        for one in value if isinstance(value, list | tuple) else [value]:
            out.append((key, query_value(one)))
    return out


def body(model: BaseModel | Mapping[str, Any] | None, **fields: Any) -> Any:
    """A JSON body from a request model (wire names, unset fields left out) or a dict, plus fields."""
    if model is None:
        data: dict[str, Any] = {}
    elif isinstance(model, BaseModel):
        data = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    else:
        data = dict(model)
    data.update({k: v for k, v in fields.items() if v is not None})
    return data


# --- answers -------------------------------------------------------------------------------------

@functools.cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def data(tp: type[T] | Any) -> Callable[[Any], T]:
    """The envelope's `data` as `tp` (a model, `list[Model]`, `dict[str, Any]`)."""
    adapter: TypeAdapter[Any] = _adapter(tp)  # type: ignore[arg-type]  # types and generic aliases hash

    def parse(envelope: Any) -> T:
        return adapter.validate_python(envelope["data"])  # type: ignore[no-any-return]

    return parse


@dataclass(frozen=True)
class Page(Generic[T]):
    """A page of a list operation: its items and the paging fields of `meta`."""

    items: list[T]
    total: int | None
    limit: int | None
    offset: int | None
    has_more: bool
    request_id: str | None


def page(tp: type[T]) -> Callable[[Any], Page[T]]:
    """A list answer (`data` a list, paging in `meta`) as a `Page`."""
    adapter = _adapter(list[tp])  # type: ignore[valid-type]

    def parse(envelope: Any) -> Page[T]:
        meta = envelope.get("meta") or {}
        items = adapter.validate_python(envelope["data"])
        total = meta.get("total")
        offset = meta.get("offset")
        more = meta.get("hasMore")
        if more is None:
            more = total is not None and offset is not None and offset + len(items) < total
        return Page(items=items, total=total, limit=meta.get("limit"), offset=offset, has_more=bool(more),
                    request_id=meta.get("request_id"))

    return parse


def _retry_after(headers: httpx.Headers) -> float | None:
    """`Retry-After` in seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


def error_from(status: int, headers: httpx.Headers, content: bytes) -> ApiError:
    """The exception of an error answer; a body that is not the error envelope still gives one."""
    request_id = headers.get("x-request-id")
    code, message, details = f"HTTP_{status}", content[:200].decode("utf-8", "replace") or httpx.codes.get_reason_phrase(status), None
    try:
        payload = httpx.Response(status, content=content).json()
        err = payload["error"]
        code, message, details = str(err["code"]), str(err["message"]), err.get("details")
        request_id = (payload.get("meta") or {}).get("request_id") or request_id
    except (ValueError, KeyError, TypeError):
        pass
    return error_class(status)(status=status, code=code, message=message, details=details,
                               request_id=request_id, retry_after=_retry_after(headers))


def decode(call: Call[T], response: httpx.Response) -> T:
    """The parsed answer of a 2xx, or the `ApiError` of anything else."""
    if response.status_code >= 300:
        raise error_from(response.status_code, response.headers, response.content)
    return call.parse(response.json())


# --- retries -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RetryPolicy:
    """Retries on 429 and 503 (any call: the server did nothing) and on broken connections (calls
    that are safe to repeat). Waits `Retry-After` when the server says it, else exponential
    backoff with full jitter, so many clients that failed together do not return together."""

    max_retries: int = 4
    backoff: float = 0.5  # seconds before the first retry, at most; doubled per attempt
    max_backoff: float = 30.0
    max_retry_after: float = 120.0  # a longer Retry-After is not waited for: the error is raised
    statuses: frozenset[int] = frozenset({429, 503})

    def after_status(self, attempt: int, status: int, headers: httpx.Headers) -> float | None:
        """Seconds to wait before the next attempt, or None to stop and answer."""
        if status not in self.statuses or attempt >= self.max_retries:
            return None
        hinted = _retry_after(headers)
        if hinted is None:
            return self._backoff(attempt)
        if hinted > self.max_retry_after:
            return None
        return hinted + random.uniform(0, self.backoff / 4)

    def after_transport_error(self, attempt: int, call: Call[Any], exc: httpx.TransportError) -> float | None:
        """A connection that was never made can always be retried; one that broke only if safe."""
        if attempt >= self.max_retries:
            return None
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout) or call.idempotent:
            return self._backoff(attempt)
        return None

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))


NO_RETRIES = RetryPolicy(max_retries=0)


# --- pagination ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pager(Generic[T]):
    """How a list is walked to its end: the first call, then for each answer its items and the
    next call (None at the end)."""

    first: Call[Any]
    follow: Callable[[Any], tuple[Sequence[T], Call[Any] | None]]


def by_offset(make: Callable[[int], Call[Any]], items: Callable[[Any], Sequence[T]],
              total: Callable[[Any], int | None], start: int = 0) -> Pager[T]:
    """Pages by `offset` until `total` (or an empty page) is reached."""

    def follow(answer: Any) -> tuple[Sequence[T], Call[Any] | None]:
        got = items(answer)
        nxt = (answer.offset if answer.offset is not None else start) + len(got)
        end = total(answer)
        done = not got or (end is not None and nxt >= end)
        return got, None if done else make(nxt)

    return Pager(first=make(start), follow=follow)


# --- one definition per operation, two executors -------------------------------------------------

class SyncBase:
    """Marks the blocking client for the descriptors' types."""

    def _execute(self, call: Call[T]) -> T:
        raise NotImplementedError

    def _paginate(self, pager: Pager[T]) -> Iterator[T]:
        call: Call[Any] | None = pager.first
        while call is not None:
            items, call = pager.follow(self._execute(call))
            yield from items


class AsyncBase:
    """Marks the asyncio client for the descriptors' types."""

    async def _execute(self, call: Call[T]) -> T:
        raise NotImplementedError

    async def _paginate(self, pager: Pager[T]) -> AsyncIterator[T]:
        call: Call[Any] | None = pager.first
        while call is not None:
            items, call = pager.follow(await self._execute(call))
            for item in items:
                yield item


def _quote(value: object) -> str:
    text = str(value)
    if not text:
        raise ValueError("an id in the path must not be empty")
    return quote(text, safe="")


class Endpoint(Generic[P, T]):
    """An operation written once: on a `Client` it is a method returning `T`, on an `AsyncClient`
    a coroutine method returning `T`."""

    def __init__(self, method: str, template: str, build: Callable[Concatenate[Any, P], Req[T]]) -> None:
        self.method, self.template, self.build = method, template, build
        self.__doc__ = build.__doc__
        self.__name__ = build.__name__

    def call(self, owner: Any, *args: P.args, **kwargs: P.kwargs) -> Call[T]:
        req = self.build(owner, *args, **kwargs)
        url = self.template.format(**{k: _quote(v) for k, v in req.path.items()})
        return Call(method=self.method, url=url, parse=req.parse, params=query(req.params), json=req.json,
                    headers=dict(req.headers), content=req.content)

    @overload
    def __get__(self, obj: None, owner: type) -> Endpoint[P, T]: ...
    @overload
    def __get__(self, obj: SyncBase, owner: type) -> Callable[P, T]: ...
    @overload
    def __get__(self, obj: AsyncBase, owner: type) -> Callable[P, Awaitable[T]]: ...
    def __get__(self, obj: Any, owner: type) -> Any:
        if obj is None:
            return self

        @functools.wraps(self.build)
        def bound(*args: P.args, **kwargs: P.kwargs) -> Any:
            return obj._execute(self.call(obj, *args, **kwargs))

        return bound


def endpoint(method: str, template: str) -> Callable[[Callable[Concatenate[Any, P], Req[T]]], Endpoint[P, T]]:
    """Declare the SDK method of one operation of the OpenAPI document."""

    def wrap(build: Callable[Concatenate[Any, P], Req[T]]) -> Endpoint[P, T]:
        OPERATIONS[(method, template)] = build.__name__
        return Endpoint(method, template, build)

    return wrap


class Paginated(Generic[P, T]):
    """An iterator over every item of a list, page after page: `Iterator[T]` on a `Client`,
    `AsyncIterator[T]` on an `AsyncClient`."""

    def __init__(self, build: Callable[Concatenate[Any, P], Pager[T]]) -> None:
        self.build = build
        self.__doc__ = build.__doc__
        self.__name__ = build.__name__

    @overload
    def __get__(self, obj: None, owner: type) -> Paginated[P, T]: ...
    @overload
    def __get__(self, obj: SyncBase, owner: type) -> Callable[P, Iterator[T]]: ...
    @overload
    def __get__(self, obj: AsyncBase, owner: type) -> Callable[P, AsyncIterator[T]]: ...
    def __get__(self, obj: Any, owner: type) -> Any:
        if obj is None:
            return self

        @functools.wraps(self.build)
        def bound(*args: P.args, **kwargs: P.kwargs) -> Any:
            return obj._paginate(self.build(obj, *args, **kwargs))

        return bound


def idempotency_key_header(given: str | None) -> dict[str, str]:
    """The header for a run creation: the caller's key, or a fresh one that all retries reuse."""
    return {"Idempotency-Key": given or f"orbit-client-{uuid.uuid4()}"}


def with_params(call: Call[T], **params: Any) -> Call[T]:
    """The same call with some query parameters replaced (the next page)."""
    kept = [(k, v) for k, v in call.params if k not in params]
    return replace(call, params=kept + query(params))
