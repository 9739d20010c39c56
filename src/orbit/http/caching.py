"""Conditional GETs for data that changes only on ingest (topic catalogue, facets)."""

from __future__ import annotations

import hashlib

from fastapi import Request, Response


def etag_for(version: str, *parts: object) -> str:
    digest = hashlib.sha256("|".join([version, *map(str, parts)]).encode()).hexdigest()[:32]
    return f'"{digest}"'


def not_modified(request: Request, response: Response, *, etag: str, max_age: int) -> bool:
    """Set caching headers; True when the client's copy is current (answer 304 then)."""
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return request.headers.get("if-none-match") == etag
