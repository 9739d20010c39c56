"""Connection defaults shared by both clients."""

from __future__ import annotations

import httpx

from orbit_client._version import __version__

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def normalise_base_url(base_url: str) -> str:
    url = base_url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"base_url must start with http:// or https://, not {base_url!r}")
    return url


def client_headers(*, api_key: str | None, bearer_token: str | None, extra: dict[str, str] | None) -> dict[str, str]:
    """Credentials as the API reads them: an `sk_` key as X-API-Key, a JWT as a bearer token."""
    if api_key and bearer_token:
        raise ValueError("pass api_key or bearer_token, not both")
    headers = {"User-Agent": f"orbit-client/{__version__}", "Accept": "application/json"}
    if api_key:
        headers["X-API-Key"] = api_key
    if bearer_token:
        headers["Authorization"] = f"Bearer {bearer_token}"
    headers.update(extra or {})
    return headers
