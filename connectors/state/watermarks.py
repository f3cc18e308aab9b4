"""Incremental-sync watermarks, one per stream, in table ``watermarks``.

A watermark only moves through an explicit commit after the load committed (`commit_window`,
`commit_watermark`), never backwards, and always in UTC; delta links staged for the stream
(`connectors.state.deltalinks`) move with it, in the same transaction. Opening a `Window`
changes nothing, so a run that fails between read and load reads the same records again next
time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.state.base import StoreBase, ensure_utc
from connectors.state.deltalinks import promote_staged
from connectors.state.models import WatermarkRow, utcnow
from connectors.state.records import Window


class WatermarkStore(StoreBase):
    """Watermark operations of the state store."""

    def get_watermark(self, stream: str) -> datetime | None:
        """The committed watermark of `stream` (aware UTC), or None before the first commit."""

        def work(session: Session) -> datetime | None:
            return session.scalar(select(WatermarkRow.value).where(WatermarkRow.stream == stream))

        return self._read(work)

    def commit_watermark(
        self, stream: str, value: datetime, *, flow_run_id: str | None = None
    ) -> datetime:
        """Advance the watermark of `stream` to `value`, atomically and never backwards.

        Args:
            stream: the stream name, e.g. ``shift4shop.orders``.
            value: the new watermark; must be timezone-aware.
            flow_run_id: the run that committed it, for the audit trail.

        Returns:
            The stored watermark: `value`, or the higher one already stored.

        Raises:
            ValueError: `value` is naive.
        """
        value = ensure_utc(value, "watermark")
        stmt = self._insert(WatermarkRow).values(
            stream=stream, value=value, updated_at=utcnow(), flow_run_id=flow_run_id
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["stream"],
            set_={
                "value": stmt.excluded.value,
                "updated_at": stmt.excluded.updated_at,
                "flow_run_id": stmt.excluded.flow_run_id,
            },
            # The comparison is inside the statement, so two racing commits cannot regress it.
            where=WatermarkRow.value < stmt.excluded.value,
        )

        def work(session: Session) -> datetime:
            session.execute(stmt)
            promote_staged(session, stream, value)  # delta links move with the watermark
            stored = session.scalar(select(WatermarkRow.value).where(WatermarkRow.stream == stream))
            assert stored is not None
            return stored

        return self._write(work)

    def window(
        self, stream: str, *, overlap: timedelta, initial: datetime, until: datetime
    ) -> Window:
        """The range the next run of `stream` reads; commits nothing.

        Args:
            overlap: how far before the watermark to start again, for records whose update
                time equals the boundary or arrived late.
            initial: where to start when the stream has no watermark yet (aware).
            until: the end of the range (aware), usually "now" minus the API's lag.

        Returns:
            ``Window(stream, since=watermark - overlap or initial, until)``. The overlap is not
            clamped to `initial`: a stale watermark is read from, not skipped past.

        Raises:
            ValueError: a naive datetime or a negative overlap.
        """
        if overlap < timedelta(0):
            raise ValueError(f"overlap must not be negative (got {overlap})")
        initial = ensure_utc(initial, "initial")
        until = ensure_utc(until, "until")
        mark = self.get_watermark(stream)
        since = initial if mark is None else mark - overlap
        return Window(stream=stream, since=since, until=until)

    def commit_window(self, window: Window, *, flow_run_id: str | None = None) -> datetime:
        """Advance the stream's watermark to ``window.until`` after its load committed.

        Returns:
            The stored watermark (see `commit_watermark`).
        """
        return self.commit_watermark(window.stream, window.until, flow_run_id=flow_run_id)
