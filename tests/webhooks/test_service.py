"""The webhook service on the real metadata stores (SQLite and PostgreSQL): fan-out in the
caller's transaction, claims, retries, leases, replay and organization scoping."""

from __future__ import annotations

import ipaddress
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orbit.accounts import service as accounts
from orbit.errors import Conflict, NotFound, ValidationFailed
from orbit.metadata.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from orbit.webhooks import service, targets
from orbit.webhooks.service import DeliveryStatus, EventType, Outcome

KEY = b"s" * 32
RULES = targets.Rules()
T0 = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=24)


def _public(host: str, port: int) -> list[targets.IPAddress]:
    return [ipaddress.ip_address("93.184.215.14")]


def _org(session: Session) -> str:
    return accounts.create_organization(session, name=f"Org {uuid.uuid4().hex[:8]}").id


def _endpoint(session: Session, org_id: str, events: list[str] | None = None, *, max_endpoints: int = 16,
              url: str = "https://hooks.example.com/orbit") -> WebhookEndpoint:
    checked = service.check_url(url, RULES, _public)
    return service.create_endpoint(session, org_id=org_id, url=checked, events=events or [e.value for e in EventType],
                                   description="", enabled=True, server_key=KEY, max_endpoints=max_endpoints,
                                   now=T0).endpoint


def _claim(session: Session, now: datetime = T0, worker: str = "w1") -> service.Claimed | None:
    return service.claim_next_delivery(session, worker_id=worker, lease=timedelta(seconds=60), now=now)


def _record(session: Session, claimed: service.Claimed, ok: bool, now: datetime, worker: str = "w1") -> str | None:
    outcome = Outcome(ok, 200 if ok else 500, None if ok else "HTTP 500", "fine", 5)
    return service.record_attempt(session, claimed=claimed, worker_id=worker, outcome=outcome, window=WINDOW,
                                  base_seconds=30, max_delay_seconds=3600, jitter=1.0, now=now)


def test_emit_fans_out_to_subscribed_enabled_endpoints_only(session: Session) -> None:
    org, other = _org(session), _org(session)
    wanted = _endpoint(session, org, ["run.completed"])
    _endpoint(session, org, ["export.completed"])
    _endpoint(session, other, ["run.completed"])
    off = _endpoint(session, org, ["run.completed"])
    service.update_endpoint(session, org_id=org, endpoint_id=off.id, url=None, events=None, description=None,
                            enabled=False)
    event = service.emit(session, org_id=org, type_=EventType.RUN_COMPLETED, data={"id": "r1"}, now=T0)
    assert event is not None
    body = json.loads(event.body)
    assert body == {"id": event.id, "type": "run.completed", "createdAt": "2026-12-10T12:00:00.000Z",
                    "organizationId": org, "data": {"id": "r1"}}
    deliveries = session.scalars(select(WebhookDelivery).where(WebhookDelivery.event_id == event.id)).all()
    assert [(d.endpoint_id, d.status, d.attempts) for d in deliveries] == [(wanted.id, "pending", 0)]


def test_nothing_is_written_when_no_endpoint_subscribes(session: Session) -> None:
    org = _org(session)
    _endpoint(session, org, ["export.completed"])
    assert service.emit(session, org_id=org, type_=EventType.RUN_FAILED, data={}, now=T0) is None
    assert session.scalars(select(WebhookEvent).where(WebhookEvent.organization_id == org)).all() == []


def test_oversized_data_is_cut_to_its_ids(session: Session) -> None:
    org = _org(session)
    _endpoint(session, org)
    event = service.emit(session, org_id=org, type_=EventType.RUN_COMPLETED,
                         data={"id": "r1", "blob": "x" * service.MAX_BODY_BYTES}, now=T0)
    assert event is not None and json.loads(event.body)["data"] == {"id": "r1", "truncated": True}


def test_a_failed_attempt_is_retried_with_backoff_then_succeeds(session: Session) -> None:
    org = _org(session)
    _endpoint(session, org)
    service.emit(session, org_id=org, type_=EventType.RUN_COMPLETED, data={}, now=T0)
    first = _claim(session)
    assert first is not None and first.attempt == 1 and first.url == "https://hooks.example.com/orbit"
    assert _record(session, first, False, T0) == "pending"
    assert _claim(session, T0 + timedelta(seconds=29)) is None  # backoff: 30 s
    second = _claim(session, T0 + timedelta(seconds=30))
    assert second is not None and second.attempt == 2 and second.delivery_id == first.delivery_id
    assert _record(session, second, True, T0 + timedelta(seconds=31)) == "succeeded"
    row = session.get(WebhookDelivery, first.delivery_id, populate_existing=True)
    assert row is not None
    assert (row.status, row.attempts, row.last_response_code, row.next_attempt_at) == ("succeeded", 2, 200, None)


def test_the_window_ends_in_failed(session: Session) -> None:
    org = _org(session)
    _endpoint(session, org)
    service.emit(session, org_id=org, type_=EventType.RUN_COMPLETED, data={}, now=T0)
    claimed = _claim(session)
    assert claimed is not None
    assert _record(session, claimed, False, T0 + WINDOW - timedelta(seconds=10)) == "failed"


def test_an_endpoint_gets_one_attempt_in_flight_and_others_are_not_held(session: Session) -> None:
    org = _org(session)
    slow, other = _endpoint(session, org), _endpoint(session, org)
    for _ in range(2):
        service.emit(session, org_id=org, type_=EventType.RUN_COMPLETED, data={}, now=T0)
    claims = [_claim(session, worker=f"w{i}") for i in range(3)]
    assert sorted(c.endpoint_id for c in claims if c is not None) == sorted([slow.id, other.id])
    assert claims[2] is None


