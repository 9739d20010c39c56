"""Run materialization and CSV export at scale through a real `orbit serve`, each figure printed
next to its reference measured in the same run, with PASS/MISS against issue 12's targets:

* runs: `POST …/runs` → `completed` (median of --repeat, after a warm-up) for an audience of about
  120,000 candidates with a strict ICP (target <= 0.3 s) and a broad one capped at 300,000 rows
  (<= 1.0 s); next to it `runs_sql.materialize` of the same specs in-process (the engine's share);
* `export.csv` of the capped run (curl, body to /dev/null): MB/s, time to first body byte and the
  server's peak RSS growth, next to the engine writing the same rows and cells as CSV in one
  statement in-process; targets >= 0.8x the engine, first byte <= 50 ms, RSS growth <= 100 MB;
* what a download does to other requests: a results page (a warehouse query) alone and while
  `export.csv` streams;
* stored exports (`POST …/exports`) of fresh capped runs, MB/s.

The in-process references run after the server stopped (chDB allows one process per data
directory). The machine is shared: read medians and ratios; the load average is printed.

    .venv/bin/python benchmarks/runs.py --scale 1 --days 2
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from common import Loop, add_dataset_args, create_key, load_note, med, paths, prepare, server_process, verdict

TARGET_TYPICAL_S = 0.3
TARGET_CAPPED_S = 1.0
TARGET_RATIO = 0.8  # HTTP CSV MB/s / the engine's own one-statement CSV MB/s
TARGET_TTFB_MS = 50.0
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


def _clock(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")


def run_to_completion(http: httpx.Client, audience: str) -> tuple[float, float, dict[str, Any]]:
    """POST a run and poll it every 50 ms until completed: the client's seconds, the server's
    seconds from `createdAt` to `completedAt` (queued → completed, no polling in it), the run."""
    t = time.perf_counter()
    run = http.post(f"/v1/intent/audiences/{audience}/runs").json()["data"]
    deadline = time.monotonic() + 600
    while True:
        state = http.get(f"/v1/intent/audiences/{audience}/runs/{run['id']}").json()["data"]
        if state["status"] in ("completed", "failed"):
            took = time.perf_counter() - t
            if state["status"] != "completed":
                raise SystemExit(f"run failed: {state['errorCode']} {state['errorMessage']}")
            span = (_clock(state["completedAt"]) - _clock(state["createdAt"])).total_seconds()
            return took, span, state
        if time.monotonic() > deadline:
            raise SystemExit("run did not finish")
        time.sleep(0.05)  # every GET costs the 2-core server CPU that the run needs


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RssWatch(Loop):
    """The server's peak RSS growth over a `with` block, sampled every 5 ms."""

    every = 0.005

    def __init__(self, pid: int) -> None:
        super().__init__()
        self.pid, self.base, self.peak = pid, rss_mb(pid), 0.0

    def tick(self) -> None:
        self.peak = max(self.peak, rss_mb(self.pid))

    @property
    def growth(self) -> float:
        return max(0.0, self.peak - self.base)


def download(base: str, key: str, path: str, *, limit_rate: str | None = None) -> dict[str, float]:
    """GET a CSV with curl into /dev/null (a C client, so the 2-core machine spends its CPU on the
    server): time to first byte, seconds, size."""
    cmd = ["curl", "-sS", "-o", "/dev/null", "-H", f"X-API-Key: {key}", "-w",
           "%{http_code} %{time_starttransfer} %{time_total} %{size_download}", f"{base}{path}"]
    if limit_rate:
        cmd[1:1] = ["--limit-rate", limit_rate]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
    if out[0] != "200":
        raise SystemExit(f"export.csv answered {out[0]}")
    # time_starttransfer is measured from the start of the request, connection included.
    ttfb, total, size = float(out[1]), float(out[2]), int(out[3])
    return {"ttfb_ms": ttfb * 1000, "seconds": total, "mb": size / 1e6, "mbps": size / 1e6 / total}


def first_row(http: httpx.Client, path: str) -> float:
    """Milliseconds until the first data row (after the header line) of a CSV has arrived; the
    download is then dropped, as a client that only peeks would."""
    t, body = time.perf_counter(), b""
    with http.stream("GET", path) as resp:
        for chunk in resp.iter_raw():
            body += chunk
            if body.count(b"\r\n") >= 2:
                return (time.perf_counter() - t) * 1000
    raise SystemExit("export.csv had no data row")


def pages_during(http: httpx.Client, url: str, n: int, busy: threading.Event | None) -> list[float]:
    """Milliseconds of `n` results pages of 100 rows at spread offsets (a warehouse query each;
    previews may be answered from the serving index), only while `busy` is set when given."""
    out: list[float] = []
    while len(out) < n:
        if busy is not None and not busy.is_set():
            break
        t = time.perf_counter()
        r = http.get(f"{url}/results", params={"limit": 100, "offset": (len(out) * 29_989) % 290_000})
        if r.status_code != 200:
            raise SystemExit(f"results answered {r.status_code}: {r.text[:300]}")
        out.append((time.perf_counter() - t) * 1000)
    return out


