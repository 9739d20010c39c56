"""Ad-platform files as stored exports over HTTP, on SQLite and PostgreSQL metadata: each file
equals the Python reference computed from export.csv; reuse per format and source; changes;
LinkedIn's limit; bad bodies are 400s that write nothing; another organization sees nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, make_transient

from orbit.app import create_app
from orbit.exports import formats
from orbit.exports.formats import ExportType, Limits
from orbit.metadata import db
from orbit.metadata.models import DataDate, DatasetLoad, Export
from orbit.settings import RunsSettings, Settings
from tests.conftest import Loaded, OrgKey, make_org
from tests.conftest import expect_error as _err
from tests.exports import adfiles_ref as ref
from tests.exports.conftest import finish, make_audience, queue
from tests.isolation import Call, assert_isolated
from tests.warehouse.csv_cells import unescaped

pytestmark = pytest.mark.warehouse
MISSING = "00000000-0000-4000-8000-000000000000"


class Stores:
    def __init__(self, client: TestClient, loaded: Loaded, org: OrgKey, root: Path) -> None:
        self.client, self.loaded, self.org, self.root = client, loaded, org, root


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest, loaded: Loaded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    """An app on the shared warehouse with its metadata on SQLite, or on a fresh PostgreSQL database."""
    engine = loaded.engine
    if request.param == "postgresql":
        engine = db.make_engine(request.getfixturevalue("postgres_url"))
        db.migrate(engine)
        _copy_loads(loaded.engine, engine)
    on = Loaded(loaded.wh, engine, loaded.root)
    root = tmp_path_factory.mktemp("adfiles")
    settings = Settings(data_dir=root, env="test", runs=RunsSettings(embedded_workers=0), rate_limit={"enabled": False})
    with TestClient(create_app(settings, warehouse=loaded.wh, engine=engine)) as client:
        yield Stores(client, on, make_org(on), root)
    if engine is not loaded.engine:
        engine.dispose()


def _copy_loads(source: Engine, target: Engine) -> None:
    """The shared warehouse's loaded dates, known to the PostgreSQL metadata too."""
    with Session(source) as src, Session(target) as dst, dst.begin():
        for model in (DataDate, DatasetLoad):
            for row in src.scalars(select(model)):
                src.expunge(row)
                make_transient(row)
                dst.add(row)


def _run(s: Stores, popular: list[int], org: OrgKey | None = None, **config: Any) -> tuple[str, str]:
    org = org or s.org
    audience = make_audience(s.client, org, popular, **config)
    run = queue(s.client, org, audience)
    finish(s.client, s.loaded, run)
    return audience, run


@pytest.fixture(scope="module")
def one_run(stores: Stores, popular: list[int]) -> tuple[str, str]:
    return _run(stores, popular)


def _people(body: bytes) -> list[dict[str, str]]:
    header, *rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
    return [{h: unescaped(c) for h, c in zip(header, r, strict=True)} for r in rows]


def _exports(s: Stores) -> int:
    with s.loaded.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Export)) or 0)


def _files(s: Stores) -> list[Path]:
    return [p for p in (s.root / "exports").rglob("*.csv")] if (s.root / "exports").exists() else []


def test_each_platform_file_is_the_reference(stores: Stores, popular: list[int]) -> None:
    audience, run = _run(stores, popular)
    url = f"/v1/intent/audiences/{audience}/runs/{run}"
    h = stores.org.headers
    people = _people(stores.client.get(f"{url}/export.csv", headers=h).content)
    ids = set()
    for platform in ExportType:
        if platform == ExportType.CSV:
            continue
        made = stores.client.post(f"{url}/exports", headers=h, json={"exportType": platform.value})
        assert made.status_code == 201, made.text
        data = made.json()["data"]
        e = data["export"]
        got = stores.client.get(data["downloadUrl"])
        assert got.status_code == 200
        assert got.headers["content-disposition"] == (
            f'attachment; filename="audience-{audience}-run-{run}-{formats.FILE_WORDS[platform]}.csv"')
        header, *rows = list(csv.reader(io.StringIO(got.content.decode(), newline="")))
        expected = [r for r in (ref.row(platform.value, p) for p in people) if r is not None]
        assert header == ref.HEADERS[platform.value] and rows == expected
        assert (e["exportType"], e["source"], e["changeKind"], e["minScoreChange"], e["previousRunId"]) == (
            platform.value, "results", None, None, None)
        assert (e["rowCount"], e["skippedRowCount"], e["truncated"]) == (len(expected), len(people) - len(expected), False)
        assert e["byteSize"] == len(got.content) and e["fileName"].endswith(f"/{e['id']}.csv")
        ids.add(e["id"])
        again = stores.client.post(f"{url}/exports", headers=h, json={"exportType": platform.value})
        assert again.status_code == 200 and again.json()["data"]["export"]["id"] == e["id"]
    # The plain CSV is still what a POST without a body makes, and is its own export.
    plain = stores.client.post(f"{url}/exports", headers=h)
    assert plain.status_code == 201 and plain.json()["data"]["export"]["exportType"] == "csv"
    assert plain.json()["data"]["export"]["id"] not in ids
    listed = stores.client.get(f"{url}/exports", headers=h).json()["data"]
    assert {x["exportType"] for x in listed} == {"csv", "linkedin", "google_ads", "meta"}


