"""Golden-file and rule tests of the Salesforce codec and of the mappings that write payloads.

Decodes (SOQL rows → canonical) and encodes (canonical → the payloads a target writes) each have
a golden file next to this module. Regenerate after an intended change with
`UPDATE_GOLDEN=1 pytest tests/transforms/test_salesforce_codec.py` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.http import jsonx
from connectors.shift4shop.models import Order as RawOrder
from connectors.state.meta import Pseudonymiser
from transforms.canonical import Entity, Fulfillment, OrderStatus, Shipment
from transforms.mapping import apply, load_mapping
from transforms.salesforce import (
    ContactCodec,
    DecodeError,
    FulfillmentCodec,
    decode_contact,
    decode_fulfillment,
    decode_product,
    decode_stock,
    parse_external_id,
)
from transforms.shift4shop import decode_order

GOLDEN = Path(__file__).parent / "golden"
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "shift4shop"
EXT = "Storebridge_Id__c"

CONTACT = {
    "Id": "003000000000001AAA",
    "AccountId": "001000000000001AAA",
    "FirstName": "Kira",
    "LastName": "Quinto",
    "Email": "Kira.Quinto@Example.com",
    "Phone": "+1 305 555 0101",
    "MailingStreet": "99 Elm St\nApt 4",
    "MailingCity": "Miami",
    "MailingState": "FL",
    "MailingPostalCode": "33101",
    "MailingCountry": "US",
    "SystemModstamp": "2026-11-20T14:05:09.000+0000",
    EXT: "shift4shop:customer:26",
}
ORDER = {
    "Id": "801000000000001AAA",
    EXT: "shift4shop:order:1001",
    "Fulfillment_Status__c": "shipped",
    "Carrier__c": "UPS",
    "Shipping_Service__c": "Ground",
    "Tracking_Number__c": "1Z999AA10123456784",
    "Shipped_Date__c": "2026-11-21",
    "SystemModstamp": "2026-11-21T18:00:00.000+0000",
}
ITEMS = [
    {
        "Id": "802000000000001AAA",
        EXT: "shift4shop:order_line:1001-1",
        "Quantity_Shipped__c": 2,
        "PricebookEntry": {"Product2": {"ProductCode": "SB-TEE-001-M"}},
    },
    {
        "Id": "802000000000002AAA",
        EXT: "shift4shop:order_line:1001-2",
        "Quantity_Shipped__c": 0,
        "PricebookEntry": {"Product2": {"ProductCode": "SB-CAP-048"}},
    },  # not shipped yet
]
PRODUCT = {
    "Id": "01t000000000001AAA",
    "ProductCode": "SB-TEE-001",
    "Name": "Tee",
    "IsActive": True,
    "Description": "<p>Soft <b>cotton</b></p>",
    "SystemModstamp": "2026-11-01T06:30:00.000+0000",
}
VARIANTS = [
    {
        "Id": "01t000000000002AAA",
        "ProductCode": "SB-TEE-001-XS",
        "Variant_Option__c": "Size=XS",
        "IsActive": True,
    },
    {
        "Id": "01t000000000003AAA",
        "ProductCode": "SB-TEE-001-XL",
        "Variant_Option__c": "Size=XL",
        "IsActive": False,
    },
]
PRICES = {"SB-TEE-001": Decimal("19.90"), "SB-TEE-001-XS": Decimal("17.50")}


def check_golden(name: str, actual: Any) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    assert actual == json.loads(path.read_text())


def plain(payload: Any) -> Any:
    """A payload as it goes on the wire, read back with every decimal number as its exact
    digits (`"decimal:19.90"`), so the golden file checks the digits sent, not a float."""
    return json.loads(jsonx.dumps(payload), parse_float=lambda digits: f"decimal:{digits}")


def test_contact_matches_golden() -> None:
    check_golden("salesforce_contact.json", decode_contact(CONTACT).model_dump(mode="json"))


def test_fulfillment_matches_golden() -> None:
    fulfillment = decode_fulfillment(ORDER, ITEMS)
    check_golden("salesforce_fulfillment.json", fulfillment.model_dump(mode="json"))
    assert fulfillment.order.key == "shift4shop:order:1001"
    assert fulfillment.status is OrderStatus.SHIPPED  # "shipped": labels match ignoring case


def test_product_matches_golden() -> None:
    product = decode_product(PRODUCT, VARIANTS, PRICES, currency="USD")
    check_golden("salesforce_product.json", product.model_dump(mode="json"))
    assert [v.price.amount if v.price else None for v in product.variants] == [
        Decimal("17.50"),
        None,
    ]


def test_payloads_written_for_the_captured_order_match_golden() -> None:
    raw = RawOrder.model_validate(json.loads((SAMPLES / "order.json").read_text())[0])
    guest_key = Pseudonymiser(bytes(range(32)))  # the key of the Shift4Shop codec's golden test
    order = decode_order(raw, timezone="America/New_York", currency="USD", guest_key=guest_key)
    ctx = {
        "account_id": "001A",
        "contact_id": "003C",
        "pricebook_id": "01sP",
        "pricebook_entry_id": "01uE",
        "order_id": "801O",
        "order_ref": {EXT: "o"},
        "timezone": "America/New_York",
        "option_name": "Size",
    }
    shipment = order.shipments[0]
    fulfillment = Fulfillment(
        ref=order.ref, order=order.ref, status=order.status, shipments=(shipment,)
    )
    payloads = {
        "salesforce/account": apply(load_mapping("salesforce/account"), order.customer),
        "salesforce/contact": apply(load_mapping("salesforce/contact"), order.customer, ctx=ctx),
        "salesforce/order": apply(load_mapping("salesforce/order"), order, ctx=ctx),
        "salesforce/order_item": apply(
            load_mapping("salesforce/order_item"), order.lines[0], ctx=ctx
        ),
        "salesforce/payment": apply(load_mapping("salesforce/payment"), order.payments[0], ctx=ctx),
        "shift4shop/customer": apply(load_mapping("shift4shop/customer"), order.customer),
        "shift4shop/fulfillment": apply(load_mapping("shift4shop/fulfillment"), fulfillment),
        "shift4shop/shipment": apply(load_mapping("shift4shop/shipment"), shipment, ctx=ctx),
    }
    product = decode_product(PRODUCT, VARIANTS, PRICES, currency="USD")
    payloads["shift4shop/product"] = apply(load_mapping("shift4shop/product"), product)
    payloads["shift4shop/variant"] = apply(
        load_mapping("shift4shop/variant"), product.variants[0], ctx=ctx
    )
    check_golden("payloads_order_230.json", plain(payloads))
    assert payloads["salesforce/order"]["Amount_Paid__c"] == Decimal("108.75")
    assert payloads["shift4shop/product"]["SKUInfo"]["Price"] == Decimal("19.90")


def test_stock_sums_levels_and_keeps_the_safety_stock_back() -> None:
    stock = decode_stock(
        {"Id": "01t1", "ProductCode": "SB-CAP-048"},
        [("MAIN", 10, 3), ("EAST", 4.5, None)],
        safety_stock=Decimal(2),
    )
    assert stock.ref.entity is Entity.INVENTORY
    assert [lv.available for lv in stock.levels] == [Decimal(7), Decimal("4.5")]
    assert stock.sellable == Decimal(9)  # 11.5 - 2, whole units


def test_an_order_that_is_not_ours_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match=r"salesforce:fulfillment:801X: .*is not a store order"):
        decode_fulfillment({"Id": "801X", EXT: "salesforce:customer:1"})
    with pytest.raises(DecodeError, match="salesforce:fulfillment:801Y"):
        decode_fulfillment({"Id": "801Y"})


def test_external_ids_parse_back_to_refs() -> None:
    ref = parse_external_id("shift4shop:order_line:1001-1")
    assert ref is not None
    assert (ref.system, ref.entity, ref.id) == ("shift4shop", Entity.ORDER_LINE, "1001-1")
    assert parse_external_id("nowhere:order:1") is None
    assert parse_external_id("shift4shop:order:") is None
    assert parse_external_id(None) is None


def test_written_payloads_decode_as_they_will_read_back() -> None:
    contact = ContactCodec().decode_written(
        {k: v for k, v in CONTACT.items() if k != "Id"}, "003000000000001AAA"
    )
    assert contact is not None
    assert contact.email == "kira.quinto@example.com"
    assert ContactCodec().decode_written({"Email": "not an address"}, "003X") is None
    written = FulfillmentCodec().decode_written(
        {EXT: "shift4shop:order:1001", "Fulfillment_Status__c": "Processing"}, "801Z"
    )
    assert written is not None
    assert written.status is OrderStatus.PROCESSING
    assert written.shipments == ()
    assert FulfillmentCodec().decode_written({"Fulfillment_Status__c": "Shipped"}, "801Z") is None


def test_shipments_without_tracking_or_lines_are_left_out() -> None:
    bare = decode_fulfillment({**ORDER, "Tracking_Number__c": None}, [ITEMS[1]])
    assert bare.shipments == ()
    dated = decode_fulfillment(ORDER, ITEMS).shipments[0]
    assert isinstance(dated, Shipment)
    assert dated.shipped_at is not None
    assert dated.shipped_at.tzinfo == dt.UTC
    assert dated.shipped_at.date() == dt.date(2026, 11, 21)  # Shipped_Date__c is a date
