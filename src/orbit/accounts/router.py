"""Who am I: the caller's organization and credential (authenticated)."""

from __future__ import annotations

from fastapi import APIRouter

from orbit.accounts import service
from orbit.accounts.schemas import AccountRead, OrganizationRead, PrincipalRead
from orbit.http.auth import CurrentPrincipal
from orbit.http.deps import DbSession
from orbit.http.envelope import Envelope, envelope

router = APIRouter(prefix="/v1/intent/account", tags=["Audience Builder"])


@router.get("", response_model=Envelope[AccountRead])
def read_account(principal: CurrentPrincipal, session: DbSession) -> Envelope[AccountRead]:
    """The organization and credential of the caller."""
    org = service.get_organization(session, ref=principal.org_id)
    return envelope(
        AccountRead(
            organization=OrganizationRead(
                id=org.id, name=org.name, is_active=org.is_active, audience_slots=org.audience_slots
            ),
            principal=PrincipalRead(kind=principal.kind.value, subject=principal.subject),
        )
    )
