"""The webhook inbox, table ``inbox``: events are stored here before the gateway answers 2xx.

Duplicate deliveries collapse on the unique ``delivery_key``. Runs drain the inbox in batches:
`claim_events` hands each pending event to exactly one claimer, and `requeue_stale` gives events
of crashed or never-started runs back to the next one.

Status flow: pending → dispatched (a run was requested) → processing (claimed) → done | failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from connectors.state.base import StoreBase, chunks, ensure_utc, to_record, unique
from connectors.state.models import InboxRow, utcnow
from connectors.state.records import InboxEvent, InboxStatus

CLAIMABLE = (InboxStatus.PENDING.value, InboxStatus.DISPATCHED.value)
IN_FLIGHT = (InboxStatus.DISPATCHED.value, InboxStatus.PROCESSING.value)
CLAIM_ROUNDS = 5  # a claimer that lost every candidate to another one looks again


def _event(row: InboxRow) -> InboxEvent:
    return to_record(InboxEvent, row, status=InboxStatus)


class InboxStore(StoreBase):
    """Inbox operations of the state store."""

    def add_event(
        self,
        source: str,
        delivery_key: str,
        topic: str,
        resource_id: str | None,
        payload: Any = None,
    ) -> tuple[InboxEvent, bool]:
        """Store a received delivery unless the same delivery is already stored (race-safe).

        Args:
            source: system slug of the sender, e.g. ``bigcommerce``.
            delivery_key: unique key of the delivery (the gateway's delivery hash).
            topic: event topic, e.g. ``store/order/created``.
            resource_id: id of the record the event is about, if any.
            payload: the event body, already redacted by the caller (JSON-serialisable).

        Returns:
            ``(event, created)``; `created` is False for a duplicate delivery, which returns the
            row stored first.
        """
        now = utcnow()
        stmt = (
            self._insert(InboxRow)
            .values(
                source=source,
                delivery_key=delivery_key,
                topic=topic,
                resource_id=resource_id,
                payload=payload,
                status=InboxStatus.PENDING.value,
                attempts=0,
                received_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["delivery_key"])
            # RETURNING, not rowcount: PostgreSQL reports -1 when a RETURNING clause is implicit.
            .returning(InboxRow.id)
        )

        def work(session: Session) -> tuple[InboxEvent, bool]:
            created = session.execute(stmt).first() is not None
            row = session.scalars(select(InboxRow).filter_by(delivery_key=delivery_key)).one()
            return _event(row), created

        return self._write(work)

    def pending_events(self, source: str | None = None, limit: int = 1000) -> list[InboxEvent]:
        """Pending events, oldest first (for the sweeper that asks for runs)."""
        query = select(InboxRow).where(InboxRow.status == InboxStatus.PENDING.value)
        if source is not None:
            query = query.where(InboxRow.source == source)
        query = query.order_by(InboxRow.id).limit(limit)
        return self._read(lambda session: [_event(row) for row in session.scalars(query)])

    def mark_dispatched(self, ids: Iterable[int], flow_run_id: str) -> int:
        """Record that a run was requested for these pending events.

        Returns:
            How many pending events became dispatched.
        """
        return self._set_status(
            ids,
            InboxStatus.DISPATCHED,
            only_from=(InboxStatus.PENDING.value,),
            flow_run_id=flow_run_id,
        )

    def claim_events(self, source: str, claimer: str, *, limit: int = 1000) -> list[InboxEvent]:
        """Take pending or dispatched events of `source` for processing, atomically.

        Two claimers running at once never receive the same event. Each claimed event gets
        status ``processing``, ``flow_run_id=claimer`` and one more attempt.

        Args:
            source: system slug whose events to take.
            claimer: the claiming run's id.
            limit: at most this many events, oldest first.

        Returns:
            The events this call claimed (empty when none are left).
        """
        for _ in range(CLAIM_ROUNDS):
            claimed, had_candidates = self._write(
                lambda session: self._claim(session, source, claimer, limit)
            )
            if claimed or not had_candidates:
                return claimed
        return []

    def _claim(
        self, session: Session, source: str, claimer: str, limit: int
    ) -> tuple[list[InboxEvent], bool]:
        candidates = list(
            session.scalars(
                select(InboxRow.id)
                .where(InboxRow.source == source, InboxRow.status.in_(CLAIMABLE))
                .order_by(InboxRow.id)
                .limit(limit)
                # PostgreSQL: concurrent claimers skip each other's rows instead of waiting.
                # SQLite renders no FOR UPDATE; its single writer serialises the UPDATE below.
                .with_for_update(skip_locked=True)
            )
        )
        if not candidates:
            return [], False
        # The status test in the UPDATE is what makes the claim exclusive: a row another
        # claimer took since the SELECT no longer matches.
        self._rowcount(
            session,
            update(InboxRow)
            .where(InboxRow.id.in_(candidates), InboxRow.status.in_(CLAIMABLE))
            .values(
                status=InboxStatus.PROCESSING.value,
                flow_run_id=claimer,
                attempts=InboxRow.attempts + 1,
                updated_at=utcnow(),
            ),
        )
        rows = session.scalars(
            select(InboxRow)
            .where(
                InboxRow.id.in_(candidates),
                InboxRow.flow_run_id == claimer,
                InboxRow.status == InboxStatus.PROCESSING.value,
            )
            .order_by(InboxRow.id)
        )
        return [_event(row) for row in rows], True

    def complete_events(self, ids: Iterable[int]) -> int:
        """Mark events done. Returns how many rows changed."""
        return self._set_status(ids, InboxStatus.DONE)

    def fail_events(self, ids: Iterable[int], error: str) -> int:
        """Mark events failed with `error` (no secrets: it is shown to operators).

        Returns:
            How many rows changed.
        """
        return self._set_status(ids, InboxStatus.FAILED, last_error=error)

    def requeue_stale(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Give dispatched or processing events untouched for `older_than` back to pending.

        A run that crashed, or was requested but never started, must not strand its events.

        Returns:
            How many events went back to pending.
        """
        now = utcnow() if now is None else ensure_utc(now, "now")
        stmt = (
            update(InboxRow)
            .where(InboxRow.status.in_(IN_FLIGHT), InboxRow.updated_at < now - older_than)
            .values(status=InboxStatus.PENDING.value, flow_run_id=None, updated_at=now)
        )
        return self._write(lambda session: self._rowcount(session, stmt))

    def inbox_counts(self, source: str | None = None) -> dict[str, int]:
        """Number of events per status (every status present, zero included)."""
        query = select(InboxRow.status, func.count()).group_by(InboxRow.status)
        if source is not None:
            query = query.where(InboxRow.source == source)
        counts = dict.fromkeys((status.value for status in InboxStatus), 0)
        rows = self._read(lambda session: session.execute(query).all())
        counts.update({status: count for status, count in rows})
        return counts

    def _set_status(
        self,
        ids: Iterable[int],
        status: InboxStatus,
        *,
        only_from: Sequence[str] | None = None,
        **values: Any,
    ) -> int:
        id_list = unique(ids)

        def work(session: Session) -> int:
            changed = 0
            for part in chunks(id_list):
                stmt = update(InboxRow).where(InboxRow.id.in_(part))
                if only_from is not None:
                    stmt = stmt.where(InboxRow.status.in_(only_from))
                changed += self._rowcount(
                    session, stmt.values(status=status.value, updated_at=utcnow(), **values)
                )
            return changed

        return self._write(work) if id_list else 0
