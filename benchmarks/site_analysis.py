"""Site analysis against the labelled evaluation set in benchmarks/site_eval.

Every site exists in two wordings: `sites/<name>/` uses the product's own words, `paraphrased/
<name>/` says the same without them. Each directory is served from its own HTTP server on
127.0.0.1 and analyzed in-process with `SiteAnalyzer` (the code behind `POST /v1/intent/topics/
analyze`: the safe fetch over loopback HTTP, extraction, passages, matching; answer cache off).
The topics are compared with `site_eval/labels.json` (topic ids of `build_topics()`, written by
hand before the matcher ran on the page): `topics` are the right answers, `related` are clearly
related ones (counted only in the lenient figure).

Prints, per split (`tune`: the pages the matcher was tuned on; `holdout`: written after tuning,
never tuned on) and wording: precision@5 (strict and lenient) and recall@10, macro-averaged over
sites; the share of answers flagged low-confidence; the time to build the topic index with an
empty and with a warm vector cache; the first analysis after the index is ready; and the median,
p90 and p95 analysis time (extraction + matching, without the fetch).

    .venv/bin/python benchmarks/site_analysis.py [--verbose] [--runs 3] [--split tune|holdout]
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio

from orbit.datagen.taxonomy import build_topics
from orbit.settings import SiteAnalysisSettings
from orbit.site_analysis import analyzer as analyzer_module
from orbit.site_analysis.analyzer import SiteAnalyzer
from orbit.site_analysis.embedding import shared_embedder
from orbit.site_analysis.matcher import TopicIndex
from orbit.topics.inventory import Inventory
from orbit.warehouse.topics import TopicRow

EVAL = Path(__file__).resolve().parent / "site_eval"
WORDINGS = {"product words": "sites", "paraphrase": "paraphrased"}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def inventory() -> Inventory:
    return Inventory([TopicRow(r.topic_id, r.name, r.type, r.industry, r.category, r.description, r.keywords)
                      for r in build_topics()])


_COLD_BUILD = """
import sys
from pathlib import Path
from orbit.datagen.taxonomy import build_topics
from orbit.site_analysis.embedding import shared_embedder
from orbit.site_analysis.matcher import TopicIndex
from orbit.warehouse.topics import TopicRow
topics = [TopicRow(r.topic_id, r.name, r.type, r.industry, r.category, r.description, r.keywords) for r in build_topics()]
TopicIndex(topics, shared_embedder(int(sys.argv[2])), cache_dir=Path(sys.argv[1]))
"""


def _rss_mb() -> float:
    """Resident memory of this process (Linux /proc), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--verbose", action="store_true", help="print each site's top 10 topics")
    ap.add_argument("--runs", type=int, default=3, help="timed analyses per page")
    ap.add_argument("--split", choices=["tune", "holdout"], help="only this split")
    args = ap.parse_args()

    labels: dict[str, dict[str, Any]] = json.loads((EVAL / "labels.json").read_text())
    if args.split:
        labels = {k: v for k, v in labels.items() if v["split"] == args.split}
    inv = inventory()
    for site, label in labels.items():
        unknown = [i for i in [*label["topics"], *label.get("related", [])] if inv.get(i) is None]
        if unknown:
            raise SystemExit(f"{site}: labels name topic ids not in build_topics(): {unknown}")

    # Time what analysis spends on its own (extraction + matching), apart from the fetch.
    compute_times: list[float] = []
    original = SiteAnalyzer._compute

    def timed(self: SiteAnalyzer, *a: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, *a)
        finally:
            compute_times.append(time.perf_counter() - started)

    analyzer_module.SiteAnalyzer._compute = timed  # type: ignore[method-assign]
    settings = SiteAnalysisSettings(allow_loopback=True, cache_entries=0)
    with tempfile.TemporaryDirectory() as cache:
        # The cold build runs in a child process, so its memory does not count below.
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", _COLD_BUILD, cache, str(settings.model_threads)], check=True)
        cold_build = time.perf_counter() - started
        rss_before = _rss_mb()
        embedder = shared_embedder(settings.model_threads)
        started = time.perf_counter()
        TopicIndex(inv.topics, embedder, cache_dir=Path(cache))
        warm_build = time.perf_counter() - started
        site = SiteAnalyzer(settings, cache_dir=Path(cache))
        site.index(inv, "bench")
        rss_ready = _rss_mb()

        async def analyze(url: str) -> tuple[float, Any]:
            t0 = time.perf_counter()
            result, _cached = await site.analyze(url, inventory=inv, version="bench")
            return time.perf_counter() - t0, result

        rows: list[dict[str, Any]] = []
        first: float | None = None
        for site_name, label in labels.items():
            gold, related = set(label["topics"]), set(label.get("related", []))
            for wording, folder in WORDINGS.items():
                # The holdout split lives apart (holdout/sites, holdout/paraphrased): written
                # after tuning, never read by it.
                root = EVAL / "holdout" if label["split"] == "holdout" else EVAL
                directory = root / folder / site_name
                if not directory.is_dir():
                    continue
                httpd, url = serve(directory)
                try:
                    for _ in range(args.runs):
                        seconds, result = anyio.run(analyze, url)
                        if first is None:
                            first = seconds
                finally:
                    httpd.shutdown()
                ids = [t.topic_id for t in result.topics]
                p5 = len([i for i in ids[:5] if i in gold]) / 5
                p5_lenient = len([i for i in ids[:5] if i in gold | related]) / 5
                r10 = len([i for i in ids[:10] if i in gold]) / len(gold)
                rows.append({"site": site_name, "split": label["split"], "wording": wording, "p5": p5,
                             "p5_lenient": p5_lenient, "r10": r10, "low": result.confidence == "low"})
                print(f"{site_name:24} {wording:14} P@5 {p5:.2f} ({p5_lenient:.2f})  R@10 {r10:.2f}  "
                      f"confidence {result.confidence:6} [{label['split']}]")
                if args.verbose:
                    for t in result.topics[:10]:
                        mark = "*" if t.topic_id in gold else "~" if t.topic_id in related else " "
                        print(f"    {mark} {t.similarity:.3f} {t.topic_name}  <- {t.matched_keyword!r}"
                              f"  | {t.evidence[:70]!r}")

    print()
    print(f"sites: {len(labels)}  inventory: {len(inv)} topics  runs per page: {args.runs}")
    print(f"{'split':8} {'wording':14} {'pages':>5}  {'P@5':>5}  {'P@5 lenient':>11}  {'R@10':>5}  {'low conf.':>9}")
    for split in ("tune", "holdout"):
        for wording in WORDINGS:
            group = [r for r in rows if r["split"] == split and r["wording"] == wording]
            if group:
                print(f"{split:8} {wording:14} {len(group):5}  {statistics.mean(r['p5'] for r in group):5.3f}  "
                      f"{statistics.mean(r['p5_lenient'] for r in group):11.3f}  "
                      f"{statistics.mean(r['r10'] for r in group):5.3f}  "
                      f"{sum(r['low'] for r in group) / len(group):9.2f}")
    print(f"memory: {rss_ready - rss_before:.0f} MB added by the model and the topic index "
          f"({_rss_mb() - rss_before:.0f} MB after all analyses, the answer cache off)")
    print(f"topic index build: {cold_build:.1f} s with an empty vector cache, {warm_build:.2f} s with it warm")
    print(f"first analysis after the index is ready: {(first or 0) * 1000:.0f} ms (fetch included)")
    print(f"analysis without the fetch: median {statistics.median(compute_times) * 1000:.0f} ms, "
          f"p90 {_percentile(compute_times, 0.9) * 1000:.0f} ms, p95 {_percentile(compute_times, 0.95) * 1000:.0f} ms "
          f"over {len(compute_times)} analyses")


if __name__ == "__main__":
    main()
