"""Every `ORBIT_*` setting in one place. Nothing else in Orbit reads the environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class WarehouseSettings(BaseModel):
    """Where the OLAP store lives: chDB files under the data directory, or a ClickHouse server."""

    backend: Literal["chdb", "clickhouse"] = "chdb"
    # chDB: directory of the embedded warehouse; default `<data_dir>/warehouse`.
    path: Path | None = None
    # ClickHouse server, e.g. http://user:pass@127.0.0.1:8123
    url: SecretStr | None = None
    database: str = Field(default="orbit", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
    # Per-query time limits (seconds): reads answer users, ingest moves whole days.
    query_timeout_s: float = Field(default=30.0, gt=0)
    ingest_timeout_s: float = Field(default=1800.0, gt=0)
    # A ClickHouse cluster (a `remote_servers` name): replicated, sharded tables behind Distributed
    # ones (orbit.warehouse.cluster, docs/scale-out.md). Names as the server's config allows them.
    cluster: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,62}$")


class MetadataSettings(BaseModel):
    """The OLTP store: SQLite file by default, PostgreSQL at scale."""

    # SQLAlchemy URL; default `sqlite:///<data_dir>/orbit.db`.
    url: SecretStr | None = None


class AuthSettings(BaseModel):
    """How bearer tokens (JWTs) are verified. API keys need no settings."""

    # HS256 shared secret; or an RS256/ES256 public key (PEM text, or a path to a PEM file);
    # or a JWKS file (keys picked by `kid`). With none set, bearer tokens are refused.
    jwt_secret: SecretStr | None = None
    jwt_public_key: str | None = None
    jwt_jwks_file: Path | None = None
    jwt_algorithms: list[Literal["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384"]] = Field(
        default_factory=list
    )
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    # The claim that names the caller's organization (its id).
    jwt_org_claim: str = "org_id"
    jwt_leeway_s: int = Field(default=30, ge=0, le=300)


class RunsSettings(BaseModel):
    """The run queue and its workers."""

    # Rows kept per run (resultCount may be larger; exports say so).
    result_cap: int = Field(default=300_000, ge=1, le=5_000_000)
    # A worker that stops heart-beating loses its run after this long.
    lease_seconds: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=3, ge=1, le=10)
    # Backoff before retry n is retry_base_seconds * 4**(n-1).
    retry_base_seconds: float = Field(default=30.0, ge=0)
    poll_seconds: float = Field(default=1.0, gt=0)
    # `orbit serve` runs this many worker threads (0: none; use `orbit worker`).
    embedded_workers: int = Field(default=1, ge=0, le=16)
    # How often the scheduler looks for active audiences missing their daily run.
    schedule_seconds: float = Field(default=60.0, gt=0)
    idempotency_hours: float = Field(default=24.0, gt=0)


class ExportSettings(BaseModel):
    """Stored CSV exports: local files behind signed URLs, or an S3-compatible bucket."""

    storage: Literal["local", "s3"] = "local"
    # Local files: `<data_dir>/exports` unless set.
    path: Path | None = None
    # HMAC key of local download URLs; a random key is kept in `<data_dir>/export-signing.key`.
    signing_key: SecretStr | None = None
    url_ttl_seconds: int = Field(default=3600, ge=60, le=7 * 86_400)
    retention_days: int = Field(default=30, ge=1, le=3650)
    # Public base URL of this API, used in local download links.
    public_base_url: str | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_prefix: str = "orbit-exports/"


class DemoSettings(BaseModel):
    """What `orbit demo` / `make run` generate when the warehouse is empty."""

    scale: float = Field(default=0.02, gt=0, le=10)
    days: int = Field(default=14, ge=1, le=120)
    seed: int = 42


def _user_cache_dir() -> Path:
    """$XDG_CACHE_HOME/orbit, else ~/.cache/orbit."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "orbit"


