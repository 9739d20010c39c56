"""Suppression lists: the published items of each list version, and the staging rows of uploads."""

STATEMENTS = [
    # One row per distinct (kind, value) of a list version. Applying lists reads only the ranges
    # of their (list_id, version) and of one kind at a time: the order key makes each a
    # primary-key range. An upload writes version n+1 whole (old items plus new), so readers of
    # version n are never disturbed; older versions are deleted after the next publication.
    """
    CREATE TABLE IF NOT EXISTS suppression_items (
        list_id String,
        version UInt32,
        kind LowCardinality(String),
        value String
    ) ENGINE = MergeTree ORDER BY (list_id, version, kind, value)
    """,
    # Normalized lines of uploads in progress, by upload id; deleted once published or refused.
    """
    CREATE TABLE IF NOT EXISTS suppression_staging (
        upload_id String,
        kind LowCardinality(String),
        value String
    ) ENGINE = MergeTree ORDER BY (upload_id, kind, value)
    """,
]
