"""Accounts logic: organizations, API keys (hashed at rest) and JWT verification. No HTTP.

Services flush but never commit: the caller (request or CLI step) owns the transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt
from jwt.types import Options
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orbit.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from orbit.metadata.models import ApiKey, Organization
from orbit.settings import AuthSettings

KEY_PREFIX = "sk_"
DISPLAY_CHARS = 8  # `sk_` + 8 characters identify a key in listings without revealing it
LAST_USED_EVERY = timedelta(seconds=60)  # write `last_used_at` at most this often per key


class PrincipalKind(StrEnum):
    API_KEY = "api_key"
    BEARER = "bearer"


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of an authenticated request."""

    org_id: str
    org_name: str
    kind: PrincipalKind
    subject: str  # API key id, or the token's `sub`
    audience_slots: int = 0  # the organization's plan: 0 means no audience plan

    def describe(self) -> str:
        return f"org={self.org_id} {self.kind.value}={self.subject}"

    def require_audience_plan(self) -> None:
        """Unmasked people rows (results, exports, G2 query rows) are for organizations with an
        audience plan (`audienceSlots` > 0); previews stay open, masked (DECISIONS.md, slots)."""
        if self.audience_slots <= 0:
            raise Forbidden("no audience plan: this organization has 0 audience slots, so people rows are not "
                            "available (previews stay masked)")


@dataclass(frozen=True, slots=True)
class NewKey:
    key: ApiKey
    secret: str  # shown once, never stored


def _now() -> datetime:
    return datetime.now(UTC)


