"""Fair sharing (issue 13, item 2): interactive previews while long work runs, side by side with
the same previews on an idle server, in one run on scale-1 data through a real `orbit serve`.

* previews: one marketer-like client in a closed loop (a request, 100 ms to think, the next),
  each request a config of its own (3 topics of the 300 most popular, a random ICP filter, seeded)
  so that no answer comes from the cache; p50/p95 while idle, while a 300,000-row run
  materializes, and while three clients download the 300,000-row export.csv of a completed run;
* the long work alone and with the previews: the run's queued → completed (server clock) and
  the three downloads' wall time (the slowest of the three).

Targets: preview p95 under load <= 2x the idle p95; long work <= 1.5x slower than alone.

    .venv/bin/python benchmarks/contention.py [--work DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from common import (
    Loop,
    add_dataset_args,
    create_key,
    load_note,
    med,
    p95,
    paths,
    prepare,
    server_process,
    verdict,
)

from runs import pick_configs, run_to_completion

TARGET_P95_RATIO = 2.0
TARGET_SLOWDOWN = 1.5
THINK_S = 0.1
ICP = [
    {"contact.hasBusinessEmail": True},
    {"role.seniority": {"values": ["director", "vp", "c_suite"]}},
    {"company.industries": {"values": ["software development", "it services and it consulting"]}},
    {"role.departments": {"values": ["marketing", "sales"]}},
    {"contact.hasPhone": True, "geography.states": {"values": ["CA", "NY", "TX"]}},
    {},
]


class Previews(Loop):
    """A closed-loop preview client in a thread; latencies (ms) of 2xx answers, errors counted."""

    every = THINK_S

    def __init__(self, base: str, key: str, topics: list[int], seed: int) -> None:
        super().__init__()
        self.http = httpx.Client(base_url=base, timeout=60, headers={"X-API-Key": key})
        self.topics, self.rng = topics, random.Random(seed)
        self.latencies: list[float] = []
        self.errors = 0

    def tick(self) -> None:
        body = {"topicIds": self.rng.sample(self.topics, 3), "minScore": self.rng.choice([50, 60, 70]),
                "filters": self.rng.choice(ICP)}
        t = time.perf_counter()
        resp = self.http.post("/v1/intent/audiences/preview", json=body)
        if resp.status_code == 200:
            self.latencies.append((time.perf_counter() - t) * 1000)
        else:
            self.errors += 1

    def run_for(self, seconds: float) -> None:
        with self:
            time.sleep(seconds)


def downloads(base: str, key: str, url: str, clients: int = 3) -> float:
    """Seconds until the slowest of `clients` parallel downloads of `url` is complete."""
    def one(_: int) -> int:
        n = 0
        with httpx.Client(base_url=base, timeout=600, headers={"X-API-Key": key}) as http, \
                http.stream("GET", url) as resp:
            resp.raise_for_status()
            for piece in resp.iter_bytes(1 << 20):
                n += len(piece)
        return n

    t = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        sizes = list(pool.map(one, range(clients)))
    if len(set(sizes)) != 1:
        raise SystemExit(f"downloads differ in size: {sizes}")
    return time.perf_counter() - t


def popular_topics(data_dir: Path, n: int) -> list[int]:
    """The `n` topics with the largest audience on the newest day (read before the server starts)."""
    from orbit.datasets import service as datasets
    from orbit.metadata import db
    from orbit.settings import Settings
    from orbit.warehouse import topics as topics_sql
    from orbit.warehouse.factory import open_warehouse

    settings = Settings(data_dir=data_dir)
    wh = open_warehouse(settings)
    engine = db.make_engine(settings.metadata_url)
    try:
        with db.make_sessions(engine)() as s:
            day = datasets.ready_dates(s)[-1]
        ids = [t.topic_id for t in topics_sql.all_topics(wh)]
        stats = topics_sql.daily_stats(wh, topic_ids=ids, date_from=day, date_to=day)
        return [s.topic_id for s in sorted(stats, key=lambda s: -s.unique_audience)][:n]
    finally:
        wh.close()
        engine.dispose()


def line(label: str, ms: list[float], idle: float | None) -> str:
    if not ms:
        return f"  {label:44s} no previews answered"
    ratio = "" if idle is None else (f"  p95/idle {p95(ms) / idle:4.2f}x (target <= {TARGET_P95_RATIO:.0f}x: "
                                     f"{verdict(p95(ms) / idle <= TARGET_P95_RATIO)})")
    return f"  {label:44s} n {len(ms):4d}  p50 {med(ms):6.1f} ms  p95 {p95(ms):6.1f} ms{ratio}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_dataset_args(ap)
    ap.add_argument("--repeat", type=int, default=3, help="long jobs per phase")
    ap.add_argument("--idle-seconds", type=float, default=20.0)
    args = ap.parse_args()
    dataset, data_dir, env = paths(args)
    prepare(args, dataset, data_dir, env)
    _typical, broad, _found = pick_configs(data_dir)
    topics = popular_topics(data_dir, 300)
    key = create_key(env)
    before = os.getloadavg()[0]
    with server_process(env, ORBIT_RUNS__SCHEDULE_SECONDS="3600") as (base, _pid):
        http = httpx.Client(base_url=base, timeout=600, headers={"X-API-Key": key})
        resp = http.post("/v1/intent/audiences", json={"name": "contention", "config": broad})
        resp.raise_for_status()
        audience = resp.json()["data"]["id"]
        _, _, warm = run_to_completion(http, audience)  # warm-up; its snapshot is what is downloaded
        csv_url = f"/v1/intent/audiences/{audience}/runs/{warm['id']}/export.csv"
        downloads(base, key, csv_url)  # warm-up

        seed = 1
        idle = Previews(base, key, topics, seed)
        idle.run_for(args.idle_seconds)
        idle_p95 = p95(idle.latencies)

        run_alone, run_busy, csv_alone, csv_busy = [], [], [], []
        during_run: list[float] = []
        during_csv: list[float] = []
        errors = idle.errors
        for i in range(args.repeat):
            run_alone.append(run_to_completion(http, audience)[1])
            with Previews(base, key, topics, seed + 100 + i) as p:
                run_busy.append(run_to_completion(http, audience)[1])
            during_run += p.latencies
            errors += p.errors
            csv_alone.append(downloads(base, key, csv_url))
            with Previews(base, key, topics, seed + 200 + i) as p:
                csv_busy.append(downloads(base, key, csv_url))
            during_csv += p.latencies
            errors += p.errors
        serving = http.get("/readyz").json()["data"].get("servingIndex", {}).get("state")

    print(f"\nPreviews, one client in a closed loop ({THINK_S * 1000:.0f} ms think time), each config new "
          f"(serving index: {serving}; non-2xx answers: {errors})")
    print(line("idle", idle.latencies, None))
    print(line("while a 300,000-row run materializes", during_run, idle_p95))
    print(line("while 3 clients download its export.csv", during_csv, idle_p95))
    print(f"\nLong work, median of {args.repeat}: alone → with the previews")
    ra, rb, ca, cb = (statistics.median(x) for x in (run_alone, run_busy, csv_alone, csv_busy))
    print(f"  300,000-row run, queued → completed        {ra:5.2f} s → {rb:5.2f} s  {rb / ra:4.2f}x "
          f"(target <= {TARGET_SLOWDOWN}x: {verdict(rb / ra <= TARGET_SLOWDOWN)})")
    print(f"  3 parallel export.csv downloads, slowest   {ca:5.2f} s → {cb:5.2f} s  {cb / ca:4.2f}x "
          f"(target <= {TARGET_SLOWDOWN}x: {verdict(cb / ca <= TARGET_SLOWDOWN)})")
    print(load_note(before))


if __name__ == "__main__":
    main()
