"""Pure ASGI middleware: request ids on every response (500s included), a cap on request bodies,
one access log line per request, and control characters escaped in everything logged."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orbit.http.envelope import meta, request_id_var

log = logging.getLogger("orbit.access")
errors_log = logging.getLogger("orbit.http")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """CR, LF and every other control character as a visible escape (`\\r`, `\\x00`): a client
    cannot start a forged log line through a URL path, a header or an input echoed in a message."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every log record written while a request is handled, and escapes
    control characters in the record's message (tracebacks keep their line breaks)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        message = record.getMessage()
        escaped = escape_controls(message)
        if escaped != message:
            record.msg, record.args = escaped, None
        return True


def _error_body(status: int, code: str, message: str) -> tuple[dict[str, object], bytes]:
    body = json.dumps({"error": {"code": code, "message": message, "details": None},
                       "meta": meta().model_dump()}).encode()
    return {"type": "http.response.start", "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]}, body


class RequestContext:
    """Sets the request id (a client's sane `X-Request-Id`, or a new one) and echoes it back on
    every response; answers 413 for bodies over the limit, declared or chunked; turns an error
    nothing else handled into a 500 envelope that carries the id (header, body and log line);
    writes one access log line per request."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, streamed: tuple[tuple[str, int], ...] = ()) -> None:
        """`streamed`: (path pattern, byte limit) of POST routes that read a non-JSON body as a
        stream and bound it themselves (suppression list CSV uploads): a declared length above that
        limit is a 413 here, and chunked bodies pass through unbuffered."""
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.streamed = tuple((re.compile(pattern), limit) for pattern, limit in streamed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _SAFE_ID.match(incoming) else f"req_{uuid.uuid4().hex}"
        token = request_id_var.set(rid)
        started = time.perf_counter()
        state = {"status": 500, "started": False}

        async def tagged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            limit = self._streamed_limit(scope, headers)
            body_receive = await self._bounded(headers, receive) if limit is None else (
                self._declared_within(headers, receive, limit))
            if body_receive is None:
                await self._answer(tagged_send, 413, "PAYLOAD_TOO_LARGE",
                                   f"request bodies are limited to {limit or self.max_body_bytes} bytes")
                return
            await self.app(scope, body_receive, tagged_send)
        except Exception:
            # Inside the request's context: the traceback's log line carries the request id.
            errors_log.exception("unhandled error")
            if not state["started"]:
                await self._answer(tagged_send, 500, "INTERNAL_ERROR", "an internal error occurred")
        finally:
            principal = (scope.get("state") or {}).get("principal")
            log.info(
                "%s %s %s %.1fms request_id=%s %s",
                scope.get("method"), scope.get("path"), state["status"],
                (time.perf_counter() - started) * 1000, rid,
                principal.describe() if principal is not None else "anonymous",
            )
            request_id_var.reset(token)

    def _streamed_limit(self, scope: Scope, headers: dict[bytes, bytes]) -> int | None:
        # JSON is parsed whole, so it keeps the ordinary limit even on those routes.
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if scope.get("method") != "POST" or content_type == b"application/json":
            return None
        path = str(scope.get("path", ""))
        return next((limit for pattern, limit in self.streamed if pattern.match(path)), None)

    @staticmethod
    def _declared_within(headers: dict[bytes, bytes], receive: Receive, limit: int) -> Receive | None:
        declared = headers.get(b"content-length")
        return None if declared is not None and declared.isdigit() and int(declared) > limit else receive

    async def _bounded(self, headers: dict[bytes, bytes], receive: Receive) -> Receive | None:
        """The app's `receive`, or None when the body is over the limit. A declared length is
        checked up front; a chunked body (no length) is read here, up to the limit, and replayed,
        so an oversize one is a 413 before the app sees it (a parser would call it malformed)."""
        declared = headers.get(b"content-length")
        if declared is not None:
            return None if declared.isdigit() and int(declared) > self.max_body_bytes else receive
        if b"chunked" not in headers.get(b"transfer-encoding", b"").lower():
            return receive
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return receive  # the client went away; the app sees the disconnect
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_body_bytes:
                return None
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        return replay

    @staticmethod
    async def _answer(send: Send, status: int, code: str, message: str) -> None:
        start, body = _error_body(status, code, message)
        await send(start)
        await send({"type": "http.response.body", "body": body})
