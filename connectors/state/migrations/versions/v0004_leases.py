"""Leases: one run at a time per (use case, pair), across deployments and processes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

A scheduled poll, a webhook run and a CLI run of the same use case and pair are separate Prefect
deployments (each with its own concurrency limit), so only the shared state store can keep them
from writing the same records at once. A lease names its holder (a flow run id) and expires
unless renewed, so a run killed with -9 frees it after its time to live.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the table leases."""
    op.create_table(
        "leases",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("acquired_at", UTC_TIME, nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
    )


def downgrade() -> None:
    """Drop the table leases (runs are then no longer kept apart)."""
    op.drop_table("leases")
