"""Exceptions of the SDK: every error answer of the API becomes an `ApiError` subclass carrying the
envelope's code, message and details, the HTTP status and the request id (quote it to the operator)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "GoneError",
    "NotFoundError",
    "OrbitError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "RunFailedError",
    "ServerError",
    "ServiceUnavailableError",
    "TransportError",
    "UnprocessableError",
    "WaitTimeoutError",
]


class OrbitError(Exception):
    """The base of everything this SDK raises."""


class TransportError(OrbitError):
    """The server could not be reached or the connection broke (after the allowed retries)."""


class ApiError(OrbitError):
    """An error answer of the API: `{error: {code, message, details}, meta: {request_id}}`."""

    def __init__(
        self,
        *,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}" + (f" (request {request_id})" if request_id else ""))
        self.status, self.code, self.message, self.details = status, code, message, details
        self.request_id, self.retry_after = request_id, retry_after


class BadRequestError(ApiError):
    """400: VALIDATION_ERROR (details: `[{field, message}]`) or INVALID_JSON."""


class AuthenticationError(ApiError):
    """401 UNAUTHORIZED: missing, unknown, revoked or expired credentials."""


class PermissionDeniedError(ApiError):
    """403: FORBIDDEN (e.g. no audience plan for full rows) or SLOTS_FULL."""


class NotFoundError(ApiError):
    """404 NOT_FOUND: missing, or another organization's object."""


class ConflictError(ApiError):
    """409: CONFLICT, RUN_IN_PROGRESS, RUN_NOT_COMPLETED, NO_PREVIOUS_RUN, IDEMPOTENCY_CONFLICT, ..."""


class GoneError(ApiError):
    """410 PREVIOUS_RUN_GONE."""


class PayloadTooLargeError(ApiError):
    """413 PAYLOAD_TOO_LARGE."""


class UnprocessableError(ApiError):
    """422: site analysis could not read the site (SITE_BLOCKED, SITE_TIMEOUT, ...)."""


class RateLimitError(ApiError):
    """429 RATE_LIMITED, raised once the retries are used up; `retry_after` in seconds."""


class ServerError(ApiError):
    """5xx."""


class ServiceUnavailableError(ServerError):
    """503 SERVICE_UNAVAILABLE or OVERLOADED, raised once the retries are used up."""


class WaitTimeoutError(OrbitError):
    """`wait_for_run` reached its deadline; `run` is the last state seen."""

    def __init__(self, message: str, *, run: Any) -> None:
        super().__init__(message)
        self.run = run


class RunFailedError(OrbitError):
    """`wait_for_run` saw the run end as failed or cancelled; `run` is that run."""

    def __init__(self, message: str, *, run: Any) -> None:
        super().__init__(message)
        self.run = run


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    413: PayloadTooLargeError,
    422: UnprocessableError,
    429: RateLimitError,
    503: ServiceUnavailableError,
}


def error_class(status: int) -> type[ApiError]:
    """The exception class of an error status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else ApiError