def test_changes_files(stores: Stores, popular: list[int]) -> None:
    h = stores.org.headers
    audience, first = _run(stores, popular)
    base = f"/v1/intent/audiences/{audience}"
    before = _exports(stores)
    _err(stores.client.post(f"{base}/runs/{first}/exports", headers=h,
                            json={"exportType": "google_ads", "source": "changes", "kind": "new"}), 409, "NO_PREVIOUS_RUN")
    assert _exports(stores) == before
    config = stores.client.get(base, headers=h).json()["data"]["config"]
    patched = stores.client.patch(base, headers=h, json={"config": {**config, "topicIds": popular[:2]}})
    assert patched.status_code == 200, patched.text
    second = queue(stores.client, stores.org, audience)
    finish(stores.client, stores.loaded, second)
    url = f"{base}/runs/{second}"
    for kind in ("new", "dropped"):
        people = _people(stores.client.get(f"{url}/changes.csv", headers=h, params={"kind": kind}).content)
        made = stores.client.post(f"{url}/exports", headers=h,
                                  json={"exportType": "google_ads", "source": "changes", "kind": kind})
        assert made.status_code == 201, made.text
        e = made.json()["data"]["export"]
        assert (e["source"], e["changeKind"], e["minScoreChange"], e["previousRunId"]) == ("changes", kind, 10, first)
        rows = list(csv.reader(io.StringIO(stores.client.get(made.json()["data"]["downloadUrl"]).content.decode(),
                                           newline="")))[1:]
        assert rows == [r for r in (ref.row("google_ads", p) for p in people) if r is not None]
        assert e["rowCount"] + e["skippedRowCount"] == len(people)
    # Orbit's CSV of the changes, stored: the bytes changes.csv streams.
    direct = stores.client.get(f"{url}/changes.csv", headers=h, params={"minScoreChange": 5}).content
    made = stores.client.post(f"{url}/exports", headers=h, json={"source": "changes", "minScoreChange": 5})
    assert made.status_code == 201, made.text
    e = made.json()["data"]["export"]
    assert (e["exportType"], e["changeKind"], e["minScoreChange"]) == ("csv", None, 5)
    assert stores.client.get(made.json()["data"]["downloadUrl"]).content == direct
    assert e["rowCount"] == len(_people(direct))


def test_linkedin_limit_keeps_the_best_ranks(stores: Stores, popular: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(formats.LIMITS, ExportType.LINKEDIN, Limits(max_rows=5, max_bytes=None))
    audience, run = _run(stores, popular, minScore=60)
    url = f"/v1/intent/audiences/{audience}/runs/{run}"
    people = _people(stores.client.get(f"{url}/export.csv", headers=stores.org.headers).content)
    made = stores.client.post(f"{url}/exports", headers=stores.org.headers, json={"exportType": "linkedin"})
    e = made.json()["data"]["export"]
    rows = list(csv.reader(io.StringIO(stores.client.get(made.json()["data"]["downloadUrl"]).content.decode(),
                                       newline="")))[1:]
    expected = [r for r in (ref.row("linkedin", p) for p in people) if r is not None]
    assert len(expected) > 5 and rows == expected[:5]
    assert (e["rowCount"], e["truncated"], e["skippedRowCount"]) == (5, True, len(people) - len(expected))


@pytest.mark.parametrize("body, field", [
    ({"exportType": "tiktok"}, "exportType"), ({"exportType": None}, "exportType"), ({"source": "both"}, "source"),
    ({"exportType": "meta", "kind": "new"}, "kind"), ({"minScoreChange": 5}, "minScoreChange"),
    ({"exportType": "meta", "source": "changes"}, "kind"), ({"source": "changes", "kind": "gone"}, "kind"),
    ({"source": "changes", "minScoreChange": 0}, "minScoreChange"),
    ({"source": "changes", "minScoreChange": 100}, "minScoreChange"), ({"format": "meta"}, "format"),
    ({"exportType": "META"}, "exportType"), ({"exportType": ["meta"]}, "exportType"),
])
def test_bad_bodies_write_nothing(stores: Stores, one_run: tuple[str, str], body: Any, field: str) -> None:
    audience, run = one_run
    before, files = _exports(stores), _files(stores)
    resp = stores.client.post(f"/v1/intent/audiences/{audience}/runs/{run}/exports", headers=stores.org.headers,
                              json=body)
    err = _err(resp, 400, "VALIDATION_ERROR")
    assert field in [d["field"] for d in err["details"]], err
    assert _exports(stores) == before and _files(stores) == files
    not_json = stores.client.post(f"/v1/intent/audiences/{audience}/runs/{run}/exports", headers={
        **stores.org.headers, "Content-Type": "application/json"}, content=b'{"exportType": ')
    assert not_json.status_code == 400 and _exports(stores) == before


def test_other_organizations_see_nothing(stores: Stores, popular: list[int]) -> None:
    audience, run = _run(stores, popular)
    url = f"/v1/intent/audiences/{audience}/runs/{run}"
    made = stores.client.post(f"{url}/exports", headers=stores.org.headers, json={"exportType": "meta"})
    export_id = made.json()["data"]["export"]["id"]
    other = make_org(stores.loaded)
    calls = [Call("POST", f"{url}/exports", json={"exportType": body}) for body in ("linkedin", "google_ads", "meta")]
    calls += [Call("POST", f"{url}/exports", json={"exportType": "meta", "source": "changes", "kind": "new"}),
              Call("GET", f"{url}/exports/{export_id}"), Call("GET", f"{url}/exports")]
    before = _exports(stores)
    assert_isolated(stores.client, owner=stores.org.headers, other=other.headers, read_url=f"{url}/exports",
                    calls=calls, object_id=run, missing_id=MISSING)
    assert _exports(stores) == before
