"""The one authentication dependency: every route gets the caller as a `Principal`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from orbit.accounts import service as accounts
from orbit.accounts.service import Principal
from orbit.errors import RateLimited, Unauthorized
from orbit.http.envelope import ErrorEnvelope
from orbit.metadata import db

# Declared for the OpenAPI document (the "Authorize" button); the raw headers are parsed below
# so that a malformed header is a 401, not silently ignored.
_api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="An organization API key, sk_...")
_bearer_scheme = HTTPBearer(auto_error=False, description="A JWT (dashboard access token)")
# Probes of the platform, not of clients: no credentials read, no rate limit.
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def _failed_auth_limit(request: Request, *, record: bool) -> None:
    """429 once a client IP has spent its failed authentications (before any lookup)."""
    limiter = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        return
    client = request.client.host if request.client is not None else None
    decision = limiter.failed_auth(client, record=record)
    if not decision.allowed:
        request.state.rate_limit = decision
        raise RateLimited(
            f"too many failed authentications from this address; retry in {decision.retry_after_s} s",
            details={"limit": decision.limit, "retryAfter": decision.retry_after_s},
        )


def optional_principal(
    request: Request,
    _key: Annotated[str | None, Security(_api_key_scheme)] = None,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer_scheme)] = None,
) -> Principal | None:
    api_key = request.headers.get("x-api-key")
    authorization = request.headers.get("authorization")
    if (api_key is None and authorization is None) or request.url.path in PROBE_PATHS:
        return None
    settings = request.app.state.settings
    _failed_auth_limit(request, record=False)
    try:
        # Its own short, read-only transaction: authentication is not part of the request's
        # business work, and a revoked key must fail at once in every process, so nothing is cached.
        with request.app.state.sessions.begin() as session:
            principal = accounts.authenticate(
                session, request.app.state.verifier, api_key=api_key, authorization=authorization,
                org_claim=settings.auth.jwt_org_claim, touch=False,
            )
        if principal is not None and principal.kind == accounts.PrincipalKind.API_KEY and accounts.touch_due(principal.subject):
            with request.app.state.sessions.begin() as session:
                db.begin_write(session)  # a write from the start (SQLite: no lock upgrade)
                accounts.touch_api_key(session, key_id=principal.subject)
    except Unauthorized:
        _failed_auth_limit(request, record=True)
        raise
    request.state.principal = principal
    return principal


async def _required(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise Unauthorized("credentials required: send X-API-Key: sk_... or Authorization: Bearer <JWT>")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(_required)]


async def _row_reader(principal: Annotated[Principal, Depends(_required)]) -> Principal:
    principal.require_audience_plan()
    return principal


# For routes that return unmasked people rows: 403 FORBIDDEN without an audience plan.
RowReader = Annotated[Principal, Depends(_row_reader)]
NO_PLAN: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorEnvelope, "description": "FORBIDDEN: no audience plan (the organization has 0 audience slots)"},
}
