"""405 answers whose `Allow` lists every method the path serves.

Starlette stops at the first route whose path matches and names only that route's methods; a path
such as `/v1/intent/audiences/{id}` is three routes (GET, PATCH, DELETE), so this handler asks all
of them.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.routing import Match

from orbit.http.errors import error_response


def allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """The methods of every route whose path matches the request's, sorted."""
    methods: set[str] = set()
    for route in iter_route_contexts(app.router.routes):
        if route.methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= route.methods
    return sorted(methods)


def install(app: FastAPI) -> None:
    async def method_not_allowed(request: Request, _exc: Exception) -> JSONResponse:
        allow = ", ".join(allowed_methods(app, request))
        return error_response(405, "METHOD_NOT_ALLOWED", f"method not allowed on this path; allowed: {allow}",
                              headers={"Allow": allow})

    app.add_exception_handler(405, method_not_allowed)
