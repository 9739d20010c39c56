"""Errors that services raise; `orbit.http.errors` maps each `code` to an HTTP status."""

from __future__ import annotations

from typing import ClassVar


class OrbitError(Exception):
    """A failure with a stable code, a message safe to show clients, and JSON-able details."""

    code: ClassVar[str] = "INTERNAL_ERROR"

    def __init__(self, message: str, *, details: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationFailed(OrbitError):
    code = "VALIDATION_ERROR"

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        return cls(message, details=[{"field": field, "message": message}])


class InvalidJson(OrbitError):
    """A body sent as JSON that does not parse (routes that read their own body)."""

    code = "INVALID_JSON"


class NotFound(OrbitError):
    code = "NOT_FOUND"


class Conflict(OrbitError):
    code = "CONFLICT"


class WarehouseUnavailable(OrbitError):
    code = "SERVICE_UNAVAILABLE"


class IngestError(OrbitError):
    """A data file could not be loaded; the warehouse was left as it was."""

    code = "VALIDATION_ERROR"


class PayloadTooLarge(OrbitError):
    code = "PAYLOAD_TOO_LARGE"


class Unauthorized(OrbitError):
    code = "UNAUTHORIZED"


class Forbidden(OrbitError):
    code = "FORBIDDEN"


class SlotsFull(OrbitError):
    code = "SLOTS_FULL"


class RunInProgress(OrbitError):
    code = "RUN_IN_PROGRESS"


class RunNotCompleted(OrbitError):
    code = "RUN_NOT_COMPLETED"


class NoPreviousRun(OrbitError):
    """The run is its audience's first completed run: nothing to compare it with (409)."""

    code = "NO_PREVIOUS_RUN"


class PreviousRunGone(OrbitError):
    """The run's previous run, or its snapshot rows, no longer exist (410); the counts stay."""

    code = "PREVIOUS_RUN_GONE"


class RunNotCancellable(OrbitError):
    code = "RUN_NOT_CANCELLABLE"


class IdempotencyConflict(OrbitError):
    code = "IDEMPOTENCY_CONFLICT"


class StorageUnavailable(OrbitError):
    """The export file store refused or could not be reached (503)."""

    code = "SERVICE_UNAVAILABLE"


class RateLimited(OrbitError):
    """The caller used up its token bucket; `details` says when to retry."""

    code = "RATE_LIMITED"


class SiteFetchFailed(OrbitError):
    """A site could not be analyzed safely; each subclass names why (all answer 422)."""

    code = "SITE_UNREACHABLE"


class SiteBlocked(SiteFetchFailed):
    code = "SITE_BLOCKED"


class SiteUnreachable(SiteFetchFailed):
    code = "SITE_UNREACHABLE"


class SiteTimeout(SiteFetchFailed):
    code = "SITE_TIMEOUT"


class SiteTooLarge(SiteFetchFailed):
    code = "SITE_TOO_LARGE"


class SiteNotHtml(SiteFetchFailed):
    code = "SITE_NOT_HTML"


class SiteRobotsDisallowed(SiteFetchFailed):
    code = "SITE_ROBOTS_DISALLOWED"


class SiteTooManyRedirects(SiteFetchFailed):
    code = "SITE_TOO_MANY_REDIRECTS"
