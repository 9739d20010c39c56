"""Webhook endpoints, events and the delivery queue in the metadata store. No HTTP server code.

`emit` writes an event and one delivery per subscribed endpoint in the caller's transaction (the
outbox), so an event exists exactly when the change it reports was committed. The deliverer
(orbit.webhooks.deliverer) claims deliveries like the run worker claims runs: one conditional
UPDATE (PostgreSQL adds SKIP LOCKED), then compare-and-set on (id, status, lease_owner).
Services flush, never commit; every lookup filters on the organization.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, NewType

import httpx
from sqlalchemy import CursorResult, Result, and_, delete, exists, select, update
from sqlalchemy.orm import Session, aliased

from orbit.errors import Conflict, NotFound, ValidationFailed
from orbit.metadata import db, scoping
from orbit.metadata.models import Organization, WebhookDelivery, WebhookEndpoint, WebhookEvent
from orbit.metadata.scoping import find_owned, get_owned, list_owned
from orbit.settings import WebhookSettings
from orbit.webhooks import signing, targets

MAX_PAGE = scoping.MAX_PAGE
MAX_OFFSET = scoping.MAX_OFFSET
MAX_DESCRIPTION = 500
# Event bodies above this carry only the ids of their object (`data.truncated: true`); a run or
# export object is about 1 KB, so this guards only against future payloads growing unchecked.
MAX_BODY_BYTES = 64 * 1024
EXCERPT_CHARS = 500


class EventType(StrEnum):
    RUN_COMPLETED = "run.completed"
    RUN_FAILED = "run.failed"
    EXPORT_COMPLETED = "export.completed"
    AUDIENCE_CHANGES_READY = "audience.changes_ready"


PING = "webhook.ping"  # sent by POST …/ping to one endpoint; not subscribable


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERING = "delivering"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def _now() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime | None) -> str | None:
    """ISO-8601 UTC with milliseconds, as every Orbit timestamp (2026-12-10T09:15:00.000Z)."""
    if ts is None:
        return None
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def _rowcount(result: Result[Any]) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


class Bell:
    """Set when a transaction that queued deliveries commits, so this process's idle deliverer
    threads look at once instead of at their next poll; other processes find them by polling."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def ring(self) -> None:
        self.event.set()


BELL = Bell()


@dataclass(frozen=True, slots=True)
class Context:
    """What endpoint changes and deliveries need from the process: its settings, the server key
    secrets are derived from, the URL rules and the resolver (tests pass their own)."""

    settings: WebhookSettings
    server_key: bytes
    rules: targets.Rules
    resolver: targets.Resolver = targets.system_resolver

    @classmethod
    def of(cls, settings: WebhookSettings, server_key: bytes,
           resolver: targets.Resolver = targets.system_resolver) -> Context:
        return cls(settings, server_key, targets.Rules(settings.allow_http, settings.allow_loopback), resolver)


# --- endpoints -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WithSecret:
    endpoint: WebhookEndpoint
    secret: str  # shown once: in the answer of create and rotate-secret, never stored


CheckedUrl = NewType("CheckedUrl", str)  # only `check_url` makes one: the URL passed the rules


def check_url(raw: str, rules: targets.Rules, resolver: targets.Resolver) -> CheckedUrl:
    """The URL, trimmed, if it is acceptable: http(s) shape, https unless `allow_http`, and every
    address its host resolves to is public. ValidationFailed otherwise. Resolves the host: call it
    before opening a write transaction."""
    text = raw.strip()
    problem = targets.url_rule_problem(text, rules)
    if problem is not None:
        raise ValidationFailed.field("url", problem)
    try:
        targets.checked_address(httpx.URL(text), rules, resolver)
    except targets.Unsafe as exc:
        raise ValidationFailed.field("url", f"url is not allowed: {exc}") from None
    return CheckedUrl(text)


def check_events(events: Sequence[str]) -> list[str]:
    known = [e.value for e in EventType]
    problems = [{"field": f"events[{i}]", "message": f"unknown event type; one of {', '.join(known)}"}
                for i, e in enumerate(events) if e not in known]
    if not events:
        problems.append({"field": "events", "message": "name at least one event type"})
    if len(set(events)) != len(events):
        problems.append({"field": "events", "message": "each event type at most once"})
    if problems:
        raise ValidationFailed(problems[0]["message"] if len(problems) == 1 else "events: invalid event types",
                               details=problems)
    return list(events)


