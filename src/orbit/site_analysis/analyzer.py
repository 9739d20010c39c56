"""Site analysis end to end: the safe fetch (async), extraction and matching (worker threads),
the answer cache, and storing an authenticated caller's result. No HTTP framework code.

Like `exports/writer.py`, storing owns its transaction (it takes a `sessionmaker`): the request's
`DbSession` would take SQLite's write lock before the handler runs and hold it across seconds of
network I/O, so the short write transaction starts only once the analysis is done.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread
import httpx
from sqlalchemy.orm import Session, sessionmaker

from orbit.errors import SiteFetchFailed, SiteTimeout
from orbit.metadata import db
from orbit.metadata.models import SiteAnalysis
from orbit.settings import SiteAnalysisSettings
from orbit.site_analysis import service
from orbit.site_analysis.addresses import check_url
from orbit.site_analysis.embedding import shared_embedder
from orbit.site_analysis.extract import PageContent, company_name, extract_page, pick_extra_pages, summary
from orbit.site_analysis.fetcher import FetchedPage, FetchLimits, Resolver, SafeFetcher, system_resolver
from orbit.site_analysis.keywords import SiteTerms, site_terms
from orbit.site_analysis.matcher import Answer, BuildCancelled, TopicIndex, shared_index
from orbit.site_analysis.passages import site_passages
from orbit.site_analysis.service import SiteTopics, TopicMatch
from orbit.site_analysis.text import name_stems
from orbit.topics.inventory import Inventory

log = logging.getLogger("orbit.site_analysis")

KEYWORDS_SHOWN = 15
EXTRA_PAGES_MARGIN_S = 1.0  # time left for extraction and matching after the last extra page


@dataclass(frozen=True, slots=True)
class Outcome:
    result: SiteTopics
    cached: bool  # served from the answer cache (same URL, same content, same inventory)
    record: SiteAnalysis | None  # the stored history row, for callers with credentials


def _extract(page: FetchedPage) -> PageContent:
    return extract_page(page.text(), page.url, content_type=page.content_type)


def content_hash(pages: list[PageContent]) -> str:
    """sha256 of the normalized extracted text of every page, home page first."""
    digest = hashlib.sha256()
    for page in pages:
        digest.update(page.normalized_text().encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def site_words(pages: list[PageContent]) -> set[str]:
    """Stems of every word the site uses: what says whether it names a variant's audience."""
    texts: list[str] = []
    for page in pages:
        texts += [page.title, page.description, *page.headings, page.body]
    return {s for text in texts for s in name_stems(text)}


def match_pages(index: TopicIndex, pages: list[PageContent], *, limit: int) -> tuple[str | None, SiteTerms, Answer]:
    """Extracted pages (home page first) → company name, keyphrases and the matched topics."""
    company = company_name(pages, httpx.URL(pages[0].url).host)
    terms = site_terms(pages, index.lexicon, company=company)
    answer = index.match(site_passages(pages), terms.keyphrases, site_words=site_words(pages), limit=limit)
    return company, terms, answer


def shown_keywords(terms: SiteTerms, matched: list[str], known: frozenset[str]) -> list[str]:
    """The keywords answered: those that explain the best topics, then the site's phrases the
    catalogue knows, then its other keyphrases, best first."""
    ordered = [*matched, *(k.text for k in terms.keyphrases if k.key in known), *(k.text for k in terms.keyphrases)]
    return list(dict.fromkeys(k for k in ordered if k))[:KEYWORDS_SHOWN]