class SiteAnalysisSettings(BaseModel):
    """Site analysis: limits of the safe fetcher and the size of answers and caches."""

    # Tests only: lets 127.0.0.0/8 and ::1 through the address guard so they can serve sites
    # locally. Every other private, link-local, multicast or reserved address stays refused.
    allow_loopback: bool = False
    user_agent: str = "OrbitSiteAnalyzer/1.0 (+https://github.com/orbit-intent/orbit; site analysis)"
    connect_timeout_s: float = Field(default=3.0, gt=0, le=60)
    # Longest wait for the next bytes of a response.
    read_timeout_s: float = Field(default=5.0, gt=0, le=60)
    # Whole fetch of one page (DNS, redirects, body); the analysis as a whole has its own budget.
    page_deadline_s: float = Field(default=8.0, gt=0, le=120)
    analysis_deadline_s: float = Field(default=20.0, gt=0, le=300)
    # Bodies are read up to this size (after decompression), then the fetch stops.
    max_page_bytes: int = Field(default=2 * 1024 * 1024, ge=16 * 1024, le=64 * 1024 * 1024)
    max_redirects: int = Field(default=5, ge=0, le=20)
    # Same-site pages (about, product, pricing, ...) fetched besides the one asked for.
    max_extra_pages: int = Field(default=4, ge=0, le=10)
    max_topics: int = Field(default=20, ge=1, le=100)
    # Analyses kept in memory, keyed by (URL, content hash, topic inventory).
    cache_entries: int = Field(default=512, ge=0, le=100_000)
    # Threads the sentence-embedding model uses for one call (one analysis or one search).
    model_threads: int = Field(default=2, ge=1, le=64)
    # Where topic vectors are cached, one file per inventory and model: a pure function of both,
    # so data directories with the same inventory share it. Embedding a 12,000-topic inventory
    # takes about 40 s on 2 cores; with the cache, a start takes about a second.
    vector_cache_dir: Path = Field(default_factory=lambda: _user_cache_dir() / "topic-vectors")


class RateLimitSettings(BaseModel):
    """Token buckets per API key / bearer subject (anonymous callers: per client IP), per process."""

    enabled: bool = True
    analyze_anonymous_per_minute: int = Field(default=2, ge=1)
    analyze_authenticated_per_minute: int = Field(default=30, ge=1)
    anonymous_per_minute: int = Field(default=120, ge=1)
    authenticated_per_minute: int = Field(default=600, ge=1)
    # Failed authentications per client IP: past it, 429 before any credential lookup.
    failed_auth_per_minute: int = Field(default=20, ge=1)


class OverloadSettings(BaseModel):
    """Load shedding per process: requests beyond what the process can serve promptly get 503
    `OVERLOADED` with Retry-After at once, so the accepted ones stay fast (see docs/operations)."""

    enabled: bool = True
    # Requests served at once; more wait up to `queue_wait_ms` for a place, then get 503.
    # Work is CPU-bound on a few cores: more at once only makes each one slower.
    max_in_flight: int = Field(default=8, ge=1)
    # Of those, heavy ones (preview, ad-hoc queries, site analysis, topic search) at once.
    heavy_in_flight: int = Field(default=2, ge=1)
    queue_wait_ms: int = Field(default=250, ge=0)
    max_queue: int = Field(default=256, ge=0)  # waiting requests beyond this are refused at once
    retry_after_s: int = Field(default=1, ge=1)


class ServingSettings(BaseModel):
    """The in-memory serving index of the newest day (orbit.serving): previews and run counts
    answered from numpy arrays instead of warehouse statements (docs/serving.md)."""

    enabled: bool = True
    # Above this estimate the index is not built and everything stays on the SQL path.
    memory_budget_mb: int = Field(default=4096, ge=0)
    # Answers (config, page) remembered per index; 0 turns it off (benchmarks measure cold work).
    answer_cache_entries: int = Field(default=512, ge=0, le=100_000)


class IngestSettings(BaseModel):
    """How `orbit ingest` reaches a running `orbit serve`, and the folder the server watches."""

    # `orbit serve` answers a local control channel (a Unix socket, owner only) so that
    # `orbit ingest` on the same data directory hands the load to it instead of failing on the
    # embedded warehouse that the server holds. False: the server does not listen.
    control: bool = True
    # The socket; default `<data_dir>/control.sock`. Its token sits beside it (`<socket>.token`).
    # A Unix socket path holds at most 107 bytes: set this when the data directory is deeper.
    control_socket: Path | None = None
    # A folder `orbit serve` polls for data sets to load (the `orbit datagen` layout, one
    # sub-directory per drop, moved in whole); None: nothing is watched.
    watch_dir: Path | None = None
    watch_seconds: float = Field(default=10.0, gt=0, le=3600)


class WebhookSettings(BaseModel):
    """Webhook endpoints and their deliverer (orbit.webhooks, docs/webhooks.md)."""

    # Server key from which every endpoint's signing secret is derived (HMAC of the endpoint id
    # and a random nonce), so the metadata store holds nothing that signs. Unset: a random key
    # kept in `<data_dir>/webhook-secret.key`. Set the same value on every host.
    secret_key: SecretStr | None = None
    # Development and tests only (refused in production): http:// URLs, and loopback targets.
    allow_http: bool = False
    allow_loopback: bool = False
    max_endpoints: int = Field(default=16, ge=1, le=1000)  # per organization
    # One attempt: connect, send and read the answer, each bounded by this.
    timeout_s: float = Field(default=10.0, gt=0, le=60)
    # Backoff before retry n is min(base * 2**(n-1), max_delay), times a jitter in [0.5, 1].
    retry_base_seconds: float = Field(default=30.0, ge=0)
    retry_max_delay_seconds: float = Field(default=3600.0, ge=0)
    # A delivery not accepted within this window after it was created is `failed`.
    retry_window_seconds: float = Field(default=86_400.0, gt=0)
    # Deliverer threads per `orbit serve` / `orbit worker` process (0: this process delivers none).
    concurrency: int = Field(default=4, ge=0, le=64)
    poll_seconds: float = Field(default=1.0, gt=0)
    # After `rotate-secret`, deliveries are signed with the old secret too for this long.
    rotation_grace_seconds: int = Field(default=86_400, ge=0, le=7 * 86_400)
    # Events and deliveries older than this are deleted once final.
    retention_days: int = Field(default=30, ge=1, le=3650)


