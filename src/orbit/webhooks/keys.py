"""The server key that webhook signing secrets are derived from: a setting, or a key file.

(exports/storage.py keeps its URL-signing key the same way; the two could share one helper in a
neutral module, left for a change that may touch exports.)
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile

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
    path = settings.data_dir / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{KEY_FILE}.")  # 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
                f.flush()
                os.fsync(f.fileno())
            with contextlib.suppress(FileExistsError):  # link() never replaces another process's key
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    text = path.read_text().strip()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise ValueError(f"{path} does not hold a 32-byte hex key; delete it to make a new one")
    return bytes.fromhex(text)
