"""What the OpenAPI document promises: every status an operation can answer, the error codes
behind each one, the headers that come with them, and whether credentials are required.

Two sources, merged per operation when the document is built (nothing blanket):
- a route declares what only its service knows (NOT_FOUND, the 409 codes, SLOTS_FULL, the 422
  site codes) with `responses=errors(...)`;
- `finish()` adds what follows from the route itself: its parameters and body (400, 413), its
  authentication dependency (401, 403), the rate limiter (429), the load shedder and the stores
  (503), and 500. FastAPI's default 422 goes: Orbit answers validation errors with 400.
Each error response names its codes in its description and in `x-error-codes`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from orbit.http import auth, inputs, ratelimit
from orbit.http.envelope import ErrorEnvelope

Responses = dict[int | str, dict[str, Any]]

CODES_KEY = "x-error-codes"
ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"

# code → (status, what it means unless a route says more). The statuses agree with
# orbit.http.errors.STATUS (tests/http/test_openapi.py checks it).
ERRORS: dict[str, tuple[int, str]] = {
    "VALIDATION_ERROR": (400, "a parameter or body field is invalid; `details` lists each field and why"),
    "INVALID_JSON": (400, "the request body is not valid JSON"),
    "UNAUTHORIZED": (401, "credentials are missing, malformed, unknown, revoked or expired"),
    "FORBIDDEN": (403, "the caller may not do this"),
    "SLOTS_FULL": (403, "every audience slot of the organization is in use; nothing was changed"),
    "NOT_FOUND": (404, "no such object in the caller's organization"),
    "CONFLICT": (409, "the change clashes with an existing object"),
    "RUN_IN_PROGRESS": (409, "the audience already has a queued or running run (`details.runId`)"),
    "RUN_NOT_COMPLETED": (409, "the run is failed or cancelled, so it has no results (`details.status`)"),
    "NO_PREVIOUS_RUN": (409, "the run is its audience's first completed run: no previous run to compare with"),
    "PREVIOUS_RUN_GONE": (410, "the previous run or its snapshot was deleted (`details.previousRunId`); "
                          "the counts on the run stay"),
    "RUN_NOT_CANCELLABLE": (409, "only queued runs can be cancelled (`details.status`)"),
    "IDEMPOTENCY_CONFLICT": (409, "this Idempotency-Key was used for another audience, or is in use right now"),
    "PAYLOAD_TOO_LARGE": (413, "the request body is over the server's limit (1 MiB by default)"),
    "SITE_BLOCKED": (422, "the site's address is not one the server may fetch (private, loopback, ...)"),
    "SITE_UNREACHABLE": (422, "the site could not be reached"),
    "SITE_TIMEOUT": (422, "the site could not be read in time"),
    "SITE_TOO_LARGE": (422, "the site's pages are over the size limit"),
    "SITE_NOT_HTML": (422, "the site did not answer with an HTML page"),
    "SITE_ROBOTS_DISALLOWED": (422, "the site's robots.txt disallows fetching it"),
    "SITE_TOO_MANY_REDIRECTS": (422, "the site redirected too many times"),
    "RATE_LIMITED": (429, "the caller's request budget is used up; retry after `Retry-After` seconds"),
    "INTERNAL_ERROR": (500, "an unexpected error; the answer carries no trace, the log has the request id"),
    "SERVICE_UNAVAILABLE": (503, "a data store is busy or unreachable; retry shortly"),
    "OVERLOADED": (503, "the server is saturated and shed this request; retry after `Retry-After` seconds"),
}


def errors(*codes: str, **notes: str) -> Responses:
    """The `responses=` of a route for error codes only its service knows, each with the meaning
    it has on this route: `errors("NOT_FOUND", RUN_IN_PROGRESS="...")`."""
    out: Responses = {}
    for code in [*codes, *notes]:
        status, meaning = ERRORS[code]
        entry = out.setdefault(status, {"model": ErrorEnvelope, CODES_KEY: {}})
        entry[CODES_KEY][code] = notes.get(code, meaning)
    for entry in out.values():
        entry["description"] = _describe([(c, n) for c, n in entry[CODES_KEY].items()])
    return out


def merge(*parts: Responses) -> Responses:
    """Several `responses=` dicts in one; two error entries of one status keep both sets of codes."""
    out: Responses = {}
    for part in parts:
        for status, entry in part.items():
            if status in out and CODES_KEY in out[status] and CODES_KEY in entry:
                codes = {**out[status][CODES_KEY], **entry[CODES_KEY]}
                out[status] = {**out[status], **entry, CODES_KEY: codes,
                               "description": _describe(list(codes.items()))}
            else:
                out[status] = {**out.get(status, {}), **entry}
    return out


# --- headers ------------------------------------------------------------------------------------
# Declared once under components/headers and referenced from each response.

def _header(description: str, *, required: bool = False, type_: str = "string") -> dict[str, Any]:
    return {"description": description, "required": required, "schema": {"type": type_}}


HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-Id": _header(
        "The request's id (the caller's own `X-Request-Id` when it is 1..64 of `A-Za-z0-9._-`); an "
        "error carries it in `meta.request_id` too", required=True),
    "RateLimit-Limit": _header("Requests per minute of the caller's bucket", type_="integer"),
    "RateLimit-Remaining": _header("Whole requests left in the bucket", type_="integer"),
    "RateLimit-Reset": _header("Seconds until the bucket is full again", type_="integer"),
    "Retry-After": _header("Seconds until the next request is allowed", required=True, type_="integer"),
    "Retry-After-503": _header("Seconds to wait before retrying (sent with OVERLOADED and when a store is busy)",
                               type_="integer"),
}


def _refs(*names: str, as_: dict[str, str] | None = None) -> dict[str, Any]:
    """Response headers by reference: `{"Retry-After": {"$ref": ...}}`; `as_` renames a component."""
    return {(as_ or {}).get(n, n): {"$ref": f"#/components/headers/{n}"} for n in names}


REQUEST_ID = _refs("X-Request-Id")
RATE_HEADERS = _refs("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
RETRY_AFTER_429 = _refs("Retry-After")
RETRY_AFTER_503 = _refs("Retry-After-503", as_={"Retry-After-503": "Retry-After"})


# --- what a route's own shape says it can answer ---------------------------------------------------

def _dependency(alias: object) -> Callable[..., Any]:
    """The function behind an `Annotated[..., Depends(f)]` alias."""
    call: Callable[..., Any] = get_args(alias)[1].dependency
    return call


_REQUIRED = _dependency(auth.CurrentPrincipal)
_ROW_READER = _dependency(auth.RowReader)


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _has_parameters(dependant: Dependant) -> bool:
    if dependant.path_params or dependant.query_params or dependant.header_params or dependant.cookie_params:
        return True
    return any(_has_parameters(sub) for sub in dependant.dependencies)


def _no_plan_note() -> str:
    """auth.NO_PLAN's description without its leading code."""
    return str(auth.NO_PLAN[403]["description"]).split(": ", 1)[-1]