def check_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed.field("description", f"description must be at most {MAX_DESCRIPTION} characters")
    return description


def create_endpoint(
    session: Session, *, org_id: str, url: CheckedUrl, events: Sequence[str], description: str, enabled: bool,
    server_key: bytes, max_endpoints: int, now: datetime | None = None,
) -> WithSecret:
    """Add an endpoint (flushed) and return it with its signing secret, which is not stored.

    ValidationFailed for unknown or repeated event types or a long description; Conflict when
    the organization already has `max_endpoints`.
    """
    now = now or _now()
    clean_events, clean_description = check_events(events), check_description(description)
    # Lock the organization row so two concurrent creates cannot both take the last place
    # (PostgreSQL; SQLite writers are serialized by BEGIN IMMEDIATE already).
    session.execute(select(Organization.id).where(Organization.id == org_id).with_for_update())
    count = len(session.scalars(select(WebhookEndpoint.id).where(WebhookEndpoint.organization_id == org_id)).all())
    if count >= max_endpoints:
        raise Conflict(f"the organization already has {count} webhook endpoints, the most allowed",
                       details={"limit": max_endpoints})
    endpoint = WebhookEndpoint(
        id=str(uuid.uuid4()), organization_id=org_id, url=url, description=clean_description,
        events=clean_events, is_enabled=enabled, secret_nonce=signing.new_nonce(), created_at=now, updated_at=now,
    )
    session.add(endpoint)
    session.flush()
    return WithSecret(endpoint, current_secret(endpoint, server_key))


def current_secret(endpoint: WebhookEndpoint, server_key: bytes) -> str:
    return signing.derive_secret(server_key, endpoint_id=endpoint.id, nonce=endpoint.secret_nonce)


def secrets_in_use(endpoint_id: str, nonce: str, previous_nonce: str | None, previous_expires_at: datetime | None,
                   *, server_key: bytes, now: datetime) -> list[str]:
    """The secrets a delivery is signed with: the current one, and the previous one during its grace."""
    out = [signing.derive_secret(server_key, endpoint_id=endpoint_id, nonce=nonce)]
    if previous_nonce is not None and previous_expires_at is not None and previous_expires_at > now:
        out.append(signing.derive_secret(server_key, endpoint_id=endpoint_id, nonce=previous_nonce))
    return out


def get_endpoint(session: Session, *, org_id: str, endpoint_id: str) -> WebhookEndpoint:
    """The organization's endpoint; NotFound otherwise (another organization's too)."""
    return get_owned(session, WebhookEndpoint, org_id=org_id, obj_id=endpoint_id, what="webhook endpoint")


@dataclass(frozen=True, slots=True)
class EndpointPage:
    items: list[WebhookEndpoint]
    total: int


def list_endpoints(session: Session, *, org_id: str, limit: int, offset: int) -> EndpointPage:
    """The organization's endpoints, newest first."""
    items, total = list_owned(session, WebhookEndpoint, org_id=org_id, limit=limit, offset=offset)
    return EndpointPage(items, total)


def update_endpoint(
    session: Session, *, org_id: str, endpoint_id: str, url: CheckedUrl | None, events: Sequence[str] | None,
    description: str | None, enabled: bool | None, now: datetime | None = None,
) -> WebhookEndpoint:
    """Change the given fields (None keeps one); the same checks as `create_endpoint`. Pending
    deliveries go to the new URL; disabling holds them until enabled again or out of their window."""
    endpoint = get_endpoint(session, org_id=org_id, endpoint_id=endpoint_id)
    if url is not None:
        endpoint.url = url
    if events is not None:
        endpoint.events = check_events(events)
    if description is not None:
        endpoint.description = check_description(description)
    if enabled is not None:
        endpoint.is_enabled = enabled
    endpoint.updated_at = now or _now()
    session.flush()
    if enabled:
        db.after_commit(session, BELL.ring)
    return endpoint


def delete_endpoint(session: Session, *, org_id: str, endpoint_id: str) -> None:
    """Delete the endpoint and its deliveries (their events stay until the retention janitor)."""
    endpoint = get_endpoint(session, org_id=org_id, endpoint_id=endpoint_id)
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    session.delete(endpoint)
    session.flush()


