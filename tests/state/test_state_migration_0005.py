"""Revision 0005: guest ids keyed by a keyed hash of the e-mail, old dead letters masked."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from connectors.shift4shop.models import Order as RawOrder
from connectors.state import StateStore
from connectors.state.meta import PSEUDONYM_KEY, pseudonym
from connectors.state.models import DeadLetterRow, InboxRow, MetaRow, XrefRow
from connectors.state.schema import downgrade
from transforms.shift4shop import customer_ref, decode_order

T0 = datetime(2026, 11, 1, tzinfo=UTC)
GUEST = "jane.doe@example.com"
OTHER = "guest7@example.net"
OLD_KEY = "ab" * 32  # a key a store already had before 0005


def _xref(external_id: str, target_entity: str, target_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "system": "shift4shop",
        "entity": "customer",
        "external_id": external_id,
        "target_system": "salesforce",
        "target_entity": target_entity,
        "target_id": target_id,
        "payload_hash": "h",
        "written_at": T0,
        "created_at": T0,
        **extra,
    }


def _letter(external_id: str, message: str, payload: Any, **extra: Any) -> dict[str, Any]:
    return {
        "flow": "order-to-cash:shift4shop->salesforce",
        "system": "shift4shop",
        "entity": "customer",
        "external_id": external_id,
        "error_class": "RecordError",
        "message": message,
        "payload": payload,
        "attempts": 1,
        "status": "open",
        "created_at": T0,
        "updated_at": T0,
        **extra,
    }


def at_0004(store: StateStore, *, with_key: bool = False) -> None:
    """A store at 0004 holding what older versions wrote: e-mails in ids and texts."""
    store.upgrade("0004")
    with store.engine.begin() as connection:
        if with_key:
            connection.execute(
                insert(MetaRow).values(key=PSEUDONYM_KEY, value=OLD_KEY, created_at=T0)
            )
        connection.execute(
            insert(XrefRow),
            [
                _xref(f"guest:{GUEST}", "Account", "001A"),
                _xref(f"guest:{GUEST}", "Contact", "003C"),
                _xref(f"guest:{OTHER}", "Contact", "003D"),
                _xref("714", "Contact", "003E"),
                _xref("guest:order-1281", "Contact", "003F"),
                {
                    **_xref("003G", "Customer", f"guest:{OTHER}"),
                    "system": "salesforce",
                    "target_system": "shift4shop",
                },
            ],
        )
        payload = {
            "customer": {
                "email": GUEST,
                "first_name": "Jane",
                "last_name": "Okafor",
                "billing_address": {"line1": "12 Oak St", "city": "Austin", "country": "US"},
            },
            "ref": f"shift4shop:customer:guest:{GUEST}",
            "lines": [{"sku": "SB-TEE-001", "quantity": 2}],
        }
        connection.execute(
            insert(DeadLetterRow),
            [
                _letter(
                    f"guest:{GUEST}",
                    f"shift4shop:customer:guest:{GUEST}: Jane Okafor of 12 Oak St refused",
                    payload,
                ),
                _letter("1042", "shift4shop:order:1042: unknown SKU", {"id": 1042}, entity="order"),
            ],
        )
        connection.execute(
            insert(InboxRow).values(
                source="shift4shop",
                delivery_key="d1",
                topic="order",
                resource_id="1042",
                status="failed",
                attempts=1,
                last_error=f"RecordError: {GUEST} refused",
                received_at=T0,
                updated_at=T0,
            )
        )


def everything(store: StateStore) -> str:
    with store.engine.connect() as connection:
        rows = [
            dict(row)
            for model in (XrefRow, DeadLetterRow, InboxRow)
            for row in connection.execute(select(model.__table__)).mappings()
        ]
    return json.dumps(rows, default=str)


def bound(store: StateStore, external_id: str, target_entity: str) -> str | None:
    found = store.lookup("shift4shop", "customer", external_id, "salesforce", target_entity)
    return None if found is None else found.target_id


def key_of(store: StateStore) -> bytes:
    stored = store.get_meta(PSEUDONYM_KEY)
    assert stored is not None
    return bytes.fromhex(stored)


def test_a_fresh_store_gets_no_key_from_the_migration(empty_store: StateStore) -> None:
    empty_store.upgrade()
    assert empty_store.current_revision() >= "0005"  # and later revisions
    assert empty_store.get_meta(PSEUDONYM_KEY) is None  # created on first use instead


def test_upgrade_rewrites_guest_ids_and_masks_old_texts(empty_store: StateStore) -> None:
    store = empty_store
    at_0004(store)
    store.upgrade()
    assert store.current_revision() >= "0005"  # and later revisions
    key = key_of(store)  # created by the migration
    jane, other = (f"guest:{pseudonym(key, e)}" for e in (GUEST, OTHER))
    dump = everything(store)
    for needle in (GUEST, OTHER, "Okafor", "12 Oak St"):
        assert needle not in dump
    assert bound(store, jane, "Account") == "001A"
    assert bound(store, jane, "Contact") == "003C"
    assert bound(store, other, "Contact") == "003D"
    assert bound(store, "714", "Contact") == "003E"  # registered customers keep their ids
    assert bound(store, "guest:order-1281", "Contact") == "003F"
    reverse = store.lookup("salesforce", "customer", "003G", "shift4shop", "Customer")
    assert reverse is not None
    assert reverse.target_id == other
    letters = {d.external_id: d for d in store.list_dead_letters()}
    assert set(letters) == {jane, "1042"}
    guest = letters[jane]
    assert guest.message.startswith(f"shift4shop:customer:{jane}: ")
    assert "refused" in guest.message
    assert guest.payload["lines"] == [{"sku": "SB-TEE-001", "quantity": 2}]  # what helps stays
    assert guest.payload["customer"]["billing_address"]["country"] == "US"
    assert guest.payload["ref"] == f"shift4shop:customer:{jane}"
    assert letters["1042"].message == "shift4shop:order:1042: unknown SKU"
    with store.engine.connect() as connection:
        error = connection.execute(select(InboxRow.last_error)).scalar_one()
    assert error == "RecordError: j***@example.com refused"


def test_the_codec_gives_a_guest_the_id_the_migration_gave_it(empty_store: StateStore) -> None:
    at_0004(empty_store)
    empty_store.upgrade()
    guest_key = empty_store.pseudonymiser()
    migrated = f"guest:{pseudonym(key_of(empty_store), GUEST)}"
    assert customer_ref(0, " Jane.Doe@Example.com ", guest_key=guest_key).id == migrated
    raw = RawOrder.model_validate(
        {
            "OrderID": 5,
            "CustomerID": 0,
            "BillingEmail": GUEST.upper(),
            "OrderStatusID": 1,
            "OrderDate": "2026-11-01T10:00:00",
            "OrderAmount": 10,
            "OrderItemList": [
                {"ItemIndexID": 1, "ItemID": "SB-TEE-001", "ItemQuantity": 1, "ItemUnitPrice": 10}
            ],
        }
    )
    order = decode_order(raw, timezone="UTC", currency="USD", guest_key=guest_key)
    # the guest's next order finds the bindings the migration rewrote: no new Contact
    assert bound(empty_store, order.customer.ref.id, "Contact") == "003C"


def test_an_existing_key_is_kept(empty_store: StateStore) -> None:
    at_0004(empty_store, with_key=True)
    empty_store.upgrade()
    assert empty_store.get_meta(PSEUDONYM_KEY) == OLD_KEY
    expected = f"guest:{pseudonym(bytes.fromhex(OLD_KEY), GUEST)}"
    assert bound(empty_store, expected, "Contact") == "003C"


def test_a_binding_already_under_the_new_id_wins(empty_store: StateStore) -> None:
    at_0004(empty_store, with_key=True)
    new = f"guest:{pseudonym(bytes.fromhex(OLD_KEY), GUEST)}"
    with empty_store.engine.begin() as connection:
        connection.execute(insert(XrefRow).values(**_xref(new, "Contact", "003NEW")))
        connection.execute(insert(DeadLetterRow).values(**_letter(new, f"{new}: again", None)))
    empty_store.upgrade()
    assert bound(empty_store, new, "Contact") == "003NEW"
    assert GUEST not in everything(empty_store)
    letters = empty_store.list_dead_letters(status=None)
    (still_open,) = [d for d in letters if d.external_id == new and d.status.value == "open"]
    assert still_open.message == f"{new}: again"
    (superseded,) = [d for d in letters if d.external_id == new and d.id != still_open.id]
    assert superseded.status.value == "ignored"
    assert f"dead letter {still_open.id}" in (superseded.note or "")


def test_downgrade_is_a_no_op_and_upgrading_again_changes_nothing(
    empty_store: StateStore,
) -> None:
    at_0004(empty_store)
    empty_store.upgrade()
    after = everything(empty_store)
    downgrade(empty_store.engine, "0004")
    assert empty_store.current_revision() == "0004"
    assert everything(empty_store) == after  # e-mails cannot come back from their hashes
    empty_store.upgrade()
    assert empty_store.current_revision() >= "0005"  # and later revisions
    assert everything(empty_store) == after
