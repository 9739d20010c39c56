"""Exports over HTTP: the CSV stream against the results, truncation, escaping, stored exports with
signed local downloads, state and organization checks."""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from orbit.exports import service as exports
from orbit.exports.storage import LocalStorage, delete_files
from orbit.metadata.models import Export, Run
from orbit.settings import RunsSettings
from orbit.warehouse.runs_sql import CSV_COLUMNS
from tests.conftest import Loaded, make_org
from tests.conftest import expect_error as _err
from tests.exports.conftest import DoneRun, app_client, complete, finish, make_audience, queue
from tests.isolation import Call, assert_isolated
from tests.warehouse.csv_cells import HOSTILE, escaped, expected_row, hostile_for, make_hostile, unescaped

pytestmark = pytest.mark.warehouse
MISSING = "00000000-0000-4000-8000-000000000000"
HEADER = [name for name, _ in CSV_COLUMNS]


def _rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


def _results(client: TestClient, run: DoneRun) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        page = client.get(f"{run.url}/results", headers=run.org.headers, params={"limit": 1000, "offset": len(rows)})
        assert page.status_code == 200, page.text
        rows += page.json()["data"]["results"]
        if len(rows) >= page.json()["data"]["total"]:
            return rows


def _run_row(loaded: Loaded, run_id: str) -> Run:
    with loaded.sessions() as s:
        run = s.get(Run, run_id)
        assert run is not None
        return run


def _escaped(value: Any) -> str:
    return escaped("" if value is None else str(value))


def test_csv_is_the_results_in_order(client: TestClient, loaded: Loaded, done: DoneRun) -> None:
    resp = client.get(f"{done.url}/export.csv", headers=done.org.headers)
    assert resp.status_code == 200, resp.text
    run = _run_row(loaded, done.run_id)
    assert resp.headers["content-type"] == "text/csv; charset=utf-8"
    assert resp.headers["content-disposition"] == (
        f'attachment; filename="audience-{done.audience_id}-run-{done.run_id}.csv"')
    assert resp.headers["x-export-row-cap"] == "300000"
    assert resp.headers["x-export-truncated"] == "false"
    assert resp.headers["x-export-result-count"] == str(run.result_count)
    assert run.query_id and resp.headers["x-clickhouse-query-id"] == run.query_id
    assert resp.content.startswith((",".join(HEADER) + "\r\n").encode())
    assert resp.content.endswith(b"\r\n")
    header, *rows = _rows(resp.content)
    assert header == HEADER
    results = _results(client, done)
    assert len(rows) == len(results) == run.kept_rows == run.result_count > 0
    col = {name: i for i, name in enumerate(header)}
    assert [r[col["rank"]] for r in rows] == [str(r["rank"]) for r in results] == [str(i) for i in range(1, len(rows) + 1)]
    assert [r[col["hashedEmail"]] for r in rows] == [r["hashedEmail"] for r in results]
    assert [r[col["intent.score"]] for r in rows] == [str(r["intent"]["score"]) for r in results]
    assert [r[col["intent.topicOverlap"]] for r in rows] == [str(r["intent"]["topicOverlap"]) for r in results]
    for row, res in zip(rows, results, strict=True):
        assert row[col["email"]] == _escaped(res["email"])
        assert row[col["phone"]] == _escaped(res["phone"])
        assert row[col["company.name"]] == _escaped(res["company"]["name"])
        assert row[col["isB2b"]] == ("y" if res["isB2b"] else "n")
        assert row[col["intent.matchedTopicIds"]].split("|") == [str(m["topicId"]) for m in res["intent"]["matchedTopics"]]