def rotate_secret(session: Session, *, org_id: str, endpoint_id: str, server_key: bytes, grace: timedelta,
                  now: datetime | None = None) -> WithSecret:
    """A new secret (returned once); the old one keeps signing deliveries beside it for `grace`
    (0: at once replaced), so receivers can switch without losing a delivery."""
    now = now or _now()
    endpoint = get_endpoint(session, org_id=org_id, endpoint_id=endpoint_id)
    endpoint.previous_secret_nonce = endpoint.secret_nonce if grace > timedelta(0) else None
    endpoint.previous_secret_expires_at = now + grace if grace > timedelta(0) else None
    endpoint.secret_nonce = signing.new_nonce()
    endpoint.secret_rotated_at = endpoint.updated_at = now
    session.flush()
    return WithSecret(endpoint, current_secret(endpoint, server_key))


# --- events (the outbox) -------------------------------------------------------------------------


def _body(event_id: str, type_: str, org_id: str, created_at: datetime, data: dict[str, Any]) -> str:
    def render(payload: dict[str, Any]) -> str:
        return json.dumps({"id": event_id, "type": type_, "createdAt": iso(created_at), "organizationId": org_id,
                           "data": payload}, separators=(",", ":"), ensure_ascii=False)

    body = render(data)
    if len(body.encode()) > MAX_BODY_BYTES:
        keep = {k: v for k, v in data.items() if k in ("id", "audienceId", "runId", "previousRunId")}
        body = render({**keep, "truncated": True})
    return body


def _deliveries(org_id: str, endpoint_ids: Sequence[str], event: WebhookEvent, now: datetime,
                replay_of: str | None = None) -> list[WebhookDelivery]:
    return [WebhookDelivery(
        id=str(uuid.uuid4()), organization_id=org_id, endpoint_id=endpoint_id, event_id=event.id,
        event_type=event.type, status=DeliveryStatus.PENDING.value, attempts=0, next_attempt_at=now,
        replay_of=replay_of, created_at=now, updated_at=now,
    ) for endpoint_id in endpoint_ids]


def emit(session: Session, *, org_id: str, type_: EventType, data: dict[str, Any],
         now: datetime | None = None) -> WebhookEvent | None:
    """Record an event and a pending delivery to each enabled endpoint of the organization that
    subscribes to it, in the caller's transaction (no network I/O: runs are never delayed). None
    when no endpoint subscribes (nothing is written)."""
    now = now or _now()
    rows = session.execute(select(WebhookEndpoint.id, WebhookEndpoint.events).where(
        WebhookEndpoint.organization_id == org_id, WebhookEndpoint.is_enabled.is_(True))).all()
    endpoint_ids = sorted(r.id for r in rows if type_.value in (r.events or []))
    if not endpoint_ids:
        return None
    event_id = str(uuid.uuid4())
    event = WebhookEvent(id=event_id, organization_id=org_id, type=type_.value,
                         body=_body(event_id, type_.value, org_id, now, data), created_at=now)
    session.add(event)
    session.flush()  # no ORM relationship orders the inserts: the event first, for the foreign key
    session.add_all(_deliveries(org_id, endpoint_ids, event, now))
    session.flush()
    db.after_commit(session, BELL.ring)
    return event


def ping(session: Session, *, org_id: str, endpoint_id: str, now: datetime | None = None) -> WebhookDelivery:
    """Queue a `webhook.ping` event to this endpoint alone, whatever it subscribes to."""
    now = now or _now()
    endpoint = get_endpoint(session, org_id=org_id, endpoint_id=endpoint_id)
    event_id = str(uuid.uuid4())
    event = WebhookEvent(id=event_id, organization_id=org_id, type=PING,
                         body=_body(event_id, PING, org_id, now, {"endpointId": endpoint.id}), created_at=now)
    session.add(event)
    session.flush()
    (delivery,) = _deliveries(org_id, [endpoint.id], event, now)
    session.add(delivery)
    session.flush()
    db.after_commit(session, BELL.ring)
    return delivery


# --- deliveries as the API shows them --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    items: list[WebhookDelivery]
    total: int


