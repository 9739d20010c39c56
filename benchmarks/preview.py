"""Audience preview latency through HTTP next to the same warehouse work done in-process.

Generates (or reuses) a data set and ingests it (the same `dataset-…` / `data-…` directories as
topics_at_scale.py, so both benchmarks share one), then for a fixed set of audience configs built
from the loaded topics (ranked by unique audience on the newest day):

* in-process: `orbit.audiences.service.preview()` (count + breakdowns, top rows, profiles),
  and each of those three statements timed on its own;
* HTTP: `POST /v1/intent/audiences/preview` against a real `orbit serve` process.

Prints medians and p95s, their ratio, each config's totalCount, and PASS/MISS against the targets
(HTTP median <= 250 ms for strict-ICP configs, HTTP/in-process <= 1.5x). Misses never fail the run.

    .venv/bin/python benchmarks/preview.py --scale 1 --days 2
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from common import add_dataset_args, create_key, load_note, med, p95, paths, prepare, server, timed

TARGET_MS = 250.0  # HTTP median, strict-ICP configs
TARGET_RATIO = 1.5  # HTTP / in-process median
WARMUP = 2


@dataclass
class Case:
    name: str
    strict_icp: bool
    body: dict[str, Any]
    total: int | None = None
    error: str | None = None
    direct: list[float] = field(default_factory=list)
    http: list[float] = field(default_factory=list)
    parts: dict[str, list[float]] = field(default_factory=dict)  # statement → ms


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
    return [
        Case("2 popular topics, strict ICP", True, {
            "topicIds": _pick(ranked, [1, 2]), "minScore": 70,
            "filters": {
                "role.seniority": {"values": ["director", "vp", "c_suite"]},
                "contact.hasBusinessEmail": True,
                "company.sizes": {"values": ["51 to 100", "101 to 250", "251 to 500"]},
            },
        }),
        Case("5 mixed topics, overlap 2, strict ICP", True, {
            "topicIds": mixed5, "minTopicOverlap": min(2, len(mixed5)),
            "filters": {
                "company.industries": {"values": ["software development", "it services and it consulting"]},
                "role.departments": {"values": ["marketing", "sales"]},
            },
        }),
        Case("10 mixed topics, overlap 3, strict ICP", True, {
            "topicIds": mixed10, "minTopicOverlap": min(3, len(mixed10)),
            "filters": {
                "jobTitle.include": {"values": ["director", "vp", "head"], "operator": "contains", "mode": "any"},
                "geography.states": {"values": ["CA", "NY", "TX"]},
            },
        }),
        Case("10 mixed topics, overlap 1, strict ICP", True, {
            "topicIds": mixed10, "minTopicOverlap": 1,
            "filters": {
                "company.revenueRanges": {"values": ["10 million to 25 million", "25 million to 50 million"]},
                "contact.hasPhone": True,
            },
        }),
        Case("3 rare topics", False, {"topicIds": _pick(ranked, [3000, 4000, 5000]), "minScore": 50}),
        Case("broad 10 popular topics (~650k target)", False, {
            "topicIds": _pick(ranked, list(range(1, 11))), "minScore": 50, "minTopicOverlap": 1,
        }),
    ]


# --- in-process ---------------------------------------------------------------------------------


def direct_figures(data_dir: Path, n: int) -> list[Case]:
    """Build the configs from the loaded topics and time the preview work in this process."""
    from orbit.audiences import config as cfg
    from orbit.audiences import service
    from orbit.metadata import db
    from orbit.settings import Settings
    from orbit.topics.service import TopicCatalog
    from orbit.warehouse import audience_sql
    from orbit.warehouse import topics as topics_sql
    from orbit.warehouse.factory import open_warehouse
    from orbit.warehouse.statement import Statement

    settings = Settings(data_dir=data_dir)
    wh = open_warehouse(settings)
    engine = db.make_engine(settings.metadata_url)
    try:
        tables = {r["name"] for r in wh.query(Statement(
            "SELECT name FROM system.tables WHERE database = currentDatabase()")).to_pylist()}
        columns = {r["name"] for r in wh.query(Statement(
            "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'companies'")).to_pylist()}
        if "filter_catalog" not in tables or "employee_count" not in columns:
            raise SystemExit(f"the warehouse in {data_dir} was loaded by older code (no filter_catalog table "
                             "or companies.employee_count column); rerun with --reingest")
        snap = TopicCatalog(wh, db.make_sessions(engine)).current()
        vocab = service.vocabulary(snap, service.FilterCatalogCache(wh).current(snap))
        newest = topics_sql.daily_stats(wh, topic_ids=[t.topic_id for t in snap.inventory.topics],
                                        date_from=snap.dates[-1], date_to=snap.dates[-1])
        ranked = [s.topic_id for s in sorted(newest, key=lambda s: (-s.unique_audience, s.topic_id))]
        print(f"newest day {snap.dates[-1]}: {len(ranked):,} topics with signals; "
              f"rank 1 audience {newest and max(s.unique_audience for s in newest):,}")
        cases = build_cases(ranked)
        for case in cases:
            try:
                result = service.preview(wh, snap, vocab, raw=case.body)
                case.total = result.total
                case.direct = timed(lambda c=case: service.preview(wh, snap, vocab, raw=c.body), n, WARMUP)
                # The three statements preview runs, each on its own (same SQL, same parameters).
                normalized, _ = cfg.normalize(case.body, vocab)
                assert normalized is not None
                spec = cfg.to_spec(normalized, snap.dates[-1])
                count_stmt = audience_sql.count_and_breakdowns_statement(spec)
                top_stmt = audience_sql.top_rows_statement(spec, limit=service.SAMPLE_SIZE)
                ids = [r.person_id for r in audience_sql.top_rows(wh, spec, limit=service.SAMPLE_SIZE)]
                case.parts = {"count+breakdowns": timed(lambda s=count_stmt: wh.query(s), n, 1)}
                if result.total:  # preview skips the sample of an empty audience
                    case.parts["top rows"] = timed(lambda s=top_stmt: wh.query(s), n, 1)
                    case.parts["profiles"] = timed(lambda i=ids: audience_sql.profiles(wh, i), n, 1)
            except Exception as exc:  # report it and go on with the next config
                case.error = f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
                print(f"  in-process preview failed for {case.name!r}: {case.error}")
        return cases
    finally:
        wh.close()
        engine.dispose()


# --- HTTP ---------------------------------------------------------------------------------------


def measure_http(base: str, key: str, cases: list[Case], n: int) -> None:
    http = httpx.Client(base_url=base, timeout=300, headers={"X-API-Key": key})
    for case in cases:
        if case.error:
            continue

        def call(c: Case = case) -> None:
            r = http.post("/v1/intent/audiences/preview", json=c.body)
            if r.status_code != 200:
                raise RuntimeError(f"HTTP {r.status_code}: {r.text[:500]}")
            total = r.json()["data"]["totalCount"]
            if total != c.total:
                raise RuntimeError(f"HTTP totalCount {total} != in-process {c.total}")

        try:
            case.http = timed(call, n, WARMUP)
        except (httpx.HTTPError, RuntimeError) as exc:
            case.error = f"{type(exc).__name__}: {exc}"
            print(f"  HTTP preview failed for {case.name!r}: {case.error}")


def serve_and_measure(env: dict[str, str], cases: list[Case], n: int) -> None:
    key = create_key(env)
    with server(env) as base:
        measure_http(base, key, cases, n)


# --- report -------------------------------------------------------------------------------------


def report(cases: list[Case], n: int) -> None:
    print(f"\nAudience preview, {n} requests per config after {WARMUP} warm-up (server and client on this machine)")
    print(f"targets: HTTP median <= {TARGET_MS:.0f} ms (strict-ICP configs), HTTP/in-process <= {TARGET_RATIO}x\n")
    head = (f"{'config':40s} {'topics':>6s} {'totalCount':>11s} {'HTTP med':>9s} {'HTTP p95':>9s} "
            f"{'in-proc med':>11s} {'in-proc p95':>11s} {'ratio':>6s}  {'<=250ms':7s} {'<=1.5x':6s}")
    print(head)
    print("-" * len(head))
    for c in cases:
        topics = len(c.body["topicIds"])
        total = f"{c.total:,}" if c.total is not None else "-"
        if c.error or not c.http or not c.direct:
            print(f"{c.name:40s} {topics:6d} {total:>11s}  FAILED: {c.error}")
            continue
        h, d = med(c.http), med(c.direct)
        ratio = h / d
        lat = ("PASS" if h <= TARGET_MS else "MISS") if c.strict_icp else "-"
        rat = "PASS" if ratio <= TARGET_RATIO else "MISS"
        print(f"{c.name:40s} {topics:6d} {total:>11s} {h:7.1f}ms {p95(c.http):7.1f}ms "
              f"{d:9.1f}ms {p95(c.direct):9.1f}ms {ratio:5.2f}x  {lat:7s} {rat:6s}")

    print("\nIn-process breakdown (median ms of each statement preview runs, same SQL and parameters):")
    head = (f"{'config':40s} {'count+breakdowns':>16s} {'top rows':>9s} {'profiles':>9s} {'sum':>8s} "
            f"{'preview':>8s} {'python+other':>12s}")
    print(head)
    print("-" * len(head))
    for c in cases:
        if not c.parts or not c.direct:
            continue
        parts = {k: med(v) for k, v in c.parts.items()}
        cells = [f"{parts[k]:{w}.1f}" if k in parts else f"{'(skipped)':>{w}s}"
                 for k, w in (("count+breakdowns", 16), ("top rows", 9), ("profiles", 9))]
        total, summed = med(c.direct), sum(parts.values())
        print(f"{c.name:40s} {' '.join(cells)} {summed:8.1f} {total:8.1f} {total - summed:12.1f}")

    print("\nConfigs (topic ids by popularity rank on the newest day):")
    for c in cases:
        print(f"  {c.name}: {json.dumps(c.body, separators=(',', ':'))}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_dataset_args(ap)
    ap.add_argument("--requests", type=int, default=30)
    args = ap.parse_args()
    dataset, data_dir, env = paths(args)

    prepare(args, dataset, data_dir, env)
    load_before = os.getloadavg()[0]
    cases = direct_figures(data_dir, args.requests)  # before the server holds chDB
    serve_and_measure(env, cases, args.requests)
    report(cases, args.requests)
    print("\n" + load_note(load_before))


if __name__ == "__main__":
    main()
