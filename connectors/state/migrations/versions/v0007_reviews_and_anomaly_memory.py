"""Review items among the dead letters, and what the anomaly checks remember per pair.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

A dead letter is either an *error* (a record that failed to load: every letter so far) or a
*review* item: a record held for a person's decision instead of loaded (an order flagged as an
anomaly, a customer that may duplicate one the target holds). ``dead_letter_reviews`` holds, per
letter, what made it a review: ``held_as`` (the letter's error class when it was held; while the
letter still has it, the letter is a review, so a later failure of the record makes it an error
again without touching this row), ``findings`` (why: plain JSON without personal data, e.g. the
anomaly flags with rule, score and reasons), ``other`` (the other side of a side-by-side
comparison, ``{"ref": "system:entity:id", "payload": {...}}``, the payload masked as stored like
the letter's) and the reviewer's ``decision`` (``accept``, ``create``, ``link:<target id>``),
which the next load of the record honours. ``dead_letters`` itself does not change: a record
still has at most one open letter per flow, of either kind.

``anomaly_memory`` keeps, per (use case, pair) stream and source record, the value the anomaly
checks compare with next time: the sellable stock or the prices the target last got, and a
bounded sample of recent orders' features (totals, counts, country codes: no personal data).

Downgrade drops both tables: review items become plain dead letters, the checks start afresh.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)


def upgrade() -> None:
    """Create dead_letter_reviews and anomaly_memory."""
    op.create_table(
        "dead_letter_reviews",
        sa.Column(
            "dead_letter_id",
            ID,
            sa.ForeignKey("dead_letters.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("held_as", sa.String(100), nullable=False),
        sa.Column("findings", JSON_DOC, nullable=True),
        sa.Column("other", JSON_DOC, nullable=True),
        sa.Column("decision", sa.String(255), nullable=True),
        sa.Column("updated_at", UTC_TIME, nullable=False),
    )
    op.create_table(
        "anomaly_memory",
        sa.Column("stream", sa.String(200), primary_key=True),
        sa.Column("external_id", sa.String(255), primary_key=True),
        sa.Column("value", JSON_DOC, nullable=False),
        sa.Column("observed_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
    )
    op.create_index(
        "ix_anomaly_memory_stream_observed", "anomaly_memory", ["stream", "observed_at"]
    )


def downgrade() -> None:
    """Drop anomaly_memory and dead_letter_reviews (review items stay as plain letters)."""
    op.drop_index("ix_anomaly_memory_stream_observed", table_name="anomaly_memory")
    op.drop_table("anomaly_memory")
    op.drop_table("dead_letter_reviews")
