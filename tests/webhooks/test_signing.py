"""Signatures, secrets, URL rules and the retry schedule: pure functions, no stores."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from orbit.webhooks import service, signing, targets
from orbit.webhooks.targets import Rules, Unsafe

KEY = b"k" * 32
BODY = b'{"id":"e1","type":"run.completed","data":{}}'


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    secret = signing.derive_secret(KEY, endpoint_id="ep", nonce="n1")
    header = signing.signature_header([secret], timestamp=1_700_000_000, body=BODY)
    expected = hmac.new(secret.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert signing.verify(header, secret=secret, body=BODY, now=1_700_000_000)


def test_verification_refuses_other_bodies_secrets_and_old_timestamps() -> None:
    secret = signing.derive_secret(KEY, endpoint_id="ep", nonce="n1")
    header = signing.signature_header([secret], timestamp=1_000, body=BODY)
    assert not signing.verify(header, secret=secret, body=BODY + b" ", now=1_000)
    assert not signing.verify(header, secret=signing.derive_secret(KEY, endpoint_id="ep", nonce="n2"), body=BODY,
                              now=1_000)
    assert signing.verify(header, secret=secret, body=BODY, now=1_000 + signing.DEFAULT_TOLERANCE_S)
    assert not signing.verify(header, secret=secret, body=BODY, now=1_001 + signing.DEFAULT_TOLERANCE_S)
    for broken in ("", "v1=abc", "t=x,v1=abc", "t=1000,t=1000,v1=abc"):
        assert not signing.verify(broken, secret=secret, body=BODY, now=1_000)


def test_during_a_rotation_either_secret_verifies() -> None:
    new, old = (signing.derive_secret(KEY, endpoint_id="ep", nonce=n) for n in ("new", "old"))
    header = signing.signature_header([new, old], timestamp=5, body=BODY)
    assert header.count("v1=") == 2
    assert signing.verify(header, secret=new, body=BODY, now=5)
    assert signing.verify(header, secret=old, body=BODY, now=5)


def test_secrets_depend_on_server_key_endpoint_and_nonce() -> None:
    base = signing.derive_secret(KEY, endpoint_id="ep", nonce="n")
    assert base.startswith("whsec_") and len(base) == len("whsec_") + 43
    assert base == signing.derive_secret(KEY, endpoint_id="ep", nonce="n")
    assert len({base, signing.derive_secret(b"o" * 32, endpoint_id="ep", nonce="n"),
                signing.derive_secret(KEY, endpoint_id="ep2", nonce="n"),
                signing.derive_secret(KEY, endpoint_id="ep", nonce="m")}) == 4


def test_the_previous_secret_signs_only_during_its_grace() -> None:
    now = datetime(2026, 12, 10, tzinfo=UTC)
    both = service.secrets_in_use("ep", "new", "old", now + timedelta(seconds=1), server_key=KEY, now=now)
    assert len(both) == 2
    assert service.secrets_in_use("ep", "new", "old", now, server_key=KEY, now=now) == both[:1]


# --- URL rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "rules", "problem"), [
    ("https://hooks.example.com/orbit", Rules(), None),
    ("http://hooks.example.com/orbit", Rules(), "url must use https"),
    ("http://hooks.example.com/orbit", Rules(allow_http=True), None),
    ("ftp://hooks.example.com/orbit", Rules(allow_http=True), "url must be a valid http(s) URL"),
    ("https://user:pw@hooks.example.com/", Rules(), "url must not contain a user name or password"),
    ("https://hooks.example.com/#frag", Rules(), "url must not contain a fragment"),
    ("https://x", Rules(), "url must be 10..2048 characters"),
])
def test_url_rules(url: str, rules: Rules, problem: str | None) -> None:
    assert targets.url_rule_problem(url, rules) == problem


def _resolver(*addresses: str) -> targets.Resolver:
    return lambda host, port: [ipaddress.ip_address(a) for a in addresses]


@pytest.mark.parametrize(("addresses", "reason"), [
    (["10.0.0.7"], "private"), (["127.0.0.1"], "loopback"), (["169.254.169.254"], "link-local"),
    (["93.184.215.14", "192.168.1.1"], "private"), (["::ffff:10.0.0.1"], "private"), (["::1"], "loopback"),
])
def test_hosts_resolving_to_non_public_addresses_are_refused(addresses: list[str], reason: str) -> None:
    with pytest.raises(Unsafe, match=reason):
        targets.checked_address(httpx.URL("https://hooks.example.com/"), Rules(), _resolver(*addresses))


def test_public_hosts_are_dialled_at_the_checked_address() -> None:
    ip = targets.checked_address(httpx.URL("https://hooks.example.com/"), Rules(), _resolver("93.184.215.14"))
    assert str(ip) == "93.184.215.14"


def test_loopback_only_when_allowed_and_other_private_ranges_never() -> None:
    rules = Rules(allow_http=True, allow_loopback=True)
    assert str(targets.checked_address(httpx.URL("http://127.0.0.1:9/x"), rules, _resolver())) == "127.0.0.1"
    with pytest.raises(Unsafe, match="private"):
        targets.checked_address(httpx.URL("http://10.1.2.3/x"), rules, _resolver())


def test_unresolvable_hosts_are_refused() -> None:
    def failing(host: str, port: int) -> list[targets.IPAddress]:
        raise OSError("no such host")

    with pytest.raises(Unsafe, match="could not be resolved"):
        targets.checked_address(httpx.URL("https://nowhere.invalid/"), Rules(), failing)
    with pytest.raises(Unsafe, match="no addresses"):
        targets.checked_address(httpx.URL("https://nowhere.invalid/"), Rules(), _resolver())


# --- retry schedule ----------------------------------------------------------------------------------


def _schedule(jitter: float) -> list[float]:
    created = now = datetime(2026, 12, 10, tzinfo=UTC)
    delays, attempts = [], 1
    while (when := service.retry_at(attempts, created_at=created, now=now, window=timedelta(hours=24),
                                    base_seconds=30, max_delay_seconds=3600, jitter=jitter)) is not None:
        delays.append((when - now).total_seconds())
        now, attempts = when, attempts + 1
    return delays


def test_backoff_doubles_to_an_hour_and_stops_after_24_hours() -> None:
    delays = _schedule(1.0)
    assert delays[:8] == [30, 60, 120, 240, 480, 960, 1920, 3600]
    assert set(delays[7:]) == {3600}
    assert sum(delays) <= 24 * 3600 < sum(delays) + 3600
    assert len(delays) == 29  # attempts: the first one, then 29 retries


def test_jitter_shortens_delays_by_at_most_half() -> None:
    assert _schedule(0.5)[:3] == [15, 30, 60]
    assert _schedule(0.1)[:3] == [15, 30, 60]  # clamped to [0.5, 1]
    assert 0.5 <= service.default_jitter() <= 1.0
