"""Ad-platform files against a real `orbit serve`: a completed run → a stored export per platform
(and one of its changes) → polled until completed → downloaded through the signed URL → every
row equals the Python reference computed from export.csv (changes.csv) of the same run."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from tests.e2e.test_runs import _audience, _serve, _stop, _until, data  # noqa: F401  (module fixture)
from tests.exports import adfiles_ref as ref
from tests.warehouse.csv_cells import unescaped

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse]


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _people(text: str) -> list[dict[str, str]]:
    """export.csv / changes.csv rows as {column: value}, de-escaped."""
    header, *rows = _rows(text)
    return [{h: unescaped(c) for h, c in zip(header, r, strict=True)} for r in rows]


def _stored(http: httpx.Client, url: str, body: dict[str, Any]) -> dict[str, Any]:
    """Create the export, poll it until completed, return {export, downloadUrl}."""
    made = http.post(f"{url}/exports", json=body)
    assert made.status_code == 201, made.text
    export_id = made.json()["data"]["export"]["id"]
    done: dict[str, Any] = _until(
        lambda: (d := http.get(f"{url}/exports/{export_id}").json()["data"])["export"]["status"] == "completed" and d,
        f"export {export_id} never completed")
    return done


def _check(http: httpx.Client, done: dict[str, Any], platform: str, people: list[dict[str, str]]) -> None:
    e = done["export"]
    got = httpx.get(done["downloadUrl"], timeout=30)  # the signed URL alone, no API key
    assert got.status_code == 200, got.text
    assert got.content.startswith((",".join(ref.HEADERS[platform]) + "\r\n").encode())
    header, *rows = _rows(got.text)
    assert header == ref.HEADERS[platform]
    expected = [r for r in (ref.row(platform, p) for p in people) if r is not None]
    assert rows == expected
    assert (e["exportType"], e["rowCount"], e["skippedRowCount"], e["truncated"]) == (
        platform, len(expected), len(people) - len(expected), False)
    assert e["byteSize"] == len(got.content)


def test_platform_files_over_http(data: tuple[dict[str, str], str]) -> None:  # noqa: F811
    env, key = data
    proc, base = _serve({**env, "ORBIT_RUNS__POLL_SECONDS": "0.2"})
    try:
        with httpx.Client(base_url=base, timeout=60, headers={"X-API-Key": key}) as http:
            audience = _audience(http, key)
            config = http.get(f"/v1/intent/audiences/{audience}").json()["data"]["config"]
            first = http.post(f"/v1/intent/audiences/{audience}/runs").json()["data"]["id"]
            url = f"/v1/intent/audiences/{audience}/runs/{{}}"
            _until(lambda: http.get(url.format(first)).json()["data"]["status"] == "completed", "run 1 never completed")
            people = _people(http.get(url.format(first) + "/export.csv").text)
            assert len(people) > 50
            for platform in ("linkedin", "google_ads", "meta"):
                done = _stored(http, url.format(first), {"exportType": platform})
                _check(http, done, platform, people)
                assert done["export"]["source"] == "results" and done["export"]["previousRunId"] is None

            # A second run on fewer topics: people dropped since the first; their Meta file.
            topics = config["topicIds"]
            patched = http.patch(f"/v1/intent/audiences/{audience}", json={"config": {**config, "topicIds": topics[:2]}})
            assert patched.status_code == 200, patched.text
            second = http.post(f"/v1/intent/audiences/{audience}/runs").json()["data"]["id"]
            _until(lambda: http.get(url.format(second)).json()["data"]["status"] == "completed", "run 2 never completed")
            dropped = _people(http.get(url.format(second) + "/changes.csv", params={"kind": "dropped"}).text)
            assert dropped, "narrowing the topics dropped nobody"
            done = _stored(http, url.format(second), {"exportType": "meta", "source": "changes", "kind": "dropped"})
            _check(http, done, "meta", dropped)
            e = done["export"]
            assert (e["source"], e["changeKind"], e["minScoreChange"], e["previousRunId"]) == ("changes", "dropped", 10, first)
            name = httpx.get(done["downloadUrl"], timeout=30).headers["content-disposition"]
            assert name == f'attachment; filename="audience-{audience}-run-{second}-changes-dropped-meta.csv"'
            # Asked again: the same file, reused.
            again = http.post(f"{url.format(second)}/exports", json={"exportType": "meta", "source": "changes",
                                                                      "kind": "dropped"})
            assert again.status_code == 200 and again.json()["data"]["export"]["id"] == e["id"]
    finally:
        _stop(proc)
