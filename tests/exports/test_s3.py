"""Stored exports in an S3-compatible bucket: moto's S3 server on loopback, presigned downloads."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from orbit.exports import service as exports
from orbit.exports.storage import S3Storage, delete_files
from orbit.settings import ExportSettings
from tests.conftest import Loaded
from tests.exports.conftest import app_client, complete

pytestmark = pytest.mark.warehouse
BUCKET = "orbit-test-exports"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _settings(endpoint: str) -> ExportSettings:
    return ExportSettings(storage="s3", s3_bucket=BUCKET, s3_endpoint_url=endpoint, s3_region="us-east-1",
                          s3_access_key_id=SecretStr("testing"), s3_secret_access_key=SecretStr("testing"),
                          s3_prefix="exports/")


def _bucket_client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture(scope="module")
def s3_client(loaded: Loaded, s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    _bucket_client(s3_endpoint).create_bucket(Bucket=BUCKET)
    with app_client(loaded, tmp_path_factory.mktemp("s3app"), exports=_settings(s3_endpoint)) as c:
        yield c


def test_stored_export_in_s3(s3_client: TestClient, s3_endpoint: str, loaded: Loaded, popular: list[int]) -> None:
    done = complete(s3_client, loaded, popular)
    direct = s3_client.get(f"{done.url}/export.csv", headers=done.org.headers).content
    made = s3_client.post(f"{done.url}/exports", headers=done.org.headers)
    assert made.status_code == 201, made.text
    data = made.json()["data"]
    e = data["export"]
    assert (e["storageProvider"], e["bucketName"], e["status"]) == ("s3", BUCKET, "completed")
    assert e["fileName"] == f"exports/{done.org.id}/{done.run_id}/{e['id']}.csv"
    assert (e["byteSize"], e["contentSha1"]) == (len(direct), hashlib.sha1(direct).hexdigest())
    assert data["downloadUrl"].startswith(f"{s3_endpoint}/{BUCKET}/exports/") and "X-Amz-Signature=" in data["downloadUrl"]
    assert data["downloadUrlTtlSeconds"] == 3600

    got = httpx.get(data["downloadUrl"])  # the presigned URL alone, as a browser would
    assert got.status_code == 200 and got.content == direct
    assert got.headers["content-disposition"] == f'attachment; filename="audience-{done.audience_id}-run-{done.run_id}.csv"'
    head = _bucket_client(s3_endpoint).head_object(Bucket=BUCKET, Key=e["fileName"])
    assert head["ContentType"] == "text/csv; charset=utf-8" and head["ContentLength"] == len(direct)

    again = s3_client.post(f"{done.url}/exports", headers=done.org.headers)
    assert again.status_code == 200 and again.json()["data"]["export"]["id"] == e["id"]
    assert httpx.get(again.json()["data"]["downloadUrl"]).content == direct
    # Local download links are not served for S3 exports.
    assert s3_client.get(f"/v1/intent/exports/{e['id']}/download", params={"expires": "1", "signature": "0" * 64}).status_code == 403

    with loaded.sessions.begin() as s:
        files = exports.delete_audience_exports(s, audience_id=done.audience_id)
    assert e["id"] in {f.export_id for f in files}
    storage: S3Storage = s3_client.app.state.export_storage
    assert delete_files(storage, files) == len(files)
    listed = _bucket_client(s3_endpoint).list_objects_v2(Bucket=BUCKET, Prefix="exports/")
    assert e["fileName"] not in {o["Key"] for o in listed.get("Contents", [])}


def test_unreachable_s3_is_a_503_and_a_failed_export(loaded: Loaded, popular: list[int], tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{_free_port()}"
    with app_client(loaded, tmp_path, exports=_settings(dead)) as c:
        done = complete(c, loaded, popular)
        resp = c.post(f"{done.url}/exports", headers=done.org.headers)
        assert resp.status_code == 503 and resp.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
        assert "127.0.0.1" not in resp.text
        listed = c.get(f"{done.url}/exports", headers=done.org.headers).json()["data"]
        failed = [x for x in listed if x["storageProvider"] == "s3" and x["status"] == "failed"]
        assert failed and failed[0]["errorCode"] == "SERVICE_UNAVAILABLE"
        assert not list((tmp_path / "exports" / ".spool").iterdir())  # the spool file is gone
