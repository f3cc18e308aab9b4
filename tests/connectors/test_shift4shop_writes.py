"""Shift4Shop writes against the emulator: every item of a batch answers on its own, batches
over the store's maximum are split by the client, and a refused write says why (it comes back
as a failed `WriteResult`, not an exception). Each test puts back what it changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from connectors.http import RecordError
from connectors.shift4shop import Shift4ShopClient
from connectors.shift4shop.client import WriteResult
from sandbox.core import Emulator
from sandbox.runner import Sandbox
from sandbox.seed import NOT_COMPLETED, SeedOrder
from tests.connectors.contract import ConnectorContract, FakeSleep
from tests.connectors.test_shift4shop_contract import settings

BASE = "/3dCartWebAPI/v1"


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[Shift4ShopClient]:
    with Shift4ShopClient(settings(sandbox), sleep=FakeSleep()) as c:
        yield c


@pytest.fixture
def emulator(sandbox: Sandbox) -> Emulator:
    return sandbox.emulator("shift4shop")


def calls(emulator: Emulator, endpoint: str) -> int:
    with emulator.lock:
        return emulator.counts[endpoint]


def quiet_order(sandbox: Sandbox, *, shipped: bool = False, skip: int = 0) -> SeedOrder:
    """An order the contract's incremental window and its same-second twins leave alone (a
    write moves its LastUpdate to now)."""
    since, until = ConnectorContract().changed_window()
    margin = dt.timedelta(days=2)
    fits = [
        o
        for o in sandbox.world.orders[110:]
        if not since - margin <= o.last_update <= until + margin
        and o.status_id != NOT_COMPLETED
        and (not shipped or any(s.shipment_id for s in o.shipments))
    ]
    return fits[skip]


def customer_ids(emulator: Emulator) -> list[int]:
    with emulator.lock:
        return sorted(emulator.state.customers)  # type: ignore[attr-defined]


def test_a_customer_batch_answers_per_item(client: Shift4ShopClient, emulator: Emulator) -> None:
    a, b = customer_ids(emulator)[:2]
    (before_a,) = client.customers_by_id([a]).records
    (before_b,) = client.customers_by_id([b]).records

    results = client.update_customers(
        [
            {"CustomerID": a, "BillingPhoneNumber": "305-555-0199"},
            {"CustomerID": b, "BillingCountry": "United States"},  # not ISO alpha-2
            {"CustomerID": 999999, "Comments": "ghost"},
            {"Comments": "no id"},
        ]
    )

    assert [r.ok for r in results] == [True, False, False, False]
    assert (results[0].key, results[0].value, results[0].status) == ("CustomerID", str(a), 200)
    assert results[1].status == 400
    assert "BillingCountry" in results[1].message
    assert results[2].status == 404
    assert "999999" in results[2].message
    assert results[3].status == 400
    assert "CustomerID is required" in results[3].message
    (after_a,) = client.customers_by_id([a]).records
    (after_b,) = client.customers_by_id([b]).records
    assert after_a.billing_phone_number == "305-555-0199"
    assert after_b.billing_country == before_b.billing_country  # the refused item changed nothing
    restore = [{"CustomerID": a, "BillingPhoneNumber": before_a.billing_phone_number or ""}]
    assert all(r.ok for r in client.update_customers(restore))


def test_a_batch_of_101_is_sent_as_two_calls(client: Shift4ShopClient, emulator: Emulator) -> None:
    ids = customer_ids(emulator)[:101]
    assert len(ids) == 101
    with emulator.lock:
        state: Any = emulator.state  # type: ignore[attr-defined]
        bodies = [
            {"CustomerID": i, "MailList": bool(state.customers[i].fields["MailList"])} for i in ids
        ]
    endpoint = f"PUT {BASE}/Customers"
    before = calls(emulator, endpoint)

    results = client.update_customers(bodies)

    assert calls(emulator, endpoint) - before == 2
    assert [r.value for r in results] == [str(i) for i in ids]
    assert all(r.ok for r in results)
    with pytest.raises(RecordError, match="Maximum of 100 items"):  # why the client splits
        client.http.request("PUT", "/Customers", json=bodies)


def test_new_customers_get_ids_and_duplicates_are_refused(client: Shift4ShopClient) -> None:
    email = "contract.new.customer@example.com"
    results = client.create_customers(
        [
            {
                "Email": email,
                "BillingFirstName": "New",
                "BillingLastName": "Shopper",
                "BillingCountry": "US",
            },
            {"Email": email.upper(), "BillingFirstName": "Twin"},
            {"BillingFirstName": "No e-mail"},
        ]
    )
    assert [(r.key, r.status) for r in results] == [
        ("CustomerID", 201),
        ("CustomerID", 400),
        ("CustomerID", 400),
    ]
    assert "already used" in results[1].message
    assert "'Email'" in results[2].message
    found = client.customers_by_email(email)
    assert [str(c.customer_id) for c in found] == [results[0].value]


def test_single_object_refusals_come_back_as_failed_results(
    client: Shift4ShopClient, sandbox: Sandbox
) -> None:
    order = quiet_order(sandbox, shipped=True)
    shipment_id = next(s.shipment_id for s in order.shipments if s.shipment_id)
    before = client.shipments(order.order_id)

    unknown = client.update_shipment(order.order_id, 424242, {"ShipmentTrackingCode": "X"})
    too_long = client.update_shipment(
        order.order_id, shipment_id, {"ShipmentTrackingCode": "X" * 101}
    )
    no_order = client.add_shipment(999999, {"ShipmentMethodName": "Ground"})

    assert unknown == [
        WriteResult("Error", "", 404, f"Shipment 424242 not found on order {order.order_id}")
    ]
    assert (too_long[0].ok, too_long[0].status) == (False, 400)
    assert "ShipmentTrackingCode" in too_long[0].message
    assert (no_order[0].status, no_order[0].message) == (404, "Order 999999 not found")
    assert client.shipments(order.order_id) == before  # nothing was written


def test_order_status_batches_answer_per_item(client: Shift4ShopClient, sandbox: Sandbox) -> None:
    order = quiet_order(sandbox, skip=3)
    results = client.set_order_statuses(
        [(order.order_id, 99), (order.order_id, order.status_id), (999999, 2)]
    )
    assert [(r.ok, r.status) for r in results] == [(False, 400), (True, 200), (False, 404)]
    assert "OrderStatusID" in results[0].message
    (raw,) = client.orders_by_id([order.order_id]).records
    assert raw.order_status_id == order.status_id


def test_shipments_are_updated_and_added(client: Shift4ShopClient, sandbox: Sandbox) -> None:
    order = quiet_order(sandbox, shipped=True, skip=1)
    shipment_id = next(s.shipment_id for s in order.shipments if s.shipment_id)
    old = next(s for s in client.shipments(order.order_id) if s["ShipmentID"] == shipment_id)

    updated = client.update_shipment(
        order.order_id, shipment_id, {"ShipmentTrackingCode": "1ZCONTRACT0001"}
    )
    added = client.add_shipment(
        order.order_id,
        {"ShipmentMethodName": "Contract Ground", "ShipmentTrackingCode": "1ZCONTRACT0002"},
    )

    assert updated == [WriteResult("ShipmentID", str(shipment_id), 200, updated[0].message)]
    assert (added[0].key, added[0].status) == ("ShipmentID", 201)
    now = {s["ShipmentID"]: s for s in client.shipments(order.order_id)}
    assert now[shipment_id]["ShipmentTrackingCode"] == "1ZCONTRACT0001"
    assert now[int(added[0].value)]["ShipmentMethodName"] == "Contract Ground"
    client.update_shipment(
        order.order_id, shipment_id, {"ShipmentTrackingCode": old["ShipmentTrackingCode"]}
    )


def test_products_are_created_updated_and_found_by_sku(client: Shift4ShopClient) -> None:
    sku = "SB-CONTRACT-001"
    created = client.create_products(
        [
            {"SKUInfo": {"SKU": sku, "Name": "Contract Cap", "Price": Decimal("12.10")}},
            {"SKUInfo": {"SKU": sku.lower(), "Name": "Same SKU"}},
            {"SKUInfo": {"Name": "No SKU"}},
        ]
    )
    assert [(r.key, r.status) for r in created] == [
        ("CatalogID", 201),
        ("CatalogID", 400),
        ("CatalogID", 400),
    ]
    assert created[1].message == "SKU already exists"
    assert "SKUInfo.SKU" in created[2].message
    catalog_id = int(created[0].value)
    try:
        (info,) = client.skus(sku)
        assert (info["CatalogID"], info["SKU"], Decimal(str(info["Price"]))) == (
            catalog_id,
            sku,
            Decimal("12.10"),
        )
        updated = client.update_products(
            [
                {"SKUInfo": {"CatalogID": catalog_id, "Price": Decimal("13.35")}},
                {"SKUInfo": {"CatalogID": 999999, "Price": Decimal("1")}},
            ]
        )
        assert [(r.ok, r.status) for r in updated] == [(True, 200), (False, 404)]
        product = client.product(catalog_id)
        assert product is not None
        assert Decimal(str(product["SKUInfo"]["Price"])) == Decimal("13.35")
    finally:
        client.http.request("DELETE", f"/Products/{catalog_id}")
    assert client.product(catalog_id) is None
    assert client.skus(sku) == []


def test_variants_are_updated_by_code(client: Shift4ShopClient, sandbox: Sandbox) -> None:
    product = next(p for p in sandbox.world.products if p.variants)
    options = client.advanced_options(product.catalog_id)
    code, price = options[0]["AdvancedOptionCode"], options[0]["AdvancedOptionPrice"]

    results = client.update_advanced_options(
        product.catalog_id,
        [
            {"AdvancedOptionCode": code, "AdvancedOptionPrice": Decimal("99.99")},
            {"AdvancedOptionCode": "no-such-code", "AdvancedOptionPrice": Decimal("1")},
        ],
    )
    unknown_product = client.update_advanced_options(
        999999, [{"AdvancedOptionCode": code, "AdvancedOptionPrice": Decimal("1")}]
    )

    assert [(r.key, r.value, r.ok) for r in results] == [
        ("AdvancedOptionCode", code, True),
        ("AdvancedOptionCode", "no-such-code", False),
    ]
    assert results[1].status == 404
    assert (unknown_product[0].ok, unknown_product[0].status) == (False, 404)
    after = {o["AdvancedOptionCode"]: o for o in client.advanced_options(product.catalog_id)}
    assert Decimal(str(after[code]["AdvancedOptionPrice"])) == Decimal("99.99")
    restore: list[dict[str, Any]] = [
        {"AdvancedOptionCode": code, "AdvancedOptionPrice": Decimal(str(price))}
    ]
    assert all(r.ok for r in client.update_advanced_options(product.catalog_id, restore))
    assert client.advanced_options(999999) == []  # 404 means none