def test_a_lost_lease_discards_the_result_and_the_delivery_is_freed(session: Session) -> None:
    org = _org(session)
    _endpoint(session, org)
    service.emit(session, org_id=org, type_=EventType.RUN_COMPLETED, data={}, now=T0)
    claimed = _claim(session)
    assert claimed is not None
    assert service.requeue_expired(session, window=WINDOW, now=T0 + timedelta(seconds=61)) == 1
    assert _record(session, claimed, True, T0 + timedelta(seconds=62)) is None  # the lease was lost
    again = _claim(session, T0 + timedelta(seconds=62), worker="w2")
    assert again is not None and again.attempt == 2


def test_pending_deliveries_of_a_disabled_endpoint_wait_then_fail_after_the_window(session: Session) -> None:
    org = _org(session)
    endpoint = _endpoint(session, org)
    service.emit(session, org_id=org, type_=EventType.RUN_COMPLETED, data={}, now=T0)
    service.update_endpoint(session, org_id=org, endpoint_id=endpoint.id, url=None, events=None, description=None,
                            enabled=False)
    assert _claim(session) is None
    assert service.requeue_expired(session, window=WINDOW, now=T0 + WINDOW + timedelta(seconds=1)) == 1
    page = service.list_deliveries(session, org_id=org, endpoint_id=endpoint.id, status=DeliveryStatus.FAILED,
                                   limit=10, offset=0)
    assert page.total == 1


def test_replay_is_a_new_delivery_of_the_same_event(session: Session) -> None:
    org = _org(session)
    endpoint = _endpoint(session, org)
    event = service.emit(session, org_id=org, type_=EventType.RUN_COMPLETED, data={}, now=T0)
    claimed = _claim(session)
    assert claimed is not None and event is not None
    _record(session, claimed, True, T0)
    again = service.replay(session, org_id=org, endpoint_id=endpoint.id, delivery_id=claimed.delivery_id,
                           now=T0 + timedelta(hours=30))
    assert (again.event_id, again.replay_of, again.status) == (event.id, claimed.delivery_id, "pending")
    replayed = _claim(session, T0 + timedelta(hours=30))
    assert replayed is not None and replayed.delivery_id == again.id and replayed.body == claimed.body


def test_other_organizations_see_nothing(session: Session) -> None:
    org, other = _org(session), _org(session)
    endpoint = _endpoint(session, org)
    delivery = service.ping(session, org_id=org, endpoint_id=endpoint.id, now=T0)
    with pytest.raises(NotFound):
        service.get_endpoint(session, org_id=other, endpoint_id=endpoint.id)
    with pytest.raises(NotFound):
        service.get_delivery(session, org_id=other, endpoint_id=endpoint.id, delivery_id=delivery.id)
    with pytest.raises(NotFound):
        service.replay(session, org_id=other, endpoint_id=endpoint.id, delivery_id=delivery.id)
    own = _endpoint(session, other)
    with pytest.raises(NotFound):  # their own endpoint id does not open another org's delivery
        service.get_delivery(session, org_id=other, endpoint_id=own.id, delivery_id=delivery.id)
    assert service.list_endpoints(session, org_id=other, limit=10, offset=0).total == 1


def test_limits_and_validation(session: Session) -> None:
    org = _org(session)
    _endpoint(session, org, max_endpoints=1)
    with pytest.raises(Conflict):
        _endpoint(session, org, max_endpoints=1)
    with pytest.raises(ValidationFailed) as bad:
        service.check_events(["run.completed", "run.exploded", "run.completed"])
    assert [d["field"] for d in bad.value.details] == ["events[1]", "events"]  # type: ignore[attr-defined]
    with pytest.raises(ValidationFailed, match="https"):
        service.check_url("http://hooks.example.com/x", RULES, _public)


def test_rotation_keeps_the_old_secret_for_the_grace(session: Session) -> None:
    org = _org(session)
    endpoint = _endpoint(session, org)
    before = service.current_secret(endpoint, KEY)
    rotated = service.rotate_secret(session, org_id=org, endpoint_id=endpoint.id, server_key=KEY,
                                    grace=timedelta(hours=1), now=T0)
    assert rotated.secret != before
    e = rotated.endpoint
    assert service.secrets_in_use(e.id, e.secret_nonce, e.previous_secret_nonce, e.previous_secret_expires_at,
                                  server_key=KEY, now=T0) == [rotated.secret, before]
    again = service.rotate_secret(session, org_id=org, endpoint_id=endpoint.id, server_key=KEY,
                                  grace=timedelta(0), now=T0)
    assert again.endpoint.previous_secret_nonce is None


def test_prune_deletes_old_final_events_only(session: Session) -> None:
    org = _org(session)
    _endpoint(session, org)
    service.emit(session, org_id=org, type_=EventType.RUN_COMPLETED, data={}, now=T0)
    claimed = _claim(session)
    assert claimed is not None
    _record(session, claimed, True, T0)
    service.emit(session, org_id=org, type_=EventType.RUN_COMPLETED, data={}, now=T0)  # still pending
    assert service.prune(session, older_than=T0 + timedelta(days=31)) == 1
    assert len(session.scalars(select(WebhookEvent).where(WebhookEvent.organization_id == org)).all()) == 1
