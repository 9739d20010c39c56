"""SQLAlchemy models of the metadata store. Names are singular; timestamps are UTC `*_at`."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# One naming convention keeps constraint names equal on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class DataDate(Base):
    """A day of signals in the warehouse; `is_ready` once it is fully loaded with its stats."""

    __tablename__ = "data_date"

    data_date: Mapped[date] = mapped_column(Date, primary_key=True)
    signal_rows: Mapped[int] = mapped_column(BigInteger, default=0)
    is_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DatasetLoad(Base):
    """The latest load of a dimension (topics, companies, persons): its size and file digest."""

    __tablename__ = "dataset_load"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    content_sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
