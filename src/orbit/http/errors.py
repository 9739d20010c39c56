"""The one code → status table and the handlers that put every error in the envelope."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from orbit.errors import OrbitError
from orbit.http.envelope import meta
from orbit.warehouse.backend import WarehouseQueryError

log = logging.getLogger("orbit.http")

STATUS: dict[str, int] = {
    "VALIDATION_ERROR": 400,
    "INVALID_JSON": 400,
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "SLOTS_FULL": 403,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "CONFLICT": 409,
    "RUN_IN_PROGRESS": 409,
    "RUN_NOT_COMPLETED": 409,
    "RUN_NOT_CANCELLABLE": 409,
    "NO_PREVIOUS_RUN": 409,
    "PREVIOUS_RUN_GONE": 410,
    "IDEMPOTENCY_CONFLICT": 409,
    "PAYLOAD_TOO_LARGE": 413,
    # Site analysis: the request was valid but the site cannot be analyzed (docs/site_analysis.md).
    "SITE_BLOCKED": 422,
    "SITE_UNREACHABLE": 422,
    "SITE_TIMEOUT": 422,
    "SITE_TOO_LARGE": 422,
    "SITE_NOT_HTML": 422,
    "SITE_ROBOTS_DISALLOWED": 422,
    "SITE_TOO_MANY_REDIRECTS": 422,
    "RATE_LIMITED": 429,
    "INTERNAL_ERROR": 500,
    "SERVICE_UNAVAILABLE": 503,
    "OVERLOADED": 503,
}

_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE", 401: "UNAUTHORIZED", 403: "FORBIDDEN"}
_HTTP_MESSAGES = {404: "no such resource", 405: "method not allowed on this path"}


MAX_DETAILS = 101  # the problems a service lists (100) plus its "and N more" line


def error_response(
    status: int, code: str, message: str, details: object = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    if isinstance(details, list) and len(details) > MAX_DETAILS:
        # However many problems an input has, the answer stays small and says how many.
        details = [*details[: MAX_DETAILS - 1],
                   {"field": "body", "message": f"and {len(details) - MAX_DETAILS + 1} more problems not listed"}]
    body = {"error": {"code": code, "message": message, "details": details}, "meta": meta().model_dump()}
    return JSONResponse(body, status_code=status, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    """`("query", "limit")` → `limit`; `("body", "topicIds", 2)` → `topicIds[2]`."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


_SHORT = {
    "less_than_equal": "must be ≤ {le}", "greater_than_equal": "must be ≥ {ge}",
    "less_than": "must be < {lt}", "greater_than": "must be > {gt}", "missing": "is required",
    "string_too_long": "must be at most {max_length} characters",
    "string_too_short": "must be at least {min_length} characters",
    "too_long": "must have at most {max_length} items", "too_short": "must have at least {min_length} items",
    "int_parsing": "must be an integer", "int_type": "must be an integer", "bool_parsing": "must be true or false",
    "bool_type": "must be true or false", "string_type": "must be a string", "list_type": "must be a list",
    "extra_forbidden": "is not a known field", "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}", "date_from_datetime_parsing": "must be a date YYYY-MM-DD",
    "date_parsing": "must be a date YYYY-MM-DD",
}
MESSAGE_PROBLEMS = 3  # problems named in an error's message; `details` lists all of them


def _short(error: Mapping[str, Any]) -> str:
    template = _SHORT.get(str(error.get("type")))
    if template is not None:
        try:
            return template.format(**(error.get("ctx") or {}))
        except (KeyError, IndexError):
            pass
    return str(error.get("msg", "invalid"))


def naming_fields(details: Sequence[Mapping[str, Any]]) -> str:
    """`limit: must be ≤ 50; topicIds: is required` — the message names the fields at fault."""
    parts = [f"{d['field']}: {d['message']}" for d in details[:MESSAGE_PROBLEMS]]
    more = len(details) - MESSAGE_PROBLEMS
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _with_fields(message: str, details: object) -> str:
    """A 400's message naming its fields: "date: no data date is loaded yet", "the audience
    config is invalid: config.minScore: ..." (unchanged when it names them already)."""
    if not isinstance(details, list) or not details or not all(isinstance(d, Mapping) and "field" in d
                                                               for d in details):
        return message
    if str(details[0]["field"]) in message:
        return message
    named = naming_fields(details)
    return named if message == details[0].get("message") else f"{message}: {named}"


async def on_orbit_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OrbitError)
    status = STATUS.get(exc.code, 500)
    headers = {"WWW-Authenticate": 'Bearer, ApiKey header="X-API-Key"'} if status == 401 else None
    message = _with_fields(exc.message, exc.details) if status == 400 else exc.message
    return error_response(status, exc.code, message, exc.details, headers=headers)


async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, "INVALID_JSON", "the request body is not valid JSON")
    details = [{"field": _field(tuple(e.get("loc", ()))), "message": str(e.get("msg", "invalid"))} for e in errors]
    short = [{"field": d["field"], "message": _short(e)} for d, e in zip(details, errors, strict=True)]
    return error_response(400, "VALIDATION_ERROR", naming_fields(short), details)


async def on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "VALIDATION_ERROR" if exc.status_code < 500 else "INTERNAL_ERROR")
    message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail) if exc.status_code < 500 else "internal error")
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def on_store_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    # A store that is locked, down or timed out: the client may retry; details go to the log only.
    log.error("store unavailable: %s", str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__)
    return error_response(503, "SERVICE_UNAVAILABLE", "a data store is busy or unavailable; retry shortly",
                          headers={"Retry-After": "1"})


def install(app: FastAPI) -> None:
    app.add_exception_handler(OrbitError, on_orbit_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(OperationalError, on_store_unavailable)
    app.add_exception_handler(WarehouseQueryError, on_store_unavailable)
    # Errors nothing here handles become a 500 in `middleware.RequestContext`, inside the request's
    # context (its id in the answer and the log line); a handler for Exception would never run.
