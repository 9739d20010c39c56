"""Warehouse reads behind topic discovery: the inventory and the precomputed daily stats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from orbit.warehouse.backend import Warehouse
from orbit.warehouse.statement import Statement

ALL_TOPICS = """
SELECT topic_id, name, type, industry, category, description, keywords
FROM topics ORDER BY topic_id
"""

# Daily stats of some topics over a date window: one row per (topic, day) that had signals.
DAILY_STATS = """
SELECT topic_id, data_date, unique_audience, total_signals, avg_score,
       high_audience, medium_audience, low_audience
FROM topic_daily_stats
WHERE topic_id IN {topic_ids:Array(UInt32)}
  AND data_date BETWEEN {date_from:Date} AND {date_to:Date}
ORDER BY topic_id, data_date
"""

# Day-over-day movers: audience of each topic on two dates, filtered, ranked and cut in SQL so
# only `limit` rows reach Python. Two texts, one per direction (the ORDER BY is not a value).
_MOVERS = """
SELECT topic_id, today_audience, yesterday_audience,
       round((toInt64(today_audience) - toInt64(yesterday_audience)) * 100.0 / yesterday_audience, 2) AS pct_change
FROM (
    SELECT topic_id,
           sumIf(unique_audience, data_date = {{today:Date}}) AS today_audience,
           sumIf(unique_audience, data_date = {{yesterday:Date}}) AS yesterday_audience
    FROM topic_daily_stats
    WHERE data_date IN ({{today:Date}}, {{yesterday:Date}})
      AND (empty({{topic_ids:Array(UInt32)}}) OR has({{topic_ids:Array(UInt32)}}, topic_id))
    GROUP BY topic_id
)
WHERE yesterday_audience >= {{min_audience:UInt32}} AND today_audience {compare} yesterday_audience
ORDER BY pct_change {order}, today_audience DESC, topic_id
LIMIT {{limit:UInt32}}
"""
MOVERS_UP = _MOVERS.format(compare=">", order="DESC")
MOVERS_DOWN = _MOVERS.format(compare="<", order="ASC")


@dataclass(frozen=True, slots=True)
class TopicRow:
    topic_id: int
    name: str
    type: str
    industry: str
    category: str
    description: str
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DailyStat:
    topic_id: int
    data_date: date
    unique_audience: int
    total_signals: int
    avg_score: float
    high_audience: int
    medium_audience: int
    low_audience: int


def all_topics(wh: Warehouse) -> list[TopicRow]:
    rows = wh.query(Statement(ALL_TOPICS)).to_pylist()
    return [
        TopicRow(
            topic_id=int(r["topic_id"]),
            name=str(r["name"]),
            type=str(r["type"]),
            industry=str(r["industry"]),
            category=str(r["category"]),
            description=str(r["description"]),
            keywords=tuple(r["keywords"] or ()),
        )
        for r in rows
    ]


def daily_stats(
    wh: Warehouse, *, topic_ids: Sequence[int], date_from: date, date_to: date
) -> list[DailyStat]:
    stmt = Statement(
        DAILY_STATS, {"topic_ids": list(topic_ids), "date_from": date_from, "date_to": date_to}
    )
    return [DailyStat(**r) for r in wh.query(stmt).to_pylist()]


@dataclass(frozen=True, slots=True)
class MoverRow:
    topic_id: int
    today_audience: int
    yesterday_audience: int
    pct_change: float


def movers(
    wh: Warehouse,
    *,
    today: date,
    yesterday: date,
    up: bool,
    topic_ids: Sequence[int],
    min_audience: int,
    limit: int,
) -> list[MoverRow]:
    """Topics whose audience rose (`up`) or fell most from `yesterday` to `today`, best first.

    An empty `topic_ids` means every topic; topics below `min_audience` on `yesterday` are skipped.
    """
    stmt = Statement(
        MOVERS_UP if up else MOVERS_DOWN,
        {"today": today, "yesterday": yesterday, "topic_ids": list(topic_ids), "min_audience": min_audience, "limit": limit},
    )
    return [MoverRow(**r) for r in wh.query(stmt).to_pylist()]
