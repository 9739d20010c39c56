"""Site analysis against the labelled evaluation set in benchmarks/site_eval.

Serves every site of `site_eval/sites/<name>/` from its own HTTP server on 127.0.0.1, analyzes
each one in-process with `SiteAnalyzer` (the code behind `POST /v1/intent/topics/analyze`: the
safe fetch over loopback HTTP, extraction, keyphrases, hybrid matching; answer cache off), and
compares the topics with `site_eval/labels.json` (topic names from `build_topics(42)`, the test
data set's inventory). Prints precision@5 and recall@10 (macro-averaged over sites) for all sites,
for the 24 the matcher was calibrated on and for the 5 "holdout" sites written and labelled
afterwards and never tuned on; company-name accuracy; and the median and p95 analysis latency
after one warm-up analysis (the first one also builds the topic index; its time is printed
separately).

    .venv/bin/python benchmarks/site_analysis.py [--verbose] [--runs 3]
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio

from orbit.datagen.taxonomy import build_topics
from orbit.settings import SiteAnalysisSettings
from orbit.site_analysis.analyzer import SiteAnalyzer
from orbit.topics.inventory import Inventory
from orbit.warehouse.topics import TopicRow

EVAL = Path(__file__).resolve().parent / "site_eval"
SEED = 42


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def inventory() -> Inventory:
    return Inventory([TopicRow(r.topic_id, r.name, r.type, r.industry, r.category, r.description, r.keywords)
                      for r in build_topics(SEED)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--verbose", action="store_true", help="print each site's top 10 topics")
    ap.add_argument("--runs", type=int, default=3, help="timed analyses per site")
    args = ap.parse_args()

    labels: dict[str, dict[str, object]] = json.loads((EVAL / "labels.json").read_text())
    inv = inventory()
    names = {t.name for t in inv.topics}
    for site, label in labels.items():
        unknown = [n for n in label["topics"] if n not in names]  # type: ignore[attr-defined]
        if unknown:
            raise SystemExit(f"{site}: labels name topics not in build_topics({SEED}): {unknown}")

    servers = {site: serve(EVAL / "sites" / site) for site in labels}
    settings = SiteAnalysisSettings(allow_loopback=True, cache_entries=0)
    with tempfile.TemporaryDirectory() as cache:
        analyzer = SiteAnalyzer(settings, cache_dir=Path(cache))

        async def analyze(url: str) -> tuple[float, object]:
            started = time.perf_counter()
            result, _cached = await analyzer.analyze(url, inventory=inv, version="bench")
            return time.perf_counter() - started, result

        first_site = next(iter(labels))
        cold, _ = anyio.run(analyze, servers[first_site][1])
        precision: dict[str, float] = {}
        recall: dict[str, float] = {}
        latencies: list[float] = []
        companies = 0
        for site, label in labels.items():
            gold = set(label["topics"])  # type: ignore[call-overload]
            for _ in range(args.runs):
                seconds, result = anyio.run(analyze, servers[site][1])
                latencies.append(seconds)
            topics = [t.topic_name for t in result.topics]  # type: ignore[attr-defined]
            p5 = len([n for n in topics[:5] if n in gold]) / 5
            r10 = len([n for n in topics[:10] if n in gold]) / len(gold)
            precision[site] = p5
            recall[site] = r10
            company = result.company  # type: ignore[attr-defined]
            companies += company == label["company"]
            tag = " (holdout)" if label.get("holdout") else ""
            print(f"{site:24} P@5 {p5:.2f}  R@10 {r10:.2f}  company {company!r}{tag}")
            if args.verbose:
                for t in result.topics[:10]:  # type: ignore[attr-defined]
                    mark = "*" if t.topic_name in gold else " "
                    print(f"    {mark} {t.similarity:.3f} {t.topic_name}  <- {t.matched_keyword}")
        for httpd, _url in servers.values():
            httpd.shutdown()

    print()
    print(f"sites: {len(labels)}  inventory: {len(inv)} topics (build_topics({SEED}))  runs per site: {args.runs}")
    groups = {
        "all": list(labels),
        "calibration": [s for s in labels if not labels[s].get("holdout")],
        "holdout": [s for s in labels if labels[s].get("holdout")],
    }
    for group, sites in groups.items():
        if sites:
            print(f"{group:12} ({len(sites):2} sites)  precision@5 (macro) {statistics.mean(precision[s] for s in sites):.3f}"
                  f"   recall@10 (macro) {statistics.mean(recall[s] for s in sites):.3f}")
    print(f"company name exact:  {companies}/{len(labels)}")
    ordered = sorted(latencies)
    print(f"analysis latency: median {statistics.median(ordered) * 1000:.0f} ms, "
          f"p95 {ordered[int(0.95 * (len(ordered) - 1))] * 1000:.0f} ms "
          f"(first analysis incl. topic index build: {cold * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
