"""The server key that webhook signing secrets are derived from: a setting, or a key file."""

from __future__ import annotations

from orbit.keyfiles import key_file
from orbit.settings import Settings

KEY_FILE = "webhook-secret.key"


def server_key(settings: Settings) -> bytes:
    """`webhooks.secret_key` when set (at least 16 bytes); otherwise a random 32-byte key kept
    (hex, mode 0600) in `<data_dir>/webhook-secret.key`, created once: concurrent processes all
    end up with the first one. Losing it changes every endpoint's secret (rotate them)."""
    if settings.webhooks.secret_key is not None:
        key = settings.webhooks.secret_key.get_secret_value().encode()
        if len(key) < 16:
            raise ValueError("ORBIT_WEBHOOKS__SECRET_KEY must be at least 16 bytes")
        return key
    return key_file(settings.data_dir / KEY_FILE)