def hash_key(raw: str) -> str:
    """SHA-256 hex of a key; keys carry 256 random bits, so no salt or stretching is needed."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# --- organizations ---------------------------------------------------------------------------


def create_organization(session: Session, *, name: str, audience_slots: int = 10) -> Organization:
    """Add an active organization; Conflict when the name is taken."""
    name = name.strip()
    if not 1 <= len(name) <= 255:
        raise ValidationFailed.field("name", "name must be 1..255 characters")
    if audience_slots < 0:
        raise ValidationFailed.field("audienceSlots", "slots must be zero or more")
    now = _now()
    org = Organization(
        id=str(uuid.uuid4()), name=name, is_active=True, audience_slots=audience_slots,
        created_at=now, updated_at=now,
    )
    try:
        # A savepoint, so a name clash leaves the caller's transaction usable.
        with session.begin_nested():
            session.add(org)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"an organization named {name!r} already exists") from exc
    return org


def find_organization(session: Session, *, ref: str) -> Organization | None:
    """By id or by exact name."""
    return session.scalars(
        select(Organization).where(or_(Organization.id == ref, Organization.name == ref))
    ).first()


def get_organization(session: Session, *, ref: str) -> Organization:
    org = find_organization(session, ref=ref)
    if org is None:
        raise NotFound(f"organization {ref!r} does not exist")
    return org


def list_organizations(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).order_by(Organization.created_at, Organization.name)))


def set_audience_slots(session: Session, *, ref: str, slots: int) -> Organization:
    if slots < 0:
        raise ValidationFailed.field("slots", "slots must be zero or more")
    org = get_organization(session, ref=ref)
    org.audience_slots, org.updated_at = slots, _now()
    return org


def set_active(session: Session, *, ref: str, active: bool) -> Organization:
    org = get_organization(session, ref=ref)
    org.is_active, org.updated_at = active, _now()
    return org


# --- API keys --------------------------------------------------------------------------------


def create_api_key(session: Session, *, org_ref: str, name: str = "") -> NewKey:
    """A new key for the organization; the secret is returned once and only its hash is kept."""
    org = get_organization(session, ref=org_ref)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        id=str(uuid.uuid4()), organization_id=org.id, name=name.strip()[:255],
        prefix=secret[: len(KEY_PREFIX) + DISPLAY_CHARS], key_hash=hash_key(secret),
        created_at=_now(),
    )
    session.add(key)
    session.flush()
    return NewKey(key, secret)


def list_api_keys(session: Session, *, org_ref: str | None = None) -> list[ApiKey]:
    stmt = select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
    if org_ref is not None:
        stmt = stmt.where(ApiKey.organization_id == get_organization(session, ref=org_ref).id)
    return list(session.scalars(stmt))


def revoke_api_key(session: Session, *, key_ref: str) -> ApiKey:
    """Revoke by key id or display prefix (which must then be unique); effective at once."""
    matches = list(session.scalars(select(ApiKey).where(or_(ApiKey.id == key_ref, ApiKey.prefix == key_ref))))
    if not matches:
        raise NotFound(f"API key {key_ref!r} does not exist")
    if len(matches) > 1:
        raise Conflict(f"{key_ref!r} matches several keys; use the key id")
    key = matches[0]
    if key.revoked_at is None:
        key.revoked_at = _now()
    return key


def _active_org(session: Session, org_id: str) -> Organization:
    org = session.get(Organization, org_id)
    if org is None:
        raise Unauthorized("the credentials name no known organization")
    if not org.is_active:
        raise Forbidden("the organization is deactivated")
    return org


def authenticate_api_key(session: Session, *, raw: str, now: datetime | None = None, touch: bool = True) -> Principal:
    """The principal of a raw `sk_` key; Unauthorized for unknown or revoked keys, Forbidden for
    keys of a deactivated organization. `touch=False` only reads (see `touch_api_key`)."""
    if not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        raise Unauthorized("X-API-Key must be an Orbit API key (sk_...)")
    digest = hash_key(raw)
    # Key and organization in one statement of plain columns: every authenticated request pays
    # for it, and loading two ORM objects was ~10% of a preview's GIL time under load.
    found = session.execute(
        select(ApiKey.id, ApiKey.key_hash, ApiKey.revoked_at, Organization.id, Organization.name,
               Organization.is_active, Organization.audience_slots)
        .outerjoin(Organization, Organization.id == ApiKey.organization_id)
        .where(ApiKey.key_hash == digest)
    ).first()
    # The lookup is by hash, so timing reveals nothing about the key; compare anyway.
    if found is None or not hmac.compare_digest(found[1], digest):
        raise Unauthorized("the API key is not valid")
    key_id, _, revoked_at, org_id, org_name, org_active, slots = found
    if revoked_at is not None:
        raise Unauthorized("the API key has been revoked")
    if org_id is None:
        raise Unauthorized("the credentials name no known organization")
    if not org_active:
        raise Forbidden("the organization is deactivated")
    if touch:
        touch_api_key(session, key_id=key_id, now=now)
    return Principal(org_id, org_name, PrincipalKind.API_KEY, key_id, slots)


_touched: dict[str, float] = {}  # key id -> monotonic time this process last wrote last_used_at
_touched_lock = threading.Lock()


def touch_due(key_id: str) -> bool:
    """Whether this process should record a use of the key now: at most once a minute per key,
    so authentication is a read-only transaction on nearly every request (a write transaction
    per request serialised every authenticated request on SQLite's write lock)."""
    now = time.monotonic()
    with _touched_lock:
        if now - _touched.get(key_id, -1e18) < LAST_USED_EVERY.total_seconds():
            return False
        if len(_touched) > 100_000:  # keys seen by a long-lived process; a bound, not a knob
            _touched.clear()
        _touched[key_id] = now
        return True


def touch_api_key(session: Session, *, key_id: str, now: datetime | None = None) -> None:
    """Record a use of the key: one conditional write a minute per key (across processes)."""
    now = now or _now()
    session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_EVERY))
        .values(last_used_at=now)
    )


# --- bearer tokens ---------------------------------------------------------------------------


