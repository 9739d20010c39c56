"""Response models of the account endpoint."""

from __future__ import annotations

from orbit.apimodel import ApiModel


class OrganizationRead(ApiModel):
    id: str
    name: str
    is_active: bool
    audience_slots: int


class PrincipalRead(ApiModel):
    kind: str
    subject: str


class AccountRead(ApiModel):
    organization: OrganizationRead
    principal: PrincipalRead
