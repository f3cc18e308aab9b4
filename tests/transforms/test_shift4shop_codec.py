"""Golden-file and rule tests of the Shift4Shop → canonical codec.

The golden input is the redacted capture of a real v1 order (shared/api-specs/shift4shop/samples);
the expected canonical JSON sits next to this file. Regenerate after an intended change with
`UPDATE_GOLDEN=1 pytest tests/transforms/test_shift4shop_codec.py` and review the diff.
"""

from __future__ import annotations

import copy
import json
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.shift4shop.models import Customer as RawCustomer
from connectors.shift4shop.models import Order as RawOrder
from connectors.state.meta import Pseudonymiser, pseudonym
from transforms.shift4shop import (
    DecodeError,
    customer_ref,
    decode_customer,
    decode_order,
    source_field,
)

GOLDEN = Path(__file__).parent / "golden"
SAMPLES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "shift4shop"
KEY = bytes(range(32))  # a fixed key: golden files stay stable
GUEST_KEY = Pseudonymiser(KEY)


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def check_golden(name: str, actual: Any) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    assert actual == json.loads(path.read_text())


def decode(data: dict[str, Any]) -> Any:
    return decode_order(
        RawOrder.model_validate(data),
        timezone="America/New_York",
        currency="USD",
        guest_key=GUEST_KEY,
    )


def test_captured_order_matches_golden() -> None:
    order = decode(sample("order.json")[0])
    check_golden("shift4shop_order_230.json", order.model_dump(mode="json"))


def test_captured_customer_matches_golden() -> None:
    customer = decode_customer(RawCustomer.model_validate(sample("customer.json")), timezone="UTC")
    check_golden("shift4shop_customer_714.json", customer.model_dump(mode="json"))


def test_store_local_times_become_utc_across_dst() -> None:
    data = copy.deepcopy(sample("order.json")[0])
    data["OrderDate"], data["LastUpdate"] = "2026-10-31T23:30:00", "2026-11-01T23:30:00"
    order = decode(data)
    assert order.placed_at.isoformat() == "2026-11-01T03:30:00+00:00"  # EDT, UTC-4
    assert order.updated_at.isoformat() == "2026-11-02T04:30:00+00:00"  # EST, UTC-5


def test_key_casing_of_the_vendor_schema_is_accepted() -> None:
    data = copy.deepcopy(sample("order.json")[0])
    data["CustomerId"] = data.pop("CustomerID")
    data = {k.lower() if k.startswith("Billing") else k: v for k, v in data.items()}
    assert decode(data).customer.email == "jane.doe@example.com"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"BillingEmail": "not-an-address"}, "customer.email is Shift4Shop BillingEmail"),
        ({"OrderStatusID": 42}, "OrderStatusID 42 has no entry"),
        ({"OrderItemList": []}, "lines: Value error, an order needs at least one line"),
    ],
)
def test_bad_orders_name_record_and_field(change: dict[str, Any], expected: str) -> None:
    data = {**sample("order.json")[0], **change}
    with pytest.raises(DecodeError) as err:
        decode(data)
    assert str(err.value).startswith("shift4shop:order:230: ")
    assert expected in str(err.value)


def test_zero_quantity_names_the_shift4shop_field() -> None:
    data = copy.deepcopy(sample("order.json")[0])
    data["OrderItemList"][0]["ItemQuantity"] = 0
    with pytest.raises(DecodeError, match=r"OrderItemList\[0\]\.ItemQuantity"):
        decode(data)


def test_guest_customers_are_keyed_by_a_keyed_hash_of_their_email() -> None:
    ref = customer_ref(0, " Jane.Doe@Example.com ", guest_key=GUEST_KEY)
    assert ref.id == "guest:" + pseudonym(KEY, "jane.doe@example.com")
    assert re.fullmatch(r"guest:h-[0-9a-f]{32}", ref.id)
    assert "jane" not in ref.key.lower()
    # one shopper, one key, however the address is written; another key, another id
    assert customer_ref(0, "jane.doe@example.com", guest_key=GUEST_KEY) == ref
    assert customer_ref(0, "jane.doe@example.com", guest_key=Pseudonymiser(KEY[::-1])) != ref
    assert customer_ref(0, "john@example.com", guest_key=GUEST_KEY) != ref
    assert customer_ref(714, "jane.doe@example.com").id == "714"
    assert customer_ref(0, "", 1281).id == "guest:order-1281"


def test_the_codec_hashes_only_through_the_function_it_is_given() -> None:
    seen: list[str] = []

    def fake(email: str) -> str:
        seen.append(email)
        return "h-fake"

    assert customer_ref(0, " A@B.example ", guest_key=fake).id == "guest:h-fake"
    assert seen == ["a@b.example"]  # normalised before hashing
    with pytest.raises(ValueError, match="keyed by a hash"):
        customer_ref(0, "a@b.example")  # an address never becomes a key by default


