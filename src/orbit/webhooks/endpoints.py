"""Creating and changing webhook endpoints: the URL check resolves the host (DNS can take
seconds) before a short write transaction opens, because on SQLite an open write transaction
blocks every other writer (run claims, heartbeats). Like `exports/writer.py`, it owns its
transactions (it takes a `sessionmaker`). No HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session, sessionmaker

from orbit.metadata import db
from orbit.metadata.models import WebhookEndpoint
from orbit.webhooks import service
from orbit.webhooks.service import Context, WithSecret


def create(sessions: sessionmaker[Session], ctx: Context, *, org_id: str, url: str, events: Sequence[str],
           description: str, enabled: bool) -> WithSecret:
    """Check, then add the endpoint (committed); its secret is in the answer only.

    ValidationFailed (URL, events, description) before anything is written; Conflict past
    `max_endpoints`.
    """
    service.check_events(events)
    service.check_description(description)
    checked = service.check_url(url, ctx.rules, ctx.resolver)
    with sessions.begin() as session:
        db.begin_write(session)
        made = service.create_endpoint(session, org_id=org_id, url=checked, events=events, description=description,
                                       enabled=enabled, server_key=ctx.server_key,
                                       max_endpoints=ctx.settings.max_endpoints)
        session.expunge(made.endpoint)
    return made


def update(sessions: sessionmaker[Session], ctx: Context, *, org_id: str, endpoint_id: str, url: str | None,
           events: Sequence[str] | None, description: str | None, enabled: bool | None) -> WebhookEndpoint:
    """Change the given fields (committed); NotFound for another organization's endpoint (checked
    before the URL is resolved), ValidationFailed as `create`."""
    with sessions() as session:
        service.get_endpoint(session, org_id=org_id, endpoint_id=endpoint_id)
    if events is not None:
        service.check_events(events)
    if description is not None:
        service.check_description(description)
    checked = service.check_url(url, ctx.rules, ctx.resolver) if url is not None else None
    with sessions.begin() as session:
        db.begin_write(session)
        endpoint = service.update_endpoint(session, org_id=org_id, endpoint_id=endpoint_id, url=checked,
                                           events=events, description=description, enabled=enabled)
        session.expunge(endpoint)
    return endpoint
