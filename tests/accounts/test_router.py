"""Every authentication failure mode over HTTP, in the error envelope, never a 500."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from orbit.accounts import service as accounts
from orbit.app import create_app
from orbit.errors import NotFound
from orbit.http.auth import CurrentPrincipal
from orbit.http.envelope import envelope
from orbit.metadata import db
from orbit.settings import AuthSettings, Settings
from tests.conftest import Loaded
from tests.conftest import expect_error as _err
from tests.isolation import Call, assert_isolated

pytestmark = pytest.mark.warehouse
SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
ISS, AUD = "https://auth.example.test", "orbit-api"


class Org:
    def __init__(self, org_id: str, key: str, key_id: str) -> None:
        self.id, self.key, self.key_id = org_id, key, key_id

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.key}


def _make_org(loaded: Loaded, name: str) -> Org:
    with loaded.sessions.begin() as s:
        org = accounts.create_organization(s, name=name)
        new = accounts.create_api_key(s, org_ref=org.id)
        return Org(org.id, new.secret, new.key.id)


def _client(loaded: Loaded, tmp_path: Path, auth: AuthSettings, extra: APIRouter | None = None) -> TestClient:
    settings = Settings(data_dir=tmp_path, env="test", auth=auth)
    app: FastAPI = create_app(settings, warehouse=loaded.wh, engine=loaded.engine)
    if extra is not None:
        app.include_router(extra)
    return TestClient(app)


@pytest.fixture(scope="module")
def orgs(loaded: Loaded) -> tuple[Org, Org]:
    import uuid

    suffix = uuid.uuid4().hex[:6]
    return _make_org(loaded, f"Alpha {suffix}"), _make_org(loaded, f"Bravo {suffix}")


@pytest.fixture
def hs_client(loaded: Loaded, tmp_path: Path) -> Iterator[TestClient]:
    with _client(loaded, tmp_path, AuthSettings(jwt_secret=SECRET, jwt_issuer=ISS, jwt_audience=AUD)) as c:
        yield c


def _token(org: str, *, key: Any = SECRET, alg: str = "HS256", headers: dict[str, Any] | None = None, **claims: Any) -> str:
    now = int(time.time())
    body = {"sub": "user-1", "org_id": org, "iss": ISS, "aud": AUD, "iat": now, "nbf": now - 5, "exp": now + 300}
    body.update(claims)
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm=alg, headers=headers)



def test_api_key_in_either_header_case(hs_client: TestClient, orgs: tuple[Org, Org]) -> None:
    a, _ = orgs
    for name in ("X-API-Key", "x-api-key", "X-API-KEY"):
        r = hs_client.get("/v1/intent/account", headers={name: a.key})
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        assert data["organization"]["id"] == a.id
        assert data["principal"] == {"kind": "api_key", "subject": a.key_id}
        assert a.key not in r.text


def test_bearer_token(hs_client: TestClient, orgs: tuple[Org, Org]) -> None:
    a, _ = orgs
    r = hs_client.get("/v1/intent/account", headers={"Authorization": f"Bearer {_token(a.id)}"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["principal"] == {"kind": "bearer", "subject": "user-1"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not.a.jwt"},
        {"X-API-Key": "abc"},
        {"X-API-Key": "sk_unknown_key_value_0000000000000000000000"},
        {"X-API-Key": ""},
    ],
    ids=["missing", "basic", "empty-bearer", "garbage-bearer", "not-sk", "unknown-key", "empty-key"],
)
def test_missing_and_malformed_credentials(hs_client: TestClient, headers: dict[str, str]) -> None:
    r = hs_client.get("/v1/intent/account", headers=headers)
    _err(r, 401, "UNAUTHORIZED")
    assert "Bearer" in r.headers["www-authenticate"]


def test_key_sent_as_bearer_is_refused(hs_client: TestClient, orgs: tuple[Org, Org]) -> None:
    r = hs_client.get("/v1/intent/account", headers={"Authorization": f"Bearer {orgs[0].key}"})
    _err(r, 401, "UNAUTHORIZED")
    assert "X-API-Key" in r.json()["error"]["message"]


def test_both_credentials_at_once_are_refused(hs_client: TestClient, orgs: tuple[Org, Org]) -> None:
    a, _ = orgs
    r = hs_client.get("/v1/intent/account", headers={"X-API-Key": a.key, "Authorization": f"Bearer {_token(a.id)}"})
    _err(r, 401, "UNAUTHORIZED")


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"exp": int(time.time()) - 120}, "expired"),
        ({"nbf": int(time.time()) + 600}, "not valid yet"),
        ({"aud": "someone-else"}, "audience"),
        ({"aud": None}, "not valid"),
        ({"iss": "https://evil.example"}, "issuer"),
        ({"exp": None}, "not valid"),
        ({"org_id": None}, "org_id"),
        ({"org_id": "00000000-0000-0000-0000-000000000000"}, "no known organization"),
        ({"exp": str(int(time.time()) + 300)}, "'exp' claim must be a number"),
        ({"sub": None}, "not valid"),
        ({"sub": ""}, "'sub' claim must be a non-empty string"),
        ({"sub": 42}, "not valid"),
    ],
    ids=["expired", "not-yet-valid", "wrong-aud", "no-aud", "wrong-iss", "no-exp", "no-org", "unknown-org",
         "string-exp", "no-sub", "empty-sub", "numeric-sub"],
)
def test_bad_tokens(hs_client: TestClient, orgs: tuple[Org, Org], claims: dict[str, Any], message: str) -> None:
    a, _ = orgs
    r = hs_client.get("/v1/intent/account", headers={"Authorization": f"Bearer {_token(a.id, **claims)}"})
    _err(r, 401, "UNAUTHORIZED")
    assert message in r.json()["error"]["message"]


def test_tampered_and_unsigned_tokens(hs_client: TestClient, orgs: tuple[Org, Org]) -> None:
    a, b = orgs
    wrong_key = _token(a.id, key="another-secret-that-is-long-enough-0123456789")
    _err(hs_client.get("/v1/intent/account", headers={"Authorization": f"Bearer {wrong_key}"}), 401, "UNAUTHORIZED")
    header, payload, sig = _token(a.id).split(".")
    forged_payload = jwt.utils.base64url_encode(json.dumps(
        {**json.loads(jwt.utils.base64url_decode(payload)), "org_id": b.id}).encode()).decode()
    tampered = f"{header}.{forged_payload}.{sig}"
    _err(hs_client.get("/v1/intent/account", headers={"Authorization": f"Bearer {tampered}"}), 401, "UNAUTHORIZED")
    none_header = jwt.utils.base64url_encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).decode()
    unsigned = f"{none_header}.{payload}."
    _err(hs_client.get("/v1/intent/account", headers={"Authorization": f"Bearer {unsigned}"}), 401, "UNAUTHORIZED")


def test_revoked_key_and_deactivated_org(hs_client: TestClient, loaded: Loaded) -> None:
    org = _make_org(loaded, "Revocable Inc")
    assert hs_client.get("/v1/intent/account", headers=org.headers).status_code == 200
    with loaded.sessions.begin() as s:
        accounts.set_active(s, ref=org.id, active=False)
    _err(hs_client.get("/v1/intent/account", headers=org.headers), 403, "FORBIDDEN")
    _err(hs_client.get("/v1/intent/account", headers={"Authorization": f"Bearer {_token(org.id)}"}), 403, "FORBIDDEN")
    with loaded.sessions.begin() as s:
        accounts.set_active(s, ref=org.id, active=True)
        accounts.revoke_api_key(s, key_ref=org.key_id)
    _err(hs_client.get("/v1/intent/account", headers=org.headers), 401, "UNAUTHORIZED")


def test_bearer_disabled_without_key_material(loaded: Loaded, tmp_path: Path, orgs: tuple[Org, Org]) -> None:
    with _client(loaded, tmp_path, AuthSettings()) as c:
        r = c.get("/v1/intent/account", headers={"Authorization": f"Bearer {_token(orgs[0].id)}"})
        _err(r, 401, "UNAUTHORIZED")
        assert c.get("/v1/intent/account", headers=orgs[0].headers).status_code == 200


def _pem_public(private: Any) -> str:
    return private.public_key().public_bytes(  # type: ignore[no-any-return]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def test_rs256_public_key_and_es256_jwks(loaded: Loaded, tmp_path: Path, orgs: tuple[Org, Org]) -> None:
    a, _ = orgs
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem_file = tmp_path / "public.pem"
    pem_file.write_text(_pem_public(rsa_key))
    with _client(loaded, tmp_path, AuthSettings(jwt_public_key=str(pem_file), jwt_issuer=ISS, jwt_audience=AUD)) as c:
        good = _token(a.id, key=rsa_key, alg="RS256")
        assert c.get("/v1/intent/account", headers={"Authorization": f"Bearer {good}"}).status_code == 200
        # An HS256 token signed with the public key text must not pass (algorithm confusion).
        confused = _token(a.id, key=SECRET, alg="HS256")
        _err(c.get("/v1/intent/account", headers={"Authorization": f"Bearer {confused}"}), 401, "UNAUTHORIZED")
    ec_key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec_key.public_key()))
    jwk.update(kid="k1", use="sig", alg="ES256")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}))
    with _client(loaded, tmp_path, AuthSettings(jwt_jwks_file=jwks, jwt_issuer=ISS, jwt_audience=AUD)) as c:
        good = _token(a.id, key=ec_key, alg="ES256", headers={"kid": "k1"})
        assert c.get("/v1/intent/account", headers={"Authorization": f"Bearer {good}"}).status_code == 200
        unknown_kid = _token(a.id, key=ec_key, alg="ES256", headers={"kid": "k2"})
        _err(c.get("/v1/intent/account", headers={"Authorization": f"Bearer {unknown_kid}"}), 401, "UNAUTHORIZED")


def test_public_endpoints_take_optional_credentials(hs_client: TestClient, orgs: tuple[Org, Org]) -> None:
    assert hs_client.get("/v1/intent/topics/facets").status_code == 200
    assert hs_client.get("/v1/intent/topics/facets", headers=orgs[0].headers).status_code == 200
    _err(hs_client.get("/v1/intent/topics/facets", headers={"X-API-Key": "sk_bogus"}), 401, "UNAUTHORIZED")


def test_no_secret_reaches_logs_or_errors(hs_client: TestClient, orgs: tuple[Org, Org], caplog: pytest.LogCaptureFixture) -> None:
    a, _ = orgs
    token = _token(a.id)
    caplog.set_level(logging.DEBUG)
    hs_client.get("/v1/intent/account", headers=a.headers)
    hs_client.get("/v1/intent/account", headers={"Authorization": f"Bearer {token}"})
    bad = hs_client.get("/v1/intent/account", headers={"X-API-Key": a.key + "0"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert a.key not in text and token not in text and a.key not in bad.text
    assert f"org={a.id} api_key={a.key_id}" in text  # the principal is logged, by id
    assert f"org={a.id} bearer=user-1" in text


def test_isolation_helper_catches_a_leak(loaded: Loaded, tmp_path: Path, orgs: tuple[Org, Org]) -> None:
    """The helper passes an org-scoped route and fails one that leaks across organizations."""
    a, b = orgs
    notes = {"n1": (a.id, "hello")}
    router = APIRouter()

    @router.get("/t/scoped/{note_id}")
    def scoped(note_id: str, principal: CurrentPrincipal) -> object:
        owner, text = notes.get(note_id, ("", ""))
        if owner != principal.org_id:
            raise NotFound(f"note {note_id} does not exist")
        return envelope({"text": text})

    @router.get("/t/leaky/{note_id}")
    def leaky(note_id: str, principal: CurrentPrincipal) -> object:
        if note_id not in notes:
            raise NotFound(f"note {note_id} does not exist")
        return envelope({"text": notes[note_id][1]})

    with _client(loaded, tmp_path, AuthSettings(), extra=router) as c:
        assert_isolated(c, owner=a.headers, other=b.headers, read_url="/t/scoped/n1",
                        calls=[Call("GET", "/t/scoped/n1")], object_id="n1", missing_id="n9")
        with pytest.raises(AssertionError):
            assert_isolated(c, owner=a.headers, other=b.headers, read_url="/t/leaky/n1",
                            calls=[Call("GET", "/t/leaky/n1")], object_id="n1", missing_id="n9")


def test_metadata_session_is_migrated(loaded: Loaded) -> None:
    # The shared fixture DB carries the accounts tables (migrations ran at setup).
    from sqlalchemy import inspect
    assert {"organization", "api_key"} <= set(inspect(loaded.engine).get_table_names())
    assert db.MIGRATIONS.is_dir()


def test_probes_ignore_credentials(hs_client: TestClient) -> None:
    for path in ("/healthz", "/metrics"):
        for headers in ({"X-API-Key": "sk_garbage"}, {"Authorization": "Bearer nope"}, {"X-API-Key": "x", "Authorization": "y"}):
            assert hs_client.get(path, headers=headers).status_code == 200, (path, headers)


def test_failed_authentication_is_rate_limited_per_address(loaded: Loaded, tmp_path: Path, orgs: tuple[Org, Org]) -> None:
    settings = Settings(data_dir=tmp_path, env="test", rate_limit={"failed_auth_per_minute": 5})
    with TestClient(create_app(settings, warehouse=loaded.wh, engine=loaded.engine)) as c:
        codes = [c.get("/v1/intent/account", headers={"X-API-Key": f"sk_garbage{i}"}).status_code for i in range(8)]
        assert codes == [401] * 5 + [429] * 3
        limited = c.get("/v1/intent/account", headers={"X-API-Key": orgs[0].key})
        _err(limited, 429, "RATE_LIMITED")  # the address is blocked, whatever it sends now
        assert int(limited.headers["retry-after"]) >= 1 and "failed authentications" in limited.json()["error"]["message"]
        assert c.get("/v1/intent/topics/search", params={"q": "crm"}).status_code == 200  # anonymous use goes on


def test_key_use_is_recorded_once_a_minute_not_per_request(client: TestClient, loaded: Any) -> None:
    """Authentication reads; the use of a key is written at most once a minute per process."""
    from datetime import UTC, datetime

    from orbit.metadata.models import ApiKey
    from tests.conftest import make_org

    org = make_org(loaded)
    with loaded.sessions() as s:
        key = s.scalars(select(ApiKey).where(ApiKey.organization_id == org.id)).one()
        assert key.last_used_at is None
    assert client.get("/v1/intent/audiences", headers=org.headers).status_code == 200
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    with loaded.sessions.begin() as s:
        key = s.get(ApiKey, key.id)
        assert key is not None and key.last_used_at is not None
        key.last_used_at = long_ago
    assert client.get("/v1/intent/audiences", headers=org.headers).status_code == 200
    with loaded.sessions() as s:
        stored = s.get(ApiKey, key.id)
        assert stored is not None and stored.last_used_at is not None
        assert stored.last_used_at.replace(tzinfo=UTC) == long_ago  # no second write within the minute
