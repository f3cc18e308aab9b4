"""Leases: one holder per name, atomically, until expiry (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.state import StateStore

T0 = datetime(2026, 11, 23, 12, tzinfo=UTC)
TTL = timedelta(seconds=60)
NAME = "order-to-cash:shift4shop:salesforce"


def test_a_held_lease_refuses_another_holder_until_it_expires(store: StateStore) -> None:
    assert store.acquire_lease(NAME, "run-a", TTL, now=T0)
    assert not store.acquire_lease(NAME, "run-b", TTL, now=T0 + timedelta(seconds=59))
    held = store.lease(NAME)
    assert held is not None
    assert held.holder == "run-a"
    # run-a was killed: after its time to live the lease is free for run-b
    assert store.acquire_lease(NAME, "run-b", TTL, now=T0 + timedelta(seconds=61))
    assert not store.renew_lease(NAME, "run-a", TTL, now=T0 + timedelta(seconds=62))


def test_renewing_keeps_the_lease_and_release_frees_it(store: StateStore) -> None:
    assert store.acquire_lease(NAME, "run-a", TTL, now=T0)
    assert store.renew_lease(NAME, "run-a", TTL, now=T0 + timedelta(seconds=50))
    assert not store.acquire_lease(NAME, "run-b", TTL, now=T0 + timedelta(seconds=100))
    assert store.acquire_lease(NAME, "run-a", TTL, now=T0 + timedelta(seconds=100))  # re-entrant
    assert not store.release_lease(NAME, "run-b")
    assert store.release_lease(NAME, "run-a")
    assert store.lease(NAME) is None
    assert store.acquire_lease(NAME, "run-b", TTL, now=T0 + timedelta(seconds=101))


def test_leases_of_other_pairs_are_independent(store: StateStore) -> None:
    assert store.acquire_lease(NAME, "run-a", TTL, now=T0)
    assert store.acquire_lease("customers:shift4shop:salesforce", "run-b", TTL, now=T0)


def test_racing_holders_get_one_winner(store: StateStore, concurrently: Any) -> None:
    results = concurrently(8, lambda i: store.acquire_lease(NAME, f"run-{i}", TTL, now=T0))
    assert sorted(results) == [False] * 7 + [True]


def test_naive_now_is_refused(store: StateStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        store.acquire_lease(NAME, "run-a", TTL, now=datetime(2026, 11, 23))
