"""The one code → status table and the handlers that put every error in the envelope."""

from __future__ import annotations

import logging
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
}

_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE", 401: "UNAUTHORIZED", 403: "FORBIDDEN"}
_HTTP_MESSAGES = {404: "no such resource", 405: "method not allowed on this path"}


def error_response(
    status: int, code: str, message: str, details: object = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details}, "meta": meta().model_dump()}
    return JSONResponse(body, status_code=status, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    """`("query", "limit")` → `limit`; `("body", "topicIds", 2)` → `topicIds[2]`."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


async def on_orbit_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OrbitError)
    status = STATUS.get(exc.code, 500)
    headers = {"WWW-Authenticate": 'Bearer, ApiKey header="X-API-Key"'} if status == 401 else None
    return error_response(status, exc.code, exc.message, exc.details, headers=headers)


async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, "INVALID_JSON", "the request body is not valid JSON")
    details = [{"field": _field(tuple(e.get("loc", ()))), "message": str(e.get("msg", "invalid"))} for e in errors]
    return error_response(400, "VALIDATION_ERROR", "the request is invalid", details)


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


async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # Log the cause with the request id; the client never sees a trace or SQL.
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "INTERNAL_ERROR", "an internal error occurred")


def install(app: FastAPI) -> None:
    app.add_exception_handler(OrbitError, on_orbit_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(OperationalError, on_store_unavailable)
    app.add_exception_handler(WarehouseQueryError, on_store_unavailable)
    app.add_exception_handler(Exception, on_unexpected)
