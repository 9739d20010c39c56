"""Organizations and API keys on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from orbit.accounts import service
from orbit.errors import Conflict, Forbidden, NotFound, Unauthorized
from orbit.metadata.models import ApiKey


def test_keys_are_stored_only_as_hash_and_prefix(session: Session) -> None:
    org = service.create_organization(session, name="Acme")
    new = service.create_api_key(session, org_ref=org.id, name="ci")
    assert new.secret.startswith("sk_") and len(new.secret) >= 40
    row = session.get(ApiKey, new.key.id)
    assert row is not None
    assert new.secret not in (row.key_hash, row.prefix, row.name)
    assert row.key_hash == service.hash_key(new.secret) and new.secret.startswith(row.prefix)
    principal = service.authenticate_api_key(session, raw=new.secret)
    assert (principal.org_id, principal.subject) == (org.id, new.key.id)
    session.refresh(row)  # the use is written by an UPDATE, not through this loaded object
    assert row.last_used_at is not None


def test_revoked_unknown_and_deactivated(session: Session) -> None:
    org = service.create_organization(session, name="Beta")
    new = service.create_api_key(session, org_ref="Beta")
    with pytest.raises(Unauthorized):
        service.authenticate_api_key(session, raw=new.secret + "x")
    with pytest.raises(Unauthorized):
        service.authenticate_api_key(session, raw="not-a-key")
    service.set_active(session, ref=org.id, active=False)
    with pytest.raises(Forbidden):
        service.authenticate_api_key(session, raw=new.secret)
    service.set_active(session, ref=org.id, active=True)
    service.revoke_api_key(session, key_ref=new.key.prefix)
    with pytest.raises(Unauthorized, match="revoked"):
        service.authenticate_api_key(session, raw=new.secret)


def test_names_are_unique_and_lookups_fail_cleanly(session: Session) -> None:
    service.create_organization(session, name="Gamma")
    with pytest.raises(Conflict):
        service.create_organization(session, name="Gamma")
    with pytest.raises(NotFound):
        service.create_api_key(session, org_ref="nobody")
    with pytest.raises(NotFound):
        service.revoke_api_key(session, key_ref="nothing")
    assert service.set_audience_slots(session, ref="Gamma", slots=3).audience_slots == 3
    assert [o.name for o in service.list_organizations(session)] == ["Gamma"]
