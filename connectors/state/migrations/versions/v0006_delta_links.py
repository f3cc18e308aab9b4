"""Delta links: where each change-tracked table of a back office was last read.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Dataverse change tracking hands out an `@odata.deltaLink` after each read; the next read of that
link returns only the rows changed (or deleted) since. A link is kept per (use case, pair, table)
in ``delta_links.stream`` and moves like a watermark, only after every batch of the run loaded:
a run *stages* the link it was given (``staged``, with the end of its window in
``staged_until`` and the watermark stream in ``watermark_stream``), and committing that
watermark promotes it to ``link`` in the same transaction. A run that fails before its
watermark commits leaves the previous link in place, so its changes are read again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the table delta_links."""
    op.create_table(
        "delta_links",
        sa.Column("stream", sa.String(200), primary_key=True),
        sa.Column("watermark_stream", sa.String(200), nullable=True),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("staged", sa.Text(), nullable=True),
        sa.Column("staged_until", UTC_TIME, nullable=True),
        sa.Column("flow_run_id", sa.String(255), nullable=True),
        sa.Column("updated_at", UTC_TIME, nullable=False),
    )
    op.create_index("ix_delta_links_watermark_stream", "delta_links", ["watermark_stream"])


def downgrade() -> None:
    """Drop the table delta_links (the next tracked read is a full read)."""
    op.drop_index("ix_delta_links_watermark_stream", table_name="delta_links")
    op.drop_table("delta_links")
