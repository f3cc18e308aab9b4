"""The binder: bind / lookup / lookup_many / reverse / unchanged, and racing writers."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.state import Binding, BindRequest, StateStore, unchanged
from connectors.state.models import XrefRow

SOURCE = ("shift4shop", "customer")


def xref_rows(store: StateStore) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(XrefRow)).scalar_one())


def test_bind_then_lookup(store: StateStore) -> None:
    written = datetime(2024, 3, 1, 10, 30, tzinfo=UTC)
    bound = store.bind(*SOURCE, "42", "salesforce", "Account", "001XX", "hash-1", written)

    found = store.lookup(*SOURCE, "42", "salesforce", "Account")

    assert found == bound
    assert isinstance(found, Binding)
    assert (found.target_id, found.payload_hash, found.written_at) == ("001XX", "hash-1", written)
    assert found.created_at.tzinfo == UTC
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.target_id = "other"  # type: ignore[misc]
    assert store.lookup(*SOURCE, "42", "salesforce", "Contact") is None
    assert store.lookup(*SOURCE, "43", "salesforce", "Account") is None


def test_one_record_binds_to_several_targets(store: StateStore) -> None:
    store.bind(*SOURCE, "42", "salesforce", "Account", "001A")
    store.bind(*SOURCE, "42", "salesforce", "Contact", "003C")
    store.bind(*SOURCE, "42", "dynamics365", "account", "guid-1")
    assert xref_rows(store) == 3
    contact = store.lookup(*SOURCE, "42", "salesforce", "Contact")
    assert contact is not None
    assert contact.target_id == "003C"


def test_rebind_updates_target_hash_and_time(store: StateStore) -> None:
    first = store.bind(*SOURCE, "42", "salesforce", "Account", "001A", "h1")
    later = first.written_at + timedelta(hours=1)
    second = store.bind(*SOURCE, "42", "salesforce", "Account", "001B", "h2", later)
    assert (second.target_id, second.payload_hash, second.written_at) == ("001B", "h2", later)
    assert second.created_at == first.created_at
    assert xref_rows(store) == 1


def test_bind_rejects_naive_written_at(store: StateStore) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        store.bind(*SOURCE, "1", "salesforce", "Account", "001", written_at=datetime(2024, 1, 1))


def test_lookup_many_spans_chunks(store: StateStore) -> None:
    requests = [
        BindRequest(*SOURCE, str(n), "salesforce", "Account", f"001-{n}", f"h{n}")
        for n in range(1200)
    ]
    assert store.bind_many(requests) == 1200

    wanted = [str(n) for n in range(0, 1300, 3)] + ["5", "5"]
    found = store.lookup_many(*SOURCE, wanted, "salesforce", "Account")

    assert set(found) == {i for i in wanted if int(i) < 1200}
    assert found["999"].target_id == "001-999"
    assert store.lookup_many(*SOURCE, [], "salesforce", "Account") == {}
    assert store.lookup_many(*SOURCE, ["1"], "salesforce", "Contact") == {}


def test_bind_many_last_request_wins_and_upserts(store: StateStore) -> None:
    store.bind(*SOURCE, "1", "salesforce", "Account", "old", "h-old")
    count = store.bind_many(
        [
            BindRequest(*SOURCE, "1", "salesforce", "Account", "first", "h1"),
            BindRequest(*SOURCE, "2", "salesforce", "Account", "two", "h2"),
            BindRequest(*SOURCE, "1", "salesforce", "Account", "second", "h3"),
        ]
    )
    assert count == 2
    assert xref_rows(store) == 2
    found = store.lookup_many(*SOURCE, ["1", "2"], "salesforce", "Account")
    assert (found["1"].target_id, found["1"].payload_hash) == ("second", "h3")
    assert store.bind_many([]) == 0


def test_reverse_finds_every_source_of_a_target(store: StateStore) -> None:
    store.bind("shift4shop", "customer", "42", "salesforce", "Account", "001A")
    store.bind("bigcommerce", "customer", "7", "salesforce", "Account", "001A")
    store.bind("bigcommerce", "customer", "8", "salesforce", "Account", "001B")
    sources = store.reverse("salesforce", "Account", "001A")
    assert [(b.system, b.external_id) for b in sources] == [
        ("bigcommerce", "7"),
        ("shift4shop", "42"),
    ]
    assert store.reverse("salesforce", "Account", "none") == []


def test_unchanged_skips_only_identical_hashes(store: StateStore) -> None:
    binding = store.bind(*SOURCE, "42", "salesforce", "Account", "001A", "abc")
    assert unchanged(binding, "abc")
    assert store.unchanged(binding, "abc")
    assert not unchanged(binding, "abd")
    assert not unchanged(None, "abc")
    assert not unchanged(binding, None)
    no_hash = store.bind(*SOURCE, "43", "salesforce", "Account", "001B")
    assert not unchanged(no_hash, None)


def test_racing_binds_leave_one_row(store: StateStore, concurrently: Any) -> None:
    workers, rounds = 8, 6
    written = {f"001-{w}-{r}" for w in range(workers) for r in range(rounds)}

    def bind(worker: int) -> None:
        for round_ in range(rounds):
            store.bind(*SOURCE, "race", "salesforce", "Account", f"001-{worker}-{round_}", "h")

    concurrently(workers, bind)

    assert xref_rows(store) == 1
    binding = store.lookup(*SOURCE, "race", "salesforce", "Account")
    assert binding is not None
    assert binding.target_id in written


def test_racing_bind_many_batches(store: StateStore, concurrently: Any) -> None:
    ids = [str(n) for n in range(60)]

    def bind_batch(worker: int) -> int:
        shuffled = random.Random(worker).sample(ids, len(ids))
        return store.bind_many(
            [BindRequest(*SOURCE, i, "salesforce", "Account", f"t-{worker}-{i}") for i in shuffled]
        )

    assert concurrently(6, bind_batch) == [60] * 6
    assert xref_rows(store) == 60
