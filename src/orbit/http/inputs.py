"""Text a client can send but no store can keep: NUL characters (PostgreSQL text refuses them) and
lone UTF-16 surrogates (JSON's `\\ud800` decodes to one; UTF-8 cannot encode it). Both are refused
at the edge with a 400 naming the field, on every route, before any service sees them."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from orbit.errors import ValidationFailed

MESSAGE = "must not contain NUL characters or unpaired UTF-16 surrogates"


def _bad(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _walk(value: Any, where: str) -> str | None:
    """The path of the first unstorable string in a decoded JSON value, else None."""
    if isinstance(value, str):
        return where if _bad(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and _bad(key):
                return where or "body"
            found = _walk(item, path)
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _walk(item, f"{where}[{i}]")
            if found is not None:
                return found
    return None


async def reject_unstorable_text(request: Request) -> None:
    """An app-wide dependency: path parameters, query parameters (names and values) and JSON
    bodies are checked; the first bad field is named."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and _bad(value):
            raise ValidationFailed.field(name, f"{name} {MESSAGE}")
    for name, value in request.query_params.multi_items():
        if _bad(name) or _bad(value):
            raise ValidationFailed.field(name if not _bad(name) else "query", f"query parameters {MESSAGE}")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return
    try:
        body = await request.json()
    except ValueError:
        return  # not JSON: the route's own parsing answers INVALID_JSON
    where = _walk(body, "")
    if where is not None:
        raise ValidationFailed.field(where, f"{where} {MESSAGE}")
