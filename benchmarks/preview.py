"""Audience preview through HTTP against its in-memory floor (issue 12), side by side in one run.

Generates (or reuses) a data set and ingests it (the same `dataset-…` / `data-…` directories as
topics_at_scale.py), builds audience configs from the topics ranked by audience on the newest
day, then:

1. in this process, with the warehouse open: loads the floor (benchmarks/preview_floor.py,
   hand-written numpy over in-memory posting lists), runs the SQL path (the three statements
   of the SQL preview: count + breakdowns, top 50, profiles), checks that both give the same
   answer for every config, and times the SQL path ("SQL in-process", the "before");
2. closes the warehouse (chDB allows one process per data directory) and starts `orbit serve`
   with its answer cache off (ORBIT_SERVING__ANSWER_CACHE_ENTRIES=0): a config asked again would
   otherwise be a lookup of its last answer, and the figures would measure that cache;
3. waits until the server's serving index is built (it builds in the background and previews
   take the SQL path meanwhile; `/readyz` shows its state);
4. per config, floor and HTTP of POST /v1/intent/audiences/preview on the same requests: the
   target HTTP median <= 2 x floor + 10 ms, and whether every HTTP answer equals the floor's
   (totalCount, breakdowns, and the sample's order, scores, topics and unmasked fields);
5. throughput: a closed loop of concurrent clients mixing the configs; previews/s (2xx only;
   503 OVERLOADED answers are reported, not counted) against >= 100/s.

PASS/MISS never fails the run; an unequal answer is printed with its first difference.

    .venv/bin/python benchmarks/preview.py [--scale 1 --days 2] [--requests 30] [--clients 8 --seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import preview_floor
from common import (
    add_dataset_args,
    cpu_seconds,
    create_key,
    load_note,
    med,
    p95,
    paths,
    prepare,
    server_process,
)
from preview_floor import Floor, FloorPreview, SampleRow

TARGET_FACTOR, TARGET_SLACK_MS = 2.0, 10.0  # HTTP median <= 2 x floor median + 10 ms
TARGET_RATE = 100.0  # previews/s on scale-1 data
WARMUP = 2
PREVIEW = "/v1/intent/audiences/preview"


@dataclass
class Case:
    name: str
    body: dict[str, Any]
    timed: bool = True  # False: a semantics check, compared once and not timed
    total: int | None = None
    error: str | None = None
    floor_vs_sql: str | None = None  # first difference, None when equal
    http_vs_floor: str | None = None
    floor: list[float] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=dict)  # floor step -> ms
    sql: list[float] = field(default_factory=list)
    parts: dict[str, list[float]] = field(default_factory=dict)  # SQL statement -> ms
    http: list[float] = field(default_factory=list)
    answer: FloorPreview | None = None  # the floor's


# --- configs ----------------------------------------------------------------------------------


def _pick(ranked: list[int], ranks: list[int]) -> list[int]:
    """Topics at these 1-based popularity ranks (clamped to what exists, duplicates dropped)."""
    out: list[int] = []
    for r in ranks:
        tid = ranked[min(r, len(ranked)) - 1]
        if tid not in out:
            out.append(tid)
    return out


def build_cases(ranked: list[int]) -> list[Case]:
    mixed10 = _pick(ranked, [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000])
    mixed5 = _pick(ranked, [1, 20, 100, 500, 2000])
    top10 = _pick(ranked, list(range(1, 11)))
    return [
        Case("2 popular topics, strict ICP", {
            "topicIds": _pick(ranked, [1, 2]), "minScore": 70,
            "filters": {
                "role.seniority": {"values": ["director", "vp", "c_suite"]},
                "contact.hasBusinessEmail": True,
                "company.sizes": {"values": ["51 to 100", "101 to 250", "251 to 500"]},
            },
        }),
        Case("5 mixed topics, overlap 2, strict ICP", {
            "topicIds": mixed5, "minTopicOverlap": min(2, len(mixed5)),
            "filters": {
                "company.industries": {"values": ["software development", "it services and it consulting"]},
                "role.departments": {"values": ["marketing", "sales"]},
            },
        }),
        Case("10 mixed topics, overlap 3, strict ICP", {
            "topicIds": mixed10, "minTopicOverlap": min(3, len(mixed10)),
            "filters": {
                "jobTitle.include": {"values": ["director", "vp", "head"], "operator": "contains", "mode": "any"},
                "geography.states": {"values": ["CA", "NY", "TX"]},
            },
        }),
        Case("10 mixed topics, overlap 1, strict ICP", {
            "topicIds": mixed10, "minTopicOverlap": 1,
            "filters": {
                "company.revenueRanges": {"values": ["10 million to 25 million", "25 million to 50 million"]},
                "contact.hasPhone": True,
            },
        }),
        Case("3 rare topics", {"topicIds": _pick(ranked, [3000, 4000, 5000]), "minScore": 50}),
        # The "10 topics, no filters" (492,293 people) sits between these two.
        Case("10 popular topics, minScore 70", {"topicIds": top10, "minScore": 70}),
        Case("broad 10 popular topics, minScore 50", {"topicIds": top10, "minScore": 50, "minTopicOverlap": 1}),
    ]


def build_checks(ranked: list[int]) -> list[Case]:
    """Configs that exercise the predicates the timed ones do not (ranges, negation, every text
    operator and mode, false flags): compared once, floor vs SQL vs HTTP."""
    some = _pick(ranked, [3, 30, 300])
    popular = _pick(ranked, [1, 2, 3, 4])

    def check(name: str, filters: dict[str, Any], topics: list[int] = popular, **extra: int) -> Case:
        return Case(name, {"topicIds": topics, "filters": filters, **extra}, timed=False)

    return [
        check("employee range + decision maker", {"company.employeeCount": {"min": 50, "max": 500},
                                                  "role.isDecisionMaker": True}),
        check("title exclude + not B2C", {"jobTitle.exclude": {"values": ["manager", "assistant"]},
                                          "demographics.isB2c": False}, some),
        check("exact title + CEO flag false", {"jobTitle.exact": {"values": ["chief executive officer", "cfo", "owner"]},
                                               "role.isCeo": False}),
        check("title contains all", {"jobTitle.include": {"values": ["senior", "engineer"], "mode": "all"}}),
        check("city/zip starts_with, company state", {
            "geography.cities": {"values": ["san", "new"], "operator": "starts_with"},
            "geography.zipCodes": {"values": ["1", "9"], "operator": "starts_with"},
            "company.states": {"values": ["CA", "NY", "TX", "FL", "WA"]}}, some, minScore=50),
        check("company name contains, no LinkedIn", {"company.names": {"values": ["systems", "group"]},
                                                     "contact.hasLinkedin": False}, some, minScore=50),
        check("employees max only, overlap 2, maxScore 80", {"company.employeeCount": {"max": 100}},
              popular, minTopicOverlap=2, minScore=60, maxScore=80),
        check("country, age, gender, VP/finance false", {
            "geography.countries": {"values": ["united states"]}, "demographics.ageRanges": {"values": ["35-44", "45-54"]},
            "role.isVp": False, "role.isFinance": False}, some, minScore=50),
    ]


# --- answers compared -------------------------------------------------------------------------


def diff_answers(a: FloorPreview, b: FloorPreview) -> str | None:
    """The first difference between two answers (count, breakdowns, sample rows), or None."""
    if a.total != b.total:
        return f"totalCount {a.total} != {b.total}"
    for name in sorted(set(a.breakdowns) | set(b.breakdowns)):
        if a.breakdowns.get(name) != b.breakdowns.get(name):
            return f"breakdown {name}: {a.breakdowns.get(name)} != {b.breakdowns.get(name)}"
    if len(a.sample) != len(b.sample):
        return f"sample of {len(a.sample)} != {len(b.sample)}"
    for i, (x, y) in enumerate(zip(a.sample, b.sample, strict=True)):
        if (x.person_id, x.score, x.overlap, x.topics) != (y.person_id, y.score, y.overlap, y.topics):
            return (f"sample[{i}]: person {x.person_id} score {x.score} overlap {x.overlap} topics {x.topics} != "
                    f"person {y.person_id} score {y.score} overlap {y.overlap} topics {y.topics}")
        if x.profile != y.profile:
            keys = sorted(k for k in set(x.profile) | set(y.profile) if x.profile.get(k) != y.profile.get(k))
            return f"sample[{i}] profile differs in {keys}"
    return None


def _s(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _initial(value: object) -> str | None:
    text = _s(value)
    return f"{text[0].upper()}." if text else None


def visible(row: SampleRow) -> dict[str, object]:
    """What a masked G3 sample row shows of a floor row (the answer carries no person id: the
    hashed e-mail, scores, topics and the unmasked profile fields stand for it)."""
    p = row.profile
    return {
        "hashedEmail": p.get("hashed_email", ""), "intentScore": row.score, "topicOverlap": row.overlap,
        "matchedTopicIds": list(row.topics), "intent.matchedTopics": list(row.topics),
        "firstName": _initial(p.get("first_name")), "lastName": _initial(p.get("last_name")),
        "jobTitle": _s(p.get("job_title")), "seniority": _s(p.get("seniority")),
        "department": _s(p.get("department")), "city": _s(p.get("city")), "state": _s(p.get("state")),
        "ageRange": _s(p.get("age_range")), "gender": _s(p.get("gender")),
        "company.name": _s(p.get("company_name")), "companyIndustry": _s(p.get("company_industry")),
        "companySize": _s(p.get("company_size")), "companyRevenueRange": _s(p.get("company_revenue_range")),
    }


def _shown(row: Mapping[str, Any], key: str) -> object:
    if key == "intent.matchedTopics":
        return [t.get("topicId") for t in row.get("intent", {}).get("matchedTopics", [])]
    if key == "company.name":
        return (row.get("company") or {}).get("name")
    return row.get(key, "<missing>")


def diff_http(floor: FloorPreview, data: Mapping[str, Any]) -> str | None:
    """The first difference between the HTTP answer's `data` and the floor's answer, or None."""
    if data.get("totalCount") != floor.total:
        return f"totalCount {data.get('totalCount')} != floor {floor.total}"
    got = {k: [(b["value"], b["count"]) for b in v] for k, v in (data.get("breakdowns") or {}).items()}
    if got != floor.breakdowns:
        name = next(k for k in sorted(set(got) | set(floor.breakdowns)) if got.get(k) != floor.breakdowns.get(k))
        return f"breakdown {name}: {got.get(name)} != floor {floor.breakdowns.get(name)}"
    sample = data.get("sample") or []
    if len(sample) != len(floor.sample):
        return f"sample of {len(sample)} != floor {len(floor.sample)}"
    for i, (row, want) in enumerate(zip(sample, floor.sample, strict=True)):
        for key, value in visible(want).items():
            if _shown(row, key) != value:
                return f"sample[{i}].{key}: {_shown(row, key)!r} != floor {value!r}"
    return None


# --- in-process: the SQL path and the floor ---------------------------------------------------


def sql_answer(wh: Any, spec: Any, parts: dict[str, list[float]] | None = None) -> FloorPreview:
    """Today's preview work: the three statements `orbit.audiences.service.preview` runs (called
    here directly, so a service routed to a serving index still leaves this the "before")."""
    from orbit.warehouse import audience_sql

    def step(name: str, fn: Callable[[], Any]) -> Any:
        t = time.perf_counter()
        out = fn()
        if parts is not None:
            parts.setdefault(name, []).append((time.perf_counter() - t) * 1000)
        return out

    counted = step("count+breakdowns", lambda: audience_sql.count_and_breakdowns(wh, spec))
    if not counted.total:  # preview skips the sample of an empty audience
        return FloorPreview(counted.total, counted.breakdowns, [])
    rows = step("top rows", lambda: audience_sql.top_rows(wh, spec, limit=preview_floor.SAMPLE_SIZE))
    profiles = step("profiles", lambda: audience_sql.profiles(wh, [r.person_id for r in rows]))
    sample = [SampleRow(r.person_id, r.score, r.overlap, tuple(r.topics), dict(profiles.get(r.person_id, {})))
              for r in rows]
    return FloorPreview(counted.total, counted.breakdowns, sample)


def in_process(data_dir: Path, n: int) -> tuple[Floor, list[Case], list[Case]]:
    """Load the floor, check it against the SQL path and time the SQL path; closes the warehouse."""
    from orbit.metadata import db
    from orbit.settings import Settings
    from orbit.topics.service import TopicCatalog
    from orbit.warehouse import topics as topics_sql
    from orbit.warehouse.factory import open_warehouse

    settings = Settings(data_dir=data_dir)
    wh = open_warehouse(settings)
    engine = db.make_engine(settings.metadata_url)
    try:
        snap = TopicCatalog(wh, db.make_sessions(engine)).current()
        day = snap.dates[-1]
        newest = topics_sql.daily_stats(wh, topic_ids=[t.topic_id for t in snap.inventory.topics],
                                        date_from=day, date_to=day)
        ranked = [s.topic_id for s in sorted(newest, key=lambda s: (-s.unique_audience, s.topic_id))]
        print(f"newest day {day}: {len(ranked):,} topics with signals; "
              f"rank 1 audience {newest and max(s.unique_audience for s in newest):,}")
        t = time.perf_counter()
        floor = preview_floor.load(wh, day)
        print(f"floor loaded in {time.perf_counter() - t:.1f} s: {len(floor.post_person):,} signal rows, "
              f"{len(floor.persons):,} people, {len(floor.companies):,} companies")
        cases, checks = build_cases(ranked), build_checks(ranked)
        for case in cases + checks:
            try:
                spec = floor.spec(case.body)
                case.answer = floor.preview(case.body)
                case.total = case.answer.total
                case.floor_vs_sql = diff_answers(case.answer, sql_answer(wh, spec))
                if case.timed:
                    for _ in range(WARMUP):
                        sql_answer(wh, spec)
                    for _ in range(n):
                        t = time.perf_counter()
                        sql_answer(wh, spec, case.parts)
                        case.sql.append((time.perf_counter() - t) * 1000)
            except Exception as exc:  # report it and go on with the next config
                case.error = f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
                print(f"  in-process preview failed for {case.name!r}: {case.error}")
        return floor, cases, checks
    finally:
        wh.close()
        engine.dispose()


def time_floor(floor: Floor, case: Case, n: int) -> None:
    for _ in range(WARMUP + 1):
        floor.preview(case.body)
    for _ in range(n):
        t = time.perf_counter()
        answer = floor.preview(case.body)
        case.floor.append((time.perf_counter() - t) * 1000)
        for step, ms in answer.phases.items():
            case.phases.setdefault(step, []).append(ms)


# --- HTTP -------------------------------------------------------------------------------------


def time_http(http: httpx.Client, case: Case, n: int) -> None:
    """HTTP latency (the request only; every answer is compared with the floor's afterwards)."""
    assert case.answer is not None
    for i in range(WARMUP + n):
        t = time.perf_counter()
        r = http.post(PREVIEW, json=case.body)
        ms = (time.perf_counter() - t) * 1000
        if r.status_code != 200:
            raise RuntimeError(f"HTTP {r.status_code}: {r.text[:300]}")
        if i >= WARMUP:
            case.http.append(ms)
        if case.http_vs_floor is None:
            case.http_vs_floor = diff_http(case.answer, r.json()["data"])


def wait_for_index(http: httpx.Client, timeout_s: float = 600) -> str:
    """Wait while `/readyz` says the serving index is building; returns what it says then."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = (http.get("/readyz").json().get("data") or {}).get("servingIndex")
        if state is None:
            return "none (this server answers previews with SQL)"
        if state.get("state") != "building" or time.monotonic() > deadline:
            return ", ".join(f"{k} {v}" for k, v in state.items())
        time.sleep(0.5)


@dataclass
class Throughput:
    clients: int
    seconds: float
    codes: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # ms of 2xx answers
    server_cpu: float = 0.0  # CPU seconds the server process used during the loop


def throughput(base: str, key: str, cases: list[Case], clients: int, seconds: float, pid: int = 0) -> Throughput:
    """A closed loop: each client sends the next config as soon as its previous answer arrived.
    With the server's `pid`, also the CPU time it used (robust to other work on the machine)."""
    bodies = [c.body for c in cases]
    out = Throughput(clients, seconds)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client(i: int) -> None:
        codes: Counter[str] = Counter()
        lat: list[float] = []
        with httpx.Client(base_url=base, timeout=60, headers={"X-API-Key": key}) as http:
            start.wait()
            deadline = time.perf_counter() + seconds
            j = i  # client i starts at config i: the mix is the same every run
            while (t := time.perf_counter()) < deadline:
                try:
                    r = http.post(PREVIEW, json=bodies[j % len(bodies)])
                    code = "2xx" if r.status_code < 300 else str(r.status_code)
                except httpx.HTTPError as exc:
                    code = type(exc).__name__
                codes[code] += 1
                if code == "2xx":
                    lat.append((time.perf_counter() - t) * 1000)
                j += 1
        with lock:
            out.codes.update(codes)
            out.latencies.extend(lat)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for th in threads:
        th.start()
    start.wait()
    t, cpu = time.perf_counter(), cpu_seconds(pid) if pid else 0.0
    for th in threads:
        th.join()
    out.seconds = time.perf_counter() - t  # includes the answers still in flight at the deadline
    out.server_cpu = cpu_seconds(pid) - cpu if pid else 0.0
    return out


def serve_and_measure(env: dict[str, str], floor: Floor, cases: list[Case], checks: list[Case], n: int,
                      clients: int, seconds: float) -> tuple[Throughput | None, Throughput | None]:
    key = create_key(env)
    # Answer cache off: every request is computed (a server without the setting ignores it).
    with (server_process(env, ORBIT_SERVING__ANSWER_CACHE_ENTRIES="0") as (base, pid),
          httpx.Client(base_url=base, timeout=300, headers={"X-API-Key": key}) as http):
        t = time.perf_counter()
        print(f"serving index: {wait_for_index(http)} (waited {time.perf_counter() - t:.1f} s)")
        for case in cases:  # floor and HTTP of one config back to back: the same machine load
            if case.error:
                continue
            try:
                time_floor(floor, case, n)
                time_http(http, case, n)
            except (httpx.HTTPError, RuntimeError) as exc:
                case.error = f"{type(exc).__name__}: {exc}"
                print(f"  HTTP preview failed for {case.name!r}: {case.error}")
        for case in checks:
            if case.error or case.answer is None:
                continue
            r = http.post(PREVIEW, json=case.body)
            case.http_vs_floor = (diff_http(case.answer, r.json()["data"]) if r.status_code == 200
                                  else f"HTTP {r.status_code}: {r.text[:200]}")
        ok = [c for c in cases if not c.error]
        cold = throughput(base, key, ok, clients, seconds, pid) if ok and seconds > 0 else None
    if cold is None:
        return None, None
    # The same loop against the default server (answer cache on): the configs repeat, so after
    # the first round every answer is remembered; labelled as such in the report.
    with server_process(env) as (base, pid), httpx.Client(base_url=base, timeout=300, headers={"X-API-Key": key}) as http:
        wait_for_index(http)
        return cold, throughput(base, key, ok, clients, seconds, pid)


# --- report -----------------------------------------------------------------------------------


def _eq(d: str | None) -> str:
    return "yes" if d is None else "NO"


def _rate_line(tp: Throughput, label: str, n_cases: int) -> float:
    ok = len(tp.latencies)
    rate = ok / tp.seconds
    shed = tp.codes.get("503", 0)
    other = sum(v for k, v in tp.codes.items() if k not in ("2xx", "503"))
    q = statistics.quantiles(tp.latencies, n=100) if ok >= 2 else [float("nan")] * 99
    print(f"\nThroughput, {label}: {tp.clients} clients in a closed loop over the {n_cases} configs for "
          f"{tp.seconds:.1f} s: {rate:.1f} previews/s (2xx) vs >= {TARGET_RATE:g}/s "
          f"{'PASS' if rate >= TARGET_RATE else 'MISS'}; p50 {q[49]:.0f} ms, p95 {q[94]:.0f} ms; "
          f"503 OVERLOADED {shed} ({shed / tp.seconds:.1f}/s, not counted); other {other}")
    if tp.server_cpu and ok:
        print(f"  server CPU {1000 * tp.server_cpu / ok:.1f} ms per preview ({tp.server_cpu / tp.seconds:.2f} of "
              f"{os.cpu_count()} cores busy): what other work on the machine does not change")
    return rate


def report(cases: list[Case], checks: list[Case], tps: tuple[Throughput | None, Throughput | None], n: int) -> None:
    print(f"\nAudience preview, {n} requests per config after {WARMUP} warm-up (server and client on this machine)")
    print(f"target: HTTP median <= {TARGET_FACTOR:g} x floor median + {TARGET_SLACK_MS:g} ms (server answer cache off); "
          "every answer equal to the floor's\n")
    head = (f"{'config':38s} {'totalCount':>10s} {'floor med':>9s} {'HTTP med':>9s} {'HTTP p95':>9s} "
            f"{'target':>8s} {'':4s}  {'HTTP=floor':10s} {'SQL in-proc':>11s} {'floor=SQL':9s}")
    print(head)
    print("-" * len(head))
    for c in cases:
        total = f"{c.total:,}" if c.total is not None else "-"
        if c.error or not c.http or not c.floor:
            print(f"{c.name:38s} {total:>10s}  FAILED: {c.error}")
            continue
        f, h = med(c.floor), med(c.http)
        target = TARGET_FACTOR * f + TARGET_SLACK_MS
        verdict = "PASS" if h <= target else "MISS"
        sql = f"{med(c.sql):.1f}ms" if c.sql else "-"
        print(f"{c.name:38s} {total:>10s} {f:7.1f}ms {h:7.1f}ms {p95(c.http):7.1f}ms {target:6.1f}ms {verdict:4s}  "
              f"{_eq(c.http_vs_floor):10s} {sql:>11s} {_eq(c.floor_vs_sql):9s}")

    cold, warm = tps
    if cold is not None:
        _rate_line(cold, "every preview computed (answer cache off)", len(cases))
        floored = [med(c.floor) for c in cases if c.floor]
        if floored:  # what one thread of hand-written numpy does with the same mix, one after another
            print(f"  the floor, one thread, one config after another over the same mix: "
                  f"{1000 * len(floored) / sum(floored):.1f} previews/s")
    if warm is not None:
        _rate_line(warm, "default server (answer cache on: the repeated configs are remembered)", len(cases))

    print("\nSemantics checks (compared once, not timed):")
    for c in checks:
        total = f"{c.total:,}" if c.total is not None else "-"
        state = (f"FAILED: {c.error}" if c.error else
                 f"floor=SQL {_eq(c.floor_vs_sql):3s}  HTTP=floor {_eq(c.http_vs_floor)}")
        print(f"  {c.name:44s} {total:>9s}  {state}")

    unequal = [(c.name, w, d) for c in cases + checks
               for w, d in (("floor vs SQL", c.floor_vs_sql), ("HTTP vs floor", c.http_vs_floor)) if d]
    for name, what, d in unequal:
        print(f"  DIFFERENT {what} for {name!r}: {d}")

    print("\nWhere the floor's time goes (median ms per step):")
    steps = list(next((c.phases for c in cases if c.phases), {}))
    print(f"{'config':38s} " + " ".join(f"{s:>10s}" for s in steps))
    for c in cases:
        if c.phases:
            print(f"{c.name:38s} " + " ".join(f"{med(c.phases.get(s, [0.0])):10.2f}" for s in steps))

    print("\nSQL in-process, median ms of each statement (same SQL and parameters as the service):")
    names = ("count+breakdowns", "top rows", "profiles")
    print(f"{'config':38s} " + " ".join(f"{s:>16s}" for s in names) + f" {'total':>8s}")
    for c in cases:
        if c.sql:
            cells = [f"{med(c.parts[s]):16.1f}" if s in c.parts else f"{'(skipped)':>16s}" for s in names]
            print(f"{c.name:38s} {' '.join(cells)} {med(c.sql):8.1f}")

    print("\nConfigs (topic ids by popularity rank on the newest day):")
    for c in cases + checks:
        print(f"  {c.name}: {json.dumps(c.body, separators=(',', ':'))}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_dataset_args(ap)
    ap.add_argument("--requests", type=int, default=30, help="timed requests per config (floor, HTTP, SQL)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients of the throughput loop")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the throughput loop (0: skip it)")
    args = ap.parse_args()
    dataset, data_dir, env = paths(args)

    prepare(args, dataset, data_dir, env)
    load_before = os.getloadavg()[0]
    floor, cases, checks = in_process(data_dir, args.requests)  # before the server holds chDB
    tps = serve_and_measure(env, floor, cases, checks, args.requests, args.clients, args.seconds)
    report(cases, checks, tps, args.requests)
    print("\n" + load_note(load_before))


if __name__ == "__main__":
    main()
