"""The webhook deliverer: threads that claim pending deliveries and POST them, signed.

Runs beside the run workers in `orbit serve` and `orbit worker`, never on a run's path: a run
only writes rows (service.emit); here each attempt has its own timeouts, and an endpoint gets
one attempt in flight at a time, so a slow or failing endpoint costs at most one thread and
never a run. Like the run worker, jobs open their own short transactions and hold none across
network I/O.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from orbit import __version__
from orbit.metadata import db
from orbit.settings import WebhookSettings
from orbit.site_analysis.addresses import parse_ip
from orbit.webhooks import service, signing, targets

log = logging.getLogger("orbit.webhooks")

USER_AGENT = f"Orbit-Webhooks/{__version__}"
EXCERPT_BYTES = 1024  # read of a receiver's answer; the rest is never downloaded
# The janitor thread frees stalled deliveries and prunes old records this often: a dead
# deliverer's delivery waits its lease plus at most this long.
TIDY_EVERY_S = 10.0


def _ms(start: float) -> int:
    return int((time.monotonic() - start) * 1000)


def _printable(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    return "".join(c if c.isprintable() or c == " " else " " for c in text).strip()


def attempt(claimed: service.Claimed, *, secrets_in_use: Sequence[str], rules: targets.Rules,
            resolver: targets.Resolver, timeout_s: float) -> service.Outcome:
    """POST the event once: re-check the URL and the address it resolves to now (DNS rebinding),
    connect to that very address (Host and TLS SNI keep the name), follow no redirect, and read
    at most `EXCERPT_BYTES` of the answer. Success is any 2xx."""
    start = time.monotonic()
    problem = targets.url_rule_problem(claimed.url, rules)
    url = httpx.URL(claimed.url)
    try:
        if problem is not None:
            raise targets.Unsafe(problem)
        ip = targets.checked_address(url, rules, resolver)
    except targets.Unsafe as exc:
        return service.Outcome(False, None, f"refused: {exc}", None, _ms(start))
    host = url.raw_host.decode("ascii")
    timestamp = int(time.time())
    headers = {
        "Host": url.netloc.decode("ascii"), "User-Agent": USER_AGENT, "Content-Type": "application/json",
        "Accept-Encoding": "identity", "Orbit-Event": claimed.event_type, "Orbit-Event-Id": claimed.event_id,
        "Orbit-Delivery": claimed.delivery_id, "Orbit-Attempt": str(claimed.attempt),
        signing.SIGNATURE_HEADER: signing.signature_header(secrets_in_use, timestamp=timestamp, body=claimed.body),
    }
    extensions = {"sni_hostname": host} if url.scheme == "https" and parse_ip(host) is None else {}
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0))
    deadline = start + timeout_s * 2  # connect + send, then the answer: each phase has its own limit
    # A new client per attempt: a pooled connection is keyed by address, and would carry one
    # host's TLS session (SNI) to another host on the same address.
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        request = client.build_request("POST", url.copy_with(host=str(ip)), content=claimed.body, headers=headers,
                                       extensions=extensions)
        try:
            response = client.send(request, stream=True)
            try:
                excerpt = bytearray()
                for chunk in response.iter_raw():
                    excerpt += chunk
                    if len(excerpt) >= EXCERPT_BYTES or time.monotonic() > deadline:
                        break
            finally:
                response.close()
        except httpx.TimeoutException:
            return service.Outcome(False, None, f"timed out (limit {timeout_s:g} s)", None, _ms(start))
        except httpx.ConnectError:
            return service.Outcome(False, None, "could not connect", None, _ms(start))
        except httpx.HTTPError as exc:
            return service.Outcome(False, None, f"the connection failed ({type(exc).__name__})", None, _ms(start))
    code = response.status_code
    ok = 200 <= code < 300
    return service.Outcome(ok, code, None if ok else f"HTTP {code}", _printable(bytes(excerpt[:EXCERPT_BYTES])) or None,
                           _ms(start))


def deliverer_name() -> str:
    return f"{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Deliverer:
    """Claims due deliveries one at a time, attempts them and records the outcome."""

    def __init__(self, sessions: sessionmaker[Session], settings: WebhookSettings, server_key: bytes, *,
                 resolver: targets.Resolver = targets.system_resolver,
                 jitter: Callable[[], float] = service.default_jitter, worker_id: str | None = None) -> None:
        self.sessions, self.settings, self.server_key = sessions, settings, server_key
        self.rules = targets.Rules(allow_http=settings.allow_http, allow_loopback=settings.allow_loopback)
        self.resolver, self.jitter = resolver, jitter
        self.worker_id = worker_id or deliverer_name()
        self.window = timedelta(seconds=settings.retry_window_seconds)
        # An attempt takes at most about connect + send + answer; its claim outlives that.
        self.lease = timedelta(seconds=3 * settings.timeout_s + 30)

    def _claim(self) -> service.Claimed | None:
        # Looking first is a read: on SQLite idle threads then never queue for the write lock
        # that run claims and heartbeats need.
        with self.sessions() as session:
            if not service.any_due(session):
                return None
        with self.sessions.begin() as session:
            db.begin_write(session)
            return service.claim_next_delivery(session, worker_id=self.worker_id, lease=self.lease)

    def tidy(self) -> int:
        """Free the deliveries of deliverers that died, fail pending ones past their window, and
        delete events past `retention_days` that are final. Returns rows changed."""
        with self.sessions.begin() as session:
            db.begin_write(session)
            moved = service.requeue_expired(session, window=self.window)
            cutoff = datetime.now(UTC) - timedelta(days=self.settings.retention_days)
            return moved + service.prune(session, older_than=cutoff)

    def run_once(self) -> bool:
        """Attempt one due delivery; False when none was due."""
        claimed = self._claim()
        if claimed is None:
            return False
        service.BELL.ring()  # more may be due: wake the other idle threads of this process
        now = datetime.now(UTC)
        secrets_in_use = service.secrets_in_use(
            claimed.endpoint_id, claimed.secret_nonce, claimed.previous_secret_nonce,
            claimed.previous_secret_expires_at, server_key=self.server_key, now=now)
        outcome = attempt(claimed, secrets_in_use=secrets_in_use, rules=self.rules, resolver=self.resolver,
                          timeout_s=self.settings.timeout_s)
        with self.sessions.begin() as session:
            db.begin_write(session)
            status = service.record_attempt(
                session, claimed=claimed, worker_id=self.worker_id, outcome=outcome, window=self.window,
                base_seconds=self.settings.retry_base_seconds,
                max_delay_seconds=self.settings.retry_max_delay_seconds, jitter=self.jitter())
        log.info("webhook delivery %s (%s) attempt %d: %s -> %s", claimed.delivery_id, claimed.event_type,
                 claimed.attempt, outcome.status_code or outcome.error, status)
        return True

    def serve(self, stop: threading.Event, *, janitor: bool = False) -> None:
        """Work until `stop` is set (ring `service.BELL` then); idle, wait `poll_seconds` or the bell.
        The `janitor` thread also tidies (`tidy`) every `TIDY_EVERY_S`."""
        last_tidy = 0.0
        while not stop.is_set():
            service.BELL.event.clear()
            try:
                if janitor and time.monotonic() - last_tidy > TIDY_EVERY_S:
                    last_tidy = time.monotonic()
                    if tidied := self.tidy():
                        log.info("webhooks: %d stalled, overdue or old records tidied", tidied)
                if self.run_once():
                    continue
            except Exception:
                log.exception("webhook deliverer %s: unexpected error", self.worker_id)
            service.BELL.event.wait(self.settings.poll_seconds)


class DeliveryThreads:
    """`concurrency` deliverer threads, started and stopped together."""

    def __init__(self, sessions: sessionmaker[Session], settings: WebhookSettings, server_key: bytes, *,
                 resolver: targets.Resolver = targets.system_resolver) -> None:
        self.stop = threading.Event()
        deliverer = Deliverer(sessions, settings, server_key, resolver=resolver)
        self.threads = [
            threading.Thread(target=deliverer.serve, args=(self.stop,), kwargs={"janitor": i == 0},
                             name=f"orbit-webhooks-{i}", daemon=True)
            for i in range(settings.concurrency)
        ]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def close(self, timeout: float = 30.0) -> None:
        self.stop.set()
        service.BELL.ring()
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))
