"""The webhook inbox: events stored before the gateway answers 2xx, routed to subscribers.

Table ``inbox`` holds each delivery once (duplicates collapse on the unique ``delivery_key``);
table ``inbox_routes`` holds one route per subscribed (use case, target), and the routes carry the
life cycle: pending → dispatched (a run was requested) → processing (claimed by a run) → done |
failed. A run claims only the routes of its own (use case, source, target), so an order event is
never read by the customer sync, and two back offices fed by one store each see every event once.
`requeue_stale` gives routes of crashed or never-started runs back to the next one. What may be
stored is checked first by one schema (`connectors/state/inbox_schema.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session

from connectors.state.base import StoreBase, chunks, ensure_utc, unique
from connectors.state.inbox_schema import (
    InboxEntry,
    NewEvent,
    validate_events,
)
from connectors.state.models import InboxRouteRow, InboxRow, utcnow
from connectors.state.records import InboxEvent, InboxStatus, RoutedEvent, Subscription

CLAIMABLE = (InboxStatus.PENDING.value, InboxStatus.DISPATCHED.value)
IN_FLIGHT = (InboxStatus.DISPATCHED.value, InboxStatus.PROCESSING.value)
CLAIM_ROUNDS = 5  # a claimer that lost every candidate to another one looks again


def retry_delay(attempts: int) -> timedelta:
    """How long a route that failed `attempts` runs waits before the next: 30 s doubling,
    at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _routed(route: InboxRouteRow, event: InboxRow) -> RoutedEvent:
    return RoutedEvent(
        route_id=route.id,
        event_id=event.id,
        source=event.source,
        topic=event.topic,
        resource_id=event.resource_id,
        payload=event.payload,
        use_case=route.use_case,
        target=route.target,
        status=InboxStatus(route.status),
        attempts=route.attempts,
        flow_run_id=route.flow_run_id,
        last_error=route.last_error,
        received_at=event.received_at,
        updated_at=route.updated_at,
    )


_EVENT_COLUMNS = [getattr(InboxRow, f.name) for f in fields(InboxEvent)]


def _row_event(row: Row[Any]) -> InboxEvent:
    return InboxEvent(**{**row._mapping, "status": InboxStatus(row.status)})


def _event_values(entry: InboxEntry, now: datetime) -> dict[str, Any]:
    return {
        "source": entry.source,
        "delivery_key": entry.delivery_key,
        "topic": entry.topic,
        "resource_id": entry.resource_id,
        "payload": entry.payload,
        "status": InboxStatus.PENDING.value,
        "attempts": 0,
        "received_at": now,
        "updated_at": now,
    }


