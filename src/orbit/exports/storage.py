"""Where stored export files live: local files behind HMAC-signed URLs, or an S3-compatible bucket.

One small interface (`ExportStorage`): put a file from byte chunks, give a download URL, delete.
No metadata, no HTTP. Files are written whole or not at all (temp file + rename, or one upload),
and their SHA-1 and size are computed while the bytes go by, so memory stays flat.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import quote, urlencode

from orbit.errors import StorageUnavailable
from orbit.keyfiles import key_file
from orbit.settings import ExportSettings, Settings

log = logging.getLogger("orbit.exports")

CONTENT_TYPE = "text/csv; charset=utf-8"
DOWNLOAD_PATH = "/v1/intent/exports/{export_id}/download"
KEY_FILE = "export-signing.key"
_EXPIRES = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")




@dataclass(frozen=True, slots=True)
class StoredFile:
    """Where one export's file is; a plain value, usable after its metadata session is gone."""

    export_id: str
    provider: str  # "local" | "s3"
    bucket: str | None  # S3 bucket; None for local files
    name: str  # S3 object key, or the path relative to the local exports directory
    download_name: str  # the file name a browser saves it under


@dataclass(frozen=True, slots=True)
class StoredObject:
    byte_size: int
    content_sha1: str  # hex


class ExportStorage(Protocol):
    """What the exports service may do with the file store."""

    provider: str
    bucket: str | None

    def file_name(self, *, org_id: str, run_id: str, export_id: str) -> str:
        """The name a new export's file gets (`<org>/<run>/<export>.csv`, S3 with its prefix)."""
        ...

    def put(self, file: StoredFile, chunks: Iterable[bytes]) -> StoredObject:
        """Write the file from byte chunks, replacing nothing until it is complete.

        Raises StorageUnavailable when the store refuses or cannot be reached."""
        ...

    def download_url(self, file: StoredFile, *, expires: int, now: datetime, base_url: str) -> str:
        """A URL that downloads the file until the unix time `expires`, without credentials
        (`base_url`: this API's public address, for URLs it serves itself)."""
        ...

    def delete(self, file: StoredFile) -> None:
        """Remove the file; a missing file is not an error."""
        ...


def _copy(chunks: Iterable[bytes], out: IO[bytes]) -> StoredObject:
    digest, size = hashlib.sha1(usedforsecurity=False), 0
    for chunk in chunks:
        out.write(chunk)
        digest.update(chunk)
        size += len(chunk)
    return StoredObject(byte_size=size, content_sha1=digest.hexdigest())


# --- signed URLs of local files ----------------------------------------------------------------


