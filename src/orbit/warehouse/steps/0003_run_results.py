"""Run snapshots: the ranked, hydrated rows of every materialization attempt."""

STATEMENTS = [
    # One row per (run, attempt, rank). Rows carry the whole profile as it was at run time, so a
    # completed run never changes when people are re-loaded. Only the attempt that metadata marks
    # completed is ever read; others are garbage, deleted by run id.
    """
    CREATE TABLE IF NOT EXISTS run_results (
        run_id String,
        attempt UInt16,
        rank UInt32,
        person_id UInt32,
        score UInt8,
        overlap UInt16,
        topic_ids Array(UInt32),
        hashed_email String,
        first_name String,
        last_name String,
        business_email String,
        personal_email String,
        phone String,
        linkedin_url String,
        headline String,
        job_title String,
        seniority LowCardinality(String),
        department LowCardinality(String),
        age_range LowCardinality(String),
        gender LowCardinality(String),
        city String,
        state LowCardinality(String),
        zip String,
        country LowCardinality(String),
        is_b2b UInt8,
        is_b2c UInt8,
        company_name String,
        company_domain String,
        company_industry LowCardinality(String),
        company_industry_group LowCardinality(String),
        company_size LowCardinality(String),
        company_employee_count UInt32,
        company_revenue_range LowCardinality(String),
        company_city String,
        company_state LowCardinality(String),
        company_country LowCardinality(String),
        company_linkedin_url String,
        company_naics LowCardinality(String),
        company_sic LowCardinality(String)
    ) ENGINE = MergeTree ORDER BY (run_id, attempt, rank)
    """,
]
