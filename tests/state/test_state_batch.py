"""`record_batch`: a loaded batch's bindings, dead letters and resolutions in ONE transaction."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.records import Failure
from connectors.state import (
    BatchCounts,
    BatchRecord,
    BindRequest,
    DeadLetterStatus,
    StateStore,
)
from connectors.state.models import XrefRow

FLOW = "order-to-cash:shift4shop->salesforce"
EMAIL = "jane.doe@example.com"


def bind(external_id: str, target_id: str, payload_hash: str = "h") -> BindRequest:
    return BindRequest(
        "shift4shop", "order", external_id, "salesforce", "Order", target_id, payload_hash
    )


def failure(external_id: str, message: str = "unknown SKU", payload: Any = None) -> Failure:
    return Failure(
        "shift4shop",
        "order",
        external_id,
        "RecordError",
        f"shift4shop:order:{external_id}: {message}",
        payload,
    )


def park(store: StateStore, external_id: str, flow: str = FLOW) -> int:
    return store.add_dead_letter(
        flow=flow,
        system="shift4shop",
        entity="order",
        external_id=external_id,
        error_class="RecordError",
        message="earlier failure",
    ).id


def xref_rows(store: StateStore) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(XrefRow)).scalar_one())


def test_a_batch_binds_dead_letters_and_resolves_at_once(store: StateStore) -> None:
    loaded_now = park(store, "1")
    failing_again = park(store, "4")
    other_flow = park(store, "1", flow="customers:shift4shop->salesforce")

    counts = store.record_batch(
        BatchRecord(
            flow=FLOW,
            binds=[bind("1", "801-old"), bind("2", "801-2"), bind("1", "801-1", "h-new")],
            failures=[failure("3"), failure("4", "still unknown")],
            succeeded=[
                ("shift4shop", "order", "1"),
                ("shift4shop", "order", "2"),
                ("shift4shop", "order", "1"),
            ],
            run_id="run-9",
        )
    )

    assert (counts.bound, counts.resolved) == (2, 1)
    assert len(counts.dead_letter_ids) == 2
    assert counts.dead_letter_ids[1] == failing_again
    found = store.lookup_many("shift4shop", "order", ["1", "2"], "salesforce", "Order")
    assert (found["1"].target_id, found["1"].payload_hash) == ("801-1", "h-new")  # last wins
    assert found["2"].target_id == "801-2"
    assert store.get_dead_letter(loaded_now).status is DeadLetterStatus.RESOLVED
    assert store.get_dead_letter(other_flow).status is DeadLetterStatus.OPEN
    again = store.get_dead_letter(failing_again)
    assert (again.attempts, again.flow_run_id, again.status) == (2, "run-9", DeadLetterStatus.OPEN)
    new = store.get_dead_letter(counts.dead_letter_ids[0])
    assert (new.flow, new.external_id) == (FLOW, "3")
    assert new.message == "shift4shop:order:3: unknown SKU"


def test_a_failure_inside_the_batch_leaves_nothing_behind(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_letter = park(store, "1")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_add_dead_letter", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        store.record_batch(
            BatchRecord(
                FLOW,
                binds=[bind("1", "801-1")],
                failures=[failure("2")],
                succeeded=[("shift4shop", "order", "1")],
            )
        )
    monkeypatch.undo()

    assert xref_rows(store) == 0  # the bindings were written first, and rolled back
    assert store.get_dead_letter(open_letter).status is DeadLetterStatus.OPEN
    assert len(store.list_dead_letters()) == 1


def test_an_empty_batch_opens_no_transaction(
    store: StateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_write(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an empty batch must not write")

    monkeypatch.setattr(store, "_write", no_write)
    assert store.record_batch(BatchRecord(FLOW, run_id="run-1")) == BatchCounts()


def test_payloads_and_messages_are_redacted(store: StateStore) -> None:
    counts = store.record_batch(
        BatchRecord(
            FLOW,
            failures=[
                failure(
                    "5",
                    f"customer {EMAIL} matches two contacts",
                    {"id": 5, "email": EMAIL, "card_number": "4111111111111111"},
                ),
            ],
        )
    )
    letter = store.get_dead_letter(counts.dead_letter_ids[0])
    assert EMAIL not in letter.message
    assert "j***@example.com" in letter.message
    assert EMAIL not in str(letter.payload)
    assert "4111111111111111" not in str(letter.payload)
    assert letter.payload["id"] == 5


def test_concurrent_batches_of_overlapping_records_do_not_deadlock(
    store: StateStore, concurrently: Any
) -> None:
    ids = [str(n) for n in range(80)]

    def record(worker: int) -> int:
        shuffled = random.Random(worker).sample(ids, len(ids))
        counts = store.record_batch(
            BatchRecord(
                FLOW,
                binds=[bind(i, f"801-{worker}-{i}") for i in shuffled],
                succeeded=[("shift4shop", "order", i) for i in shuffled],
            )
        )
        return counts.bound

    assert concurrently(6, record) == [80] * 6
    assert xref_rows(store) == 80
