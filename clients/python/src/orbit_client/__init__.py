"""Typed Python client for the Orbit audience-intent API: `Client` (blocking) and `AsyncClient`
(asyncio), both on httpx, with pydantic models generated from the service's OpenAPI document."""

from __future__ import annotations

from orbit_client import models
from orbit_client._api import RunPendingError
from orbit_client._async import AsyncClient
from orbit_client._core import NO_RETRIES, OPERATIONS, Page, RetryPolicy
from orbit_client._csv import CsvInfo
from orbit_client._sync import Client
from orbit_client._version import __version__
from orbit_client.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GoneError,
    NotFoundError,
    OrbitError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    RunFailedError,
    ServerError,
    ServiceUnavailableError,
    TransportError,
    UnprocessableError,
    WaitTimeoutError,
)

__all__ = [
    "NO_RETRIES", "OPERATIONS", "ApiError", "AsyncClient", "AuthenticationError", "BadRequestError", "Client",
    "ConflictError", "CsvInfo", "GoneError", "NotFoundError", "OrbitError", "Page", "PayloadTooLargeError",
    "PermissionDeniedError", "RateLimitError", "RetryPolicy", "RunFailedError", "RunPendingError", "ServerError",
    "ServiceUnavailableError", "TransportError", "UnprocessableError", "WaitTimeoutError", "__version__", "models",
]
