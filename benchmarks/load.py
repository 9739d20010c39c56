"""Open-loop load against a real `orbit serve`: goodput and latency past saturation, with load
shedding on and off, side by side.

Requests are sent on a fixed schedule whatever the server does (open loop: a slow server does not
slow the senders down, as with real traffic), up to a bound of requests outstanding in the client.
For each endpoint (topic search, audience preview):

1. saturation: a closed loop of 8 concurrent clients against the server without shedding gives
   the most 2xx answers per second it sustains (X);
2. open loop at 1x, 2x and 4x X, against the server with shedding on and with it off: offered
   rate, goodput (2xx/s), p50/p95/p99 of the 2xx latencies, 503 OVERLOADED answers, other errors
   and requests still unanswered at the end of the window (counted as timeouts).

    .venv/bin/python benchmarks/load.py [--scale 0.05] [--seconds 8] [--multiples 1,2,4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from common import add_dataset_args, create_key, load_note, paths, prepare, server

SEARCH_WORDS = ["crm", "payroll", "cloud", "security", "marketing", "coffee", "insurance", "analytics", "hr",
                "shipping", "dental", "solar", "accounting", "ecommerce", "legal", "data", "email", "ai"]
MAX_OUTSTANDING = 2048  # requests the client keeps open at once; past it a send counts as dropped


@dataclass
class Window:
    offered: float
    seconds: float
    latencies: list[float] = field(default_factory=list)  # ms of 2xx answers
    codes: Counter[str] = field(default_factory=Counter)

    def line(self, label: str) -> str:
        ok = self.latencies
        q = statistics.quantiles(ok, n=100) if len(ok) >= 2 else [ok[0] if ok else float("nan")] * 99
        return (f"{label:22} offered {self.offered:7.1f}/s  goodput {len(ok) / self.seconds:7.1f}/s  "
                f"p50 {q[49]:7.0f} ms  p95 {q[94]:7.0f} ms  p99 {q[98]:7.0f} ms  "
                f"503 {self.codes['503']:5}  other {sum(v for k, v in self.codes.items() if k not in ('2xx', '503')):5}"
                f"  ({dict(self.codes)})")


def _request(kind: str, rng: random.Random, topics: list[int]) -> tuple[str, str, dict[str, Any] | None]:
    if kind == "search":
        return "GET", f"/v1/intent/topics/search?q={rng.choice(SEARCH_WORDS)}&limit=10", None
    chosen = rng.sample(topics, 3)
    return "POST", "/v1/intent/audiences/preview", {"topicIds": chosen, "minScore": 60,
                                                     "filters": {"contact.hasBusinessEmail": True}}


async def _one(http: httpx.AsyncClient, kind: str, rng: random.Random, topics: list[int], window: Window) -> None:
    method, url, body = _request(kind, rng, topics)
    started = time.perf_counter()
    try:
        resp = await http.request(method, url, json=body)
    except httpx.TimeoutException:
        window.codes["timeout"] += 1
        return
    except httpx.TransportError:
        window.codes["transport"] += 1
        return
    if 200 <= resp.status_code < 300:
        window.latencies.append((time.perf_counter() - started) * 1000)
        window.codes["2xx"] += 1
    else:
        window.codes[str(resp.status_code)] += 1


async def closed_loop(base: str, key: str, kind: str, topics: list[int], seconds: float, clients: int = 8) -> float:
    """2xx answers per second with `clients` callers each waiting for its answer before the next."""
    window = Window(0, seconds)
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, timeout=60, limits=limits) as http:
        async def caller(i: int) -> None:
            rng = random.Random(i)
            while time.perf_counter() < deadline:
                await _one(http, kind, rng, topics, window)

        await asyncio.gather(*(caller(i) for i in range(clients)))
    return len(window.latencies) / seconds


async def open_loop(base: str, key: str, kind: str, topics: list[int], rate: float, seconds: float) -> Window:
    """Send at `rate` per second for `seconds`, whatever the answers; wait for stragglers up to
    the window's length again, then count what is left as timeouts."""
    window = Window(rate, seconds)
    rng = random.Random(7)
    limits = httpx.Limits(max_connections=1024, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, timeout=seconds * 2, limits=limits) as http:
        tasks: set[asyncio.Task[None]] = set()
        start = time.perf_counter()
        n = int(rate * seconds)
        for i in range(n):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(tasks) >= MAX_OUTSTANDING:
                window.codes["dropped"] += 1
                continue
            task = asyncio.create_task(_one(http, kind, rng, topics, window))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(tasks, timeout=seconds * 2)
    return window


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_dataset_args(ap)
    ap.set_defaults(scale=0.05)
    ap.add_argument("--seconds", type=float, default=8.0, help="length of each open-loop window")
    ap.add_argument("--multiples", default="1,2,4", help="offered rates as multiples of saturation")
    ap.add_argument("--kinds", default="search,preview")
    args = ap.parse_args()
    before = os.getloadavg()[0]
    dataset, data_dir, env = paths(args)
    prepare(args, dataset, data_dir, env)
    key = create_key(env)
    multiples = [float(m) for m in args.multiples.split(",")]
    kinds = args.kinds.split(",")
    quiet = {"ORBIT_RUNS__EMBEDDED_WORKERS": "0"}
    saturation: dict[str, float] = {}
    results: dict[tuple[str, str, float], Window] = {}
    for kind in kinds:
        # A fresh server for each measurement: one overwhelmed without shedding keeps working off
        # its backlog long after the clients gave up, and would skew whatever comes next.
        with server(env, **quiet, ORBIT_OVERLOAD__ENABLED="false") as base:
            topics = [m["topicId"] for m in httpx.get(f"{base}/v1/intent/topics/movers",
                                                      params={"limit": 40}).json()["data"]]
            saturation[kind] = asyncio.run(closed_loop(base, key, kind, topics, seconds=args.seconds))
        print(f"{kind}: saturation {saturation[kind]:.1f} 2xx/s (closed loop, 8 clients, no shedding)")
        for m in multiples:
            for shedding in ("off", "on"):
                with server(env, **quiet, ORBIT_OVERLOAD__ENABLED="true" if shedding == "on" else "false") as base:
                    rate = max(saturation[kind] * m, 1.0)
                    window = asyncio.run(open_loop(base, key, kind, topics, rate, args.seconds))
                results[(kind, shedding, m)] = window
                print(window.line(f"{kind} {m:g}x shedding {shedding}"), flush=True)
    print()
    print("side by side (goodput 2xx/s, p95 ms of the 2xx, 503s):")
    for kind in kinds:
        for m in multiples:
            off, on = results[(kind, "off", m)], results[(kind, "on", m)]

            def fig(w: Window) -> str:
                p95 = statistics.quantiles(w.latencies, n=100)[94] if len(w.latencies) >= 2 else float("nan")
                return f"{len(w.latencies) / w.seconds:6.1f}/s p95 {p95:6.0f} ms 503 {w.codes['503']:5}"

            print(f"  {kind:8} {m:g}x  off: {fig(off)}   on: {fig(on)}")
    print(load_note(before))


if __name__ == "__main__":
    main()
