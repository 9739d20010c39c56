"""Run materialization and CSV export at scale, through a real `orbit serve`.

* time from `POST …/runs` to `completed` (median of N) for an audience of about 120,000
  candidates (Leadpipe's Orbit takes ~2.3 s for 121,463) and for one capped at 300,000 rows;
* `export.csv` of the capped run: MB/s, time to first byte, and the server's peak RSS growth;
* next to the same warehouse query written straight to a file in-process, and their ratio.

Targets here: <= 1.0 s for the 120k-candidate run, >= 150 MB/s CSV through HTTP, <= 100 MB RSS.

    .venv/bin/python benchmarks/runs.py --scale 1 --days 2
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from common import add_dataset_args, create_key, load_note, med, paths, prepare, server_process

TARGET_RUN_S = 1.0
TARGET_MBPS = 150.0
TARGET_RSS_MB = 100.0
STRICT = {"role.seniority": {"values": ["director", "vp", "c_suite"]}, "contact.hasBusinessEmail": True,
          "company.industries": {"values": ["software development"]}}


def pick_configs(data_dir: Path) -> tuple[dict[str, Any], dict[str, Any], int]:
    """A config of ~120k candidates (one or two popular topics at minScore 70, strict ICP) and a
    broad one above the cap; also returns the candidate count found for the first."""
    from orbit.datasets import service as datasets
    from orbit.metadata import db
    from orbit.settings import Settings
    from orbit.topics.inventory import Inventory
    from orbit.warehouse import audience_sql
    from orbit.warehouse import topics as topics_sql
    from orbit.warehouse.factory import open_warehouse

    settings = Settings(data_dir=data_dir)
    wh = open_warehouse(settings)
    engine = db.make_engine(settings.metadata_url)
    try:
        with db.make_sessions(engine)() as s:
            day = datasets.ready_dates(s)[-1]
        inv = Inventory(topics_sql.all_topics(wh))
        stats = topics_sql.daily_stats(wh, topic_ids=[t.topic_id for t in inv.topics], date_from=day, date_to=day)
        ranked = [s.topic_id for s in sorted(stats, key=lambda s: -s.unique_audience)]

        def candidates(ids: list[int]) -> int:
            spec = audience_sql.AudienceSpec(day, tuple(ids), 70, 99, 1)
            return int(wh.query(audience_sql.count_candidates_statement(spec)).column(0)[0].as_py())

        best: tuple[int, list[int]] = (10**12, ranked[:1])
        for ids in [[t] for t in ranked[:60]] + [ranked[i:i + 2] for i in range(0, 60, 2)]:
            n = candidates(ids)
            if abs(n - 120_000) < abs(best[0] - 120_000):
                best = (n, ids)
        typical = {"topicIds": best[1], "minScore": 70, "filters": STRICT}
        broad = {"topicIds": ranked[:10], "minScore": 50}
        return typical, broad, best[0]
    finally:
        wh.close()
        engine.dispose()


def run_to_completion(http: httpx.Client, audience: str) -> tuple[float, dict[str, Any]]:
    t = time.perf_counter()
    run = http.post(f"/v1/intent/audiences/{audience}/runs").json()["data"]
    deadline = time.monotonic() + 600
    while True:
        state = http.get(f"/v1/intent/audiences/{audience}/runs/{run['id']}").json()["data"]
        if state["status"] in ("completed", "failed"):
            took = time.perf_counter() - t
            if state["status"] != "completed":
                raise SystemExit(f"run failed: {state['errorCode']} {state['errorMessage']}")
            return took, state
        if time.monotonic() > deadline:
            raise SystemExit("run did not finish")
        time.sleep(0.01)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def download(http: httpx.Client, url: str, pid: int) -> dict[str, float]:
    """Stream a CSV; time to first byte, throughput and the server's peak RSS growth."""
    base_rss, peak = rss_mb(pid), [0.0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    t = time.perf_counter()
    first = None
    size = 0
    with http.stream("GET", url) as resp:
        if resp.status_code != 200:
            raise SystemExit(f"export.csv answered {resp.status_code}: {resp.read()[:300]!r}")
        headers = dict(resp.headers)
        for chunk in resp.iter_raw():
            if first is None:
                first = time.perf_counter() - t
            size += len(chunk)
    took = time.perf_counter() - t
    stop.set()
    watcher.join()
    return {"seconds": took, "ttfb_ms": (first or took) * 1000, "mb": size / 1e6, "mbps": size / 1e6 / took,
            "rss_growth_mb": max(0.0, peak[0] - base_rss), "rows": float(headers.get("x-export-result-count", 0)),
            "truncated": float(headers.get("x-export-truncated") == "true")}


def direct_csv(data_dir: Path, run_id: str, out: Path) -> dict[str, float]:
    """The same snapshot query written straight to a file, in-process."""
    from orbit.metadata import db
    from orbit.metadata.models import Run
    from orbit.settings import Settings
    from orbit.warehouse import runs_sql
    from orbit.warehouse.factory import open_warehouse

    settings = Settings(data_dir=data_dir)
    wh = open_warehouse(settings)
    engine = db.make_engine(settings.metadata_url)
    try:
        with db.make_sessions(engine)() as s:
            run = s.get(Run, run_id)
            assert run is not None
            attempt, rows = run.attempts, run.kept_rows
        t = time.perf_counter()
        size = 0
        with out.open("wb") as fh:
            for chunk in runs_sql.csv_chunks(wh, run_id=run_id, attempt=attempt, rows=rows):
                fh.write(chunk)
                size += len(chunk)
        took = time.perf_counter() - t
        return {"seconds": took, "mb": size / 1e6, "mbps": size / 1e6 / took}
    finally:
        wh.close()
        engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_dataset_args(ap)
    ap.add_argument("--repeat", type=int, default=5, help="runs per audience")
    args = ap.parse_args()
    dataset, data_dir, env = paths(args)
    prepare(args, dataset, data_dir, env)
    typical, broad, found = pick_configs(data_dir)
    key = create_key(env)
    before = os.getloadavg()[0]
    results: dict[str, list[float]] = {"typical": [], "capped": []}
    counts: dict[str, dict[str, Any]] = {}
    with server_process(env, ORBIT_RUNS__POLL_SECONDS="0.01", ORBIT_RUNS__SCHEDULE_SECONDS="3600") as (base, pid):
        http = httpx.Client(base_url=base, timeout=600, headers={"X-API-Key": key})
        for name, config in (("typical", typical), ("capped", broad)):
            audience = http.post("/v1/intent/audiences", json={"name": f"bench {name}", "config": config}).json()["data"]["id"]
            run_to_completion(http, audience)  # warm-up
            for _ in range(args.repeat):
                took, state = run_to_completion(http, audience)
                results[name].append(took)
                counts[name] = state
        last = counts["capped"]
        csv_url = f"/v1/intent/audiences/{last['audienceId']}/runs/{last['id']}/export.csv"
        download(http, csv_url, pid)  # warm-up
        downloads = [download(http, csv_url, pid) for _ in range(3)]
    direct = [direct_csv(data_dir, last["id"], args.work / "direct.csv") for _ in range(3)]

    print(f"\nRuns: POST …/runs to completed, median of {args.repeat} (after one warm-up)")
    for name, label in (("typical", f"~120k candidates ({found:,} found), strict ICP"), ("capped", "broad, capped at 300,000")):
        c = counts[name]
        s = med(results[name])
        mark = ("PASS" if s <= TARGET_RUN_S else "MISS") if name == "typical" else "-"
        print(f"  {label:48s} candidates {c['candidateCount']:>9,}  results {c['resultCount']:>9,}  "
              f"median {s:6.2f} s  (target <= {TARGET_RUN_S} s: {mark})")
    http_mbps = med([d["mbps"] for d in downloads])
    direct_mbps = med([d["mbps"] for d in direct])
    print(f"\nexport.csv of {downloads[0]['mb']:.1f} MB ({int(downloads[0]['rows']):,} results, truncated "
          f"{bool(downloads[0]['truncated'])}), median of 3:")
    print(f"  HTTP      {http_mbps:7.1f} MB/s  (target >= {TARGET_MBPS:.0f}: {'PASS' if http_mbps >= TARGET_MBPS else 'MISS'})"
          f"   time to first byte {med([d['ttfb_ms'] for d in downloads]):6.1f} ms"
          f"   server RSS growth {max(d['rss_growth_mb'] for d in downloads):6.1f} MB (target <= {TARGET_RSS_MB:.0f})")
    print(f"  in-process to a file {direct_mbps:7.1f} MB/s   HTTP/in-process throughput {http_mbps / direct_mbps:4.2f}x")
    print(load_note(before))


if __name__ == "__main__":
    main()
