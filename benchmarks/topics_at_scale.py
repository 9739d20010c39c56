"""Generate (or reuse) a data set, ingest it, and measure topic discovery through HTTP.

Prints datagen and ingest times, warehouse size, and median / p95 latency of topic search,
trend, compare and movers through a real `orbit serve` process, next to the same work done
in-process (inventory search, the warehouse query), with their ratio.

    .venv/bin/python benchmarks/topics_at_scale.py --scale 1 --days 2
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from pathlib import Path

import httpx
from common import ORBIT, add_dataset_args, load_note, med, p95, paths, prepare, server, timed

QUERIES = ["crm", "data", "cloud comp", "marketing automation", "payroll", "security", "running shoes",
           "insurance", "health", "software for", "email", "analytics", "hr", "laptops", "travel"]


def _fmt(ms: list[float]) -> str:
    return f"median {med(ms):7.2f} ms   p95 {p95(ms):7.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_dataset_args(ap)
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    dataset, data_dir, env = paths(args)
    manifest = prepare(args, dataset, data_dir, env)
    for day in sorted(manifest["signal_rows"]):  # type: ignore[call-overload]
        t = time.perf_counter()
        subprocess.run([*ORBIT, "ingest", str(dataset), "--kind", "signals", "--date", day], env=env, check=True,
                       capture_output=True)
        print(f"re-ingest of {day} ({manifest['signal_rows'][day]:,} rows, stage+check+swap+stats): "  # type: ignore[index]
              f"{time.perf_counter() - t:.1f} s (process start included)")
    subprocess.run([*ORBIT, "status"], env=env, check=True)
    popular, direct = direct_figures(data_dir, args.requests)  # before the server holds chDB
    before = os.getloadavg()[0]
    with server(env) as base:
        measure(base, args.requests, popular, direct)
    print(load_note(before))


def measure(base: str, n: int, popular: list[int], direct: dict[str, list[float]]) -> None:
    http = httpx.Client(base_url=base, timeout=30)
    http.get("/v1/intent/topics/search", params={"q": "warm"})  # first request loads the catalogue
    qi = iter(range(10**9))

    def search() -> None:
        r = http.get("/v1/intent/topics/search", params={"q": QUERIES[next(qi) % len(QUERIES)], "limit": 10})
        assert r.status_code == 200

    def trend() -> None:
        r = http.get(f"/v1/intent/topics/{popular[next(qi) % len(popular)]}/trend")
        assert r.status_code == 200

    def compare() -> None:
        r = http.post("/v1/intent/topics/compare", json={"topicIds": popular[:5]})
        assert r.status_code == 200

    def movers_() -> None:
        r = http.get("/v1/intent/topics/movers", params={"limit": 20, "direction": "up"})
        assert r.status_code == 200

    results = {name: timed(fn, n) for name, fn in
               [("search", search), ("trend", trend), ("compare", compare), ("movers", movers_)]}
    print(f"\nHTTP latency over {n} requests each (server and client on this machine):")
    for name, ms in results.items():
        line = f"  {name:8s} {_fmt(ms)}"
        if name in direct:
            d = med(direct[name])
            line += f"   | in-process median {d:6.2f} ms, HTTP/in-process {med(ms) / d:5.1f}x"
        print(line)


def direct_figures(data_dir: Path, n: int) -> tuple[list[int], dict[str, list[float]]]:
    """The most popular topics, and the same work done without HTTP, in this process."""
    from orbit.datasets import service as datasets
    from orbit.metadata import db
    from orbit.settings import Settings
    from orbit.topics.inventory import Inventory
    from orbit.warehouse import topics as topics_sql
    from orbit.warehouse.factory import open_warehouse

    settings = Settings(data_dir=data_dir)
    wh = open_warehouse(settings)
    engine = db.make_engine(settings.metadata_url)
    try:
        with db.make_sessions(engine)() as s:
            dates = datasets.ready_dates(s)
        inv = Inventory(topics_sql.all_topics(wh))
        newest = topics_sql.daily_stats(wh, topic_ids=[t.topic_id for t in inv.topics], date_from=dates[-1], date_to=dates[-1])
        popular = [s.topic_id for s in sorted(newest, key=lambda s: -s.unique_audience)[:10]]
        qi = iter(range(10**9))
        out = {
            "search": timed(lambda: inv.search(QUERIES[next(qi) % len(QUERIES)], limit=10), n),
            "trend": timed(lambda: topics_sql.daily_stats(
                wh, topic_ids=[popular[next(qi) % len(popular)]], date_from=dates[0], date_to=dates[-1]), n),
            "compare": timed(lambda: topics_sql.daily_stats(
                wh, topic_ids=popular[:5], date_from=dates[0], date_to=dates[-1]), n),
        }
        if len(dates) >= 2:
            out["movers"] = timed(lambda: topics_sql.movers(
                wh, today=dates[-1], yesterday=dates[-2], up=True, topic_ids=[], min_audience=10, limit=20), n)
        return popular, out
    finally:
        wh.close()
        engine.dispose()


if __name__ == "__main__":
    main()