class SuppressionSettings(BaseModel):
    """Suppression list uploads (docs/suppression.md)."""

    # Entries per upload and per list.
    max_entries: int = Field(default=1_000_000, ge=1, le=10_000_000)
    # CSV bodies of the items path are streamed, so they may exceed `max_body_bytes`: 1M entries
    # of CRM exports with a few other columns stay well below this. JSON bodies are parsed whole
    # and keep `max_body_bytes` (1 MiB: ~15,000 hashes); larger lists go as CSV.
    max_upload_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)


class Settings(BaseSettings):
    """Process-wide settings, built once at each entry point and passed down."""

    model_config = SettingsConfigDict(
        env_prefix="ORBIT_", env_nested_delimiter="__", extra="ignore"
    )

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # Request bodies above this answer 413 before they are parsed.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # The topic catalogue changes only on ingest; clients may cache it this long.
    topics_cache_seconds: int = Field(default=86_400, ge=0)
    warehouse: WarehouseSettings = Field(default_factory=WarehouseSettings)
    metadata: MetadataSettings = Field(default_factory=MetadataSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    runs: RunsSettings = Field(default_factory=RunsSettings)
    exports: ExportSettings = Field(default_factory=ExportSettings)
    demo: DemoSettings = Field(default_factory=DemoSettings)
    site_analysis: SiteAnalysisSettings = Field(default_factory=SiteAnalysisSettings)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    overload: OverloadSettings = Field(default_factory=OverloadSettings)
    serving: ServingSettings = Field(default_factory=ServingSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    suppression: SuppressionSettings = Field(default_factory=SuppressionSettings)

    @model_validator(mode="after")
    def _server_backend_needs_a_url(self) -> Settings:
        if self.warehouse.backend == "clickhouse" and self.warehouse.url is None:
            raise ValueError("ORBIT_WAREHOUSE__URL is required for the clickhouse backend")
        return self

    @model_validator(mode="after")
    def _cluster_needs_a_server(self) -> Settings:
        if self.warehouse.cluster is not None and self.warehouse.backend != "clickhouse":
            raise ValueError(
                "ORBIT_WAREHOUSE__CLUSTER needs ORBIT_WAREHOUSE__BACKEND=clickhouse: the embedded chDB "
                "warehouse is one process, not a cluster"
            )
        return self

    @model_validator(mode="after")
    def _production_needs_strong_secrets(self) -> Settings:
        secret = self.auth.jwt_secret
        if self.env == "production" and secret is not None and len(secret.get_secret_value()) < 32:
            raise ValueError("ORBIT_AUTH__JWT_SECRET must be at least 32 characters in production")
        return self

    @model_validator(mode="after")
    def _production_webhooks_are_public_https(self) -> Settings:
        if self.env == "production" and (self.webhooks.allow_http or self.webhooks.allow_loopback):
            raise ValueError("ORBIT_WEBHOOKS__ALLOW_HTTP and __ALLOW_LOOPBACK are for development and tests only")
        return self

    @property
    def warehouse_path(self) -> Path:
        return self.warehouse.path or self.data_dir / "warehouse"

    @property
    def control_socket(self) -> Path:
        return self.ingest.control_socket or self.data_dir / "control.sock"

    @property
    def metadata_url(self) -> str:
        if self.metadata.url is not None:
            return self.metadata.url.get_secret_value()
        return f"sqlite:///{(self.data_dir / 'orbit.db').resolve()}"


class McpSettings(BaseSettings):
    """`orbit mcp`: the MCP server is a client of an Orbit API, so it reads only where that API is
    and the caller's credentials (not the server's settings: it opens no store)."""

    model_config = SettingsConfigDict(env_prefix="ORBIT_", extra="ignore")

    base_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://")
    api_key: SecretStr | None = None
    bearer_token: SecretStr | None = None
    # How long a `start_run_and_wait` tool call may wait for its run before answering "still running".
    mcp_wait_seconds: float = Field(default=120.0, gt=0, le=3600)
    mcp_timeout_seconds: float = Field(default=60.0, gt=0, le=600)  # one API request
