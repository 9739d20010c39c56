"""Suppression lists at scale: upload 1M SHA-256 hashes (streamed CSV) into a list, then preview
with and without it on a real `orbit serve`, and run an audience that applies it.

The list holds the hashed e-mails of every 20th person of the data set (people it really
suppresses) and random hashes for the rest. Previews vary `minScore` (50..89) so that every
request is computed (the answer cache would otherwise serve repeats); the first preview with the
list builds the list's flags over the serving index (one warehouse query), later ones reuse them.

    .venv/bin/python benchmarks/suppression.py [--scale 1 --days 2] [--entries 1000000] [--requests 20]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import statistics
import time
from collections.abc import Iterator
from typing import Any

import common  # type: ignore[import-not-found]
import httpx
import pyarrow.parquet as pq


def _hashes(dataset: Any, entries: int) -> Iterator[bytes]:
    """The CSV body in pieces: a header, people's hashes, then random ones up to `entries`."""
    people = pq.read_table(dataset / "persons.parquet", columns=["hashed_email"]).column(0).to_pylist()
    real = people[::20][:entries]
    yield b"sha256\n"
    batch: list[bytes] = []
    for i in range(entries):
        batch.append((real[i] if i < len(real) else hashlib.sha256(secrets.token_bytes(16)).hexdigest()).encode())
        if len(batch) == 50_000:
            yield b"\n".join(batch) + b"\n"
            batch = []
    if batch:
        yield b"\n".join(batch) + b"\n"


def _preview_ms(http: httpx.Client, topics: list[int], lists: list[str], scores: range) -> list[float]:
    out = []
    for score in scores:
        body: dict[str, Any] = {"topicIds": topics, "minScore": score}
        if lists:
            body["suppressionListIds"] = lists
        t = time.perf_counter()
        resp = http.post("/v1/intent/audiences/preview", json=body)
        out.append((time.perf_counter() - t) * 1000)
        assert resp.status_code == 200, resp.text
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common.add_dataset_args(ap)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=20, help="timed previews with and without the list")
    args = ap.parse_args()
    dataset, data_dir, env = common.paths(args)
    common.prepare(args, dataset, data_dir, env)
    load_before = os.getloadavg()[0]
    key = common.create_key(env)
    with common.server(env) as base, httpx.Client(base_url=base, timeout=600, headers={"X-API-Key": key}) as http:
        topics = [m["topicId"] for m in http.get("/v1/intent/topics/movers", params={"limit": 8}).json()["data"]]
        made = http.post("/v1/intent/suppression-lists", json={"name": "bench"}).json()["data"]["id"]
        body = b"".join(_hashes(dataset, args.entries))
        t = time.perf_counter()
        resp = http.post(f"/v1/intent/suppression-lists/{made}/items", headers={"Content-Type": "text/csv"},
                         content=iter([body[i:i + (1 << 20)] for i in range(0, len(body), 1 << 20)]))
        upload_s = time.perf_counter() - t
        assert resp.status_code == 200, resp.text
        up = resp.json()["data"]
        print(f"upload: {up['total']:,} SHA-256 lines ({len(body) / 1e6:.0f} MB, streamed) in {upload_s:.2f} s "
              f"({up['total'] / upload_s / 1e3:.0f}k lines/s): accepted {up['accepted']:,}, "
              f"duplicates {up['duplicates']:,}, rejected {up['rejected']:,}")
        scores = range(50, 50 + args.requests)
        plain = _preview_ms(http, topics, [], scores)
        first = _preview_ms(http, topics, [made], range(90, 91))[0]
        warm = _preview_ms(http, topics, [made], range(51, 51 + args.requests))  # new specs: computed
        fewer = [http.post("/v1/intent/audiences/preview", json={"topicIds": topics, "minScore": 50, **extra}).json()[
            "data"]["totalCount"] for extra in ({}, {"suppressionListIds": [made]})]
        print(f"preview without a list: median {statistics.median(plain):.1f} ms, p95 {common.p95(plain):.1f} ms "
              f"({len(plain)} configs)")
        print(f"preview with the {up['suppressionList']['itemCount']:,}-entry list: first {first:.0f} ms "
              f"(builds the list's flags), then median {statistics.median(warm):.1f} ms, "
              f"p95 {common.p95(warm):.1f} ms ({len(warm)} configs)")
        print(f"totalCount at minScore 50: {fewer[0]:,} without, {fewer[1]:,} with the list")
        audience = http.post("/v1/intent/audiences", json={"name": "bench", "config": {
            "topicIds": topics, "minScore": 50, "suppressionListIds": [made]}}).json()["data"]["id"]
        t = time.perf_counter()
        run = http.post(f"/v1/intent/audiences/{audience}/runs").json()["data"]["id"]
        while (done := http.get(f"/v1/intent/audiences/{audience}/runs/{run}").json()["data"])["status"] in (
                "queued", "running"):
            time.sleep(0.1)
        print(f"run with the list: {done['status']} in {time.perf_counter() - t:.2f} s, "
              f"resultCount {done['resultCount']:,}, suppressedCount {done['suppressedCount']:,}")
    print("\n" + common.load_note(load_before))


if __name__ == "__main__":
    main()
