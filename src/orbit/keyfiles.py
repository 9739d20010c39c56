"""Random server keys kept in a file of the data directory, for deployments that set none: the
URL-signing key of local exports and the key webhook secrets are derived from."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from pathlib import Path


def key_file(path: Path) -> bytes:
    """The 32-byte key in `path` (hex, mode 0600), created once: concurrent processes all end up
    with the first one written (link() never replaces a file). ValueError for a file that holds
    anything else (delete it to make a new key)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mkstemp creates 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
                f.flush()
                os.fsync(f.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    text = path.read_text().strip()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise ValueError(f"{path} does not hold a 32-byte hex key; delete it to make a new one")
    return bytes.fromhex(text)