def test_a_guest_order_carries_no_address_in_any_key() -> None:
    order = decode(sample("order.json")[0])
    assert order.customer.is_guest
    assert order.customer.email == "jane.doe@example.com"  # the data still moves
    keys = [order.ref.key, order.customer.ref.key, *(ln.ref.key for ln in order.lines)]
    keys += [p.ref.key for p in order.payments] + [s.ref.key for s in order.shipments]
    assert not [k for k in keys if "@" in k or "jane" in k.lower()]


def test_missing_email_decodes_and_leaves_the_rule_to_the_target() -> None:
    data = {**sample("order.json")[0], "BillingEmail": ""}
    order = decode(data)
    assert order.customer.email is None
    assert order.customer.ref.id == "guest:order-230"


def test_payment_kind_status_and_gateway() -> None:
    data = copy.deepcopy(sample("order.json")[0])
    sale = data["TransactionList"][0]
    data["TransactionList"] = [
        {**sale, "TransactionIndexID": 1, "TransactionType": "Authorize"},
        {**sale, "TransactionIndexID": 2, "TransactionType": "Capture", "TransactionGatewayID": 0},
        {
            **sale,
            "TransactionIndexID": 3,
            "TransactionType": "Sale",
            "TransactionResponseText": "Card DECLINED by issuer",
        },
        {**sale, "TransactionIndexID": 4, "TransactionType": "Credit", "TransactionAmount": 8.75},
    ]
    payments = decode(data).payments
    assert [(p.kind.value, p.status.value) for p in payments] == [
        ("authorization", "succeeded"),
        ("capture", "succeeded"),
        ("sale", "failed"),
        ("refund", "succeeded"),
    ]
    assert [p.gateway for p in payments] == ["33", None, "33", "33"]
    assert [p.ref.id for p in payments] == ["230-1", "230-2", "230-3", "230-4"]
    assert payments[3].amount.amount == Decimal("8.75")


def test_shipments_carry_their_lines_and_service() -> None:
    data = copy.deepcopy(sample("order.json")[0])
    first = data["ShipmentList"][0]
    item = data["OrderItemList"][0]
    data["ShipmentList"] = [
        first,
        {
            **first,
            "ShipmentID": 7,
            "ShipmentMethodName": "UPS Ground",
            "ShipmentTrackingCode": "",
            "ShipmentShippedDate": "",
        },
    ]
    data["OrderItemList"] = [
        item,
        {**item, "ItemIndexID": 332, "ItemID": "SKU-M", "ItemQuantity": 2, "ItemShipmentID": 7},
    ]
    shipments = decode(data).shipments
    assert [(s.ref.id, s.service, s.tracking_number) for s in shipments] == [
        ("230-0", first["ShipmentMethodName"], "9400000000000000000000"),
        ("230-7", "UPS Ground", None),
    ]
    assert [
        [(ln.sku, ln.quantity, ln.line.id if ln.line else None) for ln in s.lines]
        for s in shipments
    ] == [[("SKU-XS", 1, "230-331")], [("SKU-M", 2, "230-332")]]
    assert shipments[1].shipped_at is None
    assert shipments[0].method == shipments[0].service  # the older name still reads


def test_coupons_are_listed_once_in_order() -> None:
    data = {
        **sample("order.json")[0],
        "PromotionList": [
            {"PromotionName": "Autumn", "Coupon": "FALL10", "Discount": 5},
            {"PromotionName": "Free ship"},
            {"PromotionName": "Autumn again", "Coupon": "FALL10"},
            {"Coupon": "VIP"},
        ],
    }
    assert decode(data).coupons == ("FALL10", "VIP")


def test_customer_group_and_tax_exemption_are_decoded() -> None:
    data = {
        **sample("customer.json"),
        "CustomerGroupID": 3,
        "NonTaxable": True,
        "ShippingAddress1": "",
        "ShippingCity": "",
        "ShippingFirstName": "",
        "ShippingLastName": "",
        "ShippingState": "",
        "ShippingZipCode": "",
        "ShippingCountry": "",
        "ShippingPhoneNumber": "",
    }
    customer = decode_customer(RawCustomer.model_validate(data))
    assert (customer.customer_group, customer.tax_exempt) == ("3", True)
    assert customer.shipping_address is None  # an empty address is no address
    assert customer.billing_address is not None
    assert customer.billing_address.region == "CO"


def test_money_and_quantities_stay_exact() -> None:
    data = copy.deepcopy(sample("order.json")[0])
    data["OrderItemList"][0].update(ItemUnitPrice=0.1, ItemOptionPrice=0.2, ItemQuantity=3)
    line = decode(data).lines[0]
    assert line.unit_price.amount == Decimal("0.3")  # not 0.30000000000000004
    assert isinstance(line.quantity, Decimal)


def test_source_field_table() -> None:
    assert source_field("lines.3.sku") == "OrderItemList[3].ItemID"
    assert source_field("customer.email") == "BillingEmail"
    assert source_field("payments.0.amount") is None
