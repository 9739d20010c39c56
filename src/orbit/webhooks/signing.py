"""Webhook secrets and signatures. Pure functions, no I/O.

A signing secret is never stored: it is `whsec_` + HMAC-SHA256(server key, endpoint id + nonce),
so the metadata store holds only the nonce, which signs nothing without the server key. A
delivery carries `Orbit-Signature: t=<unix>,v1=<hex>[,v1=<hex>]`, each `v1` being
HMAC-SHA256(secret, f"{t}.{body}") for one secret in use (two during a rotation), as Stripe does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"
SIGNATURE_HEADER = "Orbit-Signature"
DEFAULT_TOLERANCE_S = 300  # what docs/webhooks.md tells receivers to accept as clock skew


def new_nonce() -> str:
    """A fresh random nonce for a new or rotated secret (stored; harmless without the server key)."""
    return secrets.token_hex(16)


def derive_secret(server_key: bytes, *, endpoint_id: str, nonce: str) -> str:
    """The endpoint's signing secret for `nonce`: the same on every host that has the server key."""
    mac = hmac.new(server_key, f"orbit-webhook-secret\x00{endpoint_id}\x00{nonce}".encode(), hashlib.sha256)
    return SECRET_PREFIX + base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def sign(secret: str, *, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of `f"{timestamp}.".encode() + body`, keyed with the whole secret string."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secrets_in_use: Sequence[str], *, timestamp: int, body: bytes) -> str:
    """`t=<timestamp>,v1=<sig>` with one `v1` per secret, newest first."""
    return ",".join([f"t={timestamp}", *(f"v1={sign(s, timestamp=timestamp, body=body)}" for s in secrets_in_use)])


def verify(header: str, *, secret: str, body: bytes, now: int, tolerance_s: int = DEFAULT_TOLERANCE_S) -> bool:
    """The receiver's check (the recipe of docs/webhooks.md): some `v1` matches and `t` is within
    `tolerance_s` of `now`, so a captured delivery cannot be replayed later."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in parts if k.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit():
        return False
    t = int(stamps[0])
    if abs(now - t) > tolerance_s:
        return False
    expected = sign(secret, timestamp=t, body=body)
    return any(hmac.compare_digest(expected, v.strip()) for k, v in parts if k.strip() == "v1")