def inherent_errors(route: RouteContext) -> list[tuple[str, str]]:
    """The codes a route can answer because of its inputs and dependencies, with their meaning
    (a code may come twice, for two reasons)."""
    calls = set(_calls(route.dependant))
    out: list[tuple[str, str]] = []

    def add(code: str, note: str | None = None) -> None:
        out.append((code, note or ERRORS[code][1]))

    if route.body_field is not None or _has_parameters(route.dependant):
        add("VALIDATION_ERROR")
    if inputs.reject_unstorable_text in calls:
        add("VALIDATION_ERROR", "a path or query parameter (declared or not) or a JSON body holds NUL or an "
            "unpaired UTF-16 surrogate")
    if route.body_field is not None:
        add("INVALID_JSON")
        add("PAYLOAD_TOO_LARGE")
    if _reads_credentials(route, calls):
        add("UNAUTHORIZED", None if _REQUIRED in calls
            else "the credentials sent are malformed, unknown, revoked or expired (sending none is fine)")
        add("FORBIDDEN", "the credential's organization is deactivated")
    if _ROW_READER in calls:
        add("FORBIDDEN", _no_plan_note())
    if ratelimit.rate_limit in calls and route.path_format not in ratelimit.UNLIMITED_PATHS:
        add("RATE_LIMITED")
    if _reads_credentials(route, calls):
        add("RATE_LIMITED", "too many failed authentications from this address; retry after `Retry-After` seconds")
    add("INTERNAL_ERROR")
    if route.path_format not in auth.PROBE_PATHS:
        # Probes touch no store unless they say so, and the load shedder lets them through.
        add("SERVICE_UNAVAILABLE")
        add("OVERLOADED")
    return out