def wait_for_serving_index(http: httpx.Client) -> str:
    """Wait until the server's preview index is no longer being built (it reads the warehouse and
    takes the CPU while it builds); returns its state."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        state = str(http.get("/readyz").json()["data"].get("servingIndex", {}).get("state", "disabled"))
        if state not in ("building", "empty"):
            return state
        time.sleep(0.5)
    raise SystemExit("the serving index was still building after 600 s")


def in_process(data_dir: Path, runs: dict[str, str], csv_run: str, out: Path, repeat: int,
               made: list[str]) -> dict[str, Any]:
    """References measured in-process: `materialize` of each run's spec (into run ids of our own,
    dropped after) and the capped run's CSV as one statement, written to a file. Then drops the
    rows of the runs `made` over HTTP: left in place, every benchmark run would add ~0.5 GB to
    `run_results`, and merging those parts takes the CPU of the next runs."""
    from orbit.metadata import db
    from orbit.metadata.models import Run
    from orbit.runs import service as runs_service
    from orbit.settings import Settings
    from orbit.warehouse import runs_sql
    from orbit.warehouse.factory import open_warehouse
    from orbit.warehouse.statement import Profile, Statement

    settings = Settings(data_dir=data_dir)
    wh = open_warehouse(settings)
    engine = db.make_engine(settings.metadata_url)
    result: dict[str, Any] = {}
    try:
        with db.make_sessions(engine)() as s:
            loaded = {name: s.get(Run, run_id) for name, run_id in {**runs, "csv": csv_run}.items()}
            specs = {name: runs_service.spec_of(run) for name, run in loaded.items() if run is not None}
            csv = loaded["csv"]
            assert csv is not None
            attempt, rows = csv.attempts, csv.kept_rows
        # The CSV first: materializing below writes parts that the engine then merges meanwhile.
        csv_times, size = [], 0
        for _ in range(repeat):
            t = time.perf_counter()
            # The same SELECT as every export segment, over the whole snapshot in one statement.
            whole = Statement(runs_sql.CSV_CHUNK, {"run_id": csv_run, "attempt": attempt, "offset": 0, "end": rows})
            body = wh.query_bytes(whole, fmt="CSV")
            with out.open("wb") as fh:
                fh.write(body)
            csv_times.append(time.perf_counter() - t)
            size = len(body)
            del body
        result["csv"] = {"seconds": med(csv_times), "mb": size / 1e6, "mbps": size / 1e6 / med(csv_times)}
        for name in runs:
            times, counts = [], []
            for i in range(repeat):
                counted = time.perf_counter()
                wh.query(runs_sql.counts_statement(specs[name]), profile=Profile.INGEST)
                counts.append(time.perf_counter() - counted)
                t = time.perf_counter()
                runs_sql.materialize(wh, specs[name], run_id=f"bench-in-process-{name}", attempt=i + 1,
                                     cap=settings.runs.result_cap)
                times.append(time.perf_counter() - t)
            runs_sql.delete_runs(wh, [f"bench-in-process-{name}"])
            result[name] = {"seconds": med(times), "counts": med(counts)}
        runs_sql.delete_runs(wh, made)
        return result
    finally:
        wh.close()
        engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_dataset_args(ap)
    ap.add_argument("--repeat", type=int, default=5, help="runs per audience, downloads, in-process references")
    ap.add_argument("--worker-poll", type=float, default=None,
                    help="ORBIT_RUNS__POLL_SECONDS of the server (default: its own; set 0.01 to time code from before "
                         "a queued run woke the worker)")
    args = ap.parse_args()
    if shutil.which("curl") is None:
        raise SystemExit("this benchmark downloads with curl; install it first")
    dataset, data_dir, env = paths(args)
    prepare(args, dataset, data_dir, env)
    typical, broad, found = pick_configs(data_dir)
    key = create_key(env)
    before = os.getloadavg()[0]
    results: dict[str, list[float]] = {"typical": [], "capped": []}
    spans: dict[str, list[float]] = {"typical": [], "capped": []}
    made: list[str] = []  # every run made here: their rows are dropped at the end
    states: dict[str, list[dict[str, Any]]] = {"typical": [], "capped": []}
    # The worker's poll stays at its default (1 s) unless asked: a queued run rings its doorbell.
    poll = {} if args.worker_poll is None else {"ORBIT_RUNS__POLL_SECONDS": str(args.worker_poll)}
    with server_process(env, ORBIT_RUNS__SCHEDULE_SECONDS="3600", **poll) as (base, pid):
        http = httpx.Client(base_url=base, timeout=600, headers={"X-API-Key": key})
        serving = wait_for_serving_index(http)
        for name, config in (("typical", typical), ("capped", broad)):
            audience = http.post("/v1/intent/audiences", json={"name": f"bench {name}", "config": config}).json()["data"]["id"]
            made.append(run_to_completion(http, audience)[2]["id"])  # warm-up
            for _ in range(args.repeat):
                took, span, state = run_to_completion(http, audience)
                results[name].append(took)
                spans[name].append(span)
                states[name].append(state)
                made.append(state["id"])
        last = states["capped"][-1]
        csv_path = f"/v1/intent/audiences/{last['audienceId']}/runs/{last['id']}/export.csv"
        download(base, key, csv_path)  # warm-up
        downloads, growth = [], []
        for _ in range(args.repeat):
            with RssWatch(pid) as watch:
                downloads.append(download(base, key, csv_path))
            growth.append(watch.growth)
        first_rows = [first_row(http, csv_path) for _ in range(args.repeat)]

        # Other requests during a download: results pages alone, then while downloads run back to back.
        run_url = f"/v1/intent/audiences/{last['audienceId']}/runs/{last['id']}"
        pages_during(http, run_url, 3, None)  # warm-up
        alone = pages_during(http, run_url, 20, None)
        busy, during = threading.Event(), []
        busy.set()

        def downloads_loop() -> None:
            try:
                for _ in range(100):
                    if len(during) >= 20:
                        break
                    download(base, key, csv_path)
            finally:
                busy.clear()

        loader = threading.Thread(target=downloads_loop)
        loader.start()
        time.sleep(0.05)
        while busy.is_set() and len(during) < 20:
            during += pages_during(http, run_url, 1, busy)
            time.sleep(0.1)  # spread over the download, not queued back to back
        loader.join()

        stored = []
        for state in states["capped"][:3]:
            t = time.perf_counter()
            r = http.post(f"/v1/intent/audiences/{state['audienceId']}/runs/{state['id']}/exports")
            took = time.perf_counter() - t
            if r.status_code != 201:
                raise SystemExit(f"POST exports answered {r.status_code}: {r.text[:300]}")
            stored.append(r.json()["data"]["export"]["byteSize"] / 1e6 / took)
    for run_id in made:  # the stored exports' files (~175 MB each)
        for folder in (data_dir / "exports").glob(f"*/{run_id}"):
            shutil.rmtree(folder)
    ref = in_process(data_dir, {"typical": states["typical"][-1]["id"], "capped": last["id"]}, last["id"],
                     args.work / "engine.csv", args.repeat, made)

    print(f"\nRuns, median of {args.repeat} after a warm-up: queued → completed by the server's clock (createdAt → "
          "completedAt); POST → seen completed by the client (polling every 50 ms); in-process `materialize` of the "
          "same spec (counts + INSERT + kept rows)")
    for name, label, target in (
        ("typical", f"~120k candidates ({found:,} found), strict ICP", TARGET_TYPICAL_S),
        ("capped", "broad, capped at 300,000 rows", TARGET_CAPPED_S),
    ):
        c, s = states[name][-1], med(spans[name])
        print(f"  {label:44s} candidates {c['candidateCount']:>9,}  results {c['resultCount']:>9,}\n"
              f"      queued → completed median {s:5.2f} s (min {min(spans[name]):.2f}, max {max(spans[name]):.2f})  "
              f"target <= {target} s: {verdict(s <= target)}\n"
              f"      client median {med(results[name]):5.2f} s   in-process {ref[name]['seconds']:5.2f} s "
              f"(of which counts {ref[name]['counts']:.2f} s)")

    http_mbps, engine_mbps = med([d["mbps"] for d in downloads]), ref["csv"]["mbps"]
    ttfb, rss = med([d["ttfb_ms"] for d in downloads]), max(growth)
    print(f"\nexport.csv of the capped run, {downloads[0]['mb']:.1f} MB, median of {args.repeat} (curl to /dev/null)")
    print(f"  HTTP {http_mbps:6.1f} MB/s (min {min(d['mbps'] for d in downloads):.1f}, max "
          f"{max(d['mbps'] for d in downloads):.1f})   the engine's own CSV of the same rows and cells, one "
          f"statement: {engine_mbps:6.1f} MB/s ({ref['csv']['mb']:.1f} MB)")
    print(f"  HTTP / engine {http_mbps / engine_mbps:4.2f}x  (target >= {TARGET_RATIO}x: "
          f"{verdict(http_mbps >= TARGET_RATIO * engine_mbps)})")
    print(f"  time to first byte {ttfb:5.1f} ms (max {max(d['ttfb_ms'] for d in downloads):.1f})  "
          f"(target <= {TARGET_TTFB_MS:.0f} ms: {verdict(ttfb <= TARGET_TTFB_MS)}); the header line comes first, "
          f"the first data row after {med(first_rows):5.1f} ms")
    print(f"  server RSS growth, worst of {args.repeat}: {rss:5.1f} MB  (target <= {TARGET_RSS_MB:.0f} MB: "
          f"{verdict(rss <= TARGET_RSS_MB)})")
    print(f"  a results page (100 rows) alone: median {med(alone):5.0f} ms, max {max(alone):5.0f} ms; while downloads "
          f"stream: median {med(during):5.0f} ms, max {max(during):5.0f} ms ({len(during)} pages)")
    print(f"  stored export (POST …/exports, {len(stored)} fresh runs): median {med(stored):6.1f} MB/s")
    print(f"serving index of the server: {serving}")
    print(load_note(before))


if __name__ == "__main__":
    main()
