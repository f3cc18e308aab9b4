"""The webhook inbox: duplicate deliveries collapse, claims are exclusive, stale runs requeue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.state import InboxStatus, StateStore

SOURCE = "bigcommerce"
TOPIC = "store/order/created"


def add(store: StateStore, key: str, source: str = SOURCE) -> int:
    event, created = store.add_event(source, key, TOPIC, key.split("-")[-1], {"id": key})
    assert created
    return event.id


def test_add_event_stores_a_pending_event(store: StateStore) -> None:
    event, created = store.add_event(SOURCE, "d-1", TOPIC, "100", {"data": {"id": 100}})
    assert created
    assert event.status is InboxStatus.PENDING
    assert (event.source, event.topic, event.resource_id) == (SOURCE, TOPIC, "100")
    assert event.payload == {"data": {"id": 100}}
    assert event.attempts == 0
    assert event.received_at.tzinfo == UTC
    no_payload, _ = store.add_event(SOURCE, "d-2", "store/app/uninstalled", None)
    assert no_payload.payload is None
    assert no_payload.resource_id is None


def test_duplicate_delivery_collapses(store: StateStore) -> None:
    first, created = store.add_event(SOURCE, "d-1", TOPIC, "100", {"v": 1})
    again, created_again = store.add_event(SOURCE, "d-1", TOPIC, "100", {"v": 2})
    assert created
    assert not created_again
    assert again == first
    assert again.payload == {"v": 1}
    assert store.inbox_counts()["pending"] == 1


def test_concurrent_duplicate_deliveries_make_one_row(store: StateStore, concurrently: Any) -> None:
    results = concurrently(8, lambda i: store.add_event(SOURCE, "same", TOPIC, "1", {"i": i}))
    assert sum(created for _, created in results) == 1
    assert len({event.id for event, _ in results}) == 1
    assert len(store.pending_events()) == 1


def test_pending_events_oldest_first_by_source(store: StateStore) -> None:
    ids = [add(store, f"d-{n}") for n in range(5)]
    other = add(store, "s-1", source="shift4shop")
    assert [e.id for e in store.pending_events()] == [*ids, other]
    assert [e.id for e in store.pending_events(SOURCE, limit=2)] == ids[:2]
    assert [e.id for e in store.pending_events("shift4shop")] == [other]


def test_mark_dispatched_moves_only_pending(store: StateStore) -> None:
    ids = [add(store, f"d-{n}") for n in range(3)]
    store.complete_events([ids[2]])
    assert store.mark_dispatched(ids, "flow-run-1") == 2
    assert store.mark_dispatched(ids, "flow-run-2") == 0
    assert store.mark_dispatched([], "flow-run-3") == 0
    assert store.pending_events() == []
    counts = store.inbox_counts()
    assert (counts["dispatched"], counts["done"]) == (2, 1)


def test_claim_takes_pending_and_dispatched_of_one_source(store: StateStore) -> None:
    ids = [add(store, f"d-{n}") for n in range(4)]
    add(store, "s-1", source="shift4shop")
    store.mark_dispatched(ids[:2], "requested-run")
    store.complete_events([ids[3]])

    claimed = store.claim_events(SOURCE, "run-A")

    assert [e.id for e in claimed] == ids[:3]
    assert all(e.status is InboxStatus.PROCESSING for e in claimed)
    assert all(e.flow_run_id == "run-A" and e.attempts == 1 for e in claimed)
    assert store.claim_events(SOURCE, "run-B") == []


def test_concurrent_claimers_get_disjoint_sets_covering_all(
    store: StateStore, concurrently: Any
) -> None:
    ids = {add(store, f"d-{n}") for n in range(240)}

    def drain(worker: int) -> list[int]:
        mine: list[int] = []
        while batch := store.claim_events(SOURCE, f"run-{worker}", limit=15):
            assert all(e.flow_run_id == f"run-{worker}" for e in batch)
            mine.extend(e.id for e in batch)
        return mine

    claimed = concurrently(4, drain)

    flat = [event_id for batch in claimed for event_id in batch]
    assert len(flat) == len(set(flat)), "an event was claimed twice"
    assert set(flat) == ids
    assert store.inbox_counts(SOURCE)["processing"] == 240


def test_complete_and_fail(store: StateStore) -> None:
    ids = [add(store, f"d-{n}") for n in range(3)]
    store.claim_events(SOURCE, "run-1")
    assert store.complete_events(ids[:2]) == 2
    assert store.fail_events([ids[2]], "order 2: customer 9 missing") == 1
    assert store.complete_events([]) == 0
    counts = store.inbox_counts()
    assert (counts["done"], counts["failed"], counts["processing"]) == (2, 1, 0)


def test_requeue_stale_returns_stranded_events(store: StateStore) -> None:
    ids = [add(store, f"d-{n}") for n in range(4)]
    store.mark_dispatched([ids[0]], "never-started")
    store.claim_events(SOURCE, "crashed", limit=2)  # ids[0] and ids[1]
    store.mark_dispatched([ids[2]], "still-fresh")
    store.complete_events([ids[3]])

    assert store.requeue_stale(timedelta(minutes=10)) == 0

    later = datetime.now(UTC) + timedelta(minutes=11)
    assert store.requeue_stale(timedelta(minutes=10), now=later) == 3
    pending = store.pending_events()
    assert [e.id for e in pending] == ids[:3]
    assert all(e.flow_run_id is None for e in pending)
    assert [e.attempts for e in pending] == [1, 1, 0]
    assert store.inbox_counts()["done"] == 1
    again = store.claim_events(SOURCE, "next-run")
    assert [e.attempts for e in again] == [2, 2, 1]


def test_inbox_counts_per_status_and_source(store: StateStore) -> None:
    assert store.inbox_counts() == {s.value: 0 for s in InboxStatus}
    ids = [add(store, f"d-{n}") for n in range(3)]
    add(store, "s-1", source="shift4shop")
    store.mark_dispatched(ids[:1], "run")
    assert store.inbox_counts(SOURCE) == {
        "pending": 2,
        "dispatched": 1,
        "processing": 0,
        "done": 0,
        "failed": 0,
    }
    assert store.inbox_counts()["pending"] == 3
