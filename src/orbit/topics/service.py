"""Topic discovery logic over the in-memory inventory and the precomputed daily topic stats."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from orbit.datasets import service as datasets
from orbit.errors import NotFound, ValidationFailed
from orbit.topics.inventory import Inventory, Neighbours
from orbit.warehouse import topics as topics_sql
from orbit.warehouse.backend import Warehouse
from orbit.warehouse.topics import DailyStat, TopicRow

DEFAULT_TREND_DAYS = 30
MOVERS_MIN_AUDIENCE = 10  # below this, day-over-day percentages are noise


@dataclass(frozen=True, slots=True)
class Snapshot:
    inventory: Inventory
    dates: list[date]  # ready signal days, oldest first
    version: str
    stamp: datasets.CatalogStamp  # what was loaded; later domains key their own caches on it


class TopicCatalog:
    """The inventory and ready days, kept in memory and reloaded when an ingest changed them.

    The metadata stamp is checked at most once per `check_every` seconds, so a request
    normally touches neither store for topic lookups.
    """

    def __init__(self, wh: Warehouse, sessions: sessionmaker[Session], *, check_every: float = 2.0) -> None:
        self._wh = wh
        self._sessions = sessions
        self._check_every = check_every
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._stamp: datasets.CatalogStamp | None = None
        self._checked = 0.0

    def current(self) -> Snapshot:
        now = time.monotonic()
        if self._snapshot is not None and now - self._checked < self._check_every:
            return self._snapshot
        with self._lock:
            if self._snapshot is not None and now - self._checked < self._check_every:
                return self._snapshot
            with self._sessions() as session:
                stamp = datasets.catalog_stamp(session)
                if self._snapshot is None or stamp != self._stamp:
                    dates = datasets.ready_dates(session)
                    same_topics = (
                        self._snapshot is not None
                        and self._stamp is not None
                        and stamp.topics_version == self._stamp.topics_version
                    )
                    inventory = (
                        self._snapshot.inventory
                        if same_topics and self._snapshot is not None
                        else Inventory(topics_sql.all_topics(self._wh))
                    )
                    version = f"t{stamp.topics_version}-d{stamp.ready_days}-{stamp.newest_day_loaded_at}"
                    self._snapshot = Snapshot(inventory, dates, version, stamp)
                    self._stamp = stamp
            self._checked = time.monotonic()
            return self._snapshot

    def refresh(self) -> Snapshot:
        """Re-read the stamp now rather than within `check_every`: an ingest in this process
        has just finished, and its caller is told the day is ready."""
        with self._lock:
            self._checked = float("-inf")
        return self.current()


@dataclass(frozen=True, slots=True)
class TrendPoint:
    day: date
    unique_audience: int
    total_signals: int
    avg_score: float
    high_audience: int
    medium_audience: int
    low_audience: int


@dataclass(frozen=True, slots=True)
class TopicTrend:
    topic: TopicRow
    points: list[TrendPoint]


@dataclass(frozen=True, slots=True)
class Mover:
    topic: TopicRow
    today_audience: int
    yesterday_audience: int
    pct_change: float


@dataclass(frozen=True, slots=True)
class Page:
    items: list[TopicRow]
    total: int


def browse(
    snap: Snapshot,
    *,
    type_: str | None,
    industry: str | None,
    category: str | None,
    q: str | None,
    limit: int,
    offset: int,
) -> Page:
    hits = snap.inventory.browse(type_=type_, industry=industry, category=category, q=q)
    return Page(hits[offset : offset + limit], len(hits))


def search(
    snap: Snapshot, *, q: str, type_: str | None, industry: str | None, limit: int, neighbours: Neighbours | None = None
) -> list[TopicRow]:
    """Lexical matches, merged with matches by meaning when `neighbours` is given (the topic
    index is built); exact names and name prefixes always come first."""
    if not q.strip():
        raise ValidationFailed.field("q", "q must contain at least one non-space character")
    return snap.inventory.search(q, type_=type_, industry=industry, limit=limit, neighbours=neighbours)


def get_topic(snap: Snapshot, topic_id: int) -> TopicRow:
    topic = snap.inventory.get(topic_id)
    if topic is None:
        raise NotFound(f"topic {topic_id} does not exist")
    return topic


def _window(snap: Snapshot, days: int) -> list[date]:
    return snap.dates[-days:]


def _trends(wh: Warehouse, snap: Snapshot, topics: Sequence[TopicRow], days: int) -> list[TopicTrend]:
    window = _window(snap, days)
    if not window:
        return [TopicTrend(t, []) for t in topics]
    stats = topics_sql.daily_stats(
        wh, topic_ids=[t.topic_id for t in topics], date_from=window[0], date_to=window[-1]
    )
    by_key: dict[tuple[int, date], DailyStat] = {(s.topic_id, s.data_date): s for s in stats}
    out = []
    for t in topics:
        points = []
        for day in window:
            s = by_key.get((t.topic_id, day))
            # A ready day without signals for this topic is a real zero, not a gap.
            points.append(
                TrendPoint(day, 0, 0, 0.0, 0, 0, 0)
                if s is None
                else TrendPoint(
                    day, s.unique_audience, s.total_signals, round(s.avg_score, 2),
                    s.high_audience, s.medium_audience, s.low_audience,
                )
            )
        out.append(TopicTrend(t, points))
    return out


def trend(wh: Warehouse, snap: Snapshot, *, topic_id: int, days: int = DEFAULT_TREND_DAYS) -> TopicTrend:
    """Daily stats of one topic over the newest `days` ready days; NotFound for unknown ids."""
    return _trends(wh, snap, [get_topic(snap, topic_id)], days)[0]


def compare(wh: Warehouse, snap: Snapshot, *, topic_ids: Sequence[int], days: int = DEFAULT_TREND_DAYS) -> list[TopicTrend]:
    """Trends of 1..10 topics side by side; ValidationFailed names each unknown or repeated id."""
    problems = []
    seen: set[int] = set()
    for i, tid in enumerate(topic_ids):
        if tid in seen:
            problems.append({"field": f"topicIds[{i}]", "message": f"topic {tid} is listed twice"})
        elif snap.inventory.get(tid) is None:
            problems.append({"field": f"topicIds[{i}]", "message": f"topic {tid} does not exist"})
        seen.add(tid)
    if problems:
        raise ValidationFailed("some topic ids are invalid", details=problems)
    return _trends(wh, snap, [snap.inventory.by_id[t] for t in topic_ids], days)


def movers(
    wh: Warehouse,
    snap: Snapshot,
    *,
    direction: str,
    type_: str | None,
    industry: str | None,
    limit: int,
) -> tuple[list[Mover], date | None, date | None]:
    """Topics whose audience changed most from the previous ready day to the newest one.

    Returns the movers plus the two dates compared (None when fewer than two days are ready).
    """
    if len(snap.dates) < 2:
        return [], (snap.dates[-1] if snap.dates else None), None
    today, yesterday = snap.dates[-1], snap.dates[-2]
    inv = snap.inventory
    allowed: list[int] = []
    if (type_ and type_ != "both") or industry:
        allowed = [t.topic_id for t in inv.browse(type_=type_, industry=industry)]
        if not allowed:
            return [], today, yesterday
    rows = topics_sql.movers(
        wh, today=today, yesterday=yesterday, up=direction == "up", topic_ids=allowed,
        min_audience=MOVERS_MIN_AUDIENCE, limit=limit,
    )
    found = [
        Mover(inv.by_id[r.topic_id], r.today_audience, r.yesterday_audience, r.pct_change)
        for r in rows
        if r.topic_id in inv.by_id
    ]
    return found, today, yesterday
