"""Run snapshots stop being merged into each other once they are large."""

STATEMENTS = [
    # Each run's INSERT writes one part (rank order, one run). Left to the default merge policy,
    # the engine kept rewriting those parts into ever larger ones, each run's bytes again and again:
    # six 300,000-row runs in a row cost 3.3 s of CPU each instead of 1.9 s, taken from the runs,
    # previews and downloads that came next. Small snapshots (a few MB) still merge together, so
    # the number of parts stays low; a large one keeps its own part. Rows removed by DELETE are
    # reclaimed by `APPLY DELETED MASK` (the janitor), which rewrites only the parts that had them.
    "ALTER TABLE run_results MODIFY SETTING max_bytes_to_merge_at_max_space_in_pool = 16777216",
]
