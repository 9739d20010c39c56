"""Exact company headcounts (for the number_range filter) and the ICP filter catalogue."""

STATEMENTS = [
    "ALTER TABLE companies ADD COLUMN IF NOT EXISTS employee_count UInt32 AFTER size_range",
    # Values of every catalogue column with the number of people having each, rebuilt whole
    # (stage → swap) whenever people or companies are loaded.
    """
    CREATE TABLE IF NOT EXISTS filter_catalog (
        source LowCardinality(String),
        value String,
        people UInt64,
        build_id String,
        built_at DateTime
    ) ENGINE = MergeTree ORDER BY (source, value)
    """,
]
