"""Webhook endpoints of the caller's organization and their deliveries (authenticated)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from orbit.http.auth import CurrentPrincipal
from orbit.http.deps import DbSession
from orbit.http.envelope import Envelope, envelope
from orbit.http.openapi import errors
from orbit.webhooks import endpoints, service
from orbit.webhooks.deps import SessionsDep, WebhooksDep
from orbit.webhooks.schemas import (
    DeliveryDetailRead,
    DeliveryRead,
    WebhookCreate,
    WebhookDeleted,
    WebhookRead,
    WebhookUpdate,
    WebhookWithSecret,
)
from orbit.webhooks.service import DeliveryStatus

router = APIRouter(prefix="/v1/intent/webhooks", tags=["Webhooks"])
NO_ENDPOINT = errors(NOT_FOUND="the organization has no webhook endpoint with this id")
NO_DELIVERY = errors(NOT_FOUND="the organization has no such webhook endpoint, or it no delivery with this id")
Limit = Annotated[int, Query(ge=1, le=service.MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=service.MAX_OFFSET)]


@router.get("", response_model=Envelope[list[WebhookRead]])
def list_webhooks(principal: CurrentPrincipal, session: DbSession, limit: Limit = 25,
                  offset: Offset = 0) -> Envelope[list[WebhookRead]]:
    """The organization's webhook endpoints, newest first."""
    page = service.list_endpoints(session, org_id=principal.org_id, limit=limit, offset=offset)
    items = [WebhookRead.of(e) for e in page.items]
    return envelope(items, total=page.total, limit=limit, offset=offset, hasMore=offset + len(items) < page.total)


@router.post("", status_code=201, response_model=Envelope[WebhookWithSecret], responses=errors(
    CONFLICT="the organization already has the most webhook endpoints allowed (`details.limit`)"))
def create_webhook(body: WebhookCreate, principal: CurrentPrincipal, sessions: SessionsDep,
                   ctx: WebhooksDep) -> Envelope[WebhookWithSecret]:
    """Add a webhook endpoint; the answer shows its signing secret, once."""
    made = endpoints.create(sessions, ctx, org_id=principal.org_id, url=body.url, events=body.events,
                            description=body.description, enabled=body.enabled)
    return envelope(WebhookWithSecret(endpoint=WebhookRead.of(made.endpoint), secret=made.secret))


@router.get("/{webhook_id}", response_model=Envelope[WebhookRead], responses=NO_ENDPOINT)
def get_webhook(webhook_id: str, principal: CurrentPrincipal, session: DbSession) -> Envelope[WebhookRead]:
    """One webhook endpoint (never its secret)."""
    return envelope(WebhookRead.of(service.get_endpoint(session, org_id=principal.org_id, endpoint_id=webhook_id)))


@router.patch("/{webhook_id}", response_model=Envelope[WebhookRead], responses=NO_ENDPOINT)
def update_webhook(webhook_id: str, principal: CurrentPrincipal, sessions: SessionsDep, ctx: WebhooksDep,
                   body: WebhookUpdate | None = None) -> Envelope[WebhookRead]:
    """Change an endpoint's URL, events, description or enabled flag."""
    changes = body or WebhookUpdate()
    endpoint = endpoints.update(sessions, ctx, org_id=principal.org_id, endpoint_id=webhook_id, url=changes.url,
                                events=changes.events, description=changes.description, enabled=changes.enabled)
    return envelope(WebhookRead.of(endpoint))


@router.delete("/{webhook_id}", response_model=Envelope[WebhookDeleted], responses=NO_ENDPOINT)
def delete_webhook(webhook_id: str, principal: CurrentPrincipal, session: DbSession) -> Envelope[WebhookDeleted]:
    """Delete an endpoint and its delivery records."""
    service.delete_endpoint(session, org_id=principal.org_id, endpoint_id=webhook_id)
    return envelope(WebhookDeleted(id=webhook_id))


@router.post("/{webhook_id}/rotate-secret", response_model=Envelope[WebhookWithSecret], responses=NO_ENDPOINT)
def rotate_secret(webhook_id: str, principal: CurrentPrincipal, session: DbSession,
                  ctx: WebhooksDep) -> Envelope[WebhookWithSecret]:
    """A new signing secret, shown once; the old one still signs for the grace period."""
    grace = timedelta(seconds=ctx.settings.rotation_grace_seconds)
    made = service.rotate_secret(session, org_id=principal.org_id, endpoint_id=webhook_id,
                                 server_key=ctx.server_key, grace=grace)
    return envelope(WebhookWithSecret(endpoint=WebhookRead.of(made.endpoint), secret=made.secret))


@router.post("/{webhook_id}/ping", status_code=202, response_model=Envelope[DeliveryRead], responses=NO_ENDPOINT)
def ping_webhook(webhook_id: str, principal: CurrentPrincipal, session: DbSession) -> Envelope[DeliveryRead]:
    """Queue a `webhook.ping` event to this endpoint (202 with its delivery)."""
    return envelope(DeliveryRead.of(service.ping(session, org_id=principal.org_id, endpoint_id=webhook_id)))


@router.get("/{webhook_id}/deliveries", response_model=Envelope[list[DeliveryRead]], responses=NO_ENDPOINT)
def list_deliveries(webhook_id: str, principal: CurrentPrincipal, session: DbSession, limit: Limit = 25,
                    offset: Offset = 0, status: DeliveryStatus | None = None) -> Envelope[list[DeliveryRead]]:
    """The endpoint's deliveries, newest first (optionally of one status)."""
    page = service.list_deliveries(session, org_id=principal.org_id, endpoint_id=webhook_id, status=status,
                                   limit=limit, offset=offset)
    items = [DeliveryRead.of(d) for d in page.items]
    return envelope(items, total=page.total, limit=limit, offset=offset, hasMore=offset + len(items) < page.total)


@router.get("/{webhook_id}/deliveries/{delivery_id}", response_model=Envelope[DeliveryDetailRead],
            responses=NO_DELIVERY)
def get_delivery(webhook_id: str, delivery_id: str, principal: CurrentPrincipal,
                 session: DbSession) -> Envelope[DeliveryDetailRead]:
    """One delivery with the event it carries."""
    detail = service.get_delivery(session, org_id=principal.org_id, endpoint_id=webhook_id, delivery_id=delivery_id)
    return envelope(DeliveryDetailRead.detail(detail))


@router.post("/{webhook_id}/deliveries/{delivery_id}/replay", status_code=202,
             response_model=Envelope[DeliveryRead], responses=NO_DELIVERY)
def replay_delivery(webhook_id: str, delivery_id: str, principal: CurrentPrincipal,
                    session: DbSession) -> Envelope[DeliveryRead]:
    """Send the delivery's event again, as a new delivery (202)."""
    made = service.replay(session, org_id=principal.org_id, endpoint_id=webhook_id, delivery_id=delivery_id)
    return envelope(DeliveryRead.of(made))