class SiteAnalyzer:
    """Analyzes sites for one process: one topic index per inventory version, kept in memory,
    and an LRU cache of answers keyed by (URL, content hash, inventory version)."""

    def __init__(
        self,
        settings: SiteAnalysisSettings,
        *,
        cache_dir: Path | None = None,
        resolver: Resolver = system_resolver,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._limits = FetchLimits.of(settings)
        self._cache_dir = cache_dir
        self._resolver = resolver
        self._transport = transport
        self._index: TopicIndex | None = None
        self._index_version: str | None = None
        self._building: tuple[str, threading.Event] | None = None
        self._closing = threading.Event()
        self._matching = ThreadPoolExecutor(max_workers=1, thread_name_prefix="orbit-matching")
        self._threads: list[threading.Thread] = []
        self._index_lock = threading.Lock()
        self._answers: OrderedDict[tuple[str, str, str], SiteTopics] = OrderedDict()
        self._answers_lock = threading.Lock()
        self.cache_hits = 0

    def prepare(self, inventory: Inventory, version: str) -> None:
        """Start building this inventory version's topic index in a background thread, unless it
        is built or being built. Returns at once."""
        with self._index_lock:
            if self._index_version == version and self._index is not None:
                return
            if self._building is not None and self._building[0] == version:
                return
            done = threading.Event()
            self._building = (version, done)
        thread = threading.Thread(target=self._build, args=(inventory, version, done), name="orbit-topic-index",
                                  daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def close(self, timeout: float = 30.0) -> None:
        """Abandon an index build under way and wait for its thread (between two batches of the
        model), so no model call is running when the process exits."""
        self._closing.set()
        for thread in self._threads:
            thread.join(timeout)
        self._matching.shutdown(wait=True, cancel_futures=True)

    def ready(self, version: str) -> bool:
        """Whether the topic index of this inventory version is built (site analysis and
        semantic topic search answer without waiting)."""
        with self._index_lock:
            return self._index is not None and self._index_version == version

    def _build(self, inventory: Inventory, version: str, done: threading.Event) -> None:
        try:
            started = time.perf_counter()
            embedder = shared_embedder(self.settings.model_threads)
            index = shared_index(inventory.topics, embedder, cache_dir=self._cache_dir, cancel=self._closing)
            with self._index_lock:
                self._index, self._index_version = index, version
            log.info("site analysis: topic index %s built for %d topics in %.1f s", index.key, len(inventory),
                     time.perf_counter() - started)
        except BuildCancelled:
            log.info("site analysis: topic index build abandoned at shutdown")
        except Exception:
            log.exception("site analysis: building the topic index failed")
        finally:
            with self._index_lock:
                if self._building is not None and self._building[1] is done:
                    self._building = None
            done.set()

    def index(self, inventory: Inventory, version: str) -> TopicIndex:
        """The topic index of this inventory version; builds it (or waits for the build under
        way) when it is not ready."""
        while True:
            with self._index_lock:
                if self._index is not None and self._index_version == version:
                    return self._index
                building = self._building
            if building is None or building[0] != version:
                self.prepare(inventory, version)
                continue
            building[1].wait()
            with self._index_lock:
                if self._index is not None and self._index_version == version:
                    return self._index
                if self._building is None:
                    raise RuntimeError("the topic index could not be built; see the log")

    def built(self) -> TopicIndex | None:
        """The newest topic index built, whatever its version (None before the first)."""
        with self._index_lock:
            return self._index

    async def analyze(self, raw_url: str, *, inventory: Inventory, version: str) -> tuple[SiteTopics, bool]:
        """The analysis of the site at `raw_url`, and whether it came from the answer cache.

        Raises ValidationFailed for a bad URL and a SiteFetchFailed subclass (SITE_* codes) when
        the site cannot be fetched safely within the limits.
        """
        url = check_url(raw_url)
        pages = await self._fetch_site(url)
        digest = content_hash(pages)
        key = (str(url), digest, version)
        with self._answers_lock:
            hit = self._answers.get(key)
            if hit is not None:
                self._answers.move_to_end(key)
                self.cache_hits += 1
                return hit, True
        # Matching runs on the analyzer's own thread: it is CPU-bound (the model already uses the
        # cores), and one thread keeps its large temporary arrays in one malloc arena instead of
        # leaving freed memory behind in each of anyio's worker threads.
        result = await asyncio.wrap_future(
            self._matching.submit(self._compute, url, pages, digest, inventory, version))
        if self.settings.cache_entries > 0:
            with self._answers_lock:
                self._answers[key] = result
                while len(self._answers) > self.settings.cache_entries:
                    self._answers.popitem(last=False)
        return result, False

    async def _fetch_site(self, url: httpx.URL) -> list[PageContent]:
        deadline = self.settings.analysis_deadline_s
        started = anyio.current_time()
        extras: dict[str, PageContent] = {}
        try:
            with anyio.fail_after(deadline):
                async with SafeFetcher(self._limits, resolver=self._resolver, transport=self._transport) as fetcher:
                    home = await anyio.to_thread.run_sync(_extract, await fetcher.fetch_page(url))
                    wanted = pick_extra_pages(home, limit=self.settings.max_extra_pages)
                    left = deadline - (anyio.current_time() - started) - EXTRA_PAGES_MARGIN_S
                    if wanted and left > 0:
                        # Extra pages only add detail: whatever is not in by then is left out.
                        with anyio.move_on_after(left):
                            async with anyio.create_task_group() as group:
                                for link in wanted:
                                    group.start_soon(self._extra_page, fetcher, link, extras)
        except TimeoutError:
            raise SiteTimeout(f"the site could not be read within {deadline:g} s", details={"url": str(url)}) from None
        return [home, *(extras[link] for link in sorted(extras))]

    async def _extra_page(self, fetcher: SafeFetcher, link: str, out: dict[str, PageContent]) -> None:
        try:
            page = await fetcher.fetch_page(httpx.URL(link))
        except SiteFetchFailed as exc:
            log.debug("site analysis: skipped %s (%s)", link, exc.code)
            return
        out[link] = await anyio.to_thread.run_sync(_extract, page)

    def _compute(
        self, url: httpx.URL, pages: list[PageContent], digest: str, inventory: Inventory, version: str
    ) -> SiteTopics:
        index = self.index(inventory, version)
        company, terms, answer = match_pages(index, pages, limit=self.settings.max_topics)
        matches = answer.matches
        return SiteTopics(
            url=str(url), final_url=pages[0].url, company=company, summary=summary(pages),
            keywords=shown_keywords(terms, [m.matched_keyword for m in matches], index.lexicon.known_phrases),
            topics=[
                TopicMatch(
                    topic_id=m.topic.topic_id, topic_name=m.topic.name, type=m.topic.type,
                    industry=m.topic.industry, category=m.topic.category, similarity=m.similarity,
                    matched_keyword=m.matched_keyword, evidence=m.evidence,
                )
                for m in matches
            ],
            content_hash=digest, confidence=answer.confidence,
        )


def _record(sessions: sessionmaker[Session], org_id: str, result: SiteTopics) -> SiteAnalysis:
    with sessions.begin() as session:
        db.begin_write(session)
        return service.record_analysis(session, org_id=org_id, result=result)


async def analyze_and_record(
    analyzer: SiteAnalyzer,
    sessions: sessionmaker[Session],
    *,
    url: str,
    inventory: Inventory,
    version: str,
    org_id: str | None,
) -> Outcome:
    """Analyze the site; with an organization, also store the result in its history.

    Raises as `SiteAnalyzer.analyze`. Commits one short transaction (only with `org_id`) after
    the analysis; anonymous calls write nothing.
    """
    result, cached = await analyzer.analyze(url, inventory=inventory, version=version)
    record = None
    if org_id is not None:
        record = await anyio.to_thread.run_sync(_record, sessions, org_id, result)
    return Outcome(result, cached, record)
