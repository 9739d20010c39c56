"""Ranked people of a run computed outside the engine (the serving index), read by its INSERT."""

STATEMENTS = [
    # The serving index ranks a run's people in memory (~0.1 s for 300,000 of 800,000 candidates,
    # where the engine's GROUP BY and sort took 0.2-0.5 s) and loads them here; the snapshot
    # INSERT then only joins the profiles. Rows are read once, right after they are written, so
    # whole parts are dropped a day later (no DELETE, no mutation).
    """
    CREATE TABLE IF NOT EXISTS run_ranks (
        run_id String,
        attempt UInt16,
        rank UInt32,
        person_id UInt32,
        score UInt8,
        overlap UInt16,
        topic_ids Array(UInt32),
        written_at DateTime DEFAULT now()
    ) ENGINE = MergeTree ORDER BY (run_id, attempt, rank)
    TTL written_at + INTERVAL 1 DAY SETTINGS ttl_only_drop_parts = 1
    """,
]
