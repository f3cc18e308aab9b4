"""ORM models of the state database (SQLAlchemy 2, typed ``Mapped[...]``).

The schema itself is created by the Alembic migrations in `connectors.state.migrations`; these
models describe the head revision and are checked against it by the tests.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import JSON, TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored as UTC and always read back timezone-aware.

    PostgreSQL keeps ``timestamptz`` and returns it in the session time zone; SQLite has no zone
    at all. Both are normalised to UTC here, and naive values are refused on the way in so a local
    time can never be stored as if it were UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        value = value.astimezone(UTC)
        # SQLite stores the text without an offset; make that explicit.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# BIGINT primary keys on PostgreSQL; INTEGER on SQLite so the key is the rowid (autoincrement).
BigId = BigInteger().with_variant(Integer(), "sqlite")
JsonDoc = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

INBOX_STATUSES = "'pending', 'dispatched', 'processing', 'done', 'failed'"
DEAD_LETTER_STATUSES = "'open', 'replayed', 'resolved', 'ignored'"


class Base(DeclarativeBase):
    """Declarative base of the state models."""


class XrefRow(Base):
    """The binder: a source record ⇄ a target object."""

    __tablename__ = "xref"
    __table_args__ = (
        UniqueConstraint(
            "system",
            "entity",
            "external_id",
            "target_system",
            "target_entity",
            name="uq_xref_source_target",
        ),
        Index("ix_xref_target", "target_system", "target_entity", "target_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    system: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(255))
    target_system: Mapped[str] = mapped_column(String(32))
    target_entity: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(255))
    payload_hash: Mapped[str | None] = mapped_column(String(128))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WatermarkRow(Base):
    """The committed high-water mark of one incremental stream."""

    __tablename__ = "watermarks"

    stream: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    flow_run_id: Mapped[str | None] = mapped_column(String(255))


class InboxRow(Base):
    """A received webhook delivery, stored before the gateway answers 2xx."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("delivery_key", name="uq_inbox_delivery_key"),
        CheckConstraint(f"status IN ({INBOX_STATUSES})", name="ck_inbox_status"),
        Index("ix_inbox_source_status", "source", "status", "id"),
        Index("ix_inbox_status_updated", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))
    delivery_key: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(128))
    resource_id: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[Any | None] = mapped_column(JsonDoc)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    flow_run_id: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InboxRouteRow(Base):
    """One subscriber's copy of an inbox event: a (use case, target) with its own claim."""

    __tablename__ = "inbox_routes"
    __table_args__ = (
        UniqueConstraint("event_id", "use_case", "target", name="uq_inbox_routes_event"),
        CheckConstraint(f"status IN ({INBOX_STATUSES})", name="ck_inbox_routes_status"),
        Index("ix_inbox_routes_claim", "use_case", "source", "target", "status", "id"),
        Index("ix_inbox_routes_status_updated", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("inbox.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))
    use_case: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    flow_run_id: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MetaRow(Base):
    """Small key-value facts of the state database (e.g. its pseudonymisation key)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeadLetterRow(Base):
    """A record that failed to load; at most one OPEN row per record and flow."""

    __tablename__ = "dead_letters"
    __table_args__ = (
        CheckConstraint(f"status IN ({DEAD_LETTER_STATUSES})", name="ck_dead_letters_status"),
        Index(
            "uq_dead_letters_open",
            "flow",
            "system",
            "entity",
            "external_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_dead_letters_status_flow", "status", "flow"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    flow: Mapped[str] = mapped_column(String(100))
    system: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(255))
    error_class: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    payload: Mapped[Any | None] = mapped_column(JsonDoc)
    flow_run_id: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="open")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeadLetterReviewRow(Base):
    """What makes a dead letter a review item (revision 0007): the record was held for a
    person's decision as `held_as` (its error class then); while the letter's error class is
    still that, the letter is a review. Findings carry no personal data; `other` (the other
    side to compare with) is masked as stored, like the letter's payload."""

    __tablename__ = "dead_letter_reviews"

    dead_letter_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("dead_letters.id", ondelete="CASCADE"), primary_key=True
    )
    held_as: Mapped[str] = mapped_column(String(100))
    findings: Mapped[Any | None] = mapped_column(JsonDoc)
    other: Mapped[Any | None] = mapped_column(JsonDoc)
    decision: Mapped[str | None] = mapped_column(String(255))  # accept, create, link:<id>
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AnomalyMemoryRow(Base):
    """What the anomaly checks remember of one source record per (use case, pair) stream: the
    stock or prices the target last got, or an order's features (no personal data)."""

    __tablename__ = "anomaly_memory"
    __table_args__ = (Index("ix_anomaly_memory_stream_observed", "stream", "observed_at"),)

    stream: Mapped[str] = mapped_column(String(200), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[Any] = mapped_column(JsonDoc)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LeaseRow(Base):
    """Who runs a (use case, pair) now, until when (renewed while the run is alive)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeltaLinkRow(Base):
    """Where a change-tracked table was last read (a delta link), per use case, pair and table;
    `staged` waits for its run's watermark to commit (`watermark_stream`, `staged_until`)."""

    __tablename__ = "delta_links"
    __table_args__ = (Index("ix_delta_links_watermark_stream", "watermark_stream"),)

    stream: Mapped[str] = mapped_column(String(200), primary_key=True)
    watermark_stream: Mapped[str | None] = mapped_column(String(200))
    link: Mapped[str | None] = mapped_column(Text)
    staged: Mapped[str | None] = mapped_column(Text)
    staged_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    flow_run_id: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
