"""SQLAlchemy models of the metadata store. Names are singular; timestamps are UTC `*_at`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# One naming convention keeps constraint names equal on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class DataDate(Base):
    """A day of signals in the warehouse; `is_ready` once it is fully loaded with its stats."""

    __tablename__ = "data_date"

    data_date: Mapped[date] = mapped_column(Date, primary_key=True)
    signal_rows: Mapped[int] = mapped_column(BigInteger, default=0)
    is_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DatasetLoad(Base):
    """The latest load of a dimension (topics, companies, persons): its size and file digest."""

    __tablename__ = "dataset_load"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    content_sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Organization(Base):
    """A customer account: owns API keys and, later, audiences, runs and exports."""

    __tablename__ = "organization"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    audience_slots: Mapped[int] = mapped_column(Integer, default=10)
    # Active audiences; changed only by conditional UPDATEs so two activations cannot both
    # take the last slot.
    used_slots: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApiKey(Base):
    """An organization's API key, stored only as a SHA-256 hash plus a display prefix."""

    __tablename__ = "api_key"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Audience(Base):
    """A saved audience: its normalized config and lifecycle status. Active ones hold a slot."""

    __tablename__ = "audience"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)  # normalized: what runs use
    written_config: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # as the client wrote it
    config_hash: Mapped[str] = mapped_column(String(64))
    audience_size: Mapped[int] = mapped_column(BigInteger, default=0)
    last_refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TopicList(Base):
    """A saved list of topics, named uniquely within its organization."""

    __tablename__ = "topic_list"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    topic_ids: Mapped[list[int]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SuppressionList(Base):
    """A list of people (hashed e-mails) and companies (domains) that audiences leave out. Items
    live in the warehouse under (id, version); `version` is the one published (0: never filled),
    `next_version` the last one handed to an upload (each upload writes a version of its own)."""

    __tablename__ = "suppression_list"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=0)
    next_version: Mapped[int] = mapped_column(Integer, default=0)
    item_count: Mapped[int] = mapped_column(BigInteger, default=0)
    kind_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # sha256/sha1/md5/domain → items
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    uploaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Run(Base):
    """One materialization of an audience on a data date; the table is also the run queue."""

    __tablename__ = "run"
    __table_args__ = (
        # At most one queued or running run per audience, enforced by the database.
        Index(
            "uq_run_in_progress", "audience_id", unique=True,
            postgresql_where=text("status IN ('queued', 'running')"),
            sqlite_where=text("status IN ('queued', 'running')"),
        ),
        Index("ix_run_due", "status", "next_attempt_at"),
        Index("ix_run_audience_created", "audience_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(36), ForeignKey("organization.id", ondelete="CASCADE"))
    audience_id: Mapped[str] = mapped_column(String(36), ForeignKey("audience.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    run_type: Mapped[str] = mapped_column(String(16))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)  # the normalized config at queue time
    config_hash: Mapped[str] = mapped_column(String(64))
    data_date: Mapped[date] = mapped_column(Date)
    # Names and facets of the run's topics as they were when it ran: a snapshot never changes.
    topics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    candidate_count: Mapped[int] = mapped_column(BigInteger, default=0)
    result_count: Mapped[int] = mapped_column(BigInteger, default=0)
    kept_rows: Mapped[int] = mapped_column(BigInteger, default=0)
    # People who matched the audience but were left out by its suppression lists (docs/suppression.md).
    suppressed_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(120), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    query_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # What changed since the audience's previous completed run, counted when this one completed
    # (docs/runs.md "Changes"); all null when there was none. A plain id, not a foreign key: the
    # counts stay when that run is deleted.
    previous_run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    changes_new: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    changes_dropped: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    changes_changed: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    changes_min_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class IdempotencyKey(Base):
    """An `Idempotency-Key` of `POST …/runs`, scoped to the organization, kept 24 hours."""

    __tablename__ = "idempotency_key"

    organization_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    audience_id: Mapped[str] = mapped_column(String(36))
    run_id: Mapped[str] = mapped_column(String(36))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Export(Base):
    """A stored export of a completed run: Orbit's CSV or an ad platform's upload file, of the
    run's rows or of what changed since its previous run."""

    __tablename__ = "export"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(36), ForeignKey("organization.id", ondelete="CASCADE"))
    audience_id: Mapped[str] = mapped_column(String(36), ForeignKey("audience.id", ondelete="CASCADE"))
    run_id: Mapped[str] = mapped_column(String(36), ForeignKey("run.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    storage_provider: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(64))
    byte_size: Mapped[int] = mapped_column(BigInteger, default=0)
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    bucket_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    file_name: Mapped[str] = mapped_column(String(512))
    content_sha1: Mapped[str | None] = mapped_column(String(40), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # What the file holds (exports/formats.py); the defaults are what every export held before.
    export_type: Mapped[str] = mapped_column(String(16), default="csv", server_default="csv")
    source: Mapped[str] = mapped_column(String(16), default="results", server_default="results")
    change_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)  # changes; None: all kinds
    min_score_change: Mapped[int | None] = mapped_column(Integer, nullable=True)  # changes only
    previous_run_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # changes only
    skipped_row_count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    truncated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SiteAnalysis(Base):
    """A site analysis run with credentials, kept as the organization's site-topic history."""

    __tablename__ = "site_analysis"
    __table_args__ = (Index("ix_site_analysis_org_created", "organization_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(36), ForeignKey("organization.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))  # as asked for
    final_url: Mapped[str] = mapped_column(String(2048))  # after redirects
    company: Mapped[str | None] = mapped_column(String(255), nullable=True)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    keywords: Mapped[list[str]] = mapped_column(JSON)
    # The matches as answered: [{topicId, topicName, type, industry, category, similarity, matchedKeyword,
    # evidence}]
    topics: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[str | None] = mapped_column(String(8), nullable=True)  # null: stored before 0006
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebhookEndpoint(Base):
    """A URL an organization receives events at. Its signing secret is never stored: it is derived
    from the server key and `secret_nonce` (orbit.webhooks.signing)."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(500), default="")
    events: Mapped[list[str]] = mapped_column(JSON)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    secret_nonce: Mapped[str] = mapped_column(String(64))
    # The secret before the last rotation, still signing beside the new one until it expires.
    previous_secret_nonce: Mapped[str | None] = mapped_column(String(64), nullable=True)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebhookEvent(Base):
    """An event as sent (the outbox): written in the transaction of the change it reports."""

    __tablename__ = "webhook_event"
    __table_args__ = (Index("ix_webhook_event_created", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(36), ForeignKey("organization.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)  # the exact JSON bytes that are signed and sent
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebhookDelivery(Base):
    """One event to one endpoint; the table is also the delivery queue (claims with leases)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint_created", "endpoint_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(36), ForeignKey("organization.id", ondelete="CASCADE"))
    endpoint_id: Mapped[str] = mapped_column(String(36), ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(36), ForeignKey("webhook_event.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Retries end `retry_window_seconds` after `created_at` (a replay is a new delivery).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_response_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_response_excerpt: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    replay_of: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
