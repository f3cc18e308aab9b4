"""Shift4Shop (3dcart) REST API v1 emulator: which change fires which webhook event.

API writes fire on real changes only, the merchant helpers (`touch_order`, `set_stock`,
`set_price`, `place_order`, also over `/__admin`) always; chaos switches duplicate, hold and
reorder deliveries. Receiver and fixtures come from `test_shift4shop_webhooks.py`.
"""

from __future__ import annotations

import httpx
import pytest

from connectors.clock import utcnow
from sandbox.shift4shop import Shift4ShopEmulator
from sandbox.shift4shop.events import EVENTS
from tests.sandbox import test_shift4shop_emulator as base
from tests.sandbox import test_shift4shop_webhooks as hooks_base
from tests.sandbox.test_shift4shop_webhooks import (
    PRODUCT_STOCK_CHANGED,
    WAIT_S,
    Receiver,
    delivered,
    register,
)

# The shared module-scoped fixtures (this module gets its own sandbox).
sandbox = base.sandbox
emu = base.emu
world = base.world
api = base.api
admin = base.admin
restore = base.restore
receiver = hooks_base.receiver
hooks = hooks_base.hooks


@pytest.mark.usefixtures("hooks")
def test_each_write_fires_its_event(
    api: httpx.Client, emu: Shift4ShopEmulator, receiver: Receiver
) -> None:
    for event_type in EVENTS:
        register(api, receiver.url(f"/e{event_type}"), event_type)
    sized = next(p for p in emu.world.products if p.variants)
    api.post("/Products", json={"SKUInfo": {"SKU": "EV-1", "Name": "Event"}})
    api.put("/Products/9", json={"SKUInfo": {"Price": 99, "Stock": 1}})
    api.put(f"/Products/{sized.catalog_id}/AdvancedOptions/1", json={"AdvancedOptionStock": -1})
    api.put("/Products/10", json={"SKUInfo": {"Stock": emu.world.products[9].stock}})  # no change
    api.post("/Customers", json={"Email": "events@example.org"})
    api.put("/Customers/1", json={"Comments": "edits fire nothing"})
    api.delete("/Products/11")
    got = sorted((e["event"], e["resource_id"]) for e in delivered(emu))
    assert got == sorted(
        [
            ("Product New", 101),
            ("Product Changed", 9),
            ("Product Stock Changed", 9),
            ("Product Stock Changed", sized.catalog_id),
            ("Customer New", 201),
            ("Product Deleted", 11),
        ]
    )
    deleted = next(r for r in receiver.requests if r["path"] == "/e6")
    assert deleted["body"][0]["SKUInfo"]["CatalogID"] == 11
    stock = [r for r in receiver.requests if r["path"] == "/e7"]
    assert {r["body"][0]["SKUInfo"]["CatalogID"] for r in stock} == {9, sized.catalog_id}


@pytest.mark.usefixtures("hooks")
def test_admin_helpers_stamp_the_clock_and_fire(
    api: httpx.Client, emu: Shift4ShopEmulator, receiver: Receiver, admin: httpx.Client
) -> None:
    for event_type in EVENTS:
        register(api, receiver.url(f"/e{event_type}"), event_type)
    sized = next(p for p in emu.world.products if p.variants)
    before = base.local(utcnow().replace(microsecond=0), "%Y-%m-%dT%H:%M:%S")
    order = emu.touch_order(1001, status_id=emu.world.orders[0].status_id)  # same status: fires
    assert order["LastUpdate"] >= before
    product = emu.set_stock(sized.catalog_id, -4, advanced_option_code="2")
    assert product["AdvancedOptionList"][1]["AdvancedOptionStock"] == -4
    assert emu.set_price(12, "13.5")["SKUInfo"]["Price"] == 13.5
    customer = emu.edit_customer(2, BillingCity="Lyon", BillingCountry="FR", BillingState="")
    assert (customer["BillingCity"], customer["BillingCountry"]) == ("Lyon", "FR")
    placed = emu.place_order(3, [(sized.variants[0].sku, 2), ("SB-MUG-002", 1)])
    assert placed["OrderStatusID"] == 1
    assert placed["ShipmentList"][0]["ShipmentID"] == 0
    assert placed["OrderItemList"][0]["ItemID"] == sized.variants[0].sku
    assert [t["TransactionType"] for t in placed["TransactionList"]] == ["Authorize"]
    r = admin.post("/products/13/stock", json={"stock": 2})
    assert r.json()["SKUInfo"]["Stock"] == 2
    assert admin.post("/orders/999999/touch", json={"status_id": 2}).status_code == 404
    got = [(e["event"], e["resource_id"]) for e in delivered(emu)]
    assert got == [
        ("Order Status Changed", 1001),
        ("Product Stock Changed", sized.catalog_id),
        ("Product Changed", 12),
        ("Order New", placed["OrderID"]),
        ("Product Stock Changed", 13),
    ]
    assert api.get(f"/Orders/{placed['OrderID']}").json()[0] == receiver.requests[3]["body"][0]
    changed = api.get("/Customers", params={"lastupdatestart": base.local(utcnow())[:10]})
    assert 2 in [c["CustomerID"] for c in changed.json()]
    with pytest.raises(KeyError):
        emu.set_stock(sized.catalog_id, 1, advanced_option_code="99")


