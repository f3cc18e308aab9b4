"""Delta links of change-tracked tables (Dataverse `@odata.deltaLink`), in table ``delta_links``.

A delta link moves like a watermark: only after every batch of the run that read it loaded. The
source *stages* the link it was handed for its run's window (`set_delta_link(..., window=w)`);
`commit_window(w)` (`WatermarkStore`) promotes the staged link in the same transaction as the
watermark. A run that dies before that leaves the previous link (and re-reads its changes).
Without a window, `set_delta_link` stores the link at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session

from connectors.state.base import StoreBase, ensure_utc
from connectors.state.models import DeltaLinkRow, utcnow
from connectors.state.records import Window


def promote_staged(session: Session, watermark_stream: str, until: datetime) -> int:
    """Make the links staged for `watermark_stream` at or before `until` the current ones (in the
    caller's transaction: the watermark commit); the number promoted. A database not yet at
    revision 0006 has no delta links to promote."""
    if not inspect(session.connection()).has_table(DeltaLinkRow.__tablename__):
        return 0
    stmt = (
        update(DeltaLinkRow)
        .where(
            DeltaLinkRow.watermark_stream == watermark_stream,
            DeltaLinkRow.staged.is_not(None),
            DeltaLinkRow.staged_until <= until,
        )
        .values(link=DeltaLinkRow.staged, staged=None, staged_until=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return session.connection().execute(stmt).rowcount


class DeltaLinkStore(StoreBase):
    """Delta-link operations of the state store."""

    def delta_link(self, stream: str) -> str | None:
        """The current delta link of `stream` (e.g. ``fulfilment:dynamics365->shift4shop
        |salesorders``), or None: the next tracked read is a full read."""

        def work(session: Session) -> str | None:
            return session.scalar(select(DeltaLinkRow.link).where(DeltaLinkRow.stream == stream))

        return self._read(work)

    def set_delta_link(
        self,
        stream: str,
        link: str | None,
        *,
        window: Window | None = None,
        flow_run_id: str | None = None,
    ) -> None:
        """Store `link` for `stream`: staged until `window` commits (its watermark), or at once.

        `link` None with no window forgets the stream's link (the next read is a full one).

        Raises:
            ValueError: a staged link without a link, or a naive window end.
        """
        now = utcnow()
        values: dict[str, Any]
        if window is None:
            values = {
                "stream": stream,
                "link": link,
                "staged": None,
                "staged_until": None,
                "watermark_stream": None,
            }
        else:
            if link is None:
                raise ValueError(f"{stream}: a staged delta link needs a link")
            values = {
                "stream": stream,
                "staged": link,
                "staged_until": ensure_utc(window.until, "window.until"),
                "watermark_stream": window.stream,
            }
        stmt = self._insert(DeltaLinkRow).values(**values, updated_at=now, flow_run_id=flow_run_id)
        changed = {k: v for k, v in values.items() if k != "stream"}
        stmt = stmt.on_conflict_do_update(
            index_elements=["stream"],
            set_={**changed, "updated_at": now, "flow_run_id": flow_run_id},
        )

        def work(session: Session) -> None:
            session.execute(stmt)

        self._write(work)

    def staged_delta_link(self, stream: str) -> str | None:
        """The link staged for `stream` and not yet committed (None when there is none)."""

        def work(session: Session) -> str | None:
            return session.scalar(select(DeltaLinkRow.staged).where(DeltaLinkRow.stream == stream))

        return self._read(work)
