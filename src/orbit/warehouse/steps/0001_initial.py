"""Topics, companies, persons, daily signals and daily topic stats."""

# Profiles (companies, persons) are read by id a few rows at a time (preview samples, snapshot
# joins): granules of 1,024 rows make 50 scattered ids read ~50k rows instead of ~370k (the
# preview's profile lookup took 55-105 ms at scale 1 with the default 8,192).
STATEMENTS = [
    """
    CREATE TABLE IF NOT EXISTS topics (
        topic_id UInt32,
        name String,
        type LowCardinality(String),
        industry LowCardinality(String),
        category LowCardinality(String),
        description String,
        keywords Array(String)
    ) ENGINE = MergeTree ORDER BY topic_id
    """,
    """
    CREATE TABLE IF NOT EXISTS companies (
        company_id UInt32,
        name String,
        domain String,
        industry LowCardinality(String),
        industry_group LowCardinality(String),
        size_range LowCardinality(String),
        revenue_range LowCardinality(String),
        city LowCardinality(String),
        state LowCardinality(String),
        country LowCardinality(String),
        linkedin_url String,
        naics LowCardinality(String),
        sic LowCardinality(String)
    ) ENGINE = MergeTree ORDER BY company_id SETTINGS index_granularity = 1024
    """,
    """
    CREATE TABLE IF NOT EXISTS persons (
        person_id UInt32,
        hashed_email FixedString(64),
        business_email String,
        personal_email String,
        first_name String,
        last_name String,
        phone String,
        linkedin_url String,
        headline String,
        job_title String,
        seniority LowCardinality(String),
        department LowCardinality(String),
        age_range LowCardinality(String),
        gender LowCardinality(String),
        city LowCardinality(String),
        state LowCardinality(String),
        zip String,
        country LowCardinality(String),
        is_b2b UInt8,
        is_b2c UInt8,
        company_id UInt32
    ) ENGINE = MergeTree ORDER BY person_id SETTINGS index_granularity = 1024
    """,
    # One row per (day, topic, person). The sort key lets topic and score predicates read only
    # the granules they need; narrow integer columns keep a day at ~30M rows small.
    """
    CREATE TABLE IF NOT EXISTS signals (
        data_date Date,
        topic_id UInt32,
        score UInt8,
        person_id UInt32,
        signal_count UInt16
    ) ENGINE = MergeTree PARTITION BY data_date ORDER BY (topic_id, score, person_id)
    """,
    # Precomputed at ingest so trend, compare and movers never scan raw signals.
    """
    CREATE TABLE IF NOT EXISTS topic_daily_stats (
        data_date Date,
        topic_id UInt32,
        unique_audience UInt32,
        total_signals UInt64,
        avg_score Float64,
        high_audience UInt32,
        medium_audience UInt32,
        low_audience UInt32
    ) ENGINE = MergeTree PARTITION BY data_date ORDER BY (topic_id, data_date)
    """,
]