def list_deliveries(session: Session, *, org_id: str, endpoint_id: str, status: DeliveryStatus | None,
                    limit: int, offset: int) -> DeliveryPage:
    """The endpoint's deliveries, newest first, optionally of one status. NotFound for another
    organization's endpoint."""
    endpoint = get_endpoint(session, org_id=org_id, endpoint_id=endpoint_id)
    where: list[Any] = [WebhookDelivery.endpoint_id == endpoint.id]
    if status is not None:
        where.append(WebhookDelivery.status == status.value)
    items, total = list_owned(session, WebhookDelivery, org_id=org_id, limit=limit, offset=offset, where=where)
    return DeliveryPage(items, total)


@dataclass(frozen=True, slots=True)
class DeliveryDetail:
    delivery: WebhookDelivery
    body: str  # the event as sent


def get_delivery(session: Session, *, org_id: str, endpoint_id: str, delivery_id: str) -> DeliveryDetail:
    """One delivery of the organization's endpoint with the event it carries; NotFound otherwise."""
    endpoint = get_endpoint(session, org_id=org_id, endpoint_id=endpoint_id)
    delivery = find_owned(session, WebhookDelivery, org_id=org_id, obj_id=delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound(f"webhook delivery {delivery_id} does not exist")
    event = session.get(WebhookEvent, delivery.event_id)
    assert event is not None  # deliveries cascade with their event
    return DeliveryDetail(delivery, event.body)


def replay(session: Session, *, org_id: str, endpoint_id: str, delivery_id: str,
           now: datetime | None = None) -> WebhookDelivery:
    """A new pending delivery of the same event (same body and event id) to the same endpoint,
    with a fresh retry window; the original keeps its record. NotFound as `get_delivery`."""
    now = now or _now()
    original = get_delivery(session, org_id=org_id, endpoint_id=endpoint_id, delivery_id=delivery_id).delivery
    event = session.get(WebhookEvent, original.event_id)
    assert event is not None
    (delivery,) = _deliveries(org_id, [original.endpoint_id], event, now, replay_of=original.id)
    session.add(delivery)
    session.flush()
    db.after_commit(session, BELL.ring)
    return delivery


# --- the delivery queue --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claimed:
    """What one attempt needs, read in the claim's transaction."""

    delivery_id: str
    attempt: int
    created_at: datetime
    endpoint_id: str
    url: str
    event_id: str
    event_type: str
    body: bytes
    secret_nonce: str
    previous_secret_nonce: str | None
    previous_secret_expires_at: datetime | None


def _due(now: datetime) -> Any:
    busy = aliased(WebhookDelivery)
    return (
        select(WebhookDelivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING.value, WebhookDelivery.next_attempt_at <= now,
               WebhookEndpoint.is_enabled.is_(True),
               ~exists().where(busy.endpoint_id == WebhookDelivery.endpoint_id,
                               busy.status == DeliveryStatus.DELIVERING.value))
    )


def any_due(session: Session, *, now: datetime | None = None) -> bool:
    """Whether a claim could find something: a read, so idle deliverers take no write lock."""
    return session.scalar(_due(now or _now()).limit(1)) is not None


def claim_next_delivery(session: Session, *, worker_id: str, lease: timedelta,
                        now: datetime | None = None) -> Claimed | None:
    """Move the oldest due pending delivery of an enabled endpoint to `delivering` for this worker;
    None when nothing is due. An endpoint with a delivery in flight gets no second one, so a slow
    endpoint holds one deliverer thread at most. Commit right after."""
    now = now or _now()
    due = _due(now).order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.created_at, WebhookDelivery.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(of=WebhookDelivery, skip_locked=True)
    delivery_id = session.scalar(due)
    if delivery_id is None:
        return None
    claimed = _rowcount(session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.PENDING.value)
        .values(status=DeliveryStatus.DELIVERING.value, lease_owner=worker_id, lease_expires_at=now + lease,
                attempts=WebhookDelivery.attempts + 1, last_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ))
    if claimed != 1:
        return None
    row = session.execute(
        select(WebhookDelivery, WebhookEndpoint, WebhookEvent.body)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id == delivery_id)
        .execution_options(populate_existing=True)
    ).one()
    d, e = row[0], row[1]
    return Claimed(
        delivery_id=d.id, attempt=d.attempts, created_at=d.created_at, endpoint_id=e.id, url=e.url,
        event_id=d.event_id, event_type=d.event_type, body=row[2].encode(), secret_nonce=e.secret_nonce,
        previous_secret_nonce=e.previous_secret_nonce, previous_secret_expires_at=e.previous_secret_expires_at,
    )


