"""Pure ASGI middleware: request ids on every response and a cap on request bodies."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orbit.errors import PayloadTooLarge
from orbit.http.envelope import meta, request_id_var

log = logging.getLogger("orbit.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record written while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class RequestContext:
    """Sets the request id (a client's sane `X-Request-Id`, or a new one), echoes it back,
    answers 413 for bodies over the limit, and writes one access log line per request."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _SAFE_ID.match(incoming) else f"req_{uuid.uuid4().hex}"
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}
        limit = self.max_body_bytes

        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send, rid)
            request_id_var.reset(token)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the app, so the OrbitError handler answers 413.
                    raise PayloadTooLarge(f"request bodies are limited to {limit} bytes")
            return message

        async def tagged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, limited_receive, tagged_send)
        except PayloadTooLarge:
            if not status_holder["started"]:
                await self._reject(send, rid)
        finally:
            principal = (scope.get("state") or {}).get("principal")
            log.info(
                "%s %s %s %.1fms request_id=%s %s",
                scope.get("method"), scope.get("path"), status_holder["status"],
                (time.perf_counter() - started) * 1000, rid,
                principal.describe() if principal is not None else "anonymous",
            )
            request_id_var.reset(token)

    async def _reject(self, send: Send, rid: str) -> None:
        body = json.dumps(
            {
                "error": {
                    "code": "PAYLOAD_TOO_LARGE",
                    "message": f"request bodies are limited to {self.max_body_bytes} bytes",
                    "details": None,
                },
                "meta": meta().model_dump(),
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-request-id", rid.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