@pytest.mark.usefixtures("hooks")
def test_chaos_duplicates(
    api: httpx.Client, emu: Shift4ShopEmulator, receiver: Receiver, admin: httpx.Client
) -> None:
    register(api, receiver.url(), PRODUCT_STOCK_CHANGED)
    r = admin.put("/webhooks/chaos", json={"duplicate_share": 1, "seed": 7})
    assert r.json()["duplicate_share"] == 1
    emu.set_stock(14, 1)
    log = delivered(emu)
    assert [e["duplicate"] for e in log] == [False, True]
    assert log[0]["delivery"] == log[1]["delivery"]
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]


@pytest.mark.usefixtures("hooks")
def test_chaos_hold_and_shuffle(
    api: httpx.Client, emu: Shift4ShopEmulator, receiver: Receiver, admin: httpx.Client
) -> None:
    register(api, receiver.url(), PRODUCT_STOCK_CHANGED)
    admin.put("/webhooks/chaos", json={"hold": True, "shuffle": True, "seed": 1})
    for catalog_id in (15, 16, 17, 18):
        emu.set_stock(catalog_id, 5)
    assert not emu.wait_for_deliveries(0.05)  # held
    assert receiver.requests == []
    assert admin.post("/webhooks/flush", params={"timeout": WAIT_S}).json() == {
        "done": True,
        "pending": 0,
    }
    order = [r["body"][0]["SKUInfo"]["CatalogID"] for r in receiver.requests]
    assert sorted(order) == [15, 16, 17, 18]
    assert order != [15, 16, 17, 18]
    assert admin.get("/webhooks/policy").json()["attempts"] == 3


@pytest.mark.usefixtures("hooks")
def test_admin_http_routes_for_the_helpers(
    emu: Shift4ShopEmulator, receiver: Receiver, admin: httpx.Client, api: httpx.Client
) -> None:
    for event_type in EVENTS:
        register(api, receiver.url(f"/e{event_type}"), event_type)
    r = admin.post("/orders/1002/touch", json={"status_id": 5})
    assert r.json()["OrderStatusID"] == 5
    assert admin.post("/orders/1002/touch", json={"status_id": 77}).status_code == 400
    r = admin.post("/customers/4/edit", json={"BillingAddress1": "7 Oak St", "BillingZipCode": "1"})
    assert r.json()["BillingAddress1"] == "7 Oak St"
    r = admin.post("/customers/4/edit", json={"BillingCountry": "Germany"})
    assert r.status_code == 400
    assert "BillingCountry" in r.json()[0]["Message"]
    assert admin.post("/customers/9999/edit", json={"Comments": "x"}).status_code == 404
    assert (
        admin.post("/products/20/price", json={"price": 12.25}).json()["SKUInfo"]["Price"] == 12.25
    )
    body = {"customer_id": 6, "items": [{"sku": "SB-MUG-002", "quantity": 2}]}
    placed = admin.post("/orders", json=body).json()
    assert placed["OrderItemList"][0]["ItemQuantity"] == 2
    bad = {"customer_id": 6, "items": [{"sku": "NOPE-1"}]}
    assert admin.post("/orders", json=bad).status_code == 404
    got = [(e["event"], e["resource_id"]) for e in delivered(emu)]
    assert got == [
        ("Order Status Changed", 1002),
        ("Product Changed", 20),
        ("Order New", placed["OrderID"]),
    ]
    assert api.get("/Products/2").json()[0]["SKUInfo"]["Stock"] == emu.world.products[1].stock - 2