def test_csv_with_the_matched_topics_column_set(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    """`include=matchedTopics` adds the facets of each matched topic, as the run named them when it
    ran, aligned with intent.matchedTopicIds; topic names are text from a taxonomy file and are
    escaped like every other cell."""
    run = complete(client, loaded, popular)
    plain = client.get(f"{run.url}/export.csv", headers=run.org.headers)
    with loaded.sessions.begin() as s:  # a hostile taxonomy name, as a run could have stored it
        stored = s.get(Run, run.run_id)
        assert stored is not None
        first = min(stored.topics, key=int)
        stored.topics = {**stored.topics, first: {**stored.topics[first], "topicName": "=HYPERLINK(\"x\")"}}
        names = {int(k): v for k, v in stored.topics.items()}
    resp = client.get(f"{run.url}/export.csv", headers=run.org.headers, params={"include": "matchedTopics"})
    assert resp.status_code == 200, resp.text
    extra = ["intent.matchedTopicNames", "intent.matchedTopicTypes", "intent.matchedTopicIndustries",
             "intent.matchedTopicCategories"]
    header, *rows = _rows(resp.content)
    assert header == HEADER + extra
    assert [r[:len(HEADER)] for r in rows] == _rows(plain.content)[1:]
    ids_at = HEADER.index("intent.matchedTopicIds")
    hostile = 0
    for row in rows:
        ids = [int(t) for t in row[ids_at].split("|")]
        for column, key in zip(extra, ("topicName", "type", "industry", "category"), strict=True):
            assert row[len(HEADER) + extra.index(column)] == escaped("|".join(names[t][key] for t in ids))
        hostile += row[len(HEADER)].startswith("'=HYPERLINK")
    assert hostile > 0  # not vacuous: the hostile name was exported, escaped
    _err(client.get(f"{run.url}/export.csv", headers=run.org.headers, params={"include": "everything"}),
         400, "VALIDATION_ERROR")


def test_csv_escapes_formula_cells(client: TestClient, done: DoneRun) -> None:
    _, *rows = _rows(client.get(f"{done.url}/export.csv", headers=done.org.headers).content)
    assert all(escaped(unescaped(cell)) == cell for row in rows for cell in row)
    phones = [row[HEADER.index("phone")] for row in rows if row[HEADER.index("phone")]]
    assert phones and all(p.startswith("'+1-") for p in phones)  # raw phones are "+1-…"


def test_hostile_values_survive_both_exports(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    """A snapshot whose text is hostile: export.csv and the stored file escape every cell by the
    documented rule, and the documented de-escaping gives every value back (NUL bytes dropped)."""
    run = complete(client, loaded, popular)
    row = _run_row(loaded, run.run_id)
    assert row.kept_rows >= len(HOSTILE)
    make_hostile(loaded.wh, run_id=run.run_id, attempt=row.attempts)
    direct = client.get(f"{run.url}/export.csv", headers=run.org.headers)
    assert direct.status_code == 200, direct.text
    header, *rows = _rows(direct.content)
    assert header == HEADER and len(rows) == row.kept_rows
    for rank, cells in enumerate(rows, start=1):
        assert cells == expected_row(hostile_for(rank), rank=rank), rank
        assert unescaped(cells[HEADER.index("jobTitle")]) == hostile_for(rank).replace("\x00", "")
    made = client.post(f"{run.url}/exports", headers=run.org.headers)
    assert made.status_code == 201, made.text
    stored = client.get(made.json()["data"]["downloadUrl"])
    assert stored.status_code == 200 and stored.content == direct.content


@pytest.fixture(scope="module")
def capped(loaded: Loaded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with app_client(loaded, tmp_path_factory.mktemp("capped"), runs=RunsSettings(embedded_workers=0, result_cap=10)) as c:
        yield c


def test_csv_is_truncated_at_the_cap(capped: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    run_id = queue(capped, org, make_audience(capped, org, popular))
    run = finish(capped, loaded, run_id, result_cap=10)
    assert run.kept_rows == 10 and run.result_count > 10
    resp = capped.get(f"/v1/intent/audiences/{run.audience_id}/runs/{run_id}/export.csv", headers=org.headers)
    assert resp.status_code == 200
    assert (resp.headers["x-export-row-cap"], resp.headers["x-export-truncated"]) == ("10", "true")
    assert resp.headers["x-export-result-count"] == str(run.result_count)
    header, *rows = _rows(resp.content)
    assert header == HEADER and [r[0] for r in rows] == [str(i) for i in range(1, 11)]


def test_only_completed_runs_export(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    audience_id = make_audience(client, org, popular)
    run_id = queue(client, org, audience_id)
    url = f"/v1/intent/audiences/{audience_id}/runs/{run_id}"
    for status in ("queued", "cancelled"):
        err = _err(client.get(f"{url}/export.csv", headers=org.headers), 409, "RUN_NOT_COMPLETED")
        assert err["details"] == {"status": status}
        _err(client.post(f"{url}/exports", headers=org.headers), 409, "RUN_NOT_COMPLETED")
        assert client.get(f"{url}/exports", headers=org.headers).json()["data"] == []
        if status == "queued":
            assert client.delete(url, headers=org.headers).status_code == 200
    _err(client.get(f"/v1/intent/audiences/{audience_id}/runs/{MISSING}/export.csv", headers=org.headers), 404, "NOT_FOUND")
    _err(client.get(f"/v1/intent/audiences/{MISSING}/runs/{run_id}/export.csv", headers=org.headers), 404, "NOT_FOUND")
    assert client.get(f"{url}/export.csv").status_code == 401


def test_another_organization_sees_nothing(client: TestClient, loaded: Loaded, done: DoneRun, popular: list[int]) -> None:
    made = client.post(f"{done.url}/exports", headers=done.org.headers)
    assert made.status_code in (200, 201), made.text
    export_id = made.json()["data"]["export"]["id"]
    other = make_org(loaded)
    calls = [Call("GET", f"{done.url}/export.csv"), Call("POST", f"{done.url}/exports"),
             Call("GET", f"{done.url}/exports"), Call("GET", f"{done.url}/exports/{export_id}")]
    for object_id in (done.run_id, done.audience_id):
        assert_isolated(client, owner=done.org.headers, other=other.headers, read_url=f"{done.url}/exports",
                        calls=calls, object_id=object_id, missing_id=MISSING)
    own = make_audience(client, other, popular)  # the other org's own audience, with our run id
    _err(client.get(f"/v1/intent/audiences/{own}/runs/{done.run_id}/exports/{export_id}", headers=other.headers),
         404, "NOT_FOUND")


def test_stored_export_is_created_reused_and_downloaded(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    org = make_org(loaded)
    audience_id = make_audience(client, org, popular)
    run_id = queue(client, org, audience_id)
    run = finish(client, loaded, run_id)
    url = f"/v1/intent/audiences/{audience_id}/runs/{run_id}"
    direct = client.get(f"{url}/export.csv", headers=org.headers).content

    before = int(time.time())
    made = client.post(f"{url}/exports", headers=org.headers)
    assert made.status_code == 201, made.text
    data = made.json()["data"]
    e = data["export"]
    assert (e["exportType"], e["status"], e["storageProvider"], e["contentType"]) == (
        "csv", "completed", "local", "text/csv; charset=utf-8")
    assert (e["organizationId"], e["audienceId"], e["runId"]) == (org.id, audience_id, run_id)
    assert (e["byteSize"], e["rowCount"]) == (len(direct), run.kept_rows)
    assert e["contentSha1"] == hashlib.sha1(direct).hexdigest()
    assert e["fileId"] == e["fileName"] == f"{org.id}/{run_id}/{e['id']}.csv"
    assert e["bucketName"] is None and e["requestedBy"] is None
    assert e["errorCode"] is None and e["errorMessage"] is None
    created = datetime.fromisoformat(e["createdAt"])
    assert e["createdAt"].endswith("Z") and len(e["createdAt"]) == len("2026-01-01T00:00:00.000Z")
    assert datetime.fromisoformat(e["expiresAt"]) == created + timedelta(days=30)
    assert e["completedAt"] and e["updatedAt"]
    assert data["downloadUrlTtlSeconds"] == 3600
    assert before + 3600 <= datetime.fromisoformat(data["downloadUrlExpiresAt"]).timestamp() <= time.time() + 3600
    assert data["downloadUrl"].startswith(f"http://testserver/v1/intent/exports/{e['id']}/download?expires=")

    got = client.get(data["downloadUrl"])  # no credentials: the signature is one
    assert got.status_code == 200 and got.content == direct
    assert got.headers["content-type"] == "text/csv; charset=utf-8"
    assert got.headers["content-disposition"] == f'attachment; filename="audience-{audience_id}-run-{run_id}.csv"'

    again = client.post(f"{url}/exports", headers=org.headers)
    assert again.status_code == 200
    assert again.json()["data"]["export"] == e
    assert client.get(again.json()["data"]["downloadUrl"]).content == direct
    one = client.get(f"{url}/exports/{e['id']}", headers=org.headers)
    assert one.status_code == 200 and one.json()["data"]["export"] == e and one.json()["data"]["downloadUrl"]
    _err(client.get(f"{url}/exports/{MISSING}", headers=org.headers), 404, "NOT_FOUND")

    # A failed export is never reused: the next request writes a new one; the list is newest first.
    with loaded.sessions.begin() as s:
        s.execute(update(Export).where(Export.id == e["id"]).values(status="failed", error_code="X"))
    newer = client.post(f"{url}/exports", headers=org.headers)
    assert newer.status_code == 201 and newer.json()["data"]["export"]["id"] != e["id"]
    listed = client.get(f"{url}/exports", headers=org.headers).json()
    assert [x["id"] for x in listed["data"]] == [newer.json()["data"]["export"]["id"], e["id"]]
    assert listed["meta"]["total"] == 2 and listed["meta"]["hasMore"] is False
    failed = client.get(f"{url}/exports/{e['id']}", headers=org.headers).json()["data"]
    assert failed["export"]["status"] == "failed" and failed["downloadUrl"] is None
    assert client.get(data["downloadUrl"]).status_code == 404  # a valid link to an export that failed


def test_download_links_are_checked(client: TestClient, done: DoneRun) -> None:
    made = client.post(f"{done.url}/exports", headers=done.org.headers).json()["data"]
    export_id, link = made["export"]["id"], made["downloadUrl"]
    path, query = link.split("?")
    params = dict(p.split("=") for p in query.split("&"))
    signer = client.app.state.export_storage.signer
    flipped = params["signature"][:-1] + ("0" if params["signature"][-1] != "0" else "1")
    past = str(int(time.time()) - 5)
    for bad in ({**params, "signature": flipped}, {**params, "expires": str(int(params["expires"]) + 1)},
                {"expires": past, "signature": signer.sign(export_id, past)}, {"expires": params["expires"]}, {},
                {**params, "signature": params["signature"].upper()}, {**params, "expires": "１２"}):
        _err(client.get(path, params=bad), 403, "FORBIDDEN")
    future = str(int(time.time()) + 60)
    _err(client.get(f"/v1/intent/exports/{MISSING}/download",
                    params={"expires": future, "signature": signer.sign(MISSING, future)}), 404, "NOT_FOUND")
    other = path.replace(export_id, MISSING)
    _err(client.get(other, params=params), 403, "FORBIDDEN")  # a signature is bound to its export


def test_signing_key_is_kept_private(client: TestClient) -> None:
    key = client.app.state.settings.data_dir / "export-signing.key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_text().strip()) == 64


def test_deleting_an_audience_can_remove_its_files(client: TestClient, loaded: Loaded, popular: list[int]) -> None:
    """The pieces `audiences/flows.py` combines: rows out in the transaction, files after commit."""
    org = make_org(loaded)
    audience_id = make_audience(client, org, popular)
    run_id = queue(client, org, audience_id)
    finish(client, loaded, run_id)
    made = client.post(f"/v1/intent/audiences/{audience_id}/runs/{run_id}/exports", headers=org.headers)
    storage: LocalStorage = client.app.state.export_storage
    path = storage.root / made.json()["data"]["export"]["fileName"]
    assert path.is_file()
    with loaded.sessions.begin() as s:
        files = exports.delete_audience_exports(s, audience_id=audience_id)
    assert [f.export_id for f in files] == [made.json()["data"]["export"]["id"]]
    assert delete_files(storage, files) == 1
    assert not path.exists() and not path.parent.exists() and not Path(storage.root, org.id).exists()
    assert client.get(made.json()["data"]["downloadUrl"]).status_code == 404


def test_expired_exports_are_gone(client: TestClient, loaded: Loaded, done: DoneRun) -> None:
    made = client.post(f"{done.url}/exports", headers=done.org.headers).json()["data"]
    export_id = made["export"]["id"]
    with loaded.sessions.begin() as s:
        s.execute(update(Export).where(Export.id == export_id).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    try:
        _err(client.get(f"{done.url}/exports/{export_id}", headers=done.org.headers), 404, "NOT_FOUND")
        assert client.get(made["downloadUrl"]).status_code == 404
        fresh = client.post(f"{done.url}/exports", headers=done.org.headers)
        assert fresh.status_code == 201 and fresh.json()["data"]["export"]["id"] != export_id
    finally:
        with loaded.sessions.begin() as s:
            files = exports.delete_expired_exports(s)
        assert export_id in {f.export_id for f in files}
        delete_files(client.app.state.export_storage, files)


def test_csv_segments_join_seamlessly(client: TestClient, loaded: Loaded, done: DoneRun) -> None:
    """Segment boundaries neither drop nor repeat rows: small segments give the same bytes."""
    from orbit.warehouse.runs_sql import csv_stream

    run = _run_row(loaded, done.run_id)
    small = b"".join(csv_stream(loaded.wh, run_id=run.id, attempt=run.attempts, rows=run.kept_rows, segment_rows=7))
    body = client.get(f"{done.url}/export.csv", headers=done.org.headers).content
    assert exports.csv_header() + small == body
