"""Fast loop for tuning the matcher on benchmarks/site_eval, without HTTP or timing.

Extracts every page once, memoizes the model's vectors by text, and scores the answers with
matcher constants overridden from the command line, so a variant takes seconds, not minutes:

    .venv/bin/python scripts/tune_matching.py --split tune --set GENERIC=0.05 --set MMR_LAMBDA=0.3

Tune only on the `tune` split; the holdout is for the final figure (benchmarks/site_analysis.py).
"""

from __future__ import annotations

import argparse
import ast
import json
import statistics
from pathlib import Path
from typing import Any

import numpy as np

from orbit.datagen.taxonomy import build_topics
from orbit.settings import SiteAnalysisSettings
from orbit.site_analysis import matcher
from orbit.site_analysis.analyzer import match_pages
from orbit.site_analysis.embedding import Embedder, shared_embedder
from orbit.site_analysis.extract import extract_page
from orbit.warehouse.topics import TopicRow

EVAL = Path(__file__).resolve().parents[1] / "benchmarks" / "site_eval"
WORDINGS = {"product": "sites", "paraphrase": "paraphrased"}


class MemoEmbedder:
    """The model with a text → vector memo (tuning embeds the same passages again and again)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.memo: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            for t, v in zip(missing, self.inner.embed(missing), strict=True):
                self.memo[t] = v
        if not texts:
            return self.inner.embed([])
        return np.stack([self.memo[t] for t in texts])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", choices=["tune", "holdout"], default="tune")
    ap.add_argument("--set", action="append", default=[], help="override a matcher constant: NAME=literal")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--site", help="only this site")
    args = ap.parse_args()
    for item in args.set:
        name, value = item.split("=", 1)
        setattr(matcher, name, ast.literal_eval(value))
    labels: dict[str, dict[str, Any]] = json.loads((EVAL / "labels.json").read_text())
    labels = {k: v for k, v in labels.items() if v["split"] == args.split and (not args.site or k == args.site)}
    topics = [TopicRow(r.topic_id, r.name, r.type, r.industry, r.category, r.description, r.keywords)
              for r in build_topics()]
    settings = SiteAnalysisSettings()
    embedder = MemoEmbedder(shared_embedder(settings.model_threads))
    index = matcher.TopicIndex(topics, embedder, cache_dir=settings.vector_cache_dir)  # type: ignore[arg-type]
    if any(s.startswith("GENERIC") for s in args.set):
        index._generic = index._generality()
    rows = []
    for site, label in labels.items():
        gold, related = set(label["topics"]), set(label.get("related", []))
        for wording, folder in WORDINGS.items():
            root = EVAL / "holdout" if label["split"] == "holdout" else EVAL
            html = (root / folder / site / "index.html").read_text()
            pages = [extract_page(html, f"https://{site}.example/", content_type="text/html")]
            _, _, answer = match_pages(index, pages, limit=10)
            ids = [m.topic.topic_id for m in answer.matches]
            p5 = len([i for i in ids[:5] if i in gold]) / 5
            rows.append((wording, p5, len([i for i in ids[:5] if i in gold | related]) / 5,
                         len([i for i in ids[:10] if i in gold]) / len(gold), answer.confidence == "low"))
            if args.verbose:
                print(f"{site} [{wording}] P@5 {p5:.2f} conf {answer.confidence} {answer.best_cosine:.3f}")
                for m in answer.matches:
                    mark = "*" if m.topic.topic_id in gold else "~" if m.topic.topic_id in related else " "
                    print(f"   {mark} {m.similarity:.3f} {m.topic.name} [{m.topic.category}] <- {m.matched_keyword!r}")
                missed = [t for t in topics if t.topic_id in gold and t.topic_id not in ids[:10]]
                if missed:
                    print("   missed:", "; ".join(t.name for t in missed))
    for wording in WORDINGS:
        group = [r for r in rows if r[0] == wording]
        print(f"{args.split:8} {wording:10} P@5 {statistics.mean(r[1] for r in group):.3f}  "
              f"lenient {statistics.mean(r[2] for r in group):.3f}  R@10 {statistics.mean(r[3] for r in group):.3f}  "
              f"low {sum(r[4] for r in group)}/{len(group)}")


if __name__ == "__main__":
    main()