class UrlSigner:
    """HMAC-SHA256 over `export_id|expires`, hex encoded."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the export signing key must be at least 16 bytes")
        self._key = key

    def sign(self, export_id: str, expires: str) -> str:
        return hmac.new(self._key, f"{export_id}|{expires}".encode(), hashlib.sha256).hexdigest()

    def verify(self, export_id: str, expires: str, signature: str, *, now: datetime) -> bool:
        """True when `signature` signs (export_id, expires) and `expires` has not passed."""
        if not _EXPIRES.fullmatch(expires) or not _SIGNATURE.fullmatch(signature):
            return False
        good = hmac.compare_digest(self.sign(export_id, expires).encode(), signature.encode())
        return good and int(expires) >= int(now.timestamp())


def signing_key(settings: Settings) -> bytes:
    """`exports.signing_key` when set; otherwise a random 32-byte key kept (hex, mode 0600) in
    `<data_dir>/export-signing.key`, created once: concurrent processes all end up with the first."""
    if settings.exports.signing_key is not None:
        return settings.exports.signing_key.get_secret_value().encode()
    return key_file(settings.data_dir / KEY_FILE)


# --- local files -------------------------------------------------------------------------------


class LocalStorage:
    """Files under the exports directory, served by the API through signed, expiring URLs."""

    provider = "local"
    bucket: str | None = None

    def __init__(self, root: Path, signer: UrlSigner) -> None:
        self.root = root.resolve()
        self.signer = signer

    def file_name(self, *, org_id: str, run_id: str, export_id: str) -> str:
        return f"{org_id}/{run_id}/{export_id}.csv"

    def path_of(self, file: StoredFile) -> Path:
        path = (self.root / file.name).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"export file outside the exports directory: {file.name!r}")
        return path

    def put(self, file: StoredFile, chunks: Iterable[bytes]) -> StoredObject:
        path = self.path_of(file)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        except OSError as exc:
            log.error("export %s: cannot create %s: %s", file.export_id, path, exc)
            raise StorageUnavailable("the export storage cannot be written") from exc
        try:
            with os.fdopen(fd, "wb") as f:
                stored = _copy(chunks, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException as exc:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                log.error("export %s: cannot write %s: %s", file.export_id, path, exc)
                raise StorageUnavailable("the export storage cannot be written") from exc
            raise
        return stored

    def download_url(self, file: StoredFile, *, expires: int, now: datetime, base_url: str) -> str:
        query = urlencode({"expires": expires, "signature": self.signer.sign(file.export_id, str(expires))})
        path = DOWNLOAD_PATH.format(export_id=quote(file.export_id, safe=""))
        return f"{base_url.rstrip('/')}{path}?{query}"

    def delete(self, file: StoredFile) -> None:
        path = self.path_of(file)
        path.unlink(missing_ok=True)
        # Drop the run's and organization's folders once empty; a non-empty one stays.
        for folder in (path.parent, path.parent.parent):
            if folder == self.root:
                break
            try:
                folder.rmdir()
            except OSError:
                break


# --- S3-compatible buckets ---------------------------------------------------------------------


class S3Storage:
    """Objects in an S3-compatible bucket (AWS, MinIO, Ceph, B2's S3 API), presigned GET URLs."""

    provider = "s3"

    def __init__(self, settings: ExportSettings, *, spool_dir: Path) -> None:
        import boto3  # type: ignore[import-untyped]  # boto3 ships no type hints
        from botocore.config import Config  # type: ignore[import-untyped]  # nor does botocore

        if not settings.s3_bucket:
            raise ValueError("ORBIT_EXPORTS__S3_BUCKET is required when exports are stored in S3")
        self.bucket: str | None = settings.s3_bucket
        self._bucket = settings.s3_bucket
        self._prefix = settings.s3_prefix
        self._spool_dir = spool_dir
        key_id, secret = settings.s3_access_key_id, settings.s3_secret_access_key
        # Path-style addressing: most self-hosted S3 servers have no per-bucket DNS names.
        style = "path" if settings.s3_endpoint_url else "auto"
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=key_id.get_secret_value() if key_id else None,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            config=Config(signature_version="s3v4", s3={"addressing_style": style},
                          connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"}),
        )

    def file_name(self, *, org_id: str, run_id: str, export_id: str) -> str:
        return f"{self._prefix}{org_id}/{run_id}/{export_id}.csv"

    def put(self, file: StoredFile, chunks: Iterable[bytes]) -> StoredObject:
        # Spool to disk first: the size and SHA-1 are known before the upload, memory stays
        # flat, and the upload itself can retry parts (boto3 uses multipart above 8 MiB).
        self._spool_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=self._spool_dir) as spool:
            stored = _copy(chunks, spool)
            spool.seek(0)
            extra = {"ContentType": CONTENT_TYPE, "ContentDisposition": _disposition(file.download_name)}
            try:
                self._client.upload_fileobj(spool, self._bucket, file.name, ExtraArgs=extra)
            except Exception as exc:  # botocore's many error types: none reaches the client
                log.error("export %s: upload to s3://%s/%s failed: %s", file.export_id, self._bucket, file.name, exc)
                raise StorageUnavailable("the export storage is not reachable") from exc
        return stored

    def download_url(self, file: StoredFile, *, expires: int, now: datetime, base_url: str) -> str:
        # Presigning is local computation (no request); the TTL is what is left until `expires`.
        ttl = max(1, expires - int(now.timestamp()))
        params = {"Bucket": file.bucket or self._bucket, "Key": file.name,
                  "ResponseContentDisposition": _disposition(file.download_name),
                  "ResponseContentType": CONTENT_TYPE}
        url: str = self._client.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl)
        return url

    def delete(self, file: StoredFile) -> None:
        try:
            self._client.delete_object(Bucket=file.bucket or self._bucket, Key=file.name)
        except Exception as exc:
            log.error("export %s: delete of s3://%s/%s failed: %s", file.export_id, file.bucket, file.name, exc)
            raise StorageUnavailable("the export storage is not reachable") from exc


def _disposition(download_name: str) -> str:
    return f'attachment; filename="{download_name}"'


# --- wiring and clean-up -----------------------------------------------------------------------


def exports_dir(settings: Settings) -> Path:
    return settings.exports.path or settings.data_dir / "exports"


def spool_dir(settings: Settings) -> Path:
    """Where temporary files of exports go (S3 uploads, `export.csv` streams)."""
    return exports_dir(settings) / ".spool"


def open_storage(settings: Settings) -> ExportStorage:
    """The store named by `exports.storage`; raises ValueError on incomplete settings."""
    if settings.exports.storage == "s3":
        return S3Storage(settings.exports, spool_dir=spool_dir(settings))
    return LocalStorage(exports_dir(settings), UrlSigner(signing_key(settings)))


def delete_files(storage: ExportStorage, files: Sequence[StoredFile]) -> int:
    """Remove these stored files; returns how many were removed. Failures are logged, never
    raised: call it after the metadata change committed, where nobody can act on an error."""
    removed = 0
    for file in files:
        if file.provider != storage.provider:
            log.warning("export %s: file is in %s storage, this process uses %s; left in place",
                        file.export_id, file.provider, storage.provider)
            continue
        try:
            storage.delete(file)
            removed += 1
        except Exception:
            log.exception("export %s: could not delete %s", file.export_id, file.name)
    return removed
