"""Dead letters: redacted payloads, one open row per record, edit / status / resolve."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from connectors.state import (
    DeadLetterConflictError,
    DeadLetterNotFoundError,
    DeadLetterStatus,
    StateStore,
)
from connectors.state.models import DeadLetterRow

FLOW = "order-to-cash"
CARD = "4111111111111111"
EMAIL = "jane.doe@example.com"


def park(store: StateStore, external_id: str = "100", **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "flow": FLOW,
        "system": "shift4shop",
        "entity": "order",
        "external_id": external_id,
        "error_class": "RecordError",
        "message": f"order {external_id}: field SKU 'X-1' is unknown",
        "payload": {"id": external_id, "email": EMAIL, "total": Decimal("10.50")},
        "flow_run_id": "run-1",
    }
    fields.update(overrides)
    return store.add_dead_letter(**fields)


def raw_payloads(store: StateStore) -> str:
    with store.engine.connect() as connection:
        return json.dumps(list(connection.execute(select(DeadLetterRow.payload)).scalars()))


@pytest.fixture(autouse=True)
def _redactor(fake_redactor: list[Any]) -> list[Any]:
    return fake_redactor


def test_payload_is_redacted_before_it_is_stored(
    store: StateStore, fake_redactor: list[Any]
) -> None:
    letter = park(store, payload={"email": EMAIL, "card_number": CARD, "lines": [{"sku": "A"}]})
    assert fake_redactor, "the store did not call redact_payload"
    assert letter.payload == {
        "email": "[REDACTED]",
        "card_number": "[REDACTED]",
        "lines": [{"sku": "A"}],
    }
    stored = raw_payloads(store)
    assert CARD not in stored
    assert EMAIL not in stored


def test_payload_becomes_plain_json(store: StateStore) -> None:
    letter = park(store)
    assert letter.payload == {"id": "100", "email": "[REDACTED]", "total": "10.50"}
    assert letter.status is DeadLetterStatus.OPEN
    assert (letter.attempts, letter.flow_run_id) == (1, "run-1")


def test_second_failure_updates_the_open_dead_letter(store: StateStore) -> None:
    first = park(store)
    second = park(
        store,
        error_class="ValidationError",
        message="order 100: bad zip",
        payload=None,
        flow_run_id="run-2",
    )
    assert second.id == first.id
    assert second.attempts == 2
    assert (second.error_class, second.message, second.flow_run_id) == (
        "ValidationError",
        "order 100: bad zip",
        "run-2",
    )
    assert second.payload == first.payload  # kept for the replay
    assert second.updated_at >= first.updated_at
    assert len(store.list_dead_letters()) == 1
    assert park(store, flow="inventory-sync").id != first.id


def test_concurrent_failures_of_one_record_count_attempts(
    store: StateStore, concurrently: Any
) -> None:
    results = concurrently(8, lambda i: park(store, flow_run_id=f"run-{i}"))
    assert len({letter.id for letter in results}) == 1
    assert store.get_dead_letter(results[0].id).attempts == 8
    assert store.dead_letter_counts() == {"open": 1, "replayed": 0, "resolved": 0, "ignored": 0}


def test_list_filters_and_pages(store: StateStore) -> None:
    ids = [park(store, str(n)).id for n in range(5)]
    park(store, "9", system="bigcommerce")
    park(store, "8", flow="inventory-sync")
    store.mark_resolved(ids[0])

    assert len(store.list_dead_letters()) == 7
    assert [
        d.id for d in store.list_dead_letters(status="open", flow=FLOW, system="shift4shop")
    ] == ids[1:]
    assert [d.id for d in store.list_dead_letters(status=DeadLetterStatus.RESOLVED)] == ids[:1]
    assert [d.id for d in store.list_dead_letters(flow=FLOW, limit=2, offset=1)] == ids[1:3]
    with pytest.raises(ValueError, match="'closed'"):
        store.list_dead_letters(status="closed")


def test_get_unknown_id_names_it(store: StateStore) -> None:
    with pytest.raises(DeadLetterNotFoundError, match="dead letter 424242 not found") as info:
        store.get_dead_letter(424242)
    assert isinstance(info.value, KeyError)
    assert str(info.value) == "dead letter 424242 not found"
    with pytest.raises(DeadLetterNotFoundError, match="424243"):
        store.edit_dead_letter(424243, note="x")
    with pytest.raises(DeadLetterNotFoundError, match="424244"):
        store.mark_resolved(424244)


def test_edit_redacts_the_new_payload(store: StateStore) -> None:
    letter = park(store)
    edited = store.edit_dead_letter(
        letter.id, payload={"id": "100", "card_number": CARD, "sku": "X-2"}, note="fixed SKU"
    )
    assert edited.payload == {"id": "100", "card_number": "[REDACTED]", "sku": "X-2"}
    assert edited.note == "fixed SKU"
    assert CARD not in raw_payloads(store)
    note_only = store.edit_dead_letter(letter.id, note=None)
    assert note_only.note is None
    assert note_only.payload == edited.payload
    assert store.get_dead_letter(letter.id) == note_only


def test_status_changes(store: StateStore) -> None:
    letter = park(store)
    ignored = store.set_dead_letter_status(letter.id, "ignored", note="test order")
    assert (ignored.status, ignored.note) == (DeadLetterStatus.IGNORED, "test order")
    reopened = store.set_dead_letter_status(letter.id, DeadLetterStatus.OPEN)
    assert reopened.status is DeadLetterStatus.OPEN
    assert reopened.note == "test order"
    resolved = store.mark_resolved(letter.id, note="loaded by hand")
    assert (resolved.status, resolved.note) == (DeadLetterStatus.RESOLVED, "loaded by hand")
    with pytest.raises(ValueError, match="'gone'"):
        store.set_dead_letter_status(letter.id, "gone")


def test_reopening_beside_an_open_one_is_a_conflict(store: StateStore) -> None:
    old = park(store)
    store.mark_resolved(old.id)
    new = park(store)
    assert new.id != old.id
    with pytest.raises(DeadLetterConflictError, match=str(old.id)):
        store.set_dead_letter_status(old.id, "open")
    assert store.get_dead_letter(old.id).status is DeadLetterStatus.RESOLVED


def test_failed_replay_reopens_the_same_dead_letter(store: StateStore) -> None:
    letter = park(store)
    store.set_dead_letter_status(letter.id, DeadLetterStatus.REPLAYED)
    again = park(store, message="order 100: still unknown SKU")
    assert again.id == letter.id
    assert (again.status, again.attempts) == (DeadLetterStatus.OPEN, 2)


def test_resolve_open_closes_loaded_records_only(store: StateStore) -> None:
    ids = [park(store, str(n)).id for n in range(4)]
    store.set_dead_letter_status(ids[1], DeadLetterStatus.REPLAYED)
    store.set_dead_letter_status(ids[2], DeadLetterStatus.IGNORED)
    other_flow = park(store, "0", flow="inventory-sync").id

    assert store.resolve_open(FLOW, "shift4shop", "order", ["0", "1", "2", "77"]) == 2
    assert store.resolve_open(FLOW, "shift4shop", "order", []) == 0

    status = {i: store.get_dead_letter(i).status for i in [*ids, other_flow]}
    assert status == {
        ids[0]: DeadLetterStatus.RESOLVED,
        ids[1]: DeadLetterStatus.RESOLVED,
        ids[2]: DeadLetterStatus.IGNORED,
        ids[3]: DeadLetterStatus.OPEN,
        other_flow: DeadLetterStatus.OPEN,
    }
    assert store.dead_letter_counts(FLOW) == {
        "open": 1,
        "replayed": 0,
        "resolved": 2,
        "ignored": 1,
    }
    assert store.dead_letter_counts()["open"] == 2