def _route_values(route: tuple[int, str, str, str], now: datetime) -> dict[str, Any]:
    event_id, source, use_case, target = route
    return {
        "event_id": event_id,
        "source": source,
        "use_case": use_case,
        "target": target,
        "status": InboxStatus.PENDING.value,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


class InboxStore(StoreBase):
    """Inbox operations of the state store."""

    def add_event(
        self,
        source: str,
        delivery_key: str,
        topic: str,
        resource_id: str | None,
        payload: Any = None,
        routes: Sequence[tuple[str, str]] = (),
    ) -> tuple[InboxEvent, bool]:
        """Store a received delivery once, with a route per subscribed (use case, target).

        Args:
            source: system slug of the sender, e.g. ``bigcommerce``.
            delivery_key: unique key of the delivery (the gateway's delivery hash).
            topic: the canonical entity the event is about, e.g. ``order``.
            resource_id: id of the record the event is about, if any.
            payload: the validated event fields (no personal data; JSON-serialisable).
            routes: (use case, target) pairs subscribed to (source, topic).

        Returns:
            ``(event, created)``; `created` is False for a duplicate delivery, which returns the
            row stored first (routes a duplicate names that the first one did not are added).

        Raises:
            InboxEntryError: a field cannot be stored (see `InboxEntry`); nothing is stored.
        """
        return self.add_events([(source, delivery_key, topic, resource_id, payload, routes)])[0]

    def add_events(self, events: Sequence[NewEvent | InboxEntry]) -> list[tuple[InboxEvent, bool]]:
        """`add_event` for many deliveries in one transaction: one multi-row INSERT per table
        (SQLAlchemy's "insertmanyvalues"), one commit for the burst. The same delivery key twice
        in `events` is one event: the first occurrence is `created`, the others duplicates.

        Raises:
            InboxEntryError: an event is not storable (see `InboxEntry`); nothing is stored.
        """
        entries = validate_events(events)
        return self._write(lambda session: self._add_all(session, entries)) if entries else []

    def _add_all(
        self, session: Session, entries: Sequence[InboxEntry]
    ) -> list[tuple[InboxEvent, bool]]:
        now = utcnow()
        firsts: dict[str, InboxEntry] = {}
        for entry in entries:
            firsts.setdefault(entry.delivery_key, entry)  # the first occurrence is stored
        connection = session.connection()
        # executemany of one INSERT, sent as multi-row VALUES pages ("insertmanyvalues"): its
        # compilation does not grow with the rows, as a literal multi-row .values() does.
        insert = (
            self._insert(InboxRow)
            .on_conflict_do_nothing(index_elements=["delivery_key"])
            # RETURNING, not rowcount: PostgreSQL reports -1 with an implicit RETURNING.
            .returning(*_EVENT_COLUMNS)
        )
        values = [_event_values(e, now) for e in firsts.values()]
        stored = {r.delivery_key: _row_event(r) for r in connection.execute(insert, values)}
        created = set(stored)
        duplicates = [key for key in firsts if key not in created]
        for keys in chunks(duplicates):  # stored earlier: read them back
            query = select(*_EVENT_COLUMNS).where(InboxRow.delivery_key.in_(keys))
            stored.update((r.delivery_key, _row_event(r)) for r in connection.execute(query))
        routes = unique(
            (stored[e.delivery_key].id, e.source, use_case, target)
            for e in entries
            for use_case, target in e.routes
        )
        if routes:
            connection.execute(
                self._insert(InboxRouteRow).on_conflict_do_nothing(
                    index_elements=["event_id", "use_case", "target"]
                ),
                [_route_values(route, now) for route in routes],
            )
        results = []
        for entry in entries:
            key = entry.delivery_key
            results.append((stored[key], key in created))
            created.discard(key)  # a second occurrence in the same burst is a duplicate
        return results

    def pending_subscriptions(self, now: datetime | None = None) -> list[Subscription]:
        """Every (use case, source, target) with pending routes, and their route ids (oldest
        first), for the dispatcher that asks for runs.

        A route that already failed `n` runs waits `retry_delay(n)` after its last failure
        before it is offered again, so a persistent failure (a revoked credential) does not ask
        for a run every tick.
        """
        now = utcnow() if now is None else ensure_utc(now, "now")
        query = (
            select(
                InboxRouteRow.use_case,
                InboxRouteRow.source,
                InboxRouteRow.target,
                InboxRouteRow.id,
                InboxRouteRow.flow_run_id,
                InboxRouteRow.attempts,
                InboxRouteRow.updated_at,
            )
            .where(InboxRouteRow.status == InboxStatus.PENDING.value)
            .order_by(InboxRouteRow.id)
        )
        grouped: dict[tuple[str, str, str], tuple[list[int], set[str]]] = {}
        rows = self._read(lambda s: s.execute(query).all())
        for use_case, source, target, rid, run, attempts, updated in rows:
            if attempts and updated > now - retry_delay(attempts):
                continue
            ids, runs = grouped.setdefault((use_case, source, target), ([], set()))
            ids.append(rid)
            if run:
                runs.add(run)
        return [
            Subscription(u, s, t, tuple(ids), tuple(sorted(runs)))
            for (u, s, t), (ids, runs) in grouped.items()
        ]

    def mark_dispatched(self, route_ids: Iterable[int], flow_run_id: str) -> int:
        """Record that a run was requested for these pending routes; how many changed."""
        return self._set_status(
            route_ids,
            InboxStatus.DISPATCHED,
            only_from=(InboxStatus.PENDING.value,),
            flow_run_id=flow_run_id,
        )

    def claim_events(
        self, use_case: str, source: str, target: str, claimer: str, *, limit: int = 1000
    ) -> list[RoutedEvent]:
        """Take pending or dispatched routes of one subscription for processing, atomically.

        Two claimers running at once never receive the same route. Each claimed route gets
        status ``processing``, ``flow_run_id=claimer`` and one more attempt.
        """
        for _ in range(CLAIM_ROUNDS):
            claimed, had_candidates = self._write(
                lambda session: self._claim(session, (use_case, source, target), claimer, limit)
            )
            if claimed or not had_candidates:
                return claimed
        return []

    def _claim(
        self, session: Session, key: tuple[str, str, str], claimer: str, limit: int
    ) -> tuple[list[RoutedEvent], bool]:
        use_case, source, target = key
        mine = (
            InboxRouteRow.use_case == use_case,
            InboxRouteRow.source == source,
            InboxRouteRow.target == target,
        )
        candidates = list(
            session.scalars(
                select(InboxRouteRow.id)
                .where(*mine, InboxRouteRow.status.in_(CLAIMABLE))
                .order_by(InboxRouteRow.id)
                .limit(limit)
                # PostgreSQL: concurrent claimers skip each other's rows instead of waiting.
                # SQLite renders no FOR UPDATE; its single writer serialises the UPDATE below.
                .with_for_update(skip_locked=True)
            )
        )
        if not candidates:
            return [], False
        # The status test in the UPDATE is what makes the claim exclusive.
        self._rowcount(
            session,
            update(InboxRouteRow)
            .where(InboxRouteRow.id.in_(candidates), InboxRouteRow.status.in_(CLAIMABLE))
            .values(
                status=InboxStatus.PROCESSING.value,
                flow_run_id=claimer,
                attempts=InboxRouteRow.attempts + 1,
                updated_at=utcnow(),
            ),
        )
        rows = session.execute(
            select(InboxRouteRow, InboxRow)
            .join(InboxRow, InboxRow.id == InboxRouteRow.event_id)
            .where(
                InboxRouteRow.id.in_(candidates),
                InboxRouteRow.flow_run_id == claimer,
                InboxRouteRow.status == InboxStatus.PROCESSING.value,
            )
            .order_by(InboxRouteRow.id)
        ).all()
        return [_routed(route, event) for route, event in rows], True

    def complete_events(self, route_ids: Iterable[int]) -> int:
        """Mark routes done. Returns how many rows changed."""
        return self._set_status(route_ids, InboxStatus.DONE)

    def fail_events(self, route_ids: Iterable[int], error: str) -> int:
        """Mark routes failed with `error` (no secrets: it is shown to operators)."""
        return self._set_status(route_ids, InboxStatus.FAILED, last_error=error)

    def release_events(self, route_ids: Iterable[int], error: str) -> int:
        """Give claimed routes of a run that failed back to pending, with the error: the
        dispatcher asks for a new run (they keep the failed run's id, so the key changes)."""
        return self._set_status(
            route_ids,
            InboxStatus.PENDING,
            only_from=(InboxStatus.PROCESSING.value,),
            last_error=error,
        )

    def requeue_stale(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Give dispatched or processing routes untouched for `older_than` back to pending.

        A run that crashed, or was requested but never started, must not strand its events.
        The route keeps the id of the run it had, so the dispatcher asks for a new run instead of
        being handed the old one back (its idempotency key includes it).
        """
        now = utcnow() if now is None else ensure_utc(now, "now")
        stmt = (
            update(InboxRouteRow)
            .where(InboxRouteRow.status.in_(IN_FLIGHT), InboxRouteRow.updated_at < now - older_than)
            .values(status=InboxStatus.PENDING.value, updated_at=now)
        )
        return self._write(lambda session: self._rowcount(session, stmt))

    def routes_of(self, event_id: int) -> list[RoutedEvent]:
        """Every route of one event (for operators and tests)."""
        query = (
            select(InboxRouteRow, InboxRow)
            .join(InboxRow, InboxRow.id == InboxRouteRow.event_id)
            .where(InboxRow.id == event_id)
            .order_by(InboxRouteRow.id)
        )
        return self._read(lambda s: [_routed(r, e) for r, e in s.execute(query).all()])

    def inbox_counts(self, source: str | None = None) -> dict[str, int]:
        """Number of routes per status (every status present, zero included)."""
        query = select(InboxRouteRow.status, func.count()).group_by(InboxRouteRow.status)
        if source is not None:
            query = query.where(InboxRouteRow.source == source)
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
                stmt = update(InboxRouteRow).where(InboxRouteRow.id.in_(part))
                if only_from is not None:
                    stmt = stmt.where(InboxRouteRow.status.in_(only_from))
                changed += self._rowcount(
                    session, stmt.values(status=status.value, updated_at=utcnow(), **values)
                )
            return changed

        return self._write(work) if id_list else 0