class TokenVerifier:
    """Verifies JWTs with the configured key material; built once per process."""

    def __init__(self, auth: AuthSettings) -> None:
        self._auth = auth
        self._key: Any = None
        self._jwks: jwt.PyJWKSet | None = None
        algorithms: list[str] = list(auth.jwt_algorithms)
        if auth.jwt_jwks_file is not None:
            self._jwks = jwt.PyJWKSet.from_json(Path(auth.jwt_jwks_file).read_text())
            algorithms = algorithms or ["RS256", "ES256"]
        elif auth.jwt_public_key:
            text = auth.jwt_public_key
            if not text.lstrip().startswith("-----BEGIN"):
                text = Path(text).read_text()
            self._key = text
            algorithms = algorithms or ["RS256", "ES256"]
        elif auth.jwt_secret is not None:
            self._key = auth.jwt_secret.get_secret_value()
            algorithms = algorithms or ["HS256"]
        # "none" can never be configured (the settings type excludes it); refuse it regardless.
        self._algorithms = [a for a in algorithms if a.lower() != "none"]

    @property
    def enabled(self) -> bool:
        return self._key is not None or self._jwks is not None

    def claims(self, token: str) -> dict[str, Any]:
        """Verified claims; Unauthorized for any token that fails signature, exp, nbf, iss or aud."""
        if not self.enabled:
            raise Unauthorized("bearer tokens are not enabled on this server; use X-API-Key")
        try:
            header = jwt.get_unverified_header(token)
            if str(header.get("alg", "")).lower() == "none" or header.get("alg") not in self._algorithms:
                raise Unauthorized("the token's algorithm is not accepted")
            key = self._key
            if self._jwks is not None:
                kid = header.get("kid")
                matching = [k for k in self._jwks.keys if kid is None or k.key_id == kid]
                if not matching:
                    raise Unauthorized("the token's signing key is unknown")
                key = matching[0].key
            required = ["exp", "sub"]
            if self._auth.jwt_issuer is not None:
                required.append("iss")
            if self._auth.jwt_audience is not None:
                required.append("aud")
            options: Options = {"require": required, "verify_aud": self._auth.jwt_audience is not None}
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=self._algorithms, audience=self._auth.jwt_audience,
                issuer=self._auth.jwt_issuer, leeway=self._auth.jwt_leeway_s, options=options,
            )
        except Unauthorized:
            raise
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the token has expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise Unauthorized("the token is not valid yet") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthorized("the token is for another audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthorized("the token is from another issuer") from exc
        except (jwt.PyJWTError, ValueError, TypeError, json.JSONDecodeError) as exc:
            raise Unauthorized("the token is not valid") from exc
        # PyJWT reads `exp`/`nbf` with int(), so "9999999999" would pass: require JSON numbers.
        for name in ("exp", "nbf", "iat"):
            value = claims.get(name)
            if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise Unauthorized(f"the token's {name!r} claim must be a number")
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.strip():
            raise Unauthorized("the token's 'sub' claim must be a non-empty string")
        return claims


def authenticate_bearer(session: Session, verifier: TokenVerifier, *, token: str, org_claim: str) -> Principal:
    if token.startswith(KEY_PREFIX):
        raise Unauthorized("API keys go in the X-API-Key header, not in Authorization: Bearer")
    claims = verifier.claims(token)
    org_id = claims.get(org_claim)
    if not isinstance(org_id, str) or not org_id:
        raise Unauthorized(f"the token has no {org_claim!r} claim")
    org = _active_org(session, org_id)
    return Principal(org.id, org.name, PrincipalKind.BEARER, str(claims["sub"]), org.audience_slots)


def authenticate(
    session: Session,
    verifier: TokenVerifier,
    *,
    api_key: str | None,
    authorization: str | None,
    org_claim: str,
    touch: bool = True,
) -> Principal | None:
    """The caller from the request headers; None when no credentials were sent. `touch=False`
    leaves recording the key's use to the caller (`touch_due`, `touch_api_key`).

    Raises Unauthorized for malformed, unknown, revoked or expired credentials and Forbidden for
    a deactivated organization.
    """
    if api_key is not None and authorization is not None:
        raise Unauthorized("send either X-API-Key or Authorization: Bearer, not both")
    if api_key is not None:
        return authenticate_api_key(session, raw=api_key.strip(), touch=touch)
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Authorization must be 'Bearer <token>'")
        return authenticate_bearer(session, verifier, token=token.strip(), org_claim=org_claim)
    return None
