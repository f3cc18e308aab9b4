"""Inbox subscriptions: one route per (event, use case, target), each with its own claim.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

An event is stored once; the gateway adds a route for every (use case, target) subscribed to its
(source, topic). Routes carry the life cycle (pending → dispatched → processing → done | failed),
so one store feeding two back offices, or an order and a customer event, never steal or misread
each other's events. Existing events get a route to the order-to-cash use case of the target they
were stored for (the only subscription before this revision): `GATEWAY_SHIFT4SHOP_TARGET`, which
defaulted to salesforce.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_TIME = sa.DateTime(timezone=True)
STATUSES = "'pending', 'dispatched', 'processing', 'done', 'failed'"


def upgrade() -> None:
    """Create inbox_routes (and route old events), and the key-value table meta."""
    op.create_table(
        "inbox_routes",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("event_id", ID, sa.ForeignKey("inbox.id", ondelete="CASCADE"), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("use_case", sa.String(64), nullable=False),
        sa.Column("target", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("flow_run_id", sa.String(255), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.UniqueConstraint("event_id", "use_case", "target", name="uq_inbox_routes_event"),
        sa.CheckConstraint(f"status IN ({STATUSES})", name="ck_inbox_routes_status"),
    )
    op.create_index(
        "ix_inbox_routes_claim", "inbox_routes", ["use_case", "source", "target", "status", "id"]
    )
    op.create_index("ix_inbox_routes_status_updated", "inbox_routes", ["status", "updated_at"])
    op.execute(
        "INSERT INTO inbox_routes (event_id, source, use_case, target, status, attempts, "
        "flow_run_id, last_error, created_at, updated_at) "
        "SELECT id, source, 'order-to-cash', 'salesforce', status, attempts, flow_run_id, "
        "last_error, received_at, updated_at FROM inbox"
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
    )


def downgrade() -> None:
    """Drop inbox_routes and meta; an event's life cycle goes back onto its inbox row (the
    furthest of its routes: one still open keeps it open), so finished events stay finished."""
    op.drop_table("meta")
    for status in ("done", "failed", "dispatched", "processing", "pending"):
        op.execute(
            "UPDATE inbox SET status = '" + status + "', attempts = COALESCE((SELECT "  # noqa: S608
            "MAX(r.attempts) FROM inbox_routes r WHERE r.event_id = inbox.id), attempts) "
            "WHERE EXISTS (SELECT 1 FROM inbox_routes r WHERE r.event_id = inbox.id AND "
            "r.status = '" + status + "')"
        )
    op.drop_table("inbox_routes")
