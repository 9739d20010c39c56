"""Local file storage and URL signing, without the warehouse."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from orbit.exports.storage import LocalStorage, StoredFile, UrlSigner, delete_files, signing_key
from orbit.settings import ExportSettings, Settings

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _file(name: str = "org/run/exp.csv", provider: str = "local") -> StoredFile:
    return StoredFile(export_id="exp", provider=provider, bucket=None, name=name, download_name="a.csv")


def test_signatures_bind_the_export_and_the_expiry() -> None:
    signer = UrlSigner(b"k" * 32)
    expires = str(int(NOW.timestamp()) + 60)
    good = signer.sign("exp", expires)
    assert len(good) == 64 and signer.verify("exp", expires, good, now=NOW)
    assert not signer.verify("other", expires, good, now=NOW)
    assert not signer.verify("exp", str(int(expires) + 1), good, now=NOW)
    assert not signer.verify("exp", "0" + expires, good, now=NOW)
    assert not signer.verify("exp", expires, good.upper(), now=NOW)
    assert not signer.verify("exp", expires, "", now=NOW)
    assert not signer.verify("exp", "-1", good, now=NOW)
    assert not UrlSigner(b"x" * 32).verify("exp", expires, good, now=NOW)
    late = datetime.fromtimestamp(int(expires) + 1, UTC)
    assert not signer.verify("exp", expires, good, now=late)
    with pytest.raises(ValueError):
        UrlSigner(b"short")


def test_signing_key_is_made_once_and_settings_win(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, env="test")
    key = signing_key(settings)
    assert len(key) == 32 and signing_key(settings) == key
    path = tmp_path / "export-signing.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["export-signing.key"]  # no temp file left
    configured = Settings(data_dir=tmp_path, env="test", exports=ExportSettings(signing_key=SecretStr("s" * 40)))
    assert signing_key(configured) == b"s" * 40
    path.write_text("not a key")
    with pytest.raises(ValueError):
        signing_key(settings)


def test_local_files_are_written_whole(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path, UrlSigner(b"k" * 32))
    stored = storage.put(_file(), iter([b"a,b\r\n", b"1,2\r\n"]))
    assert (stored.byte_size, stored.content_sha1) == (10, hashlib.sha1(b"a,b\r\n1,2\r\n").hexdigest())
    assert (tmp_path / "org/run/exp.csv").read_bytes() == b"a,b\r\n1,2\r\n"

    def broken() -> Iterator[bytes]:
        yield b"partial"
        raise RuntimeError("warehouse went away")

    with pytest.raises(RuntimeError):
        storage.put(_file("org/run/other.csv"), broken())
    assert sorted(p.name for p in (tmp_path / "org/run").iterdir()) == ["exp.csv"]  # no partial, no temp
    with pytest.raises(ValueError):
        storage.path_of(_file("../escape.csv"))


def test_local_urls_and_deletion(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path, UrlSigner(b"k" * 32))
    storage.put(_file(), iter([b"x"]))
    url = storage.download_url(_file(), expires=123, now=NOW, base_url="https://api.example.com/")
    assert url == f"https://api.example.com/v1/intent/exports/exp/download?expires=123&signature={storage.signer.sign('exp', '123')}"
    assert delete_files(storage, [_file(provider="s3"), _file(), _file("org/run/missing.csv")]) == 2
    assert list(tmp_path.iterdir()) == []  # the run's and org's folders went with the last file