def _reads_credentials(route: RouteContext, calls: set[Any]) -> bool:
    """Whether the route authenticates credentials that are sent (probes ignore them)."""
    return auth.optional_principal in calls and route.path_format not in auth.PROBE_PATHS


# --- the document -------------------------------------------------------------------------------------

_CODE_LINE = re.compile(r"^`?([A-Z][A-Z_]+)`?: (.+)$")


def _describe(notes: list[tuple[str, str]]) -> str:
    return "\n".join(f"- `{code}`: {note}" for code, note in notes)


def _parse(description: str) -> list[tuple[str, str]]:
    """`CODE: note` lines of a description (ours, or one such as auth.NO_PLAN's)."""
    found = []
    for line in description.splitlines():
        m = _CODE_LINE.match(line.removeprefix("- ").strip())
        if m is not None and m.group(1) in ERRORS:
            found.append((m.group(1), m.group(2)))
    return found


def _finish_errors(responses: dict[str, Any], inherent: list[tuple[str, str]]) -> None:
    if "HTTPValidationError" in json.dumps(responses.get("422", {})):
        del responses["422"]  # FastAPI's default; Orbit answers a failed validation with 400
    notes: dict[str, list[tuple[str, str]]] = {}
    for status, entry in responses.items():
        if status.isdigit() and int(status) >= 400:
            # Ours carry their codes; another's (auth.NO_PLAN) names them in its description.
            declared = entry.pop(CODES_KEY, None)
            notes[status] = list(declared.items()) if declared is not None else _parse(entry.get("description", ""))
    for code, note in inherent:
        notes.setdefault(str(ERRORS[code][0]), []).append((code, note))
    for status, pairs in notes.items():
        unique = list(dict.fromkeys(pairs))
        entry = responses.setdefault(status, {})
        entry["description"] = _describe(unique)
        entry[CODES_KEY] = list(dict.fromkeys(code for code, _ in unique))
        entry["content"] = {"application/json": {"schema": {"$ref": ENVELOPE_REF}}}
        if status == "429":
            entry["headers"] = {**RETRY_AFTER_429, **RATE_HEADERS, **entry.get("headers", {})}
        elif status == "503":
            entry["headers"] = {**RETRY_AFTER_503, **entry.get("headers", {})}


def _finish_operation(route: RouteContext, op: dict[str, Any]) -> None:
    inherent = inherent_errors(route)
    responses: dict[str, Any] = op.setdefault("responses", {})
    _finish_errors(responses, inherent)
    rate_limited = any(code == "RATE_LIMITED" for code, _ in inherent)
    for status, entry in responses.items():
        headers = entry.get("headers", {})
        if status.startswith("2") and rate_limited:
            headers = {**RATE_HEADERS, **headers}
        entry["headers"] = {**REQUEST_ID, **headers}
    op["responses"] = dict(sorted(responses.items()))
    calls = set(_calls(route.dependant))
    if not _reads_credentials(route, calls):
        op.pop("security", None)
    elif op.get("security") and _REQUIRED not in calls:
        op["security"] = [*op["security"], {}]  # credentials optional: calling without any is allowed


def _add_components(doc: dict[str, Any]) -> None:
    doc.setdefault("components", {}).setdefault("headers", {}).update(HEADERS)
    schemas = doc["components"].setdefault("schemas", {})
    if "ErrorEnvelope" in schemas:
        return
    schema = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas["ErrorEnvelope"] = schema


def finish(app: FastAPI, doc: dict[str, Any]) -> dict[str, Any]:
    """Complete FastAPI's document in place (see the module docstring) and return it."""
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in sorted(route.methods or ()):
            _finish_operation(route, doc["paths"][route.path_format][method.lower()])
    _add_components(doc)
    schemas = doc["components"]["schemas"]
    if '"#/components/schemas/HTTPValidationError"' not in json.dumps(doc["paths"]):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return doc


def install(app: FastAPI) -> None:
    """Build the document with `finish()` the first time it is asked for."""
    generate = app.openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = finish(app, generate())
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]  # FastAPI's documented way to extend it
