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

# Audience of every topic on two dates, for day-over-day movers.
AUDIENCE_ON_TWO_DATES = """
SELECT topic_id,
       sumIf(unique_audience, data_date = {today:Date}) AS today_audience,
       sumIf(unique_audience, data_date = {yesterday:Date}) AS yesterday_audience
FROM topic_daily_stats
WHERE data_date IN ({today:Date}, {yesterday:Date})
GROUP BY topic_id
"""


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


def audience_on_two_dates(wh: Warehouse, *, today: date, yesterday: date) -> list[tuple[int, int, int]]:
    """(topic_id, today_audience, yesterday_audience) for topics with signals on either date."""
    table = wh.query(Statement(AUDIENCE_ON_TWO_DATES, {"today": today, "yesterday": yesterday}))
    return list(
        zip(
            table.column("topic_id").to_pylist(),
            table.column("today_audience").to_pylist(),
            table.column("yesterday_audience").to_pylist(),
            strict=True,
        )
    )
