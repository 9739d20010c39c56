"""Generate (or reuse) a data set, ingest it, and measure topic discovery through HTTP.

Prints datagen and ingest times, warehouse size, and median / p95 latency of topic search,
trend, compare and movers through a real `orbit serve` process, next to the same work done
in-process (inventory search, the warehouse query), with their ratio.

    .venv/bin/python benchmarks/topics_at_scale.py --scale 1 --days 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ORBIT = [sys.executable, "-m", "orbit"]
QUERIES = ["crm", "data", "cloud comp", "marketing automation", "payroll", "security", "running shoes",
           "insurance", "health", "software for", "email", "analytics", "hr", "laptops", "travel"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _fmt(ms: list[float]) -> str:
    ms = sorted(ms)
    return f"median {statistics.median(ms):7.2f} ms   p95 {ms[int(len(ms) * 0.95) - 1]:7.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--end-date", default="2026-11-28")
    ap.add_argument("--work", type=Path, default=ROOT / "bench-data")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--reingest", action="store_true", help="load into a fresh data directory even if one exists")
    args = ap.parse_args()

    dataset = args.work / f"dataset-s{args.scale}-d{args.days}-{args.end_date}"
    data_dir = args.work / f"data-s{args.scale}-d{args.days}-{args.end_date}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORBIT_")}
    env.update(ORBIT_DATA_DIR=str(data_dir), ORBIT_LOG_LEVEL="warning")

    if not (dataset / "manifest.json").exists():
        t = time.perf_counter()
        subprocess.run([*ORBIT, "datagen", "--out", str(dataset), "--scale", str(args.scale), "--days",
                        str(args.days), "--end-date", args.end_date], env=env, check=True)
        print(f"datagen: {time.perf_counter() - t:.1f} s")
    manifest = json.loads((dataset / "manifest.json").read_text())
    rows = sum(manifest["signal_rows"].values())
    print(f"data set: {manifest['persons']:,} persons, {manifest['companies']:,} companies, "
          f"{manifest['topics']:,} topics, {rows:,} signal rows over {manifest['days']} days")

    if args.reingest and data_dir.exists():
        shutil.rmtree(data_dir)
    if not data_dir.exists():
        t = time.perf_counter()
        subprocess.run([*ORBIT, "ingest", str(dataset)], env=env, check=True)
        took = time.perf_counter() - t
        print(f"ingest: {took:.1f} s for everything ({rows / took / 1e6:.2f} M signal rows/s overall)")
        for day in sorted(manifest["signal_rows"]):
            t = time.perf_counter()
            subprocess.run([*ORBIT, "ingest", str(dataset), "--kind", "signals", "--date", day], env=env, check=True,
                           capture_output=True)
            print(f"re-ingest of {day} ({manifest['signal_rows'][day]:,} rows, stage+check+swap+stats): "
                  f"{time.perf_counter() - t:.1f} s (process start included)")
    subprocess.run([*ORBIT, "status"], env=env, check=True)
    size = sum(f.stat().st_size for f in (data_dir / "warehouse").rglob("*") if f.is_file())
    print(f"warehouse on disk: {size / 1e6:,.0f} MB")

    popular, direct = direct_figures(data_dir, args.requests)  # before the server holds chDB
    port = _free_port()
    proc = subprocess.Popen([*ORBIT, "serve", "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        measure(base, args.requests, popular, direct)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


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

    results = {name: _timed(fn, n) for name, fn in
               [("search", search), ("trend", trend), ("compare", compare), ("movers", movers_)]}
    print(f"\nHTTP latency over {n} requests each (server and client on this machine):")
    for name, ms in results.items():
        line = f"  {name:8s} {_fmt(ms)}"
        if name in direct:
            d = statistics.median(direct[name])
            line += f"   | in-process median {d:6.2f} ms, HTTP/in-process {statistics.median(ms) / d:5.1f}x"
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
            "search": _timed(lambda: inv.search(QUERIES[next(qi) % len(QUERIES)], limit=10), n),
            "trend": _timed(lambda: topics_sql.daily_stats(
                wh, topic_ids=[popular[next(qi) % len(popular)]], date_from=dates[0], date_to=dates[-1]), n),
            "compare": _timed(lambda: topics_sql.daily_stats(
                wh, topic_ids=popular[:5], date_from=dates[0], date_to=dates[-1]), n),
        }
        if len(dates) >= 2:
            out["movers"] = _timed(lambda: topics_sql.movers(
                wh, today=dates[-1], yesterday=dates[-2], up=True, topic_ids=[], min_audience=10, limit=20), n)
        return popular, out
    finally:
        wh.close()
        engine.dispose()


if __name__ == "__main__":
    main()