def retry_at(attempts: int, *, created_at: datetime, now: datetime, window: timedelta, base_seconds: float,
             max_delay_seconds: float, jitter: float) -> datetime | None:
    """When a delivery that failed its `attempts`-th attempt is tried again, or None when that
    would fall outside its retry window. Exponential (base · 2^(attempts-1), at most
    `max_delay_seconds`) times `jitter` in [0.5, 1] (random in production), so deliveries that
    failed together do not all come back at the same instant."""
    delay = min(base_seconds * 2 ** (attempts - 1), max_delay_seconds) * min(max(jitter, 0.5), 1.0)
    when = now + timedelta(seconds=delay)
    return when if when <= created_at + window else None


def default_jitter() -> float:
    return random.uniform(0.5, 1.0)  # spreads retries; not a secret


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attempt's result: a status code (None when no answer came) and what went wrong."""

    ok: bool
    status_code: int | None
    error: str | None
    excerpt: str | None
    duration_ms: int


def _owned(delivery_id: str, worker_id: str) -> Any:
    return and_(WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.DELIVERING.value,
                WebhookDelivery.lease_owner == worker_id)


def record_attempt(session: Session, *, claimed: Claimed, worker_id: str, outcome: Outcome, window: timedelta,
                   base_seconds: float, max_delay_seconds: float, jitter: float,
                   now: datetime | None = None) -> str | None:
    """Record an attempt: `succeeded`, `pending` again with a backoff, or `failed` once the window
    is used up. Returns the new status, or None when the worker had lost the delivery."""
    now = now or _now()
    values: dict[str, Any] = {
        "lease_owner": None, "lease_expires_at": None, "updated_at": now,
        "last_response_code": outcome.status_code, "last_error": (outcome.error or None) and outcome.error[:500],
        "last_response_excerpt": outcome.excerpt[:EXCERPT_CHARS] if outcome.excerpt else None,
        "last_duration_ms": outcome.duration_ms,
    }
    if outcome.ok:
        values.update(status=DeliveryStatus.SUCCEEDED.value, delivered_at=now, next_attempt_at=None)
    else:
        when = retry_at(claimed.attempt, created_at=claimed.created_at, now=now, window=window,
                        base_seconds=base_seconds, max_delay_seconds=max_delay_seconds, jitter=jitter)
        values.update(status=DeliveryStatus.PENDING.value if when else DeliveryStatus.FAILED.value,
                      next_attempt_at=when)
    moved = _rowcount(session.execute(
        update(WebhookDelivery).where(_owned(claimed.delivery_id, worker_id)).values(**values)
        .execution_options(synchronize_session=False)
    ))
    return str(values["status"]) if moved == 1 else None


def requeue_expired(session: Session, *, window: timedelta, now: datetime | None = None) -> int:
    """Free deliveries whose deliverer died mid-attempt (pending again: the receiver may or may not
    have seen it, and `Orbit-Delivery` lets it tell), and fail pending ones past their window
    (held by a disabled endpoint). Returns how many moved."""
    now = now or _now()
    stalled = _rowcount(session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == DeliveryStatus.DELIVERING.value, WebhookDelivery.lease_expires_at < now)
        .values(status=DeliveryStatus.PENDING.value, lease_owner=None, lease_expires_at=None, next_attempt_at=now,
                last_error="the deliverer stopped during the attempt", updated_at=now)
        .execution_options(synchronize_session=False)
    ))
    overdue = _rowcount(session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING.value, WebhookDelivery.created_at < now - window)
        .values(status=DeliveryStatus.FAILED.value, next_attempt_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ))
    return stalled + overdue


def prune(session: Session, *, older_than: datetime) -> int:
    """Delete events created before `older_than` whose deliveries are all final (the deliveries go
    with them). Returns events deleted."""
    open_ = exists().where(WebhookDelivery.event_id == WebhookEvent.id,
                           WebhookDelivery.status.in_((DeliveryStatus.PENDING.value, DeliveryStatus.DELIVERING.value)))
    ids = list(session.scalars(select(WebhookEvent.id).where(WebhookEvent.created_at < older_than, ~open_).limit(1000)))
    if ids:
        session.execute(delete(WebhookDelivery).where(WebhookDelivery.event_id.in_(ids)))
        session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(ids)))
    return len(ids)
