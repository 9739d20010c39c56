"""Suppression lists against a real `orbit serve`: a list made of people of an unsuppressed run
(plain e-mails, MD5 of business e-mails, one company domain) lowers the preview count by exactly
the people it names, and the suppressed run's export.csv is the unsuppressed export without them
(ranks renumbered), with `suppressedCount` to match. The expected rows come from Python."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any

import httpx
import pytest

from tests.e2e.test_runs import _serve, _stop, _until, data  # noqa: F401  (the module's data fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse]


def _data(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()["data"]


def _completed_run(http: httpx.Client, audience: str) -> dict[str, Any]:
    run = _data(http.post(f"/v1/intent/audiences/{audience}/runs"), 202)["id"]
    path = f"/v1/intent/audiences/{audience}/runs/{run}"
    return _until(lambda: (r := _data(http.get(path)))["status"] == "completed" and r,  # type: ignore[no-any-return]
                  "the embedded worker never completed the run")


def _export(http: httpx.Client, audience: str, run: str) -> list[dict[str, str]]:
    resp = http.get(f"/v1/intent/audiences/{audience}/runs/{run}/export.csv")
    assert resp.status_code == 200, resp.text
    return list(csv.DictReader(io.StringIO(resp.text)))


def _suppressed(row: dict[str, str], sha256: set[str], md5: set[str], domains: set[str]) -> bool:
    """The reference rule of docs/suppression.md, over one export row."""
    emails = [e.strip().lower() for e in (row["businessEmail"], row["personalEmail"]) if e]
    return (row["hashedEmail"] in sha256
            or any(hashlib.sha256(e.encode()).hexdigest() in sha256 for e in emails)
            or any(hashlib.md5(e.encode()).hexdigest() in md5 for e in emails)
            or row["company.domain"].lower().removeprefix("www.") in domains)


def test_a_list_changes_previews_runs_and_exports_exactly(data: tuple[dict[str, str], str]) -> None:  # noqa: F811
    env, key = data
    proc, base = _serve({**env, "ORBIT_RUNS__POLL_SECONDS": "0.2"})
    try:
        with httpx.Client(base_url=base, timeout=60, headers={"X-API-Key": key}) as http:
            topics = [m["topicId"] for m in _data(http.get("/v1/intent/topics/movers", params={"limit": 10}))]
            config = {"topicIds": topics, "minScore": 50}
            audience = _data(http.post("/v1/intent/audiences", json={"name": "plain", "config": config}), 201)["id"]
            plain_run = _completed_run(http, audience)
            plain = _export(http, audience, plain_run["id"])
            before = _data(http.post("/v1/intent/audiences/preview", json=config))["totalCount"]
            assert before == len(plain) == plain_run["resultCount"] > 60
            # The list: three people by plain e-mail (upper case, spaces), two by the MD5 of their
            # business e-mail, and the domain of a company that employs someone in the audience.
            by_email = [r["email"] for r in plain[5:8]]
            by_md5 = [hashlib.md5(r["businessEmail"].encode()).hexdigest() for r in plain if r["businessEmail"]][10:12]
            domain = next(r["company.domain"] for r in plain[30:] if r["company.domain"])
            made = _data(http.post("/v1/intent/suppression-lists", json={"name": "do not contact"}), 201)["id"]
            items = f"/v1/intent/suppression-lists/{made}/items"
            csv_headers = {"Content-Type": "text/csv"}
            up = _data(http.post(items, headers=csv_headers,
                                 content="Email,Name\n" + "".join(f"  {e.upper()} ,x\n" for e in by_email) + "bad,y\n"))
            assert (up["accepted"], up["rejected"], up["errors"]) == (3, 1, [{"line": 5, "reason": "not an e-mail address"}])
            assert _data(http.post(items, headers=csv_headers, content="md5\n" + "\n".join(by_md5)))["accepted"] == 2
            assert _data(http.post(items, json={"kind": "domain", "items": [f"https://www.{domain}/about"]}))[
                "accepted"] == 1
            sha256 = {hashlib.sha256(e.strip().lower().encode()).hexdigest() for e in by_email}
            gone = [r for r in plain if _suppressed(r, sha256, set(by_md5), {domain.lower()})]
            assert len(gone) >= 6  # not vacuous: every entry names someone (the domain maybe several)
            # Preview: exactly those people fewer.
            after = _data(http.post("/v1/intent/audiences/preview", json={**config, "suppressionListIds": [made]}))
            assert after["totalCount"] == before - len(gone)
            # A run of the audience naming the list: the plain export without them, ranks renumbered.
            _data(http.patch(f"/v1/intent/audiences/{audience}",
                             json={"config": {**config, "suppressionListIds": [made]}}))
            run = _completed_run(http, audience)
            assert (run["resultCount"], run["suppressedCount"]) == (len(plain) - len(gone), len(gone))
            hidden = {r["hashedEmail"] for r in gone}
            expected = [{**r, "rank": str(i)} for i, r in
                        enumerate((r for r in plain if r["hashedEmail"] not in hidden), start=1)]
            assert _export(http, audience, run["id"]) == expected
            # The list cannot be deleted while the audience applies it.
            refused = http.delete(f"/v1/intent/suppression-lists/{made}")
            assert refused.status_code == 409 and refused.json()["error"]["details"] == {"audienceIds": [audience]}
    finally:
        _stop(proc)
