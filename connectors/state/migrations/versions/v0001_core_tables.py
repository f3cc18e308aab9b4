"""Create the binder (xref), the watermarks and the webhook inbox.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types (a migration must not change when the models do).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)


def upgrade() -> None:
    """Create xref, watermarks and inbox."""
    _create_xref()
    _create_watermarks()
    _create_inbox()


def _create_xref() -> None:
    op.create_table(
        "xref",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("entity", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("target_system", sa.String(32), nullable=False),
        sa.Column("target_entity", sa.String(64), nullable=False),
        sa.Column("target_id", sa.String(255), nullable=False),
        sa.Column("payload_hash", sa.String(128), nullable=True),
        sa.Column("written_at", UTC_TIME, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.UniqueConstraint(
            "system",
            "entity",
            "external_id",
            "target_system",
            "target_entity",
            name="uq_xref_source_target",
        ),
    )
    op.create_index("ix_xref_target", "xref", ["target_system", "target_entity", "target_id"])


def _create_watermarks() -> None:
    op.create_table(
        "watermarks",
        sa.Column("stream", sa.String(200), primary_key=True),
        sa.Column("value", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("flow_run_id", sa.String(255), nullable=True),
    )


def _create_inbox() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("delivery_key", sa.String(255), nullable=False),
        sa.Column("topic", sa.String(128), nullable=False),
        sa.Column("resource_id", sa.String(255), nullable=True),
        sa.Column("payload", JSON_DOC, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("flow_run_id", sa.String(255), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("received_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.UniqueConstraint("delivery_key", name="uq_inbox_delivery_key"),
        sa.CheckConstraint(
            "status IN ('pending', 'dispatched', 'processing', 'done', 'failed')",
            name="ck_inbox_status",
        ),
    )
    op.create_index("ix_inbox_source_status", "inbox", ["source", "status", "id"])
    op.create_index("ix_inbox_status_updated", "inbox", ["status", "updated_at"])


def downgrade() -> None:
    """Drop inbox, watermarks and xref."""
    op.drop_table("inbox")
    op.drop_table("watermarks")
    op.drop_table("xref")
