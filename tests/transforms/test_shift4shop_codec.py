"""Golden-file and rule tests of the Shift4Shop → canonical codec.

The golden input is the redacted capture of a real v1 order (shared/api-specs/shift4shop/samples);
the expected canonical JSON sits next to this file. Regenerate after an intended change with
`UPDATE_GOLDEN=1 pytest tests/transforms/test_shift4shop_codec.py` and review the diff.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from connectors.shift4shop.models import Customer as RawCustomer
from connectors.shift4shop.models import Order as RawOrder
from transforms.shift4shop import (
    DecodeError,
    customer_ref,
    decode_customer,
    decode_order,
    source_field,
)

GOLDEN = Path(__file__).parent / "golden"
SAMPLES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "shift4shop"


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def check_golden(name: str, actual: Any) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    assert actual == json.loads(path.read_text())


def decode(data: dict[str, Any]) -> Any:
    return decode_order(RawOrder.model_validate(data), timezone="America/New_York", currency="USD")


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


def test_guest_customers_are_keyed_by_email() -> None:
    assert customer_ref(0, " Jane.Doe@Example.com ").id == "guest:jane.doe@example.com"
    assert customer_ref(714, "jane.doe@example.com").id == "714"
    assert customer_ref(0, "", 1281).id == "guest:order-1281"


def test_missing_email_decodes_and_leaves_the_rule_to_the_target() -> None:
    data = {**sample("order.json")[0], "BillingEmail": ""}
    order = decode(data)
    assert order.customer.email is None
    assert order.customer.ref.id == "guest:order-230"


def test_source_field_table() -> None:
    assert source_field("lines.3.sku") == "OrderItemList[3].ItemID"
    assert source_field("customer.email") == "BillingEmail"
    assert source_field("payments.0.amount") is None
