"""The webhook inbox: an event is stored once and routed to each subscribed (use case, target);
every route has its own claim, retries back off, stale routes requeue with their previous run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from connectors.state import InboxStatus, StateStore, Subscription
from connectors.state.inbox import retry_delay
from connectors.state.models import InboxRouteRow

SOURCE = "shift4shop"
TOPIC = "order"
O2C = ("order-to-cash", "salesforce")
O2C_ERP = ("order-to-cash", "dynamics365")
# A fixed instant far before any stored (wall-clock) stamp: routes are backdated relative to it.
OLD = datetime(2001, 1, 1, 12, tzinfo=UTC)


def add(
    store: StateStore,
    key: str,
    source: str = SOURCE,
    routes: Sequence[tuple[str, str]] = (O2C,),
) -> int:
    """Store a new delivery; the id of its (only, by default) route."""
    event, created = store.add_event(source, key, TOPIC, key.split("-")[-1], {"id": key}, routes)
    assert created
    return store.routes_of(event.id)[0].route_id


def route(store: StateStore, route_id: int) -> Any:
    with store.engine.connect() as connection:
        return connection.execute(
            InboxRouteRow.__table__.select().where(InboxRouteRow.id == route_id)
        ).one()


def backdate(store: StateStore, route_ids: Sequence[int], when: datetime) -> None:
    """Make routes look untouched since `when` (no waiting on the clock)."""
    with store.engine.begin() as connection:
        connection.execute(
            update(InboxRouteRow).where(InboxRouteRow.id.in_(route_ids)).values(updated_at=when)
        )


def test_add_event_stores_the_event_and_a_route_per_subscriber(store: StateStore) -> None:
    event, created = store.add_event(
        SOURCE, "d-1", TOPIC, "100", {"data": {"id": 100}}, routes=[O2C, O2C_ERP]
    )
    assert created
    assert (event.source, event.topic, event.resource_id) == (SOURCE, TOPIC, "100")
    assert event.payload == {"data": {"id": 100}}
    assert event.received_at.tzinfo == UTC
    routes = store.routes_of(event.id)
    assert [(r.use_case, r.target) for r in routes] == [O2C, O2C_ERP]
    assert all(r.status is InboxStatus.PENDING and r.attempts == 0 for r in routes)
    assert all(r.event_id == event.id and r.resource_id == "100" for r in routes)
    assert all(r.flow_run_id is None and r.payload == {"data": {"id": 100}} for r in routes)
    unrouted, _ = store.add_event(SOURCE, "d-2", "app/uninstalled", None)
    assert unrouted.payload is None
    assert unrouted.resource_id is None
    assert store.routes_of(unrouted.id) == []
    assert store.inbox_counts()["pending"] == 2  # routes are counted, not events


def test_duplicate_delivery_collapses(store: StateStore) -> None:
    first, created = store.add_event(SOURCE, "d-1", TOPIC, "100", {"v": 1}, [O2C])
    again, created_again = store.add_event(SOURCE, "d-1", TOPIC, "100", {"v": 2}, [O2C])
    assert created
    assert not created_again
    assert again == first
    assert again.payload == {"v": 1}
    assert store.inbox_counts()["pending"] == 1
    # A duplicate naming a subscriber the first one did not gets that route added, once.
    store.add_event(SOURCE, "d-1", TOPIC, "100", {"v": 3}, [O2C, O2C_ERP, O2C_ERP])
    assert [(r.use_case, r.target) for r in store.routes_of(first.id)] == [O2C, O2C_ERP]


def test_concurrent_duplicate_deliveries_make_one_event_and_one_route(
    store: StateStore, concurrently: Any
) -> None:
    results = concurrently(
        8, lambda i: store.add_event(SOURCE, "same", TOPIC, "1", {"i": i}, [O2C])
    )
    assert sum(created for _, created in results) == 1
    assert len({event.id for event, _ in results}) == 1
    assert len(store.routes_of(results[0][0].id)) == 1
    assert store.inbox_counts()["pending"] == 1


def test_add_events_stores_a_burst_at_once(store: StateStore) -> None:
    results = store.add_events(
        [
            (SOURCE, "b-1", TOPIC, "1", None, [O2C]),
            (SOURCE, "b-2", TOPIC, "2", None, [O2C]),
            (SOURCE, "b-1", TOPIC, "1", None, [O2C]),  # the same delivery twice in one burst
        ]
    )
    assert [created for _, created in results] == [True, True, False]
    assert results[2][0] == results[0][0]
    assert store.inbox_counts()["pending"] == 2
    assert store.add_events([]) == []


def test_pending_subscriptions_group_routes_oldest_first(store: StateStore) -> None:
    a = [add(store, f"d-{n}", routes=[O2C, O2C_ERP]) for n in range(3)]
    b = add(store, "c-1", routes=[("customers", "salesforce")])
    other = add(store, "x-1", source="bigcommerce")
    subs = {(s.use_case, s.source, s.target): s for s in store.pending_subscriptions(OLD)}
    assert set(subs) == {
        ("order-to-cash", SOURCE, "salesforce"),
        ("order-to-cash", SOURCE, "dynamics365"),
        ("customers", SOURCE, "salesforce"),
        ("order-to-cash", "bigcommerce", "salesforce"),
    }
    assert subs["order-to-cash", SOURCE, "salesforce"] == Subscription(
        "order-to-cash", SOURCE, "salesforce", tuple(a), ()
    )
    erp = subs["order-to-cash", SOURCE, "dynamics365"].route_ids
    assert len(erp) == 3
    assert list(erp) == sorted(erp)
    assert not set(erp) & set(a)
    assert subs["customers", SOURCE, "salesforce"].route_ids == (b,)
    assert subs["order-to-cash", "bigcommerce", "salesforce"].route_ids == (other,)
    with pytest.raises(ValueError, match="timezone-aware"):
        store.pending_subscriptions(datetime(2026, 1, 1))


def test_mark_dispatched_moves_only_pending(store: StateStore) -> None:
    ids = [add(store, f"d-{n}") for n in range(3)]
    store.complete_events([ids[2]])
    assert store.mark_dispatched(ids, "flow-run-1") == 2
    assert store.mark_dispatched(ids, "flow-run-2") == 0
    assert store.mark_dispatched([], "flow-run-3") == 0
    assert store.pending_subscriptions(OLD) == []
    assert route(store, ids[0]).flow_run_id == "flow-run-1"
    counts = store.inbox_counts()
    assert (counts["dispatched"], counts["done"], counts["pending"]) == (2, 1, 0)


def test_two_routes_of_one_event_are_claimed_independently(store: StateStore) -> None:
    event, _ = store.add_event(SOURCE, "d-1", TOPIC, "100", None, [O2C, O2C_ERP])
    crm, erp = store.routes_of(event.id)

    to_crm = store.claim_events("order-to-cash", SOURCE, "salesforce", "run-crm")
    assert [r.route_id for r in to_crm] == [crm.route_id]
    assert store.claim_events("order-to-cash", SOURCE, "salesforce", "run-again") == []
    assert store.claim_events("customers", SOURCE, "salesforce", "run-cust") == []
    assert store.complete_events([crm.route_id]) == 1

    to_erp = store.claim_events("order-to-cash", SOURCE, "dynamics365", "run-erp")
    assert [(r.route_id, r.event_id, r.resource_id) for r in to_erp] == [
        (erp.route_id, event.id, "100")
    ]
    assert to_erp[0].attempts == 1
    assert to_erp[0].flow_run_id == "run-erp"
    statuses = {r.target: r.status for r in store.routes_of(event.id)}
    assert statuses == {"salesforce": InboxStatus.DONE, "dynamics365": InboxStatus.PROCESSING}


def test_claim_takes_pending_and_dispatched_of_one_subscription(store: StateStore) -> None:
    ids = [add(store, f"d-{n}") for n in range(4)]
    add(store, "s-1", source="bigcommerce")
    add(store, "e-1", routes=[O2C_ERP])
    store.mark_dispatched(ids[:2], "requested-run")
    store.complete_events([ids[3]])

    claimed = store.claim_events("order-to-cash", SOURCE, "salesforce", "run-A")

    assert [r.route_id for r in claimed] == ids[:3]
    assert all(r.status is InboxStatus.PROCESSING for r in claimed)
    assert all(r.flow_run_id == "run-A" and r.attempts == 1 for r in claimed)
    assert {(r.use_case, r.source, r.target) for r in claimed} == {
        ("order-to-cash", SOURCE, "salesforce")
    }
    assert store.claim_events("order-to-cash", SOURCE, "salesforce", "run-B") == []
    limited = store.claim_events("order-to-cash", "bigcommerce", "salesforce", "run-C", limit=1)
    assert len(limited) == 1


def test_concurrent_claimers_get_disjoint_sets_covering_all(
    store: StateStore, concurrently: Any
) -> None:
    results = store.add_events([(SOURCE, f"d-{n}", TOPIC, str(n), None, [O2C]) for n in range(240)])
    ids = {r.route_id for event, _ in results for r in store.routes_of(event.id)}

    def drain(worker: int) -> list[int]:
        mine: list[int] = []
        while batch := store.claim_events(
            "order-to-cash", SOURCE, "salesforce", f"run-{worker}", limit=15
        ):
            assert all(r.flow_run_id == f"run-{worker}" for r in batch)
            mine.extend(r.route_id for r in batch)
        return mine

    claimed = concurrently(4, drain)

    flat = [route_id for batch in claimed for route_id in batch]
    assert len(flat) == len(set(flat)), "a route was claimed twice"
    assert set(flat) == ids
    assert store.inbox_counts(SOURCE)["processing"] == 240


def test_complete_and_fail(store: StateStore) -> None:
    ids = [add(store, f"d-{n}") for n in range(3)]
    store.claim_events("order-to-cash", SOURCE, "salesforce", "run-1")
    assert store.complete_events(ids[:2]) == 2
    assert store.fail_events([ids[2]], "order 2: customer 9 missing") == 1
    assert store.complete_events([]) == 0
    assert route(store, ids[2]).last_error == "order 2: customer 9 missing"
    counts = store.inbox_counts()
    assert (counts["done"], counts["failed"], counts["processing"]) == (2, 1, 0)


def test_release_keeps_the_failed_run_so_a_new_one_is_asked_for(store: StateStore) -> None:
    ids = [add(store, f"d-{n}") for n in range(3)]
    store.claim_events("order-to-cash", SOURCE, "salesforce", "run-1", limit=2)
    store.complete_events([ids[1]])

    assert store.release_events(ids, "TransientError: 503 from the back office") == 1

    released = route(store, ids[0])
    assert (released.status, released.flow_run_id, released.attempts) == ("pending", "run-1", 1)
    assert released.last_error == "TransientError: 503 from the back office"
    assert route(store, ids[1]).status == "done"  # only processing routes go back
    assert route(store, ids[2]).flow_run_id is None  # never claimed: untouched
    later = released.updated_at + retry_delay(1) + timedelta(seconds=1)
    (sub,) = store.pending_subscriptions(later)
    assert sub.route_ids == (ids[0], ids[2])
    assert sub.previous_runs == ("run-1",)  # the dispatcher must not reuse that run's key
    again = store.claim_events("order-to-cash", SOURCE, "salesforce", "run-2")
    assert [(r.route_id, r.attempts) for r in again] == [(ids[0], 2), (ids[2], 1)]


def test_requeue_stale_keeps_the_previous_run_id(store: StateStore) -> None:
    ids = [add(store, f"d-{n}") for n in range(5)]
    store.mark_dispatched([ids[0]], "never-started")
    store.claim_events("order-to-cash", SOURCE, "salesforce", "crashed", limit=2)  # ids 0, 1
    store.mark_dispatched([ids[2]], "still-fresh")
    store.mark_dispatched([ids[3]], "started-late")
    store.complete_events([ids[4]])
    backdate(store, [ids[0], ids[1], ids[3], ids[4]], OLD - timedelta(minutes=11))
    backdate(store, [ids[2]], OLD - timedelta(minutes=9))

    assert store.requeue_stale(timedelta(minutes=10), now=OLD) == 3

    after = {i: route(store, i) for i in ids}
    assert [after[i].status for i in ids] == ["pending", "pending", "dispatched", "pending", "done"]
    assert [after[i].flow_run_id for i in ids] == [
        "crashed",
        "crashed",
        "still-fresh",
        "started-late",
        None,
    ]
    assert [after[i].attempts for i in ids] == [1, 1, 0, 0, 0]
    assert store.requeue_stale(timedelta(minutes=10), now=OLD) == 0
    # The never-claimed route is offered at once, the crashed ones after their retry delay.
    (now,) = store.pending_subscriptions(OLD)
    assert (now.route_ids, now.previous_runs) == ((ids[3],), ("started-late",))
    (later,) = store.pending_subscriptions(OLD + retry_delay(1) + timedelta(seconds=1))
    assert later.route_ids == (ids[0], ids[1], ids[3])
    assert later.previous_runs == ("crashed", "started-late")


def test_retry_delay_backs_off_to_an_hour() -> None:
    assert [retry_delay(n).total_seconds() for n in range(9)] == [
        30,
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
    ]
    assert retry_delay(50) == timedelta(hours=1)


def test_a_route_that_keeps_failing_waits_longer_each_time(store: StateStore) -> None:
    rid = add(store, "d-1")
    for n in range(1, 4):
        claimed = store.claim_events("order-to-cash", SOURCE, "salesforce", f"run-{n}")
        assert [r.attempts for r in claimed] == [n]
        store.release_events([rid], f"AuthError: attempt {n}")
    stamp = route(store, rid).updated_at
    assert store.pending_subscriptions(stamp + retry_delay(3) - timedelta(seconds=1)) == []
    (sub,) = store.pending_subscriptions(stamp + retry_delay(3) + timedelta(seconds=1))
    assert sub.route_ids == (rid,)
    assert sub.previous_runs == ("run-3",)
    assert retry_delay(3) == 4 * retry_delay(1)


def test_inbox_counts_count_routes_per_status_and_source(store: StateStore) -> None:
    assert store.inbox_counts() == {s.value: 0 for s in InboxStatus}
    ids = [add(store, f"d-{n}", routes=[O2C, O2C_ERP]) for n in range(3)]
    add(store, "s-1", source="bigcommerce")
    store.mark_dispatched(ids[:1], "run")
    assert store.inbox_counts(SOURCE) == {
        "pending": 5,
        "dispatched": 1,
        "processing": 0,
        "done": 0,
        "failed": 0,
    }
    assert store.inbox_counts()["pending"] == 6
    assert store.inbox_counts("bigcommerce")["pending"] == 1
