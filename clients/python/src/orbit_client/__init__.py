"""Typed Python client for the Orbit audience-intent API: `Client` (blocking) and `AsyncClient`
(asyncio), both on httpx, with pydantic models generated from the service's OpenAPI document."""

from __future__ import annotations

__version__ = "0.1.0"

from orbit_client import models  # noqa: E402
from orbit_client._async import AsyncClient  # noqa: E402
from orbit_client._core import OPERATIONS, NO_RETRIES, Page, RetryPolicy  # noqa: E402
from orbit_client._csv import CsvInfo  # noqa: E402
from orbit_client._sync import Client  # noqa: E402
from orbit_client.errors import *  # noqa: E402, F403
from orbit_client.errors import __all__ as _errors

__all__ = ["NO_RETRIES", "OPERATIONS", "AsyncClient", "Client", "CsvInfo", "Page", "RetryPolicy", "models",
           *_errors]
